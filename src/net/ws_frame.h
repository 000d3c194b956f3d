/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebSocket framing for the client side (RFC 6455 §5): writing masked frame headers, and
 * a sans-IO receiver that takes whole server frames from a byte buffer and yields
 * messages (fragments reassembled) and control frames. The fuzzer drives it directly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

enum {
    SR_NET_WS_OP_CONT = 0x0,
    SR_NET_WS_OP_TEXT = 0x1,
    SR_NET_WS_OP_BINARY = 0x2,
    SR_NET_WS_OP_CLOSE = 0x8,
    SR_NET_WS_OP_PING = 0x9,
    SR_NET_WS_OP_PONG = 0xa,
};

#define SR_NET_WS_MAX_HEADER 14 /* 2 + 8 (length) + 4 (mask) */

enum sr_net_ws_event {
    SR_NET_WS_EV_NONE = 0, /* need more bytes */
    SR_NET_WS_EV_MESSAGE,  /* rx->msg holds a whole message */
    SR_NET_WS_EV_PING,     /* rx->ctl holds the payload */
    SR_NET_WS_EV_PONG,
    SR_NET_WS_EV_CLOSE,
};

struct sr_net_ws_rx {
    struct sr_buf msg; /* max: the message limit */
    uint8_t ctl[125];
    size_t ctl_len;
    bool in_message; /* a fragmented message has started */
    bool binary;
};

/**
 * Write a frame header with FIN set (or not), `opcode`, the 4-byte `mask` and payload
 * length `len` into `out`; returns its length.
 */
size_t sr_net_ws_header_write(uint8_t out[SR_NET_WS_MAX_HEADER], bool fin, int opcode,
                              const uint8_t mask[4], uint64_t len);

/**
 * Take at most one whole frame from `p` (`*used` bytes, 0 if the frame is incomplete) and
 * say what, if anything, it completed. SR_ERR_DECODE for frames RFC 6455 forbids a server
 * to send (masked, reserved bits, unknown opcode, fragmented or long control frame,
 * non-minimal length, continuation out of place), SR_ERR_LIMIT past the message limit.
 */
sr_err sr_net_ws_rx_feed(struct sr_net_ws_rx *rx, const uint8_t *p, size_t len, size_t *used,
                         enum sr_net_ws_event *ev);
