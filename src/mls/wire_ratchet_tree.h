/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §7.1 ParentNode and §12.4.3.3 the ratchet_tree extension body,
 * `optional<Node> ratchet_tree<V>`. A decoded tree borrows from its input (see wire_common.h)
 * unless made by sr_mls_ratchet_tree_dup. An empty tree is SR_ERR_DECODE. The byte cap is
 * SR_MLS_MAX_TREE_BYTES unless the caller gives a smaller one.
 */
#pragma once

#include "mls/wire_leaf_node.h"

struct sr_mls_parent_node {
    struct sr_slice encryption_key; /* HPKEPublicKey */
    struct sr_slice parent_hash;
    struct sr_slice unmerged_leaves; /* uint32 list, see sr_mls_u32_list_get */
};

/** One entry of the tree: blank, a leaf, or a parent. */
struct sr_mls_node {
    bool present;
    uint8_t type; /* SR_MLS_NODE_LEAF or SR_MLS_NODE_PARENT when present */
    struct sr_mls_leaf_node leaf;
    struct sr_mls_parent_node parent;
};

struct sr_mls_ratchet_tree {
    struct sr_mls_node *nodes; /* in array order: node i is at index i (§4.1) */
    size_t count;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

SR_MUST_USE sr_err sr_mls_parent_node_read(struct sr_reader *r, struct sr_mls_parent_node *out);
SR_MUST_USE sr_err sr_mls_parent_node_encode(const struct sr_mls_parent_node *p, struct sr_buf *w);

/** Node: node_type (1 leaf, 2 parent; anything else is SR_ERR_DECODE) and its body. */
SR_MUST_USE sr_err sr_mls_node_read(struct sr_reader *r, struct sr_mls_node *out);
SR_MUST_USE sr_err sr_mls_node_encode(const struct sr_mls_node *n, struct sr_buf *w);
void sr_mls_node_cleanup(struct sr_mls_node *n);

/** Decode a whole ratchet_tree of at most `max` bytes (0: SR_MLS_MAX_TREE_BYTES). */
SR_MUST_USE sr_err sr_mls_ratchet_tree_decode(struct sr_slice in, size_t max,
                                              struct sr_mls_ratchet_tree *out);
SR_MUST_USE sr_err sr_mls_ratchet_tree_encode(const struct sr_mls_ratchet_tree *t,
                                              struct sr_buf *w);
void sr_mls_ratchet_tree_cleanup(struct sr_mls_ratchet_tree *t);
SR_MUST_USE sr_err sr_mls_ratchet_tree_dup(const struct sr_mls_ratchet_tree *src,
                                           struct sr_mls_ratchet_tree *dst);
