/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RSA for BYOK (KMS.md §3, §7): the KMS's per-org RSA-3072 pair when it is kept in a PEM file
 * rather than a token, and RSA-OAEP with SHA-256 and MGF1-SHA-256 and no label, the only
 * padding a customer's CMK upload may use. Also the OAEP decoding step on its own, for tokens
 * that can do raw RSA but not OAEP with SHA-256 (SoftHSM2 2.6 allows only SHA-1).
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

struct sr_rsa_key;

/** A fresh key pair of `bits` (2048..8192) with e = 65537. */
SR_MUST_USE sr_err sr_rsa_generate(unsigned bits, struct sr_rsa_key **out);
void sr_rsa_key_free(struct sr_rsa_key *key);

/** The private key as PKCS#8 PEM appended to `out` (make it with SR_BUF_WIPE). */
SR_MUST_USE sr_err sr_rsa_private_to_pem(const struct sr_rsa_key *key, struct sr_buf *out);
/** Parse a PEM private key; SR_ERR_DECODE when it is not one, SR_ERR_UNSUPPORTED if not RSA. */
SR_MUST_USE sr_err sr_rsa_private_from_pem(struct sr_slice pem, struct sr_rsa_key **out);

/** A public key from big-endian modulus and exponent (a JWK's `n`, `e`). */
SR_MUST_USE sr_err sr_rsa_public_from_ne(struct sr_slice n, struct sr_slice e,
                                         struct sr_rsa_key **out);
/** Append the big-endian modulus and public exponent to `n` and `e`. */
SR_MUST_USE sr_err sr_rsa_public_ne(const struct sr_rsa_key *key, struct sr_buf *n,
                                    struct sr_buf *e);

/** RSA-OAEP-SHA-256 encryption of `pt`, appended to `out` (modulus-sized). */
SR_MUST_USE sr_err sr_rsa_oaep_sha256_encrypt(const struct sr_rsa_key *key, struct sr_slice pt,
                                              struct sr_buf *out);
/** RSA-OAEP-SHA-256 decryption into `out`; SR_ERR_AUTH when the padding does not check. */
SR_MUST_USE sr_err sr_rsa_oaep_sha256_decrypt(const struct sr_rsa_key *key, struct sr_slice ct,
                                              uint8_t *out, size_t out_cap, size_t *out_len);

/**
 * RFC 8017 §7.1.2 steps 3 and 4 alone: decode `em`, the raw RSA output (modulus-sized), with
 * SHA-256, MGF1-SHA-256 and an empty label. SR_ERR_AUTH for any padding error, reported only
 * after the whole block is examined.
 */
SR_MUST_USE sr_err sr_rsa_oaep_sha256_decode(struct sr_slice em, uint8_t *out, size_t out_cap,
                                             size_t *out_len);
