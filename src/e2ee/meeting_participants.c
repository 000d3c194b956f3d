/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is in the meeting and how well we know them (issue 5, identity levels): KeyPackages
 * with a basic or an X.509 credential, the participant list with each identity's level under
 * the configured trust, and the certificate details `show certificate` prints.
 */
#include <string.h>

#include <sealroom/meeting.h>

#include "crypto/x509.h"
#include "e2ee/meeting_int.h"
#include "mls/group.h"

_Static_assert(SR_MEETING_CERT_TEXT_MAX == SR_X509_NAME_MAX, "certificate text sizes differ");

sr_err sr_meeting_key_package_new(const struct sr_meeting_config *cfg,
                                  const struct sr_meeting_credential *cred,
                                  struct sr_buf *key_package, struct sr_buf *priv)
{
    SR_CHECK(cfg != NULL && cred != NULL && key_package != NULL && priv != NULL, SR_ERR_ARG);
    struct sr_meeting m = { .clock = cfg->clock, .clock_arg = cfg->clock_arg };
    uint64_t now = sr_meeting_now(&m) / 1000u;
    if (cred->cert_count == 0) {
        SR_CHECK(cred->identity.len > 0, SR_ERR_ARG);
        return sr_mls_key_package_new(cfg->mls_suite, cred->identity, now, key_package, priv);
    }
    SR_CHECK(cred->certs != NULL && cred->signature_priv.len > 0, SR_ERR_ARG);
    return sr_mls_key_package_new_x509(cfg->mls_suite, cred->certs, cred->cert_count,
                                       cred->signature_priv, now, key_package, priv);
}

size_t sr_meeting_participant_count(const struct sr_meeting *m)
{
    const struct sr_mls_tree *t = &m->group->ep.tree;
    size_t n = 0;
    for (uint32_t i = 0; i < t->n_leaves; i++) {
        n += sr_mls_tree_get0_leaf(t, i) != NULL;
    }
    return n;
}

sr_err sr_meeting_participant(const struct sr_meeting *m, uint32_t leaf,
                              struct sr_meeting_participant *out)
{
    SR_CHECK(m != NULL && out != NULL, SR_ERR_ARG);
    struct sr_mls_member_identity id;
    SR_TRY(sr_mls_group_member_identity(m->group, leaf, &id));
    memset(out, 0, sizeof(*out));
    out->leaf = leaf;
    out->self = leaf == sr_mls_group_own_leaf(m->group);
    out->credential_type = id.credential_type;
    out->level = id.level;
    memcpy(out->identity, id.identity, sizeof(out->identity));
    out->identity[sizeof(out->identity) - 1] = '\0';
    return SR_OK;
}

sr_err sr_meeting_participants(const struct sr_meeting *m, struct sr_meeting_participant *out,
                               size_t cap, size_t *count)
{
    SR_CHECK(m != NULL && count != NULL && (out != NULL || cap == 0), SR_ERR_ARG);
    size_t n = sr_meeting_participant_count(m);
    *count = n;
    SR_CHECK(cap >= n, SR_ERR_BUFFER_TOO_SMALL);
    size_t k = 0;
    uint32_t leaves = sr_mls_group_leaf_count(m->group);
    for (uint32_t i = 0; i < leaves && k < n; i++) {
        sr_err err = sr_meeting_participant(m, i, &out[k]);
        if (err == SR_ERR_NOT_FOUND) {
            continue;
        }
        SR_TRY(err);
        k++;
    }
    return SR_OK;
}

sr_err sr_meeting_certificate(const struct sr_meeting *m, uint32_t leaf,
                              struct sr_meeting_certificate *out)
{
    SR_CHECK(m != NULL && out != NULL, SR_ERR_ARG);
    struct sr_mls_member_identity id;
    SR_TRY(sr_mls_group_member_identity(m->group, leaf, &id));
    struct sr_buf der = { 0 };
    struct sr_x509_info info;
    sr_err err = sr_mls_group_member_certificate(m->group, leaf, 0, &der);
    if (err == SR_OK) {
        err = sr_crypto_x509_info(sr_buf_slice(&der), &info);
    }
    sr_buf_cleanup(&der);
    SR_TRY(err);
    memset(out, 0, sizeof(*out));
    memcpy(out->subject, info.subject, sizeof(out->subject));
    memcpy(out->issuer, info.issuer, sizeof(out->issuer));
    memcpy(out->serial, info.serial, sizeof(out->serial));
    memcpy(out->email, info.email, sizeof(out->email));
    out->not_before = info.not_before;
    out->not_after = info.not_after;
    memcpy(out->sha256, info.sha256, sizeof(out->sha256));
    out->level = id.level;
    out->chain_len = id.cert_count;
    return SR_OK;
}
