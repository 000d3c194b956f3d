/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The zero-trust meeting layer: what participants see and compare. For now, the Security
 * Verification Code, which every member of an MLS epoch derives from the same
 * epoch_authenticator (RFC 9420 §8.7), so reading it aloud proves everyone is in one group.
 */
#pragma once

#include <sealroom/common.h>
#include <sealroom/err.h>

/** Bytes of epoch authenticator the code consumes: six groups of five. */
#define SR_E2EE_CODE_INPUT_LEN 30
/** "ddddd ddddd ddddd ddddd ddddd ddddd" plus the terminating NUL. */
#define SR_E2EE_CODE_STR_LEN 36

/**
 * Write the Security Verification Code for `epoch_authenticator` into `out` (at least
 * SR_E2EE_CODE_STR_LEN bytes): 30 decimal digits in six space-separated groups of five,
 * group i being bytes [5i, 5i+5) read big-endian, modulo 100000, zero-padded.
 * SR_ERR_ARG when fewer than 30 bytes are given.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_verification_code(struct sr_slice epoch_authenticator,
                                                    char out[SR_E2EE_CODE_STR_LEN]);
