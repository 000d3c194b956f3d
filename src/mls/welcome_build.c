/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4.3.1 Welcome, the committer's side:
 *
 *   encrypted_group_info = AEAD.Seal(welcome_key, welcome_nonce, "", GroupInfo)
 *   for each new member:
 *       new_member              = KeyPackageRef(key_package)
 *       encrypted_group_secrets = EncryptWithLabel(init_key, "Welcome",
 *                                     encrypted_group_info, GroupSecrets)
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/aead.h"
#include "hpke/labels.h"
#include "mls/schedule_keys.h"
#include "mls/welcome.h"

static sr_err seal_group_info(const struct sr_mls_welcome_build_args *a, struct sr_buf *ct)
{
    const struct sr_suite *s = a->suite;
    struct sr_secret welcome = { 0 }, key = { 0 }, nonce = { 0 };
    size_t len = 0, cap = 0;
    sr_err err = sr_mls_key_schedule_welcome_secret(s, a->joiner_secret, a->psk_secret, &welcome);
    if (err == SR_OK) {
        err = sr_mls_welcome_key_nonce(s, sr_secret_slice(&welcome), &key, &nonce);
    }
    if (err == SR_OK) {
        err = sr_size_add(a->group_info.len, s->aead->tag_len, &cap) ? sr_buf_reserve(ct, cap)
                                                                     : SR_ERR_LIMIT;
    }
    if (err == SR_OK) {
        err = sr_aead_seal_once(s->aead, sr_secret_slice(&key), nonce.p, sr_slice_of(NULL, 0),
                                a->group_info, ct->p + ct->len, cap, &len);
    }
    if (err == SR_OK) {
        ct->len += len;
    }
    sr_secret_cleanup(&welcome);
    sr_secret_cleanup(&key);
    sr_secret_cleanup(&nonce);
    return err;
}

/* Per member: the reference, kem_output and ciphertext the Welcome points into. */
struct member_out {
    uint8_t ref[SR_HASH_MAX];
    struct sr_buf kem_output, ciphertext;
};

static sr_err seal_member(const struct sr_mls_welcome_build_args *a,
                          const struct sr_mls_welcome_member *m,
                          const struct sr_mls_encrypt_context *ec, struct member_out *mo,
                          struct sr_mls_encrypted_group_secrets *e)
{
    const struct sr_suite *s = a->suite;
    const struct sr_mls_key_package *kp = m->key_package;
    SR_CHECK(kp != NULL && kp->cipher_suite == s->id, SR_ERR_ARG);
    struct sr_mls_group_secrets gs = {
        .joiner_secret = a->joiner_secret,
        .has_path_secret = m->path_secret.len > 0,
        .path_secret = m->path_secret,
        /* The codec only reads the PSK ids; it never writes through this pointer. */
        .psks = (struct sr_mls_psk_id *)(uintptr_t)a->psks,
        .psk_count = a->psk_count,
    };
    struct sr_buf plain;
    sr_buf_init(&plain, 0, SR_BUF_WIPE);
    sr_err err = sr_mls_key_package_ref(s, kp, mo->ref);
    if (err == SR_OK) {
        err = sr_mls_group_secrets_encode(&gs, &plain);
    }
    if (err == SR_OK) {
        err = sr_mls_encrypt_with_context(ec, kp->init_key, sr_buf_slice(&plain), &mo->kem_output,
                                          &mo->ciphertext);
    }
    sr_buf_cleanup(&plain);
    e->new_member = sr_slice_of(mo->ref, s->hash->len);
    e->encrypted_group_secrets.kem_output = sr_buf_slice(&mo->kem_output);
    e->encrypted_group_secrets.ciphertext = sr_buf_slice(&mo->ciphertext);
    return err;
}

sr_err sr_mls_welcome_build(const struct sr_mls_welcome_build_args *a, struct sr_buf *out)
{
    SR_CHECK(a != NULL && a->suite != NULL && a->member_count > 0 && a->members != NULL,
             SR_ERR_ARG);
    SR_CHECK(a->joiner_secret.len == a->suite->hash->len, SR_ERR_ARG);
    size_t n = a->member_count;
    struct sr_buf egi = { 0 };
    struct sr_mls_encrypt_context ec;
    struct member_out *mo = sr_calloc(n, sizeof(*mo));
    struct sr_mls_welcome wl = { .cipher_suite = a->suite->id, .secret_count = n };
    wl.secrets = sr_calloc(n, sizeof(*wl.secrets));
    sr_err err = mo == NULL || wl.secrets == NULL ? SR_ERR_NOMEM : SR_OK;
    if (err == SR_OK) {
        err = seal_group_info(a, &egi);
    }
    /* Every joiner's EncryptContext is {"Welcome", encrypted_group_info}: hash that HPKE info
     * once, not once per joiner (it holds the whole GroupInfo, ratchet tree included). */
    if (err == SR_OK) {
        err = sr_mls_encrypt_context_init(&ec, a->suite, "Welcome", sr_buf_slice(&egi));
    }
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        err = seal_member(a, &a->members[i], &ec, &mo[i], &wl.secrets[i]);
    }
    if (err == SR_OK) {
        wl.encrypted_group_info = sr_buf_slice(&egi);
        size_t start = out->len;
        err = sr_mls_welcome_encode(&wl, out);
        if (err != SR_OK) {
            out->len = start;
        }
    }
    for (size_t i = 0; mo != NULL && i < n; i++) {
        sr_buf_cleanup(&mo[i].kem_output);
        sr_buf_cleanup(&mo[i].ciphertext);
    }
    sr_free(mo);
    sr_free(wl.secrets);
    sr_buf_cleanup(&egi);
    return err;
}
