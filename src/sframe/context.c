/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SFrame context (RFC 9605 §4.4, Appendix A): a cipher suite and a key store by KID,
 * with protect and unprotect into caller buffers.
 *
 *   protect(kid, metadata, pt)              unprotect(metadata, frame)
 *     key = store[kid], protect-only          KID, CTR = header(frame)       §4.3
 *     CTR = key.next_ctr (refuse if used up)  key = store[KID] or MLS epoch  §5.2
 *     header = encode(KID, CTR)      §4.3     refuse CTR if replayed         §9.3
 *     nonce = salt XOR CTR           §4.4.3   nonce = salt XOR CTR           §4.4.4
 *     ct = AEAD.Encrypt(key, nonce,           pt = AEAD.Decrypt(key, nonce,
 *            header || metadata, pt)                 header || metadata, ct)
 *     key.next_ctr += 1                       window.record(CTR)
 *     return header || ct                     return pt
 *
 * Every check runs before any state changes, so a rejected call leaves the context as it was.
 */
#include "sframe/context.h"

#include <string.h>

#include <sealroom/buf.h>

#include "core/alloc.h"
#include "crypto/aead.h"

#define DEFAULT_WINDOW     128
#define DEFAULT_MAX_KEYS   4096
#define DEFAULT_EPOCH_BITS 4
#define MAX_EPOCH_BITS     16
#define MAX_KEYS_LIMIT     ((size_t)1 << 20)

bool sr_sframe_suite_supported(uint16_t cipher_suite)
{
    const struct sr_sframe_suite *s = sr_sframe_suite_find(cipher_suite);
    return s != NULL && sr_sframe_suite_hash(s) != NULL &&
           (s->aead_id == 0 || sr_aead_get(s->aead_id) != NULL);
}

size_t sr_sframe_ciphertext_len(uint16_t cipher_suite, size_t pt_len)
{
    const struct sr_sframe_suite *s = sr_sframe_suite_find(cipher_suite);
    size_t len;
    if (s == NULL || !sr_size_add(pt_len, SR_SFRAME_HEADER_MAX + s->nt, &len)) {
        return 0;
    }
    return len;
}

size_t sr_sframe_plaintext_len(uint16_t cipher_suite, size_t ct_len)
{
    const struct sr_sframe_suite *s = sr_sframe_suite_find(cipher_suite);
    if (s == NULL || ct_len < 1 + s->nt) {
        return 0;
    }
    return ct_len - 1 - s->nt;
}

void sr_sframe_options_init(struct sr_sframe_options *opt, uint16_t cipher_suite)
{
    memset(opt, 0, sizeof(*opt));
    opt->cipher_suite = cipher_suite;
    opt->replay_window = DEFAULT_WINDOW;
    opt->ctr_bits = 64;
    opt->max_keys = DEFAULT_MAX_KEYS;
    opt->mls_epoch_bits = DEFAULT_EPOCH_BITS;
    opt->mls_grace = 0;
}

sr_err sr_sframe_ctx_new(const struct sr_sframe_options *opt, struct sr_sframe_ctx **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(opt != NULL, SR_ERR_ARG);
    SR_CHECK(sr_sframe_suite_supported(opt->cipher_suite), SR_ERR_UNSUPPORTED);
    SR_CHECK(opt->replay_window >= 1 && opt->replay_window <= SR_SFRAME_WINDOW_MAX, SR_ERR_ARG);
    SR_CHECK(opt->ctr_bits >= 1 && opt->ctr_bits <= 64, SR_ERR_ARG);
    SR_CHECK(opt->max_keys >= 1 && opt->max_keys <= MAX_KEYS_LIMIT, SR_ERR_ARG);
    SR_CHECK(opt->mls_epoch_bits <= MAX_EPOCH_BITS, SR_ERR_ARG);
    struct sr_sframe_ctx *ctx = sr_calloc(1, sizeof(*ctx));
    SR_CHECK(ctx != NULL, SR_ERR_NOMEM);
    ctx->suite = sr_sframe_suite_find(opt->cipher_suite);
    ctx->opt = *opt;
    ctx->ctr_max = opt->ctr_bits == 64 ? UINT64_MAX : ((uint64_t)1 << opt->ctr_bits) - 1;
    *out = ctx;
    return SR_OK;
}

void sr_sframe_ctx_free(struct sr_sframe_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    sr_sframe_keys_clear(ctx);
    sr_sframe_mls_clear(ctx);
    sr_wipe(ctx, sizeof(*ctx));
    sr_free(ctx);
}

sr_err sr_sframe_ctx_key_add(struct sr_sframe_ctx *ctx, uint64_t kid, enum sr_sframe_dir dir,
                             struct sr_slice base_key)
{
    SR_CHECK(ctx != NULL, SR_ERR_ARG);
    SR_CHECK(dir == SR_SFRAME_PROTECT || dir == SR_SFRAME_UNPROTECT, SR_ERR_ARG);
    SR_CHECK(base_key.p != NULL && base_key.len >= 1 && base_key.len <= SR_SFRAME_KEY_MAX,
             SR_ERR_ARG);
    SR_CHECK(sr_sframe_keys_find(ctx, kid) == NULL, SR_ERR_EXISTS);
    SR_TRY(sr_sframe_keys_reserve(ctx));
    uint8_t prk[SR_HASH_MAX];
    struct sr_sframe_key *key = NULL;
    sr_err err = sr_sframe_derive_secret(ctx->suite, base_key, prk);
    if (err != SR_OK) {
        goto out;
    }
    const struct sr_hash_alg *hash = sr_sframe_suite_hash(ctx->suite);
    err = sr_sframe_key_new(ctx, kid, dir, sr_slice_of(prk, hash->len), &key);
    if (err == SR_OK) {
        sr_sframe_keys_insert(ctx, key);
    }
out:
    sr_wipe(prk, sizeof(prk));
    return err;
}

sr_err sr_sframe_ctx_key_remove(struct sr_sframe_ctx *ctx, uint64_t kid)
{
    SR_CHECK(ctx != NULL, SR_ERR_ARG);
    SR_CHECK(sr_sframe_keys_remove(ctx, kid), SR_ERR_NOT_FOUND);
    return SR_OK;
}

static struct sr_sframe_key *protect_key(const struct sr_sframe_ctx *ctx, uint64_t kid)
{
    struct sr_sframe_key *key = sr_sframe_keys_find(ctx, kid);
    return key != NULL && key->dir == SR_SFRAME_PROTECT ? key : NULL;
}

sr_err sr_sframe_ctx_key_get_ctr(const struct sr_sframe_ctx *ctx, uint64_t kid, uint64_t *ctr,
                                 bool *exhausted)
{
    SR_CHECK(ctx != NULL && ctr != NULL, SR_ERR_ARG);
    const struct sr_sframe_key *key = protect_key(ctx, kid);
    SR_CHECK(key != NULL, SR_ERR_NOT_FOUND);
    *ctr = key->next_ctr;
    if (exhausted != NULL) {
        *exhausted = key->exhausted;
    }
    return SR_OK;
}

sr_err sr_sframe_ctx_key_set_ctr(struct sr_sframe_ctx *ctx, uint64_t kid, uint64_t ctr)
{
    SR_CHECK(ctx != NULL, SR_ERR_ARG);
    struct sr_sframe_key *key = protect_key(ctx, kid);
    SR_CHECK(key != NULL, SR_ERR_NOT_FOUND);
    SR_CHECK(!key->exhausted && ctr <= ctx->ctr_max, SR_ERR_EXHAUSTED);
    /* RFC 9605 §9.1: each (base_key, KID, CTR) at most once, so never move back. */
    SR_CHECK(ctr >= key->next_ctr, SR_ERR_INVALID);
    key->next_ctr = ctr;
    return SR_OK;
}

sr_err sr_sframe_ctx_protect(struct sr_sframe_ctx *ctx, uint64_t kid, struct sr_slice metadata,
                             struct sr_slice pt, uint8_t *out, size_t out_cap, size_t *out_len)
{
    SR_CHECK(ctx != NULL && out != NULL && out_len != NULL, SR_ERR_ARG);
    *out_len = 0;
    SR_CHECK(metadata.len <= SR_SFRAME_METADATA_MAX, SR_ERR_LIMIT);
    struct sr_sframe_key *key = protect_key(ctx, kid);
    SR_CHECK(key != NULL, SR_ERR_NOT_FOUND);
    /* RFC 9605 §7.4: "senders MUST reject requests to encrypt multiple times with the same
     * key and nonce", so a used-up CTR space is refused rather than wrapped. */
    SR_CHECK(!key->exhausted, SR_ERR_EXHAUSTED);
    uint64_t ctr = key->next_ctr;
    uint8_t header[SR_SFRAME_HEADER_MAX];
    size_t hlen, total;
    SR_TRY(sr_sframe_header_encode(kid, ctr, header, sizeof(header), &hlen));
    SR_CHECK(sr_size_add(pt.len, hlen + ctx->suite->nt, &total), SR_ERR_LIMIT);
    SR_CHECK(out_cap >= total, SR_ERR_BUFFER_TOO_SMALL);
    memcpy(out, header, hlen);
    uint8_t nonce[SR_SFRAME_NN];
    sr_sframe_cipher_nonce(&key->cipher, ctr, nonce);
    struct sr_slice aad[2] = { sr_slice_of(out, hlen), metadata };
    sr_err err = ctx->suite->ops->seal(&key->cipher, nonce, aad, pt, out + hlen);
    if (err != SR_OK) {
        sr_wipe(out, total);
        return err;
    }
    if (ctr == ctx->ctr_max) {
        key->exhausted = true;
    } else {
        key->next_ctr = ctr + 1;
    }
    *out_len = total;
    return SR_OK;
}

/* The unprotect key of `kid`: from the store, else staged from its MLS epoch (*staged). */
static sr_err receive_key(struct sr_sframe_ctx *ctx, uint64_t kid, struct sr_sframe_key **key,
                          struct sr_sframe_key **staged)
{
    *staged = NULL;
    *key = sr_sframe_keys_find(ctx, kid);
    if (*key != NULL) {
        SR_CHECK((*key)->dir == SR_SFRAME_UNPROTECT, SR_ERR_NOT_FOUND);
        return SR_OK;
    }
    /* Reserve first, so that keeping the key after it authenticates cannot fail. */
    SR_TRY(sr_sframe_mls_receive_key(ctx, kid, staged));
    sr_err err = sr_sframe_keys_reserve(ctx);
    if (err != SR_OK) {
        sr_sframe_key_free(*staged);
        *staged = NULL;
        return err;
    }
    *key = *staged;
    return SR_OK;
}

static sr_err unprotect(struct sr_sframe_ctx *ctx, struct sr_slice metadata, struct sr_slice ct,
                        uint8_t *out, size_t out_cap, size_t *out_len, struct sr_sframe_header *hdr)
{
    SR_CHECK(metadata.len <= SR_SFRAME_METADATA_MAX, SR_ERR_LIMIT);
    SR_TRY(sr_sframe_header_decode(ct, hdr));
    struct sr_slice body = sr_slice_of(ct.p + hdr->len, ct.len - hdr->len);
    SR_CHECK(body.len >= ctx->suite->nt, SR_ERR_AUTH);
    size_t pt_len = body.len - ctx->suite->nt;
    SR_CHECK(out_cap >= pt_len, SR_ERR_BUFFER_TOO_SMALL);
    struct sr_sframe_key *key, *staged;
    SR_TRY(receive_key(ctx, hdr->kid, &key, &staged));
    sr_err err = sr_sframe_replay_check(&key->replay, hdr->ctr);
    if (err == SR_OK) {
        uint8_t nonce[SR_SFRAME_NN];
        sr_sframe_cipher_nonce(&key->cipher, hdr->ctr, nonce);
        struct sr_slice aad[2] = { sr_slice_of(ct.p, hdr->len), metadata };
        err = ctx->suite->ops->open(&key->cipher, nonce, aad, body, out);
    }
    if (err != SR_OK) {
        sr_sframe_key_free(staged);
        return err;
    }
    /* Only an authenticated frame moves the window (RFC 9605 §9.3, §7.5). */
    sr_sframe_replay_update(&key->replay, hdr->ctr);
    if (staged != NULL) {
        sr_sframe_keys_insert(ctx, staged);
    }
    *out_len = pt_len;
    return SR_OK;
}

sr_err sr_sframe_ctx_unprotect(struct sr_sframe_ctx *ctx, struct sr_slice metadata,
                               struct sr_slice ct, uint8_t *out, size_t out_cap, size_t *out_len,
                               struct sr_sframe_header *hdr)
{
    SR_CHECK(ctx != NULL && out != NULL && out_len != NULL, SR_ERR_ARG);
    *out_len = 0;
    struct sr_sframe_header h = { 0 };
    sr_err err = unprotect(ctx, metadata, ct, out, out_cap, out_len, &h);
    if (hdr != NULL) {
        if (err == SR_OK) {
            *hdr = h;
        } else {
            memset(hdr, 0, sizeof(*hdr));
        }
    }
    return err;
}
