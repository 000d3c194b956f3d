/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for unit tests. */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"

void sr_test_hex(const char *hex, struct sr_buf *out)
{
    sr_buf_reset(out);
    if (sr_hex_decode(hex, strlen(hex), out) != SR_OK) {
        fprintf(stderr, "bad hex literal in test: %s\n", hex);
        abort();
    }
}

unsigned sr_test_each_alloc_failure(sr_err (*op)(void *arg), void (*reset)(void *arg), void *arg)
{
    unsigned failures = 0;
    for (long n = 0;; n++) {
        sr_alloc_fail_at(n);
        sr_err err = op(arg);
        bool injected = sr_alloc_failed();
        sr_alloc_fail_at(-1);
        if (reset != NULL) {
            reset(arg);
        }
        if (!injected) {
            assert_int_equal(err, SR_OK);
            return failures;
        }
        assert_int_equal(err, SR_ERR_NOMEM);
        failures++;
    }
}
