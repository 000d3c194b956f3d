/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network layer: an HTTPS + WebSocket server on libwebsockets, a blocking HTTPS/1.1
 * client on OpenSSL, and a self-signed development certificate. Requests, responses and
 * WebSocket messages are plain C structs; no libwebsockets or OpenSSL type appears here.
 *
 * Threads. A server's I/O, TLS and WebSocket callbacks run on its one service thread. The
 * service loop runs either in a thread of its own (sr_net_server_start) or in the caller's
 * thread (sr_net_server_run). HTTP handlers run on the service thread too, one at a time,
 * unless the config asks for worker threads: then they run concurrently on the workers and
 * must be thread-safe, while the service thread goes on with other connections. A client
 * object belongs to one thread at a time: give each thread its own client.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/common.h>
#include <sealroom/err.h>

/* ------------------------------------------------------------------------------------ */
/* Server: requests, responses, routes                                                   */
/* ------------------------------------------------------------------------------------ */

struct sr_net_server;
struct sr_net_ws_conn;
struct sr_net_http_conn;

/** Default and hard limits. */
#define SR_NET_DEFAULT_MAX_BODY       ((size_t)1 << 20)
#define SR_NET_DEFAULT_MAX_WS_MESSAGE ((size_t)1 << 20)
#define SR_NET_DEFAULT_MAX_WS_QUEUE   ((size_t)8 << 20)
#define SR_NET_MAX_EXTRA_HEADERS      1024 /* bytes of extra response header lines */

/**
 * One HTTP request, borrowed by the handler for the duration of the call. The strings are
 * NUL-terminated; `path` is percent-decoded and normalised by libwebsockets, `query` is the
 * query string with each argument percent-decoded ("" when absent), and `content_type`,
 * `authorization` and `host` are "" when the header is absent. `body` holds the whole body
 * (at most the server's max_body bytes).
 */
struct sr_net_http_request {
    const char *method;
    const char *path;
    const char *query;
    const char *content_type;
    const char *authorization;
    const char *host;
    struct sr_slice body;
    struct sr_net_http_conn *conn; /* for sr_net_http_request_header; NULL on workers */
};

/**
 * The response a handler fills in. `status` starts at 200, `content_type` at NULL (no
 * header); the string must stay valid until the handler returns (a literal is typical).
 * `body` is an empty buffer owned by the server and reused between requests: append to it.
 */
struct sr_net_http_response {
    int status;
    const char *content_type;
    struct sr_buf body;
    size_t extra_len;
    char extra[SR_NET_MAX_EXTRA_HEADERS];
};

/**
 * A request handler. Return SR_OK after filling `resp`. Any other value discards what was
 * written and answers with a plain-text error: 400 for SR_ERR_DECODE/INVALID/ARG, 401 for
 * SR_ERR_AUTH, 403 for SR_ERR_DENIED, 404 for SR_ERR_NOT_FOUND, 413 for SR_ERR_LIMIT and
 * 500 otherwise. `arg` is the route's arg.
 */
typedef sr_err (*sr_net_http_handler)(void *arg, const struct sr_net_http_request *req,
                                      struct sr_net_http_response *resp);

/** WebSocket callbacks of a route; any may be NULL. They run on the service thread. */
struct sr_net_ws_handlers {
    /** A connection was upgraded; a non-OK return closes it. */
    sr_err (*on_open)(void *arg, struct sr_net_ws_conn *conn);
    /** A whole message arrived (fragments reassembled); a non-OK return closes it. */
    sr_err (*on_message)(void *arg, struct sr_net_ws_conn *conn, const uint8_t *data, size_t len,
                         bool binary);
    /** The connection is gone; `conn` is invalid after this returns. */
    void (*on_close)(void *arg, struct sr_net_ws_conn *conn);
};

/**
 * A route: requests whose path starts with `prefix` at a segment boundary ("/a" matches
 * "/a", "/a/b" and "/a?x", not "/ab") and whose method is `method` go to `handler`. The
 * longest matching prefix wins. A path that matches some route but none with its method
 * gets 405 with an Allow header; no match at all gets 404. A route with `ws` set accepts
 * WebSocket upgrades (GET) on its prefix instead of plain requests.
 */
struct sr_net_route {
    const char *method;
    const char *prefix;
    sr_net_http_handler handler;
    const struct sr_net_ws_handlers *ws;
    void *arg;
};

struct sr_net_server_config {
    const char *address;   /* numeric address to bind, e.g. "127.0.0.1"; NULL: all */
    uint16_t port;         /* 0: the OS picks one (see sr_net_server_port) */
    const char *cert_file; /* PEM certificate chain, leaf first */
    const char *key_file;  /* PEM private key */
    bool plain_http;       /* no TLS: tests and loopback only; cert/key ignored */
    size_t max_body;       /* 0: SR_NET_DEFAULT_MAX_BODY; larger bodies get 413 */
    size_t max_ws_message; /* 0: SR_NET_DEFAULT_MAX_WS_MESSAGE; larger messages close */
    size_t max_ws_queue;   /* 0: SR_NET_DEFAULT_MAX_WS_QUEUE bytes queued per connection */
    unsigned keepalive_s;  /* idle keep-alive timeout; 0: 30 s */
    unsigned workers;      /* 0: handlers run on the service thread; N: on N threads */
    const struct sr_net_route *routes; /* copied by sr_net_server_new */
    size_t n_routes;
};

/**
 * Create a server: bind and listen now (so the port is known), serve later. libwebsockets
 * is set to log errors only (process-wide, on first use). The config,
 * routes and strings are copied, except each route's `arg` and `ws`, which must outlive
 * the server. SR_ERR_ARG for a bad config (no routes, TLS without cert/key), SR_ERR_IO when
 * the address cannot be bound or the certificate/key cannot be loaded, SR_ERR_NOMEM.
 */
SR_API SR_MUST_USE sr_err sr_net_server_new(const struct sr_net_server_config *cfg,
                                            struct sr_net_server **out);

/** The bound TCP port (useful after asking for port 0). */
SR_API uint16_t sr_net_server_port(const struct sr_net_server *srv);

/**
 * Run the service loop in the calling thread until sr_net_server_stop is called.
 * SR_ERR_STATE if the loop already runs or ran. Returns SR_OK after a stop.
 */
SR_API SR_MUST_USE sr_err sr_net_server_run(struct sr_net_server *srv);

/** Run the service loop in a new thread. SR_ERR_STATE if it already runs or ran. */
SR_API SR_MUST_USE sr_err sr_net_server_start(struct sr_net_server *srv);

/**
 * Ask the loop to stop; it returns after the current callback. Safe from any thread and
 * from a signal handler (it sets an atomic flag and writes to libwebsockets' wake-up
 * eventfd). Open connections are closed when the server is freed.
 */
SR_API void sr_net_server_stop(struct sr_net_server *srv);

/**
 * Run `fn(arg)` on the service thread soon (e.g. to send WebSocket messages from another
 * thread). Safe from any thread until sr_net_server_free; what has not run by then runs in
 * sr_net_server_free, before the connections close. SR_ERR_ARG, SR_ERR_NOMEM.
 */
SR_API SR_MUST_USE sr_err sr_net_server_post(struct sr_net_server *srv, void (*fn)(void *arg),
                                             void *arg);

/**
 * Stop the loop if running, join its thread if sr_net_server_start made one, finish the
 * handlers running on workers, close every connection (WebSocket on_close callbacks run)
 * and free the server. After sr_net_server_run, call it only once run has returned; never
 * from a handler or callback. NULL is a no-op.
 */
SR_API void sr_net_server_free(struct sr_net_server *srv);

/**
 * Copy the value of request header `name` (case-insensitive, e.g. "x-request-id") into
 * `out` of `cap` bytes with a NUL. Only for handlers on the service thread (workers == 0):
 * SR_ERR_STATE on a worker. SR_ERR_NOT_FOUND when absent, SR_ERR_BUFFER_TOO_SMALL.
 */
SR_API SR_MUST_USE sr_err sr_net_http_request_header(const struct sr_net_http_request *req,
                                                     const char *name, char *out, size_t cap);

/**
 * Add a response header line "name: value". SR_ERR_INVALID for CR, LF or ':' in the name
 * or CR/LF in the value; SR_ERR_LIMIT past SR_NET_MAX_EXTRA_HEADERS bytes in total.
 */
SR_API SR_MUST_USE sr_err sr_net_http_response_add_header(struct sr_net_http_response *resp,
                                                          const char *name, const char *value);

/* ------------------------------------------------------------------------------------ */
/* Server: WebSocket connections (service thread only)                                   */
/* ------------------------------------------------------------------------------------ */

/**
 * Queue a copy of a message. Only on the service thread (in a callback or a posted
 * function). SR_ERR_LIMIT when the connection's queue would exceed max_ws_queue,
 * SR_ERR_STATE after sr_net_ws_conn_close, SR_ERR_NOMEM.
 */
SR_API SR_MUST_USE sr_err sr_net_ws_conn_send(struct sr_net_ws_conn *conn, const uint8_t *data,
                                              size_t len, bool binary);

/** Close after the queued messages are sent. Service thread only. */
SR_API void sr_net_ws_conn_close(struct sr_net_ws_conn *conn);

/** Attach and read back a caller pointer. */
SR_API void sr_net_ws_conn_set_user(struct sr_net_ws_conn *conn, void *user);
SR_API void *sr_net_ws_conn_get_user(const struct sr_net_ws_conn *conn);

/* ------------------------------------------------------------------------------------ */
/* Client                                                                                */
/* ------------------------------------------------------------------------------------ */

struct sr_net_client;

#define SR_NET_DEFAULT_MAX_RESPONSE ((size_t)4 << 20)

struct sr_net_client_config {
    const char *base_url;     /* "https://host:port" or "http://host:port" (no path) */
    const char *ca_file;      /* PEM trust anchors; a self-signed cert file trusts itself */
    bool use_system_ca;       /* also trust the system store (default off) */
    unsigned timeout_ms;      /* per request, connect included; 0: 10000 */
    size_t max_response_body; /* 0: SR_NET_DEFAULT_MAX_RESPONSE */
};

/** A response; init before use, reuse across requests, clean up at the end. */
struct sr_net_client_response {
    int status;
    struct sr_buf body;
    struct sr_buf head; /* raw header block; use sr_net_client_response_header */
};

SR_API void sr_net_client_response_init(struct sr_net_client_response *resp);
SR_API void sr_net_client_response_cleanup(struct sr_net_client_response *resp);

/**
 * Find a response header (case-insensitive); `*value` borrows from `resp` until its next
 * use. SR_ERR_NOT_FOUND when absent.
 */
SR_API SR_MUST_USE sr_err sr_net_client_response_header(const struct sr_net_client_response *resp,
                                                        const char *name, struct sr_slice *value);

/**
 * Create a client bound to one base URL. It connects lazily and keeps the connection
 * alive between requests. A https:// URL needs ca_file or use_system_ca. Because OpenSSL
 * writes with write(2), a SIGPIPE disposition still at its default is set to ignored, so a
 * reset connection is an error and not the end of the process. SR_ERR_ARG for a bad URL
 * or no trust anchors, SR_ERR_IO when the CA file cannot be read, SR_ERR_NOMEM.
 */
SR_API SR_MUST_USE sr_err sr_net_client_new(const struct sr_net_client_config *cfg,
                                            struct sr_net_client **out);

SR_API void sr_net_client_free(struct sr_net_client *client);

/**
 * Send one request and wait for the whole response. `path` is appended to the base URL
 * and may carry a query; `body` may be NULL when `body_len` is 0; `content_type` may be
 * NULL. `extra_headers` is NULL or complete "Name: value\r\n" lines (e.g. an
 * Authorization header). A reused connection the server has closed is reopened once, as
 * long as no byte of the response arrived. Errors: SR_ERR_IO (connect, reset, timeout),
 * SR_ERR_AUTH (the server's certificate did not verify), SR_ERR_DECODE (malformed
 * response), SR_ERR_LIMIT (response body over max_response_body), SR_ERR_NOMEM. On error
 * the connection is dropped; sr_net_client_error_detail says why.
 */
SR_API SR_MUST_USE sr_err sr_net_client_request(struct sr_net_client *client, const char *method,
                                                const char *path, const char *content_type,
                                                const char *extra_headers, const uint8_t *body,
                                                size_t body_len,
                                                struct sr_net_client_response *resp);

/** A one-line account of the last failure of this client ("" if none); never NULL. */
SR_API const char *sr_net_client_error_detail(const struct sr_net_client *client);

/** The number of TCP connections the client has opened (for keep-alive checks). */
SR_API unsigned long sr_net_client_connections(const struct sr_net_client *client);

/* ------------------------------------------------------------------------------------ */
/* WebSocket client                                                                      */
/* ------------------------------------------------------------------------------------ */

struct sr_net_ws_client;

struct sr_net_ws_client_config {
    const char *url;     /* "wss://host:port/path" or "ws://host:port/path" */
    const char *ca_file; /* as for the HTTP client */
    bool use_system_ca;
    unsigned timeout_ms; /* connect and handshake, and each send; 0: 10000 */
    size_t max_message;  /* 0: SR_NET_DEFAULT_MAX_WS_MESSAGE */
};

/**
 * Connect and upgrade (RFC 6455 §4.1). One thread at a time per client; SIGPIPE as for
 * sr_net_client_new. Text is not checked for UTF-8. SR_ERR_ARG for a
 * bad URL, SR_ERR_IO, SR_ERR_AUTH (certificate or handshake check failed), SR_ERR_NOT_FOUND
 * or SR_ERR_DENIED when the server answers 404 or 401/403, SR_ERR_NOMEM.
 */
SR_API SR_MUST_USE sr_err sr_net_ws_client_connect(const struct sr_net_ws_client_config *cfg,
                                                   struct sr_net_ws_client **out);

/** Send one message in one frame. SR_ERR_IO, SR_ERR_STATE once closed. */
SR_API SR_MUST_USE sr_err sr_net_ws_client_send(struct sr_net_ws_client *c, const uint8_t *data,
                                                size_t len, bool binary);

/**
 * Wait up to `timeout_ms` (0: only what has arrived) for one whole message; `*msg` borrows
 * from the client until its next call. Pings are answered meanwhile. SR_ERR_NOT_FOUND when
 * no message came in time (the connection is fine), SR_ERR_IO when it is closed (by the
 * server's close frame too: see the detail), SR_ERR_DECODE or SR_ERR_LIMIT for a frame we
 * must refuse (the connection is then closed).
 */
SR_API SR_MUST_USE sr_err sr_net_ws_client_recv(struct sr_net_ws_client *c, unsigned timeout_ms,
                                                struct sr_slice *msg, bool *binary);

/** A one-line account of the last failure ("" if none); never NULL. */
SR_API const char *sr_net_ws_client_error_detail(const struct sr_net_ws_client *c);

/** Send a normal close (best effort, briefly) and free. NULL is a no-op. */
SR_API void sr_net_ws_client_free(struct sr_net_ws_client *c);

/* ------------------------------------------------------------------------------------ */
/* Development certificate                                                               */
/* ------------------------------------------------------------------------------------ */

/**
 * Generate a P-256 key and a self-signed certificate valid for `days` days, with
 * subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1 and, when not NULL, `host` (a DNS
 * name or numeric address, also the CN). Writes `cert_file` (mode 0644) and `key_file`
 * (mode 0600, created fresh: an existing key file is replaced). For first starts and
 * tests only. SR_ERR_ARG, SR_ERR_CRYPTO, SR_ERR_IO.
 */
SR_API SR_MUST_USE sr_err sr_net_selfsigned_write(const char *cert_file, const char *key_file,
                                                  const char *host, unsigned days);
