/* SPDX-License-Identifier: Apache-2.0 */
/* Growable buffers with a hard limit, secure wiping, and hex conversion. */
#include <string.h>

#include <sealroom/buf.h>

#include "core/alloc.h"

/* A volatile function pointer keeps the compiler from removing the final memset. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void sr_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        wipe_memset(p, 0, n);
    }
}

static size_t limit(const struct sr_buf *b)
{
    return b->max ? b->max : SR_BUF_DEFAULT_MAX;
}

void sr_buf_init(struct sr_buf *b, size_t max, unsigned flags)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->flags = flags & SR_BUF_WIPE;
}

void sr_buf_init_fixed(struct sr_buf *b, uint8_t *mem, size_t cap)
{
    b->p = mem;
    b->len = 0;
    b->cap = cap;
    b->max = cap;
    b->flags = SR_BUF_FIXED;
}

sr_err sr_buf_reserve(struct sr_buf *b, size_t extra)
{
    size_t need;
    if (!sr_size_add(b->len, extra, &need) || need > limit(b)) {
        return (b->flags & SR_BUF_FIXED) ? SR_ERR_BUFFER_TOO_SMALL : SR_ERR_LIMIT;
    }
    if (need <= b->cap) {
        return SR_OK;
    }
    if (b->flags & SR_BUF_FIXED) {
        return SR_ERR_BUFFER_TOO_SMALL;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap = (cap > limit(b) / 2) ? limit(b) : cap * 2;
    }
    uint8_t *p;
    if (b->flags & SR_BUF_WIPE) {
        /* realloc could leave a copy of the secret behind; move it by hand. */
        p = sr_malloc(cap);
        if (p == NULL) {
            return SR_ERR_NOMEM;
        }
        if (b->len) {
            memcpy(p, b->p, b->len);
        }
        sr_wipe(b->p, b->cap);
        sr_free(b->p);
    } else {
        p = sr_realloc(b->p, cap);
        if (p == NULL) {
            return SR_ERR_NOMEM;
        }
    }
    b->p = p;
    b->cap = cap;
    return SR_OK;
}

sr_err sr_buf_append(struct sr_buf *b, const void *p, size_t n)
{
    SR_TRY(sr_buf_reserve(b, n));
    if (n) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
    }
    return SR_OK;
}

sr_err sr_buf_set(struct sr_buf *b, const void *p, size_t n)
{
    if (n > b->cap) {
        size_t old = b->len;
        b->len = 0;
        sr_err err = sr_buf_reserve(b, n);
        if (err != SR_OK) {
            b->len = old;
            return err;
        }
    }
    sr_buf_reset(b);
    return sr_buf_append(b, p, n);
}

void sr_buf_reset(struct sr_buf *b)
{
    if (b->flags & SR_BUF_WIPE) {
        sr_wipe(b->p, b->len);
    }
    b->len = 0;
}

void sr_buf_cleanup(struct sr_buf *b)
{
    if (b->flags & SR_BUF_FIXED) {
        b->len = 0;
        return;
    }
    if (b->flags & SR_BUF_WIPE) {
        sr_wipe(b->p, b->cap);
    }
    sr_free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

sr_err sr_hex_encode(const uint8_t *p, size_t n, char *out, size_t out_cap)
{
    static const char digits[] = "0123456789abcdef";
    size_t need;
    if (!sr_size_mul(n, 2, &need) || !sr_size_add(need, 1, &need) || need > out_cap) {
        return SR_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
    return SR_OK;
}

int sr_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

sr_err sr_hex_decode(const char *hex, size_t len, struct sr_buf *out)
{
    SR_CHECK(len % 2 == 0, SR_ERR_DECODE);
    for (size_t i = 0; i < len; i++) {
        SR_CHECK(sr_hex_digit(hex[i]) >= 0, SR_ERR_DECODE);
    }
    SR_TRY(sr_buf_reserve(out, len / 2));
    for (size_t i = 0; i < len; i += 2) {
        out->p[out->len++] = (uint8_t)(sr_hex_digit(hex[i]) << 4 | sr_hex_digit(hex[i + 1]));
    }
    return SR_OK;
}
