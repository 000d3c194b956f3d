/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed meeting messages: chat, whiteboard strokes and annotations as exporter-key blobs
 * (DESIGN.md, zero-trust flow step 6). The layout is in include/sealroom/e2ee.h; the whole
 * header is the AAD, and the key depends on epoch, type and sender.
 */
#include <string.h>

#include <sealroom/buf.h>
#include <sealroom/e2ee.h>

#include "crypto/rand.h"
#include "e2ee/e2ee_int.h"

#define VERSION    1
#define NONCE_LEN  12
#define TAG_LEN    16
#define HEADER_LEN (1 + 1 + 8 + 4 + 8 + NONCE_LEN)

_Static_assert(HEADER_LEN + TAG_LEN == SR_E2EE_MESSAGE_OVERHEAD, "message overhead");

sr_err sr_e2ee_message_seal(struct sr_e2ee_keyring *kr, enum sr_e2ee_content type, uint32_t sender,
                            uint64_t message_id, struct sr_slice pt, uint8_t *out, size_t out_cap,
                            size_t *out_len)
{
    SR_CHECK(kr != NULL && out != NULL && out_len != NULL, SR_ERR_ARG);
    SR_CHECK(pt.p != NULL || pt.len == 0, SR_ERR_ARG);
    *out_len = 0;
    /* Files have their own framing; a file-key blob must never open as a message. */
    SR_CHECK(type != SR_E2EE_CONTENT_FILE, SR_ERR_ARG);
    SR_CHECK(pt.len <= SR_E2EE_MESSAGE_MAX, SR_ERR_LIMIT);
    SR_CHECK(out_cap >= pt.len + SR_E2EE_MESSAGE_OVERHEAD, SR_ERR_BUFFER_TOO_SMALL);
    uint64_t epoch;
    SR_TRY(sr_e2ee_keyring_epoch(kr, &epoch));
    struct sr_aead_ctx *aead;
    SR_TRY(sr_e2ee_keyring_sender_ctx(kr, epoch, type, sender, &aead));

    uint8_t hdr[HEADER_LEN];
    hdr[0] = VERSION;
    hdr[1] = (uint8_t)type;
    sr_e2ee_put_be(hdr + 2, epoch, 8);
    sr_e2ee_put_be(hdr + 10, sender, 4);
    sr_e2ee_put_be(hdr + 14, message_id, 8);
    SR_TRY(sr_rand_bytes(hdr + 22, NONCE_LEN));
    /* Seal first, then write the header: pt may not alias out, but a failure leaves no header. */
    size_t ct_len;
    SR_TRY(sr_aead_seal(aead, hdr + 22, sr_slice_of(hdr, HEADER_LEN), pt, out + HEADER_LEN,
                        out_cap - HEADER_LEN, &ct_len));
    memcpy(out, hdr, HEADER_LEN);
    *out_len = HEADER_LEN + ct_len;
    return SR_OK;
}

static sr_err parse_header(struct sr_slice msg, enum sr_e2ee_content type,
                           struct sr_e2ee_message_info *info)
{
    SR_CHECK(msg.len >= SR_E2EE_MESSAGE_OVERHEAD, SR_ERR_DECODE);
    SR_CHECK(msg.p[0] == VERSION, SR_ERR_DECODE);
    SR_CHECK(msg.len - SR_E2EE_MESSAGE_OVERHEAD <= SR_E2EE_MESSAGE_MAX, SR_ERR_LIMIT);
    /* The type byte is also in the key derivation and the AAD; checking it first just gives
     * a clearer error than the tag failure it would otherwise cause. */
    SR_CHECK(msg.p[1] == (uint8_t)type, SR_ERR_INVALID);
    info->type = type;
    info->epoch = sr_e2ee_get_be(msg.p + 2, 8);
    info->sender = (uint32_t)sr_e2ee_get_be(msg.p + 10, 4);
    info->message_id = sr_e2ee_get_be(msg.p + 14, 8);
    return SR_OK;
}

sr_err sr_e2ee_message_open(struct sr_e2ee_keyring *kr, enum sr_e2ee_content type,
                            struct sr_slice msg, struct sr_e2ee_message_info *info, uint8_t *out,
                            size_t out_cap, size_t *out_len)
{
    SR_CHECK(kr != NULL && info != NULL && out_len != NULL, SR_ERR_ARG);
    SR_CHECK(msg.p != NULL && (out != NULL || out_cap == 0), SR_ERR_ARG);
    SR_CHECK(type != SR_E2EE_CONTENT_FILE, SR_ERR_ARG);
    *out_len = 0;
    struct sr_e2ee_message_info got;
    SR_TRY(parse_header(msg, type, &got));
    SR_CHECK(out_cap >= msg.len - SR_E2EE_MESSAGE_OVERHEAD, SR_ERR_BUFFER_TOO_SMALL);
    struct sr_aead_ctx *aead;
    SR_TRY(sr_e2ee_keyring_sender_ctx(kr, got.epoch, type, got.sender, &aead));
    struct sr_slice ct = sr_slice_of(msg.p + HEADER_LEN, msg.len - HEADER_LEN);
    /* sr_aead_open wipes `out` when the tag fails. */
    SR_TRY(sr_aead_open(aead, msg.p + 22, sr_slice_of(msg.p, HEADER_LEN), ct, out, out_cap,
                        out_len));
    *info = got;
    return SR_OK;
}
