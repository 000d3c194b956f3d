/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Macros and small value types shared by every public Sealroom header: the export
 * marker, the must-use marker for functions returning sr_err, and the borrowed byte view.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#if defined(SR_BUILDING_LIBRARY)
#define SR_API __attribute__((visibility("default")))
#else
#define SR_API
#endif

#define SR_MUST_USE __attribute__((warn_unused_result))

/** A borrowed view of bytes; it never owns `p`. */
struct sr_slice {
    const uint8_t *p;
    size_t len;
};

/** A slice over `len` bytes at `p`. */
static inline struct sr_slice sr_slice_of(const void *p, size_t len)
{
    struct sr_slice s = { (const uint8_t *)p, len };
    return s;
}
