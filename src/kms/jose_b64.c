/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict base64url without padding (RFC 7515 §2, RFC 4648 §5). Decoding refuses padding,
 * whitespace, characters outside the URL-safe alphabet, a length of 1 mod 4 and non-zero
 * unused bits, so a value has exactly one encoding and an altered IV or tag cannot pass for
 * the original.
 */
#include "kms/jose_int.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int value_of(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    return c == '_' ? 63 : -1;
}

sr_err sr_jose_b64_decode(struct sr_slice in, struct sr_buf *out)
{
    SR_CHECK(in.len % 4 != 1, SR_ERR_DECODE);
    size_t start = out->len;
    SR_TRY(sr_buf_reserve(out, in.len / 4 * 3 + 2));
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < in.len; i++) {
        int v = value_of(in.p[i]);
        if (v < 0) {
            out->len = start;
            return SR_ERR_DECODE;
        }
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->p[out->len++] = (uint8_t)(acc >> bits);
        }
    }
    /* The 2 or 4 leftover bits must be zero: only the canonical encoding is accepted. */
    if ((acc & ((1u << bits) - 1)) != 0) {
        out->len = start;
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_jose_b64_len(struct sr_slice in, size_t *len)
{
    SR_CHECK(in.len % 4 != 1, SR_ERR_DECODE);
    for (size_t i = 0; i < in.len; i++) {
        SR_CHECK(value_of(in.p[i]) >= 0, SR_ERR_DECODE);
    }
    /* The last character carries 2 (len % 4 == 2) or 4 (== 3) unused low bits. */
    unsigned unused = in.len % 4 == 2 ? 4 : (in.len % 4 == 3 ? 2 : 0);
    if (unused != 0) {
        SR_CHECK(((unsigned)value_of(in.p[in.len - 1]) & ((1u << unused) - 1)) == 0, SR_ERR_DECODE);
    }
    *len = in.len / 4 * 3 + (in.len % 4 == 0 ? 0 : in.len % 4 - 1);
    return SR_OK;
}

sr_err sr_jose_b64_encode(struct sr_slice in, struct sr_buf *out)
{
    SR_TRY(sr_buf_reserve(out, (in.len + 2) / 3 * 4));
    size_t i = 0;
    for (; i + 3 <= in.len; i += 3) {
        uint32_t v = (uint32_t)in.p[i] << 16 | (uint32_t)in.p[i + 1] << 8 | in.p[i + 2];
        for (int s = 18; s >= 0; s -= 6) {
            out->p[out->len++] = (uint8_t)alphabet[(v >> s) & 63];
        }
    }
    size_t rest = in.len - i;
    if (rest > 0) {
        uint32_t v = (uint32_t)in.p[i] << 16 | (rest == 2 ? (uint32_t)in.p[i + 1] << 8 : 0);
        out->p[out->len++] = (uint8_t)alphabet[(v >> 18) & 63];
        out->p[out->len++] = (uint8_t)alphabet[(v >> 12) & 63];
        if (rest == 2) {
            out->p[out->len++] = (uint8_t)alphabet[(v >> 6) & 63];
        }
    }
    return SR_OK;
}
