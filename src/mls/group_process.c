/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Receiving messages in a group (RFC 9420 §6, §12.1, §12.4.2):
 *
 *   MLSMessage -> unprotect (PublicMessage or PrivateMessage, current epoch)
 *     application -> plaintext to the caller
 *     proposal    -> cached by ProposalRef (§5.2) until a commit references it
 *     commit      -> resolve proposals -> stage: copy tree, apply list (§12.2, §12.3)
 *                 -> UpdatePath (§7.6) -> transcript hashes -> key schedule (§8)
 *                 -> confirmation tag -> install the staged epoch (swap)
 *
 * Nothing in the group changes until the final swap; a rejected commit only costs the
 * staged copy.
 */
#include <string.h>

#include "core/alloc.h"
#include "mls/group.h"
#include "mls/leaf_validate.h"
#include "mls/transcript.h"
#include "mls/wire_extension.h"
#include "mls/wire_group_context.h"

/* Public values only (keys of the tree): a plain comparison is fine. */
static bool same_bytes(struct sr_slice a, struct sr_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* §12.1.8: what non-member senders may propose. */
static bool proposal_sender_ok(const struct sr_mls_framed_content *fc)
{
    uint16_t t = fc->proposal.type;
    switch (fc->sender.type) {
    case SR_MLS_SENDER_MEMBER:
        return true;
    case SR_MLS_SENDER_EXTERNAL:
        /* §12.1.8.1: external senders do not send Update or ExternalInit. */
        return t != SR_MLS_PROPOSAL_UPDATE && t != SR_MLS_PROPOSAL_EXTERNAL_INIT;
    case SR_MLS_SENDER_NEW_MEMBER_PROPOSAL:
        return t == SR_MLS_PROPOSAL_ADD;
    default:
        return false;
    }
}

sr_err sr_mls_group_cache_proposal(struct sr_mls_group *g,
                                   const struct sr_mls_authenticated_content *ac)
{
    struct sr_mls_group_epoch *ep = &g->ep;
    uint8_t ref[SR_HASH_MAX];
    struct sr_buf enc = { 0 };
    SR_CHECK(proposal_sender_ok(&ac->content), SR_ERR_INVALID);
    SR_CHECK(ep->n_pending < g->limits.max_proposals, SR_ERR_LIMIT);
    sr_err err = sr_mls_authenticated_content_encode(ac, &enc);
    if (err == SR_OK) {
        err = sr_mls_proposal_ref(g->suite, sr_buf_slice(&enc), ref);
    }
    sr_buf_cleanup(&enc);
    SR_TRY(err);
    size_t nh = g->suite->hash->len;
    for (size_t i = 0; i < ep->n_pending; i++) {
        if (memcmp(ep->pending[i].ref, ref, nh) == 0) {
            return SR_OK; /* the same proposal again */
        }
    }
    struct sr_mls_group_pending *np = sr_calloc(ep->n_pending + 1, sizeof(*np));
    SR_CHECK(np != NULL, SR_ERR_NOMEM);
    err = sr_mls_authenticated_content_dup(ac, &np[ep->n_pending].ac);
    if (err != SR_OK) {
        sr_free(np);
        return err;
    }
    memcpy(np[ep->n_pending].ref, ref, nh);
    if (ep->n_pending > 0) {
        memcpy(np, ep->pending, ep->n_pending * sizeof(*np));
    }
    sr_free(ep->pending);
    ep->pending = np;
    ep->n_pending++;
    return SR_OK;
}

/* §12.4: each ProposalOrRef to a proposal and its sender. */
static sr_err resolve(const struct sr_mls_group *g, const struct sr_mls_commit *c,
                      const struct sr_mls_sender *committer, bool external,
                      struct sr_mls_group_prop *props)
{
    size_t nh = g->suite->hash->len;
    for (size_t i = 0; i < c->proposal_count; i++) {
        const struct sr_mls_proposal_or_ref *por = &c->proposals[i];
        if (por->type == SR_MLS_PROPOSAL_OR_REF_PROPOSAL) {
            props[i].p = &por->proposal;
            props[i].sender = *committer;
            props[i].signatures_verified = false;
            continue;
        }
        /* §12.4.3.2: an external joiner cannot know our proposals: values only. */
        SR_CHECK(!external && por->reference.len == nh, SR_ERR_INVALID);
        props[i].p = NULL;
        for (size_t k = 0; k < g->ep.n_pending; k++) {
            if (memcmp(g->ep.pending[k].ref, por->reference.p, nh) == 0) {
                props[i].p = &g->ep.pending[k].ac.content.proposal;
                props[i].sender = g->ep.pending[k].ac.content.sender;
                props[i].signatures_verified = g->ep.pending[k].signatures_verified;
            }
        }
        SR_CHECK(props[i].p != NULL, SR_ERR_INVALID);
    }
    return SR_OK;
}

/* The staged epoch starts as a copy of the current tree, keys and extensions. */
static sr_err stage(const struct sr_mls_group *g, struct sr_mls_group_epoch *ne)
{
    ne->epoch = g->ep.epoch + 1;
    ne->own_leaf = g->ep.own_leaf;
    ne->priv = g->ep.priv;
    SR_TRY(sr_mls_tree_copy(&ne->tree, &g->ep.tree));
    return sr_buf_set(&ne->gc_ext, g->ep.gc_ext.p, g->ep.gc_ext.len);
}

/* §12.4.2: validate the committer's new leaf and merge the UpdatePath. */
static sr_err process_path(struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                           const struct sr_mls_commit *c, uint32_t committer,
                           const struct sr_mls_group_applied *ap, struct sr_mls_treekem_result *res)
{
    /* An external joiner has no current leaf; its slot may have held someone else's. */
    const struct sr_mls_leaf_node *cur =
            ap->external_init ? NULL : sr_mls_tree_get0_leaf(&g->ep.tree, committer);
    /* "Verify that the encryption_key value in the LeafNode is different" */
    SR_CHECK(cur == NULL || !same_bytes(cur->encryption_key, c->path.leaf_node.encryption_key),
             SR_ERR_INVALID);
    struct sr_mls_leaf_validate_ctx v = {
        .suite = g->suite,
        .expected_source = SR_MLS_LEAF_SOURCE_COMMIT,
        .group_id = sr_buf_slice(&g->group_id),
        .leaf_index = committer,
        .credential = sr_mls_group_cred(g),
    };
    SR_TRY(sr_mls_leaf_node_validate(&v, &c->path.leaf_node, NULL));
    /* The provisional GroupContext: new epoch and extensions, old transcript hash. */
    struct sr_mls_group_context pgc = {
        .version = SR_MLS_VERSION_10,
        .cipher_suite = g->suite->id,
        .group_id = sr_buf_slice(&g->group_id),
        .epoch = ne->epoch,
        .tree_hash = sr_slice_of(g->ep.tree_hash, g->suite->hash->len),
        .confirmed_transcript_hash = sr_slice_of(g->ep.confirmed, g->ep.confirmed_len),
        .extensions = sr_buf_slice(&ne->gc_ext),
    };
    /* The leaf signature was verified above (same group_id and committer index): once. */
    struct sr_mls_treekem_ctx tc = {
        .gc = &pgc,
        .excluded = ap->added,
        .n_excluded = ap->n_added,
        .leaf_verified = true,
    };
    return sr_mls_treekem_process(&ne->tree, &ne->priv, committer, &c->path, &tc, res);
}

/* Transcript hashes, GroupContext, key schedule, confirmation tag (§8, §8.2, §6.1). */
static sr_err next_epoch(struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                         const struct sr_mls_authenticated_content *ac,
                         const struct sr_mls_group_applied *ap, struct sr_slice commit_secret)
{
    size_t nh = g->suite->hash->len;
    SR_CHECK(ac->auth.confirmation_tag.len == nh, SR_ERR_INVALID);
    SR_TRY(sr_mls_transcript_confirmed(g->suite, sr_slice_of(g->ep.interim, nh), ac,
                                       ne->confirmed));
    ne->confirmed_len = nh;
    SR_TRY(sr_mls_group_epoch_encode_gc(g, ne));
    const struct sr_secret *init = ap->external_init ? &ap->init_secret : &g->ep.secrets.init;
    SR_TRY(sr_mls_key_schedule_advance(g->suite, sr_secret_slice(init), commit_secret,
                                       sr_secret_slice(&ap->psk_secret),
                                       sr_buf_slice(&ne->gc_bytes), &ne->secrets));
    /* §12.4.2: the confirmation_tag MUST verify under the new confirmation_key. */
    SR_TRY(sr_mls_confirmation_tag_verify(g->suite, sr_secret_slice(&ne->secrets.confirmation_key),
                                          sr_slice_of(ne->confirmed, nh),
                                          ac->auth.confirmation_tag));
    memcpy(ne->confirmation_tag, ac->auth.confirmation_tag.p, nh);
    return sr_mls_group_epoch_finish(g, ne);
}

/*
 * §12.2: the Remove of an external commit removes "an old version" of the joiner, so the
 * new leaf must name the same participant: for basic credentials, the same identity (X.509
 * identities are left to the application's identity check, which sees every new leaf).
 */
static sr_err check_resync(const struct sr_mls_group *g, const struct sr_mls_group_prop *props,
                           size_t n, const struct sr_mls_leaf_node *joiner)
{
    for (size_t i = 0; i < n; i++) {
        if (props[i].p->type != SR_MLS_PROPOSAL_REMOVE) {
            continue;
        }
        const struct sr_mls_leaf_node *old =
                sr_mls_tree_get0_leaf(&g->ep.tree, props[i].p->u.remove);
        SR_CHECK(old != NULL && old->credential.type == joiner->credential.type, SR_ERR_INVALID);
        if (old->credential.type == SR_MLS_CREDENTIAL_BASIC) {
            SR_CHECK(same_bytes(old->credential.identity, joiner->credential.identity),
                     SR_ERR_INVALID);
        }
    }
    return SR_OK;
}

static sr_err commit_staged(struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                            const struct sr_mls_authenticated_content *ac,
                            const struct sr_mls_group_prop *props, bool external,
                            struct sr_mls_processed *out)
{
    const struct sr_mls_commit *c = &ac->content.commit;
    struct sr_mls_sender committer = ac->content.sender;
    struct sr_mls_group_applied ap;
    struct sr_mls_treekem_result res = { 0 };
    SR_TRY(stage(g, ne));
    SR_TRY(sr_mls_group_apply(g, ne, props, c->proposal_count, &committer, external, &ap));
    sr_err err = SR_OK;
    if (ap.own_removed) {
        out->kind = SR_MLS_PROCESSED_REMOVED;
        goto out;
    }
    /* §12.4.2: a path is required by these proposals, by an empty list, or externally. */
    if ((ap.path_required || c->proposal_count == 0 || external) && !c->has_path) {
        err = SR_ERR_INVALID;
        goto out;
    }
    sr_mls_treekem_priv_prune(&ne->priv, &ne->tree);
    if (external) {
        err = check_resync(g, props, c->proposal_count, &c->path.leaf_node);
    }
    if (err == SR_OK && external) {
        /* §12.4.2: the joiner takes the leftmost blank leaf (or a new one). */
        err = sr_mls_tree_add_leaf(&ne->tree, &c->path.leaf_node, &committer.index);
        if (err == SR_OK && ne->tree.n_leaves > g->limits.max_leaves) {
            err = SR_ERR_LIMIT;
        }
    }
    if (err == SR_OK && c->has_path) {
        err = process_path(g, ne, c, committer.index, &ap, &res);
    }
    if (err == SR_OK) {
        err = next_epoch(g, ne, ac, &ap, sr_secret_slice(&res.commit_secret));
    }
    if (err == SR_OK && ap.reinit) {
        /* §11.2: what the follow-on group must match; nothing can fail after this. */
        err = sr_mls_group_reinit_keep(&g->reinit_proposal, props, c->proposal_count);
    }
    if (err == SR_OK) {
        out->kind = SR_MLS_PROCESSED_COMMIT;
        g->reinit = ap.reinit;
    }
out:
    sr_mls_treekem_result_cleanup(&res);
    sr_mls_group_applied_cleanup(&ap);
    return err;
}

static sr_err process_commit(struct sr_mls_group *g, const struct sr_mls_authenticated_content *ac,
                             struct sr_mls_processed *out)
{
    const struct sr_mls_commit *c = &ac->content.commit;
    const struct sr_mls_sender *s = &ac->content.sender;
    bool external = s->type == SR_MLS_SENDER_NEW_MEMBER_COMMIT;
    /* §12.4: commits come from members or, by external commit, from joiners. */
    SR_CHECK(s->type == SR_MLS_SENDER_MEMBER || external, SR_ERR_INVALID);
    SR_CHECK(external || s->index != g->ep.own_leaf, SR_ERR_INVALID);
    SR_CHECK(c->proposal_count <= g->limits.max_proposals, SR_ERR_LIMIT);
    struct sr_mls_group_epoch ne = { 0 };
    struct sr_mls_group_prop *props = sr_calloc(c->proposal_count + 1, sizeof(*props));
    SR_CHECK(props != NULL, SR_ERR_NOMEM);
    sr_mls_tree_init(&ne.tree, g->suite);
    sr_err err = resolve(g, c, s, external, props);
    if (err == SR_OK) {
        err = commit_staged(g, &ne, ac, props, external, out);
    }
    if (err == SR_OK && out->kind == SR_MLS_PROCESSED_REMOVED) {
        g->removed = true;
    } else if (err == SR_OK) {
        sr_mls_group_epoch_install(g, &ne);
    }
    if (err == SR_OK) {
        sr_mls_group_commit_discard(g); /* another commit won the epoch: ours is void */
    }
    sr_mls_group_epoch_cleanup(&ne);
    sr_free(props);
    return err;
}

static sr_err unprotect(struct sr_mls_group *g, struct sr_slice msg, struct sr_buf *pt,
                        struct sr_mls_authenticated_content *ac)
{
    struct sr_reader r;
    uint16_t version, wf;
    sr_reader_init(&r, msg);
    SR_TRY(sr_read_u16(&r, &version));
    SR_TRY(sr_read_u16(&r, &wf));
    SR_CHECK(version == SR_MLS_VERSION_MLS10, SR_ERR_DECODE);
    if (wf == SR_MLS_WIRE_PUBLIC_MESSAGE) {
        return sr_mls_public_message_unprotect(g->ep.pctx, msg, ac);
    }
    if (wf == SR_MLS_WIRE_PRIVATE_MESSAGE) {
        return sr_mls_private_message_unprotect(g->ep.pctx, msg, pt, ac);
    }
    return SR_ERR_INVALID;
}

sr_err sr_mls_group_process_msg(struct sr_mls_group *g, struct sr_slice msg,
                                struct sr_mls_processed *out)
{
    struct sr_buf pt;
    struct sr_mls_authenticated_content ac = { 0 };
    SR_CHECK(!g->removed && !g->reinit, SR_ERR_STATE);
    SR_CHECK(msg.len <= g->limits.max_message, SR_ERR_LIMIT);
    SR_CHECK(msg.len >= 4, SR_ERR_DECODE); /* version and wire_format at least */
    if (g->staged != NULL && msg.len == g->own_commit_msg.len &&
        memcmp(msg.p, g->own_commit_msg.p, msg.len) == 0) {
        /* Our own commit, accepted and sent back by the delivery service. */
        out->kind = SR_MLS_PROCESSED_COMMIT;
        out->sender = g->ep.own_leaf;
        out->sender_type = SR_MLS_SENDER_MEMBER;
        out->epoch = g->ep.epoch;
        return sr_mls_group_commit_merge(g);
    }
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    sr_err err = unprotect(g, msg, &pt, &ac);
    if (err == SR_OK) {
        out->sender = ac.content.sender.index;
        out->sender_type = ac.content.sender.type;
        out->epoch = ac.content.epoch;
        err = sr_buf_set(&out->aad, ac.content.authenticated_data.p,
                         ac.content.authenticated_data.len);
    }
    if (err == SR_OK) {
        switch (ac.content.content_type) {
        case SR_MLS_CONTENT_APPLICATION:
            out->kind = SR_MLS_PROCESSED_APPLICATION;
            sr_buf_init(&out->data, 0, SR_BUF_WIPE);
            err = sr_buf_set(&out->data, ac.content.application_data.p,
                             ac.content.application_data.len);
            break;
        case SR_MLS_CONTENT_PROPOSAL:
            out->kind = SR_MLS_PROCESSED_PROPOSAL;
            err = sr_mls_group_cache_proposal(g, &ac);
            break;
        case SR_MLS_CONTENT_COMMIT:
            err = process_commit(g, &ac, out);
            break;
        default:
            err = SR_ERR_INVALID;
            break;
        }
    }
    sr_mls_authenticated_content_cleanup(&ac);
    sr_buf_cleanup(&pt);
    return err;
}

sr_err sr_mls_group_process(struct sr_mls_group *g, struct sr_slice msg,
                            struct sr_mls_processed *out)
{
    SR_CHECK(g != NULL && out != NULL && (msg.p != NULL || msg.len == 0), SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    sr_err err = sr_mls_group_process_msg(g, msg, out);
    if (err != SR_OK) {
        sr_mls_processed_cleanup(out);
    }
    return err;
}
