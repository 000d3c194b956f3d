/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TreeKEM (RFC 9420 §7.4-7.6): a member's private keys for its leaf and direct path, creating
 * an UpdatePath as committer and processing one as receiver.
 *
 *   committer                                   receiver j
 *   leaf_secret <- rand                         find i: leaf j under copath[i]
 *   ps[0] = DeriveSecret(leaf_secret, "path")   find k: resolution(copath[i])[k] we hold
 *   ps[n+1] = DeriveSecret(ps[n], "path")       merge path, parent hashes, new tree hash
 *   node key n = DeriveKeyPair(                 ps[i] = DecryptWithLabel(key k,
 *        DeriveSecret(ps[n], "node"))                 "UpdatePathNode", GroupContext, ct[i][k])
 *   merge, parent hashes, sign leaf,            derive ps[i+1..], check every public key
 *   tree hash -> GroupContext, encrypt          commit_secret = DeriveSecret(ps[last], "path")
 *
 * Both directions are atomic: on error the tree and private state are as they were. Path and
 * node secrets live on the stack and are wiped; the result keeps only what the caller needs.
 */
#pragma once

#include <stdbool.h>

#include "core/secret.h"
#include "mls/tree.h"
#include "mls/tree_math.h"
#include "mls/wire_commit.h"
#include "mls/wire_group_context.h"

/** A private key the member holds for a node of its direct path. */
struct sr_mls_treekem_key {
    uint32_t node;
    struct sr_secret sk;
};

/** A member's TreeKEM private state; inline, no allocation. Wiped by _cleanup. */
struct sr_mls_treekem_priv {
    uint32_t leaf;
    struct sr_secret leaf_sk;
    struct sr_mls_treekem_key path[SR_MLS_TREE_PATH_MAX];
    size_t path_len;
};

/** What a commit yields: the commit secret and the path secrets the member learned. */
struct sr_mls_treekem_result {
    struct sr_secret commit_secret;
    uint32_t nodes[SR_MLS_TREE_PATH_MAX];                /* the sender's filtered direct path */
    struct sr_secret path_secrets[SR_MLS_TREE_PATH_MAX]; /* empty below what was learned */
    size_t len;
};

void sr_mls_treekem_result_cleanup(struct sr_mls_treekem_result *r);

/** The path secret of node `node` (for a Welcome's GroupSecrets), or NULL. */
const struct sr_secret *sr_mls_treekem_result_path_secret(const struct sr_mls_treekem_result *r,
                                                          uint32_t node);

/** Start the private state of leaf `leaf` with its encryption private key. */
SR_MUST_USE sr_err sr_mls_treekem_priv_init(struct sr_mls_treekem_priv *p, uint32_t leaf,
                                            struct sr_slice leaf_sk);
void sr_mls_treekem_priv_cleanup(struct sr_mls_treekem_priv *p);

/** The private key held for node `node` (the leaf's or a path node's), or NULL. */
const struct sr_secret *sr_mls_treekem_priv_key(const struct sr_mls_treekem_priv *p, uint32_t node);

/**
 * Set the key of direct-path node `node` from `path_secret`, checking that its public key is
 * the tree's (§12.4.3.1 "MUST be the private key that corresponds to the public key in the
 * node"); SR_ERR_INVALID otherwise. With `up`, also derive the next path secrets for every
 * non-blank ancestor up to the root (a joiner's path secret from a Welcome).
 */
SR_MUST_USE sr_err sr_mls_treekem_priv_set_path_secret(struct sr_mls_treekem_priv *p,
                                                       const struct sr_mls_tree *t, uint32_t node,
                                                       struct sr_slice path_secret, bool up);

/** Drop keys of nodes that are blank or no longer on the leaf's direct path (after proposals). */
void sr_mls_treekem_priv_prune(struct sr_mls_treekem_priv *p, const struct sr_mls_tree *t);

/** The GroupContext fields TreeKEM needs; its tree_hash is replaced by the new root hash. */
struct sr_mls_treekem_ctx {
    const struct sr_mls_group_context *gc;
    const uint32_t *excluded; /* leaves added by this commit (§7.6, §12.4.2) */
    size_t n_excluded;
    /* sr_mls_treekem_process only: the caller has already verified the new leaf's signature
     * with gc->group_id and the sender's index (sr_mls_leaf_node_validate); skip it. */
    bool leaf_verified;
};

/**
 * Create an UpdatePath for leaf `leaf` (§7.5): fresh keys, parent hashes, a new commit-source
 * leaf built from `leaf_template` (its encryption_key, source, lifetime, parent_hash and
 * signature are replaced) signed with `sig_priv` over group_id = ctx->gc->group_id and
 * `leaf`, merged into `t`, then the path secrets encrypted under the new GroupContext. The
 * encoded UpdatePath is appended to `update_path`; `priv` becomes the new private state and
 * `out` receives the commit secret and all path secrets (every error leaves all unchanged).
 */
SR_MUST_USE sr_err sr_mls_treekem_create(struct sr_mls_tree *t, struct sr_mls_treekem_priv *priv,
                                         const struct sr_mls_leaf_node *leaf_template,
                                         struct sr_slice sig_priv,
                                         const struct sr_mls_treekem_ctx *ctx,
                                         struct sr_buf *update_path,
                                         struct sr_mls_treekem_result *out);

/**
 * Process `path` from leaf `sender` (§7.6, §7.9.2): check its shape against the tree and that
 * its keys are new to the tree (§7.3), verify the new leaf's signature and parent hash, merge it,
 * decrypt the path secret meant for `priv`, derive upward and check every public key. On success
 * `t` holds the merged tree, `priv` the new keys, `out` the commit secret and the path secrets
 * learned. SR_ERR_AUTH for a bad signature or ciphertext, SR_ERR_INVALID for any other mismatch;
 * nothing changes then.
 */
SR_MUST_USE sr_err sr_mls_treekem_process(struct sr_mls_tree *t, struct sr_mls_treekem_priv *priv,
                                          uint32_t sender, const struct sr_mls_update_path *path,
                                          const struct sr_mls_treekem_ctx *ctx,
                                          struct sr_mls_treekem_result *out);

/**
 * Merge the public part of `path` into `t` without decrypting (§7.6 "merges UpdatePath into
 * the tree"), after checking its shape, signature and parent hash. For members who cannot
 * decrypt (and the vectors' tree_hash_after).
 */
SR_MUST_USE sr_err sr_mls_treekem_merge(struct sr_mls_tree *t, uint32_t sender,
                                        const struct sr_mls_update_path *path,
                                        struct sr_slice group_id);
