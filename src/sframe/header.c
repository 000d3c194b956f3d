/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SFrame header (RFC 9605 §4.3): a config byte, then the KID and the CTR when they do
 * not fit in it. Values 0-7 sit in the config byte; larger ones follow in the minimum
 * number of big-endian bytes, the config field holding that length minus one.
 *
 *    0 1 2 3 4 5 6 7
 *   +-+-+-+-+-+-+-+-+------------+------------+
 *   |X|  K  |Y|  C  |   KID...   |   CTR...   |
 *   +-+-+-+-+-+-+-+-+------------+------------+
 *
 * Decoding accepts only the form encoding produces, so decode-then-encode gives back the
 * same bytes and every (KID, CTR) has exactly one header.
 */
#include "sframe/header.h"

#include <string.h>

#define FLAG_X    0x80u
#define FLAG_Y    0x08u
#define SHORT_MAX 7u

/* Bytes needed for v >= 8 in minimal big-endian form: 1..8. */
static size_t value_len(uint64_t v)
{
    return (size_t)(64 - __builtin_clzll(v | 1) + 7) / 8;
}

/* The config field (3 bits) and flag for v, and how many bytes follow. */
static size_t field_for(uint64_t v, uint8_t *field, bool *extended)
{
    if (v <= SHORT_MAX) {
        *field = (uint8_t)v;
        *extended = false;
        return 0;
    }
    size_t n = value_len(v);
    *field = (uint8_t)(n - 1);
    *extended = true;
    return n;
}

size_t sr_sframe_header_size(uint64_t kid, uint64_t ctr)
{
    size_t k = kid <= SHORT_MAX ? 0 : value_len(kid);
    size_t c = ctr <= SHORT_MAX ? 0 : value_len(ctr);
    return 1 + k + c;
}

static void put_be(uint8_t *out, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

sr_err sr_sframe_header_encode(uint64_t kid, uint64_t ctr, uint8_t *out, size_t cap,
                               size_t *out_len)
{
    uint8_t kf, cf;
    bool kx, cx;
    size_t klen = field_for(kid, &kf, &kx);
    size_t clen = field_for(ctr, &cf, &cx);
    size_t len = 1 + klen + clen;
    SR_CHECK(out != NULL && out_len != NULL, SR_ERR_ARG);
    SR_CHECK(cap >= len, SR_ERR_BUFFER_TOO_SMALL);
    out[0] = (uint8_t)((kx ? FLAG_X : 0u) | (unsigned)(kf << 4) | (cx ? FLAG_Y : 0u) | cf);
    put_be(out + 1, kid, klen);
    put_be(out + 1 + klen, ctr, clen);
    *out_len = len;
    return SR_OK;
}

/*
 * Read one extended value of `n` bytes at *p (bounded by end). RFC 9605 §4.3: "the value
 * MUST be encoded with the minimum number of bytes required", and values 0-7 MUST use the
 * config byte, so a leading zero byte or a one-byte value below 8 is rejected.
 */
static sr_err read_value(const uint8_t **p, const uint8_t *end, size_t n, uint64_t *v)
{
    SR_CHECK((size_t)(end - *p) >= n, SR_ERR_DECODE);
    const uint8_t *q = *p;
    SR_CHECK(q[0] != 0, SR_ERR_DECODE);
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        x = (x << 8) | q[i];
    }
    SR_CHECK(x > SHORT_MAX, SR_ERR_DECODE);
    *p = q + n;
    *v = x;
    return SR_OK;
}

static sr_err decode(struct sr_slice in, struct sr_sframe_header *hdr)
{
    SR_CHECK(in.p != NULL && in.len >= 1, SR_ERR_DECODE);
    const uint8_t *p = in.p;
    const uint8_t *end = in.p + in.len;
    uint8_t config = *p++;
    uint8_t k = (config >> 4) & 0x07u;
    uint8_t c = config & 0x07u;
    uint64_t kid = k, ctr = c;
    if ((config & FLAG_X) != 0) {
        SR_TRY(read_value(&p, end, (size_t)k + 1, &kid));
    }
    if ((config & FLAG_Y) != 0) {
        SR_TRY(read_value(&p, end, (size_t)c + 1, &ctr));
    }
    hdr->kid = kid;
    hdr->ctr = ctr;
    hdr->len = (size_t)(p - in.p);
    return SR_OK;
}

sr_err sr_sframe_header_decode(struct sr_slice in, struct sr_sframe_header *hdr)
{
    SR_CHECK(hdr != NULL, SR_ERR_ARG);
    sr_err err = decode(in, hdr);
    if (err != SR_OK) {
        memset(hdr, 0, sizeof(*hdr));
    }
    return err;
}
