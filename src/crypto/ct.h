/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time comparison for tags, MACs and confirmation values (never plain memcmp). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/** True when the `n` bytes at `a` and `b` are equal; time depends only on `n`. */
bool sr_ct_equal(const void *a, const void *b, size_t n);
