/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's transport: one TCP connection, optionally wrapped in TLS, driven with a
 * non-blocking socket and poll() so every operation honours the request's deadline.
 * Failures write a one-line reason into the caller's detail buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include <sealroom/err.h>

struct sr_net_io {
    int fd; /* -1 when closed */
    SSL *ssl;
};

/** Detail text for failures: a caller-owned buffer. */
struct sr_net_detail {
    char *p;
    size_t cap;
};

/**
 * A peer that resets the connection must give SR_ERR_IO, not end the process: OpenSSL
 * writes with write(2), which raises SIGPIPE. Set SIGPIPE to ignored if it is at its
 * default; a disposition the application chose is left alone.
 */
void sr_net_io_ignore_sigpipe(void);

/** Milliseconds on the monotonic clock. */
uint64_t sr_net_now_ms(void);

/**
 * A client TLS context (TLS 1.2+) verifying peers against `ca_file` and/or the system
 * store; at least one is required (SR_ERR_ARG). SR_ERR_IO when they cannot be loaded.
 */
sr_err sr_net_io_tls_ctx(const char *ca_file, bool use_system_ca, SSL_CTX **out,
                         struct sr_net_detail d);

/**
 * Connect to host:port before `deadline` and, when `ctx` is not NULL, run the TLS
 * handshake checking the certificate against `host`. `session` may be NULL or a session
 * to resume. SR_ERR_IO, SR_ERR_AUTH for a certificate that does not verify.
 */
sr_err sr_net_io_connect(struct sr_net_io *io, SSL_CTX *ctx, SSL_SESSION *session, const char *host,
                         const char *port, uint64_t deadline, struct sr_net_detail d);

/** Write all `n` bytes before `deadline`. SR_ERR_IO. */
sr_err sr_net_io_write(struct sr_net_io *io, const void *p, size_t n, uint64_t deadline,
                       struct sr_net_detail d);

/** Read at most `cap` bytes, waiting until `deadline`; `*got` is 0 at end of stream. */
sr_err sr_net_io_read(struct sr_net_io *io, void *p, size_t cap, size_t *got, uint64_t deadline,
                      struct sr_net_detail d);

/** Wait until there is something to read (SR_OK at once if TLS has bytes buffered). */
sr_err sr_net_io_wait_readable(struct sr_net_io *io, uint64_t deadline, struct sr_net_detail d);

/** True when an idle connection was closed by the peer or sent something unexpected. */
bool sr_net_io_stale(struct sr_net_io *io);

/** Close and reset to fd -1. Safe on a closed io. */
void sr_net_io_close(struct sr_net_io *io);
