/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Client transport over a non-blocking socket. Every wait goes through poll() with what is
 * left of the request's deadline, so a silent or slow server can never hold a caller past
 * its timeout. OpenSSL's 1-is-success convention is converted here, and its error queue is
 * cleared after each failure so it never leaks into the next call.
 */
#include "net/io.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

void sr_net_io_ignore_sigpipe(void)
{
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
        signal(SIGPIPE, SIG_IGN);
    }
}

uint64_t sr_net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static sr_err fail(struct sr_net_detail d, sr_err err, const char *what, const char *why)
{
    if (d.p != NULL && d.cap > 0) {
        snprintf(d.p, d.cap, "%s: %s", what, why);
    }
    ERR_clear_error();
    return err;
}

sr_err sr_net_io_tls_ctx(const char *ca_file, bool use_system_ca, SSL_CTX **out,
                         struct sr_net_detail d)
{
    *out = NULL;
    SR_CHECK(ca_file != NULL || use_system_ca, SR_ERR_ARG);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        return fail(d, SR_ERR_NOMEM, "tls", "SSL_CTX_new failed");
    }
    *out = ctx; /* the caller frees it on every path */
    (void)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Read whole records in one syscall rather than header then body; waits happen only
     * when SSL_has_pending says nothing is buffered, so nothing can stall. */
    SSL_CTX_set_read_ahead(ctx, 1);
    if (ca_file != NULL && SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
        return fail(d, SR_ERR_IO, "tls", "cannot load the CA file");
    }
    if (use_system_ca && SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return fail(d, SR_ERR_IO, "tls", "cannot load the system trust store");
    }
    return SR_OK;
}

/* Wait until fd is ready for `events` or the deadline passes. */
static sr_err wait_fd(int fd, short events, uint64_t deadline, struct sr_net_detail d)
{
    for (;;) {
        uint64_t now = sr_net_now_ms();
        if (now >= deadline) {
            return fail(d, SR_ERR_IO, "timeout", "the request deadline passed");
        }
        struct pollfd pfd = { .fd = fd, .events = events };
        int r = poll(&pfd, 1, (int)(deadline - now));
        if (r > 0) {
            return SR_OK;
        }
        if (r < 0 && errno != EINTR) {
            return fail(d, SR_ERR_IO, "poll", strerror(errno));
        }
    }
}

static sr_err tcp_connect(struct sr_net_io *io, const char *host, const char *port,
                          uint64_t deadline, struct sr_net_detail d)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    sr_err err = SR_ERR_IO;

    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        return fail(d, SR_ERR_IO, "resolve", gai_strerror(rc));
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = fail(d, SR_ERR_IO, "socket", strerror(errno));
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            err = fail(d, SR_ERR_IO, "connect", strerror(errno));
            close(fd);
            continue;
        }
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        err = wait_fd(fd, POLLOUT, deadline, d);
        if (err == SR_OK && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr) {
            err = fail(d, SR_ERR_IO, "connect", strerror(soerr));
        }
        if (err == SR_OK) {
            io->fd = fd;
            break;
        }
        close(fd);
    }
    freeaddrinfo(res);
    return err;
}

/* Run an SSL_* step until it completes, waiting on the socket as OpenSSL asks. */
static sr_err ssl_wait(struct sr_net_io *io, int rc, uint64_t deadline, struct sr_net_detail d,
                       const char *what)
{
    int e = SSL_get_error(io->ssl, rc);
    if (e == SSL_ERROR_WANT_READ) {
        return wait_fd(io->fd, POLLIN, deadline, d);
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        return wait_fd(io->fd, POLLOUT, deadline, d);
    }
    if (e == SSL_ERROR_SYSCALL && errno != 0) {
        return fail(d, SR_ERR_IO, what, strerror(errno));
    }
    unsigned long ossl = ERR_peek_error();
    return fail(d, SR_ERR_IO, what, ossl ? ERR_reason_error_string(ossl) : "connection closed");
}

static sr_err tls_handshake(struct sr_net_io *io, SSL_CTX *ctx, SSL_SESSION *session,
                            const char *host, uint64_t deadline, struct sr_net_detail d)
{
    io->ssl = SSL_new(ctx);
    if (io->ssl == NULL || SSL_set_fd(io->ssl, io->fd) != 1) {
        return fail(d, SR_ERR_NOMEM, "tls", "SSL_new failed");
    }
    /* The name check: an IP literal must match an IP SAN, a name a DNS SAN (RFC 6125). */
    X509_VERIFY_PARAM *param = SSL_get0_param(io->ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1) {
        char sni[256]; /* the SNI macro casts away const */
        ERR_clear_error();
        snprintf(sni, sizeof(sni), "%s", host);
        if (SSL_set1_host(io->ssl, host) != 1 || SSL_set_tlsext_host_name(io->ssl, sni) != 1) {
            return fail(d, SR_ERR_NOMEM, "tls", "cannot set the host name");
        }
    }
    if (session != NULL) {
        (void)SSL_set_session(io->ssl, session);
    }
    for (;;) {
        int rc = SSL_connect(io->ssl);
        if (rc == 1) {
            return SR_OK;
        }
        long vr = SSL_get_verify_result(io->ssl);
        if (vr != X509_V_OK) {
            return fail(d, SR_ERR_AUTH, "certificate verify failed",
                        X509_verify_cert_error_string(vr));
        }
        SR_TRY(ssl_wait(io, rc, deadline, d, "tls handshake"));
    }
}

sr_err sr_net_io_connect(struct sr_net_io *io, SSL_CTX *ctx, SSL_SESSION *session, const char *host,
                         const char *port, uint64_t deadline, struct sr_net_detail d)
{
    io->fd = -1;
    io->ssl = NULL;
    sr_err err = tcp_connect(io, host, port, deadline, d);
    if (err == SR_OK && ctx != NULL) {
        err = tls_handshake(io, ctx, session, host, deadline, d);
    }
    if (err != SR_OK) {
        sr_net_io_close(io);
    }
    return err;
}

sr_err sr_net_io_write(struct sr_net_io *io, const void *p, size_t n, uint64_t deadline,
                       struct sr_net_detail d)
{
    const uint8_t *b = p;
    while (n > 0) {
        if (io->ssl != NULL) {
            size_t w = 0;
            int rc = SSL_write_ex(io->ssl, b, n, &w);
            if (rc == 1) {
                b += w;
                n -= w;
                continue;
            }
            SR_TRY(ssl_wait(io, rc, deadline, d, "tls write"));
            continue;
        }
        ssize_t w = send(io->fd, b, n, MSG_NOSIGNAL);
        if (w > 0) {
            b += w;
            n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            SR_TRY(wait_fd(io->fd, POLLOUT, deadline, d));
        } else {
            return fail(d, SR_ERR_IO, "write", strerror(errno));
        }
    }
    return SR_OK;
}

static sr_err read_tls(struct sr_net_io *io, void *p, size_t cap, size_t *got, uint64_t deadline,
                       struct sr_net_detail d)
{
    for (;;) {
        int rc = SSL_read_ex(io->ssl, p, cap, got);
        if (rc == 1) {
            return SR_OK;
        }
        int e = SSL_get_error(io->ssl, rc);
        if (e == SSL_ERROR_ZERO_RETURN) {
            *got = 0; /* close_notify: a clean end of stream */
            return SR_OK;
        }
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0) {
            *got = 0; /* TCP FIN without close_notify; framing decides if that is fine */
            return SR_OK;
        }
        SR_TRY(ssl_wait(io, rc, deadline, d, "tls read"));
    }
}

sr_err sr_net_io_read(struct sr_net_io *io, void *p, size_t cap, size_t *got, uint64_t deadline,
                      struct sr_net_detail d)
{
    *got = 0;
    if (io->ssl != NULL) {
        errno = 0;
        return read_tls(io, p, cap, got, deadline, d);
    }
    for (;;) {
        ssize_t r = recv(io->fd, p, cap, 0);
        if (r >= 0) {
            *got = (size_t)r;
            return SR_OK;
        }
        if (errno != EAGAIN && errno != EINTR) {
            return fail(d, SR_ERR_IO, "read", strerror(errno));
        }
        SR_TRY(wait_fd(io->fd, POLLIN, deadline, d));
    }
}

sr_err sr_net_io_wait_readable(struct sr_net_io *io, uint64_t deadline, struct sr_net_detail d)
{
    if (io->ssl != NULL && SSL_has_pending(io->ssl)) {
        return SR_OK;
    }
    return wait_fd(io->fd, POLLIN, deadline, d);
}

bool sr_net_io_stale(struct sr_net_io *io)
{
    struct pollfd pfd = { .fd = io->fd, .events = POLLIN };
    if (io->fd < 0) {
        return true;
    }
    if (poll(&pfd, 1, 0) <= 0) {
        return false;
    }
    if (io->ssl == NULL) {
        return true; /* an idle plain connection has nothing to say but EOF */
    }
    /* TLS 1.3 may still deliver session tickets; anything else means the peer is gone. */
    uint8_t b;
    size_t got = 0;
    int rc = SSL_read_ex(io->ssl, &b, 1, &got);
    bool stale = rc == 1 || SSL_get_error(io->ssl, rc) != SSL_ERROR_WANT_READ;
    ERR_clear_error();
    return stale;
}

void sr_net_io_close(struct sr_net_io *io)
{
    if (io->ssl != NULL) {
        /* One non-blocking close_notify attempt; the peer may already be gone. */
        (void)SSL_shutdown(io->ssl);
        SSL_free(io->ssl);
        ERR_clear_error();
        io->ssl = NULL;
    }
    if (io->fd >= 0) {
        close(io->fd);
        io->fd = -1;
    }
}
