/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebSocket routes over TLS: echo of text and binary messages, reassembly of fragments,
 * the message size limit, upgrades refused off a WebSocket route, messages pushed from
 * another thread through sr_net_server_post, and closing from the server side.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sealroom/net.h>

#include "wsclient.h"

#define MAX_MSG 4096

static char dir[64], cert[128], key[128];
static struct sr_net_server *srv;
static struct sr_net_ws_conn *last_conn;
static atomic_int opened, closed;

static sr_err on_open(void *arg, struct sr_net_ws_conn *conn)
{
    (void)arg;
    last_conn = conn;
    sr_net_ws_conn_set_user(conn, &last_conn);
    atomic_fetch_add(&opened, 1);
    return SR_OK;
}

static sr_err on_message(void *arg, struct sr_net_ws_conn *conn, const uint8_t *data, size_t len,
                         bool binary)
{
    (void)arg;
    if (sr_net_ws_conn_get_user(conn) != &last_conn) {
        return SR_ERR_STATE;
    }
    if (!binary && len == 5 && memcmp(data, "close", 5) == 0) {
        SR_TRY(sr_net_ws_conn_send(conn, (const uint8_t *)"bye", 3, false));
        sr_net_ws_conn_close(conn);
        return SR_OK;
    }
    if (!binary && len == 4 && memcmp(data, "fail", 4) == 0) {
        return SR_ERR_INVALID;
    }
    return sr_net_ws_conn_send(conn, data, len, binary);
}

static void on_close(void *arg, struct sr_net_ws_conn *conn)
{
    (void)arg;
    if (last_conn == conn) {
        last_conn = NULL;
    }
    atomic_fetch_add(&closed, 1);
}

static const struct sr_net_ws_handlers ws = { on_open, on_message, on_close };

static sr_err h_hello(void *arg, const struct sr_net_http_request *req,
                      struct sr_net_http_response *resp)
{
    (void)arg;
    (void)req;
    return sr_buf_append(&resp->body, "hello", 5);
}

static const struct sr_net_route routes[] = {
    { NULL, "/ws", NULL, &ws, NULL },
    { "GET", "/hello", h_hello, NULL, NULL },
};

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/sr-ws-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    assert_int_equal(sr_net_selfsigned_write(cert, key, NULL, 1), SR_OK);
    struct sr_net_server_config cfg = { .address = "127.0.0.1",
                                        .cert_file = cert,
                                        .key_file = key,
                                        .max_ws_message = MAX_MSG,
                                        .routes = routes,
                                        .n_routes = 2 };
    assert_int_equal(sr_net_server_new(&cfg, &srv), SR_OK);
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

/* on_close runs on the service thread after the socket goes; give it a moment. */
static void wait_closed(int n)
{
    for (int i = 0; i < 200 && atomic_load(&closed) < n; i++) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&closed), n);
}

static void test_echo(void **state)
{
    struct ws_client w;
    uint8_t buf[MAX_MSG], big[3000];
    size_t n = 0;
    int c0 = atomic_load(&closed);
    (void)state;
    assert_int_equal(ws_open(&w, cert, sr_net_server_port(srv), "/ws"), 101);
    assert_int_equal(ws_send(&w, 1, true, (const uint8_t *)"hello", 5), SR_OK);
    assert_int_equal(ws_recv(&w, buf, sizeof(buf), &n), 1);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "hello", 5);
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)i;
    }
    assert_int_equal(ws_send(&w, 2, true, big, sizeof(big)), SR_OK);
    assert_int_equal(ws_recv(&w, buf, sizeof(buf), &n), 2);
    assert_int_equal(n, sizeof(big));
    assert_memory_equal(buf, big, sizeof(big));
    /* Two fragments make one message (RFC 6455 §5.4). */
    assert_int_equal(ws_send(&w, 1, false, (const uint8_t *)"frag", 4), SR_OK);
    assert_int_equal(ws_send(&w, 0, true, (const uint8_t *)"ments", 5), SR_OK);
    assert_int_equal(ws_recv(&w, buf, sizeof(buf), &n), 1);
    assert_int_equal(n, 9);
    assert_memory_equal(buf, "fragments", 9);
    /* The server closes after its answer. */
    assert_int_equal(ws_send(&w, 1, true, (const uint8_t *)"close", 5), SR_OK);
    assert_int_equal(ws_recv(&w, buf, sizeof(buf), &n), 1);
    assert_memory_equal(buf, "bye", 3);
    assert_int_equal(ws_recv(&w, buf, sizeof(buf), &n), 8);
    assert_true(n >= 2 && buf[0] == 0x03 && buf[1] == 0xe8); /* 1000: normal closure */
    ws_close(&w);
    wait_closed(c0 + 1);
}

static void test_limits(void **state)
{
    struct ws_client w;
    static uint8_t big[MAX_MSG + 1];
    uint8_t buf[256];
    size_t n = 0;
    int c0 = atomic_load(&closed);
    (void)state;
    assert_int_equal(ws_open(&w, cert, sr_net_server_port(srv), "/ws"), 101);
    assert_int_equal(ws_send(&w, 2, true, big, sizeof(big)), SR_OK);
    int op = ws_recv(&w, buf, sizeof(buf), &n);
    /* 1009: message too big (RFC 6455 §7.4.1), or the connection simply ends. */
    assert_true(op == -1 || (op == 8 && n >= 2 && buf[0] == 0x03 && buf[1] == 0xf1));
    ws_close(&w);
    wait_closed(c0 + 1);

    /* A handler error closes the connection too. */
    assert_int_equal(ws_open(&w, cert, sr_net_server_port(srv), "/ws"), 101);
    assert_int_equal(ws_send(&w, 1, true, (const uint8_t *)"fail", 4), SR_OK);
    op = ws_recv(&w, buf, sizeof(buf), &n);
    assert_true(op == -1 || op == 8);
    ws_close(&w);
    wait_closed(c0 + 2);

    /* Text that is not UTF-8 fails the connection (RFC 6455 §8.1). */
    assert_int_equal(ws_open(&w, cert, sr_net_server_port(srv), "/ws"), 101);
    assert_int_equal(ws_send(&w, 1, true, (const uint8_t *)"a\xff\xfe", 3), SR_OK);
    op = ws_recv(&w, buf, sizeof(buf), &n);
    assert_true(op == -1 || op == 8);
    ws_close(&w);
    wait_closed(c0 + 3);

    /* No upgrade off a WebSocket route, and a plain GET on one is told to upgrade. */
    assert_true(ws_open(&w, cert, sr_net_server_port(srv), "/hello") != 101);
    ws_close(&w);
    assert_true(ws_open(&w, cert, sr_net_server_port(srv), "/nope") != 101);
    ws_close(&w);
    char base[64];
    snprintf(base, sizeof(base), "https://127.0.0.1:%u", sr_net_server_port(srv));
    struct sr_net_client_config cc = { .base_url = base, .ca_file = cert };
    struct sr_net_client *c = NULL;
    struct sr_net_client_response r;
    assert_int_equal(sr_net_client_new(&cc, &c), SR_OK);
    sr_net_client_response_init(&r);
    assert_int_equal(sr_net_client_request(c, "GET", "/ws", NULL, NULL, NULL, 0, &r), SR_OK);
    assert_int_equal(r.status, 426);
    sr_net_client_response_cleanup(&r);
    sr_net_client_free(c);
}

static void push(void *arg)
{
    const char *msg = arg;
    if (last_conn != NULL) {
        assert_int_equal(sr_net_ws_conn_send(last_conn, (const uint8_t *)msg, strlen(msg), false),
                         SR_OK);
    }
}

static void test_post(void **state)
{
    struct ws_client w;
    uint8_t buf[64];
    size_t n = 0;
    int c0 = atomic_load(&closed);
    (void)state;
    assert_int_equal(ws_open(&w, cert, sr_net_server_port(srv), "/ws"), 101);
    /* Wait for on_open, then push from this (non-service) thread. */
    assert_int_equal(ws_send(&w, 1, true, (const uint8_t *)"x", 1), SR_OK);
    assert_int_equal(ws_recv(&w, buf, sizeof(buf), &n), 1);
    static char pushed[] = "pushed";
    assert_int_equal(sr_net_server_post(srv, push, pushed), SR_OK);
    assert_int_equal(ws_recv(&w, buf, sizeof(buf), &n), 1);
    assert_int_equal(n, 6);
    assert_memory_equal(buf, "pushed", 6);
    ws_close(&w);
    wait_closed(c0 + 1);
}

/* The library's own WebSocket client against the server. */
static void test_client(void **state)
{
    char url[96];
    struct sr_net_ws_client *c = NULL;
    struct sr_slice m;
    bool bin = false;
    static uint8_t big[3000];
    int c0 = atomic_load(&closed);
    (void)state;
    snprintf(url, sizeof(url), "wss://127.0.0.1:%u/ws", sr_net_server_port(srv));
    struct sr_net_ws_client_config cc = { .url = url, .ca_file = cert, .timeout_ms = 5000 };
    assert_int_equal(sr_net_ws_client_connect(&cc, &c), SR_OK);
    assert_int_equal(sr_net_ws_client_send(c, (const uint8_t *)"hello", 5, false), SR_OK);
    assert_int_equal(sr_net_ws_client_recv(c, 5000, &m, &bin), SR_OK);
    assert_false(bin);
    assert_int_equal(m.len, 5);
    assert_memory_equal(m.p, "hello", 5);
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 13);
    }
    assert_int_equal(sr_net_ws_client_send(c, big, sizeof(big), true), SR_OK);
    assert_int_equal(sr_net_ws_client_recv(c, 5000, &m, &bin), SR_OK);
    assert_true(bin);
    assert_int_equal(m.len, sizeof(big));
    assert_memory_equal(m.p, big, sizeof(big));
    /* Nothing pending: a short wait says so and leaves the connection usable. */
    assert_int_equal(sr_net_ws_client_recv(c, 20, &m, &bin), SR_ERR_NOT_FOUND);
    static char pushed[] = "pushed";
    assert_int_equal(sr_net_server_post(srv, push, pushed), SR_OK);
    assert_int_equal(sr_net_ws_client_recv(c, 5000, &m, &bin), SR_OK);
    assert_int_equal(m.len, 6);
    /* The server closes: "bye", then the close frame, answered by the client. */
    assert_int_equal(sr_net_ws_client_send(c, (const uint8_t *)"close", 5, false), SR_OK);
    assert_int_equal(sr_net_ws_client_recv(c, 5000, &m, &bin), SR_OK);
    assert_memory_equal(m.p, "bye", 3);
    assert_int_equal(sr_net_ws_client_recv(c, 5000, &m, &bin), SR_ERR_IO);
    assert_non_null(strstr(sr_net_ws_client_error_detail(c), "1000"));
    assert_int_equal(sr_net_ws_client_send(c, (const uint8_t *)"x", 1, false), SR_ERR_STATE);
    sr_net_ws_client_free(c);
    wait_closed(c0 + 1);

    /* No WebSocket on that path; a plain ws:// URL to a TLS port; a bad URL. */
    snprintf(url, sizeof(url), "wss://127.0.0.1:%u/hello", sr_net_server_port(srv));
    assert_int_not_equal(sr_net_ws_client_connect(&cc, &c), SR_OK);
    assert_null(c);
    snprintf(url, sizeof(url), "ws://127.0.0.1:%u/ws", sr_net_server_port(srv));
    cc.timeout_ms = 2000;
    assert_int_not_equal(sr_net_ws_client_connect(&cc, &c), SR_OK);
    cc.url = "https://127.0.0.1:1/ws";
    assert_int_equal(sr_net_ws_client_connect(&cc, &c), SR_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_post),
        cmocka_unit_test(test_client),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
