/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation wrappers with a failure-injection seam for tests. */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>

static atomic_long fail_countdown = -1;
static atomic_bool fail_happened = false;

static bool should_fail(void)
{
    long n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (n < 0) {
        return false;
    }
    if (atomic_fetch_sub(&fail_countdown, 1) == 0) {
        atomic_store(&fail_happened, true);
        return true;
    }
    return false;
}

void sr_alloc_fail_at(long n)
{
    atomic_store(&fail_happened, false);
    atomic_store(&fail_countdown, n);
}

bool sr_alloc_failed(void)
{
    return atomic_load(&fail_happened);
}

void *sr_malloc(size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    return malloc(n ? n : 1);
}

void *sr_calloc(size_t count, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return calloc(count ? count : 1, size ? size : 1);
}

void *sr_realloc(void *p, size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    return realloc(p, n ? n : 1);
}

void sr_free(void *p)
{
    free(p);
}
