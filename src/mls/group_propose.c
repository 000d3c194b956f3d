/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sending proposals and application data (RFC 9420 §12.1, §6):
 *
 *   member proposal   FramedContent{sender = our leaf} -> sign -> Public/PrivateMessage;
 *                     also cached by ProposalRef so our own commit can reference it
 *   external proposal FramedContent{sender = external[i]} signed by a server key listed in
 *                     the group's external_senders extension (§12.1.8.1): Add and Remove
 *   application data  PrivateMessage from the application ratchet, padded (§6.3)
 */
#include <string.h>

#include "crypto/labels.h"
#include "hpke/hpke.h"
#include "mls/group.h"
#include "mls/wire_extension.h"
#include "mls/wire_group_context.h"
#include "mls/wire_message.h"

static sr_err propose(struct sr_mls_group *g, const struct sr_mls_proposal *prop, bool priv,
                      struct sr_buf *out)
{
    SR_CHECK(g != NULL && out != NULL, SR_ERR_ARG);
    SR_CHECK(!g->removed && !g->reinit && !(priv && g->restored), SR_ERR_STATE);
    struct sr_mls_authenticated_content ac = { 0 };
    struct sr_buf sig = { 0 };
    size_t len = out->len;
    ac.wire_format = priv ? SR_MLS_WIRE_PRIVATE_MESSAGE : SR_MLS_WIRE_PUBLIC_MESSAGE;
    ac.content.group_id = sr_buf_slice(&g->group_id);
    ac.content.epoch = g->ep.epoch;
    ac.content.sender.type = SR_MLS_SENDER_MEMBER;
    ac.content.sender.index = g->ep.own_leaf;
    ac.content.content_type = SR_MLS_CONTENT_PROPOSAL;
    ac.content.proposal = *prop;
    sr_err err = sr_mls_content_sign(g->ep.pctx, ac.wire_format, &ac.content, &sig);
    ac.auth.signature = sr_buf_slice(&sig);
    if (err == SR_OK && priv) {
        err = sr_mls_private_message_protect(g->ep.pctx, &ac.content, &ac.auth, out);
    } else if (err == SR_OK) {
        err = sr_mls_public_message_protect(g->ep.pctx, &ac.content, &ac.auth, out);
    }
    if (err == SR_OK) {
        err = sr_mls_group_cache_proposal(g, &ac);
    }
    if (err != SR_OK) {
        out->len = len;
    }
    sr_buf_cleanup(&sig);
    return err;
}

sr_err sr_mls_group_propose_add(struct sr_mls_group *g, struct sr_slice key_package, bool priv,
                                struct sr_buf *out)
{
    struct sr_mls_message m = { 0 };
    struct sr_mls_proposal prop = { .type = SR_MLS_PROPOSAL_ADD };
    SR_CHECK(key_package.len > 0, SR_ERR_DECODE);
    SR_TRY(sr_mls_message_decode(key_package, &m));
    sr_err err = m.wire_format == SR_MLS_WIRE_KEY_PACKAGE ? SR_OK : SR_ERR_INVALID;
    if (err == SR_OK) {
        prop.u.add = m.u.key_package;
        err = propose(g, &prop, priv, out);
    }
    sr_mls_message_cleanup(&m);
    return err;
}

sr_err sr_mls_group_propose_remove(struct sr_mls_group *g, uint32_t leaf, bool priv,
                                   struct sr_buf *out)
{
    struct sr_mls_proposal prop = { .type = SR_MLS_PROPOSAL_REMOVE };
    prop.u.remove = leaf;
    return propose(g, &prop, priv, out);
}

/* A new leaf for us with a fresh encryption key, signed as an update (§7.2, §12.1.2). */
static sr_err update_leaf(struct sr_mls_group *g, struct sr_mls_group_own_update *u,
                          struct sr_mls_leaf_node *ln, struct sr_buf *tbs, struct sr_buf *sig)
{
    const struct sr_mls_leaf_node *cur = sr_mls_tree_get0_leaf(&g->ep.tree, g->ep.own_leaf);
    SR_CHECK(cur != NULL, SR_ERR_STATE);
    SR_TRY(sr_hpke_generate_key_pair(g->suite->kem, &u->sk, u->pk));
    u->pk_len = g->suite->kem->pk_len;
    *ln = *cur;
    ln->encryption_key = sr_slice_of(u->pk, u->pk_len);
    ln->source = SR_MLS_LEAF_SOURCE_UPDATE;
    memset(&ln->lifetime, 0, sizeof(ln->lifetime));
    ln->parent_hash = sr_slice_of(NULL, 0);
    memset(&ln->owned, 0, sizeof(ln->owned)); /* borrowed from the tree: never freed here */
    SR_TRY(sr_mls_leaf_node_tbs_encode(ln, sr_buf_slice(&g->group_id), g->ep.own_leaf, tbs));
    SR_TRY(sr_mls_sign_with_label(g->suite, sr_secret_slice(&g->sig_priv), "LeafNodeTBS",
                                  sr_buf_slice(tbs), sig));
    ln->signature = sr_buf_slice(sig);
    return SR_OK;
}

sr_err sr_mls_group_propose_update(struct sr_mls_group *g, bool priv, struct sr_buf *out)
{
    SR_CHECK(g != NULL && out != NULL, SR_ERR_ARG);
    SR_CHECK(g->ep.n_own_updates < SR_MLS_GROUP_OWN_UPDATES, SR_ERR_LIMIT);
    struct sr_mls_group_own_update u = { 0 };
    struct sr_mls_proposal prop = { .type = SR_MLS_PROPOSAL_UPDATE };
    struct sr_buf tbs = { 0 }, sig = { 0 };
    sr_err err = update_leaf(g, &u, &prop.u.update, &tbs, &sig);
    if (err == SR_OK) {
        err = propose(g, &prop, priv, out);
    }
    if (err == SR_OK) {
        g->ep.own_updates[g->ep.n_own_updates++] = u;
    }
    sr_wipe(&u, sizeof(u));
    sr_buf_cleanup(&tbs);
    sr_buf_cleanup(&sig);
    return err;
}

sr_err sr_mls_group_propose_reinit(struct sr_mls_group *g, struct sr_slice group_id, uint16_t suite,
                                   struct sr_slice extensions, bool priv, struct sr_buf *out)
{
    SR_CHECK(g != NULL && sr_suite_get(suite) != NULL, SR_ERR_ARG);
    struct sr_mls_proposal prop = { .type = SR_MLS_PROPOSAL_REINIT };
    prop.u.reinit.group_id = group_id;
    prop.u.reinit.version = SR_MLS_VERSION_MLS10;
    prop.u.reinit.cipher_suite = suite;
    sr_err err = SR_OK;
    if (extensions.len > 0) {
        err = sr_mls_extensions_decode_body(extensions, &prop.u.reinit.extensions);
    }
    if (err == SR_OK) {
        err = propose(g, &prop, priv, out);
    }
    sr_mls_extensions_cleanup(&prop.u.reinit.extensions);
    return err;
}

sr_err sr_mls_group_protect(struct sr_mls_group *g, struct sr_slice aad, struct sr_slice data,
                            struct sr_buf *out)
{
    SR_CHECK(g != NULL && out != NULL, SR_ERR_ARG);
    /* After a restore the ratchet positions are unknown: never risk reusing a nonce. */
    SR_CHECK(!g->removed && !g->reinit && !g->restored, SR_ERR_STATE);
    SR_CHECK(data.len <= g->limits.max_message, SR_ERR_LIMIT);
    return sr_mls_application_protect(g->ep.pctx, aad, data, out);
}

/* A context that can only sign as an external sender: FramedContentTBS has no GroupContext. */
static sr_err external_ctx(const struct sr_suite *suite, struct sr_slice group_id, uint64_t epoch,
                           struct sr_slice sig_priv, struct sr_mls_protect_ctx **ctx)
{
    struct sr_buf gcb = { 0 };
    struct sr_mls_group_context gc = {
        .version = SR_MLS_VERSION_10,
        .cipher_suite = suite->id,
        .group_id = group_id,
        .epoch = epoch,
    };
    sr_err err = sr_mls_group_context_encode(&gc, &gcb);
    struct sr_mls_protect_params pp = {
        .suite = suite,
        .group_context = sr_buf_slice(&gcb),
        .signature_priv = sig_priv,
    };
    if (err == SR_OK) {
        err = sr_mls_protect_ctx_new(&pp, ctx);
    }
    sr_buf_cleanup(&gcb);
    return err;
}

sr_err sr_mls_external_propose(const struct sr_mls_external_proposal *p, struct sr_buf *out)
{
    SR_CHECK(p != NULL && out != NULL, SR_ERR_ARG);
    const struct sr_suite *suite = sr_suite_get(p->cipher_suite);
    SR_CHECK(suite != NULL, SR_ERR_UNSUPPORTED);
    struct sr_mls_protect_ctx *ctx = NULL;
    struct sr_mls_message m = { 0 };
    struct sr_buf sig = { 0 };
    struct sr_mls_framed_content fc = {
        .group_id = p->group_id,
        .epoch = p->epoch,
        .sender = { SR_MLS_SENDER_EXTERNAL, p->sender_index },
        .content_type = SR_MLS_CONTENT_PROPOSAL,
    };
    sr_err err = external_ctx(suite, p->group_id, p->epoch, p->signature_priv, &ctx);
    if (err == SR_OK && p->key_package.len > 0) {
        fc.proposal.type = SR_MLS_PROPOSAL_ADD;
        err = sr_mls_message_decode(p->key_package, &m);
        err = err == SR_OK && m.wire_format != SR_MLS_WIRE_KEY_PACKAGE ? SR_ERR_INVALID : err;
        fc.proposal.u.add = m.u.key_package;
    } else {
        fc.proposal.type = SR_MLS_PROPOSAL_REMOVE;
        fc.proposal.u.remove = p->remove;
    }
    if (err == SR_OK) {
        err = sr_mls_content_sign(ctx, SR_MLS_WIRE_PUBLIC_MESSAGE, &fc, &sig);
    }
    if (err == SR_OK) {
        struct sr_mls_auth_data auth = { .signature = sr_buf_slice(&sig) };
        err = sr_mls_public_message_protect(ctx, &fc, &auth, out);
    }
    sr_mls_message_cleanup(&m);
    sr_buf_cleanup(&sig);
    sr_mls_protect_ctx_free(ctx);
    return err;
}
