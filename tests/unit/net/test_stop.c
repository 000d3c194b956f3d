/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stopping the server: a loop driven by the caller's own thread stopped from another
 * thread and from a signal handler, and freeing a server while an HTTP keep-alive client
 * and a WebSocket client are connected (both see the connection end, on_close runs).
 * Plain HTTP here, which also covers the plain_http flag.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sealroom/net.h>

#include "wsclient.h"

static struct sr_net_server *g_srv;
static int ws_closed;

static sr_err h_hello(void *arg, const struct sr_net_http_request *req,
                      struct sr_net_http_response *resp)
{
    (void)arg;
    (void)req;
    return sr_buf_append(&resp->body, "hello", 5);
}

static void on_close(void *arg, struct sr_net_ws_conn *conn)
{
    (void)arg;
    (void)conn;
    ws_closed++;
}

static const struct sr_net_ws_handlers ws = { NULL, NULL, on_close };

static const struct sr_net_route routes[] = {
    { "GET", "/hello", h_hello, NULL, NULL },
    { NULL, "/ws", NULL, &ws, NULL },
};

static struct sr_net_server *new_server_ka(unsigned keepalive_s)
{
    struct sr_net_server_config cfg = { .address = "127.0.0.1",
                                        .plain_http = true,
                                        .keepalive_s = keepalive_s,
                                        .routes = routes,
                                        .n_routes = 2 };
    struct sr_net_server *s = NULL;
    assert_int_equal(sr_net_server_new(&cfg, &s), SR_OK);
    return s;
}

static struct sr_net_server *new_server(void)
{
    return new_server_ka(0);
}

static void *runner(void *arg)
{
    sr_err err = sr_net_server_run(arg);
    return (void *)(intptr_t)err;
}

static struct sr_net_client *client_of(struct sr_net_server *s)
{
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%u", sr_net_server_port(s));
    struct sr_net_client_config cc = { .base_url = base, .timeout_ms = 3000 };
    struct sr_net_client *c = NULL;
    assert_int_equal(sr_net_client_new(&cc, &c), SR_OK);
    return c;
}

static void hello(struct sr_net_client *c, sr_err want)
{
    struct sr_net_client_response r;
    sr_net_client_response_init(&r);
    assert_int_equal(sr_net_client_request(c, "GET", "/hello", NULL, NULL, NULL, 0, &r), want);
    if (want == SR_OK) {
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body.len, 5);
    }
    sr_net_client_response_cleanup(&r);
}

static void test_caller_loop(void **state)
{
    pthread_t t;
    void *rv = NULL;
    (void)state;
    g_srv = new_server();
    assert_int_equal(pthread_create(&t, NULL, runner, g_srv), 0);
    struct sr_net_client *c = client_of(g_srv);
    hello(c, SR_OK);
    sr_net_server_stop(g_srv);
    assert_int_equal(pthread_join(t, &rv), 0);
    assert_int_equal((intptr_t)rv, SR_OK);
    assert_int_equal(sr_net_server_run(g_srv), SR_ERR_STATE);
    assert_int_equal(sr_net_server_start(g_srv), SR_ERR_STATE);
    sr_net_server_free(g_srv);
    hello(c, SR_ERR_IO);
    sr_net_client_free(c);
}

static void on_signal(int sig)
{
    (void)sig;
    sr_net_server_stop(g_srv);
}

static void test_signal_stop(void **state)
{
    pthread_t t;
    (void)state;
    g_srv = new_server();
    signal(SIGUSR1, on_signal);
    assert_int_equal(pthread_create(&t, NULL, runner, g_srv), 0);
    struct sr_net_client *c = client_of(g_srv);
    hello(c, SR_OK);
    assert_int_equal(pthread_kill(t, SIGUSR1), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    signal(SIGUSR1, SIG_DFL);
    sr_net_server_free(g_srv);
    sr_net_client_free(c);
}

static void test_free_with_clients(void **state)
{
    struct ws_client w;
    uint8_t buf[64];
    size_t n;
    (void)state;
    struct sr_net_server *s = new_server();
    assert_int_equal(sr_net_server_start(s), SR_OK);
    struct sr_net_client *c = client_of(s);
    hello(c, SR_OK);
    hello(c, SR_OK);
    assert_int_equal(sr_net_client_connections(c), 1);
    /* The ws helper speaks TLS; over plain HTTP it connects with no SSL_CTX. */
    memset(&w, 0, sizeof(w));
    char ps[8], req[256];
    snprintf(ps, sizeof(ps), "%u", sr_net_server_port(s));
    assert_int_equal(
            sr_net_io_connect(&w.io, NULL, NULL, "127.0.0.1", ps, ws_deadline(), ws_detail(&w)),
            SR_OK);
    int len = snprintf(
            req, sizeof(req),
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assert_int_equal(sr_net_io_write(&w.io, req, (size_t)len, ws_deadline(), ws_detail(&w)), SR_OK);
    assert_int_equal(sr_net_io_wait_readable(&w.io, ws_deadline(), ws_detail(&w)), SR_OK);
    assert_int_equal(sr_net_io_read(&w.io, buf, 12, &n, ws_deadline(), ws_detail(&w)), SR_OK);
    assert_true(n >= 12 && memcmp(buf, "HTTP/1.1 101", 12) == 0);

    ws_closed = 0;
    sr_net_server_free(s);
    assert_int_equal(ws_closed, 1);
    /* Both clients see the end: the WebSocket reads EOF (after any close frame). */
    int guard = 0;
    while (sr_net_io_read(&w.io, buf, sizeof(buf), &n, ws_deadline(), ws_detail(&w)) == SR_OK &&
           n > 0 && ++guard < 100) {
    }
    assert_true(guard < 100);
    sr_net_io_close(&w.io);
    hello(c, SR_ERR_IO);
    sr_net_client_free(c);
}

/* The server drops an idle keep-alive connection; the client notices and reconnects. */
static void test_idle_timeout(void **state)
{
    struct timespec ts = { 2, 500 * 1000 * 1000 };
    (void)state;
    struct sr_net_server *s = new_server_ka(1);
    assert_int_equal(sr_net_server_start(s), SR_OK);
    struct sr_net_client *c = client_of(s);
    hello(c, SR_OK);
    nanosleep(&ts, NULL);
    hello(c, SR_OK);
    assert_int_equal(sr_net_client_connections(c), 2);
    sr_net_client_free(c);
    sr_net_server_free(s);
}

/* "Connection: close" is announced and honoured; the next request reconnects at once. */
static void test_connection_close(void **state)
{
    struct sr_net_client_response r;
    struct sr_slice v;
    (void)state;
    struct sr_net_server *s = new_server();
    assert_int_equal(sr_net_server_start(s), SR_OK);
    struct sr_net_client *c = client_of(s);
    sr_net_client_response_init(&r);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sr_net_client_request(c, "GET", "/hello", NULL, "Connection: close\r\n",
                                               NULL, 0, &r),
                         SR_OK);
        assert_int_equal(r.status, 200);
        assert_int_equal(sr_net_client_response_header(&r, "connection", &v), SR_OK);
        assert_int_equal(v.len, 5);
    }
    hello(c, SR_OK);
    hello(c, SR_OK);
    assert_int_equal(sr_net_client_connections(c), 4);
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
    sr_net_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caller_loop),       cmocka_unit_test(test_signal_stop),
        cmocka_unit_test(test_free_with_clients), cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_connection_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
