/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private state of the libwebsockets server, shared by server.c (context and loop),
 * server_http.c (requests and routing) and server_ws.c (WebSocket connections). Everything
 * here is touched only by the service thread, except the stop flag and the post queue.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include <sealroom/net.h>

#define SR_NET_MAX_PATH  1024
#define SR_NET_MAX_QUERY 2048
#define SR_NET_MAX_HVAL  8192 /* one request header value, e.g. a bearer token */

struct sr_net_route_int {
    char *method;
    char *prefix;
    size_t prefix_len;
    sr_net_http_handler handler;
    const struct sr_net_ws_handlers *ws;
    void *arg;
};

/* The strings a handler sees, NUL-terminated in one reusable buffer. */
enum {
    SR_NET_STR_PATH,
    SR_NET_STR_QUERY,
    SR_NET_STR_CTYPE,
    SR_NET_STR_AUTH,
    SR_NET_STR_HOST,
    SR_NET_STR_COUNT
};

struct sr_net_req_strs {
    struct sr_buf buf;
    size_t off[SR_NET_STR_COUNT];
};

struct sr_net_job;

struct sr_net_post {
    struct sr_net_post *next;
    void (*fn)(void *arg);
    void *arg;
};

struct sr_net_server {
    struct lws_context *ctx;
    struct lws_vhost *vh;
    SSL_CTX *client_ctx; /* see create_context */
    struct lws_protocols protocols[2];
    struct sr_net_route_int *routes;
    size_t n_routes;
    size_t max_body, max_ws_message, max_ws_queue;
    uint16_t port;
    atomic_bool stop;
    atomic_int state; /* 0: not run yet, 1: running, 2: finished */
    pthread_t thread;
    bool has_thread;
    pthread_mutex_t post_lock;
    struct sr_net_post *post_head, *post_tail;
    /* Scratch reused by every request: the service thread handles one at a time. */
    struct sr_net_http_response resp;
    struct sr_buf out; /* LWS_PRE headroom, then the response head and body */
    struct sr_net_req_strs strs;
    /* Worker pool (server_pool.c); n_workers 0 runs handlers on the service thread. */
    unsigned n_workers;
    pthread_t *workers;
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;
    bool pool_quit;
    struct sr_net_job *work_head, *work_tail, *done_head, *done_tail;
};

/* Per-connection state, allocated and zeroed by libwebsockets. */
struct sr_net_pss {
    struct sr_buf body;
    const struct sr_net_route_int *route;
    int method;       /* index into the method table */
    bool head_only;   /* a HEAD request: the response has no body */
    int error_status; /* answer with this once the body is drained */
    uint64_t expect;  /* the request's Content-Length */
    uint64_t received;
    struct sr_net_ws_conn *ws;
    struct sr_net_job *job; /* with workers: this connection's job, reused */
    char path[SR_NET_MAX_PATH];
};

/* The protocol callback for HTTP and WebSocket (server_http.c). */
int sr_net_server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           size_t len);

/* Find the route for `path` and `method`; *path_matched says whether any prefix matched. */
const struct sr_net_route_int *sr_net_route_find(const struct sr_net_server *srv, const char *path,
                                                 const char *method, bool ws, bool *path_matched);

/*
 * Responses (server_respond.c). Each returns what the lws callback must return: 0 to keep
 * the connection for the next request, -1 to close it.
 */
int sr_net_http_respond(struct lws *wsi, struct sr_net_server *srv, int status, const char *ctype,
                        struct sr_slice body, const char *extra, size_t extra_len, bool close);
int sr_net_http_respond_error(struct lws *wsi, struct sr_net_server *srv, int status, bool close);
int sr_net_http_respond_result(struct lws *wsi, struct sr_net_server *srv, sr_err err,
                               const struct sr_net_http_response *resp);

/* Request strings (server_request.c): 0, or the HTTP status to answer with instead. */
int sr_net_http_gather(struct lws *wsi, const char *path, struct sr_net_req_strs *s);
void sr_net_http_request_fill(struct sr_net_http_request *req, const char *method,
                              const struct sr_net_req_strs *s, const struct sr_buf *body,
                              struct lws *wsi);
void sr_net_http_response_reset(struct sr_net_http_response *resp);

/* Worker pool (server_pool.c). */
sr_err sr_net_pool_start(struct sr_net_server *srv, unsigned n);
void sr_net_pool_stop(struct sr_net_server *srv);
int sr_net_pool_submit(struct sr_net_server *srv, struct lws *wsi, struct sr_net_pss *pss,
                       const char *method);
/* Run the handler now on the service thread, answer from the writeable callback. */
int sr_net_pool_defer(struct sr_net_server *srv, struct lws *wsi, struct sr_net_pss *pss,
                      const char *method);
void sr_net_pool_drain(struct sr_net_server *srv);
bool sr_net_pool_busy(struct sr_net_server *srv, const struct sr_net_pss *pss);
int sr_net_pool_writeable(struct sr_net_server *srv, struct lws *wsi, struct sr_net_pss *pss);
void sr_net_pool_release(struct sr_net_server *srv, struct sr_net_pss *pss);

/* Run the functions posted so far (service thread). */
void sr_net_server_run_posts(struct sr_net_server *srv);

/* WebSocket events (server_ws.c); the int ones return what the lws callback should. */
int sr_net_ws_filter(struct sr_net_server *srv, struct lws *wsi);
int sr_net_ws_established(struct sr_net_server *srv, struct lws *wsi, struct sr_net_pss *pss);
int sr_net_ws_receive(struct sr_net_pss *pss, const uint8_t *in, size_t len);
int sr_net_ws_writeable(struct sr_net_pss *pss);
void sr_net_ws_closed(struct sr_net_pss *pss);
