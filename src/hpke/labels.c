/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EncryptWithLabel / DecryptWithLabel, RFC 9420 §5.1.3:
 *
 *   EncryptWithLabel(PublicKey, Label, Context, Plaintext) =
 *       SealBase(PublicKey, EncryptContext, "", Plaintext)
 *   DecryptWithLabel(PrivateKey, Label, Context, KEMOutput, Ciphertext) =
 *       OpenBase(KEMOutput, PrivateKey, EncryptContext, "", Ciphertext)
 *
 *   struct {
 *       opaque label<V> = "MLS 1.0 " + Label;
 *       opaque context<V> = Context;
 *   } EncryptContext;
 *
 * The HPKE suite is the MLS cipher suite's KEM, KDF (its hash) and AEAD.
 */
#include "hpke/labels.h"

#include <string.h>

#include "core/codec.h"
#include "hpke/hpke.h"

static const char mls_prefix[] = "MLS 1.0 ";

/* Serialize EncryptContext into `info` (a fresh, empty buffer). */
static sr_err encrypt_context(const char *label, struct sr_slice context, struct sr_buf *info)
{
    struct sr_vec_mark mark;
    SR_CHECK(label != NULL, SR_ERR_ARG);
    SR_TRY(sr_write_vector_begin(info, &mark));
    SR_TRY(sr_write_bytes(info, mls_prefix, sizeof(mls_prefix) - 1));
    SR_TRY(sr_write_bytes(info, label, strlen(label)));
    SR_TRY(sr_write_vector_end(info, &mark));
    return sr_write_slice_v(info, context);
}

sr_err sr_mls_encrypt_context_init(struct sr_mls_encrypt_context *ec, const struct sr_suite *suite,
                                   const char *label, struct sr_slice context)
{
    struct sr_buf info = { 0 };
    SR_CHECK(ec != NULL && suite != NULL, SR_ERR_ARG);
    memset(ec, 0, sizeof(*ec));
    struct sr_hpke_suite hs = sr_hpke_suite_of(suite);
    sr_err err = encrypt_context(label, context, &info);
    if (err == SR_OK) {
        err = sr_hpke_info_hash(&hs, sr_buf_slice(&info), ec->info_hash);
    }
    if (err == SR_OK) {
        ec->suite = suite;
    }
    sr_buf_cleanup(&info);
    return err;
}

sr_err sr_mls_encrypt_with_context(const struct sr_mls_encrypt_context *ec, struct sr_slice pub,
                                   struct sr_slice plaintext, struct sr_buf *kem_output,
                                   struct sr_buf *ciphertext)
{
    SR_CHECK(ec != NULL && ec->suite != NULL, SR_ERR_ARG);
    struct sr_hpke_suite hs = sr_hpke_suite_of(ec->suite);
    size_t enc_len = hs.kem->enc_len;
    size_t ct_len = ciphertext->len;
    sr_err err = sr_buf_reserve(kem_output, enc_len);
    if (err == SR_OK) {
        err = sr_hpke_seal_base_hashed(&hs, pub, ec->info_hash, sr_slice_of(NULL, 0), plaintext,
                                       kem_output->p + kem_output->len, ciphertext);
    }
    if (err == SR_OK) {
        kem_output->len += enc_len;
    } else {
        ciphertext->len = ct_len;
    }
    return err;
}

/* The one-recipient case of the two above, so both paths share every line. */
sr_err sr_mls_encrypt_with_label(const struct sr_suite *suite, struct sr_slice pub,
                                 const char *label, struct sr_slice context,
                                 struct sr_slice plaintext, struct sr_buf *kem_output,
                                 struct sr_buf *ciphertext)
{
    struct sr_mls_encrypt_context ec;
    SR_CHECK(suite != NULL, SR_ERR_ARG);
    SR_TRY(sr_mls_encrypt_context_init(&ec, suite, label, context));
    return sr_mls_encrypt_with_context(&ec, pub, plaintext, kem_output, ciphertext);
}

sr_err sr_mls_decrypt_with_label(const struct sr_suite *suite, struct sr_slice priv,
                                 const char *label, struct sr_slice context,
                                 struct sr_slice kem_output, struct sr_slice ciphertext,
                                 struct sr_buf *plaintext)
{
    struct sr_buf info = { 0 };
    SR_CHECK(suite != NULL, SR_ERR_ARG);
    struct sr_hpke_suite hs = sr_hpke_suite_of(suite);
    sr_err err = encrypt_context(label, context, &info);
    if (err == SR_OK) {
        err = sr_hpke_open_base(&hs, kem_output, priv, sr_buf_slice(&info), sr_slice_of(NULL, 0),
                                ciphertext, plaintext);
    }
    sr_buf_cleanup(&info);
    return err;
}
