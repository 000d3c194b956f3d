/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Media frames under SFrame with MLS-derived keys (RFC 9605 §5.2). We send with the KID of
 * our leaf in the current epoch; a receiver reads the sender's leaf back out of the KID,
 *
 *   KID = context << (S + E) | sender_index << E | epoch mod 2^E,
 *
 * with S of the epoch the low E bits name. Neither direction allocates once a key is in
 * place: the SFrame context keeps ready cipher contexts per KID.
 */
#include <sealroom/meeting.h>

#include "e2ee/meeting_int.h"
#include "sframe/context.h"

size_t sr_meeting_media_ciphertext_len(const struct sr_meeting *m, size_t pt_len)
{
    return sr_sframe_ciphertext_len(m->sframe_suite, pt_len);
}

sr_err sr_meeting_media_protect(struct sr_meeting *m, struct sr_slice metadata, struct sr_slice pt,
                                uint8_t *out, size_t out_cap, size_t *out_len)
{
    SR_CHECK(m != NULL, SR_ERR_ARG);
    SR_TRY(sr_meeting_ready(m));
    uint64_t kid;
    SR_TRY(sr_sframe_ctx_mls_sender_kid(m->sframe, 0, &kid));
    return sr_sframe_ctx_protect(m->sframe, kid, metadata, pt, out, out_cap, out_len);
}

/* The sender leaf a KID names, from the held epoch its low E bits select. */
static sr_err kid_sender(const struct sr_sframe_ctx *ctx, uint64_t kid, uint32_t *sender)
{
    unsigned e = ctx->opt.mls_epoch_bits;
    uint64_t emask = e >= 64 ? UINT64_MAX : ((uint64_t)1 << e) - 1;
    for (size_t i = 0; i < SR_SFRAME_MLS_SLOTS; i++) {
        const struct sr_sframe_epoch *ep = &ctx->epochs[i];
        if (ep->live && (ep->epoch & emask) == (kid & emask)) {
            uint64_t smask = ((uint64_t)1 << ep->index_bits) - 1;
            *sender = (uint32_t)((kid >> e) & smask);
            return SR_OK;
        }
    }
    return SR_ERR_EPOCH;
}

sr_err sr_meeting_media_unprotect(struct sr_meeting *m, struct sr_slice metadata,
                                  struct sr_slice ct, uint8_t *out, size_t out_cap, size_t *out_len,
                                  uint32_t *sender)
{
    SR_CHECK(m != NULL, SR_ERR_ARG);
    SR_TRY(sr_meeting_ready(m));
    struct sr_sframe_header hdr;
    SR_TRY(sr_sframe_ctx_unprotect(m->sframe, metadata, ct, out, out_cap, out_len, &hdr));
    uint32_t from = 0;
    /* The frame opened, so the epoch its KID names is held. */
    sr_err err = kid_sender(m->sframe, hdr.kid, &from);
    if (err == SR_OK && sender != NULL) {
        *sender = from;
    }
    return err;
}
