/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §6 message framing: Sender, FramedContent, FramedContentAuthData,
 * AuthenticatedContent and PublicMessage, plus the encoders of the to-be-signed and
 * to-be-MACed forms (FramedContentTBS §6.1, AuthenticatedContentTBM §6.2). Decoded values
 * borrow from their input (see wire_common.h); an AuthenticatedContent made by
 * sr_mls_authenticated_content_dup owns its bytes.
 *
 * content_type (1..3), sender_type (1..4) and AuthenticatedContent.wire_format (public or
 * private) are closed sets: other values are SR_ERR_DECODE.
 */
#pragma once

#include "mls/wire_commit.h"

struct sr_mls_sender {
    uint8_t type;   /* SR_MLS_SENDER_* */
    uint32_t index; /* leaf_index (member) or sender_index (external); 0 otherwise */
};

struct sr_mls_framed_content {
    struct sr_slice group_id;
    uint64_t epoch;
    struct sr_mls_sender sender;
    struct sr_slice authenticated_data;
    uint8_t content_type;             /* SR_MLS_CONTENT_* */
    struct sr_slice application_data; /* application */
    struct sr_mls_proposal proposal;  /* proposal */
    struct sr_mls_commit commit;      /* commit */
};

/** FramedContentAuthData: confirmation_tag is present exactly for commits. */
struct sr_mls_auth_data {
    struct sr_slice signature;
    struct sr_slice confirmation_tag;
};

struct sr_mls_authenticated_content {
    uint16_t wire_format; /* SR_MLS_WIRE_PUBLIC_MESSAGE or SR_MLS_WIRE_PRIVATE_MESSAGE */
    struct sr_mls_framed_content content;
    struct sr_mls_auth_data auth;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

struct sr_mls_public_message {
    struct sr_mls_framed_content content;
    struct sr_mls_auth_data auth;
    struct sr_slice membership_tag; /* present exactly when the sender is a member */
};

SR_MUST_USE sr_err sr_mls_sender_read(struct sr_reader *r, struct sr_mls_sender *out);
SR_MUST_USE sr_err sr_mls_sender_encode(const struct sr_mls_sender *s, struct sr_buf *w);

/**
 * The body selected by `content_type` (application_data, Proposal or Commit), shared with
 * PrivateMessageContent. The three outputs are zeroed first; only the selected one is set.
 */
SR_MUST_USE sr_err sr_mls_content_body_read(struct sr_reader *r, uint8_t content_type,
                                            struct sr_slice *app, struct sr_mls_proposal *proposal,
                                            struct sr_mls_commit *commit);

SR_MUST_USE sr_err sr_mls_framed_content_read(struct sr_reader *r,
                                              struct sr_mls_framed_content *out);
SR_MUST_USE sr_err sr_mls_framed_content_encode(const struct sr_mls_framed_content *fc,
                                                struct sr_buf *w);
void sr_mls_framed_content_cleanup(struct sr_mls_framed_content *fc);

/** FramedContentAuthData for a content of type `content_type`. */
SR_MUST_USE sr_err sr_mls_auth_data_read(struct sr_reader *r, uint8_t content_type,
                                         struct sr_mls_auth_data *out);
SR_MUST_USE sr_err sr_mls_auth_data_encode(const struct sr_mls_auth_data *a, uint8_t content_type,
                                           struct sr_buf *w);

SR_MUST_USE sr_err sr_mls_authenticated_content_read(struct sr_reader *r,
                                                     struct sr_mls_authenticated_content *out);
SR_MUST_USE sr_err sr_mls_authenticated_content_decode(struct sr_slice in,
                                                       struct sr_mls_authenticated_content *out);
SR_MUST_USE sr_err sr_mls_authenticated_content_encode(
        const struct sr_mls_authenticated_content *ac, struct sr_buf *w);
void sr_mls_authenticated_content_cleanup(struct sr_mls_authenticated_content *ac);
SR_MUST_USE sr_err sr_mls_authenticated_content_dup(const struct sr_mls_authenticated_content *src,
                                                    struct sr_mls_authenticated_content *dst);

SR_MUST_USE sr_err sr_mls_public_message_read(struct sr_reader *r,
                                              struct sr_mls_public_message *out);
SR_MUST_USE sr_err sr_mls_public_message_encode(const struct sr_mls_public_message *pm,
                                                struct sr_buf *w);
void sr_mls_public_message_cleanup(struct sr_mls_public_message *pm);

/**
 * Append the AuthenticatedContent a PublicMessage carries: wire_format mls_public_message, its
 * content and auth (what a ProposalRef and the transcript hashes cover).
 */
SR_MUST_USE sr_err sr_mls_public_message_auth_content_encode(const struct sr_mls_public_message *pm,
                                                             struct sr_buf *w);

/**
 * Append FramedContentTBS (RFC 9420 §6.1): version mls10, `wire_format`, the content, then
 * `group_context` (an encoded GroupContext, appended as is) when the sender is a member or a
 * new_member_commit. SR_ERR_ARG when that context is needed but `group_context.p` is NULL.
 */
SR_MUST_USE sr_err sr_mls_framed_content_tbs_encode(uint16_t wire_format,
                                                    const struct sr_mls_framed_content *fc,
                                                    struct sr_slice group_context,
                                                    struct sr_buf *w);

/** Append AuthenticatedContentTBM (§6.2): an encoded FramedContentTBS, then the auth data. */
SR_MUST_USE sr_err sr_mls_authenticated_content_tbm_encode(struct sr_slice content_tbs,
                                                           const struct sr_mls_auth_data *auth,
                                                           uint8_t content_type, struct sr_buf *w);
