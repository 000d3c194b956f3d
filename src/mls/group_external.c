/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Joining by external commit (RFC 9420 §12.4.3.2), also how a member who lost its state
 * rejoins (resync: the commit removes its old leaf):
 *
 *   GroupInfo (signature by its signer's leaf, tree hash, external_pub)
 *   kem_output, init_secret = ExternalInit(external_pub)              (§8.3)
 *   proposals = [ExternalInit] (+ Remove old leaf)  by value
 *   our leaf at the leftmost blank slot, fresh UpdatePath              (§7.5)
 *   sign as new_member_commit over the GroupInfo's GroupContext
 *   confirmed transcript hash from the GroupInfo's interim, key schedule, confirmation tag
 *
 * The joiner's group is at the new epoch as soon as the commit is built.
 */
#include <string.h>

#include "mls/group.h"
#include "mls/group_info.h"
#include "mls/transcript.h"
#include "mls/wire_message.h"

struct ext {
    struct sr_mls_message gi_msg;
    struct sr_mls_key_package kp;
    struct sr_mls_tree tree;
    struct sr_mls_group_epoch ne;
    struct sr_mls_group_applied ap;
    struct sr_mls_treekem_result res;
    struct sr_mls_proposal_or_ref pors[2];
    struct sr_mls_group_prop props[2];
    uint8_t kem_output[SR_KEM_PK_MAX];
    struct sr_buf update_path, sig;
    struct sr_mls_commit commit;
    struct sr_mls_protect_ctx *ctx;
};

static void ext_cleanup(struct ext *e)
{
    sr_mls_message_cleanup(&e->gi_msg);
    sr_mls_key_package_cleanup(&e->kp);
    sr_mls_tree_cleanup(&e->tree);
    sr_mls_group_epoch_cleanup(&e->ne);
    sr_mls_group_applied_cleanup(&e->ap);
    sr_mls_treekem_result_cleanup(&e->res);
    sr_mls_update_path_cleanup(&e->commit.path);
    sr_buf_cleanup(&e->update_path);
    sr_buf_cleanup(&e->sig);
    sr_mls_protect_ctx_free(e->ctx);
}

/* The GroupInfo, its tree and signature (§12.4.3.1 rules apply to external joins too). */
static sr_err check_group_info(struct ext *e, const struct sr_suite *suite,
                               const struct sr_mls_external_join_params *p, uint32_t max_leaves)
{
    SR_CHECK(p->group_info.len > 0, SR_ERR_DECODE);
    SR_TRY(sr_mls_message_decode(p->group_info, &e->gi_msg));
    SR_CHECK(e->gi_msg.wire_format == SR_MLS_WIRE_GROUP_INFO, SR_ERR_INVALID);
    const struct sr_mls_group_info *gi = &e->gi_msg.u.group_info;
    SR_TRY(sr_mls_group_info_check(suite, gi));
    struct sr_slice rt = p->ratchet_tree;
    if (rt.len == 0) {
        SR_CHECK(sr_mls_group_info_ratchet_tree(gi, &rt) == SR_OK, SR_ERR_INVALID);
    }
    SR_TRY(sr_mls_tree_import(&e->tree, suite, rt));
    SR_CHECK(e->tree.n_leaves <= max_leaves, SR_ERR_LIMIT);
    const struct sr_mls_leaf_node *signer = sr_mls_tree_get0_leaf(&e->tree, gi->signer);
    SR_CHECK(signer != NULL, SR_ERR_INVALID);
    SR_TRY(sr_mls_group_info_verify(suite, gi, signer->signature_key));
    return sr_mls_tree_validate(&e->tree, gi->group_context.group_id, gi->group_context.tree_hash,
                                p->limits != NULL ? p->limits->verify_threads : 0);
}

/* The epoch of the GroupInfo, as far as a non-member can know it. */
static sr_err old_epoch(struct sr_mls_group *g, struct ext *e)
{
    const struct sr_mls_group_info *gi = &e->gi_msg.u.group_info;
    const struct sr_mls_group_context *gc = &gi->group_context;
    struct sr_mls_group_epoch *ep = &g->ep;
    size_t nh = g->suite->hash->len;
    SR_CHECK(gc->confirmed_transcript_hash.len == nh, SR_ERR_INVALID);
    sr_mls_tree_swap(&ep->tree, &e->tree);
    ep->epoch = gc->epoch;
    ep->own_leaf = UINT32_MAX; /* not a member yet */
    ep->confirmed_len = nh;
    memcpy(ep->confirmed, gc->confirmed_transcript_hash.p, nh);
    memcpy(ep->confirmation_tag, gi->confirmation_tag.p, nh);
    SR_TRY(sr_buf_set(&ep->gc_ext, gc->extensions.p, gc->extensions.len));
    SR_TRY(sr_mls_group_epoch_encode_gc(g, ep));
    SR_TRY(sr_mls_transcript_interim(g->suite, sr_slice_of(ep->confirmed, nh),
                                     sr_slice_of(ep->confirmation_tag, nh), ep->interim));
    struct sr_mls_protect_params pp = {
        .suite = g->suite,
        .group_context = sr_buf_slice(&ep->gc_bytes),
        .signature_priv = sr_secret_slice(&g->sig_priv),
    };
    return sr_mls_protect_ctx_new(&pp, &e->ctx);
}

/* Proposals, our leaf and the UpdatePath on the staged epoch. */
static sr_err stage(struct sr_mls_group *g, struct ext *e,
                    const struct sr_mls_key_package_priv *kpp,
                    const struct sr_mls_external_join_params *p)
{
    size_t n = 1;
    struct sr_mls_sender me = { SR_MLS_SENDER_NEW_MEMBER_COMMIT, 0 };
    e->pors[0].type = SR_MLS_PROPOSAL_OR_REF_PROPOSAL;
    e->pors[0].proposal.type = SR_MLS_PROPOSAL_EXTERNAL_INIT;
    e->pors[0].proposal.u.external_init = sr_slice_of(e->kem_output, g->suite->kem->enc_len);
    if (p->resync) {
        e->pors[1].type = SR_MLS_PROPOSAL_OR_REF_PROPOSAL;
        e->pors[1].proposal.type = SR_MLS_PROPOSAL_REMOVE;
        e->pors[1].proposal.u.remove = p->old_leaf;
        n = 2;
    }
    for (size_t i = 0; i < n; i++) {
        e->props[i].p = &e->pors[i].proposal;
        e->props[i].sender = me;
    }
    e->ne.epoch = g->ep.epoch + 1;
    e->ne.own_leaf = UINT32_MAX;
    SR_TRY(sr_mls_tree_copy(&e->ne.tree, &g->ep.tree));
    SR_TRY(sr_buf_set(&e->ne.gc_ext, g->ep.gc_ext.p, g->ep.gc_ext.len));
    SR_TRY(sr_mls_group_apply(g, &e->ne, e->props, n, &me, true, &e->ap));
    SR_TRY(sr_mls_tree_add_leaf(&e->ne.tree, &e->kp.leaf_node, &e->ne.own_leaf));
    SR_CHECK(e->ne.tree.n_leaves <= g->limits.max_leaves, SR_ERR_LIMIT);
    SR_TRY(sr_mls_treekem_priv_init(&e->ne.priv, e->ne.own_leaf,
                                    sr_secret_slice(&kpp->encryption_priv)));
    struct sr_mls_group_context pgc = {
        .version = SR_MLS_VERSION_10,
        .cipher_suite = g->suite->id,
        .group_id = sr_buf_slice(&g->group_id),
        .epoch = e->ne.epoch,
        .tree_hash = sr_slice_of(g->ep.tree_hash, g->suite->hash->len),
        .confirmed_transcript_hash = sr_slice_of(g->ep.confirmed, g->ep.confirmed_len),
        .extensions = sr_buf_slice(&e->ne.gc_ext),
    };
    struct sr_mls_treekem_ctx tc = { .gc = &pgc };
    SR_TRY(sr_mls_treekem_create(&e->ne.tree, &e->ne.priv, &e->kp.leaf_node,
                                 sr_secret_slice(&g->sig_priv), &tc, &e->update_path, &e->res));
    struct sr_reader r;
    sr_reader_init(&r, sr_buf_slice(&e->update_path));
    SR_TRY(sr_mls_update_path_read(&r, &e->commit.path));
    e->commit.has_path = true;
    e->commit.proposals = e->pors;
    e->commit.proposal_count = n;
    return SR_OK;
}

static sr_err seal(struct sr_mls_group *g, struct ext *e, const struct sr_secret *init,
                   struct sr_buf *out)
{
    size_t nh = g->suite->hash->len;
    struct sr_mls_authenticated_content ac = { .wire_format = SR_MLS_WIRE_PUBLIC_MESSAGE };
    ac.content.group_id = sr_buf_slice(&g->group_id);
    ac.content.epoch = g->ep.epoch;
    ac.content.sender.type = SR_MLS_SENDER_NEW_MEMBER_COMMIT;
    ac.content.content_type = SR_MLS_CONTENT_COMMIT;
    ac.content.commit = e->commit;
    SR_TRY(sr_mls_content_sign(e->ctx, ac.wire_format, &ac.content, &e->sig));
    ac.auth.signature = sr_buf_slice(&e->sig);
    SR_TRY(sr_mls_transcript_confirmed(g->suite, sr_slice_of(g->ep.interim, nh), &ac,
                                       e->ne.confirmed));
    e->ne.confirmed_len = nh;
    SR_TRY(sr_mls_group_epoch_encode_gc(g, &e->ne));
    SR_TRY(sr_mls_key_schedule_advance(
            g->suite, sr_secret_slice(init), sr_secret_slice(&e->res.commit_secret),
            sr_secret_slice(&e->ap.psk_secret), sr_buf_slice(&e->ne.gc_bytes), &e->ne.secrets));
    SR_TRY(sr_mls_confirmation_tag_compute(
            g->suite, sr_secret_slice(&e->ne.secrets.confirmation_key),
            sr_slice_of(e->ne.confirmed, nh), e->ne.confirmation_tag));
    ac.auth.confirmation_tag = sr_slice_of(e->ne.confirmation_tag, nh);
    return sr_mls_public_message_protect(e->ctx, &ac.content, &ac.auth, out);
}

static sr_err join_external(struct ext *e, const struct sr_mls_key_package_priv *kpp,
                            const struct sr_mls_external_join_params *p, struct sr_mls_group **out,
                            struct sr_buf *commit)
{
    const struct sr_suite *suite = sr_suite_get(kpp->cipher_suite);
    struct sr_mls_group *g = NULL;
    struct sr_secret init = { 0 };
    uint32_t max_leaves = p->limits != NULL && p->limits->max_leaves != 0
                                  ? p->limits->max_leaves
                                  : SR_MLS_GROUP_DEFAULT_MAX_LEAVES;
    SR_CHECK(suite != NULL, SR_ERR_UNSUPPORTED);
    SR_TRY(sr_mls_key_package_decode(sr_buf_slice(&kpp->key_package), &e->kp));
    SR_TRY(check_group_info(e, suite, p, max_leaves));
    const struct sr_mls_group_info *gi = &e->gi_msg.u.group_info;
    sr_err err = sr_mls_group_alloc(suite, gi->group_context.group_id, p->limits, &g);
    if (err == SR_OK) {
        err = sr_secret_set(&g->sig_priv, kpp->signature_priv.p, kpp->signature_priv.len);
    }
    if (err == SR_OK) {
        g->now = p->now;
        sr_mls_group_set_trust(g, p->trust); /* before the tree's leaves are validated */
        if (p->identity_check != NULL) {
            sr_mls_group_set_identity_check(g, p->identity_check, p->identity_arg);
        }
        err = sr_mls_group_validate_leaves(g, &e->tree, gi);
    }
    if (err == SR_OK) {
        err = old_epoch(g, e);
    }
    if (err == SR_OK) {
        err = sr_mls_group_info_external_init(suite, gi, sr_slice_of(NULL, 0), e->kem_output,
                                              &init);
    }
    if (err == SR_OK) {
        err = stage(g, e, kpp, p);
    }
    if (err == SR_OK) {
        err = seal(g, e, &init, commit);
    }
    if (err == SR_OK) {
        err = sr_mls_group_epoch_finish(g, &e->ne);
    }
    sr_secret_cleanup(&init);
    if (err != SR_OK) {
        sr_mls_group_free(g);
        return err;
    }
    sr_mls_group_epoch_install(g, &e->ne);
    *out = g;
    return SR_OK;
}

sr_err sr_mls_group_join_external(const struct sr_mls_external_join_params *p,
                                  struct sr_mls_group **out, struct sr_buf *commit)
{
    SR_CHECK(p != NULL && out != NULL && commit != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_mls_key_package_priv *kpp = NULL;
    struct ext e = { 0 };
    size_t len = commit->len;
    SR_CHECK(p->key_package_priv.len > 0, SR_ERR_DECODE);
    SR_TRY(sr_mls_key_package_priv_decode(p->key_package_priv, &kpp));
    sr_err err = join_external(&e, kpp, p, out, commit);
    if (err != SR_OK) {
        commit->len = len;
    }
    ext_cleanup(&e);
    sr_mls_key_package_priv_free(kpp);
    return err;
}
