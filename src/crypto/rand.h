/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's randomness. Production uses OpenSSL's DRBG; tests may install a source
 * of their own (deterministic runs, exhaustion). Key generation draws from here so a
 * test source makes whole protocol runs repeatable.
 */
#pragma once

#include <sealroom/err.h>

SR_MUST_USE sr_err sr_rand_bytes(uint8_t *out, size_t n);

typedef sr_err (*sr_rand_fn)(void *arg, uint8_t *out, size_t n);

/** Test seam: route sr_rand_bytes to `fn(arg, ...)`; NULL restores OpenSSL's DRBG. */
void sr_rand_set_source(sr_rand_fn fn, void *arg);
