/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The receiver's side of TreeKEM (RFC 9420 §7.6, §7.9.2): parse-validate-stage-apply for an
 * UpdatePath. Checks that cost nothing come first (shape, key lengths, ciphertext counts),
 * then the leaf signature, then the staged merge and its parent-hash check, then the one
 * HPKE decryption and the key derivations up the path. Any failure restores the tree from
 * the undo log and leaves the private state untouched.
 */
#include <string.h>

#include "crypto/labels.h"
#include "hpke/labels.h"
#include "mls/treekem_int.h"

/* Equality of public values (keys, hashes): no secret is compared here. */
static bool same(struct sr_slice a, struct sr_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Shape checks (§7.6): one UpdatePathNode per filtered-path node, keys of the suite's size. */
static sr_err check_shape(const struct sr_mls_tree *t, uint32_t sender,
                          const struct sr_mls_update_path *path, struct sr_mls_treekem_shape *shape)
{
    const struct sr_suite *suite = t->suite;
    SR_CHECK(sr_mls_tree_get0_leaf(t, sender) != NULL, SR_ERR_INVALID);
    SR_TRY(sr_mls_tree_filtered_path(t, sender, shape->path, shape->copath, &shape->len));
    SR_CHECK(path->node_count == shape->len, SR_ERR_INVALID);
    /* §12.4.2: the UpdatePath's leaf_node "MUST have leaf_node_source commit" */
    SR_CHECK(path->leaf_node.source == SR_MLS_LEAF_SOURCE_COMMIT, SR_ERR_INVALID);
    SR_CHECK(path->leaf_node.encryption_key.len == suite->kem->pk_len, SR_ERR_INVALID);
    /* §7.5: the new leaf "MUST adhere to the same restrictions as LeafNodes used in Update
     * proposals", unique keys included (§7.3); the new parent keys must be fresh as well. */
    struct sr_slice keys[SR_MLS_TREE_PATH_MAX + 1];
    keys[0] = path->leaf_node.encryption_key;
    for (size_t i = 0; i < shape->len; i++) {
        keys[i + 1] = path->nodes[i].encryption_key;
        SR_CHECK(keys[i + 1].len == suite->kem->pk_len, SR_ERR_INVALID);
    }
    SR_TRY(sr_mls_tree_check_new_keys(t, keys, shape->len + 1, path->leaf_node.signature_key,
                                      sender));
    return SR_OK;
}

/* Verify, stage and check the parent hash of the new leaf (§7.9.2 "clients MUST recompute
 * the expected value of parent_hash for the committer's new leaf and verify that it matches"). */
static sr_err stage_checked(struct sr_mls_tree *t, uint32_t sender,
                            const struct sr_mls_update_path *path, struct sr_slice group_id,
                            bool verified, const struct sr_mls_treekem_shape *shape,
                            struct sr_mls_treekem_undo *undo)
{
    struct sr_slice keys[SR_MLS_TREE_PATH_MAX];
    uint8_t ph[SR_HASH_MAX];
    size_t nh = shape->len > 0 ? t->suite->hash->len : 0;
    if (!verified) {
        SR_TRY(sr_mls_tree_verify_leaf(t->suite, &path->leaf_node, group_id, sender));
    }
    for (size_t i = 0; i < shape->len; i++) {
        keys[i] = path->nodes[i].encryption_key;
    }
    SR_TRY(sr_mls_treekem_stage(t, sender, &path->leaf_node, keys, shape, undo, ph));
    struct sr_slice got = path->leaf_node.parent_hash;
    if (!same(got, sr_slice_of(ph, nh))) {
        sr_mls_treekem_undo_restore(t, undo);
        return SR_ERR_INVALID;
    }
    return SR_OK;
}

sr_err sr_mls_treekem_merge(struct sr_mls_tree *t, uint32_t sender,
                            const struct sr_mls_update_path *path, struct sr_slice group_id)
{
    struct sr_mls_treekem_shape shape;
    struct sr_mls_treekem_undo undo = { 0 };
    SR_TRY(check_shape(t, sender, path, &shape));
    SR_TRY(stage_checked(t, sender, path, group_id, false, &shape, &undo));
    sr_mls_treekem_undo_commit(&undo);
    return SR_OK;
}

/*
 * §7.6 "Identify a node in the filtered direct path for which the recipient is in the
 * subtree of the non-updated child" (index *at) and "a node in the resolution of the copath
 * node for which the recipient has a private key" (ciphertext *ct). Every node's ciphertext
 * count is checked against its resolution on the way.
 */
static sr_err locate(const struct sr_mls_tree *t, const struct sr_mls_treekem_priv *priv,
                     const struct sr_mls_update_path *path, const struct sr_mls_treekem_ctx *ctx,
                     const struct sr_mls_treekem_shape *shape, size_t *at, size_t *ct,
                     uint32_t *key_node)
{
    struct sr_mls_node_list res = { 0 };
    uint32_t me = sr_mls_tree_leaf_to_node(priv->leaf);
    bool found = false;
    sr_err err = SR_OK;
    for (size_t i = 0; i < shape->len && err == SR_OK; i++) {
        err = sr_mls_treekem_copath_resolution(t, ctx, shape->copath[i], &res);
        /* §7.6: "The length of the encrypted_path_secret vector MUST be equal to the length
         * of the resolution of the copath node (excluding new leaf nodes)" */
        if (err == SR_OK && res.len != path->nodes[i].encrypted_path_secret_count) {
            err = SR_ERR_INVALID;
        }
        if (err != SR_OK || found || !sr_mls_tree_in_subtree(shape->copath[i], me)) {
            continue;
        }
        for (size_t k = 0; k < res.len && !found; k++) {
            if (sr_mls_treekem_priv_key(priv, res.v[k]) != NULL) {
                *at = i;
                *ct = k;
                *key_node = res.v[k];
                found = true;
            }
        }
        err = found ? SR_OK : SR_ERR_INVALID;
    }
    sr_mls_node_list_cleanup(&res);
    return err != SR_OK ? err : (found ? SR_OK : SR_ERR_INVALID);
}

/* Decrypt ps[at] and derive the rest of the path, checking each public key (§7.6 steps 3-6). */
static sr_err derive_path(struct sr_mls_tree *t, const struct sr_mls_treekem_priv *priv,
                          const struct sr_mls_update_path *path,
                          const struct sr_mls_treekem_ctx *ctx, size_t at, size_t ct,
                          uint32_t key_node, struct sr_mls_treekem_result *r, struct sr_secret *sks)
{
    const struct sr_suite *suite = t->suite;
    const struct sr_mls_hpke_ciphertext *c = &path->nodes[at].encrypted_path_secret[ct];
    struct sr_buf gc, pt;
    struct sr_secret ps = { 0 };
    uint8_t pk[SR_KEM_PK_MAX];
    sr_buf_init(&gc, 0, 0);
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    sr_err err = sr_mls_treekem_gc_encode(t, ctx, &gc);
    if (err == SR_OK) {
        err = sr_mls_decrypt_with_label(
                suite, sr_secret_slice(sr_mls_treekem_priv_key(priv, key_node)), "UpdatePathNode",
                sr_buf_slice(&gc), c->kem_output, c->ciphertext, &pt);
        err = err == SR_ERR_DECODE ? SR_ERR_INVALID : err;
    }
    if (err == SR_OK) {
        err = pt.len == suite->hash->len ? sr_secret_set(&ps, pt.p, pt.len) : SR_ERR_INVALID;
    }
    for (size_t j = at; j < path->node_count && err == SR_OK; j++) {
        r->path_secrets[j] = ps;
        err = sr_mls_treekem_derive_node(suite, sr_secret_slice(&ps), &sks[j], pk);
        struct sr_slice want = path->nodes[j].encryption_key;
        if (err == SR_OK && memcmp(pk, want.p, want.len) != 0) {
            err = SR_ERR_INVALID; /* §7.6 step 6 */
        }
        if (err == SR_OK) {
            err = sr_mls_treekem_next_secret(suite, &ps);
        }
    }
    r->commit_secret = ps;
    sr_secret_cleanup(&ps);
    sr_buf_cleanup(&gc);
    sr_buf_cleanup(&pt);
    return err;
}

sr_err sr_mls_treekem_process(struct sr_mls_tree *t, struct sr_mls_treekem_priv *priv,
                              uint32_t sender, const struct sr_mls_update_path *path,
                              const struct sr_mls_treekem_ctx *ctx,
                              struct sr_mls_treekem_result *out)
{
    struct sr_mls_treekem_shape shape;
    struct sr_mls_treekem_undo undo = { 0 };
    struct sr_mls_treekem_result r;
    struct sr_secret sks[SR_MLS_TREE_PATH_MAX];
    size_t at = 0, ct = 0;
    uint32_t key_node = 0;
    SR_CHECK(sender != priv->leaf, SR_ERR_ARG);
    SR_TRY(check_shape(t, sender, path, &shape));
    SR_TRY(locate(t, priv, path, ctx, &shape, &at, &ct, &key_node));
    SR_TRY(stage_checked(t, sender, path, ctx->gc->group_id, ctx->leaf_verified, &shape, &undo));
    sr_wipe(&r, sizeof(r));
    sr_wipe(sks, sizeof(sks));
    r.len = shape.len;
    memcpy(r.nodes, shape.path, shape.len * sizeof(uint32_t));
    sr_err err = derive_path(t, priv, path, ctx, at, ct, key_node, &r, sks);
    if (err == SR_OK) {
        sr_mls_treekem_undo_commit(&undo);
        sr_mls_treekem_priv_adopt(priv, t, &shape, at, sks);
        sr_mls_treekem_result_cleanup(out);
        *out = r;
    } else {
        sr_mls_treekem_undo_restore(t, &undo);
    }
    sr_wipe(&r, sizeof(r));
    sr_wipe(sks, sizeof(sks));
    return err;
}
