/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9420 tree-math.json: node width, root, and left/right/parent/sibling of every node. */
#include <stdio.h>

#include <jansson.h>

#include "mls/tree_math.h"
#include "vectors.h"

typedef sr_err (*relation_fn)(uint32_t x, uint32_t n_leaves, uint32_t *out);

static sr_err left_rel(uint32_t x, uint32_t n_leaves, uint32_t *out)
{
    (void)n_leaves;
    return sr_mls_tree_left(x, out);
}

static sr_err right_rel(uint32_t x, uint32_t n_leaves, uint32_t *out)
{
    (void)n_leaves;
    return sr_mls_tree_right(x, out);
}

/* Compare one relation over every node with its array of optional<uint32>. */
static bool check_relation(const json_t *tc, const char *key, relation_fn fn, uint32_t n_leaves)
{
    const json_t *arr = json_object_get(tc, key);
    if (!json_is_array(arr) || json_array_size(arr) != sr_mls_tree_node_width(n_leaves)) {
        fprintf(stderr, "  %s: missing or wrong length\n", key);
        return false;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *want = json_array_get(arr, i);
        uint32_t got = 0;
        sr_err err = fn((uint32_t)i, n_leaves, &got);
        bool ok = json_is_null(want) ? err == SR_ERR_ARG
                                     : err == SR_OK && json_is_integer(want) &&
                                               (json_int_t)got == json_integer_value(want);
        if (!ok) {
            fprintf(stderr, "  n_leaves %u: %s[%zu] mismatch (err %d, got %u)\n", n_leaves, key, i,
                    (int)err, got);
            return false;
        }
    }
    return true;
}

static bool check_case(const json_t *tc)
{
    long long n = sr_vec_int(tc, "n_leaves", -1);
    if (n <= 0 || n > (long long)SR_MLS_TREE_MAX_LEAVES) {
        return false;
    }
    uint32_t n_leaves = (uint32_t)n, root = 0;
    if ((long long)sr_mls_tree_node_width(n_leaves) != sr_vec_int(tc, "n_nodes", -1) ||
        sr_mls_tree_root(n_leaves, &root) != SR_OK ||
        (long long)root != sr_vec_int(tc, "root", -1)) {
        fprintf(stderr, "  n_leaves %u: n_nodes or root mismatch\n", n_leaves);
        return false;
    }
    return check_relation(tc, "left", left_rel, n_leaves) &&
           check_relation(tc, "right", right_rel, n_leaves) &&
           check_relation(tc, "parent", sr_mls_tree_parent, n_leaves) &&
           check_relation(tc, "sibling", sr_mls_tree_sibling, n_leaves);
}

int main(void)
{
    json_t *root = sr_vec_load("mls/tree-math.json");
    struct sr_vec_counts c = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        sr_vec_count(&c, check_case(json_array_get(root, i)));
    }
    json_decref(root);
    return sr_vec_report("mls/tree-math.json", &c);
}
