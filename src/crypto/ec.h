/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to crypto/: raw NIST-curve keys as MLS and HPKE carry them (big-endian scalars of
 * the curve size, uncompressed SEC1 points), converted to and from OpenSSL objects with
 * non-deprecated APIs (EC_GROUP, EC_POINT, BIGNUM, EVP_PKEY_fromdata). Shared by the ECDSA
 * code in sig.c and the ECDH code in dh.c.
 */
#pragma once

#include <stdbool.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <sealroom/err.h>

#include "crypto/suite.h"

/** The byte length of a scalar (and of one coordinate) on `curve`. */
size_t sr_ec_scalar_len(enum sr_curve curve);

/** Whether `scalar` (exactly the scalar length) is in [1, n-1]. */
bool sr_ec_scalar_in_range(enum sr_curve curve, struct sr_slice scalar);

/**
 * Parse a private scalar into a constant-time BIGNUM (free with BN_clear_free).
 * SR_ERR_DECODE for a wrong length, SR_ERR_INVALID outside [1, n-1].
 */
SR_MUST_USE sr_err sr_ec_scalar_decode(enum sr_curve curve, struct sr_slice scalar, BIGNUM **out);

/**
 * Parse an uncompressed point (free with EC_POINT_free). SR_ERR_DECODE for a wrong length,
 * SR_ERR_INVALID for another encoding, a point off the curve or the point at infinity.
 */
SR_MUST_USE sr_err sr_ec_point_decode(enum sr_curve curve, struct sr_slice pub, BN_CTX *bn,
                                      EC_POINT **out);

/** pub[1 + 2 * scalar_len] = the uncompressed point k * G. */
SR_MUST_USE sr_err sr_ec_public_of(enum sr_curve curve, const BIGNUM *k, BN_CTX *bn, uint8_t *pub);

/**
 * An EVP_PKEY for `curve` from a raw public point and, when `priv` is not empty, its private
 * scalar. The inputs must already be validated.
 */
SR_MUST_USE sr_err sr_ec_pkey_new(enum sr_curve curve, struct sr_slice priv, struct sr_slice pub,
                                  EVP_PKEY **out);
