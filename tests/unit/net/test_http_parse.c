/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's response parser on its own: good heads and their framing, every kind of
 * malformed or ambiguous head, truncation at every offset, and the chunked decoder fed
 * whole and one byte at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net/http_parse.h"

static sr_err parse(const char *s, struct sr_net_http_head *h)
{
    size_t hl = 0;
    SR_TRY(sr_net_http_head_end((const uint8_t *)s, strlen(s), &hl));
    SR_CHECK(hl == strlen(s), SR_ERR_DECODE);
    return sr_net_http_head_parse((const uint8_t *)s, hl, false, h);
}

static void test_good(void **state)
{
    struct sr_net_http_head h;
    struct sr_slice v;
    (void)state;
    const char *a = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-A:  b c \r\n\r\n";
    assert_int_equal(parse(a, &h), SR_OK);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.framing, SR_NET_HTTP_BODY_LENGTH);
    assert_int_equal(h.content_length, 12);
    assert_true(h.keep_alive);
    assert_int_equal(sr_net_http_head_find((const uint8_t *)a, strlen(a), "x-a", &v), SR_OK);
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.p, "b c", 3);
    assert_int_equal(sr_net_http_head_find((const uint8_t *)a, strlen(a), "x-b", &v),
                     SR_ERR_NOT_FOUND);

    assert_int_equal(parse("HTTP/1.1 200\r\nTransfer-Encoding: Chunked\r\n\r\n", &h), SR_OK);
    assert_int_equal(h.framing, SR_NET_HTTP_BODY_CHUNKED);
    assert_int_equal(parse("HTTP/1.0 200 OK\r\n\r\n", &h), SR_OK);
    assert_int_equal(h.framing, SR_NET_HTTP_BODY_EOF);
    assert_false(h.keep_alive);
    assert_int_equal(parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", &h), SR_OK);
    assert_int_equal(h.framing, SR_NET_HTTP_BODY_NONE);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n"
                           "content-length: 1\r\n\r\n",
                           &h),
                     SR_OK);
    assert_false(h.keep_alive);
}

static void test_bad(void **state)
{
    static const char *bad[] = {
        "HTTP/1.1 200 OK\nContent-Length: 1\r\n\r\n", /* bare LF */
        "HTTP/2 200 OK\r\n\r\n",                      /* version */
        "HTTP/1.1 20 OK\r\n\r\n",                     /* status digits */
        "HTTP/1.1 099 OK\r\n\r\n",                    /* status range */
        "HTTP/1.1 200OK\r\n\r\n",                     /* no SP */
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", /* obs-fold */
        "HTTP/1.1 200 OK\r\nX : a\r\n\r\n",           /* space before colon */
        "HTTP/1.1 200 OK\r\n: a\r\n\r\n",             /* empty name */
        "HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n",        /* control byte */
        "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
    };
    struct sr_net_http_head h;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sr_err err = parse(bad[i], &h);
        assert_true(err == SR_ERR_DECODE || err == SR_ERR_UNSUPPORTED);
    }
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", &h),
                     SR_ERR_UNSUPPORTED);
}

static void test_truncated(void **state)
{
    const char *a = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-A: b\r\n\r\n";
    size_t len = strlen(a), hl;
    struct sr_net_http_head h;
    (void)state;
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(sr_net_http_head_end((const uint8_t *)a, i, &hl), SR_OK);
        assert_int_equal(hl, 0);
        if (i > 0) {
            assert_int_not_equal(sr_net_http_head_parse((const uint8_t *)a, i, false, &h), SR_OK);
        }
    }
}

static void test_limits(void **state)
{
    static uint8_t big[SR_NET_HTTP_MAX_HEAD + 10];
    struct sr_buf b;
    size_t hl;
    (void)state;
    memset(big, 'a', sizeof(big));
    assert_int_equal(sr_net_http_head_end(big, sizeof(big), &hl), SR_ERR_LIMIT);
    sr_buf_init(&b, 0, 0);
    const char *pre = "HTTP/1.1 200 OK\r\n";
    assert_int_equal(sr_buf_append(&b, pre, strlen(pre)), SR_OK);
    for (unsigned i = 0; i <= SR_NET_HTTP_MAX_HEADERS; i++) {
        assert_int_equal(sr_buf_append(&b, "X: y\r\n", 6), SR_OK);
    }
    assert_int_equal(sr_buf_append(&b, "\r\n", 2), SR_OK);
    struct sr_net_http_head h;
    assert_int_equal(sr_net_http_head_parse(b.p, b.len, false, &h), SR_ERR_LIMIT);
    sr_buf_cleanup(&b);
}

static sr_err dechunk(const char *in, size_t max, bool bytewise, struct sr_buf *out, size_t *left)
{
    struct sr_net_http_chunked c = { 0 };
    size_t len = strlen(in), pos = 0, used = 0;
    bool done = false;
    sr_buf_init(out, max, 0);
    while (pos < len && !done) {
        size_t n = bytewise ? 1 : len - pos;
        SR_TRY(sr_net_http_chunked_feed(&c, (const uint8_t *)in + pos, n, out, &used, &done));
        pos += used;
    }
    *left = len - pos;
    return done ? SR_OK : SR_ERR_DECODE;
}

static void test_chunked(void **state)
{
    struct sr_buf out;
    size_t left;
    (void)state;
    const char *good = "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nEXTRA";
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        assert_int_equal(dechunk(good, 0, bytewise, &out, &left), SR_OK);
        assert_int_equal(out.len, 15);
        assert_memory_equal(out.p, "hello0123456789", 15);
        assert_int_equal(left, 5);
        sr_buf_cleanup(&out);
    }
    assert_int_equal(dechunk(good, 10, false, &out, &left), SR_ERR_LIMIT);
    sr_buf_cleanup(&out);
    static const char *bad[] = {
        "x\r\n",
        "\r\n",
        "5\r\nhelloX\r\n",
        "5\nhello\r\n0\r\n\r\n",
        "1234567890123456\r\n",
        "0\r\nBad\x01\r\n\r\n",
        "5\r\nhello\r\n0\r\n\rX",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_not_equal(dechunk(bad[i], 0, false, &out, &left), SR_OK);
        sr_buf_cleanup(&out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),      cmocka_unit_test(test_bad),
        cmocka_unit_test(test_truncated), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_chunked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
