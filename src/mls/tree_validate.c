/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ratchet-tree checks a joiner runs (RFC 9420 §12.4.3.1 "Verify the integrity of the
 * ratchet tree"): tree hash, parent hashes (§7.9.2), leaf signatures (§7.2), unmerged-leaf
 * consistency and key uniqueness (§7.3). Signature verification is the only costly step
 * (tree_verify.c spreads it over threads); the rest is hashing of each node about twice and
 * an O(n log n) sort of the keys.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/ct.h"
#include "mls/tree.h"
#include "mls/tree_math.h"

static bool has_unmerged(const struct sr_mls_tree_parent *p, uint32_t leaf)
{
    for (uint32_t i = 0; i < p->unmerged_count; i++) {
        if (p->unmerged[i] == leaf) {
            return true;
        }
    }
    return false;
}

/* §12.4.3.1 for each entry L of P's unmerged_leaves. */
static sr_err check_unmerged(const struct sr_mls_tree *t, uint32_t p, uint32_t leaf)
{
    uint32_t x = sr_mls_tree_leaf_to_node(leaf);
    /* "Verify that the entry represents a non-blank leaf node that is a descendant of the
     * parent node." */
    SR_CHECK(leaf < t->n_leaves && t->nodes[x].leaf != NULL, SR_ERR_INVALID);
    SR_CHECK(sr_mls_tree_in_subtree(p, x), SR_ERR_INVALID);
    /* "Verify that every non-blank intermediate node between the leaf node and the parent
     * node also has an entry for the leaf node in its unmerged_leaves." */
    for (;;) {
        SR_TRY(sr_mls_tree_parent(x, t->n_leaves, &x));
        if (x == p) {
            return SR_OK;
        }
        const struct sr_mls_tree_parent *mid = t->nodes[x].parent;
        SR_CHECK(mid == NULL || has_unmerged(mid, leaf), SR_ERR_INVALID);
    }
}

/* A public key (encryption or signature) to sort; public, so plain memcmp ordering is fine. */
struct key_ref {
    struct sr_slice pub;
};

static int key_cmp(const void *a, const void *b)
{
    const struct key_ref *x = a, *y = b;
    if (x->pub.len != y->pub.len) {
        return x->pub.len < y->pub.len ? -1 : 1;
    }
    return x->pub.len == 0 ? 0 : memcmp(x->pub.p, y->pub.p, x->pub.len);
}

/* Sort the `n` public keys and fail when two are equal. */
static sr_err unique(struct key_ref *refs, size_t n)
{
    qsort(refs, n, sizeof(*refs), key_cmp);
    for (size_t i = 1; i < n; i++) {
        SR_CHECK(key_cmp(&refs[i - 1], &refs[i]) != 0, SR_ERR_INVALID);
    }
    return SR_OK;
}

/*
 * §7.3: encryption keys are unique across the tree's nodes and signature keys across its
 * leaves ("The encryption key in the parent node does not appear in any other node").
 */
static sr_err check_keys(const struct sr_mls_tree *t)
{
    uint32_t w = sr_mls_tree_width(t);
    size_t ne = 0, ns = 0;
    struct key_ref *enc = sr_calloc(w, sizeof(*enc)), *sig = sr_calloc(t->n_leaves, sizeof(*sig));
    sr_err err = SR_ERR_NOMEM;
    if (enc == NULL || sig == NULL) {
        goto out;
    }
    for (uint32_t i = 0; i < w; i++) {
        if (!sr_mls_tree_node_blank(t, i)) {
            enc[ne++].pub = sr_mls_tree_node_key(t, i);
        }
        if (t->nodes[i].leaf != NULL) {
            sig[ns++].pub = t->nodes[i].leaf->signature_key;
        }
    }
    err = unique(enc, ne);
    if (err == SR_OK) {
        err = unique(sig, ns);
    }
out:
    sr_free(enc);
    sr_free(sig);
    return err;
}

sr_err sr_mls_tree_check_structure(const struct sr_mls_tree *t)
{
    uint32_t w = sr_mls_tree_width(t);
    SR_CHECK(w > 0, SR_ERR_INVALID);
    for (uint32_t p = 1; p < w; p += 2) {
        const struct sr_mls_tree_parent *pn = t->nodes[p].parent;
        for (uint32_t i = 0; pn != NULL && i < pn->unmerged_count; i++) {
            SR_TRY(check_unmerged(t, p, pn->unmerged[i]));
        }
    }
    return check_keys(t);
}

sr_err sr_mls_tree_validate(struct sr_mls_tree *t, struct sr_slice group_id,
                            struct sr_slice tree_hash, uint32_t threads)
{
    uint8_t th[SR_HASH_MAX];
    SR_CHECK(t->n_leaves > 0, SR_ERR_INVALID);
    /* §12.4.3.1: "Verify that the tree hash of the ratchet tree matches the tree_hash field in
     * GroupInfo." */
    SR_TRY(sr_mls_tree_root_hash(t, th));
    SR_CHECK(tree_hash.len == t->suite->hash->len && sr_ct_equal(th, tree_hash.p, tree_hash.len),
             SR_ERR_INVALID);
    SR_TRY(sr_mls_tree_check_structure(t));
    /* "For each non-empty parent node, verify that it is parent-hash valid" */
    SR_TRY(sr_mls_tree_verify_parent_hashes(t));
    /* Last because it is the expensive part: a forged tree fails on the cheap checks first. */
    return sr_mls_tree_verify_leaf_signatures(t, group_id, threads);
}
