/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the WebSocket client's frame receiver (src/net/ws_frame.h) with bytes as a server
 * would send them. Oracle: feeding the stream all at once and feeding it as it grows one
 * byte at a time (as a socket may deliver it) give the same events, the same messages and
 * the same verdict; no message passes the limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sealroom/buf.h>

#include "net/ws_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSG_MAX 4096
#define MAX_EV  64

struct trace {
    int ev[MAX_EV];
    size_t len[MAX_EV];
    uint32_t sum[MAX_EV];
    size_t n;
    sr_err err;
};

static void record(struct trace *t, const struct sr_net_ws_rx *rx, enum sr_net_ws_event ev)
{
    if (t->n == MAX_EV) {
        return;
    }
    const uint8_t *p = ev == SR_NET_WS_EV_MESSAGE ? rx->msg.p : rx->ctl;
    size_t len = ev == SR_NET_WS_EV_MESSAGE ? rx->msg.len : rx->ctl_len;
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum = sum * 31 + p[i];
    }
    if (len > MSG_MAX) {
        abort();
    }
    t->ev[t->n] = (int)ev;
    t->len[t->n] = len;
    t->sum[t->n] = sum;
    t->n++;
}

/* Deliver `size` bytes all at once, or one more byte visible at a time like a socket. */
static void run(const uint8_t *data, size_t size, bool bytewise, struct trace *t)
{
    struct sr_net_ws_rx rx;
    size_t pos = 0, visible = bytewise ? 0 : size;
    memset(&rx, 0, sizeof(rx));
    memset(t, 0, sizeof(*t));
    sr_buf_init(&rx.msg, MSG_MAX, 0);
    for (;;) {
        size_t used = 0;
        enum sr_net_ws_event ev = SR_NET_WS_EV_NONE;
        t->err = sr_net_ws_rx_feed(&rx, data + pos, visible - pos, &used, &ev);
        if (t->err != SR_OK) {
            break;
        }
        pos += used;
        if (ev != SR_NET_WS_EV_NONE) {
            record(t, &rx, ev);
        }
        if (used > 0) {
            continue;
        }
        if (visible == size) {
            break;
        }
        visible++;
    }
    sr_buf_cleanup(&rx.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct trace a, b;
    uint8_t *in = malloc(size == 0 ? 1 : size);
    if (in == NULL) {
        return 0;
    }
    memcpy(in, data, size);
    run(in, size, false, &a);
    run(in, size, true, &b);
    /* A frame over the limit is refused from its header, which the bytewise run sees
     * first; everything before that must agree. */
    if (a.n != b.n || memcmp(a.ev, b.ev, sizeof(a.ev)) != 0 ||
        memcmp(a.len, b.len, sizeof(a.len)) != 0 || memcmp(a.sum, b.sum, sizeof(a.sum)) != 0 ||
        a.err != b.err) {
        abort();
    }
    free(in);
    return 0;
}
