/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Members' identities for display (the meeting layer's "verified externally / internally /
 * unverified"), judged by the group's trust at the time of the call, and the certificates of
 * X.509 members. A member whose certificate has expired since it joined is still in the
 * group: its chain no longer verifies, so it is reported UNVERIFIED rather than hidden.
 */
#include <string.h>

#include "mls/group.h"
#include "mls/trust.h"

sr_err sr_mls_group_member_identity(const struct sr_mls_group *g, uint32_t leaf,
                                    struct sr_mls_member_identity *out)
{
    SR_CHECK(g != NULL && out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(&g->ep.tree, leaf);
    SR_CHECK(ln != NULL, SR_ERR_NOT_FOUND);
    const struct sr_mls_credential *c = &ln->credential;
    struct sr_mls_credential_result res;
    int64_t now = sr_mls_trust_time(g->trust, g->now);
    sr_err err = sr_mls_trust_assess(g->trust, g->suite, c, ln->signature_key, now, &res);
    if (err != SR_OK) {
        return err;
    }
    out->credential_type = c->type;
    out->level = (enum sr_mls_identity_level)res.level;
    memcpy(out->identity, res.identity, sizeof(out->identity));
    out->cert_count = c->type == SR_MLS_CREDENTIAL_X509 ? c->cert_count : 0;
    return SR_OK;
}

sr_err sr_mls_group_member_certificate(const struct sr_mls_group *g, uint32_t leaf, size_t index,
                                       struct sr_buf *der)
{
    SR_CHECK(g != NULL && der != NULL, SR_ERR_ARG);
    const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(&g->ep.tree, leaf);
    SR_CHECK(ln != NULL, SR_ERR_NOT_FOUND);
    const struct sr_mls_credential *c = &ln->credential;
    SR_CHECK(c->type == SR_MLS_CREDENTIAL_X509 && index < c->cert_count, SR_ERR_NOT_FOUND);
    return sr_buf_append(der, c->certs[index].p, c->certs[index].len);
}
