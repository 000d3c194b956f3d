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
#include <stdlib.h>
#include <string.h>

#include "net/server_int.h"

#define DRAIN_MAX ((uint64_t)1 << 20) /* bytes past max_body we read to keep the connection */

struct method {
    const char *name;
    enum lws_token_indexes token;
};

static const struct method methods[] = {
    { "GET", WSI_TOKEN_GET_URI },       { "POST", WSI_TOKEN_POST_URI },
    { "PUT", WSI_TOKEN_PUT_URI },       { "PATCH", WSI_TOKEN_PATCH_URI },
    { "DELETE", WSI_TOKEN_DELETE_URI }, { "OPTIONS", WSI_TOKEN_OPTIONS_URI },
    { "HEAD", WSI_TOKEN_HEAD_URI },
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

static int dispatch(struct lws *wsi, struct sr_net_server *srv, struct sr_net_pss *pss)
{
    if (srv->n_workers > 0) {
        return sr_net_pool_submit(srv, wsi, pss, methods[pss->method].name);
    }
    /*
     * A request with a body is answered from the writeable callback, after libwebsockets
     * has finished consuming the body: completing the transaction inside BODY_COMPLETION
     * makes lws 4.1.6 spin forever when another request is pipelined behind it.
     */
    if (pss->expect > 0) {
        return sr_net_pool_defer(srv, wsi, pss, methods[pss->method].name);
    }
    struct sr_net_http_request req;
    struct sr_net_http_response *resp = &srv->resp;
    int status = sr_net_http_gather(wsi, pss->path, &srv->strs);
    if (status != 0) {
        sr_buf_reset(&pss->body);
        return sr_net_http_respond_error(wsi, srv, status, false);
    }
    sr_net_http_request_fill(&req, methods[pss->method].name, &srv->strs, &pss->body, wsi);
    sr_net_http_response_reset(resp);
    sr_err err = pss->route->handler(pss->route->arg, &req, resp);
    sr_buf_reset(&pss->body);
    return sr_net_http_respond_result(wsi, srv, err, resp);
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
    return sr_net_http_respond(wsi, srv, 405, "text/plain; charset=utf-8",
                               sr_slice_of("405 Method Not Allowed\n", 23), allow, n, false);
}

/* Decide the fate of a request whose headers are complete. */
static int on_http(struct lws *wsi, struct sr_net_server *srv, struct sr_net_pss *pss,
                   const char *path, size_t len)
{
    char cl[32];
    bool matched = false;

    /* A pipelined request while the previous answer is still being made: answers must
     * keep their order, so drop the connection rather than overtake. */
    if (sr_net_pool_busy(srv, pss)) {
        return -1;
    }
    pss->error_status = 0;
    pss->expect = pss->received = 0;
    sr_buf_reset(&pss->body);
    pss->body.max = srv->max_body;
    pss->method = method_of(wsi);
    pss->head_only = pss->method >= 0 && methods[pss->method].token == WSI_TOKEN_HEAD_URI;
    if (pss->method < 0) {
        return sr_net_http_respond_error(wsi, srv, 405, true);
    }
    if (len >= sizeof(pss->path)) {
        return sr_net_http_respond_error(wsi, srv, 414, true);
    }
    memcpy(pss->path, path, len);
    pss->path[len] = 0;
    /* Chunked request bodies are not taken: every client we serve sends a length. */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        return sr_net_http_respond_error(wsi, srv, 411, true);
    }
    int cll = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    cl[0] = 0;
    if (cll > 0 && ((size_t)cll >= sizeof(cl) ||
                    lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) < 0)) {
        return sr_net_http_respond_error(wsi, srv, 400, true);
    }
    if (cl[0] != 0) {
        char *end = NULL;
        unsigned long long v = strtoull(cl, &end, 10);
        if (cl[0] < '0' || cl[0] > '9' || *end != 0 || strlen(cl) > 18) {
            return sr_net_http_respond_error(wsi, srv, 400, true);
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
        return sr_net_http_respond_error(wsi, srv, pss->error_status ? pss->error_status : 413,
                                         true);
    }
    if (pss->expect > 0) {
        return 0; /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
    }
    return 1;
}

static int finish(struct lws *wsi, struct sr_net_server *srv, struct sr_net_pss *pss)
{
    /*
     * With workers, libwebsockets signals BODY_COMPLETION again and again while pipelined
     * input waits behind a request a worker still has, and spins without going back to
     * poll, so the answer could never be collected. Pipelining is not served with workers:
     * the connection is closed (the job is orphaned and freed when the worker is done).
     */
    if (sr_net_pool_busy(srv, pss)) {
        return -1;
    }
    switch (pss->error_status) {
    case 0:
        return dispatch(wsi, srv, pss);
    case 405:
        return respond_405(wsi, srv, pss->path);
    default:
        return sr_net_http_respond_error(wsi, srv, pss->error_status, false);
    }
}

static int on_body(struct lws *wsi, struct sr_net_server *srv, struct sr_net_pss *pss,
                   const void *in, size_t len)
{
    pss->received += len;
    if (pss->received > pss->expect) {
        return sr_net_http_respond_error(wsi, srv, 400, true);
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
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return sr_net_pool_writeable(srv, wsi, pss);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (pss != NULL) {
            sr_net_pool_release(srv, pss);
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
        sr_net_pool_drain(srv);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
