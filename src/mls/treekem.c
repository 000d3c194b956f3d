/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TreeKEM private state and the pieces both directions share (RFC 9420 §7.4-7.6): node key
 * derivation, the staged merge of an UpdatePath with its undo log, and the provisional
 * GroupContext under which path secrets are encrypted.
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/labels.h"
#include "hpke/hpke.h"
#include "mls/treekem_int.h"

void sr_mls_treekem_result_cleanup(struct sr_mls_treekem_result *r)
{
    sr_wipe(r, sizeof(*r));
}

const struct sr_secret *sr_mls_treekem_result_path_secret(const struct sr_mls_treekem_result *r,
                                                          uint32_t node)
{
    for (size_t i = 0; i < r->len; i++) {
        if (r->nodes[i] == node && r->path_secrets[i].len > 0) {
            return &r->path_secrets[i];
        }
    }
    return NULL;
}

sr_err sr_mls_treekem_priv_init(struct sr_mls_treekem_priv *p, uint32_t leaf,
                                struct sr_slice leaf_sk)
{
    sr_wipe(p, sizeof(*p));
    p->leaf = leaf;
    return sr_secret_set(&p->leaf_sk, leaf_sk.p, leaf_sk.len);
}

void sr_mls_treekem_priv_cleanup(struct sr_mls_treekem_priv *p)
{
    sr_wipe(p, sizeof(*p));
}

const struct sr_secret *sr_mls_treekem_priv_key(const struct sr_mls_treekem_priv *p, uint32_t node)
{
    if (node == sr_mls_tree_leaf_to_node(p->leaf)) {
        return &p->leaf_sk;
    }
    for (size_t i = 0; i < p->path_len; i++) {
        if (p->path[i].node == node) {
            return &p->path[i].sk;
        }
    }
    return NULL;
}

sr_err sr_mls_treekem_derive_node(const struct sr_suite *suite, struct sr_slice ps,
                                  struct sr_secret *sk, uint8_t *pk)
{
    uint8_t node_secret[SR_HASH_MAX];
    size_t nh = suite->hash->len;
    sr_err err = sr_mls_derive_secret(suite, ps, "node", node_secret);
    if (err == SR_OK) {
        err = sr_hpke_derive_key_pair(suite->kem, sr_slice_of(node_secret, nh), sk, pk);
    }
    sr_wipe(node_secret, sizeof(node_secret));
    return err;
}

sr_err sr_mls_treekem_next_secret(const struct sr_suite *suite, struct sr_secret *ps)
{
    uint8_t next[SR_HASH_MAX];
    sr_err err = sr_mls_derive_secret(suite, sr_secret_slice(ps), "path", next);
    if (err == SR_OK) {
        err = sr_secret_set(ps, next, suite->hash->len);
    }
    sr_wipe(next, sizeof(next));
    return err;
}

/* Drop the key of every node that is blank, off the leaf's direct path, or in `skip`'s path. */
static void filter_keys(struct sr_mls_treekem_priv *p, const struct sr_mls_tree *t,
                        uint32_t skip_leaf_node)
{
    uint32_t me = sr_mls_tree_leaf_to_node(p->leaf), w = sr_mls_tree_width(t);
    size_t k = 0;
    for (size_t i = 0; i < p->path_len; i++) {
        uint32_t x = p->path[i].node;
        bool keep = x < w && t->nodes[x].parent != NULL && x != me &&
                    sr_mls_tree_in_subtree(x, me) &&
                    (skip_leaf_node == UINT32_MAX || !sr_mls_tree_in_subtree(x, skip_leaf_node));
        if (keep) {
            p->path[k++] = p->path[i];
        }
    }
    sr_wipe(&p->path[k], (p->path_len - k) * sizeof(p->path[0]));
    p->path_len = k;
}

void sr_mls_treekem_priv_prune(struct sr_mls_treekem_priv *p, const struct sr_mls_tree *t)
{
    filter_keys(p, t, UINT32_MAX);
}

static void put_key(struct sr_mls_treekem_priv *p, uint32_t node, const struct sr_secret *sk)
{
    for (size_t i = 0; i < p->path_len; i++) {
        if (p->path[i].node == node) {
            p->path[i].sk = *sk;
            return;
        }
    }
    if (p->path_len < SR_MLS_TREE_PATH_MAX) {
        p->path[p->path_len].node = node;
        p->path[p->path_len++].sk = *sk;
    }
}

void sr_mls_treekem_priv_adopt(struct sr_mls_treekem_priv *p, const struct sr_mls_tree *t,
                               const struct sr_mls_treekem_shape *shape, size_t from,
                               struct sr_secret *sks)
{
    /* §7.6: "each recipient MUST delete outdated key material": every key on the sender's
     * direct path was replaced or blanked. */
    uint32_t sender_node = shape->len > 0 ? shape->path[0] : UINT32_MAX;
    filter_keys(p, t, sender_node);
    for (size_t i = from; i < shape->len; i++) {
        put_key(p, shape->path[i], &sks[i]);
    }
}

/* The next non-blank ancestor of x: the next node of a committer's filtered path. */
static bool next_nonblank(const struct sr_mls_tree *t, uint32_t *x)
{
    uint32_t y = *x;
    while (sr_mls_tree_parent(y, t->n_leaves, &y) == SR_OK) {
        if (t->nodes[y].parent != NULL) {
            *x = y;
            return true;
        }
    }
    return false;
}

sr_err sr_mls_treekem_priv_set_path_secret(struct sr_mls_treekem_priv *p,
                                           const struct sr_mls_tree *t, uint32_t node,
                                           struct sr_slice path_secret, bool up)
{
    const struct sr_suite *suite = t->suite;
    struct sr_mls_treekem_priv next = *p;
    struct sr_secret ps = { 0 }, sk = { 0 };
    uint8_t pk[SR_KEM_PK_MAX];
    uint32_t x = node;
    sr_err err = SR_ERR_INVALID;
    if (x >= sr_mls_tree_width(t) || t->nodes[x].parent == NULL) {
        goto out;
    }
    if ((err = sr_secret_set(&ps, path_secret.p, path_secret.len)) != SR_OK) {
        goto out;
    }
    for (;;) {
        struct sr_slice want = sr_mls_tree_node_key(t, x);
        if ((err = sr_mls_treekem_derive_node(suite, sr_secret_slice(&ps), &sk, pk)) != SR_OK) {
            goto out;
        }
        if (want.len != suite->kem->pk_len || memcmp(pk, want.p, want.len) != 0) {
            err = SR_ERR_INVALID;
            goto out;
        }
        put_key(&next, x, &sk);
        if (!up || !next_nonblank(t, &x)) {
            break;
        }
        if ((err = sr_mls_treekem_next_secret(suite, &ps)) != SR_OK) {
            goto out;
        }
    }
    *p = next;
out:
    sr_wipe(&next, sizeof(next));
    sr_secret_cleanup(&ps);
    sr_secret_cleanup(&sk);
    return err;
}

/* Detach node x into the undo log. */
static void save_node(struct sr_mls_tree *t, struct sr_mls_treekem_undo *undo, uint32_t x)
{
    undo->idx[undo->n] = x;
    undo->saved[undo->n++] = t->nodes[x];
    t->nodes[x].leaf = NULL;
    t->nodes[x].parent = NULL;
    sr_mls_tree_touch(t, x);
}

void sr_mls_treekem_undo_restore(struct sr_mls_tree *t, struct sr_mls_treekem_undo *undo)
{
    while (undo->n > 0) {
        undo->n--;
        uint32_t x = undo->idx[undo->n];
        sr_mls_tree_blank(t, x);
        t->nodes[x].leaf = undo->saved[undo->n].leaf;
        t->nodes[x].parent = undo->saved[undo->n].parent;
        sr_mls_tree_node_fingerprint(&t->nodes[x]);
    }
}

void sr_mls_treekem_undo_commit(struct sr_mls_treekem_undo *undo)
{
    for (size_t i = 0; i < undo->n; i++) {
        sr_mls_tree_leaf_release(undo->saved[i].leaf);
        sr_mls_tree_parent_free(undo->saved[i].parent);
    }
    undo->n = 0;
}

/* Allocate everything the merge installs, so installing cannot fail. */
static sr_err prealloc(const struct sr_suite *suite, const struct sr_mls_leaf_node *leaf,
                       const struct sr_slice *keys, size_t n, struct sr_mls_leaf_node **ln,
                       struct sr_mls_tree_parent **parents)
{
    sr_err err = sr_mls_tree_leaf_new(leaf, ln);
    for (size_t i = 0; i < n && err == SR_OK; i++) {
        parents[i] = sr_mls_tree_parent_new(keys[i].len, suite->hash->len);
        err = parents[i] == NULL ? SR_ERR_NOMEM : SR_OK;
    }
    if (err != SR_OK) {
        sr_mls_tree_leaf_release(*ln);
        *ln = NULL;
        for (size_t i = 0; i < n; i++) {
            sr_mls_tree_parent_free(parents[i]);
        }
    }
    return err;
}

sr_err sr_mls_treekem_stage(struct sr_mls_tree *t, uint32_t sender,
                            const struct sr_mls_leaf_node *leaf, const struct sr_slice *keys,
                            const struct sr_mls_treekem_shape *shape,
                            struct sr_mls_treekem_undo *undo, uint8_t *leaf_ph)
{
    struct sr_mls_leaf_node *ln = NULL;
    struct sr_mls_tree_parent *parents[SR_MLS_TREE_PATH_MAX] = { 0 };
    uint32_t dp[SR_MLS_TREE_PATH_MAX], x = sr_mls_tree_leaf_to_node(sender);
    size_t dlen = 0;
    SR_TRY(sr_mls_tree_direct_path(x, t->n_leaves, dp, &dlen));
    for (size_t i = 0; i < shape->len; i++) {
        SR_CHECK(keys[i].len <= SR_KEM_PK_MAX, SR_ERR_INVALID);
    }
    SR_TRY(prealloc(t->suite, leaf, keys, shape->len, &ln, parents));
    undo->n = 0;
    /* §7.6 merge step 1: "Blank all nodes on the direct path of the sender's leaf." */
    save_node(t, undo, x);
    for (size_t i = 0; i < dlen; i++) {
        save_node(t, undo, dp[i]);
    }
    t->nodes[x].leaf = ln;
    sr_mls_tree_node_fingerprint(&t->nodes[x]);
    /* step 2: new public keys and empty unmerged lists on the filtered direct path */
    for (size_t i = 0; i < shape->len; i++) {
        memcpy(parents[i]->encryption_key, keys[i].p, keys[i].len);
        t->nodes[shape->path[i]].parent = parents[i];
        sr_mls_tree_node_fingerprint(&t->nodes[shape->path[i]]);
    }
    /* step 3: parent hashes from the root down */
    sr_err err =
            sr_mls_tree_set_path_parent_hashes(t, shape->path, shape->copath, shape->len, leaf_ph);
    if (err != SR_OK) {
        sr_mls_treekem_undo_restore(t, undo);
    }
    return err;
}

sr_err sr_mls_treekem_gc_encode(struct sr_mls_tree *t, const struct sr_mls_treekem_ctx *ctx,
                                struct sr_buf *w)
{
    uint8_t th[SR_HASH_MAX];
    struct sr_mls_group_context gc = *ctx->gc;
    SR_TRY(sr_mls_tree_root_hash(t, th));
    gc.tree_hash = sr_slice_of(th, t->suite->hash->len);
    return sr_mls_group_context_encode(&gc, w);
}

sr_err sr_mls_treekem_copath_resolution(const struct sr_mls_tree *t,
                                        const struct sr_mls_treekem_ctx *ctx, uint32_t x,
                                        struct sr_mls_node_list *out)
{
    out->len = 0;
    SR_TRY(sr_mls_tree_resolution(t, x, out));
    /* §7.6: "The resolution of the corresponding copath node MUST exclude all new leaf nodes
     * added as part of the current Commit." */
    size_t k = 0;
    for (size_t i = 0; i < out->len; i++) {
        bool drop = false;
        for (size_t j = 0; j < ctx->n_excluded && sr_mls_tree_is_leaf(out->v[i]); j++) {
            drop = drop || sr_mls_tree_leaf_to_node(ctx->excluded[j]) == out->v[i];
        }
        if (!drop) {
            out->v[k++] = out->v[i];
        }
    }
    out->len = k;
    return SR_OK;
}
