/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §6 MLSMessage.
 *
 *   struct {
 *       ProtocolVersion version = mls10;
 *       WireFormat wire_format;
 *       select (wire_format) {
 *           case mls_public_message:  PublicMessage public_message;
 *           case mls_private_message: PrivateMessage private_message;
 *           case mls_welcome:         Welcome welcome;
 *           case mls_group_info:      GroupInfo group_info;
 *           case mls_key_package:     KeyPackage key_package;
 *       };
 *   } MLSMessage;
 */
#include "mls/wire_message.h"

#include <string.h>

static sr_err body_read(struct sr_reader *r, struct sr_mls_message *m)
{
    switch (m->wire_format) {
    case SR_MLS_WIRE_PUBLIC_MESSAGE:
        return sr_mls_public_message_read(r, &m->u.public_message);
    case SR_MLS_WIRE_PRIVATE_MESSAGE:
        return sr_mls_private_message_read(r, &m->u.private_message);
    case SR_MLS_WIRE_WELCOME:
        return sr_mls_welcome_read(r, &m->u.welcome);
    case SR_MLS_WIRE_GROUP_INFO:
        return sr_mls_group_info_read(r, &m->u.group_info);
    case SR_MLS_WIRE_KEY_PACKAGE:
        return sr_mls_key_package_read(r, &m->u.key_package);
    default:
        /* Without a body format an unknown wire format cannot be parsed. */
        return SR_ERR_DECODE;
    }
}

static sr_err message_fields(struct sr_reader *r, struct sr_mls_message *m)
{
    SR_TRY(sr_read_u16(r, &m->version));
    /* RFC 9420 §6: "ProtocolVersion version = mls10". */
    SR_CHECK(m->version == SR_MLS_VERSION_MLS10, SR_ERR_DECODE);
    SR_TRY(sr_read_u16(r, &m->wire_format));
    return body_read(r, m);
}

sr_err sr_mls_message_read(struct sr_reader *r, struct sr_mls_message *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = message_fields(r, out);
    if (err != SR_OK) {
        sr_mls_message_cleanup(out);
    }
    return err;
}

sr_err sr_mls_message_decode(struct sr_slice in, struct sr_mls_message *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_message_read(&r, out));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_message_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_mls_message_encode(const struct sr_mls_message *m, struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, SR_MLS_VERSION_MLS10));
    SR_TRY(sr_write_u16(w, m->wire_format));
    switch (m->wire_format) {
    case SR_MLS_WIRE_PUBLIC_MESSAGE:
        return sr_mls_public_message_encode(&m->u.public_message, w);
    case SR_MLS_WIRE_PRIVATE_MESSAGE:
        return sr_mls_private_message_encode(&m->u.private_message, w);
    case SR_MLS_WIRE_WELCOME:
        return sr_mls_welcome_encode(&m->u.welcome, w);
    case SR_MLS_WIRE_GROUP_INFO:
        return sr_mls_group_info_encode(&m->u.group_info, w);
    case SR_MLS_WIRE_KEY_PACKAGE:
        return sr_mls_key_package_encode(&m->u.key_package, w);
    default:
        return SR_ERR_ARG;
    }
}

void sr_mls_message_cleanup(struct sr_mls_message *m)
{
    switch (m->wire_format) {
    case SR_MLS_WIRE_PUBLIC_MESSAGE:
        sr_mls_public_message_cleanup(&m->u.public_message);
        break;
    case SR_MLS_WIRE_WELCOME:
        sr_mls_welcome_cleanup(&m->u.welcome);
        break;
    case SR_MLS_WIRE_GROUP_INFO:
        sr_mls_group_info_cleanup(&m->u.group_info);
        break;
    case SR_MLS_WIRE_KEY_PACKAGE:
        sr_mls_key_package_cleanup(&m->u.key_package);
        break;
    default:
        break; /* private messages and unknown formats own nothing */
    }
    sr_buf_cleanup(&m->owned);
    memset(m, 0, sizeof(*m));
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_message_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_message_decode(in, out);
}

sr_err sr_mls_message_dup(const struct sr_mls_message *src, struct sr_mls_message *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}
