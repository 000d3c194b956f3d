/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny WebSocket client for the net tests (RFC 6455 §4.1, §5.2): the upgrade request,
 * masked client frames, and reading one server frame. It uses the client transport from
 * src/net/io.h so it speaks TLS like the real client. Test code only: no extensions,
 * frames up to 64 KiB.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include "net/io.h"

struct ws_client {
    struct sr_net_io io;
    SSL_CTX *ctx;
    char detail[256];
};

static inline struct sr_net_detail ws_detail(struct ws_client *w)
{
    struct sr_net_detail d = { w->detail, sizeof(w->detail) };
    return d;
}

static inline uint64_t ws_deadline(void)
{
    return sr_net_now_ms() + 5000;
}

/* Connect and upgrade; returns the HTTP status of the answer (101 on success), or -1. */
static inline int ws_open(struct ws_client *w, const char *cert, uint16_t port, const char *path)
{
    char req[512], buf[2048], ps[8];
    size_t len = 0, got = 0;

    memset(w, 0, sizeof(*w));
    w->io.fd = -1;
    w->ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(w->ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(w->ctx, cert, NULL) != 1) {
        return -1;
    }
    snprintf(ps, sizeof(ps), "%u", port);
    if (sr_net_io_connect(&w->io, w->ctx, NULL, "127.0.0.1", ps, ws_deadline(), ws_detail(w))) {
        return -1;
    }
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     path, port);
    if (sr_net_io_write(&w->io, req, (size_t)n, ws_deadline(), ws_detail(w)) != SR_OK) {
        return -1;
    }
    /* Read byte by byte up to the end of the head, so no frame byte is swallowed. */
    while (len < sizeof(buf) - 1) {
        if (sr_net_io_read(&w->io, buf + len, 1, &got, ws_deadline(), ws_detail(w)) != SR_OK ||
            got == 0) {
            return -1;
        }
        len++;
        buf[len] = 0;
        if (len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0) {
            break;
        }
    }
    if (len < 12) {
        return -1;
    }
    int status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    /* RFC 6455 §1.3: the accept value for the sample key. */
    if (status == 101 && strstr(buf, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == NULL) {
        return -1;
    }
    return status;
}

/* Send one masked frame. */
static inline sr_err ws_send(struct ws_client *w, int opcode, bool fin, const uint8_t *p, size_t n)
{
    uint8_t f[16 + 65536];
    const uint8_t mask[4] = { 0x12, 0x34, 0x56, 0x78 };
    size_t h = 0;
    if (n > 65535) {
        return SR_ERR_ARG;
    }
    f[h++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    if (n < 126) {
        f[h++] = (uint8_t)(0x80 | n);
    } else {
        f[h++] = 0x80 | 126;
        f[h++] = (uint8_t)(n >> 8);
        f[h++] = (uint8_t)n;
    }
    memcpy(f + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < n; i++) {
        f[h + i] = p[i] ^ mask[i & 3];
    }
    return sr_net_io_write(&w->io, f, h + n, ws_deadline(), ws_detail(w));
}

static inline sr_err ws_read_exact(struct ws_client *w, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (n > 0) {
        SR_TRY(sr_net_io_read(&w->io, p, n, &got, ws_deadline(), ws_detail(w)));
        SR_CHECK(got > 0, SR_ERR_IO);
        p += got;
        n -= got;
    }
    return SR_OK;
}

/* Read one unmasked server frame into p (cap bytes); returns the opcode or -1. */
static inline int ws_recv(struct ws_client *w, uint8_t *p, size_t cap, size_t *len)
{
    uint8_t h[8];
    if (ws_read_exact(w, h, 2) != SR_OK) {
        return -1;
    }
    size_t n = h[1] & 0x7f;
    if (n == 126) {
        if (ws_read_exact(w, h + 2, 2) != SR_OK) {
            return -1;
        }
        n = ((size_t)h[2] << 8) | h[3];
    } else if (n == 127 || (h[1] & 0x80) != 0) {
        return -1;
    }
    if (n > cap || ws_read_exact(w, p, n) != SR_OK) {
        return -1;
    }
    *len = n;
    return h[0] & 0x0f;
}

static inline void ws_close(struct ws_client *w)
{
    sr_net_io_close(&w->io);
    SSL_CTX_free(w->ctx);
    w->ctx = NULL;
}
