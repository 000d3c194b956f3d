/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP/1.1 requests on the libwebsockets server: method and route lookup, body collection
 * up to the configured limit, the call into the handler, and the response, written as one
 * buffer (head and body together) so a small answer leaves in one TLS record.
 *
 * Bad requests never reach a handler. A body over the limit is read and dropped, then
 * answered with 413 on the same connection; one far over the limit is answered at once
 * and the connection closed, so a client cannot make the server read gigabytes.
 */
#include <stdio.h>
#include <string.h>

#include "net/server_int.h"

#define DRAIN_MAX ((uint64_t)1 << 20) /* bytes past max_body we read to keep the connection */

struct method {
    enum lws_token_indexes token;
    const char *name;
    bool has_body;
};

static const struct method methods[] = {
    { WSI_TOKEN_GET_URI, "GET", false },       { WSI_TOKEN_POST_URI, "POST", true },
    { WSI_TOKEN_PUT_URI, "PUT", true },        { WSI_TOKEN_PATCH_URI, "PATCH", true },
    { WSI_TOKEN_DELETE_URI, "DELETE", false }, { WSI_TOKEN_OPTIONS_URI, "OPTIONS", false },
    { WSI_TOKEN_HEAD_URI, "HEAD", false },
};

static int method_of(struct lws *wsi)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (lws_hdr_total_length(wsi, methods[i].token) > 0) {
            return (int)i;
        }
    }
    return -1;
}

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
static int respond(struct lws *wsi, struct sr_net_server *srv, int status, const char *ctype,
                   struct sr_slice body, const char *extra, size_t extra_len, bool close)
{
    char head[512];
    struct sr_net_pss *pss = lws_wsi_user(wsi);
    bool head_only =
            pss != NULL && pss->method >= 0 && strcmp(methods[pss->method].name, "HEAD") == 0;
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%s%s%scontent-length: %zu\r\n%s",
                     status, reason(status), ctype ? "content-type: " : "", ctype ? ctype : "",
                     ctype ? "\r\n" : "", body.len, close ? "connection: close\r\n" : "");
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

static int respond_error(struct lws *wsi, struct sr_net_server *srv, int status, bool close)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "%d %s\n", status, reason(status));
    return respond(wsi, srv, status, "text/plain; charset=utf-8", sr_slice_of(text, (size_t)n), "",
                   0, close);
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

/* Copy a header into `buf` ("" when absent); false when it does not fit. */
static bool header_into(struct lws *wsi, enum lws_token_indexes t, char *buf, size_t cap)
{
    buf[0] = 0;
    if (lws_hdr_total_length(wsi, t) <= 0) {
        return true;
    }
    return lws_hdr_copy(wsi, buf, (int)cap, t) >= 0;
}

/*
 * The query string as its '&'-joined arguments. libwebsockets stores each argument
 * percent-decoded as one fragment, and lws_hdr_copy would join them with ','.
 */
static bool query_into(struct lws *wsi, char *buf, size_t cap)
{
    size_t pos = 0;

    buf[0] = 0;
    for (int i = 0; i < 256; i++) {
        int n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0) {
            break;
        }
        if (pos + (size_t)n + 2 > cap) {
            return false;
        }
        if (pos > 0) {
            buf[pos++] = '&';
        }
        if (lws_hdr_copy_fragment(wsi, buf + pos, (int)(cap - pos), WSI_TOKEN_HTTP_URI_ARGS, i) <
            0) {
            return false;
        }
        pos += (size_t)n;
    }
    buf[pos] = 0;
    return true;
}

static int dispatch(struct lws *wsi, struct sr_net_server *srv, struct sr_net_pss *pss)
{
    struct sr_net_http_request req = { .method = methods[pss->method].name,
                                       .path = pss->path,
                                       .query = srv->query,
                                       .content_type = srv->ctype,
                                       .authorization = srv->auth,
                                       .body = sr_buf_slice(&pss->body),
                                       .conn = (struct sr_net_http_conn *)wsi };
    struct sr_net_http_response *resp = &srv->resp;

    if (!query_into(wsi, srv->query, sizeof(srv->query))) {
        return respond_error(wsi, srv, 414, false);
    }
    if (!header_into(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, srv->ctype, sizeof(srv->ctype)) ||
        !header_into(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, srv->auth, sizeof(srv->auth))) {
        return respond_error(wsi, srv, 400, false);
    }
    resp->status = 200;
    resp->content_type = NULL;
    resp->extra_len = 0;
    sr_buf_reset(&resp->body);
    sr_err err = pss->route->handler(pss->route->arg, &req, resp);
    sr_buf_reset(&pss->body);
    if (err != SR_OK || resp->status < 200 || resp->status > 599) {
        return respond_error(wsi, srv, err != SR_OK ? status_of(err) : 500, false);
    }
    return respond(wsi, srv, resp->status, resp->content_type, sr_buf_slice(&resp->body),
                   resp->extra, resp->extra_len, false);
}

/* 405 with the methods the path does allow (RFC 9110 §15.5.6: MUST send Allow). */
static int respond_405(struct lws *wsi, struct sr_net_server *srv, const char *path)
{
    char allow[256] = "allow: ";
    size_t n = strlen(allow);
    for (size_t i = 0; i < srv->n_routes; i++) {
        const struct sr_net_route_int *r = &srv->routes[i];
        bool dummy;
        if (r->ws == NULL && sr_net_route_find(srv, path, r->method, false, &dummy) == r &&
            n + strlen(r->method) + 8 < sizeof(allow)) {
            n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s", n > 7 ? ", " : "",
                                  r->method);
        }
    }
    n += (size_t)snprintf(allow + n, sizeof(allow) - n, "\r\n");
    return respond(wsi, srv, 405, "text/plain; charset=utf-8",
                   sr_slice_of("405 Method Not Allowed\n", 23), allow, n, false);
}

/* Decide the fate of a request whose headers are complete. */
static int on_http(struct lws *wsi, struct sr_net_server *srv, struct sr_net_pss *pss,
                   const char *path, size_t len)
{
    char cl[32];
    bool matched = false;

    pss->error_status = 0;
    pss->expect = pss->received = 0;
    sr_buf_reset(&pss->body);
    pss->body.max = srv->max_body;
    pss->method = method_of(wsi);
    if (pss->method < 0) {
        return respond_error(wsi, srv, 405, true);
    }
    if (len >= sizeof(pss->path)) {
        return respond_error(wsi, srv, 414, true);
    }
    memcpy(pss->path, path, len);
    pss->path[len] = 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        return respond_error(wsi, srv, 411, true); /* chunked request bodies: not taken */
    }
    if (!header_into(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof(cl))) {
        return respond_error(wsi, srv, 400, true);
    }
    if (cl[0] != 0) {
        char *end = NULL;
        unsigned long long v = strtoull(cl, &end, 10);
        if (cl[0] < '0' || cl[0] > '9' || *end != 0 || strlen(cl) > 18) {
            return respond_error(wsi, srv, 400, true);
        }
        pss->expect = v;
    }
    const char *m = methods[pss->method].name;
    pss->route = sr_net_route_find(srv, pss->path, m, false, &matched);
    if (pss->route == NULL) {
        bool ws_route = sr_net_route_find(srv, pss->path, m, true, &matched) != NULL;
        pss->error_status = ws_route ? 426 : matched ? 405 : 404;
    } else if (pss->expect > srv->max_body) {
        pss->error_status = 413;
    }
    if (pss->expect > srv->max_body + DRAIN_MAX) {
        return respond_error(wsi, srv, pss->error_status ? pss->error_status : 413, true);
    }
    if (pss->expect > 0) {
        return 0; /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
    }
    return 1;
}

static int finish(struct lws *wsi, struct sr_net_server *srv, struct sr_net_pss *pss)
{
    switch (pss->error_status) {
    case 0:
        return dispatch(wsi, srv, pss);
    case 405:
        return respond_405(wsi, srv, pss->path);
    default:
        return respond_error(wsi, srv, pss->error_status, false);
    }
}

static int on_body(struct lws *wsi, struct sr_net_server *srv, struct sr_net_pss *pss,
                   const void *in, size_t len)
{
    pss->received += len;
    if (pss->received > pss->expect) {
        return respond_error(wsi, srv, 400, true);
    }
    if (pss->error_status != 0) {
        return 0; /* draining */
    }
    if (sr_buf_append(&pss->body, in, len) != SR_OK) {
        pss->error_status = 413;
        sr_buf_cleanup(&pss->body);
    }
    return 0;
}

int sr_net_server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           size_t len)
{
    struct sr_net_server *srv = lws_context_user(lws_get_context(wsi));
    struct sr_net_pss *pss = user;
    int rc;

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        rc = on_http(wsi, srv, pss, in, len);
        return rc == 1 ? finish(wsi, srv, pss) : rc;
    case LWS_CALLBACK_HTTP_BODY:
        return on_body(wsi, srv, pss, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return finish(wsi, srv, pss);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (pss != NULL) {
            sr_buf_cleanup(&pss->body);
        }
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return sr_net_ws_filter(srv, wsi);
    case LWS_CALLBACK_ESTABLISHED:
        return sr_net_ws_established(srv, wsi, pss);
    case LWS_CALLBACK_RECEIVE:
        return sr_net_ws_receive(pss, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return sr_net_ws_writeable(pss);
    case LWS_CALLBACK_CLOSED:
        sr_net_ws_closed(pss);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        sr_net_server_run_posts(srv);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
