/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Array-based tree arithmetic of RFC 9420 §4.1 and Appendix C on uint32 node indices.
 * Leaves sit at even indices, parents at odd ones; node x has level = number of trailing
 * one bits. MLS trees are always full (§7.8), so every function taking `n_leaves` requires
 * a power of two between 1 and 2^31 (SR_MLS_TREE_MAX_LEAVES) and a node inside that tree;
 * otherwise it returns SR_ERR_ARG. Nothing here allocates: paths are written into caller
 * arrays of SR_MLS_TREE_PATH_MAX entries.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealroom/err.h>

/** The largest tree: 2^31 leaves, 2^32 - 1 nodes, so every index fits a uint32. */
#define SR_MLS_TREE_MAX_LEAVES ((uint32_t)1 << 31)

/** An upper bound on the length of any direct path or copath (31 for the largest tree). */
#define SR_MLS_TREE_PATH_MAX 32

/** The level of node `x`: 0 for leaves, the number of trailing one bits otherwise. */
static inline uint32_t sr_mls_tree_level(uint32_t x)
{
    /* ~x is 0 only for 0xffffffff, which is no node of a tree of at most 2^31 leaves */
    return x == UINT32_MAX ? 32 : (uint32_t)__builtin_ctz(~x);
}

static inline bool sr_mls_tree_is_leaf(uint32_t x)
{
    return (x & 1u) == 0;
}

/** The node index of leaf `leaf` (leaf < 2^31). */
static inline uint32_t sr_mls_tree_leaf_to_node(uint32_t leaf)
{
    return leaf << 1;
}

/** The leaf index of leaf node `x` (x must be even). */
static inline uint32_t sr_mls_tree_node_to_leaf(uint32_t x)
{
    return x >> 1;
}

/** True when `n_leaves` is a valid MLS tree size: a power of two in [1, 2^31]. */
static inline bool sr_mls_tree_size_ok(uint32_t n_leaves)
{
    return n_leaves != 0 && n_leaves <= SR_MLS_TREE_MAX_LEAVES && (n_leaves & (n_leaves - 1)) == 0;
}

/** The number of nodes of a tree with `n_leaves` leaves: 2n - 1 (0 for n = 0). */
uint32_t sr_mls_tree_node_width(uint32_t n_leaves);

/** The root of a valid tree; SR_ERR_ARG for a bad size. */
SR_MUST_USE sr_err sr_mls_tree_root(uint32_t n_leaves, uint32_t *out);

/** Left child of parent node `x`; SR_ERR_ARG when `x` is a leaf. */
SR_MUST_USE sr_err sr_mls_tree_left(uint32_t x, uint32_t *out);

/** Right child of parent node `x`; SR_ERR_ARG when `x` is a leaf. */
SR_MUST_USE sr_err sr_mls_tree_right(uint32_t x, uint32_t *out);

/** Parent of `x`; SR_ERR_ARG when `x` is the root or outside the tree. */
SR_MUST_USE sr_err sr_mls_tree_parent(uint32_t x, uint32_t n_leaves, uint32_t *out);

/** The other child of x's parent; SR_ERR_ARG when `x` is the root or outside the tree. */
SR_MUST_USE sr_err sr_mls_tree_sibling(uint32_t x, uint32_t n_leaves, uint32_t *out);

/**
 * The direct path of `x`: its ancestors from its parent up to the root, into
 * path[SR_MLS_TREE_PATH_MAX]; *len is 0 for the root.
 */
SR_MUST_USE sr_err sr_mls_tree_direct_path(uint32_t x, uint32_t n_leaves, uint32_t *path,
                                           size_t *len);

/** The copath of `x`: the sibling of `x` and of each direct-path node except the root. */
SR_MUST_USE sr_err sr_mls_tree_copath(uint32_t x, uint32_t n_leaves, uint32_t *copath, size_t *len);

/** The lowest node whose subtree holds both `x` and `y` (both inside the tree). */
SR_MUST_USE sr_err sr_mls_tree_common_ancestor(uint32_t x, uint32_t y, uint32_t n_leaves,
                                               uint32_t *out);

/** True when node `y` lies in the subtree rooted at `x` (x itself included). */
bool sr_mls_tree_in_subtree(uint32_t x, uint32_t y);

/** Whether the resolution of `node` is empty, as the ratchet tree knows it (§4.1.2). */
typedef bool (*sr_mls_tree_resolution_empty_fn)(void *arg, uint32_t node);

/**
 * The filtered direct path of `x` (§4.1.2): the direct-path nodes whose child on the copath
 * has a non-empty resolution, in order from the leaf up. path[i] and, when `copath` is not
 * NULL, the matching copath child copath[i] are written; both hold SR_MLS_TREE_PATH_MAX.
 */
SR_MUST_USE sr_err sr_mls_tree_filtered_direct_path(uint32_t x, uint32_t n_leaves,
                                                    sr_mls_tree_resolution_empty_fn empty,
                                                    void *arg, uint32_t *path, uint32_t *copath,
                                                    size_t *len);
