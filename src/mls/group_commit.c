/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating a commit as a member (RFC 9420 §12.4.1):
 *
 *   proposals: cached ones by reference + Adds, Removes, PSKs by value
 *   stage: copy tree, apply the list (§12.2, §12.3, same code as receiving)
 *   UpdatePath when required or asked (§7.5) -> commit_secret, path secrets
 *   sign FramedContent (old GroupContext) -> confirmed transcript hash -> new GroupContext
 *   key schedule -> confirmation_tag -> PublicMessage or PrivateMessage (old epoch keys)
 *   Welcome for the new members (GroupInfo of the new epoch, path secrets, §12.4.3.1)
 *
 * The new epoch stays staged in g->staged until sr_mls_group_commit_merge (the delivery
 * service accepted the commit) or sr_mls_group_commit_discard.
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/rand.h"
#include "mls/group.h"
#include "mls/transcript.h"
#include "mls/wire_extension.h"
#include "mls/wire_message.h"

struct build {
    struct sr_mls_proposal_or_ref *pors;
    struct sr_mls_group_prop *props;
    struct sr_mls_message *kps; /* decoded Add KeyPackages */
    uint8_t *nonces;            /* PSK nonces, Nh bytes each */
    size_t n;
    struct sr_mls_group_epoch ne;
    struct sr_mls_group_applied ap;
    struct sr_mls_treekem_result res;
    struct sr_buf update_path;
    struct sr_mls_commit commit;
    struct sr_buf sig;
    struct sr_mls_extensions gce; /* the GroupContextExtensions proposal's list */
    struct sr_buf reinit;         /* the body of a ReInit committed */
};

static void build_cleanup(struct build *b, const struct sr_mls_commit_params *p)
{
    for (size_t i = 0; b->kps != NULL && i < p->add_count; i++) {
        sr_mls_message_cleanup(&b->kps[i]);
    }
    sr_free(b->kps);
    sr_free(b->pors);
    sr_free(b->props);
    sr_free(b->nonces);
    sr_mls_group_epoch_cleanup(&b->ne);
    sr_mls_group_applied_cleanup(&b->ap);
    sr_mls_treekem_result_cleanup(&b->res);
    sr_mls_update_path_cleanup(&b->commit.path);
    sr_buf_cleanup(&b->update_path);
    sr_buf_cleanup(&b->sig);
    sr_mls_extensions_cleanup(&b->gce);
    sr_buf_cleanup(&b->reinit);
}

static void add_value(struct build *b, const struct sr_mls_group *g, size_t i)
{
    b->pors[i].type = SR_MLS_PROPOSAL_OR_REF_PROPOSAL;
    b->props[i].p = &b->pors[i].proposal;
    b->props[i].sender.type = SR_MLS_SENDER_MEMBER;
    b->props[i].sender.index = g->ep.own_leaf;
}

/* Cached proposals by reference, skipping those that would make the list invalid for us. */
static size_t fill_refs(struct build *b, const struct sr_mls_group *g)
{
    size_t n = 0, nh = g->suite->hash->len;
    for (size_t k = 0; k < g->ep.n_pending; k++) {
        const struct sr_mls_group_pending *pp = &g->ep.pending[k];
        const struct sr_mls_proposal *prop = &pp->ac.content.proposal;
        if (prop->type == SR_MLS_PROPOSAL_REMOVE && prop->u.remove == g->ep.own_leaf) {
            continue; /* §12.2: we cannot remove ourselves as committer */
        }
        if (prop->type == SR_MLS_PROPOSAL_UPDATE && pp->ac.content.sender.index == g->ep.own_leaf) {
            continue; /* §12.2: nor include our own Update (our path replaces it) */
        }
        b->pors[n].type = SR_MLS_PROPOSAL_OR_REF_REFERENCE;
        b->pors[n].reference = sr_slice_of(pp->ref, nh);
        b->props[n].p = prop;
        b->props[n].sender = pp->ac.content.sender;
        n++;
    }
    return n;
}

static sr_err fill(struct build *b, const struct sr_mls_group *g,
                   const struct sr_mls_commit_params *p)
{
    size_t nh = g->suite->hash->len, n = p->by_reference ? fill_refs(b, g) : 0;
    for (size_t i = 0; i < p->add_count; i++, n++) {
        SR_CHECK(p->add[i].len > 0, SR_ERR_DECODE);
        SR_TRY(sr_mls_message_decode(p->add[i], &b->kps[i]));
        SR_CHECK(b->kps[i].wire_format == SR_MLS_WIRE_KEY_PACKAGE, SR_ERR_INVALID);
        add_value(b, g, n);
        b->pors[n].proposal.type = SR_MLS_PROPOSAL_ADD;
        b->pors[n].proposal.u.add = b->kps[i].u.key_package;
    }
    for (size_t i = 0; i < p->remove_count; i++, n++) {
        add_value(b, g, n);
        b->pors[n].proposal.type = SR_MLS_PROPOSAL_REMOVE;
        b->pors[n].proposal.u.remove = p->remove[i];
    }
    for (size_t i = 0; i < p->psk_count + p->resumption_count; i++, n++) {
        add_value(b, g, n);
        b->pors[n].proposal.type = SR_MLS_PROPOSAL_PSK;
        struct sr_mls_psk_id *id = &b->pors[n].proposal.u.psk;
        if (i < p->psk_count) {
            id->type = SR_MLS_PSK_EXTERNAL;
            id->psk_id = p->psk_ids[i];
        } else {
            id->type = SR_MLS_PSK_RESUMPTION;
            id->usage = SR_MLS_RESUMPTION_APPLICATION;
            id->psk_group_id = sr_buf_slice(&g->group_id);
            id->psk_epoch = p->resumption_epochs[i - p->psk_count];
        }
        /* §8.4: a fresh random psk_nonce of KDF.Nh bytes. */
        SR_TRY(sr_rand_bytes(b->nonces + i * nh, nh));
        id->psk_nonce = sr_slice_of(b->nonces + i * nh, nh);
    }
    if (g->reinit_link != NULL) {
        /* §11.2: the first commit of a ReInit's follow-on group carries the old group's
         * resumption PSK (usage reinit, its epoch after the ReInit commit). */
        size_t i = p->psk_count + p->resumption_count;
        add_value(b, g, n);
        b->pors[n].proposal.type = SR_MLS_PROPOSAL_PSK;
        struct sr_mls_psk_id *id = &b->pors[n].proposal.u.psk;
        id->type = SR_MLS_PSK_RESUMPTION;
        id->usage = SR_MLS_RESUMPTION_REINIT;
        id->psk_group_id = sr_buf_slice(&g->reinit_link->old->group_id);
        id->psk_epoch = g->reinit_link->old->ep.epoch;
        SR_TRY(sr_rand_bytes(b->nonces + i * nh, nh));
        id->psk_nonce = sr_slice_of(b->nonces + i * nh, nh);
        n++;
    }
    if (p->set_extensions) {
        add_value(b, g, n);
        b->pors[n].proposal.type = SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS;
        if (p->extensions.len > 0) {
            SR_TRY(sr_mls_extensions_decode_body(p->extensions, &b->gce));
        }
        b->pors[n].proposal.u.group_context_extensions = b->gce;
        n++;
    }
    b->n = n;
    return SR_OK;
}

static sr_err alloc_build(struct build *b, const struct sr_mls_group *g,
                          const struct sr_mls_commit_params *p)
{
    size_t own = p->add_count + p->remove_count + p->psk_count + p->resumption_count + 2;
    size_t max = g->ep.n_pending + own;
    SR_CHECK(own <= g->limits.max_proposals + 2, SR_ERR_LIMIT); /* + 2: GCE, reinit PSK */
    b->pors = sr_calloc(max + 1, sizeof(*b->pors));
    b->props = sr_calloc(max + 1, sizeof(*b->props));
    b->kps = sr_calloc(p->add_count + 1, sizeof(*b->kps));
    b->nonces = sr_calloc(p->psk_count + p->resumption_count + 1, g->suite->hash->len);
    SR_CHECK(b->pors != NULL && b->props != NULL && b->kps != NULL && b->nonces != NULL,
             SR_ERR_NOMEM);
    sr_mls_tree_init(&b->ne.tree, g->suite);
    return SR_OK;
}

/* §7.5: a fresh UpdatePath from our leaf, merged into the staged tree. */
static sr_err make_path(struct build *b, struct sr_mls_group *g)
{
    struct sr_mls_leaf_node tmpl = { 0 };
    struct sr_reader r;
    struct sr_mls_group_context pgc = {
        .version = SR_MLS_VERSION_10,
        .cipher_suite = g->suite->id,
        .group_id = sr_buf_slice(&g->group_id),
        .epoch = b->ne.epoch,
        .tree_hash = sr_slice_of(g->ep.tree_hash, g->suite->hash->len),
        .confirmed_transcript_hash = sr_slice_of(g->ep.confirmed, g->ep.confirmed_len),
        .extensions = sr_buf_slice(&b->ne.gc_ext),
    };
    struct sr_mls_treekem_ctx tc = {
        .gc = &pgc,
        .excluded = b->ap.added,
        .n_excluded = b->ap.n_added,
    };
    sr_mls_treekem_priv_prune(&b->ne.priv, &b->ne.tree);
    SR_TRY(sr_mls_leaf_node_dup(sr_mls_tree_get0_leaf(&g->ep.tree, g->ep.own_leaf), &tmpl));
    sr_err err =
            sr_mls_treekem_create(&b->ne.tree, &b->ne.priv, &tmpl, sr_secret_slice(&g->sig_priv),
                                  &tc, &b->update_path, &b->res);
    sr_mls_leaf_node_cleanup(&tmpl);
    SR_TRY(err);
    sr_reader_init(&r, sr_buf_slice(&b->update_path));
    SR_TRY(sr_mls_update_path_read(&r, &b->commit.path));
    b->commit.has_path = true;
    return SR_OK;
}

/* Sign, transcript, key schedule, confirmation tag and the protected message (§12.4.1). */
static sr_err seal(struct build *b, struct sr_mls_group *g, bool priv, struct sr_buf *out)
{
    size_t nh = g->suite->hash->len;
    struct sr_mls_authenticated_content ac = { 0 };
    ac.wire_format = priv ? SR_MLS_WIRE_PRIVATE_MESSAGE : SR_MLS_WIRE_PUBLIC_MESSAGE;
    ac.content.group_id = sr_buf_slice(&g->group_id);
    ac.content.epoch = g->ep.epoch;
    ac.content.sender.type = SR_MLS_SENDER_MEMBER;
    ac.content.sender.index = g->ep.own_leaf;
    ac.content.content_type = SR_MLS_CONTENT_COMMIT;
    b->commit.proposals = b->pors;
    b->commit.proposal_count = b->n;
    ac.content.commit = b->commit;
    SR_TRY(sr_mls_content_sign(g->ep.pctx, ac.wire_format, &ac.content, &b->sig));
    ac.auth.signature = sr_buf_slice(&b->sig);
    SR_TRY(sr_mls_transcript_confirmed(g->suite, sr_slice_of(g->ep.interim, nh), &ac,
                                       b->ne.confirmed));
    b->ne.confirmed_len = nh;
    SR_TRY(sr_mls_group_epoch_encode_gc(g, &b->ne));
    SR_TRY(sr_mls_key_schedule_advance(
            g->suite, sr_secret_slice(&g->ep.secrets.init), sr_secret_slice(&b->res.commit_secret),
            sr_secret_slice(&b->ap.psk_secret), sr_buf_slice(&b->ne.gc_bytes), &b->ne.secrets));
    SR_TRY(sr_mls_confirmation_tag_compute(
            g->suite, sr_secret_slice(&b->ne.secrets.confirmation_key),
            sr_slice_of(b->ne.confirmed, nh), b->ne.confirmation_tag));
    ac.auth.confirmation_tag = sr_slice_of(b->ne.confirmation_tag, nh);
    if (priv) {
        return sr_mls_private_message_protect(g->ep.pctx, &ac.content, &ac.auth, out);
    }
    return sr_mls_public_message_protect(g->ep.pctx, &ac.content, &ac.auth, out);
}

static sr_err stage_commit(struct build *b, struct sr_mls_group *g,
                           const struct sr_mls_commit_params *p, struct sr_buf *commit,
                           struct sr_buf *welcome)
{
    struct sr_mls_sender me = { SR_MLS_SENDER_MEMBER, g->ep.own_leaf };
    SR_TRY(alloc_build(b, g, p));
    SR_TRY(fill(b, g, p));
    b->ne.epoch = g->ep.epoch + 1;
    b->ne.own_leaf = g->ep.own_leaf;
    b->ne.priv = g->ep.priv;
    SR_TRY(sr_mls_tree_copy(&b->ne.tree, &g->ep.tree));
    SR_TRY(sr_buf_set(&b->ne.gc_ext, g->ep.gc_ext.p, g->ep.gc_ext.len));
    SR_TRY(sr_mls_group_apply(g, &b->ne, b->props, b->n, &me, false, &b->ap));
    if (b->ap.path_required || b->n == 0 || p->path) {
        SR_TRY(make_path(b, g));
    } else {
        sr_mls_treekem_priv_prune(&b->ne.priv, &b->ne.tree);
    }
    if (b->ap.reinit) {
        SR_TRY(sr_mls_group_reinit_keep(&b->reinit, b->props, b->n));
    }
    SR_TRY(seal(b, g, p->private_message, commit));
    SR_TRY(sr_mls_group_epoch_finish(g, &b->ne));
    if (b->ap.n_added > 0 && welcome != NULL) {
        SR_TRY(sr_mls_group_welcome_make(g, &b->ne, b->props, b->n, &b->ap, &b->res,
                                         p->ratchet_tree, welcome));
    }
    return SR_OK;
}

sr_err sr_mls_group_commit(struct sr_mls_group *g, const struct sr_mls_commit_params *p,
                           struct sr_buf *commit, struct sr_buf *welcome)
{
    SR_CHECK(g != NULL && p != NULL && commit != NULL, SR_ERR_ARG);
    SR_CHECK(!g->removed && !g->reinit && !(p->private_message && g->restored), SR_ERR_STATE);
    struct build b = { 0 };
    size_t commit_len = commit->len, welcome_len = welcome != NULL ? welcome->len : 0;
    struct sr_mls_group_epoch *staged = NULL;
    struct sr_buf msg = { 0 };
    sr_err err = stage_commit(&b, g, p, commit, welcome);
    if (err == SR_OK) {
        staged = sr_calloc(1, sizeof(*staged));
        err = staged != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    if (err == SR_OK) {
        /* Kept to recognise our own commit when the delivery service sends it back. */
        err = sr_buf_set(&msg, commit->p + commit_len, commit->len - commit_len);
    }
    if (err == SR_OK) {
        sr_mls_group_commit_discard(g); /* a previous staged commit is replaced */
        g->staged = staged;
        g->own_commit_msg = msg;
        *g->staged = b.ne;
        memset(&b.ne, 0, sizeof(b.ne));
        g->staged_reinit = b.ap.reinit;
        g->staged_reinit_proposal = b.reinit;
        sr_buf_init(&b.reinit, 0, 0); /* moved to the group */
    } else {
        sr_free(staged);
        commit->len = commit_len;
        if (welcome != NULL) {
            welcome->len = welcome_len;
        }
    }
    build_cleanup(&b, p);
    return err;
}

sr_err sr_mls_group_commit_merge(struct sr_mls_group *g)
{
    SR_CHECK(g != NULL && g->staged != NULL, SR_ERR_STATE);
    sr_mls_group_epoch_install(g, g->staged);
    sr_free(g->staged);
    g->staged = NULL;
    sr_buf_cleanup(&g->own_commit_msg);
    g->reinit = g->staged_reinit;
    sr_buf_cleanup(&g->reinit_proposal);
    g->reinit_proposal = g->staged_reinit_proposal;
    sr_buf_init(&g->staged_reinit_proposal, 0, 0); /* moved, not freed */
    return SR_OK;
}

void sr_mls_group_commit_discard(struct sr_mls_group *g)
{
    if (g != NULL && g->staged != NULL) {
        sr_mls_group_epoch_cleanup(g->staged);
        sr_free(g->staged);
        g->staged = NULL;
        sr_buf_cleanup(&g->own_commit_msg);
        sr_buf_cleanup(&g->staged_reinit_proposal);
    }
}
