/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6455 §5.2 base framing, as a client sees it:
 *
 *   FIN RSV1-3 opcode(4) | MASK len(7) | [len16 | len64] | [mask key] | payload
 *
 * Frames from a server must be unmasked (§5.1), carry no reserved bits without an
 * extension (§5.2; we negotiate none), use the shortest length form (§5.2: "the minimal
 * number of bytes MUST be used"), and control frames must be whole and at most 125 bytes
 * (§5.5). Anything else fails the connection.
 */
#include "net/ws_frame.h"

#include <string.h>

size_t sr_net_ws_header_write(uint8_t out[SR_NET_WS_MAX_HEADER], bool fin, int opcode,
                              const uint8_t mask[4], uint64_t len)
{
    size_t n = 0;
    out[n++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
    if (len < 126) {
        out[n++] = (uint8_t)(0x80 | len);
    } else if (len <= 0xffff) {
        out[n++] = 0x80 | 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) {
            out[n++] = (uint8_t)(len >> (8 * i));
        }
    }
    memcpy(out + n, mask, 4);
    return n + 4;
}

struct frame {
    bool fin;
    int opcode;
    uint64_t len;
    size_t header;
};

/* Parse a header; *complete is false while bytes are missing. */
static sr_err parse_header(const uint8_t *p, size_t len, struct frame *f, bool *complete)
{
    *complete = false;
    if (len < 2) {
        return SR_OK;
    }
    SR_CHECK((p[0] & 0x70) == 0, SR_ERR_DECODE); /* RSV1-3 */
    SR_CHECK((p[1] & 0x80) == 0, SR_ERR_DECODE); /* masked by a server */
    f->fin = (p[0] & 0x80) != 0;
    f->opcode = p[0] & 0x0f;
    f->len = p[1] & 0x7f;
    f->header = 2;
    if (f->len == 126) {
        f->header = 4;
        if (len < 4) {
            return SR_OK;
        }
        f->len = ((uint64_t)p[2] << 8) | p[3];
        SR_CHECK(f->len >= 126, SR_ERR_DECODE);
    } else if (f->len == 127) {
        f->header = 10;
        if (len < 10) {
            return SR_OK;
        }
        f->len = 0;
        for (int i = 2; i < 10; i++) {
            f->len = (f->len << 8) | p[i];
        }
        SR_CHECK(f->len > 0xffff && (f->len >> 63) == 0, SR_ERR_DECODE);
    }
    *complete = true;
    return SR_OK;
}

static sr_err check_opcode(const struct sr_net_ws_rx *rx, const struct frame *f)
{
    switch (f->opcode) {
    case SR_NET_WS_OP_CONT:
        SR_CHECK(rx->in_message, SR_ERR_DECODE);
        return SR_OK;
    case SR_NET_WS_OP_TEXT:
    case SR_NET_WS_OP_BINARY:
        SR_CHECK(!rx->in_message, SR_ERR_DECODE); /* §5.4: no interleaved messages */
        return SR_OK;
    case SR_NET_WS_OP_CLOSE:
    case SR_NET_WS_OP_PING:
    case SR_NET_WS_OP_PONG:
        SR_CHECK(f->fin && f->len <= 125, SR_ERR_DECODE); /* §5.5 */
        return SR_OK;
    default:
        return SR_ERR_DECODE;
    }
}

static enum sr_net_ws_event control(struct sr_net_ws_rx *rx, const struct frame *f,
                                    const uint8_t *payload)
{
    memcpy(rx->ctl, payload, (size_t)f->len);
    rx->ctl_len = (size_t)f->len;
    switch (f->opcode) {
    case SR_NET_WS_OP_PING:
        return SR_NET_WS_EV_PING;
    case SR_NET_WS_OP_PONG:
        return SR_NET_WS_EV_PONG;
    default:
        return SR_NET_WS_EV_CLOSE;
    }
}

sr_err sr_net_ws_rx_feed(struct sr_net_ws_rx *rx, const uint8_t *p, size_t len, size_t *used,
                         enum sr_net_ws_event *ev)
{
    struct frame f = { 0 };
    bool complete = false;

    *used = 0;
    *ev = SR_NET_WS_EV_NONE;
    SR_TRY(parse_header(p, len, &f, &complete));
    if (!complete) {
        return SR_OK;
    }
    SR_TRY(check_opcode(rx, &f));
    size_t limit = rx->msg.max ? rx->msg.max : SR_BUF_DEFAULT_MAX;
    if (f.opcode < SR_NET_WS_OP_CLOSE) {
        /* Refuse an oversized frame before waiting for all of it. */
        size_t have = rx->in_message ? rx->msg.len : 0;
        SR_CHECK(f.len <= limit - have, SR_ERR_LIMIT);
    }
    if (len - f.header < f.len) {
        return SR_OK;
    }
    const uint8_t *payload = p + f.header;
    *used = f.header + (size_t)f.len;
    if (f.opcode >= SR_NET_WS_OP_CLOSE) {
        *ev = control(rx, &f, payload);
        return SR_OK;
    }
    if (f.opcode != SR_NET_WS_OP_CONT) {
        sr_buf_reset(&rx->msg);
        rx->binary = f.opcode == SR_NET_WS_OP_BINARY;
    }
    SR_TRY(sr_buf_append(&rx->msg, payload, (size_t)f.len));
    rx->in_message = !f.fin;
    if (f.fin) {
        *ev = SR_NET_WS_EV_MESSAGE;
    }
    return SR_OK;
}
