/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The algorithm descriptors and the seven MLS cipher suites (RFC 9420 §17.1) as const
 * tables, with the HPKE registry look-ups (RFC 9180 §7). Sizes come from RFC 9180 §7.1
 * (Nsecret, Nenc, Npk, Nsk), §7.2 (Nh) and §7.3 (Nk, Nn, Nt).
 */
#include "crypto/suite.h"

#include <stddef.h>

const struct sr_hash_alg sr_hash_sha256 = {
    .id = SR_HASH_SHA256,
    .hpke_kdf_id = 0x0001,
    .len = 32,
    .block_len = 64,
    .name = "SHA256",
};
const struct sr_hash_alg sr_hash_sha384 = {
    .id = SR_HASH_SHA384,
    .hpke_kdf_id = 0x0002,
    .len = 48,
    .block_len = 128,
    .name = "SHA384",
};
const struct sr_hash_alg sr_hash_sha512 = {
    .id = SR_HASH_SHA512,
    .hpke_kdf_id = 0x0003,
    .len = 64,
    .block_len = 128,
    .name = "SHA512",
};

const struct sr_aead_alg sr_aead_aes128gcm = {
    .hpke_id = 0x0001,
    .key_len = 16,
    .nonce_len = 12,
    .tag_len = 16,
    .name = "AES-128-GCM",
};
const struct sr_aead_alg sr_aead_aes256gcm = {
    .hpke_id = 0x0002,
    .key_len = 32,
    .nonce_len = 12,
    .tag_len = 16,
    .name = "AES-256-GCM",
};
const struct sr_aead_alg sr_aead_chacha20poly1305 = {
    .hpke_id = 0x0003,
    .key_len = 32,
    .nonce_len = 12,
    .tag_len = 16,
    .name = "ChaCha20-Poly1305",
};
/* RFC 9180 §7.3: the export-only AEAD has no key, nonce or tag. */
const struct sr_aead_alg sr_aead_export_only = {
    .hpke_id = 0xFFFF,
    .key_len = 0,
    .nonce_len = 0,
    .tag_len = 0,
    .name = NULL,
};

/* RFC 9180 §7.1: the NIST DHKEM shared secret is the x-coordinate, Ndh = Nsk bytes. */
const struct sr_kem_alg sr_kem_p256 = {
    .hpke_id = 0x0010,
    .kdf = &sr_hash_sha256,
    .secret_len = 32,
    .enc_len = 65,
    .pk_len = 65,
    .sk_len = 32,
    .dh_len = 32,
    .is_nist = 1,
    .name = "P-256",
    .curve = SR_CURVE_P256,
};
const struct sr_kem_alg sr_kem_p384 = {
    .hpke_id = 0x0011,
    .kdf = &sr_hash_sha384,
    .secret_len = 48,
    .enc_len = 97,
    .pk_len = 97,
    .sk_len = 48,
    .dh_len = 48,
    .is_nist = 1,
    .name = "P-384",
    .curve = SR_CURVE_P384,
};
const struct sr_kem_alg sr_kem_p521 = {
    .hpke_id = 0x0012,
    .kdf = &sr_hash_sha512,
    .secret_len = 64,
    .enc_len = 133,
    .pk_len = 133,
    .sk_len = 66,
    .dh_len = 66,
    .is_nist = 1,
    .name = "P-521",
    .curve = SR_CURVE_P521,
};
const struct sr_kem_alg sr_kem_x25519 = {
    .hpke_id = 0x0020,
    .kdf = &sr_hash_sha256,
    .secret_len = 32,
    .enc_len = 32,
    .pk_len = 32,
    .sk_len = 32,
    .dh_len = 32,
    .is_nist = 0,
    .name = "X25519",
    .curve = SR_CURVE_X25519,
};
const struct sr_kem_alg sr_kem_x448 = {
    .hpke_id = 0x0021,
    .kdf = &sr_hash_sha512,
    .secret_len = 64,
    .enc_len = 56,
    .pk_len = 56,
    .sk_len = 56,
    .dh_len = 56,
    .is_nist = 0,
    .name = "X448",
    .curve = SR_CURVE_X448,
};

/* DER ECDSA maxima: SEQUENCE of two INTEGERs, each possibly with a leading zero byte. */
const struct sr_sig_alg sr_sig_ed25519 = {
    .scheme = 0x0807,
    .hash = NULL,
    .pub_len = 32,
    .priv_len = 32,
    .max_sig_len = 64,
    .name = "Ed25519",
    .curve = SR_CURVE_ED25519,
};
const struct sr_sig_alg sr_sig_ed448 = {
    .scheme = 0x0808,
    .hash = NULL,
    .pub_len = 57,
    .priv_len = 57,
    .max_sig_len = 114,
    .name = "Ed448",
    .curve = SR_CURVE_ED448,
};
const struct sr_sig_alg sr_sig_p256 = {
    .scheme = 0x0403,
    .hash = &sr_hash_sha256,
    .pub_len = 65,
    .priv_len = 32,
    .max_sig_len = 72,
    .name = "P-256",
    .curve = SR_CURVE_P256,
};
const struct sr_sig_alg sr_sig_p384 = {
    .scheme = 0x0503,
    .hash = &sr_hash_sha384,
    .pub_len = 97,
    .priv_len = 48,
    .max_sig_len = 104,
    .name = "P-384",
    .curve = SR_CURVE_P384,
};
const struct sr_sig_alg sr_sig_p521 = {
    .scheme = 0x0603,
    .hash = &sr_hash_sha512,
    .pub_len = 133,
    .priv_len = 66,
    .max_sig_len = 139,
    .name = "P-521",
    .curve = SR_CURVE_P521,
};

/* RFC 9420 §17.1, in id order so that id n sits at index n - 1. */
static const struct sr_suite suites[] = {
    { 0x0001, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", &sr_kem_x25519, &sr_hash_sha256,
      &sr_aead_aes128gcm, &sr_sig_ed25519 },
    { 0x0002, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", &sr_kem_p256, &sr_hash_sha256,
      &sr_aead_aes128gcm, &sr_sig_p256 },
    { 0x0003, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519", &sr_kem_x25519,
      &sr_hash_sha256, &sr_aead_chacha20poly1305, &sr_sig_ed25519 },
    { 0x0004, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448", &sr_kem_x448, &sr_hash_sha512,
      &sr_aead_aes256gcm, &sr_sig_ed448 },
    { 0x0005, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521", &sr_kem_p521, &sr_hash_sha512,
      &sr_aead_aes256gcm, &sr_sig_p521 },
    { 0x0006, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448", &sr_kem_x448, &sr_hash_sha512,
      &sr_aead_chacha20poly1305, &sr_sig_ed448 },
    { 0x0007, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384", &sr_kem_p384, &sr_hash_sha384,
      &sr_aead_aes256gcm, &sr_sig_p384 },
};

static const struct sr_kem_alg *const kems[] = {
    &sr_kem_p256, &sr_kem_p384, &sr_kem_p521, &sr_kem_x25519, &sr_kem_x448,
};

static const struct sr_hash_alg *const kdfs[] = {
    &sr_hash_sha256,
    &sr_hash_sha384,
    &sr_hash_sha512,
};

static const struct sr_aead_alg *const aeads[] = {
    &sr_aead_aes128gcm,
    &sr_aead_aes256gcm,
    &sr_aead_chacha20poly1305,
    &sr_aead_export_only,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct sr_suite *sr_suite_get(uint16_t id)
{
    if (id == 0 || id > COUNT(suites)) {
        return NULL;
    }
    return &suites[id - 1];
}

const struct sr_kem_alg *sr_kem_get(uint16_t hpke_kem_id)
{
    for (size_t i = 0; i < COUNT(kems); i++) {
        if (kems[i]->hpke_id == hpke_kem_id) {
            return kems[i];
        }
    }
    return NULL;
}

const struct sr_hash_alg *sr_kdf_get(uint16_t hpke_kdf_id)
{
    for (size_t i = 0; i < COUNT(kdfs); i++) {
        if (kdfs[i]->hpke_kdf_id == hpke_kdf_id) {
            return kdfs[i];
        }
    }
    return NULL;
}

const struct sr_aead_alg *sr_aead_get(uint16_t hpke_aead_id)
{
    for (size_t i = 0; i < COUNT(aeads); i++) {
        if (aeads[i]->hpke_id == hpke_aead_id) {
            return aeads[i];
        }
    }
    return NULL;
}
