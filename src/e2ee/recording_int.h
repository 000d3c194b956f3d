/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to e2ee/: what the recording writer, reader and file wrappers share. The layout
 * is documented in include/sealroom/e2ee.h.
 */
#pragma once

#include <stdint.h>

#include <sealroom/e2ee.h>

#include "crypto/aead.h"

#define SR_REC_MAGIC_LEN  4
#define SR_REC_SALT_LEN   16
#define SR_REC_ID_LEN     16
#define SR_REC_FIELDS_LEN (SR_REC_MAGIC_LEN + 6 + SR_REC_SALT_LEN + SR_REC_ID_LEN)
#define SR_REC_MAC_LEN    32
#define SR_REC_HEADER_LEN (SR_REC_FIELDS_LEN + SR_REC_MAC_LEN)
#define SR_REC_INNER_LEN  13 /* kind, timestamp, sender */
#define SR_REC_TAG_LEN    16
#define SR_REC_KIND_END   0xff
#define SR_REC_KDF_RAW    0
#define SR_REC_KDF_SCRYPT 1
#define SR_REC_SCRYPT_R   8
#define SR_REC_SCRYPT_P   1
/* The longest sealed record: inner header, the largest payload, the tag. */
#define SR_REC_SEALED_MAX (SR_REC_INNER_LEN + SR_E2EE_REC_PAYLOAD_MAX + SR_REC_TAG_LEN)

extern const uint8_t sr_rec_magic[SR_REC_MAGIC_LEN];

/** Releases what a file wrapper opened; runs exactly once, whatever happens. */
typedef sr_err (*sr_e2ee_close_fn)(void *arg);

/**
 * From the user's key and the header fields (the first SR_REC_FIELDS_LEN bytes), the AEAD
 * context for records (`*aead`, new) and the header MAC. SR_ERR_AUTH when the key's kind does
 * not match the header's KDF, SR_ERR_ARG for a raw key that is not 32 bytes.
 */
SR_MUST_USE sr_err sr_rec_keys(const struct sr_e2ee_rec_key *key, const uint8_t *fields,
                               struct sr_aead_ctx **aead, uint8_t mac[SR_REC_MAC_LEN]);

/** nonce and AAD of record `index` whose sealed part is `sealed_len` bytes. */
void sr_rec_nonce_aad(const uint8_t mac[SR_REC_MAC_LEN], uint64_t index, uint32_t sealed_len,
                      uint8_t nonce[12], uint8_t aad[SR_REC_MAC_LEN + 12]);

/** As sr_e2ee_recorder_new; consumes `arg`: `close(arg)` (if not NULL) runs on every path. */
SR_MUST_USE sr_err sr_rec_writer_new(const struct sr_e2ee_rec_key *key, sr_e2ee_write_fn write,
                                     sr_e2ee_close_fn close, void *arg,
                                     struct sr_e2ee_recorder **out);

/** As sr_e2ee_rec_reader_new; consumes `arg` like sr_rec_writer_new. */
SR_MUST_USE sr_err sr_rec_reader_new(const struct sr_e2ee_rec_key *key, sr_e2ee_read_fn read,
                                     sr_e2ee_close_fn close, void *arg,
                                     struct sr_e2ee_rec_reader **out);
