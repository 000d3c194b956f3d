/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Single-step derivations from epoch secrets:
 *
 *   MLS-Exporter(Label, Context, Length)                                   (§8.5)
 *       = ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length)
 *   external_priv, external_pub = KEM.DeriveKeyPair(external_secret)      (§8.3)
 *   kem_output, context = SetupBaseS(external_pub, "")                   (§8.3)
 *   init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
 *   sender_data_key   = ExpandWithLabel(sender_data_secret, "key", ciphertext_sample, AEAD.Nk)
 *   sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
 *   welcome_key       = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)      (§12.4.3.1)
 *   welcome_nonce     = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
 */
#include "mls/schedule_keys.h"

#include "crypto/hash.h"
#include "crypto/labels.h"
#include "hpke/hpke.h"

/* Exporter labels are application names; refuse absurd ones before building KDFLabel. */
#define EXPORTER_LABEL_MAX 4096

sr_err sr_mls_exporter(const struct sr_suite *suite, struct sr_slice exporter_secret,
                       struct sr_slice label, struct sr_slice context, uint8_t *out, size_t len)
{
    uint8_t derived[SR_HASH_MAX], context_hash[SR_HASH_MAX];
    size_t nh = suite != NULL ? suite->hash->len : 0;
    sr_err err = SR_ERR_ARG;
    if (out == NULL || len == 0 || len > 255 * nh || label.len > EXPORTER_LABEL_MAX) {
        goto out;
    }
    /* DeriveSecret(exporter_secret, Label) with Label as bytes */
    err = sr_mls_expand_with_label_bytes(suite, exporter_secret, label, sr_slice_of(NULL, 0),
                                         derived, nh);
    if (err == SR_OK) {
        err = sr_hash(suite->hash, context, context_hash);
    }
    if (err == SR_OK) {
        err = sr_mls_expand_with_label(suite, sr_slice_of(derived, nh), "exported",
                                       sr_slice_of(context_hash, nh), out, len);
    }
out:
    sr_wipe(derived, sizeof(derived));
    if (err != SR_OK && out != NULL && len <= 255 * nh) {
        sr_wipe(out, len);
    }
    return err;
}

sr_err sr_mls_external_key_pair(const struct sr_suite *suite, struct sr_slice external_secret,
                                struct sr_secret *sk, uint8_t *pk)
{
    SR_CHECK(suite != NULL && sk != NULL && pk != NULL, SR_ERR_ARG);
    return sr_hpke_derive_key_pair(suite->kem, external_secret, sk, pk);
}

#define EXTERNAL_INIT_LABEL "MLS 1.0 external init secret"

/* init_secret = context.export("MLS 1.0 external init secret", KDF.Nh); frees `ctx`. */
static sr_err external_init_export(const struct sr_suite *suite, struct sr_hpke_ctx *ctx,
                                   struct sr_secret *init_secret)
{
    size_t nh = suite->hash->len;
    sr_err err =
            sr_hpke_export(ctx, sr_slice_of(EXTERNAL_INIT_LABEL, sizeof(EXTERNAL_INIT_LABEL) - 1),
                           init_secret->p, nh);
    sr_hpke_ctx_free(ctx);
    if (err != SR_OK) {
        sr_secret_cleanup(init_secret);
        return err;
    }
    init_secret->len = nh;
    return SR_OK;
}

sr_err sr_mls_external_init_send(const struct sr_suite *suite, struct sr_slice external_pub,
                                 struct sr_slice ikm_e, uint8_t *kem_output,
                                 struct sr_secret *init_secret)
{
    SR_CHECK(suite != NULL && kem_output != NULL && init_secret != NULL, SR_ERR_ARG);
    sr_secret_cleanup(init_secret);
    struct sr_hpke_suite hs = sr_hpke_suite_of(suite);
    struct sr_hpke_ctx *ctx = NULL;
    SR_TRY(sr_hpke_setup_sender(&hs, SR_HPKE_MODE_BASE, external_pub, sr_slice_of(NULL, 0), NULL,
                                ikm_e, kem_output, &ctx));
    return external_init_export(suite, ctx, init_secret);
}

sr_err sr_mls_external_init_receive(const struct sr_suite *suite, struct sr_slice external_priv,
                                    struct sr_slice kem_output, struct sr_secret *init_secret)
{
    SR_CHECK(suite != NULL && init_secret != NULL, SR_ERR_ARG);
    sr_secret_cleanup(init_secret);
    struct sr_hpke_suite hs = sr_hpke_suite_of(suite);
    struct sr_hpke_ctx *ctx = NULL;
    SR_TRY(sr_hpke_setup_recipient(&hs, SR_HPKE_MODE_BASE, kem_output, external_priv,
                                   sr_slice_of(NULL, 0), NULL, &ctx));
    return external_init_export(suite, ctx, init_secret);
}

/* key[Nk] and nonce[Nn] = ExpandWithLabel(secret, "key"/"nonce", context, .). */
static sr_err key_nonce(const struct sr_suite *suite, struct sr_slice secret,
                        struct sr_slice context, struct sr_secret *key, struct sr_secret *nonce)
{
    size_t nk = suite->aead->key_len, nn = suite->aead->nonce_len;
    sr_secret_cleanup(key);
    sr_secret_cleanup(nonce);
    sr_err err = sr_mls_expand_with_label(suite, secret, "key", context, key->p, nk);
    if (err == SR_OK) {
        err = sr_mls_expand_with_label(suite, secret, "nonce", context, nonce->p, nn);
    }
    if (err != SR_OK) {
        sr_secret_cleanup(key);
        sr_secret_cleanup(nonce);
        return err;
    }
    key->len = nk;
    nonce->len = nn;
    return SR_OK;
}

sr_err sr_mls_sender_data_key_nonce(const struct sr_suite *suite,
                                    struct sr_slice sender_data_secret, struct sr_slice ciphertext,
                                    struct sr_secret *key, struct sr_secret *nonce)
{
    SR_CHECK(suite != NULL && key != NULL && nonce != NULL, SR_ERR_ARG);
    /* §6.3.2: "If the length of the ciphertext is less than KDF.Nh, the whole ciphertext
     * is used." */
    struct sr_slice sample = ciphertext;
    if (sample.len > suite->hash->len) {
        sample.len = suite->hash->len;
    }
    return key_nonce(suite, sender_data_secret, sample, key, nonce);
}

sr_err sr_mls_welcome_key_nonce(const struct sr_suite *suite, struct sr_slice welcome_secret,
                                struct sr_secret *key, struct sr_secret *nonce)
{
    SR_CHECK(suite != NULL && key != NULL && nonce != NULL, SR_ERR_ARG);
    return key_nonce(suite, welcome_secret, sr_slice_of(NULL, 0), key, nonce);
}
