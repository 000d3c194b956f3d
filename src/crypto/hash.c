/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hash, HMAC (RFC 2104) and HKDF (RFC 5869) on cached EVP_MD objects.
 *
 * HMAC is written out over the digest rather than fetched as an EVP_MAC: the key
 * schedule and secret tree run HKDF-Expand thousands of times per epoch, and this way a
 * call costs one EVP_MD_CTX and the compression functions, with no provider fetch and no
 * parameter parsing.
 *
 *   HMAC(K, m) = H((K' ^ opad) || H((K' ^ ipad) || m)),  K' = K padded (or hashed) to B bytes
 */
#include "crypto/hash.h"

#include <string.h>

#include <sealroom/buf.h>

#include "core/alloc.h"
#include "crypto/ossl.h"

#define BLOCK_MAX 128 /* SHA-384/512 block size */

struct sr_hmac_ctx {
    const struct sr_hash_alg *alg;
    const EVP_MD *md;
    EVP_MD_CTX *mdctx;
    /* Reusable contexts only: the digest states after (K' ^ ipad) and (K' ^ opad). */
    EVP_MD_CTX *inner_key;
    EVP_MD_CTX *outer_key;
    uint8_t ipad[BLOCK_MAX];
    uint8_t opad[BLOCK_MAX];
};

/* The streaming form every entry point shares: H(parts[0] || ... ) into out. */
static sr_err digest_parts(EVP_MD_CTX *mdctx, const EVP_MD *md, const struct sr_slice *parts,
                           size_t n, uint8_t *out)
{
    if (EVP_DigestInit_ex2(mdctx, md, NULL) != 1) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len > 0 && EVP_DigestUpdate(mdctx, parts[i].p, parts[i].len) != 1) {
            return sr_ossl_fail(SR_ERR_CRYPTO);
        }
    }
    if (EVP_DigestFinal_ex(mdctx, out, NULL) != 1) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    return SR_OK;
}

sr_err sr_hash_parts(const struct sr_hash_alg *alg, const struct sr_slice *parts, size_t n,
                     uint8_t *out)
{
    SR_CHECK(alg != NULL && out != NULL && (parts != NULL || n == 0), SR_ERR_ARG);
    const EVP_MD *md = sr_ossl_md(alg);
    SR_CHECK(md != NULL, SR_ERR_UNSUPPORTED);
    EVP_MD_CTX *mdctx = EVP_MD_CTX_new();
    if (mdctx == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    sr_err err = digest_parts(mdctx, md, parts, n, out);
    EVP_MD_CTX_free(mdctx);
    return err;
}

sr_err sr_hash(const struct sr_hash_alg *alg, struct sr_slice in, uint8_t *out)
{
    return sr_hash_parts(alg, &in, 1, out);
}

/* Derive the two padded key blocks; keys longer than a block are hashed first. */
static sr_err hmac_pads(struct sr_hmac_ctx *h, struct sr_slice key)
{
    uint8_t k[BLOCK_MAX] = { 0 };
    sr_err err = SR_OK;
    if (key.len > h->alg->block_len) {
        err = digest_parts(h->mdctx, h->md, &key, 1, k);
    } else if (key.len > 0) {
        memcpy(k, key.p, key.len);
    }
    for (size_t i = 0; i < h->alg->block_len; i++) {
        h->ipad[i] = k[i] ^ 0x36;
        h->opad[i] = k[i] ^ 0x5c;
    }
    sr_wipe(k, sizeof(k));
    return err;
}

/* HMAC with pads already set; `out` may be one of the parts' buffers. */
static sr_err hmac_run(struct sr_hmac_ctx *h, const struct sr_slice *parts, size_t n, uint8_t *out)
{
    uint8_t inner[SR_HASH_MAX];
    sr_err err = SR_ERR_CRYPTO;
    size_t bl = h->alg->block_len;
    if (EVP_DigestInit_ex2(h->mdctx, h->md, NULL) != 1 ||
        EVP_DigestUpdate(h->mdctx, h->ipad, bl) != 1) {
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len > 0 && EVP_DigestUpdate(h->mdctx, parts[i].p, parts[i].len) != 1) {
            goto fail;
        }
    }
    if (EVP_DigestFinal_ex(h->mdctx, inner, NULL) != 1 ||
        EVP_DigestInit_ex2(h->mdctx, h->md, NULL) != 1 ||
        EVP_DigestUpdate(h->mdctx, h->opad, bl) != 1 ||
        EVP_DigestUpdate(h->mdctx, inner, h->alg->len) != 1 ||
        EVP_DigestFinal_ex(h->mdctx, out, NULL) != 1) {
        goto fail;
    }
    err = SR_OK;
    goto out;
fail:
    err = sr_ossl_fail(SR_ERR_CRYPTO);
out:
    sr_wipe(inner, sizeof(inner));
    return err;
}

/* Set up a caller-embedded context (no heap beyond OpenSSL's EVP_MD_CTX). */
static sr_err hmac_setup(struct sr_hmac_ctx *h, const struct sr_hash_alg *alg, struct sr_slice key)
{
    memset(h, 0, sizeof(*h));
    SR_CHECK(alg != NULL && (key.p != NULL || key.len == 0), SR_ERR_ARG);
    h->alg = alg;
    h->md = sr_ossl_md(alg);
    SR_CHECK(h->md != NULL, SR_ERR_UNSUPPORTED);
    h->mdctx = EVP_MD_CTX_new();
    if (h->mdctx == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    return hmac_pads(h, key);
}

static void hmac_teardown(struct sr_hmac_ctx *h)
{
    EVP_MD_CTX_free(h->mdctx);
    EVP_MD_CTX_free(h->inner_key); /* the provider wipes the keyed states */
    EVP_MD_CTX_free(h->outer_key);
    sr_wipe(h, sizeof(*h));
}

sr_err sr_hmac(const struct sr_hash_alg *alg, struct sr_slice key, struct sr_slice data,
               uint8_t *out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    struct sr_hmac_ctx h;
    sr_err err = hmac_setup(&h, alg, key);
    if (err == SR_OK) {
        err = hmac_run(&h, &data, 1, out);
    }
    hmac_teardown(&h);
    return err;
}

/* RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zeros. */
sr_err sr_hkdf_extract(const struct sr_hash_alg *alg, struct sr_slice salt, struct sr_slice ikm,
                       uint8_t *prk)
{
    static const uint8_t zeros[SR_HASH_MAX] = { 0 };
    SR_CHECK(alg != NULL && prk != NULL, SR_ERR_ARG);
    if (salt.len == 0) {
        salt = sr_slice_of(zeros, alg->len);
    }
    return sr_hmac(alg, salt, ikm, prk);
}

/* RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), OKM = first L bytes of T(1)... */
sr_err sr_hkdf_expand_parts(const struct sr_hash_alg *alg, struct sr_slice prk,
                            const struct sr_slice *info, size_t n, uint8_t *out, size_t out_len)
{
    SR_CHECK(alg != NULL && (out != NULL || out_len == 0), SR_ERR_ARG);
    SR_CHECK(n <= SR_HKDF_INFO_PARTS_MAX && (info != NULL || n == 0), SR_ERR_ARG);
    /* RFC 5869 §2.3: "L  length of output keying material in octets (<= 255*HashLen)" */
    SR_CHECK(out_len <= 255 * alg->len, SR_ERR_ARG);

    struct sr_hmac_ctx h;
    uint8_t t[SR_HASH_MAX];
    struct sr_slice parts[SR_HKDF_INFO_PARTS_MAX + 2];
    sr_err err = hmac_setup(&h, alg, prk);
    if (err != SR_OK) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        parts[i + 1] = info[i];
    }
    uint8_t counter = 0;
    for (size_t done = 0; done < out_len; done += alg->len) {
        counter++;
        parts[0] = sr_slice_of(t, counter == 1 ? 0 : alg->len);
        parts[n + 1] = sr_slice_of(&counter, 1);
        err = hmac_run(&h, parts, n + 2, t);
        if (err != SR_OK) {
            goto out;
        }
        size_t take = out_len - done < alg->len ? out_len - done : alg->len;
        memcpy(out + done, t, take);
    }
out:
    if (err != SR_OK && out != NULL) {
        sr_wipe(out, out_len);
    }
    sr_wipe(t, sizeof(t));
    hmac_teardown(&h);
    return err;
}

sr_err sr_hkdf_expand(const struct sr_hash_alg *alg, struct sr_slice prk, struct sr_slice info,
                      uint8_t *out, size_t out_len)
{
    return sr_hkdf_expand_parts(alg, prk, &info, 1, out, out_len);
}

/* One digest state keyed with a padded key block. */
static sr_err keyed_state(const struct sr_hmac_ctx *h, const uint8_t *pad, EVP_MD_CTX **out)
{
    *out = EVP_MD_CTX_new();
    if (*out == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    if (EVP_DigestInit_ex2(*out, h->md, NULL) != 1 ||
        EVP_DigestUpdate(*out, pad, h->alg->block_len) != 1) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    return SR_OK;
}

/*
 * A reusable context hashes its two key blocks once, here, and every MAC starts from copies
 * of those states: two compressions fewer per call. The pads are no longer needed after.
 */
static sr_err hmac_keyed_states(struct sr_hmac_ctx *h)
{
    SR_TRY(keyed_state(h, h->ipad, &h->inner_key));
    SR_TRY(keyed_state(h, h->opad, &h->outer_key));
    sr_wipe(h->ipad, sizeof(h->ipad));
    sr_wipe(h->opad, sizeof(h->opad));
    return SR_OK;
}

/* HMAC from the keyed states; `out` may be one of the parts' buffers. */
static sr_err hmac_run_keyed(struct sr_hmac_ctx *h, const struct sr_slice *parts, size_t n,
                             uint8_t *out)
{
    uint8_t inner[SR_HASH_MAX];
    sr_err err = SR_ERR_CRYPTO;
    if (EVP_MD_CTX_copy_ex(h->mdctx, h->inner_key) != 1) {
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len > 0 && EVP_DigestUpdate(h->mdctx, parts[i].p, parts[i].len) != 1) {
            goto fail;
        }
    }
    if (EVP_DigestFinal_ex(h->mdctx, inner, NULL) != 1 ||
        EVP_MD_CTX_copy_ex(h->mdctx, h->outer_key) != 1 ||
        EVP_DigestUpdate(h->mdctx, inner, h->alg->len) != 1 ||
        EVP_DigestFinal_ex(h->mdctx, out, NULL) != 1) {
        goto fail;
    }
    err = SR_OK;
    goto out;
fail:
    err = sr_ossl_fail(SR_ERR_CRYPTO);
out:
    sr_wipe(inner, sizeof(inner));
    return err;
}

sr_err sr_hmac_ctx_new(const struct sr_hash_alg *alg, struct sr_slice key, struct sr_hmac_ctx **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_hmac_ctx *h = sr_malloc(sizeof(*h));
    SR_CHECK(h != NULL, SR_ERR_NOMEM);
    sr_err err = hmac_setup(h, alg, key);
    if (err == SR_OK) {
        err = hmac_keyed_states(h);
    }
    if (err != SR_OK) {
        hmac_teardown(h);
        sr_free(h);
        return err;
    }
    *out = h;
    return SR_OK;
}

sr_err sr_hmac_ctx_mac(struct sr_hmac_ctx *ctx, const struct sr_slice *parts, size_t n,
                       uint8_t *out)
{
    SR_CHECK(ctx != NULL && out != NULL && (parts != NULL || n == 0), SR_ERR_ARG);
    return hmac_run_keyed(ctx, parts, n, out);
}

void sr_hmac_ctx_free(struct sr_hmac_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    hmac_teardown(ctx);
    sr_free(ctx);
}
