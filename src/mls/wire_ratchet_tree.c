/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §7.1 ParentNode and §12.4.3.3 the ratchet_tree extension.
 *
 *   struct { HPKEPublicKey encryption_key; opaque parent_hash<V>;
 *            uint32 unmerged_leaves<V>; } ParentNode;
 *   struct { NodeType node_type;
 *            select (node_type) { case leaf: LeafNode leaf_node;
 *                                 case parent: ParentNode parent_node; }; } Node;
 *   optional<Node> ratchet_tree<V>;
 *
 * Only the syntax is checked here; tree validation (§12.4.3.1: no trailing blank, sorted
 * unmerged leaves, hashes) belongs to the ratchet tree module.
 */
#include "mls/wire_ratchet_tree.h"

#include <string.h>

#include "mls/wire_limits.h"

sr_err sr_mls_parent_node_read(struct sr_reader *r, struct sr_mls_parent_node *out)
{
    struct sr_mls_parent_node p;
    memset(out, 0, sizeof(*out));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_PUBKEY, &p.encryption_key));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &p.parent_hash));
    SR_TRY(sr_mls_u32_list_read(r, SR_MLS_MAX_UNMERGED, &p.unmerged_leaves));
    *out = p;
    return SR_OK;
}

sr_err sr_mls_parent_node_encode(const struct sr_mls_parent_node *p, struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, p->encryption_key));
    SR_TRY(sr_write_slice_v(w, p->parent_hash));
    return sr_write_slice_v(w, p->unmerged_leaves);
}

sr_err sr_mls_node_read(struct sr_reader *r, struct sr_mls_node *out)
{
    uint8_t type;
    memset(out, 0, sizeof(*out));
    SR_TRY(sr_read_u8(r, &type));
    switch (type) {
    case SR_MLS_NODE_LEAF:
        SR_TRY(sr_mls_leaf_node_read(r, &out->leaf));
        break;
    case SR_MLS_NODE_PARENT:
        SR_TRY(sr_mls_parent_node_read(r, &out->parent));
        break;
    default:
        return SR_ERR_DECODE; /* RFC 9420 §7.8: NodeType is closed; 0 is reserved. */
    }
    out->present = true;
    out->type = type;
    return SR_OK;
}

sr_err sr_mls_node_encode(const struct sr_mls_node *n, struct sr_buf *w)
{
    SR_TRY(sr_write_u8(w, n->type));
    switch (n->type) {
    case SR_MLS_NODE_LEAF:
        return sr_mls_leaf_node_encode(&n->leaf, w);
    case SR_MLS_NODE_PARENT:
        return sr_mls_parent_node_encode(&n->parent, w);
    default:
        return SR_ERR_ARG;
    }
}

void sr_mls_node_cleanup(struct sr_mls_node *n)
{
    sr_mls_leaf_node_cleanup(&n->leaf);
    memset(n, 0, sizeof(*n));
}

/* optional<Node> */
static sr_err opt_node_read(struct sr_reader *r, void *item)
{
    struct sr_mls_node *n = item;
    bool present;
    SR_TRY(sr_read_optional(r, &present));
    if (!present) {
        memset(n, 0, sizeof(*n));
        return SR_OK;
    }
    return sr_mls_node_read(r, n);
}

static sr_err opt_node_write(const void *item, struct sr_buf *w)
{
    const struct sr_mls_node *n = item;
    SR_TRY(sr_write_bool(w, n->present));
    if (!n->present) {
        return SR_OK;
    }
    return sr_mls_node_encode(n, w);
}

static void opt_node_cleanup(void *item)
{
    sr_mls_node_cleanup(item);
}

static const struct sr_mls_item_ops opt_node_ops = {
    .size = sizeof(struct sr_mls_node),
    .read = opt_node_read,
    .write = opt_node_write,
    .cleanup = opt_node_cleanup,
    .max_items = SR_MLS_MAX_TREE_NODES,
};

sr_err sr_mls_ratchet_tree_decode(struct sr_slice in, size_t max, struct sr_mls_ratchet_tree *out)
{
    struct sr_reader r;
    void *nodes;
    size_t n;
    memset(out, 0, sizeof(*out));
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_vec_read(&r, max ? max : SR_MLS_MAX_TREE_BYTES, &opt_node_ops, &nodes, &n));
    /* optional<Node> ratchet_tree<1..2^32-1>: a tree has at least one node. */
    if (sr_reader_done(&r) != SR_OK || n == 0) {
        sr_mls_vec_free(&opt_node_ops, nodes, n);
        return SR_ERR_DECODE;
    }
    out->nodes = nodes;
    out->count = n;
    return SR_OK;
}

sr_err sr_mls_ratchet_tree_encode(const struct sr_mls_ratchet_tree *t, struct sr_buf *w)
{
    return sr_mls_vec_write(w, &opt_node_ops, t->nodes, t->count);
}

void sr_mls_ratchet_tree_cleanup(struct sr_mls_ratchet_tree *t)
{
    sr_mls_vec_free(&opt_node_ops, t->nodes, t->count);
    sr_buf_cleanup(&t->owned);
    memset(t, 0, sizeof(*t));
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_ratchet_tree_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_ratchet_tree_decode(in, 0, out);
}

sr_err sr_mls_ratchet_tree_dup(const struct sr_mls_ratchet_tree *src,
                               struct sr_mls_ratchet_tree *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}
