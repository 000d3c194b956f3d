/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §6 framing: Sender, FramedContent, FramedContentAuthData, AuthenticatedContent,
 * PublicMessage and the TBS/TBM encoders.
 *
 *   struct { opaque group_id<V>; uint64 epoch; Sender sender;
 *            opaque authenticated_data<V>; ContentType content_type;
 *            select (content_type) { case application: opaque application_data<V>;
 *                case proposal: Proposal proposal; case commit: Commit commit; };
 *   } FramedContent;
 *   struct { opaque signature<V>;
 *            select (content_type) { case commit: MAC confirmation_tag; ... };
 *   } FramedContentAuthData;
 *   struct { WireFormat wire_format; FramedContent content;
 *            FramedContentAuthData auth; } AuthenticatedContent;
 *   struct { FramedContent content; FramedContentAuthData auth;
 *            select (sender.sender_type) { case member: MAC membership_tag; ... };
 *   } PublicMessage;
 */
#include "mls/wire_framing.h"

#include <string.h>

#include "mls/wire_limits.h"

sr_err sr_mls_sender_read(struct sr_reader *r, struct sr_mls_sender *out)
{
    struct sr_mls_sender s = { 0 };
    memset(out, 0, sizeof(*out));
    SR_TRY(sr_read_u8(r, &s.type));
    switch (s.type) {
    case SR_MLS_SENDER_MEMBER:
    case SR_MLS_SENDER_EXTERNAL:
        SR_TRY(sr_read_u32(r, &s.index));
        break;
    case SR_MLS_SENDER_NEW_MEMBER_PROPOSAL:
    case SR_MLS_SENDER_NEW_MEMBER_COMMIT:
        break;
    default:
        return SR_ERR_DECODE; /* RFC 9420 §6: SenderType is closed; 0 is reserved. */
    }
    *out = s;
    return SR_OK;
}

sr_err sr_mls_sender_encode(const struct sr_mls_sender *s, struct sr_buf *w)
{
    SR_TRY(sr_write_u8(w, s->type));
    switch (s->type) {
    case SR_MLS_SENDER_MEMBER:
    case SR_MLS_SENDER_EXTERNAL:
        return sr_write_u32(w, s->index);
    case SR_MLS_SENDER_NEW_MEMBER_PROPOSAL:
    case SR_MLS_SENDER_NEW_MEMBER_COMMIT:
        return SR_OK;
    default:
        return SR_ERR_ARG;
    }
}

sr_err sr_mls_content_body_read(struct sr_reader *r, uint8_t content_type, struct sr_slice *app,
                                struct sr_mls_proposal *proposal, struct sr_mls_commit *commit)
{
    *app = sr_slice_of(NULL, 0);
    memset(proposal, 0, sizeof(*proposal));
    memset(commit, 0, sizeof(*commit));
    switch (content_type) {
    case SR_MLS_CONTENT_APPLICATION:
        return sr_read_opaque_v(r, SR_MLS_MAX_APP_DATA, app);
    case SR_MLS_CONTENT_PROPOSAL:
        return sr_mls_proposal_read(r, proposal);
    case SR_MLS_CONTENT_COMMIT:
        return sr_mls_commit_read(r, commit);
    default:
        return SR_ERR_DECODE; /* RFC 9420 §6: ContentType is closed; 0 is reserved. */
    }
}

static sr_err body_encode(uint8_t content_type, struct sr_slice app,
                          const struct sr_mls_proposal *proposal,
                          const struct sr_mls_commit *commit, struct sr_buf *w)
{
    switch (content_type) {
    case SR_MLS_CONTENT_APPLICATION:
        return sr_write_slice_v(w, app);
    case SR_MLS_CONTENT_PROPOSAL:
        return sr_mls_proposal_encode(proposal, w);
    case SR_MLS_CONTENT_COMMIT:
        return sr_mls_commit_encode(commit, w);
    default:
        return SR_ERR_ARG;
    }
}

static sr_err fc_fields(struct sr_reader *r, struct sr_mls_framed_content *fc)
{
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_GROUP_ID, &fc->group_id));
    SR_TRY(sr_read_u64(r, &fc->epoch));
    SR_TRY(sr_mls_sender_read(r, &fc->sender));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_AAD, &fc->authenticated_data));
    SR_TRY(sr_read_u8(r, &fc->content_type));
    return sr_mls_content_body_read(r, fc->content_type, &fc->application_data, &fc->proposal,
                                    &fc->commit);
}

sr_err sr_mls_framed_content_read(struct sr_reader *r, struct sr_mls_framed_content *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = fc_fields(r, out);
    if (err != SR_OK) {
        sr_mls_framed_content_cleanup(out);
    }
    return err;
}

sr_err sr_mls_framed_content_encode(const struct sr_mls_framed_content *fc, struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, fc->group_id));
    SR_TRY(sr_write_u64(w, fc->epoch));
    SR_TRY(sr_mls_sender_encode(&fc->sender, w));
    SR_TRY(sr_write_slice_v(w, fc->authenticated_data));
    SR_TRY(sr_write_u8(w, fc->content_type));
    return body_encode(fc->content_type, fc->application_data, &fc->proposal, &fc->commit, w);
}

void sr_mls_framed_content_cleanup(struct sr_mls_framed_content *fc)
{
    sr_mls_proposal_cleanup(&fc->proposal);
    sr_mls_commit_cleanup(&fc->commit);
    memset(fc, 0, sizeof(*fc));
}

sr_err sr_mls_auth_data_read(struct sr_reader *r, uint8_t content_type,
                             struct sr_mls_auth_data *out)
{
    struct sr_mls_auth_data a = { { NULL, 0 }, { NULL, 0 } };
    memset(out, 0, sizeof(*out));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_SIGNATURE, &a.signature));
    if (content_type == SR_MLS_CONTENT_COMMIT) {
        SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &a.confirmation_tag));
    }
    *out = a;
    return SR_OK;
}

sr_err sr_mls_auth_data_encode(const struct sr_mls_auth_data *a, uint8_t content_type,
                               struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, a->signature));
    if (content_type == SR_MLS_CONTENT_COMMIT) {
        SR_TRY(sr_write_slice_v(w, a->confirmation_tag));
    }
    return SR_OK;
}

static sr_err ac_fields(struct sr_reader *r, struct sr_mls_authenticated_content *ac)
{
    SR_TRY(sr_read_u16(r, &ac->wire_format));
    /* RFC 9420 §6: only public and private messages carry an AuthenticatedContent. */
    SR_CHECK(ac->wire_format == SR_MLS_WIRE_PUBLIC_MESSAGE ||
                     ac->wire_format == SR_MLS_WIRE_PRIVATE_MESSAGE,
             SR_ERR_DECODE);
    SR_TRY(sr_mls_framed_content_read(r, &ac->content));
    return sr_mls_auth_data_read(r, ac->content.content_type, &ac->auth);
}

sr_err sr_mls_authenticated_content_read(struct sr_reader *r,
                                         struct sr_mls_authenticated_content *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = ac_fields(r, out);
    if (err != SR_OK) {
        sr_mls_authenticated_content_cleanup(out);
    }
    return err;
}

sr_err sr_mls_authenticated_content_decode(struct sr_slice in,
                                           struct sr_mls_authenticated_content *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_authenticated_content_read(&r, out));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_authenticated_content_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_mls_authenticated_content_encode(const struct sr_mls_authenticated_content *ac,
                                           struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, ac->wire_format));
    SR_TRY(sr_mls_framed_content_encode(&ac->content, w));
    return sr_mls_auth_data_encode(&ac->auth, ac->content.content_type, w);
}

void sr_mls_authenticated_content_cleanup(struct sr_mls_authenticated_content *ac)
{
    sr_mls_framed_content_cleanup(&ac->content);
    sr_buf_cleanup(&ac->owned);
    memset(ac, 0, sizeof(*ac));
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_authenticated_content_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_authenticated_content_decode(in, out);
}

sr_err sr_mls_authenticated_content_dup(const struct sr_mls_authenticated_content *src,
                                        struct sr_mls_authenticated_content *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}

static sr_err pm_fields(struct sr_reader *r, struct sr_mls_public_message *pm)
{
    SR_TRY(sr_mls_framed_content_read(r, &pm->content));
    SR_TRY(sr_mls_auth_data_read(r, pm->content.content_type, &pm->auth));
    if (pm->content.sender.type == SR_MLS_SENDER_MEMBER) {
        SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &pm->membership_tag));
    }
    return SR_OK;
}

sr_err sr_mls_public_message_read(struct sr_reader *r, struct sr_mls_public_message *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = pm_fields(r, out);
    if (err != SR_OK) {
        sr_mls_public_message_cleanup(out);
    }
    return err;
}

sr_err sr_mls_public_message_encode(const struct sr_mls_public_message *pm, struct sr_buf *w)
{
    SR_TRY(sr_mls_framed_content_encode(&pm->content, w));
    SR_TRY(sr_mls_auth_data_encode(&pm->auth, pm->content.content_type, w));
    if (pm->content.sender.type == SR_MLS_SENDER_MEMBER) {
        SR_TRY(sr_write_slice_v(w, pm->membership_tag));
    }
    return SR_OK;
}

void sr_mls_public_message_cleanup(struct sr_mls_public_message *pm)
{
    sr_mls_framed_content_cleanup(&pm->content);
    memset(pm, 0, sizeof(*pm));
}

sr_err sr_mls_public_message_auth_content_encode(const struct sr_mls_public_message *pm,
                                                 struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, SR_MLS_WIRE_PUBLIC_MESSAGE));
    SR_TRY(sr_mls_framed_content_encode(&pm->content, w));
    return sr_mls_auth_data_encode(&pm->auth, pm->content.content_type, w);
}

sr_err sr_mls_framed_content_tbs_encode(uint16_t wire_format,
                                        const struct sr_mls_framed_content *fc,
                                        struct sr_slice group_context, struct sr_buf *w)
{
    bool with_context = fc->sender.type == SR_MLS_SENDER_MEMBER ||
                        fc->sender.type == SR_MLS_SENDER_NEW_MEMBER_COMMIT;
    SR_CHECK(!with_context || group_context.p != NULL, SR_ERR_ARG);
    SR_TRY(sr_write_u16(w, SR_MLS_VERSION_MLS10));
    SR_TRY(sr_write_u16(w, wire_format));
    SR_TRY(sr_mls_framed_content_encode(fc, w));
    if (with_context) {
        SR_TRY(sr_write_bytes(w, group_context.p, group_context.len));
    }
    return SR_OK;
}

sr_err sr_mls_authenticated_content_tbm_encode(struct sr_slice content_tbs,
                                               const struct sr_mls_auth_data *auth,
                                               uint8_t content_type, struct sr_buf *w)
{
    SR_TRY(sr_write_bytes(w, content_tbs.p, content_tbs.len));
    return sr_mls_auth_data_encode(auth, content_type, w);
}
