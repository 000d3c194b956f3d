/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GroupContext (RFC 9420 §8.1), the summary of the group's state that is mixed into the
 * key schedule and signed in every message:
 *
 *   struct {
 *       ProtocolVersion version = mls10;
 *       CipherSuite cipher_suite;
 *       opaque group_id<V>;
 *       uint64 epoch;
 *       opaque tree_hash<V>;
 *       opaque confirmed_transcript_hash<V>;
 *       Extension extensions<V>;
 *   } GroupContext;
 *
 * The extension list is kept as the raw body of its vector (without the length prefix);
 * the extension codec parses it. Decoded slices point into the input.
 */
#pragma once

#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/codec.h"
#include "mls/wire_limits.h"

/** ProtocolVersion mls10 (§6). */
#define SR_MLS_VERSION_10 1

struct sr_mls_group_context {
    uint16_t version;
    uint16_t cipher_suite;
    struct sr_slice group_id;
    uint64_t epoch;
    struct sr_slice tree_hash;
    struct sr_slice confirmed_transcript_hash;
    struct sr_slice extensions; /* encoded Extension items, the vector body only */
};

/** Append the encoding of `gc` to `w`. */
SR_MUST_USE sr_err sr_mls_group_context_encode(const struct sr_mls_group_context *gc,
                                               struct sr_buf *w);

/**
 * Read one GroupContext from `r`; slices in `out` borrow from the reader's input.
 * SR_ERR_DECODE for malformed bytes, SR_ERR_LIMIT past the caps of wire_limits.h
 * (SR_MLS_MAX_GROUP_ID, SR_MLS_MAX_HASH, SR_MLS_MAX_EXTENSIONS). Any version is
 * accepted here; validation rejects versions other than mls10. `out` is zeroed on error.
 */
SR_MUST_USE sr_err sr_mls_group_context_read(struct sr_reader *r, struct sr_mls_group_context *out);

/** Decode a whole GroupContext: like _read, and SR_ERR_DECODE when bytes are left over. */
SR_MUST_USE sr_err sr_mls_group_context_decode(struct sr_slice in,
                                               struct sr_mls_group_context *out);
