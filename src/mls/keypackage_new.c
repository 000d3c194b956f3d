/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public KeyPackage constructors (RFC 9420 §10): with a basic credential and a fresh
 * signature key, or with an X.509 credential (§5.3) and the key its certificate names; and a
 * signature key pair for the latter, to have a certificate issued for.
 *
 *   sr_mls_signature_key_new -> public key -> CA -> chain -> sr_mls_key_package_new_x509
 */
#include <string.h>

#include <sealroom/mls.h>

#include "core/alloc.h"
#include "crypto/sig.h"
#include "mls/credential.h"
#include "mls/keypackage.h"
#include "mls/wire_message.h"

/* Append MLSMessage(KeyPackage) and the private bundle; on error both are as they were. */
static sr_err emit(const struct sr_mls_key_package_params *params, struct sr_buf *key_package,
                   struct sr_buf *priv)
{
    struct sr_mls_key_package kp = { 0 };
    struct sr_mls_key_package_priv *kpp = NULL;
    SR_TRY(sr_mls_key_package_create(params, &kp, &kpp));
    size_t kp_len = key_package->len, priv_len = priv->len;
    /* MLSMessage { version = mls10, wire_format = mls_key_package, KeyPackage } */
    sr_err err = sr_write_u16(key_package, SR_MLS_VERSION_MLS10);
    if (err == SR_OK) {
        err = sr_write_u16(key_package, SR_MLS_WIRE_KEY_PACKAGE);
    }
    if (err == SR_OK) {
        err = sr_mls_key_package_encode(&kp, key_package);
    }
    if (err == SR_OK) {
        err = sr_mls_key_package_priv_encode(kpp, priv);
    }
    if (err != SR_OK) {
        key_package->len = kp_len;
        if (priv->len > priv_len) {
            sr_wipe(priv->p + priv_len, priv->len - priv_len);
            priv->len = priv_len;
        }
    }
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(kpp);
    return err;
}

sr_err sr_mls_key_package_new(uint16_t suite, struct sr_slice identity, uint64_t now,
                              struct sr_buf *key_package, struct sr_buf *priv)
{
    SR_CHECK(key_package != NULL && priv != NULL, SR_ERR_ARG);
    struct sr_mls_key_package_params params = {
        .suite = sr_suite_get(suite),
        .credential = sr_mls_credential_basic(identity),
        .now = now,
    };
    SR_CHECK(params.suite != NULL, SR_ERR_UNSUPPORTED);
    return emit(&params, key_package, priv);
}

sr_err sr_mls_signature_key_new(uint16_t suite, struct sr_buf *priv, struct sr_buf *pub)
{
    SR_CHECK(priv != NULL && pub != NULL, SR_ERR_ARG);
    const struct sr_suite *s = sr_suite_get(suite);
    SR_CHECK(s != NULL, SR_ERR_UNSUPPORTED);
    struct sr_secret sk = { 0 };
    size_t pub_len = pub->len;
    sr_err err = sr_sig_generate(s->sig, &sk, pub);
    if (err == SR_OK) {
        err = sr_buf_append(priv, sk.p, sk.len);
    }
    if (err != SR_OK) {
        pub->len = pub_len;
    }
    sr_secret_cleanup(&sk);
    return err;
}

/* §5.3.1: the end-entity certificate must name the key the leaf will carry. */
static sr_err check_binding(const struct sr_suite *s, struct sr_slice cert, struct sr_slice priv)
{
    struct sr_buf pub = { 0 };
    sr_err err = sr_sig_public_from_private(s->sig, priv, &pub);
    if (err == SR_OK) {
        err = sr_crypto_x509_check_key(cert, s->sig, sr_buf_slice(&pub));
    }
    sr_buf_cleanup(&pub);
    /* A private key of the wrong length or form cannot be the certificate's either. */
    return err == SR_ERR_DECODE || err == SR_ERR_CRYPTO ? SR_ERR_INVALID : err;
}

sr_err sr_mls_key_package_new_x509(uint16_t suite, const struct sr_slice *certs, size_t cert_count,
                                   struct sr_slice signature_priv, uint64_t now,
                                   struct sr_buf *key_package, struct sr_buf *priv)
{
    SR_CHECK(key_package != NULL && priv != NULL && certs != NULL && cert_count > 0, SR_ERR_ARG);
    SR_CHECK(signature_priv.len > 0, SR_ERR_ARG);
    const struct sr_suite *s = sr_suite_get(suite);
    SR_CHECK(s != NULL, SR_ERR_UNSUPPORTED);
    struct sr_x509_info info;
    for (size_t i = 0; i < cert_count; i++) {
        SR_TRY(sr_crypto_x509_info(certs[i], &info));
    }
    SR_TRY(check_binding(s, certs[0], signature_priv));
    /* The credential borrows a mutable slice array; copy the caller's const one. */
    struct sr_slice *copy = sr_calloc(cert_count, sizeof(*copy));
    SR_CHECK(copy != NULL, SR_ERR_NOMEM);
    memcpy(copy, certs, cert_count * sizeof(*copy));
    struct sr_mls_key_package_params params = {
        .suite = s,
        .credential = sr_mls_credential_x509(copy, cert_count),
        .signature_priv = signature_priv,
        .now = now,
    };
    sr_err err = emit(&params, key_package, priv);
    sr_free(copy);
    return err;
}
