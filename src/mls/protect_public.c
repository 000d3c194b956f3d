/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PublicMessage (RFC 9420 §6.2): signed, not encrypted.
 *
 *   protect:    FramedContent + auth --> [membership_tag = MAC(membership_key,
 *                                         AuthenticatedContentTBM)] --> MLSMessage
 *   unprotect:  MLSMessage --> decode --> group, epoch, sender rules (§6.1)
 *                          --> membership_tag (members only, constant time)
 *                          --> signature --> AuthenticatedContent
 *
 * The membership tag is checked before the signature: it is cheaper and proves membership
 * before any public-key work is done for the sender.
 */
#include <string.h>

#include "crypto/ct.h"
#include "crypto/hash.h"
#include "mls/protect_int.h"
#include "mls/wire_message.h"

/* tag[Nh] = MAC(membership_key, AuthenticatedContentTBM) for a PublicMessage (§6.2). */
static sr_err membership_tag(struct sr_mls_protect_ctx *ctx, const struct sr_mls_framed_content *fc,
                             const struct sr_mls_auth_data *auth, uint8_t *tag)
{
    SR_CHECK(ctx->membership_key.len > 0, SR_ERR_STATE);
    struct sr_buf *w = &ctx->scratch;
    sr_buf_reset(w);
    sr_err err = sr_mls_framed_content_tbs_encode(SR_MLS_WIRE_PUBLIC_MESSAGE, fc,
                                                  sr_buf_slice(&ctx->gc), w);
    if (err == SR_OK) {
        err = sr_mls_auth_data_encode(auth, fc->content_type, w);
    }
    if (err == SR_OK) {
        err = sr_hmac(ctx->suite->hash, sr_secret_slice(&ctx->membership_key), sr_buf_slice(w),
                      tag);
    }
    sr_buf_reset(w);
    return err;
}

/* RFC 9420 §6.1: which senders may send which content. */
static sr_err sender_rules(const struct sr_mls_protect_ctx *ctx,
                           const struct sr_mls_framed_content *fc)
{
    uint16_t ptype = fc->proposal.type;
    switch (fc->sender.type) {
    case SR_MLS_SENDER_MEMBER:
        SR_CHECK(fc->sender.index < ctx->n_leaves, SR_ERR_INVALID);
        return SR_OK;
    case SR_MLS_SENDER_EXTERNAL:
        /* "The content_type of the message MUST be proposal and the proposal_type MUST be a
         * value that is allowed for external senders" (§17.4: not update, not external_init) */
        SR_CHECK(fc->content_type == SR_MLS_CONTENT_PROPOSAL, SR_ERR_INVALID);
        SR_CHECK(ptype != SR_MLS_PROPOSAL_UPDATE && ptype != SR_MLS_PROPOSAL_EXTERNAL_INIT,
                 SR_ERR_INVALID);
        return SR_OK;
    case SR_MLS_SENDER_NEW_MEMBER_COMMIT:
        /* "The content_type of the message MUST be commit." */
        SR_CHECK(fc->content_type == SR_MLS_CONTENT_COMMIT, SR_ERR_INVALID);
        return SR_OK;
    case SR_MLS_SENDER_NEW_MEMBER_PROPOSAL:
        /* "... MUST be proposal and the proposal_type of the Proposal MUST be add." */
        SR_CHECK(fc->content_type == SR_MLS_CONTENT_PROPOSAL && ptype == SR_MLS_PROPOSAL_ADD,
                 SR_ERR_INVALID);
        return SR_OK;
    default:
        return SR_ERR_INVALID;
    }
}

/* Checks on a decoded PublicMessage, in the order of the file comment. */
static sr_err check(struct sr_mls_protect_ctx *ctx, const struct sr_mls_public_message *pm)
{
    const struct sr_mls_framed_content *fc = &pm->content;
    SR_TRY(sr_mls_protect_check_epoch(ctx, fc->group_id, fc->epoch));
    /* RFC 9420 §6: "Applications MUST use PrivateMessage to encrypt application messages" */
    SR_CHECK(fc->content_type != SR_MLS_CONTENT_APPLICATION, SR_ERR_INVALID);
    SR_TRY(sender_rules(ctx, fc));
    if (fc->sender.type == SR_MLS_SENDER_MEMBER) {
        uint8_t tag[SR_HASH_MAX];
        size_t nh = ctx->suite->hash->len;
        SR_TRY(membership_tag(ctx, fc, &pm->auth, tag));
        /* §6.2: "the application MUST check membership_tag" */
        SR_CHECK(pm->membership_tag.len == nh && sr_ct_equal(tag, pm->membership_tag.p, nh),
                 SR_ERR_AUTH);
    }
    /* §6.2: "... and MUST check that the FramedContentAuthData is valid" (the signature;
     * the confirmation tag waits for the next epoch's key, see protect.h) */
    return sr_mls_content_verify(ctx, SR_MLS_WIRE_PUBLIC_MESSAGE, fc, pm->auth.signature);
}

sr_err sr_mls_public_message_unprotect(struct sr_mls_protect_ctx *ctx, struct sr_slice msg,
                                       struct sr_mls_authenticated_content *out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(ctx != NULL && (msg.p != NULL || msg.len == 0), SR_ERR_ARG);
    struct sr_mls_message m;
    SR_TRY(sr_mls_message_decode(msg, &m));
    sr_err err = m.wire_format == SR_MLS_WIRE_PUBLIC_MESSAGE ? SR_OK : SR_ERR_INVALID;
    if (err == SR_OK) {
        err = check(ctx, &m.u.public_message);
    }
    if (err != SR_OK) {
        sr_mls_message_cleanup(&m);
        return err;
    }
    /* the decoded arrays move into `out`; `m` is not cleaned up */
    out->wire_format = SR_MLS_WIRE_PUBLIC_MESSAGE;
    out->content = m.u.public_message.content;
    out->auth = m.u.public_message.auth;
    return SR_OK;
}

static sr_err public_encode(struct sr_mls_protect_ctx *ctx, const struct sr_mls_framed_content *fc,
                            const struct sr_mls_auth_data *auth, struct sr_buf *out)
{
    SR_TRY(sr_mls_protect_check_epoch(ctx, fc->group_id, fc->epoch));
    /* RFC 9420 §6: application data is never sent as a PublicMessage */
    SR_CHECK(fc->content_type != SR_MLS_CONTENT_APPLICATION, SR_ERR_INVALID);
    SR_CHECK((fc->content_type == SR_MLS_CONTENT_COMMIT) == (auth->confirmation_tag.len > 0),
             SR_ERR_ARG);
    struct sr_mls_public_message pm = { .content = *fc, .auth = *auth };
    uint8_t tag[SR_HASH_MAX];
    if (fc->sender.type == SR_MLS_SENDER_MEMBER) {
        SR_TRY(membership_tag(ctx, fc, auth, tag));
        pm.membership_tag = sr_slice_of(tag, ctx->suite->hash->len);
    }
    SR_TRY(sr_write_u16(out, SR_MLS_VERSION_MLS10));
    SR_TRY(sr_write_u16(out, SR_MLS_WIRE_PUBLIC_MESSAGE));
    return sr_mls_public_message_encode(&pm, out);
}

sr_err sr_mls_public_message_protect(struct sr_mls_protect_ctx *ctx,
                                     const struct sr_mls_framed_content *fc,
                                     const struct sr_mls_auth_data *auth, struct sr_buf *out)
{
    SR_CHECK(ctx != NULL && fc != NULL && auth != NULL && out != NULL, SR_ERR_ARG);
    size_t start = out->len;
    sr_err err = public_encode(ctx, fc, auth, out);
    if (err != SR_OK) {
        out->len = start; /* nothing half-written is left behind */
    }
    return err;
}
