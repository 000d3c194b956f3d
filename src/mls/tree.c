/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ratchet tree's storage (RFC 9420 §7.1, §7.8): node ownership, the ratchet_tree
 * extension form (§12.4.3.3), copies for staging, and extending/truncating (§7.7).
 */
#include "mls/tree.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "mls/tree_math.h"
#include "mls/wire_limits.h"
#include "mls/wire_ratchet_tree.h"

void sr_mls_node_list_cleanup(struct sr_mls_node_list *l)
{
    sr_free(l->v);
    memset(l, 0, sizeof(*l));
}

const struct sr_mls_leaf_node *sr_mls_tree_get0_leaf(const struct sr_mls_tree *t, uint32_t leaf)
{
    if (leaf >= t->n_leaves) {
        return NULL;
    }
    return t->nodes[sr_mls_tree_leaf_to_node(leaf)].leaf;
}

struct sr_slice sr_mls_tree_node_key(const struct sr_mls_tree *t, uint32_t x)
{
    const struct sr_mls_tree_node *n = &t->nodes[x];
    if (n->leaf != NULL) {
        return n->leaf->encryption_key;
    }
    if (n->parent != NULL) {
        return sr_slice_of(n->parent->encryption_key, n->parent->key_len);
    }
    return sr_slice_of(NULL, 0);
}

void sr_mls_tree_init(struct sr_mls_tree *t, const struct sr_suite *suite)
{
    memset(t, 0, sizeof(*t));
    t->suite = suite;
}

/* A LeafNode and the number of trees holding it. */
struct shared_leaf {
    atomic_uint refs;
    struct sr_mls_leaf_node ln;
};

static struct shared_leaf *shared_of(const struct sr_mls_leaf_node *ln)
{
    return (struct shared_leaf *)((uintptr_t)ln - offsetof(struct shared_leaf, ln));
}

sr_err sr_mls_tree_leaf_new(const struct sr_mls_leaf_node *src, struct sr_mls_leaf_node **out)
{
    struct shared_leaf *s = sr_calloc(1, sizeof(*s));
    *out = NULL;
    if (s == NULL) {
        return SR_ERR_NOMEM;
    }
    sr_err err = sr_mls_leaf_node_dup(src, &s->ln);
    if (err != SR_OK) {
        sr_free(s);
        return err;
    }
    atomic_init(&s->refs, 1);
    *out = &s->ln;
    return SR_OK;
}

void sr_mls_tree_leaf_release(struct sr_mls_leaf_node *ln)
{
    if (ln == NULL) {
        return;
    }
    struct shared_leaf *s = shared_of(ln);
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        sr_mls_leaf_node_cleanup(&s->ln);
        sr_free(s);
    }
}

static void free_leaf(struct sr_mls_leaf_node *ln)
{
    sr_mls_tree_leaf_release(ln);
}

struct sr_mls_tree_parent *sr_mls_tree_parent_new(size_t key_len, size_t hash_cap)
{
    if (key_len > SR_KEM_PK_MAX || hash_cap > SR_HASH_MAX) {
        return NULL;
    }
    struct sr_mls_tree_parent *p = sr_calloc(1, sizeof(*p) + key_len + hash_cap);
    if (p != NULL) {
        atomic_init(&p->refs, 1);
        p->encryption_key = p->data;
        p->parent_hash = p->data + key_len;
        p->key_len = (uint8_t)key_len;
        p->hash_cap = (uint8_t)hash_cap;
    }
    return p;
}

void sr_mls_tree_parent_free(struct sr_mls_tree_parent *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1) {
        sr_free(p->unmerged);
        sr_free(p);
    }
}

/* A private copy of `src` with one reference. */
static struct sr_mls_tree_parent *parent_dup(const struct sr_mls_tree_parent *src)
{
    struct sr_mls_tree_parent *p = sr_mls_tree_parent_new(src->key_len, src->hash_cap);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p->data, src->data, (size_t)src->key_len + src->hash_cap);
    p->hash_len = src->hash_len;
    if (src->unmerged_count > 0) {
        p->unmerged = sr_malloc(src->unmerged_count * sizeof(uint32_t));
        if (p->unmerged == NULL) {
            sr_mls_tree_parent_free(p);
            return NULL;
        }
        memcpy(p->unmerged, src->unmerged, src->unmerged_count * sizeof(uint32_t));
        p->unmerged_count = src->unmerged_count;
    }
    return p;
}

sr_err sr_mls_tree_parent_own(struct sr_mls_tree *t, uint32_t x, struct sr_mls_tree_parent **out)
{
    struct sr_mls_tree_parent *p = t->nodes[x].parent;
    SR_CHECK(p != NULL, SR_ERR_STATE);
    if (atomic_load(&p->refs) > 1) {
        struct sr_mls_tree_parent *mine = parent_dup(p);
        SR_CHECK(mine != NULL, SR_ERR_NOMEM);
        sr_mls_tree_parent_free(p);
        t->nodes[x].parent = p = mine;
    }
    *out = p;
    return SR_OK;
}

static void free_parent(struct sr_mls_tree_parent *p)
{
    sr_mls_tree_parent_free(p);
}

void sr_mls_tree_blank(struct sr_mls_tree *t, uint32_t x)
{
    free_leaf(t->nodes[x].leaf);
    free_parent(t->nodes[x].parent);
    t->nodes[x].leaf = NULL;
    t->nodes[x].parent = NULL;
    sr_mls_tree_touch(t, x);
}

void sr_mls_tree_cleanup(struct sr_mls_tree *t)
{
    uint32_t w = sr_mls_tree_width(t);
    for (uint32_t i = 0; i < w; i++) {
        free_leaf(t->nodes[i].leaf);
        free_parent(t->nodes[i].parent);
    }
    sr_free(t->nodes);
    sr_free(t->hashes);
    sr_mls_tree_init(t, t->suite);
}

void sr_mls_tree_touch(struct sr_mls_tree *t, uint32_t x)
{
    uint32_t w = sr_mls_tree_width(t);
    for (;;) {
        t->nodes[x].hash_ok = false;
        uint32_t p;
        if (sr_mls_tree_parent(x, t->n_leaves, &p) != SR_OK || p >= w) {
            return;
        }
        x = p;
    }
}

void sr_mls_tree_blank_path(struct sr_mls_tree *t, uint32_t leaf)
{
    uint32_t path[SR_MLS_TREE_PATH_MAX];
    size_t len = 0;
    if (sr_mls_tree_direct_path(sr_mls_tree_leaf_to_node(leaf), t->n_leaves, path, &len) != SR_OK) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        sr_mls_tree_blank(t, path[i]);
    }
}

/* Resize the node and hash arrays to `n_leaves`; new nodes are blank and stale. */
static sr_err resize(struct sr_mls_tree *t, uint32_t n_leaves)
{
    size_t old_w = sr_mls_tree_width(t);
    size_t w = (size_t)2 * n_leaves - 1, hb;
    if (!sr_size_mul(w, t->suite->hash->len, &hb)) {
        return SR_ERR_LIMIT;
    }
    struct sr_mls_tree_node *nodes = sr_realloc(t->nodes, w * sizeof(*nodes));
    if (nodes == NULL) {
        return SR_ERR_NOMEM;
    }
    t->nodes = nodes;
    uint8_t *hashes = sr_realloc(t->hashes, hb);
    if (hashes == NULL) {
        return SR_ERR_NOMEM; /* nodes grew but n_leaves is unchanged: still consistent */
    }
    t->hashes = hashes;
    if (w > old_w) {
        memset(nodes + old_w, 0, (w - old_w) * sizeof(*nodes));
    }
    t->n_leaves = n_leaves;
    return SR_OK;
}

sr_err sr_mls_tree_extend(struct sr_mls_tree *t)
{
    uint32_t n = t->n_leaves == 0 ? 1 : t->n_leaves * 2;
    if (n > SR_MLS_TREE_MAX_IMPORT_LEAVES) {
        return SR_ERR_LIMIT;
    }
    /* The old tree keeps its indices as the left subtree of the new root (§7.7). */
    return resize(t, n);
}

static bool range_blank(const struct sr_mls_tree *t, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++) {
        if (!sr_mls_tree_node_blank(t, i)) {
            return false;
        }
    }
    return true;
}

void sr_mls_tree_truncate(struct sr_mls_tree *t)
{
    while (t->n_leaves > 1 && range_blank(t, t->n_leaves, 2 * t->n_leaves - 1)) {
        /* The root goes too, "whether or not the root node is blank" (§7.7). */
        uint32_t root = t->n_leaves - 1;
        free_leaf(t->nodes[root].leaf);
        free_parent(t->nodes[root].parent);
        t->n_leaves /= 2;
    }
    /* Shrinking the arrays is optional; a failed realloc leaves the larger ones in place. */
    size_t w = sr_mls_tree_width(t);
    struct sr_mls_tree_node *nodes = sr_realloc(t->nodes, w * sizeof(*nodes));
    if (nodes != NULL) {
        t->nodes = nodes;
    }
}

static sr_err import_parent(struct sr_mls_tree *t, const struct sr_mls_parent_node *in,
                            struct sr_mls_tree_parent **out)
{
    size_t n = sr_mls_u32_list_count(in->unmerged_leaves);
    if (in->encryption_key.len != t->suite->kem->pk_len || in->parent_hash.len > SR_HASH_MAX) {
        return SR_ERR_INVALID;
    }
    size_t nh = t->suite->hash->len;
    struct sr_mls_tree_parent *p = sr_mls_tree_parent_new(
            in->encryption_key.len, in->parent_hash.len > nh ? in->parent_hash.len : nh);
    if (p == NULL) {
        return SR_ERR_NOMEM;
    }
    *out = p;
    memcpy(p->encryption_key, in->encryption_key.p, in->encryption_key.len);
    if (in->parent_hash.len > 0) {
        memcpy(p->parent_hash, in->parent_hash.p, in->parent_hash.len);
    }
    p->hash_len = (uint8_t)in->parent_hash.len;
    if (n == 0) {
        return SR_OK;
    }
    if (n > t->n_leaves || (p->unmerged = sr_calloc(n, sizeof(uint32_t))) == NULL) {
        return n > t->n_leaves ? SR_ERR_INVALID : SR_ERR_NOMEM;
    }
    p->unmerged_count = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        p->unmerged[i] = sr_mls_u32_list_get(in->unmerged_leaves, i);
        /* §7.1: "The entries in the unmerged_leaves vector MUST be sorted in increasing order." */
        if (i > 0 && p->unmerged[i] <= p->unmerged[i - 1]) {
            return SR_ERR_INVALID;
        }
    }
    return SR_OK;
}

static sr_err import_node(struct sr_mls_tree *t, uint32_t i, const struct sr_mls_node *in)
{
    if (!in->present) {
        return SR_OK;
    }
    if (sr_mls_tree_is_leaf(i) != (in->type == SR_MLS_NODE_LEAF)) {
        return SR_ERR_INVALID;
    }
    if (in->type == SR_MLS_NODE_PARENT) {
        return import_parent(t, &in->parent, &t->nodes[i].parent);
    }
    if (in->leaf.encryption_key.len != t->suite->kem->pk_len) {
        return SR_ERR_INVALID;
    }
    return sr_mls_tree_leaf_new(&in->leaf, &t->nodes[i].leaf);
}

/* Make room for node index i, doubling the tree as needed; SR_ERR_LIMIT past the cap. */
static sr_err grow_to(struct sr_mls_tree *t, uint32_t i)
{
    while (i >= sr_mls_tree_width(t)) {
        if (t->n_leaves >= SR_MLS_TREE_MAX_IMPORT_LEAVES) {
            return SR_ERR_LIMIT;
        }
        SR_TRY(resize(t, t->n_leaves == 0 ? 1 : t->n_leaves * 2));
    }
    return SR_OK;
}

sr_err sr_mls_tree_import(struct sr_mls_tree *t, const struct sr_suite *suite,
                          struct sr_slice ratchet_tree)
{
    struct sr_reader r, sub;
    bool present = false;
    uint32_t i = 0;
    sr_mls_tree_init(t, suite);
    sr_reader_init(&r, ratchet_tree);
    /* Streamed node by node: no intermediate array of decoded nodes, and a tree of blanks
     * past the cap stops at the cap. */
    sr_err err = sr_read_vector_v(&r, SR_MLS_MAX_TREE_BYTES, &sub);
    if (err == SR_OK) {
        err = sr_reader_done(&r);
    }
    for (; err == SR_OK && sr_reader_left(&sub) > 0; i++) {
        struct sr_mls_node node;
        if ((err = sr_read_optional(&sub, &present)) != SR_OK || (err = grow_to(t, i)) != SR_OK ||
            !present) {
            continue;
        }
        if ((err = sr_mls_node_read(&sub, &node)) == SR_OK) {
            err = import_node(t, i, &node);
            sr_mls_tree_node_fingerprint(&t->nodes[i]);
            sr_mls_node_cleanup(&node);
        }
    }
    /* "optional<Node> ratchet_tree<V>" holds at least one node; §12.4.3.3: "The receiver MUST
     * check that the last node in ratchet_tree is non-blank". */
    if (err == SR_OK && (i == 0 || !present)) {
        err = i == 0 ? SR_ERR_DECODE : SR_ERR_INVALID;
    }
    if (err != SR_OK) {
        sr_mls_tree_cleanup(t);
    }
    return err;
}

sr_err sr_mls_tree_parent_encode(const struct sr_mls_tree_parent *p, struct sr_buf *w)
{
    struct sr_vec_mark m;
    SR_TRY(sr_write_opaque_v(w, p->encryption_key, p->key_len));
    SR_TRY(sr_write_opaque_v(w, p->parent_hash, p->hash_len));
    SR_TRY(sr_write_vector_begin(w, &m));
    for (uint32_t i = 0; i < p->unmerged_count; i++) {
        SR_TRY(sr_write_u32(w, p->unmerged[i]));
    }
    return sr_write_vector_end(w, &m);
}

sr_err sr_mls_tree_node_encode(const struct sr_mls_tree_node *n, struct sr_buf *w)
{
    if (n->leaf != NULL) {
        SR_TRY(sr_write_u8(w, SR_MLS_NODE_LEAF));
        return sr_mls_leaf_node_encode(n->leaf, w);
    }
    SR_TRY(sr_write_u8(w, SR_MLS_NODE_PARENT));
    return sr_mls_tree_parent_encode(n->parent, w);
}

sr_err sr_mls_tree_export(const struct sr_mls_tree *t, struct sr_buf *w)
{
    uint32_t last = sr_mls_tree_width(t);
    while (last > 0 && sr_mls_tree_node_blank(t, last - 1)) {
        last--;
    }
    struct sr_vec_mark m;
    size_t start = w->len;
    sr_err err = sr_write_vector_begin(w, &m);
    for (uint32_t i = 0; i < last && err == SR_OK; i++) {
        bool present = !sr_mls_tree_node_blank(t, i);
        err = sr_write_u8(w, present ? 1 : 0);
        if (err == SR_OK && present) {
            err = sr_mls_tree_node_encode(&t->nodes[i], w);
        }
    }
    if (err == SR_OK) {
        err = sr_write_vector_end(w, &m);
    }
    if (err != SR_OK) {
        w->len = start;
    }
    return err;
}

static void copy_node(struct sr_mls_tree_node *dst, const struct sr_mls_tree_node *src)
{
    *dst = *src;
    /* shared, not duplicated: leaves in a tree are immutable, parents copied on write */
    if (src->leaf != NULL) {
        atomic_fetch_add(&shared_of(src->leaf)->refs, 1);
    }
    if (src->parent != NULL) {
        atomic_fetch_add(&src->parent->refs, 1);
    }
}

sr_err sr_mls_tree_copy(struct sr_mls_tree *dst, const struct sr_mls_tree *src)
{
    sr_err err = SR_OK;
    sr_mls_tree_init(dst, src->suite);
    uint32_t w = sr_mls_tree_width(src);
    if (w == 0) {
        return SR_OK;
    }
    if ((err = resize(dst, src->n_leaves)) != SR_OK) {
        goto out;
    }
    memcpy(dst->hashes, src->hashes, (size_t)w * src->suite->hash->len);
    for (uint32_t i = 0; i < w; i++) {
        copy_node(&dst->nodes[i], &src->nodes[i]);
    }
out:
    if (err != SR_OK) {
        sr_mls_tree_cleanup(dst);
    }
    return err;
}

void sr_mls_tree_swap(struct sr_mls_tree *a, struct sr_mls_tree *b)
{
    struct sr_mls_tree tmp = *a;
    *a = *b;
    *b = tmp;
}
