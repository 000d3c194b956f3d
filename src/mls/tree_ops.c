/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proposal-level changes to the ratchet tree (RFC 9420 §12.1.1-12.1.3), look-ups, resolution
 * (§4.1.1) and the filtered direct path (§4.1.2). Every mutator makes its allocations before
 * it changes anything, so an error leaves the tree as it was.
 */
#include <string.h>

#include "core/alloc.h"
#include "mls/tree.h"
#include "mls/tree_math.h"

static sr_err dup_leaf(const struct sr_mls_leaf_node *src, struct sr_mls_leaf_node **out)
{
    return sr_mls_tree_leaf_new(src, out);
}

static void put_leaf(struct sr_mls_tree *t, uint32_t leaf, struct sr_mls_leaf_node *ln)
{
    uint32_t x = sr_mls_tree_leaf_to_node(leaf);
    sr_mls_tree_blank(t, x);
    t->nodes[x].leaf = ln;
    sr_mls_tree_node_fingerprint(&t->nodes[x]);
}

/* Grow the unmerged arrays of leaf `leaf`'s non-blank ancestors by one entry each. */
static sr_err reserve_unmerged(struct sr_mls_tree *t, const uint32_t *path, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        struct sr_mls_tree_parent *p = NULL;
        if (t->nodes[path[i]].parent == NULL) {
            continue;
        }
        SR_TRY(sr_mls_tree_parent_own(t, path[i], &p));
        uint32_t *v = sr_realloc(p->unmerged, ((size_t)p->unmerged_count + 1) * sizeof(uint32_t));
        if (v == NULL) {
            return SR_ERR_NOMEM;
        }
        p->unmerged = v;
    }
    return SR_OK;
}

static void insert_unmerged(struct sr_mls_tree_parent *p, uint32_t leaf)
{
    uint32_t i = p->unmerged_count;
    while (i > 0 && p->unmerged[i - 1] > leaf) {
        p->unmerged[i] = p->unmerged[i - 1];
        i--;
    }
    p->unmerged[i] = leaf;
    p->unmerged_count++;
}

sr_err sr_mls_tree_add_leaf(struct sr_mls_tree *t, const struct sr_mls_leaf_node *leaf,
                            uint32_t *out)
{
    struct sr_mls_leaf_node *ln = NULL;
    uint32_t path[SR_MLS_TREE_PATH_MAX], old_n = t->n_leaves, i = 0;
    size_t len = 0;
    SR_TRY(dup_leaf(leaf, &ln));
    /* §12.1.1: the leftmost empty leaf, else extend the tree to the right. */
    while (i < t->n_leaves && !sr_mls_tree_node_blank(t, sr_mls_tree_leaf_to_node(i))) {
        i++;
    }
    sr_err err = SR_OK;
    if (i == t->n_leaves) {
        err = sr_mls_tree_extend(t);
    }
    if (err == SR_OK) {
        err = sr_mls_tree_direct_path(sr_mls_tree_leaf_to_node(i), t->n_leaves, path, &len);
    }
    if (err == SR_OK) {
        err = reserve_unmerged(t, path, len);
    }
    if (err != SR_OK) {
        if (t->n_leaves != old_n) {
            sr_mls_tree_truncate(t);
        }
        sr_mls_tree_leaf_release(ln);
        return err;
    }
    /* §12.1.1: "For each non-blank intermediate node along the path from the leaf L to the
     * root, add L's leaf index to the unmerged_leaves list for the node." */
    for (size_t k = 0; k < len; k++) {
        if (t->nodes[path[k]].parent != NULL) {
            insert_unmerged(t->nodes[path[k]].parent, i);
        }
    }
    put_leaf(t, i, ln);
    *out = i;
    return SR_OK;
}

sr_err sr_mls_tree_set_leaf(struct sr_mls_tree *t, uint32_t leaf, const struct sr_mls_leaf_node *ln)
{
    struct sr_mls_leaf_node *copy = NULL;
    SR_CHECK(leaf < t->n_leaves, SR_ERR_ARG);
    SR_TRY(dup_leaf(ln, &copy));
    put_leaf(t, leaf, copy);
    return SR_OK;
}

sr_err sr_mls_tree_update_leaf(struct sr_mls_tree *t, uint32_t leaf,
                               const struct sr_mls_leaf_node *ln)
{
    SR_CHECK(sr_mls_tree_get0_leaf(t, leaf) != NULL, SR_ERR_INVALID);
    SR_TRY(sr_mls_tree_set_leaf(t, leaf, ln));
    /* §12.1.2: "Blank the intermediate nodes along the path from the sender's leaf to the
     * root." */
    sr_mls_tree_blank_path(t, leaf);
    return SR_OK;
}

sr_err sr_mls_tree_remove_leaf(struct sr_mls_tree *t, uint32_t leaf)
{
    /* §12.1.3: "A Remove proposal is invalid if the removed field does not identify a
     * non-blank leaf node." */
    SR_CHECK(sr_mls_tree_get0_leaf(t, leaf) != NULL, SR_ERR_INVALID);
    sr_mls_tree_blank(t, sr_mls_tree_leaf_to_node(leaf));
    sr_mls_tree_blank_path(t, leaf);
    sr_mls_tree_truncate(t);
    return SR_OK;
}

sr_err sr_mls_tree_set_parent(struct sr_mls_tree *t, uint32_t x, struct sr_slice key,
                              struct sr_slice ph)
{
    SR_CHECK(x < sr_mls_tree_width(t) && !sr_mls_tree_is_leaf(x), SR_ERR_ARG);
    SR_CHECK(key.len <= SR_KEM_PK_MAX && ph.len <= SR_HASH_MAX, SR_ERR_INVALID);
    size_t nh = t->suite->hash->len;
    struct sr_mls_tree_parent *p = sr_mls_tree_parent_new(key.len, ph.len > nh ? ph.len : nh);
    if (p == NULL) {
        return SR_ERR_NOMEM;
    }
    memcpy(p->encryption_key, key.p, key.len);
    if (ph.len > 0) {
        memcpy(p->parent_hash, ph.p, ph.len);
    }
    p->hash_len = (uint8_t)ph.len;
    sr_mls_tree_blank(t, x);
    t->nodes[x].parent = p;
    sr_mls_tree_node_fingerprint(&t->nodes[x]);
    return SR_OK;
}

static bool slice_eq(struct sr_slice a, struct sr_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

sr_err sr_mls_tree_find_signature_key(const struct sr_mls_tree *t, struct sr_slice key,
                                      uint32_t *leaf)
{
    uint32_t fp = sr_mls_tree_key_fp(key);
    for (uint32_t i = 0; i < t->n_leaves; i++) {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(t, i);
        if (ln != NULL && t->nodes[sr_mls_tree_leaf_to_node(i)].sig_fp == fp &&
            slice_eq(ln->signature_key, key)) {
            *leaf = i;
            return SR_OK;
        }
    }
    return SR_ERR_NOT_FOUND;
}

sr_err sr_mls_tree_find_encryption_key(const struct sr_mls_tree *t, struct sr_slice key,
                                       uint32_t *node)
{
    uint32_t w = sr_mls_tree_width(t), fp = sr_mls_tree_key_fp(key);
    for (uint32_t i = 0; i < w; i++) {
        if (!sr_mls_tree_node_blank(t, i) && t->nodes[i].enc_fp == fp &&
            slice_eq(sr_mls_tree_node_key(t, i), key)) {
            *node = i;
            return SR_OK;
        }
    }
    return SR_ERR_NOT_FOUND;
}

/* Whether node i is leaf node `skip` or one of its ancestors (skip in i's subtree range). */
static bool on_path(uint32_t i, uint32_t skip)
{
    uint32_t half = sr_mls_tree_half_span(i);
    return skip != UINT32_MAX && skip >= i - half && skip <= i + half;
}

bool sr_mls_tree_has_encryption_key(const struct sr_mls_tree *t, struct sr_slice key,
                                    uint32_t skip_leaf)
{
    uint32_t w = sr_mls_tree_width(t);
    uint32_t skip = skip_leaf < t->n_leaves ? sr_mls_tree_leaf_to_node(skip_leaf) : UINT32_MAX;
    uint32_t fp = sr_mls_tree_key_fp(key);
    for (uint32_t i = 0; i < w; i++) {
        if (sr_mls_tree_node_blank(t, i) || t->nodes[i].enc_fp != fp || on_path(i, skip)) {
            continue;
        }
        if (slice_eq(sr_mls_tree_node_key(t, i), key)) {
            return true;
        }
    }
    return false;
}

/* A 256-bit set of the low bytes of some fingerprints: one lookup per node rejects almost
 * every node before any fingerprint or key is compared. */
struct byte_set {
    uint64_t bits[4];
};

static void byte_set_add(struct byte_set *s, uint32_t fp)
{
    s->bits[(fp & 0xff) >> 6] |= (uint64_t)1 << (fp & 63);
}

static bool byte_set_has(const struct byte_set *s, uint32_t fp)
{
    return (s->bits[(fp & 0xff) >> 6] >> (fp & 63) & 1) != 0;
}

sr_err sr_mls_tree_check_new_keys(const struct sr_mls_tree *t, const struct sr_slice *enc_keys,
                                  size_t n, struct sr_slice sig_key, uint32_t replaced)
{
    uint32_t w = sr_mls_tree_width(t), fps[SR_MLS_TREE_PATH_MAX + 1];
    uint32_t skip = replaced < t->n_leaves ? sr_mls_tree_leaf_to_node(replaced) : UINT32_MAX;
    uint32_t sig_fp = sr_mls_tree_key_fp(sig_key);
    struct byte_set enc = { { 0 } };
    SR_CHECK(n <= SR_MLS_TREE_PATH_MAX + 1, SR_ERR_ARG);
    for (size_t a = 0; a < n; a++) {
        for (size_t b = 0; b < a; b++) {
            SR_CHECK(!slice_eq(enc_keys[a], enc_keys[b]), SR_ERR_INVALID);
        }
        fps[a] = sr_mls_tree_key_fp(enc_keys[a]);
        byte_set_add(&enc, fps[a]);
    }
    /* §7.3: "Verify that the following fields are unique among the members of the group:
     * signature_key, encryption_key". One pass over the node array, no pointer chased unless
     * a fingerprint matches. */
    for (uint32_t i = 0; i < w; i++) {
        const struct sr_mls_tree_node *nd = &t->nodes[i];
        if (sr_mls_tree_node_blank(t, i) || on_path(i, skip)) {
            continue;
        }
        for (size_t a = 0; a < n && byte_set_has(&enc, nd->enc_fp); a++) {
            SR_CHECK(nd->enc_fp != fps[a] || !slice_eq(sr_mls_tree_node_key(t, i), enc_keys[a]),
                     SR_ERR_INVALID);
        }
        if (nd->leaf != NULL && nd->sig_fp == sig_fp) {
            SR_CHECK(!slice_eq(nd->leaf->signature_key, sig_key), SR_ERR_INVALID);
        }
    }
    return SR_OK;
}

sr_err sr_mls_tree_check_new_leaf(const struct sr_mls_tree *t, const struct sr_mls_leaf_node *ln,
                                  uint32_t replaced)
{
    return sr_mls_tree_check_new_keys(t, &ln->encryption_key, 1, ln->signature_key, replaced);
}

bool sr_mls_tree_resolution_empty(const struct sr_mls_tree *t, uint32_t x)
{
    /* The subtree of x at level k is the contiguous index range x - (2^k - 1) .. x + (2^k - 1). */
    uint32_t half = sr_mls_tree_half_span(x), w = sr_mls_tree_width(t);
    for (uint32_t i = x - half; i <= x + half && i < w; i++) {
        if (!sr_mls_tree_node_blank(t, i)) {
            return false;
        }
    }
    return true;
}

static sr_err list_push(struct sr_mls_node_list *l, uint32_t v)
{
    if (l->len == l->cap) {
        size_t cap = l->cap == 0 ? 8 : l->cap * 2;
        uint32_t *nv = sr_realloc(l->v, cap * sizeof(uint32_t));
        if (nv == NULL) {
            return SR_ERR_NOMEM;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->len++] = v;
    return SR_OK;
}

sr_err sr_mls_tree_resolution(const struct sr_mls_tree *t, uint32_t x, struct sr_mls_node_list *out)
{
    const struct sr_mls_tree_node *n = &t->nodes[x];
    /* §4.1.1: a non-blank node resolves to itself and its unmerged leaves. */
    if (n->leaf != NULL) {
        return list_push(out, x);
    }
    if (n->parent != NULL) {
        SR_TRY(list_push(out, x));
        for (uint32_t i = 0; i < n->parent->unmerged_count; i++) {
            SR_TRY(list_push(out, sr_mls_tree_leaf_to_node(n->parent->unmerged[i])));
        }
        return SR_OK;
    }
    if (sr_mls_tree_is_leaf(x) || sr_mls_tree_resolution_empty(t, x)) {
        return SR_OK;
    }
    uint32_t l, r;
    SR_TRY(sr_mls_tree_left(x, &l));
    SR_TRY(sr_mls_tree_right(x, &r));
    SR_TRY(sr_mls_tree_resolution(t, l, out));
    return sr_mls_tree_resolution(t, r, out);
}

static bool empty_cb(void *arg, uint32_t node)
{
    return sr_mls_tree_resolution_empty(arg, node);
}

sr_err sr_mls_tree_filtered_path(const struct sr_mls_tree *t, uint32_t leaf, uint32_t *path,
                                 uint32_t *copath, size_t *len)
{
    SR_CHECK(leaf < t->n_leaves, SR_ERR_ARG);
    /* the callback only reads the tree; tree_math's callback type takes a plain pointer */
    union {
        const struct sr_mls_tree *c;
        void *p;
    } arg = { .c = t };
    return sr_mls_tree_filtered_direct_path(sr_mls_tree_leaf_to_node(leaf), t->n_leaves, empty_cb,
                                            arg.p, path, copath, len);
}
