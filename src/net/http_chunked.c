/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Incremental decoder for the chunked transfer coding (RFC 9112 §7.1):
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk   = 1*("0") [ chunk-ext ] CRLF
 *
 * Extensions and trailer fields are skipped, within fixed bounds. The decoder is a table
 * of states fed one byte at a time, except chunk data, which is appended in one piece.
 */
#include <sealroom/buf.h>

#include "net/http_parse.h"

enum {
    ST_SIZE = 0,
    ST_EXT,
    ST_SIZE_LF,
    ST_DATA,
    ST_DATA_CR,
    ST_DATA_LF,
    ST_TRAILER,
    ST_TRAILER_LF,
    ST_FINAL_LF,
    ST_DONE,
};

#define MAX_SIZE_DIGITS 15   /* chunk sizes below 2^60 */
#define MAX_EXT_BYTES   256  /* per chunk line */
#define MAX_TRAILER     4096 /* all trailer lines together */

static sr_err on_size(struct sr_net_http_chunked *c, uint8_t b)
{
    int v = sr_hex_digit(b);
    if (v >= 0) {
        SR_CHECK(++c->count <= MAX_SIZE_DIGITS, SR_ERR_DECODE);
        c->remain = (c->remain << 4) | (uint64_t)v;
        return SR_OK;
    }
    SR_CHECK(c->count > 0, SR_ERR_DECODE);
    if (b == ';' || b == ' ' || b == '\t') {
        c->count = 0;
        c->state = ST_EXT;
        return SR_OK;
    }
    SR_CHECK(b == '\r', SR_ERR_DECODE);
    c->state = ST_SIZE_LF;
    return SR_OK;
}

static sr_err on_ext(struct sr_net_http_chunked *c, uint8_t b)
{
    if (b == '\r') {
        c->state = ST_SIZE_LF;
        return SR_OK;
    }
    SR_CHECK(b == '\t' || (b >= 0x20 && b != 0x7f), SR_ERR_DECODE);
    SR_CHECK(++c->count <= MAX_EXT_BYTES, SR_ERR_LIMIT);
    return SR_OK;
}

static sr_err on_trailer(struct sr_net_http_chunked *c, uint8_t b)
{
    if (b == '\r') {
        c->state = c->count == 0 ? ST_FINAL_LF : ST_TRAILER_LF;
        return SR_OK;
    }
    SR_CHECK(b == '\t' || (b >= 0x20 && b != 0x7f), SR_ERR_DECODE);
    SR_CHECK(++c->trailer_bytes <= MAX_TRAILER, SR_ERR_LIMIT);
    c->count++;
    return SR_OK;
}

/* One framing byte; data bytes never come here. */
static sr_err step(struct sr_net_http_chunked *c, uint8_t b)
{
    switch (c->state) {
    case ST_SIZE:
        return on_size(c, b);
    case ST_EXT:
        return on_ext(c, b);
    case ST_SIZE_LF:
        SR_CHECK(b == '\n', SR_ERR_DECODE);
        c->count = 0;
        c->state = c->remain == 0 ? ST_TRAILER : ST_DATA;
        return SR_OK;
    case ST_DATA_CR:
        SR_CHECK(b == '\r', SR_ERR_DECODE);
        c->state = ST_DATA_LF;
        return SR_OK;
    case ST_DATA_LF:
        SR_CHECK(b == '\n', SR_ERR_DECODE);
        c->state = ST_SIZE;
        c->count = 0;
        return SR_OK;
    case ST_TRAILER:
        return on_trailer(c, b);
    case ST_TRAILER_LF:
        SR_CHECK(b == '\n', SR_ERR_DECODE);
        c->count = 0;
        c->state = ST_TRAILER;
        return SR_OK;
    case ST_FINAL_LF:
        SR_CHECK(b == '\n', SR_ERR_DECODE);
        c->state = ST_DONE;
        return SR_OK;
    default:
        return SR_ERR_STATE;
    }
}

sr_err sr_net_http_chunked_feed(struct sr_net_http_chunked *c, const uint8_t *p, size_t len,
                                struct sr_buf *out, size_t *used, bool *done)
{
    size_t i = 0;
    sr_err err = SR_OK;

    while (i < len && c->state != ST_DONE) {
        if (c->state == ST_DATA) {
            size_t n = len - i;
            if ((uint64_t)n > c->remain) {
                n = (size_t)c->remain;
            }
            err = sr_buf_append(out, p + i, n);
            if (err != SR_OK) {
                break;
            }
            i += n;
            c->remain -= n;
            if (c->remain == 0) {
                c->state = ST_DATA_CR;
            }
            continue;
        }
        err = step(c, p[i]);
        if (err != SR_OK) {
            break;
        }
        i++;
    }
    *used = i;
    *done = c->state == ST_DONE;
    return err;
}
