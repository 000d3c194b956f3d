/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4.3.1 Joining via Welcome, the joiner's side:
 *
 *   Welcome{cipher_suite, secrets[], encrypted_group_info}
 *      | secrets[i].new_member == KeyPackageRef(ours)
 *      v
 *   GroupSecrets = DecryptWithLabel(init_priv, "Welcome", encrypted_group_info, kem_output, ct)
 *      | joiner_secret, psks -> psk_secret
 *      v
 *   welcome_secret = DeriveSecret(Extract(joiner_secret, psk_secret), "welcome")
 *   GroupInfo = AEAD.Open(welcome_key, welcome_nonce, "", encrypted_group_info)
 *      | signature (signer's key), confirmation_tag (key schedule from joiner_secret)
 *      v
 *   epoch secrets of the group's current epoch
 */
#include "mls/welcome.h"

#include <string.h>

#include "crypto/aead.h"
#include "hpke/labels.h"
#include "mls/group_info.h"
#include "mls/schedule_keys.h"
#include "mls/transcript.h"
#include "mls/wire_limits.h"

sr_err sr_mls_welcome_open_secrets(const struct sr_suite *suite, const struct sr_mls_welcome *wl,
                                   struct sr_slice ref, struct sr_slice init_priv,
                                   struct sr_buf *plain, struct sr_mls_group_secrets *gs)
{
    memset(gs, 0, sizeof(*gs));
    sr_buf_init(plain, SR_MLS_MAX_HPKE_CT, SR_BUF_WIPE);
    SR_CHECK(suite != NULL && wl != NULL, SR_ERR_ARG);
    /* §12.4.3.1: "Identify an entry in the secrets array where the new_member value
     * corresponds to one of this client's KeyPackages". */
    const struct sr_mls_encrypted_group_secrets *e = sr_mls_welcome_find(wl, ref);
    SR_CHECK(e != NULL, SR_ERR_NOT_FOUND);
    sr_err err = sr_mls_decrypt_with_label(suite, init_priv, "Welcome", wl->encrypted_group_info,
                                           e->encrypted_group_secrets.kem_output,
                                           e->encrypted_group_secrets.ciphertext, plain);
    if (err == SR_OK) {
        err = sr_mls_group_secrets_decode(sr_buf_slice(plain), gs);
    }
    if (err == SR_OK && (gs->joiner_secret.len != suite->hash->len ||
                         (gs->has_path_secret && gs->path_secret.len != suite->hash->len))) {
        sr_mls_group_secrets_cleanup(gs);
        err = SR_ERR_INVALID;
    }
    if (err != SR_OK) {
        sr_buf_cleanup(plain);
    }
    return err;
}

static sr_err open_aead(const struct sr_suite *suite, struct sr_slice welcome_secret,
                        struct sr_slice ct, struct sr_buf *plain)
{
    struct sr_secret key = { 0 }, nonce = { 0 };
    size_t len = 0;
    sr_err err = sr_mls_welcome_key_nonce(suite, welcome_secret, &key, &nonce);
    if (err == SR_OK && ct.len < suite->aead->tag_len) {
        err = SR_ERR_AUTH;
    }
    if (err == SR_OK) {
        err = sr_buf_reserve(plain, ct.len);
    }
    if (err == SR_OK) {
        err = sr_aead_open_once(suite->aead, sr_secret_slice(&key), nonce.p, sr_slice_of(NULL, 0),
                                ct, plain->p, plain->cap, &len);
    }
    if (err == SR_OK) {
        plain->len = len;
    }
    sr_secret_cleanup(&key);
    sr_secret_cleanup(&nonce);
    return err;
}

sr_err sr_mls_welcome_open_group_info(const struct sr_suite *suite, const struct sr_mls_welcome *wl,
                                      struct sr_slice joiner_secret, struct sr_slice psk_secret,
                                      struct sr_buf *plain, struct sr_mls_group_info *gi)
{
    memset(gi, 0, sizeof(*gi));
    sr_buf_init(plain, SR_MLS_MAX_ENCRYPTED_GROUP_INFO, SR_BUF_WIPE);
    SR_CHECK(suite != NULL && wl != NULL, SR_ERR_ARG);
    struct sr_secret welcome = { 0 };
    sr_err err = sr_mls_key_schedule_welcome_secret(suite, joiner_secret, psk_secret, &welcome);
    if (err == SR_OK) {
        err = open_aead(suite, sr_secret_slice(&welcome), wl->encrypted_group_info, plain);
    }
    if (err == SR_OK) {
        err = sr_mls_group_info_decode(sr_buf_slice(plain), gi);
    }
    if (err != SR_OK) {
        sr_buf_cleanup(plain);
    }
    sr_secret_cleanup(&welcome);
    return err;
}

sr_err sr_mls_welcome_check_confirmation(const struct sr_suite *suite,
                                         const struct sr_mls_group_info *gi,
                                         struct sr_slice joiner_secret, struct sr_slice psk_secret,
                                         struct sr_mls_epoch_secrets *out)
{
    struct sr_buf gc = { 0 };
    sr_err err = sr_mls_group_context_encode(&gi->group_context, &gc);
    if (err == SR_OK) {
        err = sr_mls_key_schedule_join(suite, joiner_secret, psk_secret, sr_buf_slice(&gc), out);
    }
    if (err == SR_OK) {
        /* §12.4.3.1: "Verify the confirmation tag in the GroupInfo using the derived
         * confirmation key and the confirmed_transcript_hash from the GroupInfo." */
        err = sr_mls_confirmation_tag_verify(suite, sr_secret_slice(&out->confirmation_key),
                                             gi->group_context.confirmed_transcript_hash,
                                             gi->confirmation_tag);
    }
    if (err != SR_OK) {
        sr_mls_epoch_secrets_cleanup(out);
    }
    sr_buf_cleanup(&gc);
    return err;
}

void sr_mls_welcome_joined_cleanup(struct sr_mls_welcome_joined *j)
{
    sr_mls_group_secrets_cleanup(&j->group_secrets);
    sr_mls_group_info_cleanup(&j->group_info);
    sr_buf_cleanup(&j->secrets_plain);
    sr_buf_cleanup(&j->group_info_plain);
    sr_mls_epoch_secrets_cleanup(&j->epoch);
}

static sr_err verify_signer(const struct sr_mls_welcome_join_args *a, const struct sr_suite *s,
                            const struct sr_mls_group_info *gi)
{
    if (a->signer_key == NULL) {
        return sr_mls_group_info_verify(s, gi, a->signer_pub);
    }
    struct sr_buf pub = { 0 };
    sr_err err = a->signer_key(a->signer_arg, gi, &pub);
    if (err == SR_OK) {
        err = sr_mls_group_info_verify(s, gi, sr_buf_slice(&pub));
    }
    sr_buf_cleanup(&pub);
    return err;
}

static sr_err join_steps(const struct sr_mls_welcome_join_args *a, const struct sr_suite *s,
                         struct sr_secret *psk, struct sr_mls_welcome_joined *out)
{
    const struct sr_mls_key_package_priv *kp = a->key_package;
    SR_TRY(sr_mls_welcome_open_secrets(s, a->welcome, sr_slice_of(kp->ref, kp->ref_len),
                                       sr_secret_slice(&kp->init_priv), &out->secrets_plain,
                                       &out->group_secrets));
    SR_TRY(sr_mls_welcome_psk_secret(s, &out->group_secrets, a->psk_lookup, a->psk_arg, psk));
    struct sr_slice joiner = out->group_secrets.joiner_secret;
    SR_TRY(sr_mls_welcome_open_group_info(s, a->welcome, joiner, sr_secret_slice(psk),
                                          &out->group_info_plain, &out->group_info));
    SR_TRY(sr_mls_group_info_check(s, &out->group_info));
    SR_TRY(verify_signer(a, s, &out->group_info));
    return sr_mls_welcome_check_confirmation(s, &out->group_info, joiner, sr_secret_slice(psk),
                                             &out->epoch);
}

sr_err sr_mls_welcome_join(const struct sr_mls_welcome_join_args *a,
                           struct sr_mls_welcome_joined *out)
{
    memset(out, 0, sizeof(*out));
    SR_CHECK(a != NULL && a->welcome != NULL && a->key_package != NULL, SR_ERR_ARG);
    /* §12.4.3.1: the Welcome's cipher suite MUST be the KeyPackage's. */
    SR_CHECK(a->welcome->cipher_suite == a->key_package->cipher_suite, SR_ERR_INVALID);
    const struct sr_suite *s = sr_suite_get(a->welcome->cipher_suite);
    SR_CHECK(s != NULL, SR_ERR_UNSUPPORTED);
    struct sr_secret psk = { 0 };
    sr_err err = join_steps(a, s, &psk, out);
    sr_secret_cleanup(&psk);
    if (err != SR_OK) {
        sr_mls_welcome_joined_cleanup(out);
    }
    return err;
}
