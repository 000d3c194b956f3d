/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Suite selection, the key schedule (RFC 9180 §5.1) and the four Setup functions
 * (§5.1.1-§5.1.4):
 *
 *   psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
 *   info_hash   = LabeledExtract("", "info_hash", info)
 *   key_schedule_context = mode || psk_id_hash || info_hash
 *   secret      = LabeledExtract(shared_secret, "secret", psk)
 *   key         = LabeledExpand(secret, "key", key_schedule_context, Nk)
 *   base_nonce  = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
 *   exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
 *
 * Every step uses the suite's KDF and suite_id "HPKE" || kem_id || kdf_id || aead_id.
 */
#include <string.h>

#include <sealroom/buf.h>

#include "hpke/context.h"
#include "hpke/hpke.h"
#include "hpke/kem.h"
#include "hpke/labeled.h"

sr_err sr_hpke_suite_from_ids(uint16_t kem_id, uint16_t kdf_id, uint16_t aead_id,
                              struct sr_hpke_suite *out)
{
    struct sr_hpke_suite s = { sr_kem_get(kem_id), sr_kdf_get(kdf_id), sr_aead_get(aead_id) };
    memset(out, 0, sizeof(*out));
    SR_CHECK(s.kem != NULL && s.kdf != NULL && s.aead != NULL, SR_ERR_UNSUPPORTED);
    *out = s;
    return SR_OK;
}

struct sr_hpke_suite sr_hpke_suite_of(const struct sr_suite *suite)
{
    struct sr_hpke_suite s = { suite->kem, suite->hash, suite->aead };
    return s;
}

/* §5.1 VerifyPSKInputs: psk and psk_id come together, and only in the PSK modes. */
static sr_err verify_psk_inputs(enum sr_hpke_mode mode, struct sr_slice psk, struct sr_slice psk_id)
{
    bool got_psk = psk.len > 0;
    bool got_psk_id = psk_id.len > 0;
    SR_CHECK(got_psk == got_psk_id, SR_ERR_ARG); /* "Inconsistent PSK inputs" */
    switch (mode) {
    case SR_HPKE_MODE_BASE:
    case SR_HPKE_MODE_AUTH:
        SR_CHECK(!got_psk, SR_ERR_ARG); /* "PSK input provided when not needed" */
        return SR_OK;
    case SR_HPKE_MODE_PSK:
    case SR_HPKE_MODE_AUTH_PSK:
        SR_CHECK(got_psk, SR_ERR_ARG); /* "Missing required PSK input" */
        return SR_OK;
    default:
        return SR_ERR_ARG;
    }
}

static bool is_auth(enum sr_hpke_mode mode)
{
    return mode == SR_HPKE_MODE_AUTH || mode == SR_HPKE_MODE_AUTH_PSK;
}

static sr_err check_suite(const struct sr_hpke_suite *suite)
{
    SR_CHECK(suite != NULL && suite->kem != NULL && suite->kdf != NULL && suite->aead != NULL,
             SR_ERR_ARG);
    SR_CHECK(suite->kdf->len <= SR_HASH_MAX && suite->aead->key_len <= SR_AEAD_KEY_MAX &&
                     suite->aead->nonce_len <= SR_AEAD_NONCE_MAX,
             SR_ERR_UNSUPPORTED);
    return SR_OK;
}

sr_err sr_hpke_info_hash(const struct sr_hpke_suite *suite, struct sr_slice info, uint8_t *out)
{
    struct sr_hpke_suite_id sid;
    SR_TRY(check_suite(suite));
    sr_hpke_full_suite_id(suite->kem->hpke_id, suite->kdf->hpke_kdf_id, suite->aead->hpke_id, &sid);
    return sr_hpke_labeled_extract(suite->kdf, &sid, sr_slice_of(NULL, 0), "info_hash", info, out);
}

/* `info_hash` is sr_hpke_info_hash(info): the caller computes it, once for many setups. */
static sr_err key_schedule(const struct sr_hpke_suite *suite, enum sr_hpke_mode mode,
                           const uint8_t *shared, const uint8_t *info_hash,
                           const struct sr_hpke_mode_args *args, struct sr_hpke_schedule *ks)
{
    const struct sr_hash_alg *kdf = suite->kdf;
    size_t nh = kdf->len;
    struct sr_hpke_suite_id sid;
    uint8_t ksc[1 + 2 * SR_HASH_MAX];
    uint8_t secret[SR_HASH_MAX];
    struct sr_slice ksc_s = sr_slice_of(ksc, 1 + 2 * nh);
    struct sr_slice secret_s = sr_slice_of(secret, nh);
    struct sr_slice none = sr_slice_of(NULL, 0);
    sr_hpke_full_suite_id(suite->kem->hpke_id, kdf->hpke_kdf_id, suite->aead->hpke_id, &sid);
    ksc[0] = (uint8_t)mode;
    sr_err err = sr_hpke_labeled_extract(kdf, &sid, none, "psk_id_hash", args->psk_id, ksc + 1);
    memcpy(ksc + 1 + nh, info_hash, nh);
    if (err == SR_OK) {
        err = sr_hpke_labeled_extract(kdf, &sid, sr_slice_of(shared, suite->kem->secret_len),
                                      "secret", args->psk, secret);
    }
    /* §5.3: an export-only context has no key or base_nonce (Nk = Nn = 0). */
    if (err == SR_OK && !sr_hpke_is_export_only(suite)) {
        err = sr_hpke_labeled_expand(kdf, &sid, secret_s, "key", ksc_s, ks->key,
                                     suite->aead->key_len);
        if (err == SR_OK) {
            err = sr_hpke_labeled_expand(kdf, &sid, secret_s, "base_nonce", ksc_s, ks->base_nonce,
                                         suite->aead->nonce_len);
        }
    }
    if (err == SR_OK) {
        err = sr_hpke_labeled_expand(kdf, &sid, secret_s, "exp", ksc_s, ks->exporter_secret, nh);
    }
    sr_wipe(secret, sizeof(secret));
    sr_wipe(ksc, sizeof(ksc));
    return err;
}

/* The checks both sides share: suite, PSK inputs, and who supplies the Auth-mode keys. */
static sr_err check_setup(const struct sr_hpke_suite *suite, enum sr_hpke_mode mode,
                          const struct sr_hpke_mode_args *args, struct sr_slice auth_key)
{
    SR_TRY(check_suite(suite));
    SR_TRY(verify_psk_inputs(mode, args->psk, args->psk_id));
    /* §5.1.3: the Auth modes need the sender's key; the others must not be given one. */
    SR_CHECK(is_auth(mode) == (auth_key.len > 0), SR_ERR_ARG);
    return SR_OK;
}

sr_err sr_hpke_sender_schedule(const struct sr_hpke_suite *suite, enum sr_hpke_mode mode,
                               struct sr_slice pk_r, struct sr_slice info,
                               const struct sr_hpke_mode_args *args, struct sr_slice ikm_e,
                               uint8_t *enc, struct sr_hpke_schedule *ks)
{
    uint8_t info_hash[SR_HASH_MAX];
    sr_err err = sr_hpke_info_hash(suite, info, info_hash);
    if (err == SR_OK) {
        return sr_hpke_sender_schedule_hashed(suite, mode, pk_r, info_hash, args, ikm_e, enc, ks);
    }
    sr_wipe(ks, sizeof(*ks));
    if (suite != NULL && suite->kem != NULL) {
        sr_wipe(enc, suite->kem->enc_len);
    }
    return err;
}

sr_err sr_hpke_sender_schedule_hashed(const struct sr_hpke_suite *suite, enum sr_hpke_mode mode,
                                      struct sr_slice pk_r, const uint8_t *info_hash,
                                      const struct sr_hpke_mode_args *args, struct sr_slice ikm_e,
                                      uint8_t *enc, struct sr_hpke_schedule *ks)
{
    static const struct sr_hpke_mode_args no_args;
    uint8_t shared[SR_HASH_MAX];
    const struct sr_hpke_mode_args *a = args != NULL ? args : &no_args;
    sr_wipe(ks, sizeof(*ks));
    sr_err err = check_setup(suite, mode, a, a->sender_sk);
    if (err == SR_OK && suite->kem->secret_len > sizeof(shared)) {
        err = SR_ERR_UNSUPPORTED;
    }
    if (err == SR_OK) {
        err = sr_hpke_kem_encap(suite->kem, pk_r, a->sender_sk, ikm_e, enc, shared);
    }
    if (err == SR_OK) {
        err = key_schedule(suite, mode, shared, info_hash, a, ks);
    }
    sr_wipe(shared, sizeof(shared));
    if (err != SR_OK) {
        sr_wipe(ks, sizeof(*ks));
        if (suite != NULL && suite->kem != NULL) {
            sr_wipe(enc, suite->kem->enc_len);
        }
    }
    return err;
}

sr_err sr_hpke_recipient_schedule(const struct sr_hpke_suite *suite, enum sr_hpke_mode mode,
                                  struct sr_slice enc, struct sr_slice sk_r, struct sr_slice info,
                                  const struct sr_hpke_mode_args *args, struct sr_hpke_schedule *ks)
{
    static const struct sr_hpke_mode_args no_args;
    uint8_t shared[SR_HASH_MAX], info_hash[SR_HASH_MAX];
    const struct sr_hpke_mode_args *a = args != NULL ? args : &no_args;
    sr_wipe(ks, sizeof(*ks));
    sr_err err = check_setup(suite, mode, a, a->sender_pk);
    if (err == SR_OK && suite->kem->secret_len > sizeof(shared)) {
        err = SR_ERR_UNSUPPORTED;
    }
    if (err == SR_OK) {
        err = sr_hpke_kem_decap(suite->kem, enc, sk_r, a->sender_pk, shared);
    }
    if (err == SR_OK) {
        err = sr_hpke_info_hash(suite, info, info_hash);
    }
    if (err == SR_OK) {
        err = key_schedule(suite, mode, shared, info_hash, a, ks);
    }
    sr_wipe(shared, sizeof(shared));
    if (err != SR_OK) {
        sr_wipe(ks, sizeof(*ks));
    }
    return err;
}

sr_err sr_hpke_setup_sender(const struct sr_hpke_suite *suite, enum sr_hpke_mode mode,
                            struct sr_slice pk_r, struct sr_slice info,
                            const struct sr_hpke_mode_args *args, struct sr_slice ikm_e,
                            uint8_t *enc, struct sr_hpke_ctx **out)
{
    struct sr_hpke_schedule ks;
    *out = NULL;
    sr_err err = sr_hpke_sender_schedule(suite, mode, pk_r, info, args, ikm_e, enc, &ks);
    if (err == SR_OK) {
        err = sr_hpke_ctx_new(suite, SR_HPKE_ROLE_SENDER, &ks, out);
    }
    sr_wipe(&ks, sizeof(ks));
    return err;
}

sr_err sr_hpke_setup_recipient(const struct sr_hpke_suite *suite, enum sr_hpke_mode mode,
                               struct sr_slice enc, struct sr_slice sk_r, struct sr_slice info,
                               const struct sr_hpke_mode_args *args, struct sr_hpke_ctx **out)
{
    struct sr_hpke_schedule ks;
    *out = NULL;
    sr_err err = sr_hpke_recipient_schedule(suite, mode, enc, sk_r, info, args, &ks);
    if (err == SR_OK) {
        err = sr_hpke_ctx_new(suite, SR_HPKE_ROLE_RECIPIENT, &ks, out);
    }
    sr_wipe(&ks, sizeof(ks));
    return err;
}
