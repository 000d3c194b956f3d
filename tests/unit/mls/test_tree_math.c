/* SPDX-License-Identifier: Apache-2.0 */
/* Tree math (RFC 9420 Appendix C): relations on random nodes of trees up to 2^31 leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mls/tree_math.h"

/* A deterministic xorshift generator: tests must be reproducible and checksrc bans rand(). */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static uint32_t log2_u32(uint32_t n)
{
    return 31u - (uint32_t)__builtin_clz(n);
}

static void sizes_and_roots(void **state)
{
    (void)state;
    uint32_t root = 0;
    assert_int_equal(sr_mls_tree_node_width(0), 0);
    assert_int_equal(sr_mls_tree_node_width(1), 1);
    assert_int_equal(sr_mls_tree_node_width(SR_MLS_TREE_MAX_LEAVES), UINT32_MAX);
    assert_int_equal(sr_mls_tree_root(1, &root), SR_OK);
    assert_int_equal(root, 0);
    assert_int_equal(sr_mls_tree_root(SR_MLS_TREE_MAX_LEAVES, &root), SR_OK);
    assert_int_equal(root, 0x7fffffffu);
    assert_int_equal(sr_mls_tree_level(root), 31);
    /* §7.8: trees are full, so other sizes are refused */
    assert_int_equal(sr_mls_tree_root(0, &root), SR_ERR_ARG);
    assert_int_equal(sr_mls_tree_root(3, &root), SR_ERR_ARG);
    assert_int_equal(sr_mls_tree_root(0x80000001u, &root), SR_ERR_ARG);
    assert_int_equal(sr_mls_tree_leaf_to_node(5), 10);
    assert_int_equal(sr_mls_tree_node_to_leaf(10), 5);
}

static void rejections(void **state)
{
    (void)state;
    uint32_t out = 77, path[SR_MLS_TREE_PATH_MAX];
    size_t len = 0;
    assert_int_equal(sr_mls_tree_left(4, &out), SR_ERR_ARG);
    assert_int_equal(sr_mls_tree_right(0, &out), SR_ERR_ARG);
    assert_int_equal(sr_mls_tree_parent(3, 4, &out), SR_ERR_ARG);  /* the root */
    assert_int_equal(sr_mls_tree_sibling(3, 4, &out), SR_ERR_ARG); /* the root */
    assert_int_equal(sr_mls_tree_parent(7, 4, &out), SR_ERR_ARG);  /* outside */
    assert_int_equal(sr_mls_tree_parent(0, 3, &out), SR_ERR_ARG);  /* not full */
    assert_int_equal(sr_mls_tree_parent(0, 1, &out), SR_ERR_ARG);  /* single leaf */
    assert_int_equal(sr_mls_tree_direct_path(9, 4, path, &len), SR_ERR_ARG);
    assert_int_equal(sr_mls_tree_common_ancestor(0, 8, 4, &out), SR_ERR_ARG);
    assert_int_equal(out, 77);
    assert_int_equal(sr_mls_tree_direct_path(0, 1, path, &len), SR_OK);
    assert_int_equal(len, 0);
}

/* Check every relation around one node `x` of a tree of `n` leaves. */
static void check_node(uint32_t x, uint32_t n)
{
    uint32_t root = n - 1, l = 0, r = 0, p = 0, s = 0, a = 0;
    uint32_t path[SR_MLS_TREE_PATH_MAX], copath[SR_MLS_TREE_PATH_MAX];
    size_t plen = 0, clen = 0;
    if (!sr_mls_tree_is_leaf(x)) {
        assert_int_equal(sr_mls_tree_left(x, &l), SR_OK);
        assert_int_equal(sr_mls_tree_right(x, &r), SR_OK);
        assert_int_equal(sr_mls_tree_parent(l, n, &p), SR_OK);
        assert_int_equal(p, x);
        assert_int_equal(sr_mls_tree_parent(r, n, &p), SR_OK);
        assert_int_equal(p, x);
        assert_int_equal(sr_mls_tree_sibling(l, n, &s), SR_OK);
        assert_int_equal(s, r);
        assert_true(l < x && x < r);
    }
    assert_int_equal(sr_mls_tree_direct_path(x, n, path, &plen), SR_OK);
    assert_int_equal(sr_mls_tree_copath(x, n, copath, &clen), SR_OK);
    assert_int_equal(plen, log2_u32(n) - sr_mls_tree_level(x));
    assert_int_equal(clen, plen);
    uint32_t cur = x;
    for (size_t i = 0; i < plen; i++) {
        assert_int_equal(sr_mls_tree_parent(cur, n, &p), SR_OK);
        assert_int_equal(p, path[i]);
        assert_int_equal(sr_mls_tree_sibling(cur, n, &s), SR_OK);
        assert_int_equal(s, copath[i]);
        assert_int_equal(sr_mls_tree_level(p), sr_mls_tree_level(cur) + 1);
        assert_true(sr_mls_tree_in_subtree(p, x));
        assert_false(sr_mls_tree_in_subtree(s, x));
        assert_int_equal(sr_mls_tree_common_ancestor(x, s, n, &a), SR_OK);
        assert_int_equal(a, p);
        cur = p;
    }
    assert_int_equal(cur, root);
    assert_int_equal(sr_mls_tree_common_ancestor(x, x, n, &a), SR_OK);
    assert_int_equal(a, x);
    assert_int_equal(sr_mls_tree_common_ancestor(x, root, n, &a), SR_OK);
    assert_int_equal(a, root);
}

static void random_trees(void **state)
{
    (void)state;
    for (uint32_t logn = 0; logn <= 31; logn++) {
        uint32_t n = (uint32_t)1 << logn, width = sr_mls_tree_node_width(n);
        for (int i = 0; i < 200; i++) {
            uint32_t x = rng_next() % width;
            check_node(x, n);
            /* the edges of the index space as well */
            check_node(i % 2 == 0 ? 0 : width - 1, n);
        }
    }
}

static void common_ancestor_pairs(void **state)
{
    (void)state;
    uint32_t n = SR_MLS_TREE_MAX_LEAVES, width = sr_mls_tree_node_width(n);
    for (int i = 0; i < 5000; i++) {
        uint32_t x = rng_next() % width, y = rng_next() % width, a = 0;
        assert_int_equal(sr_mls_tree_common_ancestor(x, y, n, &a), SR_OK);
        assert_true(sr_mls_tree_in_subtree(a, x) && sr_mls_tree_in_subtree(a, y));
        /* lowest: neither child of `a` holds both */
        if (!sr_mls_tree_is_leaf(a)) {
            uint32_t l = 0, r = 0;
            assert_int_equal(sr_mls_tree_left(a, &l), SR_OK);
            assert_int_equal(sr_mls_tree_right(a, &r), SR_OK);
            assert_false(sr_mls_tree_in_subtree(l, x) && sr_mls_tree_in_subtree(l, y));
            assert_false(sr_mls_tree_in_subtree(r, x) && sr_mls_tree_in_subtree(r, y));
        }
    }
}

/* In an 8-leaf tree, blank the subtree of node 5 and the right half except leaf 6 (node 12). */
static bool right_half_mostly_blank(void *arg, uint32_t node)
{
    (void)arg;
    return sr_mls_tree_in_subtree(5, node) || (node > 7 && !sr_mls_tree_in_subtree(node, 12));
}

static void filtered_direct_path(void **state)
{
    (void)state;
    uint32_t path[SR_MLS_TREE_PATH_MAX], copath[SR_MLS_TREE_PATH_MAX];
    size_t len = 0;
    /* leaf 0: direct path 1, 3, 7 with copath 2, 5, 11; node 5's subtree (4..6) is blank */
    assert_int_equal(sr_mls_tree_filtered_direct_path(0, 8, right_half_mostly_blank, NULL, path,
                                                      copath, &len),
                     SR_OK);
    assert_int_equal(len, 2);
    assert_int_equal(path[0], 1);
    assert_int_equal(copath[0], 2);
    assert_int_equal(path[1], 7);
    assert_int_equal(copath[1], 11);
    /* leaf 6 (node 12): copath 14 (blank), 9 (blank), 3 */
    assert_int_equal(sr_mls_tree_filtered_direct_path(12, 8, right_half_mostly_blank, NULL, path,
                                                      NULL, &len),
                     SR_OK);
    assert_int_equal(len, 1);
    assert_int_equal(path[0], 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_and_roots),      cmocka_unit_test(rejections),
        cmocka_unit_test(random_trees),         cmocka_unit_test(common_ancestor_pairs),
        cmocka_unit_test(filtered_direct_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
