/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §7.2 LeafNode and LeafNodeTBS for the three leaf_node_sources (key_package,
 * update, commit). A decoded leaf borrows from its input (see wire_common.h) unless it was
 * made by sr_mls_leaf_node_dup, in which case it owns its bytes in `owned`.
 */
#pragma once

#include "mls/wire_extension.h"

struct sr_mls_leaf_node {
    struct sr_slice encryption_key; /* HPKEPublicKey */
    struct sr_slice signature_key;  /* SignaturePublicKey */
    struct sr_mls_credential credential;
    struct sr_mls_capabilities capabilities;
    uint8_t source;                  /* SR_MLS_LEAF_SOURCE_* */
    struct sr_mls_lifetime lifetime; /* source key_package */
    struct sr_slice parent_hash;     /* source commit */
    struct sr_mls_extensions extensions;
    struct sr_slice signature;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

/** Read a LeafNode; leaf_node_source must be 1, 2 or 3 (SR_ERR_DECODE otherwise). */
SR_MUST_USE sr_err sr_mls_leaf_node_read(struct sr_reader *r, struct sr_mls_leaf_node *out);
SR_MUST_USE sr_err sr_mls_leaf_node_decode(struct sr_slice in, struct sr_mls_leaf_node *out);
SR_MUST_USE sr_err sr_mls_leaf_node_encode(const struct sr_mls_leaf_node *l, struct sr_buf *w);
void sr_mls_leaf_node_cleanup(struct sr_mls_leaf_node *l);

/** A copy of `src` that owns its bytes; release with sr_mls_leaf_node_cleanup. */
SR_MUST_USE sr_err sr_mls_leaf_node_dup(const struct sr_mls_leaf_node *src,
                                        struct sr_mls_leaf_node *dst);

/**
 * Append LeafNodeTBS (RFC 9420 §7.2): the leaf without its signature, followed for the update
 * and commit sources by `group_id` and `leaf_index` (ignored for key_package).
 */
SR_MUST_USE sr_err sr_mls_leaf_node_tbs_encode(const struct sr_mls_leaf_node *l,
                                               struct sr_slice group_id, uint32_t leaf_index,
                                               struct sr_buf *w);
