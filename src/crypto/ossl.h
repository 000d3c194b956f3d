/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to crypto/: the OpenSSL objects every primitive shares, fetched once per process
 * (thread-safe lazy init) so no call pays for an algorithm fetch, and the conversion from
 * OpenSSL's 1-is-success convention to sr_err. Nothing outside crypto/ includes this.
 */
#pragma once

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "crypto/suite.h"

/** The cached digest for `alg`, or NULL when OpenSSL lacks it. */
const EVP_MD *sr_ossl_md(const struct sr_hash_alg *alg);

/** The cached cipher for an AEAD (NULL for export-only or when unavailable). */
EVP_CIPHER *sr_ossl_aead_cipher(const struct sr_aead_alg *alg);

/** The cached AES-CTR cipher for a 16, 24 or 32-byte key, or NULL. */
EVP_CIPHER *sr_ossl_ctr_cipher(size_t key_len);

/** The cached group of a NIST curve (P-256/384/521), or NULL for any other curve. */
const EC_GROUP *sr_ossl_group(enum sr_curve curve);

/** OpenSSL's key type name for X25519/X448/Ed25519/Ed448, or NULL. */
const char *sr_ossl_ecx_name(enum sr_curve curve);

/** Parse exactly one DER certificate (no trailing bytes), or NULL. */
X509 *sr_ossl_x509_parse(struct sr_slice der);

/**
 * Parse the intermediates certs[1..n) of a chain into a new stack of untrusted certificates
 * (free with sk_X509_pop_free(.., X509_free)). SR_ERR_DECODE, SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_ossl_x509_intermediates(const struct sr_slice *certs, size_t n,
                                              STACK_OF(X509) * *out);

/** Append the DER encoding of certificate `x` to `der`. SR_ERR_CRYPTO when it has none. */
SR_MUST_USE sr_err sr_ossl_x509_der_append(X509 *x, struct sr_buf *der);

/** Drop OpenSSL's error queue and return `err`: every OpenSSL failure leaves through here. */
static inline sr_err sr_ossl_fail(sr_err err)
{
    ERR_clear_error();
    return err;
}
