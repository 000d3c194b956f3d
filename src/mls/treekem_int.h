/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by treekem.c, treekem_create.c and treekem_process.c: key derivation along
 * a path (§7.4) and the staged merge of an UpdatePath into the tree with an undo log, so a
 * failure after merging (bad parent hash, failed decryption, wrong public key) restores the
 * tree exactly.
 */
#pragma once

#include "mls/treekem.h"

/** The sender's filtered direct path and copath children (§4.1.2). */
struct sr_mls_treekem_shape {
    uint32_t path[SR_MLS_TREE_PATH_MAX];
    uint32_t copath[SR_MLS_TREE_PATH_MAX];
    size_t len;
};

/** The nodes a staged merge replaced, detached from the tree until commit or restore. */
struct sr_mls_treekem_undo {
    size_t n;
    uint32_t idx[SR_MLS_TREE_PATH_MAX + 1];
    struct sr_mls_tree_node saved[SR_MLS_TREE_PATH_MAX + 1];
};

/** node_secret = DeriveSecret(ps, "node"); (sk, pk) = DeriveKeyPair(node_secret) (§7.4). */
SR_MUST_USE sr_err sr_mls_treekem_derive_node(const struct sr_suite *suite, struct sr_slice ps,
                                              struct sr_secret *sk, uint8_t *pk);

/** ps = DeriveSecret(ps, "path"), in place (§7.4). */
SR_MUST_USE sr_err sr_mls_treekem_next_secret(const struct sr_suite *suite, struct sr_secret *ps);

/**
 * Blank the direct path of `sender`, install a copy of `leaf` and parents with keys[i] on the
 * filtered path, and compute parent hashes (§7.5, §7.9); the leaf's expected parent_hash goes
 * to leaf_ph[Nh]. The replaced nodes go into `undo`. On error the tree is restored.
 */
SR_MUST_USE sr_err sr_mls_treekem_stage(struct sr_mls_tree *t, uint32_t sender,
                                        const struct sr_mls_leaf_node *leaf,
                                        const struct sr_slice *keys,
                                        const struct sr_mls_treekem_shape *shape,
                                        struct sr_mls_treekem_undo *undo, uint8_t *leaf_ph);

/** Put the saved nodes back. */
void sr_mls_treekem_undo_restore(struct sr_mls_tree *t, struct sr_mls_treekem_undo *undo);

/** Free the saved nodes: the merge stays. */
void sr_mls_treekem_undo_commit(struct sr_mls_treekem_undo *undo);

/** Encode ctx->gc with tree_hash = the root hash of `t`. */
SR_MUST_USE sr_err sr_mls_treekem_gc_encode(struct sr_mls_tree *t,
                                            const struct sr_mls_treekem_ctx *ctx, struct sr_buf *w);

/** Replace the keys of `p` with those learned for `shape` from index `from` on. */
void sr_mls_treekem_priv_adopt(struct sr_mls_treekem_priv *p, const struct sr_mls_tree *t,
                               const struct sr_mls_treekem_shape *shape, size_t from,
                               struct sr_secret *sks);

/** The resolution of copath node `x` minus the leaves in ctx->excluded (§7.6). */
SR_MUST_USE sr_err sr_mls_treekem_copath_resolution(const struct sr_mls_tree *t,
                                                    const struct sr_mls_treekem_ctx *ctx,
                                                    uint32_t x, struct sr_mls_node_list *out);
