/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's WebSocket frame receiver on its own (RFC 6455 §5): every length form,
 * fragments with a control frame in between, and each kind of frame a server must not
 * send. Frames are built by hand, unmasked, as a server sends them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net/ws_frame.h"

/* An unmasked server frame: header bytes as given, then `n` payload bytes of `fill`. */
static size_t frame(uint8_t *out, uint8_t b0, uint64_t n, uint8_t fill)
{
    size_t h = 0;
    out[h++] = b0;
    if (n < 126) {
        out[h++] = (uint8_t)n;
    } else if (n <= 0xffff) {
        out[h++] = 126;
        out[h++] = (uint8_t)(n >> 8);
        out[h++] = (uint8_t)n;
    } else {
        out[h++] = 127;
        for (int i = 7; i >= 0; i--) {
            out[h++] = (uint8_t)(n >> (8 * i));
        }
    }
    memset(out + h, fill, (size_t)n);
    return h + (size_t)n;
}

static sr_err feed_all(struct sr_net_ws_rx *rx, const uint8_t *p, size_t len,
                       enum sr_net_ws_event *last)
{
    size_t used = 0;
    *last = SR_NET_WS_EV_NONE;
    while (len > 0) {
        SR_TRY(sr_net_ws_rx_feed(rx, p, len, &used, last));
        if (used == 0) {
            break;
        }
        p += used;
        len -= used;
    }
    return SR_OK;
}

static void test_lengths(void **state)
{
    static uint8_t buf[70000 + 16];
    static const uint64_t lens[] = { 0, 1, 125, 126, 65535, 65536, 70000 };
    struct sr_net_ws_rx rx = { 0 };
    enum sr_net_ws_event ev;
    size_t used;
    (void)state;
    sr_buf_init(&rx.msg, 100000, 0);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t n = frame(buf, 0x82, lens[i], 0xab);
        /* Truncated at every header offset and one byte short: nothing yet. */
        for (size_t k = 0; k < n && k < 12; k++) {
            assert_int_equal(sr_net_ws_rx_feed(&rx, buf, k, &used, &ev), SR_OK);
            assert_int_equal(used, 0);
            assert_int_equal(ev, SR_NET_WS_EV_NONE);
        }
        assert_int_equal(sr_net_ws_rx_feed(&rx, buf, n - (n > 2 ? 1 : 0), &used, &ev), SR_OK);
        assert_int_equal(ev, n > 2 ? SR_NET_WS_EV_NONE : SR_NET_WS_EV_MESSAGE);
        assert_int_equal(sr_net_ws_rx_feed(&rx, buf, n, &used, &ev), SR_OK);
        assert_int_equal(used, n);
        assert_int_equal(ev, SR_NET_WS_EV_MESSAGE);
        assert_true(rx.binary);
        assert_int_equal(rx.msg.len, lens[i]);
    }
    /* Over the limit: refused from the header alone. */
    sr_buf_cleanup(&rx.msg);
    sr_buf_init(&rx.msg, 1000, 0);
    (void)frame(buf, 0x82, 1001, 0);
    assert_int_equal(sr_net_ws_rx_feed(&rx, buf, 4, &used, &ev), SR_ERR_LIMIT);
    sr_buf_cleanup(&rx.msg);
}

static void test_fragments(void **state)
{
    uint8_t buf[256];
    struct sr_net_ws_rx rx = { 0 };
    enum sr_net_ws_event ev;
    size_t n = 0;
    (void)state;
    sr_buf_init(&rx.msg, 100, 0);
    n += frame(buf + n, 0x01, 3, 'a'); /* text, not final */
    n += frame(buf + n, 0x89, 2, 'p'); /* ping in between (§5.4) */
    assert_int_equal(feed_all(&rx, buf, n, &ev), SR_OK);
    assert_int_equal(ev, SR_NET_WS_EV_PING);
    assert_int_equal(rx.ctl_len, 2);
    n = frame(buf, 0x00, 2, 'b');      /* continuation */
    n += frame(buf + n, 0x80, 1, 'c'); /* final continuation */
    assert_int_equal(feed_all(&rx, buf, n, &ev), SR_OK);
    assert_int_equal(ev, SR_NET_WS_EV_MESSAGE);
    assert_false(rx.binary);
    assert_int_equal(rx.msg.len, 6);
    assert_memory_equal(rx.msg.p, "aaabbc", 6);
    /* Fragments that add up past the limit. */
    n = frame(buf, 0x02, 60, 0);
    n += frame(buf + n, 0x80, 60, 0);
    assert_int_equal(feed_all(&rx, buf, n, &ev), SR_ERR_LIMIT);
    sr_buf_cleanup(&rx.msg);
}

static void test_bad(void **state)
{
    uint8_t buf[300];
    struct sr_net_ws_rx rx = { 0 };
    enum sr_net_ws_event ev;
    size_t used;
    (void)state;
    sr_buf_init(&rx.msg, 1000, 0);
    static const uint8_t masked[] = { 0x81, 0x81, 1, 2, 3, 4, 'x' };
    static const uint8_t rsv[] = { 0xc1, 0x00 };
    static const uint8_t opcode[] = { 0x83, 0x00 };
    static const uint8_t ctl_frag[] = { 0x09, 0x00 };
    static const uint8_t short16[] = { 0x81, 126, 0x00, 0x05 };
    static const uint8_t short64[] = { 0x81, 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00 };
    static const uint8_t huge64[] = { 0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t cont[] = { 0x80, 0x00 };
    const struct {
        const uint8_t *p;
        size_t n;
    } bad[] = {
        { masked, sizeof(masked) },     { rsv, sizeof(rsv) },         { opcode, sizeof(opcode) },
        { ctl_frag, sizeof(ctl_frag) }, { short16, sizeof(short16) }, { short64, sizeof(short64) },
        { huge64, sizeof(huge64) },     { cont, sizeof(cont) },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sr_net_ws_rx_feed(&rx, bad[i].p, bad[i].n, &used, &ev), SR_ERR_DECODE);
    }
    size_t n = frame(buf, 0x89, 126, 0); /* control frame over 125 bytes */
    assert_int_equal(sr_net_ws_rx_feed(&rx, buf, n, &used, &ev), SR_ERR_DECODE);
    n = frame(buf, 0x01, 1, 'a'); /* a new message inside a fragmented one */
    n += frame(buf + n, 0x81, 1, 'b');
    assert_int_equal(feed_all(&rx, buf, n, &ev), SR_ERR_DECODE);
    sr_buf_cleanup(&rx.msg);
}

static void test_header_write(void **state)
{
    uint8_t h[SR_NET_WS_MAX_HEADER];
    const uint8_t mask[4] = { 1, 2, 3, 4 };
    (void)state;
    assert_int_equal(sr_net_ws_header_write(h, true, 1, mask, 5), 6);
    assert_int_equal(h[0], 0x81);
    assert_int_equal(h[1], 0x85);
    assert_int_equal(sr_net_ws_header_write(h, true, 2, mask, 300), 8);
    assert_int_equal(h[1], 0x80 | 126);
    assert_int_equal(sr_net_ws_header_write(h, false, 2, mask, 70000), 14);
    assert_int_equal(h[0], 0x02);
    assert_int_equal(h[1], 0x80 | 127);
    assert_memory_equal(h + 10, mask, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_header_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
