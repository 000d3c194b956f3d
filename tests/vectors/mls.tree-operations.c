/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 tree-operations.json (test-vectors.md "Tree Operations"): the tree hash of
 * tree_before, then the Add, Update or Remove proposal applied as §12.1.1-12.1.3 say, and the
 * resulting tree compared byte for byte (truncated, §7.7) and by tree hash. The hash after
 * the change is also recomputed from scratch to check the cache.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mls/tree.h"
#include "mls/tree_math.h"
#include "mls/wire_proposal.h"
#include "vectors.h"

static sr_err apply(struct sr_mls_tree *t, const struct sr_mls_proposal *p, uint32_t sender)
{
    uint32_t leaf;
    switch (p->type) {
    case SR_MLS_PROPOSAL_ADD:
        return sr_mls_tree_add_leaf(t, &p->u.add.leaf_node, &leaf);
    case SR_MLS_PROPOSAL_UPDATE:
        return sr_mls_tree_update_leaf(t, sender, &p->u.update);
    case SR_MLS_PROPOSAL_REMOVE:
        return sr_mls_tree_remove_leaf(t, p->u.remove);
    default:
        return SR_ERR_UNSUPPORTED;
    }
}

static bool check_case(const json_t *tc)
{
    const struct sr_suite *suite = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    struct sr_buf before, prop, out;
    struct sr_mls_tree t;
    struct sr_mls_proposal p = { 0 };
    uint8_t th[SR_HASH_MAX], fresh[SR_HASH_MAX], root[SR_HASH_MAX];
    sr_buf_init(&before, 0, 0);
    sr_buf_init(&prop, 0, 0);
    sr_buf_init(&out, 0, 0);
    sr_mls_tree_init(&t, suite);
    bool ok = suite != NULL && sr_vec_hex(tc, "tree_before", &before) &&
              sr_vec_hex(tc, "proposal", &prop) &&
              sr_mls_tree_import(&t, suite, sr_buf_slice(&before)) == SR_OK &&
              sr_mls_proposal_decode(sr_buf_slice(&prop), &p) == SR_OK;
    size_t nh = ok ? suite->hash->len : 0;
    ok = ok && sr_mls_tree_root_hash(&t, th) == SR_OK &&
         sr_vec_expect(tc, "tree_hash_before", th, nh, "tree hash before");
    ok = ok && apply(&t, &p, (uint32_t)sr_vec_int(tc, "proposal_sender", 0)) == SR_OK;
    ok = ok && sr_mls_tree_export(&t, &out) == SR_OK &&
         sr_vec_expect(tc, "tree_after", out.p, out.len, "tree after");
    ok = ok && sr_mls_tree_root_hash(&t, th) == SR_OK &&
         sr_vec_expect(tc, "tree_hash_after", th, nh, "tree hash after");
    if (ok) {
        uint32_t r = 0;
        ok = sr_mls_tree_root(t.n_leaves, &r) == SR_OK &&
             sr_mls_tree_hash_uncached(&t, r, fresh) == SR_OK &&
             sr_mls_tree_root_hash(&t, root) == SR_OK && memcmp(fresh, root, nh) == 0;
    }
    sr_mls_proposal_cleanup(&p);
    sr_mls_tree_cleanup(&t);
    sr_buf_cleanup(&before);
    sr_buf_cleanup(&prop);
    sr_buf_cleanup(&out);
    return ok;
}

int main(void)
{
    json_t *root = sr_vec_load("mls/tree-operations.json");
    struct sr_vec_counts counts = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        bool ok = check_case(json_array_get(root, i));
        if (!ok) {
            fprintf(stderr, "case %zu failed\n", i);
        }
        sr_vec_count(&counts, ok);
    }
    json_decref(root);
    return sr_vec_report("tree-operations.json", &counts);
}
