/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §6 MLSMessage: the envelope of all five wire formats (public and private messages,
 * Welcome, GroupInfo, KeyPackage). version must be mls10 and wire_format one of the five
 * (SR_ERR_DECODE otherwise). A decoded message borrows from its input (see wire_common.h)
 * unless made by sr_mls_message_dup.
 */
#pragma once

#include "mls/wire_group_info.h"
#include "mls/wire_private.h"
#include "mls/wire_welcome.h"

struct sr_mls_message {
    uint16_t version;     /* always SR_MLS_VERSION_MLS10 once decoded */
    uint16_t wire_format; /* SR_MLS_WIRE_*: selects the member of `u` */
    union {
        struct sr_mls_public_message public_message;
        struct sr_mls_private_message private_message;
        struct sr_mls_welcome welcome;
        struct sr_mls_group_info group_info;
        struct sr_mls_key_package key_package;
    } u;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

SR_MUST_USE sr_err sr_mls_message_read(struct sr_reader *r, struct sr_mls_message *out);
SR_MUST_USE sr_err sr_mls_message_decode(struct sr_slice in, struct sr_mls_message *out);
SR_MUST_USE sr_err sr_mls_message_encode(const struct sr_mls_message *m, struct sr_buf *w);
void sr_mls_message_cleanup(struct sr_mls_message *m);
SR_MUST_USE sr_err sr_mls_message_dup(const struct sr_mls_message *src, struct sr_mls_message *dst);
