/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounds-checked reader and writer for the TLS presentation language as RFC 9420 uses
 * it (§2.1.2): big-endian scalars, strict booleans and optionals, and vectors whose
 * length is an MLS variable-length integer.
 *
 * Reading never copies: slices point into the input. Every vector read names a length
 * cap for its field; a longer vector is SR_ERR_LIMIT. Any other malformation, including
 * non-minimal varints and the reserved 0b11 prefix, is SR_ERR_DECODE. Under these rules
 * decode-then-encode gives back the same bytes.
 *
 * Writing appends to a struct sr_buf, growable or fixed (sr_buf_init_fixed).
 */
#pragma once

#include <stdbool.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

/** The largest length an MLS varint can hold: 2^30 - 1. */
#define SR_VARINT_MAX 0x3fffffffu

struct sr_reader {
    const uint8_t *p;
    const uint8_t *end;
};

static inline void sr_reader_init(struct sr_reader *r, struct sr_slice in)
{
    /* An empty slice may carry a NULL pointer; NULL + 0 is undefined in C. */
    r->p = in.p;
    r->end = in.len > 0 ? in.p + in.len : in.p;
}

static inline size_t sr_reader_left(const struct sr_reader *r)
{
    return (size_t)(r->end - r->p);
}

/** SR_OK when every byte was consumed, SR_ERR_DECODE when any is left. */
SR_MUST_USE sr_err sr_reader_done(const struct sr_reader *r);

SR_MUST_USE sr_err sr_read_u8(struct sr_reader *r, uint8_t *v);
SR_MUST_USE sr_err sr_read_u16(struct sr_reader *r, uint16_t *v);
SR_MUST_USE sr_err sr_read_u32(struct sr_reader *r, uint32_t *v);
SR_MUST_USE sr_err sr_read_u64(struct sr_reader *r, uint64_t *v);

/** A TLS bool: one byte that must be 0 or 1. */
SR_MUST_USE sr_err sr_read_bool(struct sr_reader *r, bool *v);

/** The presence byte of optional<T>: 0 or 1. */
SR_MUST_USE sr_err sr_read_optional(struct sr_reader *r, bool *present);

/** An MLS varint in its minimal 1-, 2- or 4-byte form. */
SR_MUST_USE sr_err sr_read_varint(struct sr_reader *r, uint32_t *v);

/** Exactly `n` bytes, borrowed. */
SR_MUST_USE sr_err sr_read_fixed(struct sr_reader *r, size_t n, struct sr_slice *out);

/** opaque<V> of at most `max` bytes (SR_ERR_LIMIT beyond), borrowed. */
SR_MUST_USE sr_err sr_read_opaque_v(struct sr_reader *r, size_t max, struct sr_slice *out);

/**
 * A vector<V> of at most `max` bytes, as a sub-reader over its body. The caller reads the
 * items and must finish with sr_reader_done(sub).
 */
SR_MUST_USE sr_err sr_read_vector_v(struct sr_reader *r, size_t max, struct sr_reader *sub);

/** The number of bytes the varint encoding of `v` takes (0 if v > SR_VARINT_MAX). */
size_t sr_varint_size(uint64_t v);

SR_MUST_USE sr_err sr_write_u8(struct sr_buf *w, uint8_t v);
SR_MUST_USE sr_err sr_write_u16(struct sr_buf *w, uint16_t v);
SR_MUST_USE sr_err sr_write_u32(struct sr_buf *w, uint32_t v);
SR_MUST_USE sr_err sr_write_u64(struct sr_buf *w, uint64_t v);
SR_MUST_USE sr_err sr_write_bool(struct sr_buf *w, bool v);

/** A minimal MLS varint; SR_ERR_LIMIT when v > SR_VARINT_MAX. */
SR_MUST_USE sr_err sr_write_varint(struct sr_buf *w, uint64_t v);

/** Raw bytes with no length prefix. */
SR_MUST_USE sr_err sr_write_bytes(struct sr_buf *w, const void *p, size_t n);

/** opaque<V>: varint length then the bytes. */
SR_MUST_USE sr_err sr_write_opaque_v(struct sr_buf *w, const void *p, size_t n);

static inline SR_MUST_USE sr_err sr_write_slice_v(struct sr_buf *w, struct sr_slice s)
{
    return sr_write_opaque_v(w, s.p, s.len);
}

/** Marks the start of a vector whose length is written once its body is known. */
struct sr_vec_mark {
    size_t start;
};

/** Begin a vector<V>; write its items, then call sr_write_vector_end. */
SR_MUST_USE sr_err sr_write_vector_begin(struct sr_buf *w, struct sr_vec_mark *mark);

/** Finish the vector begun at `mark`, writing its length in minimal varint form. */
SR_MUST_USE sr_err sr_write_vector_end(struct sr_buf *w, const struct sr_vec_mark *mark);
