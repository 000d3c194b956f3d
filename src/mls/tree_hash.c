/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tree hashes (RFC 9420 §7.8) with a per-node cache, and parent hashes (§7.9): computing the
 * chain of an UpdatePath and verifying a whole tree on join (§7.9.2).
 *
 *   TreeHashInput = node_type || LeafNodeHashInput{leaf_index, optional<LeafNode>}
 *                             or ParentNodeHashInput{optional<ParentNode>, left_hash, right_hash}
 *   ParentHashInput = encryption_key || parent_hash || original_sibling_tree_hash
 *
 * The original sibling tree hash blanks P's unmerged leaves and drops them from every
 * unmerged list (§7.9); subtrees holding none of them reuse the cache.
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "mls/tree.h"
#include "mls/tree_math.h"

struct hctx {
    const struct sr_mls_tree *t;
    struct sr_mls_tree *cache; /* NULL: compute everything from scratch */
    const uint32_t *excl;      /* sorted leaf indices treated as blank */
    uint32_t n_excl;
    struct sr_buf buf;
};

static bool excluded(const uint32_t *excl, uint32_t n, uint32_t leaf)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (excl[mid] == leaf) {
            return true;
        }
        if (excl[mid] < leaf) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

/* Whether any excluded leaf lies under x (leaves x - half .. x + half, even indices). */
static bool touches_excl(const struct hctx *h, uint32_t x)
{
    uint32_t half = sr_mls_tree_half_span(x);
    uint32_t lo = (x - half) / 2, hi = (x + half) / 2;
    for (uint32_t i = 0; i < h->n_excl; i++) {
        if (h->excl[i] >= lo && h->excl[i] <= hi) {
            return true;
        }
    }
    return false;
}

static sr_err encode_parent_filtered(const struct hctx *h, const struct sr_mls_tree_parent *p,
                                     struct sr_buf *w)
{
    struct sr_vec_mark m;
    SR_TRY(sr_write_opaque_v(w, p->encryption_key, p->key_len));
    SR_TRY(sr_write_opaque_v(w, p->parent_hash, p->hash_len));
    SR_TRY(sr_write_vector_begin(w, &m));
    for (uint32_t i = 0; i < p->unmerged_count; i++) {
        if (!excluded(h->excl, h->n_excl, p->unmerged[i])) {
            SR_TRY(sr_write_u32(w, p->unmerged[i]));
        }
    }
    return sr_write_vector_end(w, &m);
}

static sr_err hash_rec(struct hctx *h, uint32_t x, uint8_t *out)
{
    const struct sr_mls_tree_node *n = &h->t->nodes[x];
    size_t nh = h->t->suite->hash->len;
    bool cacheable = h->cache != NULL && (h->n_excl == 0 || !touches_excl(h, x));
    if (cacheable && n->hash_ok) {
        memcpy(out, h->cache->hashes + (size_t)x * nh, nh);
        return SR_OK;
    }
    uint8_t lh[SR_HASH_MAX], rh[SR_HASH_MAX];
    if (!sr_mls_tree_is_leaf(x)) {
        uint32_t l, r;
        SR_TRY(sr_mls_tree_left(x, &l));
        SR_TRY(sr_mls_tree_right(x, &r));
        SR_TRY(hash_rec(h, l, lh));
        SR_TRY(hash_rec(h, r, rh));
    }
    struct sr_buf *w = &h->buf;
    sr_buf_reset(w);
    if (sr_mls_tree_is_leaf(x)) {
        uint32_t leaf = sr_mls_tree_node_to_leaf(x);
        bool present = n->leaf != NULL && !excluded(h->excl, h->n_excl, leaf);
        SR_TRY(sr_write_u8(w, SR_MLS_NODE_LEAF));
        SR_TRY(sr_write_u32(w, leaf));
        SR_TRY(sr_write_u8(w, present ? 1 : 0));
        if (present) {
            SR_TRY(sr_mls_leaf_node_encode(n->leaf, w));
        }
    } else {
        SR_TRY(sr_write_u8(w, SR_MLS_NODE_PARENT));
        SR_TRY(sr_write_u8(w, n->parent != NULL ? 1 : 0));
        if (n->parent != NULL) {
            SR_TRY(encode_parent_filtered(h, n->parent, w));
        }
        SR_TRY(sr_write_opaque_v(w, lh, nh));
        SR_TRY(sr_write_opaque_v(w, rh, nh));
    }
    SR_TRY(sr_hash(h->t->suite->hash, sr_buf_slice(w), out));
    if (cacheable) {
        memcpy(h->cache->hashes + (size_t)x * nh, out, nh);
        h->cache->nodes[x].hash_ok = true;
    }
    return SR_OK;
}

static sr_err run(struct hctx *h, uint32_t x, uint8_t *out)
{
    SR_CHECK(x < sr_mls_tree_width(h->t), SR_ERR_ARG);
    sr_buf_init(&h->buf, 0, 0);
    sr_err err = hash_rec(h, x, out);
    sr_buf_cleanup(&h->buf);
    return err;
}

sr_err sr_mls_tree_hash(struct sr_mls_tree *t, uint32_t x, uint8_t *out)
{
    struct hctx h = { .t = t, .cache = t };
    return run(&h, x, out);
}

sr_err sr_mls_tree_root_hash(struct sr_mls_tree *t, uint8_t *out)
{
    uint32_t root;
    SR_TRY(sr_mls_tree_root(t->n_leaves, &root));
    return sr_mls_tree_hash(t, root, out);
}

sr_err sr_mls_tree_hash_uncached(const struct sr_mls_tree *t, uint32_t x, uint8_t *out)
{
    struct hctx h = { .t = t };
    return run(&h, x, out);
}

/* ParentHash(P) with copath child S (§7.9), S hashed without P's unmerged leaves. */
static sr_err parent_hash_of(struct sr_mls_tree *t, uint32_t p, uint32_t s, uint8_t *out)
{
    const struct sr_mls_tree_parent *pn = t->nodes[p].parent;
    struct hctx h = { .t = t, .cache = t, .excl = pn->unmerged, .n_excl = pn->unmerged_count };
    size_t nh = t->suite->hash->len;
    uint8_t sib[SR_HASH_MAX];
    SR_TRY(run(&h, s, sib));
    uint8_t mem[SR_KEM_PK_MAX + SR_HASH_MAX * 2 + 12];
    struct sr_buf w;
    sr_buf_init_fixed(&w, mem, sizeof(mem));
    SR_TRY(sr_write_opaque_v(&w, pn->encryption_key, pn->key_len));
    SR_TRY(sr_write_opaque_v(&w, pn->parent_hash, pn->hash_len));
    SR_TRY(sr_write_opaque_v(&w, sib, nh));
    return sr_hash(t->suite->hash, sr_buf_slice(&w), out);
}

sr_err sr_mls_tree_set_path_parent_hashes(struct sr_mls_tree *t, const uint32_t *path,
                                          const uint32_t *copath, size_t len, uint8_t *leaf_ph)
{
    size_t nh = t->suite->hash->len;
    /* §7.9: computed from the root down; the root's parent_hash is empty. */
    for (size_t i = len; i-- > 0;) {
        struct sr_mls_tree_parent *p = NULL;
        SR_TRY(sr_mls_tree_parent_own(t, path[i], &p));
        if (i == len - 1) {
            p->hash_len = 0;
            sr_mls_tree_touch(t, path[i]);
        }
        uint8_t ph[SR_HASH_MAX];
        SR_TRY(parent_hash_of(t, path[i], copath[i], ph));
        if (i == 0) {
            memcpy(leaf_ph, ph, nh);
        } else {
            struct sr_mls_tree_parent *below = NULL;
            SR_TRY(sr_mls_tree_parent_own(t, path[i - 1], &below));
            SR_CHECK(below->hash_cap >= nh, SR_ERR_STATE);
            memcpy(below->parent_hash, ph, nh);
            below->hash_len = (uint8_t)nh;
            sr_mls_tree_touch(t, path[i - 1]);
        }
    }
    return SR_OK;
}

/* The parent_hash field of node d: a parent's, or a commit-source leaf's (§7.9.1). */
static struct sr_slice ph_field(const struct sr_mls_tree *t, uint32_t d)
{
    const struct sr_mls_tree_node *n = &t->nodes[d];
    if (n->parent != NULL) {
        return sr_slice_of(n->parent->parent_hash, n->parent->hash_len);
    }
    if (n->leaf != NULL && n->leaf->source == SR_MLS_LEAF_SOURCE_COMMIT) {
        return n->leaf->parent_hash;
    }
    return sr_slice_of(NULL, 0);
}

/*
 * §7.9.2 for parent p with child c (towards D) and sibling s: D is in the resolution of c and
 * "the intersection of P's unmerged_leaves with the subtree under C is equal to the resolution
 * of C with D removed", and D.parent_hash is ParentHash(P) with copath child S.
 */
static sr_err valid_via(struct sr_mls_tree *t, uint32_t p, uint32_t c, uint32_t s, bool *ok)
{
    const struct sr_mls_tree_parent *pn = t->nodes[p].parent;
    struct sr_mls_node_list res = { 0 };
    uint32_t d = UINT32_MAX, in_res = 0, in_sub = 0, half = sr_mls_tree_half_span(c);
    size_t cand = 0, nh = t->suite->hash->len;
    *ok = false;
    sr_err err = sr_mls_tree_resolution(t, c, &res);
    for (size_t i = 0; err == SR_OK && i < res.len; i++) {
        uint32_t r = res.v[i];
        if (sr_mls_tree_is_leaf(r) &&
            excluded(pn->unmerged, pn->unmerged_count, sr_mls_tree_node_to_leaf(r))) {
            in_res++;
        } else {
            d = r;
            cand++;
        }
    }
    for (uint32_t i = 0; i < pn->unmerged_count; i++) {
        uint32_t x = sr_mls_tree_leaf_to_node(pn->unmerged[i]);
        in_sub += (x >= c - half && x <= c + half) ? 1 : 0;
    }
    sr_mls_node_list_cleanup(&res);
    if (err != SR_OK || cand != 1 || in_res != in_sub) {
        return err;
    }
    struct sr_slice field = ph_field(t, d);
    uint8_t ph[SR_HASH_MAX];
    if (field.len != nh) {
        return SR_OK;
    }
    SR_TRY(parent_hash_of(t, p, s, ph));
    *ok = field.p != NULL && memcmp(ph, field.p, nh) == 0;
    return SR_OK;
}

sr_err sr_mls_tree_verify_parent_hashes(struct sr_mls_tree *t)
{
    uint32_t w = sr_mls_tree_width(t);
    for (uint32_t p = 1; p < w; p += 2) {
        if (t->nodes[p].parent == NULL) {
            continue;
        }
        uint32_t l, r;
        bool via_l, via_r;
        SR_TRY(sr_mls_tree_left(p, &l));
        SR_TRY(sr_mls_tree_right(p, &r));
        SR_TRY(valid_via(t, p, l, r, &via_l));
        SR_TRY(valid_via(t, p, r, l, &via_r));
        /* §7.9.2: "exactly one descendant of each non-blank parent node for which the parent
         * node is parent-hash valid" */
        if (via_l == via_r) {
            return SR_ERR_INVALID;
        }
    }
    return SR_OK;
}
