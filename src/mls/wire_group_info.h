/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4.3 GroupInfo and GroupInfoTBS. The GroupContext inside uses the GroupContext
 * codec (wire_group_context.h); its extension list is also parsed into
 * `group_context_extensions` so a malformed list is rejected at decode time. A decoded
 * GroupInfo borrows from its input (see wire_common.h) unless made by sr_mls_group_info_dup.
 */
#pragma once

#include "mls/wire_extension.h"
#include "mls/wire_group_context.h"

struct sr_mls_group_info {
    struct sr_mls_group_context group_context;
    struct sr_mls_extensions group_context_extensions; /* parsed group_context.extensions */
    struct sr_mls_extensions extensions; /* may hold a ratchet_tree: capped by tree size */
    struct sr_slice confirmation_tag;
    uint32_t signer;
    struct sr_slice signature;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

SR_MUST_USE sr_err sr_mls_group_info_read(struct sr_reader *r, struct sr_mls_group_info *out);
SR_MUST_USE sr_err sr_mls_group_info_decode(struct sr_slice in, struct sr_mls_group_info *out);
SR_MUST_USE sr_err sr_mls_group_info_encode(const struct sr_mls_group_info *gi, struct sr_buf *w);
void sr_mls_group_info_cleanup(struct sr_mls_group_info *gi);
SR_MUST_USE sr_err sr_mls_group_info_dup(const struct sr_mls_group_info *src,
                                         struct sr_mls_group_info *dst);

/** Append GroupInfoTBS: every field but the signature. */
SR_MUST_USE sr_err sr_mls_group_info_tbs_encode(const struct sr_mls_group_info *gi,
                                                struct sr_buf *w);
