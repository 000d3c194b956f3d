/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTPS server and client together on 127.0.0.1 with a generated self-signed certificate:
 * round trips, keep-alive reuse, 404/405/413, concurrent clients, a client that trusts a
 * different certificate, and stopping the server under connected clients.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sealroom/net.h>

#include "net/io.h"

#define MAX_BODY 4096

static char dir[64], cert[128], key[128], other_cert[128], other_key[128], base[64];
static struct sr_net_server *srv;

static sr_err h_hello(void *arg, const struct sr_net_http_request *req,
                      struct sr_net_http_response *resp)
{
    (void)arg;
    (void)req;
    resp->content_type = "text/plain";
    return sr_buf_append(&resp->body, "hello", 5);
}

static sr_err h_echo(void *arg, const struct sr_net_http_request *req,
                     struct sr_net_http_response *resp)
{
    char rid[64], len[32];
    (void)arg;
    resp->content_type = req->content_type[0] ? req->content_type : NULL;
    snprintf(len, sizeof(len), "%zu", req->body.len);
    SR_TRY(sr_net_http_response_add_header(resp, "x-echo-len", len));
    SR_TRY(sr_net_http_response_add_header(resp, "x-query", req->query));
    SR_TRY(sr_net_http_response_add_header(resp, "x-auth", req->authorization));
    if (sr_net_http_request_header(req, "X-Request-Id", rid, sizeof(rid)) == SR_OK) {
        SR_TRY(sr_net_http_response_add_header(resp, "x-request-id", rid));
    }
    /* A value from the request must never be able to add a header line. */
    SR_CHECK(sr_net_http_response_add_header(resp, "x-bad", "a\r\nb: c") == SR_ERR_INVALID,
             SR_ERR_STATE);
    return sr_buf_append(&resp->body, req->body.p, req->body.len);
}

static sr_err h_fail(void *arg, const struct sr_net_http_request *req,
                     struct sr_net_http_response *resp)
{
    (void)arg;
    (void)req;
    SR_TRY(sr_buf_append(&resp->body, "partial", 7));
    return SR_ERR_DENIED;
}

static const struct sr_net_route routes[] = {
    { "GET", "/hello", h_hello, NULL, NULL }, { "POST", "/echo", h_echo, NULL, NULL },
    { "PUT", "/echo", h_echo, NULL, NULL },   { "GET", "/api/", h_hello, NULL, NULL },
    { "POST", "/fail", h_fail, NULL, NULL },
};

static struct sr_net_client *client_for(const char *ca)
{
    struct sr_net_client_config cc = { .base_url = base, .ca_file = ca, .timeout_ms = 5000 };
    struct sr_net_client *c = NULL;
    assert_int_equal(sr_net_client_new(&cc, &c), SR_OK);
    return c;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/sr-net-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    snprintf(other_cert, sizeof(other_cert), "%s/other.pem", dir);
    snprintf(other_key, sizeof(other_key), "%s/other.key", dir);
    assert_int_equal(sr_net_selfsigned_write(cert, key, NULL, 1), SR_OK);
    assert_int_equal(sr_net_selfsigned_write(other_cert, other_key, "127.0.0.1", 1), SR_OK);
    struct sr_net_server_config cfg = { .address = "127.0.0.1",
                                        .port = 0,
                                        .cert_file = cert,
                                        .key_file = key,
                                        .max_body = MAX_BODY,
                                        .routes = routes,
                                        .n_routes = sizeof(routes) / sizeof(routes[0]) };
    assert_int_equal(sr_net_server_new(&cfg, &srv), SR_OK);
    assert_true(sr_net_server_port(srv) > 0);
    snprintf(base, sizeof(base), "https://127.0.0.1:%u", sr_net_server_port(srv));
    assert_int_equal(sr_net_server_start(srv), SR_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sr_net_server_free(srv);
    unlink(cert);
    unlink(key);
    unlink(other_cert);
    unlink(other_key);
    rmdir(dir);
    return 0;
}

static void test_key_mode(void **state)
{
    struct stat st;
    (void)state;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_get_post(void **state)
{
    struct sr_net_client *c = client_for(cert);
    struct sr_net_client_response r;
    struct sr_slice v;
    (void)state;
    sr_net_client_response_init(&r);
    assert_int_equal(sr_net_client_request(c, "GET", "/hello", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body.p, "hello", 5);
    assert_int_equal(r.body.len, 5);
    assert_int_equal(sr_net_client_response_header(&r, "Content-Type", &v), SR_OK);
    assert_memory_equal(v.p, "text/plain", 10);

    const char *json = "{\"kmsMessages\":[]}";
    assert_int_equal(sr_net_client_request(c, "POST", "/echo?a=1&b=2", "application/json",
                                           "X-Request-Id: r-42\r\nAuthorization: Bearer t0k\r\n",
                                           (const uint8_t *)json, strlen(json), &r),
                     SR_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, strlen(json));
    assert_memory_equal(r.body.p, json, strlen(json));
    assert_int_equal(sr_net_client_response_header(&r, "x-request-id", &v), SR_OK);
    assert_int_equal(v.len, 4);
    assert_int_equal(sr_net_client_response_header(&r, "x-auth", &v), SR_OK);
    assert_memory_equal(v.p, "Bearer t0k", 10);
    assert_int_equal(sr_net_client_response_header(&r, "x-query", &v), SR_OK);
    assert_memory_equal(v.p, "a=1&b=2", 7);
    assert_int_equal(sr_net_client_response_header(&r, "x-bad", &v), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_net_client_response_header(&r, "content-type", &v), SR_OK);
    assert_memory_equal(v.p, "application/json", 16);

    /* Empty body, prefix route with a trailing slash. */
    assert_int_equal(sr_net_client_request(c, "POST", "/echo", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    assert_int_equal(sr_net_client_request(c, "GET", "/api/x/y", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(sr_net_client_connections(c), 1);
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
}

static void test_keepalive(void **state)
{
    struct sr_net_client *c = client_for(cert);
    struct sr_net_client_response r;
    uint8_t body[1000];
    (void)state;
    sr_net_client_response_init(&r);
    for (size_t i = 0; i < sizeof(body); i++) {
        body[i] = (uint8_t)(i * 7);
    }
    for (int i = 0; i < 300; i++) {
        size_t n = (size_t)(i * 3) % sizeof(body);
        assert_int_equal(sr_net_client_request(c, "POST", "/echo", "application/octet-stream", NULL,
                                               body, n, &r),
                         SR_OK);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body.len, n);
        assert_memory_equal(r.body.p, body, n);
    }
    assert_int_equal(sr_net_client_connections(c), 1);
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
}

static void test_errors(void **state)
{
    struct sr_net_client *c = client_for(cert);
    struct sr_net_client_response r;
    struct sr_slice v;
    static uint8_t big[MAX_BODY + 1000];
    (void)state;
    sr_net_client_response_init(&r);
    assert_int_equal(sr_net_client_request(c, "GET", "/nope", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 404);
    assert_int_equal(sr_net_client_request(c, "GET", "/hellothere", NULL, NULL, NULL, 0, &r),
                     SR_OK);
    assert_int_equal(r.status, 404);
    assert_int_equal(sr_net_client_request(c, "GET", "/echo", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 405);
    assert_int_equal(sr_net_client_response_header(&r, "allow", &v), SR_OK);
    assert_int_equal(v.len, strlen("POST, PUT"));
    assert_memory_equal(v.p, "POST, PUT", v.len);
    /* A 404 with a body: the body is drained and the connection kept. */
    assert_int_equal(sr_net_client_request(c, "POST", "/nope", NULL, NULL, big, 100, &r), SR_OK);
    assert_int_equal(r.status, 404);
    assert_int_equal(sr_net_client_request(c, "POST", "/echo", NULL, NULL, big, MAX_BODY, &r),
                     SR_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(sr_net_client_request(c, "POST", "/echo", NULL, NULL, big, sizeof(big), &r),
                     SR_OK);
    assert_int_equal(r.status, 413);
    assert_int_equal(sr_net_client_request(c, "POST", "/fail", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 403);
    assert_true(r.body.len < 7 || memcmp(r.body.p, "partial", 7) != 0);
    assert_int_equal(sr_net_client_request(c, "GET", "/hello", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(sr_net_client_connections(c), 1);
    /* Bad arguments never reach the wire. */
    assert_int_equal(sr_net_client_request(c, "GET", "/a b", NULL, NULL, NULL, 0, &r), SR_ERR_ARG);
    static const char *bad_extra[] = { "X: 1",        "X: 1\r\n\r\nGET / HTTP/1.1\r\n",
                                       "X 1\r\n",     ": 1\r\n",
                                       "X: a\rb\r\n", "X: a\nb\r\n" };
    for (size_t i = 0; i < sizeof(bad_extra) / sizeof(bad_extra[0]); i++) {
        assert_int_equal(sr_net_client_request(c, "GET", "/x", NULL, bad_extra[i], NULL, 0, &r),
                         SR_ERR_ARG);
    }
    assert_int_equal(sr_net_client_request(c, "GET", "/x\x01", NULL, NULL, NULL, 0, &r),
                     SR_ERR_ARG);
    assert_int_equal(sr_net_client_request(c, "GET", "/hello", "a\r\nb: c", NULL, NULL, 0, &r),
                     SR_ERR_ARG);
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
}

static void test_response_limit(void **state)
{
    struct sr_net_client_config cc = { .base_url = base,
                                       .ca_file = cert,
                                       .max_response_body = 100 };
    struct sr_net_client *c = NULL;
    struct sr_net_client_response r;
    static uint8_t body[200];
    (void)state;
    assert_int_equal(sr_net_client_new(&cc, &c), SR_OK);
    sr_net_client_response_init(&r);
    assert_int_equal(sr_net_client_request(c, "POST", "/echo", NULL, NULL, body, 100, &r), SR_OK);
    assert_int_equal(sr_net_client_request(c, "POST", "/echo", NULL, NULL, body, 101, &r),
                     SR_ERR_LIMIT);
    assert_int_equal(r.body.len, 0);
    assert_int_equal(sr_net_client_request(c, "GET", "/hello", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 200);
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
}

static void test_wrong_ca(void **state)
{
    struct sr_net_client *c = client_for(other_cert);
    struct sr_net_client_response r;
    (void)state;
    sr_net_client_response_init(&r);
    assert_int_equal(sr_net_client_request(c, "GET", "/hello", NULL, NULL, NULL, 0, &r),
                     SR_ERR_AUTH);
    assert_non_null(strstr(sr_net_client_error_detail(c), "certificate verify failed"));
    assert_int_equal(r.status, 0);
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);

    /* Plain HTTP against the TLS port is not a response either. */
    struct sr_net_client_config cc = { .base_url = "http://127.0.0.1:1", .timeout_ms = 2000 };
    assert_int_equal(sr_net_client_new(&cc, &c), SR_OK);
    sr_net_client_response_init(&r);
    assert_int_equal(sr_net_client_request(c, "GET", "/", NULL, NULL, NULL, 0, &r), SR_ERR_IO);
    assert_true(strlen(sr_net_client_error_detail(c)) > 0);
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
}

static void test_bad_config(void **state)
{
    struct sr_net_client_config cc = { .base_url = "ftp://x", .ca_file = cert };
    struct sr_net_client *c = (struct sr_net_client *)1;
    struct sr_net_server *s = (struct sr_net_server *)1;
    (void)state;
    assert_int_equal(sr_net_client_new(&cc, &c), SR_ERR_ARG);
    assert_null(c);
    cc.base_url = "https://127.0.0.1:99999";
    assert_int_equal(sr_net_client_new(&cc, &c), SR_ERR_ARG);
    cc.base_url = "https://127.0.0.1:443";
    cc.ca_file = "/nonexistent/ca.pem";
    assert_int_equal(sr_net_client_new(&cc, &c), SR_ERR_IO);
    struct sr_net_server_config cfg = { .address = "127.0.0.1", .routes = routes, .n_routes = 1 };
    assert_int_equal(sr_net_server_new(&cfg, &s), SR_ERR_ARG);
    assert_null(s);
    cfg.cert_file = "/nonexistent/c.pem";
    cfg.key_file = "/nonexistent/k.pem";
    assert_int_equal(sr_net_server_new(&cfg, &s), SR_ERR_IO);
    /* The port is taken. */
    cfg.cert_file = cert;
    cfg.key_file = key;
    cfg.port = sr_net_server_port(srv);
    assert_int_equal(sr_net_server_new(&cfg, &s), SR_ERR_IO);
}

struct worker {
    unsigned n;
    unsigned ok;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct sr_net_client_config cc = { .base_url = base, .ca_file = cert, .timeout_ms = 10000 };
    struct sr_net_client *c = NULL;
    struct sr_net_client_response r;
    char msg[64];
    if (sr_net_client_new(&cc, &c) != SR_OK) {
        return NULL;
    }
    sr_net_client_response_init(&r);
    for (unsigned i = 0; i < w->n; i++) {
        int n = snprintf(msg, sizeof(msg), "{\"i\":%u}", i);
        if (sr_net_client_request(c, "POST", "/echo", "application/json", NULL,
                                  (const uint8_t *)msg, (size_t)n, &r) == SR_OK &&
            r.status == 200 && r.body.len == (size_t)n && memcmp(r.body.p, msg, n) == 0) {
            w->ok++;
        }
    }
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
    return NULL;
}

static void test_concurrent(void **state)
{
    enum {
        THREADS = 8,
        PER = 150
    };
    pthread_t t[THREADS];
    struct worker w[THREADS];
    (void)state;
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (struct worker){ PER, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].ok, PER);
    }
}

/* Many keep-alive connections open at once, used in turn. */
static void test_many_connections(void **state)
{
    enum {
        CONNS = 64,
        ROUNDS = 3
    };
    static struct sr_net_client *cs[CONNS];
    struct sr_net_client_response r;
    (void)state;
    sr_net_client_response_init(&r);
    for (int i = 0; i < CONNS; i++) {
        cs[i] = client_for(cert);
    }
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < CONNS; i++) {
            assert_int_equal(sr_net_client_request(cs[i], "GET", "/hello", NULL, NULL, NULL, 0, &r),
                             SR_OK);
            assert_int_equal(r.status, 200);
        }
    }
    for (int i = 0; i < CONNS; i++) {
        assert_int_equal(sr_net_client_connections(cs[i]), 1);
        sr_net_client_free(cs[i]);
    }
    sr_net_client_response_cleanup(&r);
}

static size_t count(const uint8_t *p, size_t len, const char *s)
{
    size_t n = strlen(s), c = 0;
    for (size_t i = 0; i + n <= len; i++) {
        c += memcmp(p + i, s, n) == 0;
    }
    return c;
}

/*
 * Pipelined requests, one with a body among them: the server answers in order or ends
 * the connection, and stays responsive (teardown would hang if lws spun on them).
 */
static void test_pipelined(void **state)
{
    struct sr_net_io io;
    char d[128], ps[8];
    uint8_t buf[4096];
    size_t len = 0, got = 0;
    struct sr_net_detail det = { d, sizeof(d) };
    (void)state;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, cert, NULL), 1);
    snprintf(ps, sizeof(ps), "%u", sr_net_server_port(srv));
    assert_int_equal(
            sr_net_io_connect(&io, ctx, NULL, "127.0.0.1", ps, sr_net_now_ms() + 5000, det), SR_OK);
    const char *two = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\none"
                      "GET /hello HTTP/1.1\r\nHost: h\r\n\r\n"
                      "GET /hello HTTP/1.1\r\nHost: h\r\n\r\n"
                      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\ntwo";
    assert_int_equal(sr_net_io_write(&io, two, strlen(two), sr_net_now_ms() + 5000, det), SR_OK);
    uint64_t deadline = sr_net_now_ms() + 3000;
    while (count(buf, len, "HTTP/1.1 200") < 3 &&
           sr_net_io_read(&io, buf + len, sizeof(buf) - len, &got, deadline, det) == SR_OK &&
           got > 0) {
        len += got;
    }
    /* Answers come in order; behind a request with a body, pipelining may end the
     * connection instead (see server_http.c), but never hangs the server. */
    assert_true(count(buf, len, "two") == 0 || count(buf, len, "one") == 1);
    sr_net_io_close(&io);
    SSL_CTX_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_mode),         cmocka_unit_test(test_get_post),
        cmocka_unit_test(test_keepalive),        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_response_limit),   cmocka_unit_test(test_wrong_ca),
        cmocka_unit_test(test_bad_config),       cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_many_connections), cmocka_unit_test(test_pipelined),
    };
    const char *filter = getenv("SR_TEST_FILTER");
    if (filter != NULL) {
        cmocka_set_test_filter(filter);
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
