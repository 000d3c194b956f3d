/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server object: one libwebsockets context with one vhost and one protocol that
 * serves both HTTP and WebSocket, its service loop, stopping, and the queue of functions
 * other threads post to the service thread. libwebsockets is built here with one service
 * thread (LWS_MAX_SMP 1), so all callbacks run on whichever thread runs the loop.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "net/server_int.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sr_malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

static sr_err copy_routes(struct sr_net_server *srv, const struct sr_net_server_config *cfg)
{
    srv->routes = sr_calloc(cfg->n_routes, sizeof(*srv->routes));
    SR_CHECK(srv->routes != NULL, SR_ERR_NOMEM);
    srv->n_routes = cfg->n_routes;
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const struct sr_net_route *r = &cfg->routes[i];
        struct sr_net_route_int *d = &srv->routes[i];
        SR_CHECK(r->prefix != NULL && r->prefix[0] == '/', SR_ERR_ARG);
        SR_CHECK((r->handler != NULL) != (r->ws != NULL), SR_ERR_ARG);
        SR_CHECK(r->ws != NULL || r->method != NULL, SR_ERR_ARG);
        d->method = dup_str(r->ws != NULL ? "GET" : r->method);
        d->prefix = dup_str(r->prefix);
        SR_CHECK(d->method != NULL && d->prefix != NULL, SR_ERR_NOMEM);
        d->prefix_len = strlen(d->prefix);
        d->handler = r->handler;
        d->ws = r->ws;
        d->arg = r->arg;
    }
    return SR_OK;
}

static bool prefix_matches(const struct sr_net_route_int *r, const char *path)
{
    if (strncmp(path, r->prefix, r->prefix_len) != 0) {
        return false;
    }
    char next = path[r->prefix_len];
    return next == 0 || next == '/' || r->prefix[r->prefix_len - 1] == '/';
}

const struct sr_net_route_int *sr_net_route_find(const struct sr_net_server *srv, const char *path,
                                                 const char *method, bool ws, bool *path_matched)
{
    const struct sr_net_route_int *best = NULL;
    *path_matched = false;
    for (size_t i = 0; i < srv->n_routes; i++) {
        const struct sr_net_route_int *r = &srv->routes[i];
        if (!prefix_matches(r, path)) {
            continue;
        }
        *path_matched = true;
        if ((r->ws != NULL) == ws && strcmp(r->method, method) == 0 &&
            (best == NULL || r->prefix_len > best->prefix_len)) {
            best = r;
        }
    }
    return best;
}

/*
 * libwebsockets may set SO_REUSEPORT on its listener, in which case a second server on a
 * taken port would silently share it. Bind a probe socket without it first, so a port in
 * use is an error. Port 0 needs no probe: the kernel picks a free one.
 */
static sr_err probe_port(const char *address, uint16_t port)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    char ps[8];
    sr_err err = SR_OK;

    if (port == 0) {
        return SR_OK;
    }
    snprintf(ps, sizeof(ps), "%u", port);
    SR_CHECK(getaddrinfo(address, ps, &hints, &res) == 0, SR_ERR_IO);
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        err = SR_ERR_IO;
    }
    if (fd >= 0) {
        close(fd);
    }
    freeaddrinfo(res);
    return err;
}

static sr_err create_context(struct sr_net_server *srv, const struct sr_net_server_config *cfg)
{
    struct lws_context_creation_info info;

    memset(&info, 0, sizeof(info));
    srv->protocols[0].name = "sealroom";
    srv->protocols[0].callback = sr_net_server_callback;
    srv->protocols[0].per_session_data_size = sizeof(struct sr_net_pss);
    srv->protocols[0].rx_buffer_size = 16384;
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    /* RFC 6455 §8.1: text messages that are not UTF-8 fail the connection. */
    info.options |= LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (!cfg->plain_http) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    }
    /* With IPv6 on, libwebsockets listens on a dual-stack socket for every address and
     * ignores an IPv4 `iface`: a loopback-only server would be reachable from outside. */
    if (cfg->address != NULL && strchr(cfg->address, ':') == NULL) {
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    }
    info.user = srv;
    info.protocols = srv->protocols;
    info.port = CONTEXT_PORT_NO_LISTEN;
    srv->ctx = lws_create_context(&info);
    SR_CHECK(srv->ctx != NULL, SR_ERR_IO);

    info.port = cfg->port;
    /* No client certificates are verified, so the system CA store is never needed. */
    info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;

    info.iface = cfg->address;
    info.vhost_name = "sealroom";
    info.keepalive_timeout = cfg->keepalive_s ? (int)cfg->keepalive_s : 30;
    info.timeout_secs = 30;
    /* HTTP/1.1 only: one framing to reason about, and what our client speaks. */
    info.alpn = "http/1.1";
    if (!cfg->plain_http) {
        info.ssl_cert_filepath = cfg->cert_file;
        info.ssl_private_key_filepath = cfg->key_file;
        /*
         * libwebsockets 4.1 also makes a client SSL_CTX per vhost and finds it again on
         * destruction through a process-wide ex_data index that every new context
         * reallocates, so with two servers in one process the first one's leaks. We make
         * no client connections through lws: hand it an empty one that we free ourselves.
         */
        srv->client_ctx = SSL_CTX_new(TLS_client_method());
        SR_CHECK(srv->client_ctx != NULL, SR_ERR_NOMEM);
        info.provided_client_ssl_ctx = srv->client_ctx;
    }
    SR_TRY(probe_port(cfg->address, cfg->port));
    srv->vh = lws_create_vhost(srv->ctx, &info);
    SR_CHECK(srv->vh != NULL, SR_ERR_IO);
    int port = lws_get_vhost_listen_port(srv->vh);
    SR_CHECK(port > 0 && port <= 65535, SR_ERR_IO);
    srv->port = (uint16_t)port;
    return SR_OK;
}

static void log_errors_only(void)
{
    lws_set_log_level(LLL_ERR, NULL);
}

sr_err sr_net_server_new(const struct sr_net_server_config *cfg, struct sr_net_server **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    sr_err err;

    *out = NULL;
    SR_CHECK(cfg != NULL && cfg->routes != NULL && cfg->n_routes > 0, SR_ERR_ARG);
    SR_CHECK(cfg->plain_http || (cfg->cert_file != NULL && cfg->key_file != NULL), SR_ERR_ARG);
    struct sr_net_server *srv = sr_calloc(1, sizeof(*srv));
    SR_CHECK(srv != NULL, SR_ERR_NOMEM);
    pthread_mutex_init(&srv->post_lock, NULL);
    pthread_mutex_init(&srv->pool_lock, NULL);
    pthread_cond_init(&srv->pool_cond, NULL);
    srv->max_body = cfg->max_body ? cfg->max_body : SR_NET_DEFAULT_MAX_BODY;
    srv->max_ws_message = cfg->max_ws_message ? cfg->max_ws_message : SR_NET_DEFAULT_MAX_WS_MESSAGE;
    srv->max_ws_queue = cfg->max_ws_queue ? cfg->max_ws_queue : SR_NET_DEFAULT_MAX_WS_QUEUE;
    sr_buf_init(&srv->out, 0, 0);
    sr_buf_init(&srv->resp.body, 0, 0);
    pthread_once(&once, log_errors_only);
    err = copy_routes(srv, cfg);
    if (err == SR_OK) {
        err = create_context(srv, cfg);
    }
    if (err == SR_OK && cfg->workers > 0) {
        err = sr_net_pool_start(srv, cfg->workers);
    }
    if (err != SR_OK) {
        sr_net_server_free(srv);
        return err;
    }
    *out = srv;
    return SR_OK;
}

uint16_t sr_net_server_port(const struct sr_net_server *srv)
{
    return srv->port;
}

sr_err sr_net_server_run(struct sr_net_server *srv)
{
    int expected = 0;
    SR_CHECK(atomic_compare_exchange_strong(&srv->state, &expected, 1), SR_ERR_STATE);
    while (!atomic_load(&srv->stop)) {
        if (lws_service(srv->ctx, 0) < 0) {
            break;
        }
    }
    atomic_store(&srv->state, 2);
    return SR_OK;
}

static void *loop_thread(void *arg)
{
    sr_err err = sr_net_server_run(arg);
    (void)err; /* only SR_ERR_STATE, which sr_net_server_start already ruled out */
    return NULL;
}

sr_err sr_net_server_start(struct sr_net_server *srv)
{
    SR_CHECK(!srv->has_thread && atomic_load(&srv->state) == 0, SR_ERR_STATE);
    SR_CHECK(pthread_create(&srv->thread, NULL, loop_thread, srv) == 0, SR_ERR_NOMEM);
    srv->has_thread = true;
    return SR_OK;
}

void sr_net_server_stop(struct sr_net_server *srv)
{
    atomic_store(&srv->stop, true);
    lws_cancel_service(srv->ctx);
}

sr_err sr_net_server_post(struct sr_net_server *srv, void (*fn)(void *arg), void *arg)
{
    SR_CHECK(fn != NULL, SR_ERR_ARG);
    struct sr_net_post *p = sr_calloc(1, sizeof(*p));
    SR_CHECK(p != NULL, SR_ERR_NOMEM);
    p->fn = fn;
    p->arg = arg;
    pthread_mutex_lock(&srv->post_lock);
    if (srv->post_tail != NULL) {
        srv->post_tail->next = p;
    } else {
        srv->post_head = p;
    }
    srv->post_tail = p;
    pthread_mutex_unlock(&srv->post_lock);
    lws_cancel_service(srv->ctx);
    return SR_OK;
}

void sr_net_server_run_posts(struct sr_net_server *srv)
{
    pthread_mutex_lock(&srv->post_lock);
    struct sr_net_post *p = srv->post_head;
    srv->post_head = srv->post_tail = NULL;
    pthread_mutex_unlock(&srv->post_lock);
    while (p != NULL) {
        struct sr_net_post *next = p->next;
        p->fn(p->arg);
        sr_free(p);
        p = next;
    }
}

void sr_net_server_free(struct sr_net_server *srv)
{
    if (srv == NULL) {
        return;
    }
    if (srv->ctx != NULL) {
        sr_net_server_stop(srv);
    }
    if (srv->has_thread) {
        pthread_join(srv->thread, NULL);
    }
    sr_net_pool_stop(srv);
    if (srv->ctx != NULL) {
        sr_net_server_run_posts(srv);
        lws_context_destroy(srv->ctx);
    }
    SSL_CTX_free(srv->client_ctx);
    sr_net_server_run_posts(srv);
    for (size_t i = 0; i < srv->n_routes; i++) {
        sr_free(srv->routes[i].method);
        sr_free(srv->routes[i].prefix);
    }
    sr_free(srv->routes);
    sr_buf_cleanup(&srv->out);
    sr_buf_cleanup(&srv->resp.body);
    sr_buf_cleanup(&srv->strs.buf);
    pthread_mutex_destroy(&srv->post_lock);
    pthread_mutex_destroy(&srv->pool_lock);
    pthread_cond_destroy(&srv->pool_cond);
    sr_free(srv);
}
