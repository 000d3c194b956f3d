/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 Appendix C, restricted to full trees (§7.8: the tree always has a power of two
 * leaves). In such a tree node x at level k covers the node indices
 * [x - (2^k - 1), x + (2^k - 1)], and the root of n leaves is n - 1, which gives closed
 * forms for every relation without loops over levels.
 *
 *            3
 *          /   \
 *        1       5
 *       / \     / \
 *      0   2   4   6      leaves 0..3 at node indices 0, 2, 4, 6
 */
#include "mls/tree_math.h"

static bool node_ok(uint32_t x, uint32_t n_leaves)
{
    /* 2n - 1 nodes: x <= 2n - 2, computed without overflow for n = 2^31 */
    return sr_mls_tree_size_ok(n_leaves) && x <= (n_leaves - 1) * 2u;
}

uint32_t sr_mls_tree_node_width(uint32_t n_leaves)
{
    return n_leaves == 0 ? 0 : 2 * (n_leaves - 1) + 1;
}

sr_err sr_mls_tree_root(uint32_t n_leaves, uint32_t *out)
{
    SR_CHECK(sr_mls_tree_size_ok(n_leaves), SR_ERR_ARG);
    *out = n_leaves - 1;
    return SR_OK;
}

sr_err sr_mls_tree_left(uint32_t x, uint32_t *out)
{
    uint32_t k = sr_mls_tree_level(x);
    SR_CHECK(k != 0 && k < 32, SR_ERR_ARG);
    *out = x ^ ((uint32_t)1 << (k - 1));
    return SR_OK;
}

sr_err sr_mls_tree_right(uint32_t x, uint32_t *out)
{
    uint32_t k = sr_mls_tree_level(x);
    SR_CHECK(k != 0 && k < 32, SR_ERR_ARG);
    *out = x ^ ((uint32_t)3 << (k - 1));
    return SR_OK;
}

/* The parent of a non-root node x at level k < 31: set bit k, then clear bit k+1 if it
 * was set (Appendix C). Shifts stay below 32 because k <= 30 for non-root nodes. */
static uint32_t parent_of(uint32_t x)
{
    uint32_t k = sr_mls_tree_level(x);
    uint32_t b = (x >> (k + 1)) & 1u;
    return (x | ((uint32_t)1 << k)) ^ (b << (k + 1));
}

sr_err sr_mls_tree_parent(uint32_t x, uint32_t n_leaves, uint32_t *out)
{
    SR_CHECK(node_ok(x, n_leaves) && x != n_leaves - 1, SR_ERR_ARG);
    *out = parent_of(x);
    return SR_OK;
}

sr_err sr_mls_tree_sibling(uint32_t x, uint32_t n_leaves, uint32_t *out)
{
    SR_CHECK(node_ok(x, n_leaves) && x != n_leaves - 1, SR_ERR_ARG);
    /* siblings differ exactly in bit k+1, where k is their common level */
    uint32_t k = sr_mls_tree_level(x);
    *out = x ^ ((uint32_t)1 << (k + 1));
    return SR_OK;
}

sr_err sr_mls_tree_direct_path(uint32_t x, uint32_t n_leaves, uint32_t *path, size_t *len)
{
    SR_CHECK(node_ok(x, n_leaves), SR_ERR_ARG);
    uint32_t root = n_leaves - 1;
    size_t n = 0;
    while (x != root) {
        x = parent_of(x);
        path[n++] = x;
    }
    *len = n;
    return SR_OK;
}

sr_err sr_mls_tree_copath(uint32_t x, uint32_t n_leaves, uint32_t *copath, size_t *len)
{
    SR_CHECK(node_ok(x, n_leaves), SR_ERR_ARG);
    uint32_t root = n_leaves - 1;
    size_t n = 0;
    while (x != root) {
        copath[n++] = x ^ ((uint32_t)1 << (sr_mls_tree_level(x) + 1));
        x = parent_of(x);
    }
    *len = n;
    return SR_OK;
}

/* Number of significant bits of v (0 for 0). */
static uint32_t bit_len(uint32_t v)
{
    return v == 0 ? 0 : 32u - (uint32_t)__builtin_clz(v);
}

sr_err sr_mls_tree_common_ancestor(uint32_t x, uint32_t y, uint32_t n_leaves, uint32_t *out)
{
    SR_CHECK(node_ok(x, n_leaves) && node_ok(y, n_leaves), SR_ERR_ARG);
    /* The ancestor's level k is the least k >= level(x), level(y) with x and y agreeing on
     * every bit above k: k + 1 >= bit_len(x ^ y). Its index keeps those high bits and sets
     * the k low bits. */
    uint32_t k = sr_mls_tree_level(x);
    uint32_t ky = sr_mls_tree_level(y);
    uint32_t kd = bit_len(x ^ y);
    if (ky > k) {
        k = ky;
    }
    if (kd > 0 && kd - 1 > k) {
        k = kd - 1;
    }
    uint64_t high = ((uint64_t)x >> (k + 1)) << (k + 1);
    *out = (uint32_t)(high | (((uint64_t)1 << k) - 1));
    return SR_OK;
}

bool sr_mls_tree_in_subtree(uint32_t x, uint32_t y)
{
    uint32_t k = sr_mls_tree_level(x);
    if (k >= 32) {
        return false;
    }
    uint64_t half = ((uint64_t)1 << k) - 1;
    return (uint64_t)y + half >= x && (uint64_t)y <= (uint64_t)x + half;
}

sr_err sr_mls_tree_filtered_direct_path(uint32_t x, uint32_t n_leaves,
                                        sr_mls_tree_resolution_empty_fn empty, void *arg,
                                        uint32_t *path, uint32_t *copath, size_t *len)
{
    SR_CHECK(node_ok(x, n_leaves) && empty != NULL, SR_ERR_ARG);
    uint32_t root = n_leaves - 1;
    size_t n = 0;
    while (x != root) {
        uint32_t sib = x ^ ((uint32_t)1 << (sr_mls_tree_level(x) + 1));
        x = parent_of(x);
        /* §4.1.2: a node is dropped when its copath child's resolution is empty */
        if (!empty(arg, sib)) {
            path[n] = x;
            if (copath != NULL) {
                copath[n] = sib;
            }
            n++;
        }
    }
    *len = n;
    return SR_OK;
}
