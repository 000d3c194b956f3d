/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The only allocator of the library. Tests can make the Nth allocation from now fail,
 * to check that every error path releases what it took and leaves outputs zeroed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

void *sr_malloc(size_t n);
void *sr_calloc(size_t count, size_t size);
void *sr_realloc(void *p, size_t n);
void sr_free(void *p);

/** Test seam: allocation number `n` from now (0 = the next one) fails; -1 turns it off. */
void sr_alloc_fail_at(long n);

/** Test seam: true once the allocation chosen by sr_alloc_fail_at has failed. */
bool sr_alloc_failed(void);

/** `*out = a + b`, or false when it overflows. */
static inline bool sr_size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/** `*out = a * b`, or false when it overflows. */
static inline bool sr_size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
