/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4 Commit and §7.6 UpdatePath.
 *
 *   struct { opaque kem_output<V>; opaque ciphertext<V>; } HPKECiphertext;
 *   struct { HPKEPublicKey encryption_key;
 *            HPKECiphertext encrypted_path_secret<V>; } UpdatePathNode;
 *   struct { LeafNode leaf_node; UpdatePathNode nodes<V>; } UpdatePath;
 *   struct { ProposalOrRefType type;
 *            select (type) { case proposal: Proposal proposal;
 *                            case reference: ProposalRef reference; }; } ProposalOrRef;
 *   struct { ProposalOrRef proposals<V>; optional<UpdatePath> path; } Commit;
 */
#include "mls/wire_commit.h"

#include <string.h>

#include "mls/wire_limits.h"

sr_err sr_mls_hpke_ciphertext_read(struct sr_reader *r, struct sr_mls_hpke_ciphertext *out)
{
    struct sr_mls_hpke_ciphertext ct;
    memset(out, 0, sizeof(*out));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_KEM_OUTPUT, &ct.kem_output));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HPKE_CT, &ct.ciphertext));
    *out = ct;
    return SR_OK;
}

sr_err sr_mls_hpke_ciphertext_encode(const struct sr_mls_hpke_ciphertext *ct, struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, ct->kem_output));
    return sr_write_slice_v(w, ct->ciphertext);
}

static sr_err ct_read(struct sr_reader *r, void *item)
{
    return sr_mls_hpke_ciphertext_read(r, item);
}

static sr_err ct_write(const void *item, struct sr_buf *w)
{
    return sr_mls_hpke_ciphertext_encode(item, w);
}

static const struct sr_mls_item_ops ct_ops = {
    .size = sizeof(struct sr_mls_hpke_ciphertext),
    .read = ct_read,
    .write = ct_write,
    .cleanup = NULL,
    .max_items = SR_MLS_MAX_TREE_LEAVES,
};

static sr_err node_read(struct sr_reader *r, void *item)
{
    struct sr_mls_update_path_node *n = item;
    void *cts;
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_PUBKEY, &n->encryption_key));
    SR_TRY(sr_mls_vec_read(r, SR_MLS_MAX_PATH_SECRETS, &ct_ops, &cts,
                           &n->encrypted_path_secret_count));
    n->encrypted_path_secret = cts;
    return SR_OK;
}

static sr_err node_write(const void *item, struct sr_buf *w)
{
    const struct sr_mls_update_path_node *n = item;
    SR_TRY(sr_write_slice_v(w, n->encryption_key));
    return sr_mls_vec_write(w, &ct_ops, n->encrypted_path_secret, n->encrypted_path_secret_count);
}

static void node_cleanup(void *item)
{
    struct sr_mls_update_path_node *n = item;
    sr_mls_vec_free(&ct_ops, n->encrypted_path_secret, n->encrypted_path_secret_count);
    memset(n, 0, sizeof(*n));
}

static const struct sr_mls_item_ops node_ops = {
    .size = sizeof(struct sr_mls_update_path_node),
    .read = node_read,
    .write = node_write,
    .cleanup = node_cleanup,
    .max_items = SR_MLS_MAX_PATH_DEPTH,
};

sr_err sr_mls_update_path_read(struct sr_reader *r, struct sr_mls_update_path *out)
{
    void *nodes;
    memset(out, 0, sizeof(*out));
    SR_TRY(sr_mls_leaf_node_read(r, &out->leaf_node));
    sr_err err = sr_mls_vec_read(r, SR_MLS_MAX_PATH_NODES, &node_ops, &nodes, &out->node_count);
    if (err != SR_OK) {
        sr_mls_update_path_cleanup(out);
        return err;
    }
    out->nodes = nodes;
    return SR_OK;
}

sr_err sr_mls_update_path_encode(const struct sr_mls_update_path *path, struct sr_buf *w)
{
    SR_TRY(sr_mls_leaf_node_encode(&path->leaf_node, w));
    return sr_mls_vec_write(w, &node_ops, path->nodes, path->node_count);
}

void sr_mls_update_path_cleanup(struct sr_mls_update_path *path)
{
    sr_mls_leaf_node_cleanup(&path->leaf_node);
    sr_mls_vec_free(&node_ops, path->nodes, path->node_count);
    memset(path, 0, sizeof(*path));
}

static sr_err por_read(struct sr_reader *r, void *item)
{
    struct sr_mls_proposal_or_ref *p = item;
    SR_TRY(sr_read_u8(r, &p->type));
    switch (p->type) {
    case SR_MLS_PROPOSAL_OR_REF_PROPOSAL:
        return sr_mls_proposal_read(r, &p->proposal);
    case SR_MLS_PROPOSAL_OR_REF_REFERENCE:
        return sr_read_opaque_v(r, SR_MLS_MAX_HASH, &p->reference);
    default:
        return SR_ERR_DECODE; /* RFC 9420 §12.4: ProposalOrRefType is closed. */
    }
}

static sr_err por_write(const void *item, struct sr_buf *w)
{
    const struct sr_mls_proposal_or_ref *p = item;
    SR_TRY(sr_write_u8(w, p->type));
    switch (p->type) {
    case SR_MLS_PROPOSAL_OR_REF_PROPOSAL:
        return sr_mls_proposal_encode(&p->proposal, w);
    case SR_MLS_PROPOSAL_OR_REF_REFERENCE:
        return sr_write_slice_v(w, p->reference);
    default:
        return SR_ERR_ARG;
    }
}

static void por_cleanup(void *item)
{
    struct sr_mls_proposal_or_ref *p = item;
    sr_mls_proposal_cleanup(&p->proposal);
}

static const struct sr_mls_item_ops por_ops = {
    .size = sizeof(struct sr_mls_proposal_or_ref),
    .read = por_read,
    .write = por_write,
    .cleanup = por_cleanup,
    .max_items = SR_MLS_MAX_PROPOSAL_COUNT,
};

static sr_err commit_fields(struct sr_reader *r, struct sr_mls_commit *c)
{
    void *items;
    SR_TRY(sr_mls_vec_read(r, SR_MLS_MAX_PROPOSALS, &por_ops, &items, &c->proposal_count));
    c->proposals = items;
    SR_TRY(sr_read_optional(r, &c->has_path));
    if (c->has_path) {
        SR_TRY(sr_mls_update_path_read(r, &c->path));
    }
    return SR_OK;
}

sr_err sr_mls_commit_read(struct sr_reader *r, struct sr_mls_commit *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = commit_fields(r, out);
    if (err != SR_OK) {
        sr_mls_commit_cleanup(out);
    }
    return err;
}

sr_err sr_mls_commit_decode(struct sr_slice in, struct sr_mls_commit *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_commit_read(&r, out));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_commit_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_mls_commit_encode(const struct sr_mls_commit *c, struct sr_buf *w)
{
    SR_TRY(sr_mls_vec_write(w, &por_ops, c->proposals, c->proposal_count));
    SR_TRY(sr_write_bool(w, c->has_path));
    if (c->has_path) {
        SR_TRY(sr_mls_update_path_encode(&c->path, w));
    }
    return SR_OK;
}

void sr_mls_commit_cleanup(struct sr_mls_commit *c)
{
    sr_mls_vec_free(&por_ops, c->proposals, c->proposal_count);
    sr_mls_update_path_cleanup(&c->path);
    sr_buf_cleanup(&c->owned);
    memset(c, 0, sizeof(*c));
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_commit_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_commit_decode(in, out);
}

sr_err sr_mls_commit_dup(const struct sr_mls_commit *src, struct sr_mls_commit *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}
