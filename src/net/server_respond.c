/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing HTTP/1.1 responses on the server: the status line, framing headers, the
 * handler's extra headers and the body go out in one lws_write, so a small answer leaves
 * in one TLS record. Handler results are mapped to statuses here, in one place.
 */
#include <stdio.h>
#include <string.h>

#include "net/server_int.h"

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 421:
        return "Misdirected Request";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

/*
 * Write status, headers and body with one lws_write. Returns what the lws callback must
 * return: 0 to keep the connection for the next request, -1 to close it.
 */
/*
 * RFC 9112 §9.6: a server that receives "Connection: close" closes after its response and
 * SHOULD say so. libwebsockets does the closing (lws_http_transaction_completed); this
 * only finds out whether to announce it.
 */
static bool wants_close(struct lws *wsi)
{
    char v[64];
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_CONNECTION);
    if (n <= 0 || (size_t)n >= sizeof(v) ||
        lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_CONNECTION) < 0) {
        return false;
    }
    for (char *p = v; *p != 0; p++) {
        *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
    }
    return strstr(v, "close") != NULL;
}

int sr_net_http_respond(struct lws *wsi, struct sr_net_server *srv, int status, const char *ctype,
                        struct sr_slice body, const char *extra, size_t extra_len, bool close)
{
    char head[512];
    struct sr_net_pss *pss = lws_wsi_user(wsi);
    bool head_only = pss != NULL && pss->head_only;
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%s%s%scontent-length: %zu\r\n%s",
                     status, reason(status), ctype ? "content-type: " : "", ctype ? ctype : "",
                     ctype ? "\r\n" : "", body.len,
                     close || wants_close(wsi) ? "connection: close\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof(head)) {
        return -1;
    }
    struct sr_buf *o = &srv->out;
    sr_buf_reset(o);
    size_t total = LWS_PRE + (size_t)n + extra_len + 2 + (head_only ? 0 : body.len);
    if (sr_buf_reserve(o, total) != SR_OK) {
        return -1;
    }
    o->len = LWS_PRE;
    memcpy(o->p + o->len, head, (size_t)n);
    o->len += (size_t)n;
    memcpy(o->p + o->len, extra, extra_len);
    o->len += extra_len;
    memcpy(o->p + o->len, "\r\n", 2);
    o->len += 2;
    if (!head_only && body.len > 0) {
        memcpy(o->p + o->len, body.p, body.len);
        o->len += body.len;
    }
    size_t len = o->len - LWS_PRE;
    if (lws_write(wsi, o->p + LWS_PRE, len, LWS_WRITE_HTTP) < (int)len) {
        return -1;
    }
    if (close) {
        return -1;
    }
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int sr_net_http_respond_error(struct lws *wsi, struct sr_net_server *srv, int status, bool close)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "%d %s\n", status, reason(status));
    return sr_net_http_respond(wsi, srv, status, "text/plain; charset=utf-8",
                               sr_slice_of(text, (size_t)n), "", 0, close);
}

static int status_of(sr_err err)
{
    switch (err) {
    case SR_ERR_DECODE:
    case SR_ERR_INVALID:
    case SR_ERR_ARG:
        return 400;
    case SR_ERR_AUTH:
        return 401;
    case SR_ERR_DENIED:
        return 403;
    case SR_ERR_NOT_FOUND:
        return 404;
    case SR_ERR_LIMIT:
        return 413;
    default:
        return 500;
    }
}

/* A content type is written into the head verbatim: it must not carry a line break. */
static bool ctype_ok(const char *ct)
{
    return ct == NULL || (ct[0] != 0 && strcspn(ct, "\r\n") == strlen(ct) && strlen(ct) < 200);
}

int sr_net_http_respond_result(struct lws *wsi, struct sr_net_server *srv, sr_err err,
                               const struct sr_net_http_response *resp)
{
    if (err != SR_OK) {
        return sr_net_http_respond_error(wsi, srv, status_of(err), false);
    }
    if (resp->status < 200 || resp->status > 599 || !ctype_ok(resp->content_type)) {
        return sr_net_http_respond_error(wsi, srv, 500, false);
    }
    return sr_net_http_respond(wsi, srv, resp->status, resp->content_type,
                               sr_buf_slice(&resp->body), resp->extra, resp->extra_len, false);
}
