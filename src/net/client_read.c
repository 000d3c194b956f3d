/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a response on the client: the head through the strict parser in http_parse.c,
 * then the body as the head frames it (length, chunked, or until close), always within
 * the client's max_response_body. Bytes are read into a reusable buffer and the body goes
 * straight into the caller's, so steady keep-alive traffic allocates nothing.
 */
#include <string.h>

#include "net/client_int.h"
#include "net/http_parse.h"

#define READ_CHUNK (16u * 1024u)

/* Read more bytes into c->in; *eof on a clean end of stream. */
static sr_err fill(struct sr_net_client *c, uint64_t deadline, bool *eof)
{
    size_t got = 0;
    SR_TRY(sr_buf_reserve(&c->in, READ_CHUNK));
    SR_TRY(sr_net_io_read(&c->io, c->in.p + c->in.len, READ_CHUNK, &got, deadline,
                          sr_net_client_detail(c)));
    c->in.len += got;
    *eof = got == 0;
    return SR_OK;
}

static void consume(struct sr_buf *b, size_t n)
{
    if (n == 0) {
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

/* Read up to the end of a final (non-1xx) head and keep a copy of it in resp->head. */
static sr_err read_head(struct sr_net_client *c, bool head_req, struct sr_net_http_head *h,
                        struct sr_net_client_response *resp, uint64_t deadline, bool *any)
{
    for (;;) {
        size_t hl = 0;
        bool eof = false;
        SR_TRY(sr_net_http_head_end(c->in.p, c->in.len, &hl));
        if (hl == 0) {
            /* Waiting first spares a read that would only say "not yet". */
            if (c->in.len == 0) {
                SR_TRY(sr_net_io_wait_readable(&c->io, deadline, sr_net_client_detail(c)));
            }
            SR_TRY(fill(c, deadline, &eof));
            *any = *any || c->in.len > 0;
            SR_CHECK(!eof,
                     sr_net_client_fail(c, SR_ERR_IO, "connection closed before the response"));
            continue;
        }
        SR_TRY(sr_net_http_head_parse(c->in.p, hl, head_req, h));
        sr_buf_reset(&resp->head);
        SR_TRY(sr_buf_append(&resp->head, c->in.p, hl));
        consume(&c->in, hl);
        /* RFC 9110 §15.2: interim responses precede the final one; 101 is never asked for. */
        if (h->status >= 200) {
            return SR_OK;
        }
        SR_CHECK(h->status != 101, SR_ERR_DECODE);
    }
}

static sr_err read_length(struct sr_net_client *c, uint64_t n, struct sr_buf *body,
                          uint64_t deadline)
{
    SR_CHECK(n <= c->max_body, sr_net_client_fail(c, SR_ERR_LIMIT, "response body too large"));
    size_t want = (size_t)n, take = c->in.len < want ? c->in.len : want;
    SR_TRY(sr_buf_reserve(body, want));
    if (take > 0) {
        memcpy(body->p, c->in.p, take);
        consume(&c->in, take);
    }
    body->len = take;
    while (body->len < want) {
        size_t got = 0;
        SR_TRY(sr_net_io_read(&c->io, body->p + body->len, want - body->len, &got, deadline,
                              sr_net_client_detail(c)));
        SR_CHECK(got > 0, sr_net_client_fail(c, SR_ERR_IO, "connection closed inside the body"));
        body->len += got;
    }
    return SR_OK;
}

static sr_err read_chunked(struct sr_net_client *c, struct sr_buf *body, uint64_t deadline)
{
    struct sr_net_http_chunked ch = { 0 };
    bool done = false, eof = false;
    for (;;) {
        size_t used = 0;
        sr_err err = sr_net_http_chunked_feed(&ch, c->in.p, c->in.len, body, &used, &done);
        if (err == SR_ERR_LIMIT) {
            return sr_net_client_fail(c, err, "response body too large");
        }
        SR_TRY(err);
        consume(&c->in, used);
        if (done) {
            return SR_OK;
        }
        SR_TRY(fill(c, deadline, &eof));
        SR_CHECK(!eof, sr_net_client_fail(c, SR_ERR_IO, "connection closed inside the body"));
    }
}

static sr_err read_to_eof(struct sr_net_client *c, struct sr_buf *body, uint64_t deadline)
{
    bool eof = false;
    while (!eof) {
        SR_CHECK(c->in.len <= c->max_body - body->len,
                 sr_net_client_fail(c, SR_ERR_LIMIT, "response body too large"));
        SR_TRY(sr_buf_append(body, c->in.p, c->in.len));
        sr_buf_reset(&c->in);
        SR_TRY(fill(c, deadline, &eof));
    }
    return SR_OK;
}

sr_err sr_net_client_read_response(struct sr_net_client *c, bool head_req,
                                   struct sr_net_client_response *resp, uint64_t deadline,
                                   bool *any, bool *keep)
{
    struct sr_net_http_head h = { 0 };
    SR_TRY(read_head(c, head_req, &h, resp, deadline, any));
    resp->status = h.status;
    switch (h.framing) {
    case SR_NET_HTTP_BODY_LENGTH:
        SR_TRY(read_length(c, h.content_length, &resp->body, deadline));
        break;
    case SR_NET_HTTP_BODY_CHUNKED:
        SR_TRY(read_chunked(c, &resp->body, deadline));
        break;
    case SR_NET_HTTP_BODY_EOF:
        SR_TRY(read_to_eof(c, &resp->body, deadline));
        break;
    default:
        break;
    }
    /* Bytes after the response were never asked for: do not trust this connection again. */
    *keep = h.keep_alive && c->in.len == 0;
    return SR_OK;
}

void sr_net_client_response_init(struct sr_net_client_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    sr_buf_init(&resp->body, 0, 0);
    sr_buf_init(&resp->head, SR_NET_HTTP_MAX_HEAD, 0);
}

void sr_net_client_response_cleanup(struct sr_net_client_response *resp)
{
    sr_buf_cleanup(&resp->body);
    sr_buf_cleanup(&resp->head);
    resp->status = 0;
}

sr_err sr_net_client_response_header(const struct sr_net_client_response *resp, const char *name,
                                     struct sr_slice *value)
{
    return sr_net_http_head_find(resp->head.p, resp->head.len, name, value);
}
