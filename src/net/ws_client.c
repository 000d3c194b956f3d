/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A blocking WebSocket client (RFC 6455) over the client transport in io.c: the opening
 * handshake of §4.1 with its Sec-WebSocket-Accept check, masked frames out (§5.3), and
 * whole messages in through the sans-IO receiver in ws_frame.c. Pings are answered while
 * waiting for a message; a close from the server is answered and ends the connection.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <sealroom/net.h>

#include "core/alloc.h"
#include "net/http_parse.h"
#include "net/io.h"
#include "net/url.h"
#include "net/ws_frame.h"

#define READ_CHUNK (16u * 1024u)

/* RFC 6455 §1.3: appended to the key before hashing. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

struct sr_net_ws_client {
    struct sr_net_url url;
    SSL_CTX *ctx;
    struct sr_net_io io;
    unsigned timeout_ms;
    bool closed;
    struct sr_buf in;  /* bytes read, not yet framed */
    struct sr_buf out; /* the frame being sent */
    struct sr_net_ws_rx rx;
    char detail[256];
};

static struct sr_net_detail detail_of(struct sr_net_ws_client *c)
{
    struct sr_net_detail d = { c->detail, sizeof(c->detail) };
    return d;
}

static sr_err ws_fail(struct sr_net_ws_client *c, sr_err err, const char *msg)
{
    snprintf(c->detail, sizeof(c->detail), "%s", msg);
    return err;
}

static void consume(struct sr_buf *b, size_t n)
{
    if (n > 0) {
        memmove(b->p, b->p + n, b->len - n);
        b->len -= n;
    }
}

static sr_err fill(struct sr_net_ws_client *c, uint64_t deadline)
{
    size_t got = 0;
    SR_TRY(sr_buf_reserve(&c->in, READ_CHUNK));
    SR_TRY(sr_net_io_read(&c->io, c->in.p + c->in.len, READ_CHUNK, &got, deadline, detail_of(c)));
    SR_CHECK(got > 0, ws_fail(c, SR_ERR_IO, "connection closed"));
    c->in.len += got;
    return SR_OK;
}

/* The key we send and the accept value the server must answer with (§4.2.2). */
static sr_err make_key(char key[25], char accept[29])
{
    uint8_t nonce[16], digest[20];
    char buf[64];
    unsigned dl = 0;
    SR_CHECK(RAND_bytes(nonce, sizeof(nonce)) == 1, SR_ERR_CRYPTO);
    EVP_EncodeBlock((unsigned char *)key, nonce, sizeof(nonce));
    int n = snprintf(buf, sizeof(buf), "%s%s", key, ws_guid);
    SR_CHECK(EVP_Digest(buf, (size_t)n, digest, &dl, EVP_sha1(), NULL) == 1, SR_ERR_CRYPTO);
    EVP_EncodeBlock((unsigned char *)accept, digest, sizeof(digest));
    return SR_OK;
}

static bool has_token(struct sr_slice v, const char *token)
{
    size_t tl = strlen(token);
    for (size_t i = 0; i + tl <= v.len; i++) {
        if (strncasecmp((const char *)v.p + i, token, tl) == 0) {
            return true;
        }
    }
    return false;
}

static sr_err check_upgrade(struct sr_net_ws_client *c, const uint8_t *h, size_t hl,
                            const char *accept)
{
    struct sr_net_http_head head;
    struct sr_slice v;
    char msg[64];
    SR_TRY(sr_net_http_head_parse(h, hl, false, &head));
    if (head.status != 101) {
        snprintf(msg, sizeof(msg), "upgrade refused with status %d", head.status);
        sr_err err = head.status == 404                           ? SR_ERR_NOT_FOUND
                     : (head.status == 401 || head.status == 403) ? SR_ERR_DENIED
                                                                  : SR_ERR_IO;
        return ws_fail(c, err, msg);
    }
    bool ok = sr_net_http_head_find(h, hl, "upgrade", &v) == SR_OK && has_token(v, "websocket") &&
              sr_net_http_head_find(h, hl, "connection", &v) == SR_OK && has_token(v, "upgrade") &&
              sr_net_http_head_find(h, hl, "sec-websocket-accept", &v) == SR_OK &&
              v.len == strlen(accept) && memcmp(v.p, accept, v.len) == 0;
    return ok ? SR_OK : ws_fail(c, SR_ERR_AUTH, "bad WebSocket handshake answer");
}

static sr_err handshake(struct sr_net_ws_client *c, uint64_t deadline)
{
    char key[25], accept[29], req[1600];
    size_t hl = 0;
    SR_TRY(make_key(key, accept));
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     c->url.path, c->url.hostport, key);
    SR_CHECK(n > 0 && (size_t)n < sizeof(req), SR_ERR_ARG);
    SR_TRY(sr_net_io_write(&c->io, req, (size_t)n, deadline, detail_of(c)));
    while (hl == 0) {
        SR_TRY(fill(c, deadline));
        SR_TRY(sr_net_http_head_end(c->in.p, c->in.len, &hl));
    }
    SR_TRY(check_upgrade(c, c->in.p, hl, accept));
    consume(&c->in, hl); /* what follows is already framed */
    return SR_OK;
}

sr_err sr_net_ws_client_connect(const struct sr_net_ws_client_config *cfg,
                                struct sr_net_ws_client **out)
{
    sr_err err;
    *out = NULL;
    SR_CHECK(cfg != NULL, SR_ERR_ARG);
    struct sr_net_ws_client *c = sr_calloc(1, sizeof(*c));
    SR_CHECK(c != NULL, SR_ERR_NOMEM);
    c->io.fd = -1;
    c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 10000;
    size_t max = cfg->max_message ? cfg->max_message : SR_NET_DEFAULT_MAX_WS_MESSAGE;
    sr_buf_init(&c->rx.msg, max, 0);
    sr_buf_init(&c->in, max + SR_NET_WS_MAX_HEADER + READ_CHUNK, 0);
    sr_buf_init(&c->out, 0, 0);
    uint64_t deadline = sr_net_now_ms() + c->timeout_ms;
    err = sr_net_url_parse(cfg->url, "wss", "ws", true, &c->url);
    if (err == SR_OK && c->url.tls) {
        err = sr_net_io_tls_ctx(cfg->ca_file, cfg->use_system_ca, &c->ctx, detail_of(c));
    }
    if (err == SR_OK) {
        err = sr_net_io_connect(&c->io, c->ctx, NULL, c->url.host, c->url.port, deadline,
                                detail_of(c));
    }
    if (err == SR_OK) {
        err = handshake(c, deadline);
    }
    if (err != SR_OK) {
        c->closed = true;
        sr_net_ws_client_free(c);
        return err;
    }
    sr_net_io_ignore_sigpipe();
    *out = c;
    return SR_OK;
}

static sr_err send_frame(struct sr_net_ws_client *c, int opcode, const uint8_t *data, size_t len)
{
    uint8_t mask[4], head[SR_NET_WS_MAX_HEADER];
    SR_CHECK(!c->closed, SR_ERR_STATE);
    /* §5.3: a fresh, unpredictable masking key for every frame. */
    SR_CHECK(RAND_bytes(mask, sizeof(mask)) == 1, SR_ERR_CRYPTO);
    size_t hl = sr_net_ws_header_write(head, true, opcode, mask, len);
    sr_buf_reset(&c->out);
    SR_TRY(sr_buf_reserve(&c->out, hl + len));
    memcpy(c->out.p, head, hl);
    for (size_t i = 0; i < len; i++) {
        c->out.p[hl + i] = data[i] ^ mask[i & 3];
    }
    c->out.len = hl + len;
    sr_err err = sr_net_io_write(&c->io, c->out.p, c->out.len, sr_net_now_ms() + c->timeout_ms,
                                 detail_of(c));
    if (err != SR_OK) {
        c->closed = true;
    }
    return err;
}

sr_err sr_net_ws_client_send(struct sr_net_ws_client *c, const uint8_t *data, size_t len,
                             bool binary)
{
    SR_CHECK(c != NULL && (data != NULL || len == 0), SR_ERR_ARG);
    return send_frame(c, binary ? SR_NET_WS_OP_BINARY : SR_NET_WS_OP_TEXT, data, len);
}

/* Answer a control frame; true when the connection is now closed. */
static bool on_control(struct sr_net_ws_client *c, enum sr_net_ws_event ev)
{
    if (ev == SR_NET_WS_EV_PING) {
        (void)send_frame(c, SR_NET_WS_OP_PONG, c->rx.ctl, c->rx.ctl_len);
        return c->closed;
    }
    if (ev == SR_NET_WS_EV_CLOSE) {
        /* §5.5.1: echo the status code, then the TCP connection may go. */
        (void)send_frame(c, SR_NET_WS_OP_CLOSE, c->rx.ctl, c->rx.ctl_len >= 2 ? 2 : 0);
        unsigned code = c->rx.ctl_len >= 2 ? (unsigned)(c->rx.ctl[0] << 8 | c->rx.ctl[1]) : 1005;
        snprintf(c->detail, sizeof(c->detail), "closed by the server (%u)", code);
        c->closed = true;
        sr_net_io_close(&c->io);
        return true;
    }
    return false;
}

sr_err sr_net_ws_client_recv(struct sr_net_ws_client *c, unsigned timeout_ms, struct sr_slice *msg,
                             bool *binary)
{
    uint64_t deadline = sr_net_now_ms() + timeout_ms;
    *msg = sr_slice_of(NULL, 0);
    *binary = false;
    SR_CHECK(!c->closed, ws_fail(c, SR_ERR_IO, "connection closed"));
    for (;;) {
        size_t used = 0;
        enum sr_net_ws_event ev = SR_NET_WS_EV_NONE;
        sr_err err = sr_net_ws_rx_feed(&c->rx, c->in.p, c->in.len, &used, &ev);
        if (err != SR_OK) {
            /* §7.4.1: 1002 protocol error, 1009 message too big. */
            uint8_t code[2] = { 0x03, err == SR_ERR_LIMIT ? 0xf1 : 0xea };
            (void)send_frame(c, SR_NET_WS_OP_CLOSE, code, 2);
            c->closed = true;
            return ws_fail(c, err, "bad frame from the server");
        }
        consume(&c->in, used);
        if (ev == SR_NET_WS_EV_MESSAGE) {
            *msg = sr_buf_slice(&c->rx.msg);
            *binary = c->rx.binary;
            return SR_OK;
        }
        SR_CHECK(!on_control(c, ev), SR_ERR_IO);
        if (ev != SR_NET_WS_EV_NONE) {
            continue;
        }
        if (sr_net_io_wait_readable(&c->io, deadline, detail_of(c)) != SR_OK) {
            return ws_fail(c, SR_ERR_NOT_FOUND, "no message before the timeout");
        }
        err = fill(c, deadline);
        if (err != SR_OK) {
            c->closed = true;
            return err;
        }
    }
}

const char *sr_net_ws_client_error_detail(const struct sr_net_ws_client *c)
{
    return c->detail;
}

void sr_net_ws_client_free(struct sr_net_ws_client *c)
{
    if (c == NULL) {
        return;
    }
    if (!c->closed) {
        uint8_t code[2] = { 0x03, 0xe8 }; /* 1000: normal closure */
        c->timeout_ms = 200;
        (void)send_frame(c, SR_NET_WS_OP_CLOSE, code, 2);
    }
    sr_net_io_close(&c->io);
    SSL_CTX_free(c->ctx);
    sr_buf_cleanup(&c->in);
    sr_buf_cleanup(&c->out);
    sr_buf_cleanup(&c->rx.msg);
    sr_free(c);
}
