/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's randomness: OpenSSL's DRBG, or a source a test installed. The seam is a
 * plain global because tests install it before any other thread runs.
 */
#include "crypto/rand.h"

#include <limits.h>

#include <openssl/rand.h>

#include "crypto/ossl.h"

static sr_rand_fn source_fn;
static void *source_arg;

sr_err sr_rand_bytes(uint8_t *out, size_t n)
{
    SR_CHECK(out != NULL || n == 0, SR_ERR_ARG);
    if (source_fn != NULL) {
        return source_fn(source_arg, out, n);
    }
    /* RAND_bytes takes an int length; draw large requests in pieces. */
    while (n > 0) {
        size_t take = n > INT_MAX ? INT_MAX : n;
        if (RAND_bytes(out, (int)take) != 1) {
            return sr_ossl_fail(SR_ERR_CRYPTO);
        }
        out += take;
        n -= take;
    }
    return SR_OK;
}

void sr_rand_set_source(sr_rand_fn fn, void *arg)
{
    source_fn = fn;
    source_arg = arg;
}
