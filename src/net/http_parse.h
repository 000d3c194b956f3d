/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A strict, bounded HTTP/1.1 response parser for the client (RFC 9112): the status line and
 * header block, the body framing they imply, and an incremental chunked-body decoder. It
 * works on bytes only, so the fuzzer drives it exactly as the client does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#define SR_NET_HTTP_MAX_HEAD    (16u * 1024u) /* status line plus headers */
#define SR_NET_HTTP_MAX_HEADERS 100u

/** How the body of a response is delimited (RFC 9112 §6.3). */
enum sr_net_http_framing {
    SR_NET_HTTP_BODY_NONE = 0, /* 1xx, 204, 304, or a HEAD request */
    SR_NET_HTTP_BODY_LENGTH,   /* Content-Length */
    SR_NET_HTTP_BODY_CHUNKED,  /* Transfer-Encoding: chunked */
    SR_NET_HTTP_BODY_EOF,      /* neither: the body runs until the server closes */
};

struct sr_net_http_head {
    int status;
    enum sr_net_http_framing framing;
    uint64_t content_length;
    bool keep_alive; /* false for HTTP/1.0 or "Connection: close" */
};

/**
 * Length of the head in `p` including its final CRLF CRLF, or 0 when it is not complete
 * yet. SR_ERR_LIMIT when no end is found within SR_NET_HTTP_MAX_HEAD bytes.
 */
sr_err sr_net_http_head_end(const uint8_t *p, size_t len, size_t *head_len);

/**
 * Parse a complete head (as measured by sr_net_http_head_end). `head_request` says the
 * request was HEAD (no body follows). SR_ERR_DECODE for anything malformed or ambiguous
 * (conflicting lengths, obsolete line folding, bare LF), SR_ERR_UNSUPPORTED for a
 * transfer coding other than chunked, SR_ERR_LIMIT for too many headers.
 */
sr_err sr_net_http_head_parse(const uint8_t *p, size_t len, bool head_request,
                              struct sr_net_http_head *out);

/** Find header `name` (case-insensitive) in a parsed head; the value is trimmed. */
sr_err sr_net_http_head_find(const uint8_t *p, size_t len, const char *name,
                             struct sr_slice *value);

/** State of a chunked body decoder; zero it to start. */
struct sr_net_http_chunked {
    int state;
    uint64_t remain;
    size_t count; /* digits or extension/trailer bytes seen in the current line */
    size_t trailer_bytes;
};

/**
 * Decode up to `len` bytes of chunked body, appending data to `out`. `*used` is how many
 * input bytes were consumed; `*done` turns true after the last chunk and its trailers,
 * which may leave input unconsumed. SR_ERR_DECODE for bad framing, SR_ERR_LIMIT when `out`
 * would pass its max (or the trailers are too long).
 */
sr_err sr_net_http_chunked_feed(struct sr_net_http_chunked *c, const uint8_t *p, size_t len,
                                struct sr_buf *out, size_t *used, bool *done);
