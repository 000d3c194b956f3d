/* SPDX-License-Identifier: Apache-2.0 */
/* TLS presentation-language codec with MLS variable-length integers (RFC 9420 §2.1.2). */
#include "core/codec.h"

#include <string.h>

sr_err sr_reader_done(const struct sr_reader *r)
{
    return r->p == r->end ? SR_OK : SR_ERR_DECODE;
}

static sr_err take(struct sr_reader *r, size_t n, const uint8_t **out)
{
    SR_CHECK(sr_reader_left(r) >= n, SR_ERR_DECODE);
    *out = r->p;
    if (n > 0) {
        r->p += n;
    }
    return SR_OK;
}

sr_err sr_read_u8(struct sr_reader *r, uint8_t *v)
{
    const uint8_t *p;
    SR_TRY(take(r, 1, &p));
    *v = p[0];
    return SR_OK;
}

sr_err sr_read_u16(struct sr_reader *r, uint16_t *v)
{
    const uint8_t *p;
    SR_TRY(take(r, 2, &p));
    *v = (uint16_t)(p[0] << 8 | p[1]);
    return SR_OK;
}

sr_err sr_read_u32(struct sr_reader *r, uint32_t *v)
{
    const uint8_t *p;
    SR_TRY(take(r, 4, &p));
    *v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return SR_OK;
}

sr_err sr_read_u64(struct sr_reader *r, uint64_t *v)
{
    const uint8_t *p;
    SR_TRY(take(r, 8, &p));
    uint64_t x = 0;
    for (int i = 0; i < 8; i++) {
        x = x << 8 | p[i];
    }
    *v = x;
    return SR_OK;
}

sr_err sr_read_bool(struct sr_reader *r, bool *v)
{
    uint8_t b;
    SR_TRY(sr_read_u8(r, &b));
    SR_CHECK(b <= 1, SR_ERR_DECODE);
    *v = b == 1;
    return SR_OK;
}

sr_err sr_read_optional(struct sr_reader *r, bool *present)
{
    return sr_read_bool(r, present);
}

sr_err sr_read_varint(struct sr_reader *r, uint32_t *v)
{
    SR_CHECK(sr_reader_left(r) >= 1, SR_ERR_DECODE);
    unsigned prefix = r->p[0] >> 6;
    /* RFC 9420 §2.1.2: the 0b11 prefix is invalid. */
    SR_CHECK(prefix != 3, SR_ERR_DECODE);
    size_t n = (size_t)1 << prefix;
    const uint8_t *p;
    SR_TRY(take(r, n, &p));
    uint32_t x = p[0] & 0x3f;
    for (size_t i = 1; i < n; i++) {
        x = x << 8 | p[i];
    }
    /* "the encoding MUST use the minimum number of bytes": reject non-minimal forms. */
    if (sr_varint_size(x) != n) {
        r->p -= n;
        return SR_ERR_DECODE;
    }
    *v = x;
    return SR_OK;
}

sr_err sr_read_fixed(struct sr_reader *r, size_t n, struct sr_slice *out)
{
    const uint8_t *p;
    SR_TRY(take(r, n, &p));
    *out = sr_slice_of(p, n);
    return SR_OK;
}

sr_err sr_read_opaque_v(struct sr_reader *r, size_t max, struct sr_slice *out)
{
    struct sr_reader save = *r;
    uint32_t len;
    SR_TRY(sr_read_varint(r, &len));
    if (len > max) {
        *r = save;
        return SR_ERR_LIMIT;
    }
    sr_err err = sr_read_fixed(r, len, out);
    if (err != SR_OK) {
        *r = save;
    }
    return err;
}

sr_err sr_read_vector_v(struct sr_reader *r, size_t max, struct sr_reader *sub)
{
    struct sr_slice body;
    SR_TRY(sr_read_opaque_v(r, max, &body));
    sr_reader_init(sub, body);
    return SR_OK;
}

size_t sr_varint_size(uint64_t v)
{
    if (v < 0x40) {
        return 1;
    }
    if (v < 0x4000) {
        return 2;
    }
    if (v <= SR_VARINT_MAX) {
        return 4;
    }
    return 0;
}

static sr_err put_be(struct sr_buf *w, uint64_t v, size_t n)
{
    SR_TRY(sr_buf_reserve(w, n));
    for (size_t i = 0; i < n; i++) {
        w->p[w->len + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
    w->len += n;
    return SR_OK;
}

sr_err sr_write_u8(struct sr_buf *w, uint8_t v)
{
    return put_be(w, v, 1);
}

sr_err sr_write_u16(struct sr_buf *w, uint16_t v)
{
    return put_be(w, v, 2);
}

sr_err sr_write_u32(struct sr_buf *w, uint32_t v)
{
    return put_be(w, v, 4);
}

sr_err sr_write_u64(struct sr_buf *w, uint64_t v)
{
    return put_be(w, v, 8);
}

sr_err sr_write_bool(struct sr_buf *w, bool v)
{
    return put_be(w, v ? 1 : 0, 1);
}

/* The varint of `v` into `out`, which has room for `n` = sr_varint_size(v) bytes. */
static void encode_varint(uint8_t *out, uint32_t v, size_t n)
{
    static const uint8_t prefix[5] = { 0, 0x00, 0x40, 0, 0x80 };
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
    out[0] |= prefix[n];
}

sr_err sr_write_varint(struct sr_buf *w, uint64_t v)
{
    size_t n = sr_varint_size(v);
    SR_CHECK(n != 0, SR_ERR_LIMIT);
    SR_TRY(sr_buf_reserve(w, n));
    encode_varint(w->p + w->len, (uint32_t)v, n);
    w->len += n;
    return SR_OK;
}

sr_err sr_write_bytes(struct sr_buf *w, const void *p, size_t n)
{
    return sr_buf_append(w, p, n);
}

sr_err sr_write_opaque_v(struct sr_buf *w, const void *p, size_t n)
{
    SR_CHECK(n <= SR_VARINT_MAX, SR_ERR_LIMIT);
    SR_TRY(sr_buf_reserve(w, sr_varint_size(n) + n));
    SR_TRY(sr_write_varint(w, n));
    return sr_buf_append(w, p, n);
}

sr_err sr_write_vector_begin(struct sr_buf *w, struct sr_vec_mark *mark)
{
    /* Reserve the one-byte form; sr_write_vector_end widens it if the body is longer. */
    mark->start = w->len;
    return sr_write_u8(w, 0);
}

sr_err sr_write_vector_end(struct sr_buf *w, const struct sr_vec_mark *mark)
{
    size_t body = w->len - mark->start - 1;
    size_t n = sr_varint_size(body);
    if (n == 0) {
        w->len = mark->start;
        return SR_ERR_LIMIT;
    }
    if (n > 1) {
        sr_err err = sr_buf_reserve(w, n - 1);
        if (err != SR_OK) {
            w->len = mark->start;
            return err;
        }
        uint8_t *p = w->p + mark->start;
        memmove(p + n, p + 1, body);
        w->len += n - 1;
    }
    encode_varint(w->p + mark->start, (uint32_t)body, n);
    return SR_OK;
}
