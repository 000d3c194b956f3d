/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request a handler sees. Path, query and the few headers handlers need are copied
 * out of libwebsockets' header table into one reusable buffer, so the request stays valid
 * on a worker thread even if the connection closes meanwhile, and a steady stream of
 * requests allocates nothing. Each value has a fixed cap; a request past it never reaches
 * a handler.
 */
#include <string.h>

#include "net/server_int.h"

#define MAX_CTYPE 256
#define MAX_HOST  256

/* Append a header's value and a NUL ("" when absent); false when it is too long. */
static bool add_header(struct sr_buf *b, struct lws *wsi, enum lws_token_indexes t, size_t cap)
{
    int len = lws_hdr_total_length(wsi, t);
    if (len < 0 || (size_t)len >= cap || sr_buf_reserve(b, (size_t)len + 1) != SR_OK) {
        return false;
    }
    b->p[b->len] = 0;
    if (len > 0 && lws_hdr_copy(wsi, (char *)b->p + b->len, len + 1, t) != len) {
        return false;
    }
    b->len += (size_t)len + 1;
    return true;
}

/*
 * The query string as its '&'-joined arguments. libwebsockets stores each argument
 * percent-decoded as one fragment, and lws_hdr_copy would join them with ','.
 */
static bool add_query(struct sr_buf *b, struct lws *wsi)
{
    size_t pos = 0;
    if (sr_buf_reserve(b, SR_NET_MAX_QUERY + 1) != SR_OK) {
        return false;
    }
    char *q = (char *)b->p + b->len;
    for (int i = 0; i < 256; i++) {
        int n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0) {
            break;
        }
        if (pos + (size_t)n + 2 > SR_NET_MAX_QUERY) {
            return false;
        }
        if (pos > 0) {
            q[pos++] = '&';
        }
        if (lws_hdr_copy_fragment(wsi, q + pos, (int)(SR_NET_MAX_QUERY - pos),
                                  WSI_TOKEN_HTTP_URI_ARGS, i) != n) {
            return false;
        }
        pos += (size_t)n;
    }
    q[pos] = 0;
    b->len += pos + 1;
    return true;
}

int sr_net_http_gather(struct lws *wsi, const char *path, struct sr_net_req_strs *s)
{
    struct sr_buf *b = &s->buf;
    sr_buf_reset(b);
    s->off[SR_NET_STR_PATH] = 0;
    if (sr_buf_append(b, path, strlen(path) + 1) != SR_OK) {
        return 500;
    }
    s->off[SR_NET_STR_QUERY] = b->len;
    if (!add_query(b, wsi)) {
        return 414;
    }
    s->off[SR_NET_STR_CTYPE] = b->len;
    if (!add_header(b, wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, MAX_CTYPE)) {
        return 400;
    }
    s->off[SR_NET_STR_AUTH] = b->len;
    if (!add_header(b, wsi, WSI_TOKEN_HTTP_AUTHORIZATION, SR_NET_MAX_HVAL)) {
        return 400;
    }
    s->off[SR_NET_STR_HOST] = b->len;
    if (!add_header(b, wsi, WSI_TOKEN_HOST, MAX_HOST)) {
        return 400;
    }
    return 0;
}

void sr_net_http_request_fill(struct sr_net_http_request *req, const char *method,
                              const struct sr_net_req_strs *s, const struct sr_buf *body,
                              struct lws *wsi)
{
    const char *base = (const char *)s->buf.p;
    memset(req, 0, sizeof(*req));
    req->method = method;
    req->path = base + s->off[SR_NET_STR_PATH];
    req->query = base + s->off[SR_NET_STR_QUERY];
    req->content_type = base + s->off[SR_NET_STR_CTYPE];
    req->authorization = base + s->off[SR_NET_STR_AUTH];
    req->host = base + s->off[SR_NET_STR_HOST];
    req->body = sr_buf_slice(body);
    req->conn = (struct sr_net_http_conn *)wsi;
}

void sr_net_http_response_reset(struct sr_net_http_response *resp)
{
    resp->status = 200;
    resp->content_type = NULL;
    resp->extra_len = 0;
    sr_buf_reset(&resp->body);
}
