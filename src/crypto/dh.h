/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diffie-Hellman for the DHKEMs (RFC 9180 §4.1, §7.1): X25519, X448 and P-256/384/521.
 * Keys are raw as RFC 9180 serializes them: X25519/X448 as their bytes, NIST private keys
 * as big-endian scalars of Nsk bytes, NIST public keys as uncompressed points.
 */
#pragma once

#include <stdbool.h>

#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"

/** pub[kem->pk_len] = the public key of raw private key `priv`. */
SR_MUST_USE sr_err sr_dh_public_from_private(const struct sr_kem_alg *kem, struct sr_slice priv,
                                             uint8_t *pub);

/**
 * shared[kem->dh_len] = DH(priv, peer). SR_ERR_INVALID when `peer` is not a valid public
 * key, a NIST scalar is outside [1, n-1], or the result is the identity/all-zero value
 * (RFC 9180 §7.1.4); `shared` is then zeroed. SR_ERR_DECODE when a key has the wrong length.
 */
SR_MUST_USE sr_err sr_dh_derive(const struct sr_kem_alg *kem, struct sr_slice priv,
                                struct sr_slice peer, uint8_t *shared);

/**
 * sr_dh_derive for a caller that already holds `pub`, the public key of `priv` (HPKE does, in
 * Encap and Decap): X25519/X448 then skip recomputing it, which halves the cost. `pub` must
 * belong to `priv`; it is not checked, and the result depends on `priv` and `peer` alone.
 */
SR_MUST_USE sr_err sr_dh_derive_with_public(const struct sr_kem_alg *kem, struct sr_slice priv,
                                            struct sr_slice pub, struct sr_slice peer,
                                            uint8_t *shared);

/** For NIST curves: whether `scalar` (Nsk bytes) is in [1, n-1]; always true for X25519/X448. */
bool sr_dh_private_in_range(const struct sr_kem_alg *kem, struct sr_slice scalar);

/**
 * SR_OK if `pub` is a valid public key for `kem`: SR_ERR_DECODE for a wrong length,
 * SR_ERR_INVALID for a NIST point that is not uncompressed, off the curve or the identity.
 */
SR_MUST_USE sr_err sr_dh_check_public(const struct sr_kem_alg *kem, struct sr_slice pub);
