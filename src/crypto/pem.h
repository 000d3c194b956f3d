/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM input for X.509 credentials: a certificate chain file (one or more "CERTIFICATE"
 * blocks, end-entity first) to DER, and an unencrypted PKCS#8 "PRIVATE KEY" to the raw
 * private key MLS signs with (RFC 8032 bytes for EdDSA, a big-endian scalar of the curve's
 * size for ECDSA), checked against the signature scheme of the cipher suite in use.
 */
#pragma once

#include <stddef.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"

#define SR_PEM_CHAIN_MAX 16 /* certificates in one chain file */

/** DER certificates read from PEM, in file order. Zeroed is empty. */
struct sr_pem_chain {
    struct sr_buf der[SR_PEM_CHAIN_MAX];
    size_t count;
};

/**
 * Read every certificate of `pem` into `out` (zeroed first). SR_ERR_DECODE when there is none
 * or a block does not parse, SR_ERR_LIMIT past SR_PEM_CHAIN_MAX; `out` is empty on error.
 */
SR_MUST_USE sr_err sr_crypto_pem_chain_read(struct sr_slice pem, struct sr_pem_chain *out);

void sr_crypto_pem_chain_cleanup(struct sr_pem_chain *c);

/**
 * The raw private key of the PKCS#8 PEM `pem` into `out`, which must be a key of scheme `alg`.
 * SR_ERR_DECODE when `pem` holds no unencrypted private key, SR_ERR_INVALID for a key of
 * another type or curve.
 */
SR_MUST_USE sr_err sr_crypto_pem_private_key(struct sr_slice pem, const struct sr_sig_alg *alg,
                                             struct sr_secret *out);
