/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fixed-capacity secret held inline, so secrets need no allocation and cannot fail to
 * be created. Every MLS, HPKE and SFrame secret fits: the largest are 64-byte SHA-512
 * outputs and 66-byte P-521 private keys. sr_secret_cleanup wipes it.
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#define SR_SECRET_MAX 72

struct sr_secret {
    uint8_t p[SR_SECRET_MAX];
    size_t len;
};

/** Copy `len` bytes into `s`; SR_ERR_LIMIT if they do not fit (s is then wiped). */
static inline SR_MUST_USE sr_err sr_secret_set(struct sr_secret *s, const uint8_t *p, size_t len)
{
    if (len > SR_SECRET_MAX) {
        sr_wipe(s, sizeof(*s));
        return SR_ERR_LIMIT;
    }
    for (size_t i = 0; i < len; i++) {
        s->p[i] = p[i];
    }
    s->len = len;
    return SR_OK;
}

/** A borrowed view of the secret bytes. */
static inline struct sr_slice sr_secret_slice(const struct sr_secret *s)
{
    return sr_slice_of(s->p, s->len);
}

/** Wipe the secret; safe on a zeroed or already wiped secret. */
static inline void sr_secret_cleanup(struct sr_secret *s)
{
    sr_wipe(s, sizeof(*s));
}
