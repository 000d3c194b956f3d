/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §6.3 PrivateMessage, PrivateMessageContent, SenderData and their AADs.
 *
 *   struct { opaque group_id<V>; uint64 epoch; ContentType content_type;
 *            opaque authenticated_data<V>; opaque encrypted_sender_data<V>;
 *            opaque ciphertext<V>; } PrivateMessage;
 *   struct { select (PrivateMessage.content_type) { ... };
 *            FramedContentAuthData auth;
 *            opaque padding[length_of_padding]; } PrivateMessageContent;
 *   struct { uint32 leaf_index; uint32 generation; opaque reuse_guard[4]; } SenderData;
 */
#include "mls/wire_private.h"

#include <string.h>

#include "mls/wire_limits.h"

static bool content_type_ok(uint8_t t)
{
    return t >= SR_MLS_CONTENT_APPLICATION && t <= SR_MLS_CONTENT_COMMIT;
}

sr_err sr_mls_private_message_read(struct sr_reader *r, struct sr_mls_private_message *out)
{
    struct sr_mls_private_message pm;
    memset(out, 0, sizeof(*out));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_GROUP_ID, &pm.group_id));
    SR_TRY(sr_read_u64(r, &pm.epoch));
    SR_TRY(sr_read_u8(r, &pm.content_type));
    /* RFC 9420 §6: ContentType is closed; 0 is reserved. */
    SR_CHECK(content_type_ok(pm.content_type), SR_ERR_DECODE);
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_AAD, &pm.authenticated_data));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_SENDER_DATA, &pm.encrypted_sender_data));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_CIPHERTEXT, &pm.ciphertext));
    *out = pm;
    return SR_OK;
}

sr_err sr_mls_private_message_encode(const struct sr_mls_private_message *pm, struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, pm->group_id));
    SR_TRY(sr_write_u64(w, pm->epoch));
    SR_TRY(sr_write_u8(w, pm->content_type));
    SR_TRY(sr_write_slice_v(w, pm->authenticated_data));
    SR_TRY(sr_write_slice_v(w, pm->encrypted_sender_data));
    return sr_write_slice_v(w, pm->ciphertext);
}

static sr_err pc_fields(struct sr_reader *r, struct sr_mls_private_content *pc)
{
    SR_TRY(sr_mls_content_body_read(r, pc->content_type, &pc->application_data, &pc->proposal,
                                    &pc->commit));
    SR_TRY(sr_mls_auth_data_read(r, pc->content_type, &pc->auth));
    /* RFC 9420 §6.3.1: "A receiver MUST verify that there are no non-zero bytes in the
     * padding field" - otherwise the message is malformed. */
    size_t left = sr_reader_left(r);
    uint8_t acc = 0;
    for (size_t i = 0; i < left; i++) {
        acc |= r->p[i];
    }
    SR_CHECK(acc == 0, SR_ERR_DECODE);
    r->p += left;
    pc->padding_len = left;
    return SR_OK;
}

sr_err sr_mls_private_content_decode(struct sr_slice plaintext, uint8_t content_type,
                                     struct sr_mls_private_content *out)
{
    struct sr_reader r;
    memset(out, 0, sizeof(*out));
    sr_reader_init(&r, plaintext);
    out->content_type = content_type;
    sr_err err = pc_fields(&r, out);
    if (err != SR_OK) {
        sr_mls_private_content_cleanup(out);
    }
    return err;
}

sr_err sr_mls_private_content_encode(const struct sr_mls_private_content *pc, struct sr_buf *w)
{
    switch (pc->content_type) {
    case SR_MLS_CONTENT_APPLICATION:
        SR_TRY(sr_write_slice_v(w, pc->application_data));
        break;
    case SR_MLS_CONTENT_PROPOSAL:
        SR_TRY(sr_mls_proposal_encode(&pc->proposal, w));
        break;
    case SR_MLS_CONTENT_COMMIT:
        SR_TRY(sr_mls_commit_encode(&pc->commit, w));
        break;
    default:
        return SR_ERR_ARG;
    }
    SR_TRY(sr_mls_auth_data_encode(&pc->auth, pc->content_type, w));
    if (pc->padding_len == 0) {
        return SR_OK;
    }
    SR_TRY(sr_buf_reserve(w, pc->padding_len));
    memset(w->p + w->len, 0, pc->padding_len);
    w->len += pc->padding_len;
    return SR_OK;
}

void sr_mls_private_content_cleanup(struct sr_mls_private_content *pc)
{
    sr_mls_proposal_cleanup(&pc->proposal);
    sr_mls_commit_cleanup(&pc->commit);
    memset(pc, 0, sizeof(*pc));
}

sr_err sr_mls_sender_data_decode(struct sr_slice in, struct sr_mls_sender_data *out)
{
    struct sr_reader r;
    struct sr_mls_sender_data sd;
    struct sr_slice guard;
    memset(out, 0, sizeof(*out));
    sr_reader_init(&r, in);
    SR_TRY(sr_read_u32(&r, &sd.leaf_index));
    SR_TRY(sr_read_u32(&r, &sd.generation));
    SR_TRY(sr_read_fixed(&r, SR_MLS_REUSE_GUARD_LEN, &guard));
    SR_TRY(sr_reader_done(&r));
    memcpy(sd.reuse_guard, guard.p, SR_MLS_REUSE_GUARD_LEN);
    *out = sd;
    return SR_OK;
}

sr_err sr_mls_sender_data_encode(const struct sr_mls_sender_data *sd, struct sr_buf *w)
{
    SR_TRY(sr_write_u32(w, sd->leaf_index));
    SR_TRY(sr_write_u32(w, sd->generation));
    return sr_write_bytes(w, sd->reuse_guard, SR_MLS_REUSE_GUARD_LEN);
}

sr_err sr_mls_sender_data_aad_encode(struct sr_slice group_id, uint64_t epoch, uint8_t content_type,
                                     struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, group_id));
    SR_TRY(sr_write_u64(w, epoch));
    return sr_write_u8(w, content_type);
}

sr_err sr_mls_private_content_aad_encode(struct sr_slice group_id, uint64_t epoch,
                                         uint8_t content_type, struct sr_slice authenticated_data,
                                         struct sr_buf *w)
{
    SR_TRY(sr_mls_sender_data_aad_encode(group_id, epoch, content_type, w));
    return sr_write_slice_v(w, authenticated_data);
}
