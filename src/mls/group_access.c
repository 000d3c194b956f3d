/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read-only views of a group's current epoch for the application: epoch number, epoch
 * authenticator (§8.7), MLS-Exporter (§8.5), tree hash (§7.8), roster, and the external
 * senders of the GroupContext (§12.1.8.1).
 */
#include <string.h>

#include "mls/group.h"
#include "mls/schedule_keys.h"
#include "mls/wire_extension.h"

uint64_t sr_mls_group_epoch(const struct sr_mls_group *g)
{
    return g->ep.epoch;
}

bool sr_mls_group_active(const struct sr_mls_group *g)
{
    return g != NULL && !g->removed && !g->reinit;
}

uint32_t sr_mls_group_own_leaf(const struct sr_mls_group *g)
{
    return g->ep.own_leaf;
}

uint16_t sr_mls_group_suite(const struct sr_mls_group *g)
{
    return g->suite->id;
}

sr_err sr_mls_group_id(const struct sr_mls_group *g, struct sr_buf *out)
{
    return sr_buf_append(out, g->group_id.p, g->group_id.len);
}

sr_err sr_mls_group_epoch_authenticator(const struct sr_mls_group *g, struct sr_buf *out)
{
    const struct sr_secret *s = &g->ep.secrets.epoch_authenticator;
    return sr_buf_append(out, s->p, s->len);
}

sr_err sr_mls_group_tree_hash(const struct sr_mls_group *g, struct sr_buf *out)
{
    return sr_buf_append(out, g->ep.tree_hash, g->suite->hash->len);
}

sr_err sr_mls_group_export(const struct sr_mls_group *g, struct sr_slice label,
                           struct sr_slice context, size_t len, uint8_t *out)
{
    SR_CHECK(g != NULL && out != NULL, SR_ERR_ARG);
    SR_CHECK(!g->removed, SR_ERR_STATE);
    return sr_mls_exporter(g->suite, sr_secret_slice(&g->ep.secrets.exporter), label, context, out,
                           len);
}

uint32_t sr_mls_group_leaf_count(const struct sr_mls_group *g)
{
    return g->ep.tree.n_leaves;
}

sr_err sr_mls_group_member(const struct sr_mls_group *g, uint32_t leaf, struct sr_buf *identity)
{
    const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(&g->ep.tree, leaf);
    SR_CHECK(ln != NULL, SR_ERR_NOT_FOUND);
    const struct sr_mls_credential *c = &ln->credential;
    if (c->type == SR_MLS_CREDENTIAL_X509 && c->cert_count > 0) {
        return sr_buf_append(identity, c->certs[0].p, c->certs[0].len);
    }
    return sr_buf_append(identity, c->identity.p, c->identity.len);
}

sr_err sr_mls_group_external_sender_key(const struct sr_mls_group *g, uint32_t index,
                                        struct sr_slice *pub)
{
    struct sr_mls_extensions exts = { 0 };
    struct sr_mls_external_senders es = { 0 };
    SR_CHECK(g->ep.gc_ext.len > 0, SR_ERR_NOT_FOUND);
    sr_err err = sr_mls_extensions_decode_body(sr_buf_slice(&g->ep.gc_ext), &exts);
    if (err != SR_OK) {
        return err;
    }
    const struct sr_mls_extension *e = sr_mls_extensions_find(&exts, SR_MLS_EXT_EXTERNAL_SENDERS);
    err = SR_ERR_NOT_FOUND;
    if (e != NULL && sr_mls_external_senders_decode(e->data, &es) == SR_OK && index < es.count) {
        /* The key points into gc_ext, which lives as long as the epoch. */
        *pub = es.items[index].signature_key;
        err = SR_OK;
    }
    sr_mls_external_senders_cleanup(&es);
    sr_mls_extensions_cleanup(&exts);
    return err;
}

void sr_mls_processed_cleanup(struct sr_mls_processed *p)
{
    if (p == NULL) {
        return;
    }
    sr_buf_cleanup(&p->data);
    sr_buf_cleanup(&p->aad);
    memset(p, 0, sizeof(*p));
}
