/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signatures for the MLS suites: Ed25519, Ed448 and ECDSA over P-256/P-384/P-521 with
 * SHA-256/384/512. Keys travel raw, as MLS carries them: EdDSA keys as their RFC 8032
 * bytes, ECDSA public keys as uncompressed SEC1 points and private keys as big-endian
 * scalars of the curve's size. ECDSA signatures are DER (RFC 9420 §5.1.2 by way of TLS).
 *
 * An ECDSA private key shorter than the curve size is read as the same integer with its
 * leading zero bytes omitted; EdDSA keys must have their exact size.
 *
 * Verification returns SR_ERR_AUTH for a wrong signature and SR_ERR_INVALID for an ECDSA
 * public key that is not a valid point; parsing is SR_ERR_DECODE for wrong lengths. An
 * EdDSA public key is decoded only when it verifies (RFC 8032 §5.1.7 step 1), so one that
 * is not a curve point surfaces as SR_ERR_AUTH.
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"

/** A new key pair from crypto/rand: the private key in `priv`, the public key appended to `pub`. */
SR_MUST_USE sr_err sr_sig_generate(const struct sr_sig_alg *alg, struct sr_secret *priv,
                                   struct sr_buf *pub);

/** Append the public key of raw private key `priv` to `pub`. */
SR_MUST_USE sr_err sr_sig_public_from_private(const struct sr_sig_alg *alg, struct sr_slice priv,
                                              struct sr_buf *pub);

/** Append a signature over `msg` by raw private key `priv` to `sig`. */
SR_MUST_USE sr_err sr_sig_sign(const struct sr_sig_alg *alg, struct sr_slice priv,
                               struct sr_slice msg, struct sr_buf *sig);

/** SR_OK when `sig` is a valid signature over `msg` by raw public key `pub`. */
SR_MUST_USE sr_err sr_sig_verify(const struct sr_sig_alg *alg, struct sr_slice pub,
                                 struct sr_slice msg, struct sr_slice sig);

/** A parsed key kept for repeated use (avoids re-importing a key on every call). */
struct sr_sig_key;

SR_MUST_USE sr_err sr_sig_key_from_private(const struct sr_sig_alg *alg, struct sr_slice priv,
                                           struct sr_sig_key **out);
SR_MUST_USE sr_err sr_sig_key_from_public(const struct sr_sig_alg *alg, struct sr_slice pub,
                                          struct sr_sig_key **out);
SR_MUST_USE sr_err sr_sig_key_sign(const struct sr_sig_key *key, struct sr_slice msg,
                                   struct sr_buf *sig);
SR_MUST_USE sr_err sr_sig_key_verify(const struct sr_sig_key *key, struct sr_slice msg,
                                     struct sr_slice sig);
void sr_sig_key_free(struct sr_sig_key *key);
