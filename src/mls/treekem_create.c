/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The committer's side of TreeKEM (RFC 9420 §7.4, §7.5): fresh path secrets and node keys,
 * merge into the tree, parent hashes (§7.9), the new commit-source leaf signed over
 * LeafNodeTBS, then each path secret encrypted to the copath resolutions (§7.6) under the
 * provisional GroupContext, whose tree hash already includes the new path and leaf.
 */
#include <string.h>

#include "crypto/labels.h"
#include "crypto/rand.h"
#include "hpke/labels.h"
#include "mls/treekem_int.h"

/* Everything the committer derives; wiped at the end of sr_mls_treekem_create. */
struct fresh {
    struct sr_secret leaf_sk;
    uint8_t leaf_pk[SR_KEM_PK_MAX];
    struct sr_secret ps[SR_MLS_TREE_PATH_MAX];
    struct sr_secret sk[SR_MLS_TREE_PATH_MAX];
    uint8_t pk[SR_MLS_TREE_PATH_MAX][SR_KEM_PK_MAX];
    struct sr_slice keys[SR_MLS_TREE_PATH_MAX];
    struct sr_secret commit;
};

/* §7.4: leaf_secret at random; ps[0] = DeriveSecret(leaf_secret, "path"), and so on. */
static sr_err derive_fresh(const struct sr_suite *suite, size_t len, struct fresh *f)
{
    size_t nh = suite->hash->len;
    struct sr_secret ps = { .len = nh };
    SR_TRY(sr_rand_bytes(ps.p, nh));
    sr_err err = sr_mls_treekem_derive_node(suite, sr_secret_slice(&ps), &f->leaf_sk, f->leaf_pk);
    for (size_t i = 0; i < len && err == SR_OK; i++) {
        err = sr_mls_treekem_next_secret(suite, &ps);
        if (err == SR_OK) {
            f->ps[i] = ps;
            f->keys[i] = sr_slice_of(f->pk[i], suite->kem->pk_len);
            err = sr_mls_treekem_derive_node(suite, sr_secret_slice(&ps), &f->sk[i], f->pk[i]);
        }
    }
    /* commit_secret = DeriveSecret(last path secret, "path") */
    if (err == SR_OK) {
        err = sr_mls_treekem_next_secret(suite, &ps);
    }
    f->commit = ps;
    sr_secret_cleanup(&ps);
    return err;
}

/* §7.5 step 4: the template with the new key, source commit, parent hash and signature. */
static sr_err sign_leaf(const struct sr_mls_tree *t, const struct sr_mls_leaf_node *tmpl,
                        const struct fresh *f, struct sr_slice ph, struct sr_slice sig_priv,
                        const struct sr_mls_treekem_ctx *ctx, uint32_t leaf,
                        struct sr_mls_leaf_node *nl, struct sr_buf *sig)
{
    struct sr_buf tbs;
    *nl = *tmpl;
    memset(&nl->owned, 0, sizeof(nl->owned));
    memset(&nl->lifetime, 0, sizeof(nl->lifetime));
    nl->encryption_key = sr_slice_of(f->leaf_pk, t->suite->kem->pk_len);
    nl->source = SR_MLS_LEAF_SOURCE_COMMIT;
    nl->parent_hash = ph;
    nl->signature = sr_slice_of(NULL, 0);
    sr_buf_init(&tbs, 0, 0);
    sr_err err = sr_mls_leaf_node_tbs_encode(nl, ctx->gc->group_id, leaf, &tbs);
    if (err == SR_OK) {
        err = sr_mls_sign_with_label(t->suite, sig_priv, "LeafNodeTBS", sr_buf_slice(&tbs), sig);
    }
    nl->signature = sr_buf_slice(sig);
    sr_buf_cleanup(&tbs);
    return err;
}

/* One UpdatePathNode: the key and the path secret encrypted to each resolution node. */
static sr_err write_node(const struct sr_mls_tree *t, const struct sr_mls_treekem_ctx *ctx,
                         uint32_t copath, struct sr_slice key, const struct sr_secret *ps,
                         struct sr_slice gc, struct sr_buf *w)
{
    struct sr_mls_node_list res = { 0 };
    struct sr_buf kem, ct;
    struct sr_vec_mark m;
    sr_buf_init(&kem, 0, 0);
    sr_buf_init(&ct, 0, 0);
    sr_err err = sr_write_slice_v(w, key);
    if (err == SR_OK) {
        err = sr_mls_treekem_copath_resolution(t, ctx, copath, &res);
    }
    if (err == SR_OK) {
        err = sr_write_vector_begin(w, &m);
    }
    for (size_t k = 0; k < res.len && err == SR_OK; k++) {
        sr_buf_reset(&kem);
        sr_buf_reset(&ct);
        err = sr_mls_encrypt_with_label(t->suite, sr_mls_tree_node_key(t, res.v[k]),
                                        "UpdatePathNode", gc, sr_secret_slice(ps), &kem, &ct);
        if (err == SR_OK) {
            err = sr_write_opaque_v(w, kem.p, kem.len);
        }
        if (err == SR_OK) {
            err = sr_write_opaque_v(w, ct.p, ct.len);
        }
    }
    if (err == SR_OK) {
        err = sr_write_vector_end(w, &m);
    }
    sr_mls_node_list_cleanup(&res);
    sr_buf_cleanup(&kem);
    sr_buf_cleanup(&ct);
    return err;
}

static sr_err write_path(struct sr_mls_tree *t, const struct sr_mls_treekem_ctx *ctx,
                         const struct sr_mls_treekem_shape *shape, const struct fresh *f,
                         const struct sr_mls_leaf_node *nl, struct sr_buf *w)
{
    struct sr_buf gc;
    struct sr_vec_mark m;
    sr_buf_init(&gc, 0, 0);
    sr_err err = sr_mls_treekem_gc_encode(t, ctx, &gc);
    if (err == SR_OK) {
        err = sr_mls_leaf_node_encode(nl, w);
    }
    if (err == SR_OK) {
        err = sr_write_vector_begin(w, &m);
    }
    for (size_t i = 0; i < shape->len && err == SR_OK; i++) {
        err = write_node(t, ctx, shape->copath[i], f->keys[i], &f->ps[i], sr_buf_slice(&gc), w);
    }
    if (err == SR_OK) {
        err = sr_write_vector_end(w, &m);
    }
    sr_buf_cleanup(&gc);
    return err;
}

static void fill_result(const struct sr_mls_treekem_shape *shape, const struct fresh *f,
                        struct sr_mls_treekem_result *out)
{
    sr_mls_treekem_result_cleanup(out);
    out->commit_secret = f->commit;
    out->len = shape->len;
    for (size_t i = 0; i < shape->len; i++) {
        out->nodes[i] = shape->path[i];
        out->path_secrets[i] = f->ps[i];
    }
}

sr_err sr_mls_treekem_create(struct sr_mls_tree *t, struct sr_mls_treekem_priv *priv,
                             const struct sr_mls_leaf_node *leaf_template, struct sr_slice sig_priv,
                             const struct sr_mls_treekem_ctx *ctx, struct sr_buf *update_path,
                             struct sr_mls_treekem_result *out)
{
    struct fresh f;
    struct sr_mls_treekem_shape shape;
    struct sr_mls_treekem_undo undo = { 0 };
    struct sr_mls_leaf_node nl;
    struct sr_buf sig;
    uint8_t ph[SR_HASH_MAX];
    size_t start = update_path->len;
    bool staged = false;
    sr_wipe(&f, sizeof(f));
    sr_buf_init(&sig, 0, 0);
    sr_err err = sr_mls_tree_filtered_path(t, priv->leaf, shape.path, shape.copath, &shape.len);
    if (err == SR_OK && sr_mls_tree_get0_leaf(t, priv->leaf) == NULL) {
        err = SR_ERR_STATE;
    }
    if (err == SR_OK) {
        err = derive_fresh(t->suite, shape.len, &f);
    }
    if (err == SR_OK) {
        err = sr_mls_treekem_stage(t, priv->leaf, leaf_template, f.keys, &shape, &undo, ph);
        staged = err == SR_OK;
    }
    if (err == SR_OK) {
        struct sr_slice phs = sr_slice_of(ph, shape.len > 0 ? t->suite->hash->len : 0);
        err = sign_leaf(t, leaf_template, &f, phs, sig_priv, ctx, priv->leaf, &nl, &sig);
    }
    if (err == SR_OK) {
        err = sr_mls_tree_set_leaf(t, priv->leaf, &nl);
    }
    if (err == SR_OK) {
        err = write_path(t, ctx, &shape, &f, &nl, update_path);
    }
    if (err == SR_OK) {
        sr_mls_treekem_undo_commit(&undo);
        priv->leaf_sk = f.leaf_sk;
        sr_mls_treekem_priv_adopt(priv, t, &shape, 0, f.sk);
        fill_result(&shape, &f, out);
    } else {
        if (staged) {
            sr_mls_treekem_undo_restore(t, &undo);
        }
        update_path->len = start;
    }
    sr_wipe(&f, sizeof(f));
    sr_buf_cleanup(&sig);
    return err;
}
