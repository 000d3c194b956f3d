/* SPDX-License-Identifier: Apache-2.0 */
/* Constant-time comparison on OpenSSL's CRYPTO_memcmp, so no tag check leaks timing. */
#include "crypto/ct.h"

#include <openssl/crypto.h>

bool sr_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
