/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ratchet tree of RFC 9420 §7: an array of nodes in the order of §4.1 (leaves at even
 * indices, parents at odd ones), always full (2^d leaves, §7.8), blank nodes included.
 * Leaves hold an owned copy of their LeafNode; parents hold their encryption key, parent hash
 * and sorted unmerged leaves. Each node caches its tree hash (§7.8); every change marks the
 * node and its ancestors stale, so after a commit only one path is rehashed.
 *
 * The tree is public state. TreeKEM private keys live in struct sr_mls_treekem_priv
 * (treekem.h). Mutators either succeed or leave the tree unchanged (allocations are made
 * before anything is modified); callers that stage a whole commit use sr_mls_tree_copy and
 * sr_mls_tree_swap.
 *
 * Files: tree.c (structure, import/export), tree_ops.c (proposals, resolution), tree_hash.c
 * (tree and parent hashes), tree_validate.c (checks on join, §12.4.3.1).
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "crypto/suite.h"
#include "mls/tree_math.h"
#include "mls/wire_leaf_node.h"

/* The largest tree accepted from the wire or grown by adds: 2^17 leaves. It bounds what a
 * ratchet_tree of mostly blank nodes can make a joiner allocate (about 23 MB). */
#ifndef SR_MLS_TREE_MAX_IMPORT_LEAVES
#define SR_MLS_TREE_MAX_IMPORT_LEAVES (1u << 17)
#endif

/*
 * A parent node in one allocation: the key and hash bytes follow the struct (about 100 bytes
 * for suite 1 rather than room for the largest suite). Made by sr_mls_tree_parent_new.
 * Reference counted like leaves, so that the staging copy a group makes for every commit
 * shares the parents instead of allocating each again; a tree writes to a parent only
 * through sr_mls_tree_parent_own, which first gives it a copy of its own when shared.
 */
struct sr_mls_tree_parent {
    atomic_uint refs;
    uint8_t *encryption_key; /* key_len bytes of data[] */
    uint8_t *parent_hash;    /* hash_len bytes of data[], room for hash_cap */
    uint32_t *unmerged;      /* leaf indices, strictly increasing (§7.1) */
    uint32_t unmerged_count;
    uint8_t key_len;
    uint8_t hash_len;
    uint8_t hash_cap;
    uint8_t data[];
};

/**
 * Leaves are reference counted so sr_mls_tree_copy shares them instead of duplicating every
 * LeafNode: a LeafNode in a tree is never modified, only replaced. _new makes an owned copy
 * of `src` with one reference; _release drops one (NULL is fine). The count is atomic, so
 * copies of a tree may live on different threads.
 */
SR_MUST_USE sr_err sr_mls_tree_leaf_new(const struct sr_mls_leaf_node *src,
                                        struct sr_mls_leaf_node **out);
void sr_mls_tree_leaf_release(struct sr_mls_leaf_node *ln);

/**
 * A blank-valued parent with room for a key of `key_len` and a hash of `hash_cap` bytes, with
 * one reference.
 */
struct sr_mls_tree_parent *sr_mls_tree_parent_new(size_t key_len, size_t hash_cap);

/** Drop one reference to a parent, freeing it and its unmerged list with the last (NULL is
 * fine). */
void sr_mls_tree_parent_free(struct sr_mls_tree_parent *p);

/**
 * One node: blank when both pointers are NULL. The fingerprints (last four bytes of the
 * encryption and signature keys) let key-uniqueness scans skip the pointer chase to every
 * leaf; whoever sets `leaf` or `parent` calls sr_mls_tree_node_fingerprint.
 */
struct sr_mls_tree_node {
    struct sr_mls_leaf_node *leaf;     /* leaf nodes: shared by copies, immutable (below) */
    struct sr_mls_tree_parent *parent; /* parent nodes: owned */
    uint32_t enc_fp;
    uint32_t sig_fp;
    bool hash_ok; /* the cached tree hash is current */
};

/** The fingerprint of a public key: its last four bytes. */
static inline uint32_t sr_mls_tree_key_fp(struct sr_slice k)
{
    uint32_t v = 0;
    for (size_t i = k.len >= 4 ? k.len - 4 : 0; i < k.len; i++) {
        v = v << 8 | k.p[i];
    }
    return v;
}

/** Recompute the fingerprints of `n` after its leaf or parent changed. */
static inline void sr_mls_tree_node_fingerprint(struct sr_mls_tree_node *n)
{
    n->enc_fp = 0;
    n->sig_fp = 0;
    if (n->leaf != NULL) {
        n->enc_fp = sr_mls_tree_key_fp(n->leaf->encryption_key);
        n->sig_fp = sr_mls_tree_key_fp(n->leaf->signature_key);
    } else if (n->parent != NULL) {
        n->enc_fp = sr_mls_tree_key_fp(
                (struct sr_slice){ n->parent->encryption_key, n->parent->key_len });
    }
}

struct sr_mls_tree {
    const struct sr_suite *suite;
    uint32_t n_leaves;              /* a power of two; 0 for an empty tree */
    struct sr_mls_tree_node *nodes; /* 2 * n_leaves - 1 entries */
    uint8_t *hashes;                /* Nh bytes per node, valid where hash_ok */
};

/** A growable list of node indices (resolutions). Release with sr_mls_node_list_cleanup. */
struct sr_mls_node_list {
    uint32_t *v;
    size_t len;
    size_t cap;
};

void sr_mls_node_list_cleanup(struct sr_mls_node_list *l);

/** The number of nodes: 2 * n_leaves - 1. */
static inline uint32_t sr_mls_tree_width(const struct sr_mls_tree *t)
{
    return t->n_leaves == 0 ? 0 : 2 * t->n_leaves - 1;
}

static inline bool sr_mls_tree_node_blank(const struct sr_mls_tree *t, uint32_t x)
{
    return t->nodes[x].leaf == NULL && t->nodes[x].parent == NULL;
}

/** Half the span of x's subtree: it covers node indices x - half .. x + half (§4.1). */
static inline uint32_t sr_mls_tree_half_span(uint32_t x)
{
    uint32_t level = sr_mls_tree_level(x);
    return level >= 32 ? UINT32_MAX : (1u << level) - 1;
}

/** The LeafNode at leaf index `leaf`, or NULL when blank or out of range. */
const struct sr_mls_leaf_node *sr_mls_tree_get0_leaf(const struct sr_mls_tree *t, uint32_t leaf);

/** The public encryption key of node `x` (leaf or parent); empty when blank. */
struct sr_slice sr_mls_tree_node_key(const struct sr_mls_tree *t, uint32_t x);

/** An empty tree for `suite`. */
void sr_mls_tree_init(struct sr_mls_tree *t, const struct sr_suite *suite);
void sr_mls_tree_cleanup(struct sr_mls_tree *t);

/**
 * Build `t` from a ratchet_tree extension body (§12.4.3.3): `optional<Node> ratchet_tree<V>`.
 * The last node must be non-blank, node types must match their position and keys must have
 * the suite's lengths (SR_ERR_INVALID); malformed bytes are SR_ERR_DECODE. No signature or
 * hash is checked here (see sr_mls_tree_validate). SR_ERR_LIMIT beyond
 * SR_MLS_TREE_MAX_IMPORT_LEAVES. `t` is zeroed on error.
 */
SR_MUST_USE sr_err sr_mls_tree_import(struct sr_mls_tree *t, const struct sr_suite *suite,
                                      struct sr_slice ratchet_tree);

/** Append the ratchet_tree extension body, without trailing blank nodes. */
SR_MUST_USE sr_err sr_mls_tree_export(const struct sr_mls_tree *t, struct sr_buf *w);

/** ParentNode (§7.1) encoding of `p`. */
SR_MUST_USE sr_err sr_mls_tree_parent_encode(const struct sr_mls_tree_parent *p, struct sr_buf *w);

/** Node (§7.8): node_type then the LeafNode or ParentNode of non-blank node `n`. */
SR_MUST_USE sr_err sr_mls_tree_node_encode(const struct sr_mls_tree_node *n, struct sr_buf *w);

/** A deep copy (hash cache included) for staging. `dst` is zeroed on error. */
SR_MUST_USE sr_err sr_mls_tree_copy(struct sr_mls_tree *dst, const struct sr_mls_tree *src);

/** Exchange two trees (commit a staged copy). */
void sr_mls_tree_swap(struct sr_mls_tree *a, struct sr_mls_tree *b);

/**
 * Parent node `x` (non-blank) ready to be written: a copy of its own first when another tree
 * shares it. SR_ERR_NOMEM leaves the tree as it was.
 */
SR_MUST_USE sr_err sr_mls_tree_parent_own(struct sr_mls_tree *t, uint32_t x,
                                          struct sr_mls_tree_parent **out);

/** Mark node `x` and its ancestors as needing a new tree hash. */
void sr_mls_tree_touch(struct sr_mls_tree *t, uint32_t x);

/** Blank node `x` (freeing its contents) and mark its hash stale. */
void sr_mls_tree_blank(struct sr_mls_tree *t, uint32_t x);

/** Blank every node on the direct path of leaf `leaf` (§12.1.2, §12.1.3, §7.5). */
void sr_mls_tree_blank_path(struct sr_mls_tree *t, uint32_t leaf);

/** Double the number of leaves (§7.7 "extending"); SR_ERR_LIMIT past the cap above. */
SR_MUST_USE sr_err sr_mls_tree_extend(struct sr_mls_tree *t);

/** Drop right halves that are entirely blank (§7.7 "truncating"), down to one leaf. */
void sr_mls_tree_truncate(struct sr_mls_tree *t);

/*
 * The proposal mutators below apply the tree change only; LeafNode validation (§7.3) and key
 * uniqueness (sr_mls_tree_check_new_leaf) are the caller's checks before calling them.
 */

/**
 * Add a copy of `leaf` at the leftmost blank leaf, extending the tree if none, and add its
 * index to the unmerged leaves of its non-blank ancestors (§12.1.1). The index is in *out.
 */
SR_MUST_USE sr_err sr_mls_tree_add_leaf(struct sr_mls_tree *t, const struct sr_mls_leaf_node *leaf,
                                        uint32_t *out);

/** Replace leaf `leaf` with a copy of `ln` and blank its direct path (§12.1.2). */
SR_MUST_USE sr_err sr_mls_tree_update_leaf(struct sr_mls_tree *t, uint32_t leaf,
                                           const struct sr_mls_leaf_node *ln);

/**
 * Remove leaf `leaf`: blank it and its direct path, then truncate (§12.1.3). SR_ERR_INVALID
 * when the leaf is blank or out of range.
 */
SR_MUST_USE sr_err sr_mls_tree_remove_leaf(struct sr_mls_tree *t, uint32_t leaf);

/** Set the leaf at `leaf` (inside the tree) to a copy of `ln` without touching its path. */
SR_MUST_USE sr_err sr_mls_tree_set_leaf(struct sr_mls_tree *t, uint32_t leaf,
                                        const struct sr_mls_leaf_node *ln);

/**
 * Set parent node `x` to encryption key `key` with parent hash `ph` and no unmerged leaves.
 * SR_ERR_INVALID when the lengths do not fit.
 */
SR_MUST_USE sr_err sr_mls_tree_set_parent(struct sr_mls_tree *t, uint32_t x, struct sr_slice key,
                                          struct sr_slice ph);

/** The first non-blank leaf whose signature key is `key`; SR_ERR_NOT_FOUND otherwise. */
SR_MUST_USE sr_err sr_mls_tree_find_signature_key(const struct sr_mls_tree *t, struct sr_slice key,
                                                  uint32_t *leaf);

/** The first non-blank node whose encryption key is `key`; SR_ERR_NOT_FOUND otherwise. */
SR_MUST_USE sr_err sr_mls_tree_find_encryption_key(const struct sr_mls_tree *t, struct sr_slice key,
                                                   uint32_t *node);

/**
 * Whether `key` is the encryption key of a non-blank node, leaving out leaf `skip_leaf` and
 * its direct path (the nodes a Update or UpdatePath from that leaf replaces); UINT32_MAX
 * leaves out nothing.
 */
bool sr_mls_tree_has_encryption_key(const struct sr_mls_tree *t, struct sr_slice key,
                                    uint32_t skip_leaf);

/**
 * The key uniqueness rules of §7.3 for keys about to enter the tree from leaf `replaced`
 * (UINT32_MAX for an Add): the `n` encryption keys differ from each other and from every node
 * but that leaf and its direct path, and `sig_key` from every other leaf's signature key.
 * One pass over the tree. SR_ERR_INVALID otherwise.
 */
SR_MUST_USE sr_err sr_mls_tree_check_new_keys(const struct sr_mls_tree *t,
                                              const struct sr_slice *enc_keys, size_t n,
                                              struct sr_slice sig_key, uint32_t replaced);

/** sr_mls_tree_check_new_keys for one LeafNode. */
SR_MUST_USE sr_err sr_mls_tree_check_new_leaf(const struct sr_mls_tree *t,
                                              const struct sr_mls_leaf_node *ln, uint32_t replaced);

/** Whether the resolution of `x` is empty: every node of its subtree is blank (§4.1.1). */
bool sr_mls_tree_resolution_empty(const struct sr_mls_tree *t, uint32_t x);

/** Append the resolution of node `x` (§4.1.1), in order, to `out`. */
SR_MUST_USE sr_err sr_mls_tree_resolution(const struct sr_mls_tree *t, uint32_t x,
                                          struct sr_mls_node_list *out);

/** The filtered direct path of leaf `leaf` and the matching copath children (§4.1.2). */
SR_MUST_USE sr_err sr_mls_tree_filtered_path(const struct sr_mls_tree *t, uint32_t leaf,
                                             uint32_t *path, uint32_t *copath, size_t *len);

/* tree_hash.c */

/** The tree hash of node `x` (§7.8) into out[Nh], from the cache where it is current. */
SR_MUST_USE sr_err sr_mls_tree_hash(struct sr_mls_tree *t, uint32_t x, uint8_t *out);

/** The root tree hash into out[Nh]. */
SR_MUST_USE sr_err sr_mls_tree_root_hash(struct sr_mls_tree *t, uint8_t *out);

/** The tree hash of `x` computed without the cache (for tests and cross-checks). */
SR_MUST_USE sr_err sr_mls_tree_hash_uncached(const struct sr_mls_tree *t, uint32_t x, uint8_t *out);

/**
 * The parent hashes of an UpdatePath (§7.9): for the filtered direct path `path[0..len)`
 * whose nodes already carry their new keys in `t` and copath children `copath`, writes
 * ph[i * Nh] = the parent_hash field of path[i] (empty for the root, so ph[(len-1)*Nh] is
 * unused) and leaf_ph[Nh] = the leaf's parent_hash. Also stores them into the tree's parents.
 */
SR_MUST_USE sr_err sr_mls_tree_set_path_parent_hashes(struct sr_mls_tree *t, const uint32_t *path,
                                                      const uint32_t *copath, size_t len,
                                                      uint8_t *leaf_ph);

/** §7.9.2: every non-blank parent is parent-hash valid. SR_ERR_INVALID otherwise. */
SR_MUST_USE sr_err sr_mls_tree_verify_parent_hashes(struct sr_mls_tree *t);

/* tree_validate.c */

/**
 * Tree checks on join (§12.4.3.1): the root hash equals `tree_hash`, every non-blank parent is
 * parent-hash valid, unmerged leaves are consistent, no encryption key appears twice, no
 * signature key appears twice among the leaves, and every leaf signature verifies (update
 * and commit sources with `group_id` and their leaf index) on `threads` threads as in
 * sr_mls_tree_verify_leaf_signatures. Credential, capability and lifetime checks of §7.3 are
 * the group layer's. SR_ERR_INVALID / SR_ERR_AUTH on failure; the tree is unchanged apart
 * from its hash cache.
 */
SR_MUST_USE sr_err sr_mls_tree_validate(struct sr_mls_tree *t, struct sr_slice group_id,
                                        struct sr_slice tree_hash, uint32_t threads);

/* tree_verify.c */

/**
 * Only the leaf signatures (§7.2) of the tree, on up to `threads` threads counting the
 * caller's (0: the online CPUs, at most 4; 1: none started; trees under 64 leaves always use
 * the caller's only). The result does not depend on `threads`: SR_OK, or the error of the
 * lowest leaf that fails (SR_ERR_AUTH for a bad signature).
 */
SR_MUST_USE sr_err sr_mls_tree_verify_leaf_signatures(const struct sr_mls_tree *t,
                                                      struct sr_slice group_id, uint32_t threads);

/** Verify one leaf's signature: LeafNodeTBS with group_id and leaf_index when applicable. */
SR_MUST_USE sr_err sr_mls_tree_verify_leaf(const struct sr_suite *suite,
                                           const struct sr_mls_leaf_node *ln,
                                           struct sr_slice group_id, uint32_t leaf_index);

/** Unmerged-leaf consistency and key uniqueness (§12.4.3.1). */
SR_MUST_USE sr_err sr_mls_tree_check_structure(const struct sr_mls_tree *t);
