/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §9 (secret tree), §9.1 (encryption keys) and §9.2 (deletion schedule).
 *
 *   tree_node_[root]_secret     = encryption_secret
 *   tree_node_[left(N)]_secret  = ExpandWithLabel(tree_node_[N]_secret, "tree", "left", Nh)
 *   tree_node_[right(N)]_secret = ExpandWithLabel(tree_node_[N]_secret, "tree", "right", Nh)
 *   handshake_ratchet_secret_[N]_[0]   = ExpandWithLabel(leaf secret, "handshake", "", Nh)
 *   application_ratchet_secret_[N]_[0] = ExpandWithLabel(leaf secret, "application", "", Nh)
 *   ratchet_key_[N]_[j]      = DeriveTreeSecret(ratchet_secret_[N]_[j], "key", j, AEAD.Nk)
 *   ratchet_nonce_[N]_[j]    = DeriveTreeSecret(ratchet_secret_[N]_[j], "nonce", j, AEAD.Nn)
 *   ratchet_secret_[N]_[j+1] = DeriveTreeSecret(ratchet_secret_[N]_[j], "secret", j, Nh)
 *
 * State is sparse, so a tree of 2^31 leaves costs nothing until used:
 *   - `nodes`: the frontier, the node secrets still held, sorted by node index. They root
 *     disjoint subtrees covering every leaf not yet started. Reaching a leaf splits the
 *     frontier node above it down the path, leaving the siblings behind (§9.2).
 *   - `leaves`: started leaves with their two ratchets, sorted by leaf index.
 * Arrays holding secrets never go through realloc: they grow into a fresh block and the
 * old one is wiped (sr_mls_secret_tree_grow), so no copy of a secret survives in freed memory.
 */
#include "mls/secret_tree.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/labels.h"
#include "mls/secret_tree_int.h"
#include "mls/tree_math.h"

sr_err sr_mls_secret_tree_grow(void **arr, size_t *cap, size_t elem, size_t count, size_t need)
{
    if (need <= *cap) {
        return SR_OK;
    }
    size_t ncap = *cap < 4 ? 4 : *cap;
    while (ncap < need) {
        SR_CHECK(sr_size_mul(ncap, 2, &ncap), SR_ERR_NOMEM);
    }
    size_t bytes;
    SR_CHECK(sr_size_mul(ncap, elem, &bytes), SR_ERR_NOMEM);
    uint8_t *p = sr_calloc(ncap, elem);
    SR_CHECK(p != NULL, SR_ERR_NOMEM);
    if (*arr != NULL) {
        memcpy(p, *arr, count * elem);
        sr_wipe(*arr, *cap * elem);
        sr_free(*arr);
    }
    *arr = p;
    *cap = ncap;
    return SR_OK;
}

/* Release an array that holds secrets. */
static void free_wiped(void *arr, size_t cap, size_t elem)
{
    if (arr != NULL) {
        sr_wipe(arr, cap * elem);
        sr_free(arr);
    }
}

sr_err sr_mls_secret_tree_new(const struct sr_suite *suite, struct sr_slice encryption_secret,
                              uint32_t n_leaves, const struct sr_mls_secret_tree_limits *limits,
                              struct sr_mls_secret_tree **out)
{
    static const struct sr_mls_secret_tree_limits defaults = {
        SR_MLS_SECRET_TREE_DEFAULT_MAX_SKIPPED, SR_MLS_SECRET_TREE_DEFAULT_MAX_FORWARD
    };
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(suite != NULL && n_leaves != 0 && n_leaves <= SR_MLS_TREE_MAX_LEAVES, SR_ERR_ARG);
    SR_CHECK(encryption_secret.len == suite->hash->len, SR_ERR_ARG);
    struct sr_mls_secret_tree *t = sr_calloc(1, sizeof(*t));
    SR_CHECK(t != NULL, SR_ERR_NOMEM);
    t->suite = suite;
    t->n_leaves = n_leaves;
    t->limits = limits != NULL ? *limits : defaults;
    sr_err err =
            sr_mls_secret_tree_grow((void **)&t->nodes, &t->cap_nodes, sizeof(*t->nodes), 0, 1);
    if (err != SR_OK) {
        sr_free(t);
        return err;
    }
    /* the root of the full tree over the next power of two leaves */
    uint32_t full = 1;
    while (full < n_leaves) {
        full <<= 1;
    }
    t->nodes[0].node = full - 1;
    err = sr_secret_set(&t->nodes[0].secret, encryption_secret.p, encryption_secret.len);
    if (err != SR_OK) {
        sr_mls_secret_tree_free(t);
        return err;
    }
    t->n_nodes = 1;
    *out = t;
    return SR_OK;
}

static void ratchet_cleanup(struct sr_mls_ratchet *r)
{
    free_wiped(r->skipped, r->cap_skipped, sizeof(*r->skipped));
    sr_wipe(r, sizeof(*r));
}

void sr_mls_secret_tree_free(struct sr_mls_secret_tree *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->n_started; i++) {
        ratchet_cleanup(&t->leaves[i].r[0]);
        ratchet_cleanup(&t->leaves[i].r[1]);
    }
    free_wiped(t->leaves, t->cap_leaves, sizeof(*t->leaves));
    free_wiped(t->nodes, t->cap_nodes, sizeof(*t->nodes));
    sr_wipe(t, sizeof(*t));
    sr_free(t);
}

void sr_mls_ratchet_key_cleanup(struct sr_mls_ratchet_key *k)
{
    sr_wipe(k, sizeof(*k));
}

/* The index of the started leaf `leaf`, or where it would be inserted (*found false). */
static size_t leaf_search(const struct sr_mls_secret_tree *t, uint32_t leaf, bool *found)
{
    size_t lo = 0, hi = t->n_started;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->leaves[mid].leaf < leaf) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < t->n_started && t->leaves[lo].leaf == leaf;
    return lo;
}

/* The frontier entry whose subtree holds node `x`: the last one starting at or before x. */
static bool frontier_search(const struct sr_mls_secret_tree *t, uint32_t x, size_t *idx)
{
    size_t lo = 0, hi = t->n_nodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t z = t->nodes[mid].node;
        uint32_t half = ((uint32_t)1 << sr_mls_tree_level(z)) - 1;
        if (z - half <= x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0 || !sr_mls_tree_in_subtree(t->nodes[lo - 1].node, x)) {
        return false;
    }
    *idx = lo - 1;
    return true;
}

/*
 * Replace frontier entry i (a parent) by its two children; the parent's secret is
 * overwritten, which erases it (§9.2). Capacity for one more entry must be reserved.
 */
static sr_err split_node(struct sr_mls_secret_tree *t, size_t i)
{
    const struct sr_suite *suite = t->suite;
    size_t nh = suite->hash->len;
    uint8_t l[SR_HASH_MAX], r[SR_HASH_MAX];
    uint32_t z = t->nodes[i].node, lz = 0, rz = 0;
    struct sr_slice secret = sr_secret_slice(&t->nodes[i].secret);
    sr_err err = sr_mls_tree_left(z, &lz);
    if (err == SR_OK) {
        err = sr_mls_tree_right(z, &rz);
    }
    if (err == SR_OK) {
        err = sr_mls_expand_with_label(suite, secret, "tree", sr_slice_of("left", 4), l, nh);
    }
    if (err == SR_OK) {
        err = sr_mls_expand_with_label(suite, secret, "tree", sr_slice_of("right", 5), r, nh);
    }
    if (err == SR_OK) {
        memmove(&t->nodes[i + 2], &t->nodes[i + 1], (t->n_nodes - i - 1) * sizeof(*t->nodes));
        t->n_nodes++;
        t->nodes[i].node = lz;
        memcpy(t->nodes[i].secret.p, l, nh);
        t->nodes[i + 1].node = rz;
        memcpy(t->nodes[i + 1].secret.p, r, nh);
        t->nodes[i + 1].secret.len = nh;
    }
    sr_wipe(l, sizeof(l));
    sr_wipe(r, sizeof(r));
    return err;
}

/* Drop frontier entry i, wiping it. */
static void frontier_remove(struct sr_mls_secret_tree *t, size_t i)
{
    memmove(&t->nodes[i], &t->nodes[i + 1], (t->n_nodes - i - 1) * sizeof(*t->nodes));
    t->n_nodes--;
    sr_wipe(&t->nodes[t->n_nodes], sizeof(*t->nodes));
}

/* Start leaf `leaf` (not started yet, to be inserted at `pos`): descend, then its ratchets. */
static sr_err leaf_start(struct sr_mls_secret_tree *t, uint32_t leaf, size_t pos)
{
    size_t nh = t->suite->hash->len, i = 0;
    uint32_t x = sr_mls_tree_leaf_to_node(leaf);
    /* reserve first so running out of memory changes nothing */
    SR_TRY(sr_mls_secret_tree_grow((void **)&t->nodes, &t->cap_nodes, sizeof(*t->nodes), t->n_nodes,
                                   t->n_nodes + SR_MLS_TREE_PATH_MAX));
    SR_TRY(sr_mls_secret_tree_grow((void **)&t->leaves, &t->cap_leaves, sizeof(*t->leaves),
                                   t->n_started, t->n_started + 1));
    if (!frontier_search(t, x, &i)) {
        abort(); /* every leaf not started lies under the frontier: a broken invariant */
    }
    while (t->nodes[i].node != x) {
        uint32_t parent = t->nodes[i].node;
        SR_TRY(split_node(t, i));
        if (x > parent) {
            i++; /* into the right child */
        }
    }
    struct sr_mls_leaf_ratchets lr = { 0 };
    struct sr_slice secret = sr_secret_slice(&t->nodes[i].secret);
    sr_err err = sr_mls_expand_with_label(t->suite, secret, "handshake", sr_slice_of(NULL, 0),
                                          lr.r[SR_MLS_RATCHET_HANDSHAKE].secret.p, nh);
    if (err == SR_OK) {
        err = sr_mls_expand_with_label(t->suite, secret, "application", sr_slice_of(NULL, 0),
                                       lr.r[SR_MLS_RATCHET_APPLICATION].secret.p, nh);
    }
    if (err != SR_OK) {
        sr_wipe(&lr, sizeof(lr));
        return err;
    }
    lr.leaf = leaf;
    lr.r[0].secret.len = nh;
    lr.r[1].secret.len = nh;
    frontier_remove(t, i); /* §9.2: the leaf secret goes once both ratchets exist */
    memmove(&t->leaves[pos + 1], &t->leaves[pos], (t->n_started - pos) * sizeof(*t->leaves));
    t->leaves[pos] = lr;
    t->n_started++;
    sr_wipe(&lr, sizeof(lr));
    return SR_OK;
}

/* Key and nonce of generation `gen` from its ratchet secret. */
static sr_err derive_key_nonce(const struct sr_suite *suite, const struct sr_secret *secret,
                               uint32_t gen, uint8_t *key, uint8_t *nonce)
{
    struct sr_slice s = sr_secret_slice(secret);
    SR_TRY(sr_mls_derive_tree_secret(suite, s, "key", gen, key, suite->aead->key_len));
    return sr_mls_derive_tree_secret(suite, s, "nonce", gen, nonce, suite->aead->nonce_len);
}

/* secret = ratchet_secret_[j+1] from ratchet_secret_[j]; the old value is overwritten. */
static sr_err ratchet_step(const struct sr_suite *suite, struct sr_secret *secret, uint32_t gen)
{
    uint8_t next[SR_HASH_MAX];
    size_t nh = suite->hash->len;
    sr_err err = sr_mls_derive_tree_secret(suite, sr_secret_slice(secret), "secret", gen, next, nh);
    if (err == SR_OK) {
        memcpy(secret->p, next, nh);
    }
    sr_wipe(next, sizeof(next));
    return err;
}

/* Drop `n` skipped keys from index `at` on, wiping the freed slots. */
static void skipped_drop(struct sr_mls_ratchet *r, size_t at, size_t n)
{
    memmove(&r->skipped[at], &r->skipped[at + n], (r->n_skipped - at - n) * sizeof(*r->skipped));
    r->n_skipped -= n;
    sr_wipe(&r->skipped[r->n_skipped], n * sizeof(*r->skipped));
}

/* The index of the first skipped key with generation >= gen. */
static size_t skipped_search(const struct sr_mls_ratchet *r, uint32_t gen)
{
    size_t lo = 0, hi = r->n_skipped;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->skipped[mid].generation < gen) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* A generation below r->next: hand out its kept key, or SR_ERR_REPLAY if it is gone. */
static sr_err take_skipped(const struct sr_suite *suite, struct sr_mls_ratchet *r, uint32_t gen,
                           struct sr_mls_ratchet_key *out)
{
    size_t lo = skipped_search(r, gen);
    /* §9.2: a consumed key is deleted, so a second request finds nothing */
    SR_CHECK(lo < r->n_skipped && r->skipped[lo].generation == gen, SR_ERR_REPLAY);
    out->generation = gen;
    SR_TRY(sr_secret_set(&out->key, r->skipped[lo].key, suite->aead->key_len));
    SR_TRY(sr_secret_set(&out->nonce, r->skipped[lo].nonce, suite->aead->nonce_len));
    skipped_drop(r, lo, 1);
    return SR_OK;
}

/*
 * Move the ratchet from r->next to past `gen` (gen >= r->next), keeping the keys of the
 * last max_skipped generations jumped over. Work happens on a copy of the ratchet secret
 * and past the live end of `skipped`, and is committed only when every step succeeded.
 */
static sr_err advance(const struct sr_mls_secret_tree *t, struct sr_mls_ratchet *r, uint32_t gen,
                      struct sr_mls_ratchet_key *out)
{
    const struct sr_suite *suite = t->suite;
    uint64_t gap = gen - r->next;
    size_t keep = gap < t->limits.max_skipped ? (size_t)gap : t->limits.max_skipped;
    SR_TRY(sr_mls_secret_tree_grow((void **)&r->skipped, &r->cap_skipped, sizeof(*r->skipped),
                                   r->n_skipped, r->n_skipped + keep));
    struct sr_secret cur = r->secret;
    struct sr_mls_skipped_key *tail = keep > 0 ? r->skipped + r->n_skipped : NULL;
    sr_err err = SR_OK;
    for (uint64_t j = r->next; err == SR_OK && j < gen; j++) {
        if (gen - j <= keep) {
            struct sr_mls_skipped_key *k = &tail[keep - (gen - j)];
            k->generation = (uint32_t)j;
            err = derive_key_nonce(suite, &cur, (uint32_t)j, k->key, k->nonce);
        }
        if (err == SR_OK) {
            err = ratchet_step(suite, &cur, (uint32_t)j);
        }
    }
    if (err == SR_OK) {
        err = derive_key_nonce(suite, &cur, gen, out->key.p, out->nonce.p);
    }
    if (err == SR_OK) {
        err = ratchet_step(suite, &cur, gen);
    }
    if (err != SR_OK) {
        if (tail != NULL) {
            sr_wipe(tail, keep * sizeof(*tail));
        }
        sr_wipe(&cur, sizeof(cur));
        return err;
    }
    out->generation = gen;
    out->key.len = suite->aead->key_len;
    out->nonce.len = suite->aead->nonce_len;
    r->secret = cur;
    sr_wipe(&cur, sizeof(cur));
    r->next = (uint64_t)gen + 1;
    r->n_skipped += keep;
    if (r->n_skipped > t->limits.max_skipped) {
        skipped_drop(r, 0, r->n_skipped - t->limits.max_skipped); /* oldest first */
    }
    return SR_OK;
}

sr_err sr_mls_secret_tree_ratchet(struct sr_mls_secret_tree *t, uint32_t leaf,
                                  enum sr_mls_ratchet_type type, struct sr_mls_ratchet **out)
{
    bool found = false;
    size_t pos = leaf_search(t, leaf, &found);
    if (!found) {
        SR_TRY(leaf_start(t, leaf, pos));
    }
    *out = &t->leaves[pos].r[type];
    return SR_OK;
}

static bool args_ok(const struct sr_mls_secret_tree *t, uint32_t leaf,
                    enum sr_mls_ratchet_type type)
{
    return t != NULL && leaf < t->n_leaves &&
           (type == SR_MLS_RATCHET_HANDSHAKE || type == SR_MLS_RATCHET_APPLICATION);
}

sr_err sr_mls_secret_tree_get(struct sr_mls_secret_tree *t, uint32_t leaf,
                              enum sr_mls_ratchet_type type, uint32_t generation,
                              struct sr_mls_ratchet_key *out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    sr_mls_ratchet_key_cleanup(out);
    SR_CHECK(args_ok(t, leaf, type), SR_ERR_ARG);
    /* check the forward window before starting a leaf, so a rejection changes nothing */
    bool found = false;
    size_t pos = leaf_search(t, leaf, &found);
    uint64_t next = found ? t->leaves[pos].r[type].next : 0;
    SR_CHECK(generation < next || generation - next <= t->limits.max_forward, SR_ERR_LIMIT);
    struct sr_mls_ratchet *r = NULL;
    SR_TRY(sr_mls_secret_tree_ratchet(t, leaf, type, &r));
    sr_err err = generation < r->next ? take_skipped(t->suite, r, generation, out)
                                      : advance(t, r, generation, out);
    if (err != SR_OK) {
        sr_mls_ratchet_key_cleanup(out);
    }
    return err;
}

sr_err sr_mls_secret_tree_next(struct sr_mls_secret_tree *t, uint32_t leaf,
                               enum sr_mls_ratchet_type type, struct sr_mls_ratchet_key *out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    sr_mls_ratchet_key_cleanup(out);
    SR_CHECK(args_ok(t, leaf, type), SR_ERR_ARG);
    struct sr_mls_ratchet *r = NULL;
    SR_TRY(sr_mls_secret_tree_ratchet(t, leaf, type, &r));
    SR_CHECK(r->next <= UINT32_MAX, SR_ERR_EXHAUSTED);
    sr_err err = advance(t, r, (uint32_t)r->next, out);
    if (err != SR_OK) {
        sr_mls_ratchet_key_cleanup(out);
    }
    return err;
}

static sr_err restore_key(const struct sr_mls_secret_tree *t, struct sr_mls_ratchet *r,
                          const struct sr_mls_ratchet_key *key)
{
    size_t pos = skipped_search(r, key->generation);
    SR_CHECK(pos >= r->n_skipped || r->skipped[pos].generation != key->generation, SR_ERR_EXISTS);
    if (r->n_skipped >= t->limits.max_skipped && pos == 0) {
        return SR_OK; /* older than the whole full window: dropped like any other */
    }
    SR_TRY(sr_mls_secret_tree_grow((void **)&r->skipped, &r->cap_skipped, sizeof(*r->skipped),
                                   r->n_skipped, r->n_skipped + 1));
    memmove(&r->skipped[pos + 1], &r->skipped[pos], (r->n_skipped - pos) * sizeof(*r->skipped));
    r->skipped[pos].generation = key->generation;
    memcpy(r->skipped[pos].key, key->key.p, key->key.len);
    memcpy(r->skipped[pos].nonce, key->nonce.p, key->nonce.len);
    r->n_skipped++;
    if (r->n_skipped > t->limits.max_skipped) {
        skipped_drop(r, 0, r->n_skipped - t->limits.max_skipped);
    }
    return SR_OK;
}

sr_err sr_mls_secret_tree_restore(struct sr_mls_secret_tree *t, uint32_t leaf,
                                  enum sr_mls_ratchet_type type, struct sr_mls_ratchet_key *key)
{
    sr_err err = SR_ERR_ARG;
    bool found = false;
    if (key == NULL || !args_ok(t, leaf, type) || key->key.len != t->suite->aead->key_len ||
        key->nonce.len != t->suite->aead->nonce_len) {
        goto out;
    }
    size_t pos = leaf_search(t, leaf, &found);
    if (found && key->generation < t->leaves[pos].r[type].next) {
        err = restore_key(t, &t->leaves[pos].r[type], key);
    }
out:
    if (key != NULL) {
        sr_mls_ratchet_key_cleanup(key);
    }
    return err;
}

void sr_mls_secret_tree_stats(const struct sr_mls_secret_tree *t,
                              struct sr_mls_secret_tree_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (t == NULL) {
        return;
    }
    out->node_secrets = t->n_nodes;
    out->leaves_started = t->n_started;
    for (size_t i = 0; i < t->n_started; i++) {
        out->skipped_keys += t->leaves[i].r[0].n_skipped + t->leaves[i].r[1].n_skipped;
    }
}
