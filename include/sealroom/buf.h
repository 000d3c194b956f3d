/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Owned, growable byte buffers with a hard size limit, and hex conversion. A buffer made
 * with SR_BUF_WIPE is wiped before its memory is released; use it for plaintext and keys.
 * A zeroed `struct sr_buf` is a valid empty buffer with the default limit.
 */
#pragma once

#include <sealroom/common.h>
#include <sealroom/err.h>

/** Wipe the contents whenever memory is released or the buffer is reset. */
#define SR_BUF_WIPE 1u
/** The memory belongs to the caller and never grows (see sr_buf_init_fixed). */
#define SR_BUF_FIXED 2u

/** The limit of a buffer whose `max` is 0. */
#define SR_BUF_DEFAULT_MAX ((size_t)1 << 30)

struct sr_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max; /* hard limit on len; 0 means SR_BUF_DEFAULT_MAX */
    unsigned flags;
};

/** An empty buffer that may grow to `max` bytes (0: the default limit). */
SR_API void sr_buf_init(struct sr_buf *b, size_t max, unsigned flags);

/** A buffer over caller memory `mem` of `cap` bytes; it never reallocates or frees. */
SR_API void sr_buf_init_fixed(struct sr_buf *b, uint8_t *mem, size_t cap);

/**
 * Make room for `extra` more bytes. SR_ERR_LIMIT past `max`, SR_ERR_BUFFER_TOO_SMALL for a
 * fixed buffer that is full, SR_ERR_NOMEM when allocation fails. The buffer is unchanged on error.
 */
SR_API SR_MUST_USE sr_err sr_buf_reserve(struct sr_buf *b, size_t extra);

/** Append `n` bytes from `p` (which may be NULL when `n` is 0). Errors as sr_buf_reserve. */
SR_API SR_MUST_USE sr_err sr_buf_append(struct sr_buf *b, const void *p, size_t n);

/** Replace the contents with a copy of `n` bytes from `p`. */
SR_API SR_MUST_USE sr_err sr_buf_set(struct sr_buf *b, const void *p, size_t n);

/** Empty the buffer, keeping its memory (wiped first for SR_BUF_WIPE). */
SR_API void sr_buf_reset(struct sr_buf *b);

/** Release the memory (wiping it for SR_BUF_WIPE) and leave an empty buffer. */
SR_API void sr_buf_cleanup(struct sr_buf *b);

/** A borrowed view of the contents, valid until the buffer next changes. */
static inline struct sr_slice sr_buf_slice(const struct sr_buf *b)
{
    return sr_slice_of(b->p, b->len);
}

/** Overwrite `n` bytes at `p` with zeros in a way the compiler cannot remove. */
SR_API void sr_wipe(void *p, size_t n);

/**
 * Write `n` bytes as lowercase hex and a terminating NUL into `out` of `out_cap` bytes
 * (at least 2n+1). SR_ERR_BUFFER_TOO_SMALL otherwise.
 */
SR_API SR_MUST_USE sr_err sr_hex_encode(const uint8_t *p, size_t n, char *out, size_t out_cap);

/** The value 0-15 of hex digit `c` (either case), or -1 when `c` is not one. */
SR_API int sr_hex_digit(int c);

/**
 * Decode `len` hex characters (either case) from `hex`, appending the bytes to `out`.
 * SR_ERR_DECODE for an odd length or a non-hex character; `out` is unchanged on error.
 */
SR_API SR_MUST_USE sr_err sr_hex_decode(const char *hex, size_t len, struct sr_buf *out);
