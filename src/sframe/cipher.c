/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two SFrame AEAD constructions over ready contexts.
 *
 * AES-GCM suites: crypto/aead as is. Its AAD is one slice, so header || metadata is joined
 * on the stack unless the metadata is empty (the usual media case), when the header alone
 * is the AAD and nothing is copied.
 *
 * AES-CTR + HMAC suites (RFC 9605 §4.5.1), encrypt-then-MAC:
 *
 *   enc_key, auth_key = key[..Nka], key[Nka..]
 *   ct  = AES-CTR(enc_key, nonce || 00000000, pt)
 *   tag = HMAC(auth_key, len(aad) || len(ct) || Nt || nonce || aad || ct)[..Nt]
 *
 * where the three lengths are 8-byte big-endian integers. Open checks the tag in constant
 * time before it decrypts anything.
 */
#include "sframe/cipher.h"

#include <string.h>

#include <sealroom/buf.h>
#include <sealroom/sframe.h>

#include "crypto/aead.h"
#include "crypto/ct.h"
#include "crypto/hash.h"

/* The 32-bit block counter of §4.5.1 covers 2^32 blocks of 16 bytes. */
#define CTR_MAX_BYTES ((uint64_t)1 << 36)

static sr_err gcm_init(struct sr_sframe_cipher *c, const uint8_t *key)
{
    const struct sr_aead_alg *alg = sr_aead_get(c->suite->aead_id);
    SR_CHECK(alg != NULL && alg->key_len == c->suite->nk, SR_ERR_UNSUPPORTED);
    return sr_aead_ctx_new(alg, sr_slice_of(key, c->suite->nk), &c->aead);
}

/*
 * AES-GCM takes the AAD as one slice. With no metadata the header alone is the AAD; with
 * metadata, header || metadata is joined on the stack here, out of the common path.
 */
static __attribute__((noinline)) sr_err gcm_joined(struct sr_sframe_cipher *c, int enc,
                                                   const uint8_t *nonce, const struct sr_slice *aad,
                                                   struct sr_slice in, uint8_t *out)
{
    uint8_t joined[SR_SFRAME_HEADER_MAX + SR_SFRAME_METADATA_MAX];
    SR_CHECK(aad[0].len <= SR_SFRAME_HEADER_MAX && aad[1].len <= SR_SFRAME_METADATA_MAX,
             SR_ERR_LIMIT);
    memcpy(joined, aad[0].p, aad[0].len);
    memcpy(joined + aad[0].len, aad[1].p, aad[1].len);
    struct sr_slice all = sr_slice_of(joined, aad[0].len + aad[1].len);
    size_t len;
    if (enc) {
        return sr_aead_seal(c->aead, nonce, all, in, out, in.len + c->suite->nt, &len);
    }
    return sr_aead_open(c->aead, nonce, all, in, out, in.len - c->suite->nt, &len);
}

static sr_err gcm_seal(struct sr_sframe_cipher *c, const uint8_t *nonce, const struct sr_slice *aad,
                       struct sr_slice pt, uint8_t *out)
{
    if (aad[1].len != 0) {
        return gcm_joined(c, 1, nonce, aad, pt, out);
    }
    size_t len;
    return sr_aead_seal(c->aead, nonce, aad[0], pt, out, pt.len + c->suite->nt, &len);
}

static sr_err gcm_open(struct sr_sframe_cipher *c, const uint8_t *nonce, const struct sr_slice *aad,
                       struct sr_slice ct, uint8_t *out)
{
    if (aad[1].len != 0) {
        return gcm_joined(c, 0, nonce, aad, ct, out);
    }
    size_t len;
    return sr_aead_open(c->aead, nonce, aad[0], ct, out, ct.len - c->suite->nt, &len);
}

static void gcm_cleanup(struct sr_sframe_cipher *c)
{
    sr_aead_ctx_free(c->aead);
    c->aead = NULL;
}

const struct sr_sframe_cipher_ops sr_sframe_gcm_ops = {
    .init = gcm_init,
    .seal = gcm_seal,
    .open = gcm_open,
    .cleanup = gcm_cleanup,
};

static sr_err ctr_hmac_init(struct sr_sframe_cipher *c, const uint8_t *key)
{
    size_t nka = c->suite->nka;
    /* RFC 9605 §4.5.1: the AEAD key is Nka + Nh bytes. */
    SR_CHECK(c->suite->nk == nka + c->hash->len, SR_ERR_UNSUPPORTED);
    SR_TRY(sr_ctr_ctx_new(sr_slice_of(key, nka), &c->ctr));
    return sr_hmac_ctx_new(c->hash, sr_slice_of(key + nka, c->hash->len), &c->hmac);
}

static void put_u64(uint8_t *out, uint64_t v)
{
    for (size_t i = 0; i < 8; i++) {
        out[i] = (uint8_t)(v >> (56 - 8 * i));
    }
}

/* compute_tag of §4.5.1 into tag[Nh]; the caller keeps the first Nt bytes. */
static sr_err compute_tag(struct sr_sframe_cipher *c, const uint8_t *nonce,
                          const struct sr_slice *aad, const uint8_t *ct, size_t ct_len,
                          uint8_t *tag)
{
    uint8_t prefix[24 + SR_SFRAME_NN];
    put_u64(prefix, (uint64_t)aad[0].len + aad[1].len);
    put_u64(prefix + 8, ct_len);
    put_u64(prefix + 16, c->suite->nt);
    memcpy(prefix + 24, nonce, SR_SFRAME_NN);
    struct sr_slice parts[4] = {
        sr_slice_of(prefix, sizeof(prefix)),
        aad[0],
        aad[1],
        sr_slice_of(ct, ct_len),
    };
    return sr_hmac_ctx_mac(c->hmac, parts, 4, tag);
}

static void counter_block(const uint8_t *nonce, uint8_t *iv)
{
    memcpy(iv, nonce, SR_SFRAME_NN);
    memset(iv + SR_SFRAME_NN, 0, 16 - SR_SFRAME_NN);
}

static sr_err ctr_hmac_seal(struct sr_sframe_cipher *c, const uint8_t *nonce,
                            const struct sr_slice *aad, struct sr_slice pt, uint8_t *out)
{
    SR_CHECK((uint64_t)pt.len <= CTR_MAX_BYTES, SR_ERR_LIMIT);
    uint8_t iv[16], full[SR_HASH_MAX];
    counter_block(nonce, iv);
    sr_err err = pt.len == 0 ? SR_OK : sr_ctr_ctx_xor(c->ctr, iv, pt.p, pt.len, out);
    if (err == SR_OK) {
        err = compute_tag(c, nonce, aad, out, pt.len, full);
    }
    if (err == SR_OK) {
        memcpy(out + pt.len, full, c->suite->nt);
    } else {
        sr_wipe(out, pt.len + c->suite->nt);
    }
    sr_wipe(full, sizeof(full));
    return err;
}

static sr_err ctr_hmac_open(struct sr_sframe_cipher *c, const uint8_t *nonce,
                            const struct sr_slice *aad, struct sr_slice ct, uint8_t *out)
{
    size_t nt = c->suite->nt;
    size_t len = ct.len - nt;
    SR_CHECK((uint64_t)len <= CTR_MAX_BYTES, SR_ERR_LIMIT);
    uint8_t iv[16], full[SR_HASH_MAX];
    sr_err err = compute_tag(c, nonce, aad, ct.p, len, full);
    if (err == SR_OK && !sr_ct_equal(full, ct.p + len, nt)) {
        err = SR_ERR_AUTH;
    }
    if (err == SR_OK && len > 0) {
        counter_block(nonce, iv);
        err = sr_ctr_ctx_xor(c->ctr, iv, ct.p, len, out);
        if (err != SR_OK) {
            sr_wipe(out, len);
        }
    }
    sr_wipe(full, sizeof(full));
    return err;
}

static void ctr_hmac_cleanup(struct sr_sframe_cipher *c)
{
    sr_ctr_ctx_free(c->ctr);
    sr_hmac_ctx_free(c->hmac);
    c->ctr = NULL;
    c->hmac = NULL;
}

const struct sr_sframe_cipher_ops sr_sframe_ctr_hmac_ops = {
    .init = ctr_hmac_init,
    .seal = ctr_hmac_seal,
    .open = ctr_hmac_open,
    .cleanup = ctr_hmac_cleanup,
};
