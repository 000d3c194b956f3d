/* SPDX-License-Identifier: Apache-2.0 */
/* scrypt (RFC 7914) through OpenSSL's EVP_PBE_scrypt, with bounded cost parameters. */
#include "crypto/pbkdf.h"

#include <openssl/evp.h>

#include <sealroom/buf.h>

#include "crypto/ossl.h"

sr_err sr_scrypt(struct sr_slice passphrase, struct sr_slice salt, unsigned log2_n, unsigned r,
                 unsigned p, uint8_t *out, size_t len)
{
    SR_CHECK(out != NULL && len > 0, SR_ERR_ARG);
    SR_CHECK(passphrase.p != NULL || passphrase.len == 0, SR_ERR_ARG);
    SR_CHECK(salt.p != NULL || salt.len == 0, SR_ERR_ARG);
    SR_CHECK(log2_n >= SR_SCRYPT_LOG2_N_MIN && log2_n <= SR_SCRYPT_LOG2_N_MAX, SR_ERR_ARG);
    SR_CHECK(r >= 1 && r <= SR_SCRYPT_R_MAX && p >= 1 && p <= SR_SCRYPT_P_MAX, SR_ERR_ARG);
    /* OpenSSL dereferences the pointers even for zero lengths. */
    static const uint8_t empty[1] = { 0 };
    const char *pass = passphrase.len > 0 ? (const char *)passphrase.p : (const char *)empty;
    const uint8_t *s = salt.len > 0 ? salt.p : empty;
    if (EVP_PBE_scrypt(pass, passphrase.len, s, salt.len, (uint64_t)1 << log2_n, r, p,
                       SR_SCRYPT_MAXMEM, out, len) != 1) {
        sr_wipe(out, len);
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    return SR_OK;
}
