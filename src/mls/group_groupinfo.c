/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GroupInfo of an epoch (RFC 9420 §12.4.3): for the Welcome of a commit, and published
 * with external_pub (§12.4.3.2) so that a client can join, or rejoin, by external commit.
 *
 *   GroupInfo { group_context, extensions = [ratchet_tree?] [external_pub?],
 *               confirmation_tag, signer = our leaf, SignWithLabel("GroupInfoTBS") }
 */
#include "core/alloc.h"
#include "mls/group.h"
#include "mls/group_info.h"
#include "mls/schedule_keys.h"
#include "mls/welcome.h"
#include "mls/wire_extension.h"
#include "mls/wire_group_context.h"

static void add_ext(struct sr_mls_extension *items, size_t *n, uint16_t type, struct sr_slice data)
{
    items[*n].type = type;
    items[*n].data = data;
    (*n)++;
}

/* The extension bodies (tree and external key), kept in `tree` and `pub` while gi is used. */
static sr_err extensions(const struct sr_mls_group *g, const struct sr_mls_group_epoch *ep,
                         unsigned flags, struct sr_buf *tree, struct sr_buf *pub,
                         struct sr_mls_extension *items, size_t *n)
{
    *n = 0;
    if (flags & SR_MLS_GROUP_INFO_TREE) {
        SR_TRY(sr_mls_tree_export(&ep->tree, tree));
        add_ext(items, n, SR_MLS_EXT_RATCHET_TREE, sr_buf_slice(tree));
    }
    if (flags & SR_MLS_GROUP_INFO_EXTERNAL_PUB) {
        struct sr_secret sk = { 0 };
        uint8_t pk[SR_KEM_PK_MAX];
        sr_err err =
                sr_mls_external_key_pair(g->suite, sr_secret_slice(&ep->secrets.external), &sk, pk);
        sr_secret_cleanup(&sk);
        SR_TRY(err);
        SR_TRY(sr_mls_ext_external_pub_encode(sr_slice_of(pk, g->suite->kem->pk_len), pub));
        add_ext(items, n, SR_MLS_EXT_EXTERNAL_PUB, sr_buf_slice(pub));
    }
    return SR_OK;
}

sr_err sr_mls_group_info_make(const struct sr_mls_group *g, const struct sr_mls_group_epoch *ep,
                              unsigned flags, struct sr_buf *out)
{
    struct sr_mls_group_info gi = { 0 };
    struct sr_mls_extension items[2];
    struct sr_buf tree = { 0 }, pub = { 0 }, sig = { 0 };
    sr_err err = sr_mls_group_context_decode(sr_buf_slice(&ep->gc_bytes), &gi.group_context);
    if (err == SR_OK) {
        err = extensions(g, ep, flags, &tree, &pub, items, &gi.extensions.count);
    }
    if (err == SR_OK) {
        gi.extensions.items = gi.extensions.count > 0 ? items : NULL;
        gi.confirmation_tag = sr_slice_of(ep->confirmation_tag, g->suite->hash->len);
        gi.signer = ep->own_leaf;
        err = sr_mls_group_info_sign(g->suite, &gi, sr_secret_slice(&g->sig_priv), &sig);
    }
    if (err == SR_OK) {
        err = sr_mls_group_info_encode(&gi, out);
    }
    sr_buf_cleanup(&tree);
    sr_buf_cleanup(&pub);
    sr_buf_cleanup(&sig);
    return err;
}

sr_err sr_mls_group_get_group_info(const struct sr_mls_group *g, bool ratchet_tree,
                                   struct sr_buf *out)
{
    SR_CHECK(g != NULL && out != NULL, SR_ERR_ARG);
    SR_CHECK(!g->removed, SR_ERR_STATE);
    size_t len = out->len;
    unsigned flags = SR_MLS_GROUP_INFO_EXTERNAL_PUB | (ratchet_tree ? SR_MLS_GROUP_INFO_TREE : 0);
    sr_err err = sr_write_u16(out, SR_MLS_VERSION_MLS10);
    if (err == SR_OK) {
        err = sr_write_u16(out, SR_MLS_WIRE_GROUP_INFO);
    }
    if (err == SR_OK) {
        err = sr_mls_group_info_make(g, &g->ep, flags, out);
    }
    if (err != SR_OK) {
        out->len = len;
    }
    return err;
}

sr_err sr_mls_group_export_tree(const struct sr_mls_group *g, struct sr_buf *out)
{
    SR_CHECK(g != NULL && out != NULL, SR_ERR_ARG);
    return sr_mls_tree_export(&g->ep.tree, out);
}

/* The path secret for new member `leaf`: that of our lowest common ancestor (§12.4.3.1). */
static struct sr_slice member_path_secret(const struct sr_mls_group_epoch *ne,
                                          const struct sr_mls_treekem_result *res, uint32_t leaf)
{
    uint32_t lca;
    if (res->len == 0 || sr_mls_tree_common_ancestor(sr_mls_tree_leaf_to_node(ne->own_leaf),
                                                     sr_mls_tree_leaf_to_node(leaf),
                                                     ne->tree.n_leaves, &lca) != SR_OK) {
        return sr_slice_of(NULL, 0);
    }
    const struct sr_secret *ps = sr_mls_treekem_result_path_secret(res, lca);
    return ps != NULL ? sr_secret_slice(ps) : sr_slice_of(NULL, 0);
}

static sr_err welcome_build(const struct sr_mls_group *g, const struct sr_mls_group_epoch *ne,
                            const struct sr_mls_group_prop *props, size_t n,
                            const struct sr_mls_group_applied *ap,
                            const struct sr_mls_treekem_result *res, struct sr_slice gi,
                            struct sr_buf *out)
{
    struct sr_mls_welcome_member *m = sr_calloc(ap->n_added + 1, sizeof(*m));
    struct sr_mls_psk_id *psks = sr_calloc(ap->n_psks + 1, sizeof(*psks));
    sr_err err = m != NULL && psks != NULL ? SR_OK : SR_ERR_NOMEM;
    for (size_t i = 0, k = 0; err == SR_OK && i < n && k < ap->n_added; i++) {
        if (props[i].p->type == SR_MLS_PROPOSAL_ADD) {
            m[k].key_package = &props[i].p->u.add;
            m[k].path_secret = member_path_secret(ne, res, ap->added[k]);
            k++;
        }
    }
    for (size_t i = 0; err == SR_OK && i < ap->n_psks; i++) {
        psks[i] = *ap->psk_ids[i];
    }
    struct sr_mls_welcome_build_args wa = {
        .suite = g->suite,
        .group_info = gi,
        .joiner_secret = sr_secret_slice(&ne->secrets.joiner),
        .psk_secret = sr_secret_slice(&ap->psk_secret),
        .psks = psks,
        .psk_count = ap->n_psks,
        .members = m,
        .member_count = ap->n_added,
    };
    if (err == SR_OK) {
        err = sr_mls_welcome_build(&wa, out);
    }
    sr_free(m);
    sr_free(psks);
    return err;
}

sr_err sr_mls_group_welcome_make(const struct sr_mls_group *g, const struct sr_mls_group_epoch *ne,
                                 const struct sr_mls_group_prop *props, size_t n,
                                 const struct sr_mls_group_applied *ap,
                                 const struct sr_mls_treekem_result *res, bool tree,
                                 struct sr_buf *out)
{
    struct sr_buf gi = { 0 };
    size_t len = out->len;
    sr_err err = sr_mls_group_info_make(g, ne, tree ? SR_MLS_GROUP_INFO_TREE : 0, &gi);
    if (err == SR_OK) {
        err = sr_write_u16(out, SR_MLS_VERSION_MLS10);
    }
    if (err == SR_OK) {
        err = sr_write_u16(out, SR_MLS_WIRE_WELCOME);
    }
    if (err == SR_OK) {
        err = welcome_build(g, ne, props, n, ap, res, sr_buf_slice(&gi), out);
    }
    if (err != SR_OK) {
        out->len = len;
    }
    sr_buf_cleanup(&gi);
    return err;
}
