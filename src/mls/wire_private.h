/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §6.3 PrivateMessage codecs: the outer wire form, the PrivateMessageContent
 * plaintext (with its all-zero padding), SenderData, and the two AADs (SenderDataAAD,
 * PrivateContentAAD). The encryption itself lives in the message-protection module; these
 * are only the byte layouts. Decoded values borrow from their input (see wire_common.h).
 */
#pragma once

#include "mls/wire_framing.h"

struct sr_mls_private_message {
    struct sr_slice group_id;
    uint64_t epoch;
    uint8_t content_type; /* SR_MLS_CONTENT_* */
    struct sr_slice authenticated_data;
    struct sr_slice encrypted_sender_data;
    struct sr_slice ciphertext;
};

/** The decrypted PrivateMessageContent; `content_type` comes from the PrivateMessage. */
struct sr_mls_private_content {
    uint8_t content_type;
    struct sr_slice application_data; /* application */
    struct sr_mls_proposal proposal;  /* proposal */
    struct sr_mls_commit commit;      /* commit */
    struct sr_mls_auth_data auth;
    size_t padding_len; /* number of zero bytes after auth */
};

#define SR_MLS_REUSE_GUARD_LEN 4
#define SR_MLS_SENDER_DATA_LEN 12 /* the fixed size of an encoded SenderData */

struct sr_mls_sender_data {
    uint32_t leaf_index;
    uint32_t generation;
    uint8_t reuse_guard[SR_MLS_REUSE_GUARD_LEN];
};

SR_MUST_USE sr_err sr_mls_private_message_read(struct sr_reader *r,
                                               struct sr_mls_private_message *out);
SR_MUST_USE sr_err sr_mls_private_message_encode(const struct sr_mls_private_message *pm,
                                                 struct sr_buf *w);

/**
 * Decode a decrypted PrivateMessageContent for `content_type`. RFC 9420 §6.3.1: the bytes after
 * the auth data are padding and must all be zero (SR_ERR_DECODE otherwise).
 */
SR_MUST_USE sr_err sr_mls_private_content_decode(struct sr_slice plaintext, uint8_t content_type,
                                                 struct sr_mls_private_content *out);
/** Append the content, the auth data and `padding_len` zero bytes. */
SR_MUST_USE sr_err sr_mls_private_content_encode(const struct sr_mls_private_content *pc,
                                                 struct sr_buf *w);
void sr_mls_private_content_cleanup(struct sr_mls_private_content *pc);

SR_MUST_USE sr_err sr_mls_sender_data_decode(struct sr_slice in, struct sr_mls_sender_data *out);
SR_MUST_USE sr_err sr_mls_sender_data_encode(const struct sr_mls_sender_data *sd, struct sr_buf *w);

/** SenderDataAAD (§6.3.2): group_id, epoch, content_type of the PrivateMessage. */
SR_MUST_USE sr_err sr_mls_sender_data_aad_encode(struct sr_slice group_id, uint64_t epoch,
                                                 uint8_t content_type, struct sr_buf *w);

/** PrivateContentAAD (§6.3.1): group_id, epoch, content_type, authenticated_data. */
SR_MUST_USE sr_err sr_mls_private_content_aad_encode(struct sr_slice group_id, uint64_t epoch,
                                                     uint8_t content_type,
                                                     struct sr_slice authenticated_data,
                                                     struct sr_buf *w);
