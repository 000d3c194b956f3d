/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EncryptWithLabel and DecryptWithLabel (RFC 9420 §5.1.3): single-shot base-mode HPKE whose
 * info is EncryptContext{ "MLS 1.0 " + label, context }. The label is given without prefix.
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "crypto/suite.h"

/**
 * One EncryptContext{label, context} prepared for many EncryptWithLabel calls: it keeps only
 * the HPKE info_hash of the serialized EncryptContext (RFC 9180 §5.1), so sealing to each of
 * many recipients under a large context (a Welcome's encrypted GroupInfo) does not hash the
 * whole context again. A plain value: no cleanup.
 */
struct sr_mls_encrypt_context {
    const struct sr_suite *suite;
    uint8_t info_hash[SR_HASH_MAX];
};

/** Serialize EncryptContext{"MLS 1.0 " + label, context} and hash it as HPKE info into `ec`. */
SR_MUST_USE sr_err sr_mls_encrypt_context_init(struct sr_mls_encrypt_context *ec,
                                               const struct sr_suite *suite, const char *label,
                                               struct sr_slice context);

/** sr_mls_encrypt_with_label under a prepared EncryptContext; the same output and errors. */
SR_MUST_USE sr_err sr_mls_encrypt_with_context(const struct sr_mls_encrypt_context *ec,
                                               struct sr_slice pub, struct sr_slice plaintext,
                                               struct sr_buf *kem_output,
                                               struct sr_buf *ciphertext);

/**
 * kem_output and ciphertext are appended to the two buffers, which are unchanged on error.
 * Errors as sr_hpke_seal_base (SR_ERR_DECODE/SR_ERR_INVALID for a bad public key).
 */
SR_MUST_USE sr_err sr_mls_encrypt_with_label(const struct sr_suite *suite, struct sr_slice pub,
                                             const char *label, struct sr_slice context,
                                             struct sr_slice plaintext, struct sr_buf *kem_output,
                                             struct sr_buf *ciphertext);

/**
 * The plaintext is appended to `plaintext`; SR_ERR_AUTH when decryption fails, SR_ERR_DECODE
 * or SR_ERR_INVALID when kem_output or the private key is malformed.
 */
SR_MUST_USE sr_err sr_mls_decrypt_with_label(const struct sr_suite *suite, struct sr_slice priv,
                                             const char *label, struct sr_slice context,
                                             struct sr_slice kem_output, struct sr_slice ciphertext,
                                             struct sr_buf *plaintext);
