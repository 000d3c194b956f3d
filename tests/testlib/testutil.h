/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers shared by the cmocka unit tests: hex literals, and a driver that runs an
 * operation with each allocation failing in turn.
 */
#pragma once

#include <stdbool.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

/** Decode a hex literal into `out` (reset first); aborts the test program on bad hex. */
void sr_test_hex(const char *hex, struct sr_buf *out);

/**
 * Run `op(arg)` with allocation 0, 1, 2, ... failing until it succeeds without hitting the
 * injected failure. Each failing run must return SR_ERR_NOMEM (checked with cmocka) and
 * `reset(arg)` is called after every run so the operation starts fresh. Returns the number
 * of runs that failed.
 */
unsigned sr_test_each_alloc_failure(sr_err (*op)(void *arg), void (*reset)(void *arg), void *arg);
