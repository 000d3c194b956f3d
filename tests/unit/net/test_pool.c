/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Handlers on worker threads: they really run concurrently (two handlers meet at a
 * barrier that a single thread could never pass), request fields arrive intact, a client
 * that disconnects while its handler runs leaves nothing behind, and many clients at once
 * get their own answers.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sealroom/net.h>

#include "net/io.h"

static char dir[64], cert[128], key[128], base[64];
static struct sr_net_server *srv;
static pthread_mutex_t meet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t meet_cond = PTHREAD_COND_INITIALIZER;
static int meeting;
static atomic_int slow_done;

static sr_err h_echo(void *arg, const struct sr_net_http_request *req,
                     struct sr_net_http_response *resp)
{
    char v[16];
    (void)arg;
    /* The header table belongs to the service thread. */
    SR_CHECK(sr_net_http_request_header(req, "host", v, sizeof(v)) == SR_ERR_STATE, SR_ERR_STATE);
    SR_CHECK(strncmp(req->host, "127.0.0.1:", 10) == 0, SR_ERR_STATE);
    SR_TRY(sr_net_http_response_add_header(resp, "x-query", req->query));
    resp->content_type = "application/octet-stream";
    return sr_buf_append(&resp->body, req->body.p, req->body.len);
}

/* Wait (at most 3 s) until `n` handlers are here at once. */
static sr_err h_meet(void *arg, const struct sr_net_http_request *req,
                     struct sr_net_http_response *resp)
{
    struct timespec until;
    int n = (int)(intptr_t)arg, rc = 0;
    (void)req;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 3;
    pthread_mutex_lock(&meet_lock);
    meeting++;
    pthread_cond_broadcast(&meet_cond);
    while (meeting < n && rc == 0) {
        rc = pthread_cond_timedwait(&meet_cond, &meet_lock, &until);
    }
    bool met = meeting >= n;
    pthread_mutex_unlock(&meet_lock);
    atomic_fetch_add(&slow_done, 1);
    SR_CHECK(met, SR_ERR_STATE);
    return sr_buf_append(&resp->body, "met", 3);
}

static const struct sr_net_route routes[] = {
    { "POST", "/echo", h_echo, NULL, NULL },
    { "GET", "/meet2", h_meet, NULL, (void *)(intptr_t)2 },
};

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/sr-pool-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    assert_int_equal(sr_net_selfsigned_write(cert, key, NULL, 1), SR_OK);
    struct sr_net_server_config cfg = { .address = "127.0.0.1",
                                        .cert_file = cert,
                                        .key_file = key,
                                        .workers = 2,
                                        .routes = routes,
                                        .n_routes = 2 };
    assert_int_equal(sr_net_server_new(&cfg, &srv), SR_OK);
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
    rmdir(dir);
    return 0;
}

struct worker {
    const char *path;
    unsigned n;
    unsigned ok;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct sr_net_client_config cc = { .base_url = base, .ca_file = cert, .timeout_ms = 10000 };
    struct sr_net_client *c = NULL;
    struct sr_net_client_response r;
    char msg[64], path[80];
    if (sr_net_client_new(&cc, &c) != SR_OK) {
        return NULL;
    }
    sr_net_client_response_init(&r);
    for (unsigned i = 0; i < w->n; i++) {
        int n = snprintf(msg, sizeof(msg), "{\"i\":%u}", i);
        bool echo = strcmp(w->path, "/echo") == 0;
        snprintf(path, sizeof(path), "%s?i=%u", w->path, i);
        sr_err err = sr_net_client_request(c, echo ? "POST" : "GET", path, NULL, NULL,
                                           (const uint8_t *)msg, echo ? (size_t)n : 0, &r);
        if (err == SR_OK && r.status == 200 &&
            (!echo || (r.body.len == (size_t)n && memcmp(r.body.p, msg, (size_t)n) == 0))) {
            w->ok++;
        }
    }
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
    return NULL;
}

static void run_clients(struct worker *w, unsigned n)
{
    pthread_t t[16];
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (unsigned i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
    }
}

static void test_concurrent_handlers(void **state)
{
    struct worker w[2] = { { "/meet2", 1, 0 }, { "/meet2", 1, 0 } };
    (void)state;
    meeting = 0;
    run_clients(w, 2);
    assert_int_equal(w[0].ok, 1);
    assert_int_equal(w[1].ok, 1);
}

static void test_many_clients(void **state)
{
    enum {
        THREADS = 8,
        PER = 150
    };
    struct worker w[THREADS];
    (void)state;
    for (unsigned i = 0; i < THREADS; i++) {
        w[i] = (struct worker){ "/echo", PER, 0 };
    }
    run_clients(w, THREADS);
    for (unsigned i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].ok, PER);
    }
}

/* A client that sends a request and leaves before the answer. */
static void send_and_leave(void)
{
    struct sr_net_io io;
    char d[128], ps[8];
    struct sr_net_detail det = { d, sizeof(d) };
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, cert, NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    snprintf(ps, sizeof(ps), "%u", sr_net_server_port(srv));
    assert_int_equal(
            sr_net_io_connect(&io, ctx, NULL, "127.0.0.1", ps, sr_net_now_ms() + 5000, det), SR_OK);
    const char *req = "GET /meet2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    assert_int_equal(sr_net_io_write(&io, req, strlen(req), sr_net_now_ms() + 5000, det), SR_OK);
    sr_net_io_close(&io);
    SSL_CTX_free(ctx);
}

static void test_client_leaves(void **state)
{
    (void)state;
    meeting = 0;
    atomic_store(&slow_done, 0);
    /* Both handlers meet and finish after their clients are gone; the jobs are freed
     * when their answers come back (LeakSanitizer checks that). */
    send_and_leave();
    send_and_leave();
    for (int i = 0; i < 300 && atomic_load(&slow_done) < 2; i++) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&slow_done), 2);
    struct worker e = { "/echo", 20, 0 };
    run_clients(&e, 1);
    assert_int_equal(e.ok, 20);
}

static const uint8_t *find(const uint8_t *p, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(p + i, s, n) == 0) {
            return p + i;
        }
    }
    return NULL;
}

/* Two requests in one write (pipelining) are not served with workers: the server closes
 * the connection, without crashing, hanging or answering out of order. */
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
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    snprintf(ps, sizeof(ps), "%u", sr_net_server_port(srv));
    assert_int_equal(
            sr_net_io_connect(&io, ctx, NULL, "127.0.0.1", ps, sr_net_now_ms() + 5000, det), SR_OK);
    const char *two = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Length: 3\r\n\r\none"
                      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Length: 3\r\n\r\ntwo";
    assert_int_equal(sr_net_io_write(&io, two, strlen(two), sr_net_now_ms() + 5000, det), SR_OK);
    uint64_t deadline = sr_net_now_ms() + 3000;
    while (len < sizeof(buf) && sr_net_now_ms() < deadline &&
           sr_net_io_read(&io, buf + len, sizeof(buf) - len, &got, deadline, det) == SR_OK &&
           got > 0) {
        len += got;
        if (len >= 6 && find(buf, len, "two") != NULL) {
            break;
        }
    }
    const uint8_t *one = find(buf, len, "one"), *second = find(buf, len, "two");
    assert_true(second == NULL || (one != NULL && second > one));
    sr_net_io_close(&io);
    SSL_CTX_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_handlers),
        cmocka_unit_test(test_many_clients),
        cmocka_unit_test(test_client_leaves),
        cmocka_unit_test(test_pipelined),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
