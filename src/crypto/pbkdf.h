/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password-based key derivation for keys a person holds as a passphrase (local meeting
 * recordings). scrypt (RFC 7914) is memory-hard, which makes guessing a passphrase on
 * GPUs or ASICs much more expensive than with PBKDF2; OpenSSL 3.0 ships it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sealroom/common.h>
#include <sealroom/err.h>

/* Bounds on the cost parameters, so a hostile file cannot make us allocate gigabytes. */
#define SR_SCRYPT_LOG2_N_MIN 10
#define SR_SCRYPT_LOG2_N_MAX 20
#define SR_SCRYPT_R_MAX      8
#define SR_SCRYPT_P_MAX      4
/* scrypt needs about 128 * r * N bytes (p only multiplies the time): 1 GiB at the largest N
 * and r, plus slack for the 128 * r * p block buffer. */
#define SR_SCRYPT_MAXMEM (((uint64_t)1 << 30) + ((uint64_t)1 << 20))

/**
 * out[len] = scrypt(passphrase, salt, N = 2^log2_n, r, p, len) (RFC 7914 §6).
 * SR_ERR_ARG for parameters outside the bounds above or a NULL pointer, SR_ERR_CRYPTO when
 * OpenSSL fails (e.g. out of memory); `out` is wiped on error.
 */
SR_MUST_USE sr_err sr_scrypt(struct sr_slice passphrase, struct sr_slice salt, unsigned log2_n,
                             unsigned r, unsigned p, uint8_t *out, size_t len);
