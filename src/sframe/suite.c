/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SFrame cipher suites (RFC 9605 §4.5, §8.1) and the per-KID key schedule (§4.4.2):
 *
 *   sframe_secret = HKDF-Extract("", base_key)
 *   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  + KID + suite, Nk)
 *   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " + KID + suite, Nn)
 *
 * with KID as an 8-byte and the suite as a 2-byte big-endian integer.
 */
#include <string.h>

#include <sealroom/buf.h>

#include "crypto/hash.h"
#include "sframe/cipher.h"

#define KDF_SHA256 0x0001
#define KDF_SHA512 0x0003

/* RFC 9605 §4.5 table: Nh, Nka, Nk, Nn, Nt; ids from §8.1. Suites 6-8: sframe-wg, post-RFC. */
static const struct sr_sframe_suite suites[] = {
    { 0x0001, "AES_128_CTR_HMAC_SHA256_80", KDF_SHA256, 0, 16, 48, 10, &sr_sframe_ctr_hmac_ops },
    { 0x0002, "AES_128_CTR_HMAC_SHA256_64", KDF_SHA256, 0, 16, 48, 8, &sr_sframe_ctr_hmac_ops },
    { 0x0003, "AES_128_CTR_HMAC_SHA256_32", KDF_SHA256, 0, 16, 48, 4, &sr_sframe_ctr_hmac_ops },
    { 0x0004, "AES_128_GCM_SHA256_128", KDF_SHA256, 0x0001, 0, 16, 16, &sr_sframe_gcm_ops },
    { 0x0005, "AES_256_GCM_SHA512_128", KDF_SHA512, 0x0002, 0, 32, 16, &sr_sframe_gcm_ops },
    { 0x0006, "AES_256_CTR_HMAC_SHA512_80", KDF_SHA512, 0, 32, 96, 10, &sr_sframe_ctr_hmac_ops },
    { 0x0007, "AES_256_CTR_HMAC_SHA512_64", KDF_SHA512, 0, 32, 96, 8, &sr_sframe_ctr_hmac_ops },
    { 0x0008, "AES_256_CTR_HMAC_SHA512_32", KDF_SHA512, 0, 32, 96, 4, &sr_sframe_ctr_hmac_ops },
};

static const char key_label[] = "SFrame 1.0 Secret key ";
static const char salt_label[] = "SFrame 1.0 Secret salt ";

const struct sr_sframe_suite *sr_sframe_suite_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        if (suites[i].id == id) {
            return &suites[i];
        }
    }
    return NULL;
}

const struct sr_hash_alg *sr_sframe_suite_hash(const struct sr_sframe_suite *suite)
{
    return sr_kdf_get(suite->kdf_id);
}

sr_err sr_sframe_derive_secret(const struct sr_sframe_suite *suite, struct sr_slice base_key,
                               uint8_t *prk)
{
    const struct sr_hash_alg *hash = sr_sframe_suite_hash(suite);
    SR_CHECK(hash != NULL, SR_ERR_UNSUPPORTED);
    static const uint8_t empty[1] = { 0 };
    return sr_hkdf_extract(hash, sr_slice_of(empty, 0), base_key, prk);
}

/* label || KID (8 bytes) || cipher_suite (2 bytes), all big-endian; returns the length. */
static size_t make_label(uint8_t *out, const char *label, uint64_t kid, uint16_t suite)
{
    size_t n = strlen(label);
    memcpy(out, label, n);
    for (size_t i = 0; i < 8; i++) {
        out[n + i] = (uint8_t)(kid >> (56 - 8 * i));
    }
    out[n + 8] = (uint8_t)(suite >> 8);
    out[n + 9] = (uint8_t)suite;
    return n + 10;
}

sr_err sr_sframe_derive_key_salt(const struct sr_sframe_suite *suite, struct sr_slice prk,
                                 uint64_t kid, uint8_t *key, uint8_t *salt)
{
    const struct sr_hash_alg *hash = sr_sframe_suite_hash(suite);
    SR_CHECK(hash != NULL, SR_ERR_UNSUPPORTED);
    uint8_t info[sizeof(salt_label) + 10];
    size_t n = make_label(info, key_label, kid, suite->id);
    SR_TRY(sr_hkdf_expand(hash, prk, sr_slice_of(info, n), key, suite->nk));
    n = make_label(info, salt_label, kid, suite->id);
    sr_err err = sr_hkdf_expand(hash, prk, sr_slice_of(info, n), salt, SR_SFRAME_NN);
    if (err != SR_OK) {
        sr_wipe(key, suite->nk);
    }
    return err;
}

sr_err sr_sframe_cipher_init(struct sr_sframe_cipher *c, const struct sr_sframe_suite *suite,
                             const uint8_t *key, const uint8_t *salt)
{
    memset(c, 0, sizeof(*c));
    c->suite = suite;
    c->hash = sr_sframe_suite_hash(suite);
    SR_CHECK(c->hash != NULL, SR_ERR_UNSUPPORTED);
    memcpy(c->salt, salt, SR_SFRAME_NN);
    sr_err err = suite->ops->init(c, key);
    if (err != SR_OK) {
        sr_sframe_cipher_cleanup(c);
    }
    return err;
}

sr_err sr_sframe_cipher_init_kid(struct sr_sframe_cipher *c, const struct sr_sframe_suite *suite,
                                 struct sr_slice prk, uint64_t kid)
{
    uint8_t key[SR_SFRAME_KEY_MAX];
    uint8_t salt[SR_SFRAME_NN];
    sr_err err = sr_sframe_derive_key_salt(suite, prk, kid, key, salt);
    if (err != SR_OK) {
        memset(c, 0, sizeof(*c));
        goto out;
    }
    err = sr_sframe_cipher_init(c, suite, key, salt);
out:
    sr_wipe(key, sizeof(key));
    sr_wipe(salt, sizeof(salt));
    return err;
}

void sr_sframe_cipher_cleanup(struct sr_sframe_cipher *c)
{
    if (c->suite != NULL) {
        c->suite->ops->cleanup(c);
    }
    sr_wipe(c, sizeof(*c));
}

void sr_sframe_cipher_nonce(const struct sr_sframe_cipher *c, uint64_t ctr, uint8_t *nonce)
{
    memcpy(nonce, c->salt, SR_SFRAME_NN);
    for (size_t i = 0; i < 8; i++) {
        nonce[SR_SFRAME_NN - 1 - i] ^= (uint8_t)(ctr >> (8 * i));
    }
}
