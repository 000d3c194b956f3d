/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 tree-validation.json (test-vectors.md "Tree Validation"): for each tree, the
 * resolution and tree hash of every node, then the parent hashes (§7.9.2) and every leaf
 * signature with the given group_id, as a joiner checks them. The full join validation
 * (sr_mls_tree_validate, which adds unmerged-leaf and key-uniqueness checks) must pass too.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mls/tree.h"
#include "vectors.h"

static bool check_resolution(struct sr_mls_tree *t, uint32_t x, const json_t *want)
{
    struct sr_mls_node_list res = { 0 };
    bool ok = sr_mls_tree_resolution(t, x, &res) == SR_OK && res.len == json_array_size(want);
    for (size_t i = 0; ok && i < res.len; i++) {
        ok = (json_int_t)res.v[i] == json_integer_value(json_array_get(want, i));
    }
    if (!ok) {
        fprintf(stderr, "resolution of node %u differs\n", x);
    }
    sr_mls_node_list_cleanup(&res);
    return ok;
}

static bool check_nodes(struct sr_mls_tree *t, const json_t *tc)
{
    const json_t *res = json_object_get(tc, "resolutions");
    const json_t *hashes = json_object_get(tc, "tree_hashes");
    uint32_t w = sr_mls_tree_width(t);
    bool ok = json_array_size(res) == w && json_array_size(hashes) == w;
    struct sr_buf want;
    sr_buf_init(&want, 0, 0);
    for (uint32_t x = 0; ok && x < w; x++) {
        uint8_t th[SR_HASH_MAX], fresh[SR_HASH_MAX];
        size_t nh = t->suite->hash->len;
        ok = check_resolution(t, x, json_array_get(res, x)) &&
             sr_mls_tree_hash(t, x, th) == SR_OK &&
             sr_mls_tree_hash_uncached(t, x, fresh) == SR_OK &&
             sr_hex_decode(json_string_value(json_array_get(hashes, x)),
                           json_string_length(json_array_get(hashes, x)), &want) == SR_OK &&
             want.len == nh && memcmp(want.p, th, nh) == 0 && memcmp(fresh, th, nh) == 0;
        if (!ok) {
            fprintf(stderr, "tree hash of node %u differs\n", x);
        }
        sr_buf_reset(&want);
    }
    sr_buf_cleanup(&want);
    return ok;
}

static bool check_case(const json_t *tc)
{
    const struct sr_suite *suite = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    struct sr_buf tree, gid;
    struct sr_mls_tree t;
    uint8_t root[SR_HASH_MAX];
    sr_buf_init(&tree, 0, 0);
    sr_buf_init(&gid, 0, 0);
    sr_mls_tree_init(&t, suite);
    bool ok = suite != NULL && sr_vec_hex(tc, "tree", &tree) && sr_vec_hex(tc, "group_id", &gid) &&
              sr_mls_tree_import(&t, suite, sr_buf_slice(&tree)) == SR_OK;
    ok = ok && check_nodes(&t, tc);
    ok = ok && sr_mls_tree_verify_parent_hashes(&t) == SR_OK;
    ok = ok && sr_mls_tree_verify_leaf_signatures(&t, sr_buf_slice(&gid), 0) == SR_OK;
    ok = ok && sr_mls_tree_root_hash(&t, root) == SR_OK &&
         sr_mls_tree_validate(&t, sr_buf_slice(&gid), sr_slice_of(root, suite->hash->len), 0) ==
                 SR_OK;
    sr_mls_tree_cleanup(&t);
    sr_buf_cleanup(&tree);
    sr_buf_cleanup(&gid);
    return ok;
}

int main(void)
{
    json_t *root = sr_vec_load("mls/tree-validation.json");
    struct sr_vec_counts counts = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        bool ok = check_case(json_array_get(root, i));
        if (!ok) {
            fprintf(stderr, "case %zu failed\n", i);
        }
        sr_vec_count(&counts, ok);
    }
    json_decref(root);
    return sr_vec_report("tree-validation.json", &counts);
}
