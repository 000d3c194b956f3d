/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SFrame cipher suites (RFC 9605 §4.5) as a const table, the key and salt derivation of
 * §4.4.2, nonce formation (§4.4.3) and a keyed cipher that seals and opens frames with
 * contexts made once per key. A suite points at its operations, so the frame path never
 * branches on suite ids: AES-GCM goes straight to crypto/aead, the CTR+HMAC suites run the
 * encrypt-then-MAC construction of §4.5.1 on a ready AES-CTR and HMAC context.
 */
#pragma once

#include <sealroom/err.h>

#include "crypto/suite.h"

#define SR_SFRAME_NN      12 /* AEAD.Nn of every suite */
#define SR_SFRAME_KEY_MAX 96 /* AEAD.Nk: Nka + Nh of the AES-256 CTR+HMAC suites */

struct sr_sframe_cipher;

/* How a suite seals and opens. `aad` is header || metadata, given as two parts. */
struct sr_sframe_cipher_ops {
    sr_err (*init)(struct sr_sframe_cipher *c, const uint8_t *key);
    /* out receives pt.len + Nt bytes */
    sr_err (*seal)(struct sr_sframe_cipher *c, const uint8_t *nonce, const struct sr_slice *aad,
                   struct sr_slice pt, uint8_t *out);
    /* ct includes the tag (ct.len >= Nt); out receives ct.len - Nt bytes */
    sr_err (*open)(struct sr_sframe_cipher *c, const uint8_t *nonce, const struct sr_slice *aad,
                   struct sr_slice ct, uint8_t *out);
    void (*cleanup)(struct sr_sframe_cipher *c);
};

struct sr_sframe_suite {
    uint16_t id;
    const char *name;
    uint16_t kdf_id;  /* HPKE KDF id of the suite's hash: 1 SHA-256, 3 SHA-512 */
    uint16_t aead_id; /* HPKE AEAD id for the GCM suites, 0 otherwise */
    size_t nka;       /* AES key length of the CTR+HMAC suites, 0 otherwise */
    size_t nk;        /* AEAD.Nk */
    size_t nt;        /* AEAD.Nt */
    const struct sr_sframe_cipher_ops *ops;
};

/** The suite with RFC 9605 id `id`, or NULL. */
const struct sr_sframe_suite *sr_sframe_suite_find(uint16_t id);

/** The suite's hash (HKDF and HMAC), or NULL when crypto/ lacks it. */
const struct sr_hash_alg *sr_sframe_suite_hash(const struct sr_sframe_suite *suite);

/** prk[Nh] = sframe_secret = HKDF-Extract("", base_key) (§4.4.2). */
SR_MUST_USE sr_err sr_sframe_derive_secret(const struct sr_sframe_suite *suite,
                                           struct sr_slice base_key, uint8_t *prk);

/** key[Nk], salt[Nn] from sframe_secret and the KID (§4.4.2). */
SR_MUST_USE sr_err sr_sframe_derive_key_salt(const struct sr_sframe_suite *suite,
                                             struct sr_slice prk, uint64_t kid, uint8_t *key,
                                             uint8_t *salt);

/** A keyed cipher: the suite's contexts and the salt. Zeroed means empty. */
struct sr_sframe_cipher {
    const struct sr_sframe_suite *suite;
    const struct sr_hash_alg *hash;
    struct sr_aead_ctx *aead; /* GCM suites */
    struct sr_ctr_ctx *ctr;   /* CTR+HMAC suites: enc_key */
    struct sr_hmac_ctx *hmac; /* CTR+HMAC suites: auth_key */
    uint8_t salt[SR_SFRAME_NN];
};

/** Key `c` with the AEAD key `key` (Nk bytes) and `salt`; on error `c` is left empty. */
SR_MUST_USE sr_err sr_sframe_cipher_init(struct sr_sframe_cipher *c,
                                         const struct sr_sframe_suite *suite, const uint8_t *key,
                                         const uint8_t *salt);

/** Derive sframe_key and sframe_salt for `kid` from sframe_secret `prk` and key `c`. */
SR_MUST_USE sr_err sr_sframe_cipher_init_kid(struct sr_sframe_cipher *c,
                                             const struct sr_sframe_suite *suite,
                                             struct sr_slice prk, uint64_t kid);

/** Free the contexts and wipe the salt; safe on an empty cipher. */
void sr_sframe_cipher_cleanup(struct sr_sframe_cipher *c);

/** nonce[Nn] = sframe_salt XOR CTR as a big-endian Nn-byte integer (§4.4.3). */
void sr_sframe_cipher_nonce(const struct sr_sframe_cipher *c, uint64_t ctr, uint8_t *nonce);

/* The two constructions, defined in cipher.c and named by the suite table. */
extern const struct sr_sframe_cipher_ops sr_sframe_gcm_ops;
extern const struct sr_sframe_cipher_ops sr_sframe_ctr_hmac_ops;
