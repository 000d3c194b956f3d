/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the HTTP/1.1 response parser the client uses (src/net/http_parse.h): head
 * measurement and parsing, header lookup, and chunked decoding. Oracles: the chunked
 * decoder gives the same bytes and the same verdict whether fed all at once or one byte at
 * a time, never writes past its limit, and a parsed head never claims a framing its
 * headers do not support.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sealroom/buf.h>

#include "net/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BODY_MAX 4096

static sr_err dechunk(const uint8_t *p, size_t n, size_t step, struct sr_buf *out, size_t *pos,
                      bool *done)
{
    struct sr_net_http_chunked c = { 0 };
    size_t used = 0;
    *pos = 0;
    *done = false;
    while (*pos < n && !*done) {
        size_t k = step < n - *pos ? step : n - *pos;
        sr_err err = sr_net_http_chunked_feed(&c, p + *pos, k, out, &used, done);
        *pos += used;
        if (err != SR_OK) {
            return err;
        }
        if (used == 0 && !*done) {
            abort(); /* no progress without an error or the end */
        }
    }
    return SR_OK;
}

static void check_chunked(const uint8_t *p, size_t n)
{
    struct sr_buf a, b;
    size_t pa, pb;
    bool da, db;
    sr_buf_init(&a, BODY_MAX, 0);
    sr_buf_init(&b, BODY_MAX, 0);
    sr_err ea = dechunk(p, n, n, &a, &pa, &da);
    sr_err eb = dechunk(p, n, 1, &b, &pb, &db);
    if (ea != eb || da != db || a.len > BODY_MAX) {
        abort();
    }
    if (ea == SR_OK && (pa != pb || a.len != b.len || (a.len && memcmp(a.p, b.p, a.len) != 0))) {
        abort();
    }
    sr_buf_cleanup(&a);
    sr_buf_cleanup(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t hl = 0;
    struct sr_net_http_head h;
    struct sr_slice v;

    /* a private copy, so ASan sees any read beyond `size` */
    uint8_t *in = malloc(size == 0 ? 1 : size);
    if (in == NULL) {
        return 0;
    }
    memcpy(in, data, size);
    if (sr_net_http_head_end(in, size, &hl) == SR_OK && hl > 0) {
        bool head_req = hl % 2 == 1;
        if (sr_net_http_head_parse(in, hl, head_req, &h) == SR_OK) {
            if (h.status < 100 || h.status > 999 || (head_req && h.framing != 0)) {
                abort();
            }
            (void)sr_net_http_head_find(in, hl, "content-type", &v);
            if (h.framing == SR_NET_HTTP_BODY_CHUNKED) {
                check_chunked(in + hl, size - hl);
            }
        }
    }
    check_chunked(in, size);
    free(in);
    return 0;
}
