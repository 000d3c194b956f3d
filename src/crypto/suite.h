/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Algorithm descriptors and the seven RFC 9420 cipher suites as const tables (§17.1).
 * Callers never branch on suite ids: they follow a suite's pointers to its hash, AEAD,
 * KEM and signature descriptors and pass those to the primitives in this folder.
 *
 *   id  name                                              KEM     AEAD      hash    sig
 *   1   MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519       X25519  AES128GCM SHA256  Ed25519
 *   2   MLS_128_DHKEMP256_AES128GCM_SHA256_P256            P-256   AES128GCM SHA256  ECDSA P-256
 *   3   MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 X25519 ChaCha20  SHA256  Ed25519
 *   4   MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448           X448    AES256GCM SHA512  Ed448
 *   5   MLS_256_DHKEMP521_AES256GCM_SHA512_P521            P-521   AES256GCM SHA512  ECDSA P-521
 *   6   MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448    X448    ChaCha20  SHA512  Ed448
 *   7   MLS_256_DHKEMP384_AES256GCM_SHA384_P384            P-384   AES256GCM SHA384  ECDSA P-384
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Upper bounds used to size stack buffers. */
#define SR_HASH_MAX       64 /* SHA-512 */
#define SR_AEAD_KEY_MAX   32
#define SR_AEAD_NONCE_MAX 12
#define SR_AEAD_TAG_MAX   16
#define SR_KEM_PK_MAX     133 /* P-521 uncompressed point */
#define SR_KEM_SK_MAX     66  /* P-521 scalar */
#define SR_DH_MAX         66  /* P-521 shared x-coordinate */
#define SR_SIG_PUB_MAX    133 /* P-521 uncompressed point */
#define SR_SIG_PRIV_MAX   66
#define SR_SIG_MAX        139 /* DER ECDSA P-521 */

/** The curve behind a KEM or signature descriptor; crypto/ maps it to OpenSSL objects. */
enum sr_curve {
    SR_CURVE_NONE = 0,
    SR_CURVE_P256 = 1,
    SR_CURVE_P384 = 2,
    SR_CURVE_P521 = 3,
    SR_CURVE_X25519 = 4,
    SR_CURVE_X448 = 5,
    SR_CURVE_ED25519 = 6,
    SR_CURVE_ED448 = 7,
};

enum sr_hash_id {
    SR_HASH_SHA256 = 1,
    SR_HASH_SHA384 = 2,
    SR_HASH_SHA512 = 3,
};

/** A hash function and its HKDF (RFC 9180 KDF ids match enum sr_hash_id). */
struct sr_hash_alg {
    enum sr_hash_id id;
    uint16_t hpke_kdf_id; /* 0x0001 HKDF-SHA256, 0x0002 HKDF-SHA384, 0x0003 HKDF-SHA512 */
    size_t len;           /* Nh */
    size_t block_len;
    const char *name; /* OpenSSL digest name */
};

/** An AEAD; `name` is NULL for HPKE's export-only mode (id 0xFFFF). */
struct sr_aead_alg {
    uint16_t hpke_id; /* 0x0001 AES-128-GCM, 0x0002 AES-256-GCM, 0x0003 ChaCha20-Poly1305 */
    size_t key_len;   /* Nk */
    size_t nonce_len; /* Nn */
    size_t tag_len;   /* Nt */
    const char *name; /* OpenSSL cipher name */
};

/** A DHKEM (RFC 9180 §4.1, §7.1). */
struct sr_kem_alg {
    uint16_t hpke_id;              /* 0x0010 P-256 ... 0x0021 X448 */
    const struct sr_hash_alg *kdf; /* the KEM's own HKDF */
    size_t secret_len;             /* Nsecret */
    size_t enc_len;                /* Nenc */
    size_t pk_len;                 /* Npk */
    size_t sk_len;                 /* Nsk */
    size_t dh_len;                 /* length of the raw DH output */
    int is_nist;                   /* P-curves: scalar keys, uncompressed points */
    const char *name;              /* "P-256", "P-384", "P-521", "X25519", "X448" */
    enum sr_curve curve;
};

/** A signature scheme, named by its TLS SignatureScheme value. */
struct sr_sig_alg {
    uint16_t scheme;                /* 0x0807 Ed25519, 0x0808 Ed448, 0x0403/0x0503/0x0603 ECDSA */
    const struct sr_hash_alg *hash; /* ECDSA's digest; NULL for EdDSA */
    size_t pub_len;                 /* raw public key: 32, 57, or an uncompressed point */
    size_t priv_len;                /* raw private key: 32, 57, or a big-endian scalar */
    size_t max_sig_len;
    const char *name; /* "Ed25519", "Ed448", "P-256", "P-384", "P-521" */
    enum sr_curve curve;
};

/** An MLS cipher suite (RFC 9420 §17.1). */
struct sr_suite {
    uint16_t id;
    const char *name;
    const struct sr_kem_alg *kem;
    const struct sr_hash_alg *hash; /* the suite's hash and KDF */
    const struct sr_aead_alg *aead;
    const struct sr_sig_alg *sig;
};

/* The descriptors, for callers that need one algorithm outside an MLS suite (SFrame). */
extern const struct sr_hash_alg sr_hash_sha256, sr_hash_sha384, sr_hash_sha512;
extern const struct sr_aead_alg sr_aead_aes128gcm, sr_aead_aes256gcm, sr_aead_chacha20poly1305,
        sr_aead_export_only;
extern const struct sr_kem_alg sr_kem_p256, sr_kem_p384, sr_kem_p521, sr_kem_x25519, sr_kem_x448;
extern const struct sr_sig_alg sr_sig_ed25519, sr_sig_ed448, sr_sig_p256, sr_sig_p384, sr_sig_p521;

/** The suite with MLS id `id` (1..7), or NULL. */
const struct sr_suite *sr_suite_get(uint16_t id);

/** HPKE registry look-ups (RFC 9180 §7); NULL when unknown. */
const struct sr_kem_alg *sr_kem_get(uint16_t hpke_kem_id);
const struct sr_hash_alg *sr_kdf_get(uint16_t hpke_kdf_id);
const struct sr_aead_alg *sr_aead_get(uint16_t hpke_aead_id);
