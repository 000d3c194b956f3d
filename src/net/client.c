/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blocking HTTP/1.1 client bound to one origin, with keep-alive. A request is written in
 * one piece (head and a small body together, so TLS sends one record), and the response is
 * read through the strict parser in http_parse.c into the caller's reusable buffers, so a
 * steady stream of requests allocates nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/alloc.h"
#include "net/client_int.h"
#include "net/http_parse.h"

#define INLINE_BODY_MAX (16u * 1024u) /* bodies up to this size share the head's write */

sr_err sr_net_client_fail(struct sr_net_client *c, sr_err err, const char *msg)
{
    snprintf(c->detail, sizeof(c->detail), "%s", msg);
    return err;
}

struct sr_net_detail sr_net_client_detail(struct sr_net_client *c)
{
    struct sr_net_detail d = { c->detail, sizeof(c->detail) };
    return d;
}

static sr_err make_ctx(struct sr_net_client *c, const struct sr_net_client_config *cfg)
{
    return sr_net_io_tls_ctx(cfg->ca_file, cfg->use_system_ca, &c->ctx, sr_net_client_detail(c));
}

sr_err sr_net_client_new(const struct sr_net_client_config *cfg, struct sr_net_client **out)
{
    sr_err err;

    *out = NULL;
    SR_CHECK(cfg != NULL && cfg->base_url != NULL, SR_ERR_ARG);
    struct sr_net_client *c = sr_calloc(1, sizeof(*c));
    SR_CHECK(c != NULL, SR_ERR_NOMEM);
    c->io.fd = -1;
    c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 10000;
    c->max_body = cfg->max_response_body ? cfg->max_response_body : SR_NET_DEFAULT_MAX_RESPONSE;
    sr_buf_init(&c->out, 0, 0);
    sr_buf_init(&c->in, 0, 0);
    err = sr_net_url_parse(cfg->base_url, "https", "http", false, &c->url);
    if (err == SR_OK && c->url.tls) {
        err = make_ctx(c, cfg);
    }
    if (err != SR_OK) {
        sr_net_client_free(c);
        return err;
    }
    sr_net_io_ignore_sigpipe();
    *out = c;
    return SR_OK;
}

void sr_net_client_free(struct sr_net_client *c)
{
    if (c == NULL) {
        return;
    }
    sr_net_io_close(&c->io);
    SSL_SESSION_free(c->session);
    SSL_CTX_free(c->ctx);
    sr_buf_cleanup(&c->out);
    sr_buf_cleanup(&c->in);
    sr_free(c);
}

const char *sr_net_client_error_detail(const struct sr_net_client *c)
{
    return c->detail;
}

unsigned long sr_net_client_connections(const struct sr_net_client *c)
{
    return c->connections;
}

static void drop(struct sr_net_client *c)
{
    SSL_SESSION *s = c->io.ssl != NULL ? SSL_get1_session(c->io.ssl) : NULL;
    if (s != NULL && SSL_SESSION_is_resumable(s)) {
        SSL_SESSION_free(c->session);
        c->session = s;
    } else {
        SSL_SESSION_free(s);
    }
    sr_net_io_close(&c->io);
    sr_buf_reset(&c->in);
}

static sr_err ensure_connected(struct sr_net_client *c, uint64_t deadline, bool *reused)
{
    /* A connection used within the last second cannot have hit the server's idle timeout;
     * skip the check's syscall then. Should it be closed anyway, the request is retried. */
    *reused = c->io.fd >= 0 && (sr_net_now_ms() - c->last_used < 1000 || !sr_net_io_stale(&c->io));
    if (*reused) {
        return SR_OK;
    }
    drop(c);
    SR_TRY(sr_net_io_connect(&c->io, c->ctx, c->session, c->url.host, c->url.port, deadline,
                             sr_net_client_detail(c)));
    c->connections++;
    return SR_OK;
}

/* Request-line parts: visible ASCII only, so nothing can end the line early. */
static bool valid_token(const char *s)
{
    if (s == NULL || *s == 0) {
        return false;
    }
    for (; *s != 0; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return false;
        }
    }
    return true;
}

/* Caller header lines: each "Name: value\r\n", no empty line (it would end the head). */
static bool valid_header_lines(const char *p)
{
    while (*p != 0) {
        size_t name = 0;
        while (p[name] != 0 && p[name] != ':' && (unsigned char)p[name] > 0x20 &&
               (unsigned char)p[name] < 0x7f) {
            name++;
        }
        if (name == 0 || p[name] != ':') {
            return false;
        }
        const char *v = p + name + 1;
        while (*v != 0 && *v != '\r' && *v != '\n' && ((unsigned char)*v >= 0x20 || *v == '\t')) {
            v++;
        }
        if (v[0] != '\r' || v[1] != '\n') {
            return false;
        }
        p = v + 2;
    }
    return true;
}

static sr_err build_request(struct sr_net_client *c, const char *method, const char *path,
                            const char *ctype, const char *extra, const uint8_t *body, size_t len)
{
    char line[128];
    struct sr_buf *o = &c->out;

    SR_CHECK(valid_token(method) && valid_token(path) && path[0] == '/', SR_ERR_ARG);
    SR_CHECK(ctype == NULL || strcspn(ctype, "\r\n") == strlen(ctype), SR_ERR_ARG);
    sr_buf_reset(o);
    SR_TRY(sr_buf_append(o, method, strlen(method)));
    SR_TRY(sr_buf_append(o, " ", 1));
    SR_TRY(sr_buf_append(o, path, strlen(path)));
    SR_TRY(sr_buf_append(o, " HTTP/1.1\r\nHost: ", 17));
    SR_TRY(sr_buf_append(o, c->url.hostport, strlen(c->url.hostport)));
    int n = snprintf(line, sizeof(line), "\r\nContent-Length: %zu\r\n", len);
    SR_TRY(sr_buf_append(o, line, (size_t)n));
    if (ctype != NULL) {
        SR_TRY(sr_buf_append(o, "Content-Type: ", 14));
        SR_TRY(sr_buf_append(o, ctype, strlen(ctype)));
        SR_TRY(sr_buf_append(o, "\r\n", 2));
    }
    if (extra != NULL) {
        SR_CHECK(valid_header_lines(extra), SR_ERR_ARG);
        SR_TRY(sr_buf_append(o, extra, strlen(extra)));
    }
    SR_TRY(sr_buf_append(o, "\r\n", 2));
    if (len <= INLINE_BODY_MAX) {
        SR_TRY(sr_buf_append(o, body, len));
    }
    return SR_OK;
}

static sr_err send_request(struct sr_net_client *c, const uint8_t *body, size_t len,
                           uint64_t deadline)
{
    SR_TRY(sr_net_io_write(&c->io, c->out.p, c->out.len, deadline, sr_net_client_detail(c)));
    if (len > INLINE_BODY_MAX) {
        SR_TRY(sr_net_io_write(&c->io, body, len, deadline, sr_net_client_detail(c)));
    }
    return SR_OK;
}

static void response_reset(struct sr_net_client_response *resp, size_t max)
{
    resp->status = 0;
    sr_buf_reset(&resp->body);
    sr_buf_reset(&resp->head);
    resp->body.max = max;
}

sr_err sr_net_client_request(struct sr_net_client *c, const char *method, const char *path,
                             const char *ctype, const char *extra, const uint8_t *body, size_t len,
                             struct sr_net_client_response *resp)
{
    uint64_t deadline = sr_net_now_ms() + c->timeout_ms;
    bool head_req = method != NULL && strcmp(method, "HEAD") == 0;
    sr_err err;

    c->detail[0] = 0;
    SR_CHECK(resp != NULL && (body != NULL || len == 0), SR_ERR_ARG);
    response_reset(resp, c->max_body);
    err = build_request(c, method, path, ctype, extra, body, len);
    for (int attempt = 0; err == SR_OK; attempt++) {
        bool reused = false, any = false, keep = false;
        err = ensure_connected(c, deadline, &reused);
        if (err == SR_OK) {
            err = send_request(c, body, len, deadline);
        }
        if (err == SR_OK) {
            err = sr_net_client_read_response(c, head_req, resp, deadline, &any, &keep);
        }
        if (err == SR_OK) {
            if (!keep) {
                drop(c);
            }
            c->last_used = sr_net_now_ms();
            return SR_OK;
        }
        drop(c);
        /* A kept-alive connection the server closed while idle: no byte of an answer came
         * back, so the request was not processed. Reopen once and send it again. */
        if (!(reused && !any && err == SR_ERR_IO && attempt == 0)) {
            break;
        }
        err = SR_OK;
        response_reset(resp, c->max_body);
    }
    if (c->detail[0] == 0) {
        snprintf(c->detail, sizeof(c->detail), "%s", sr_err_str(err));
    }
    response_reset(resp, c->max_body);
    return err;
}
