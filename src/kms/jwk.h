/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JWK helpers shared by the KMS server and client: the RFC 7638 thumbprint of a public JWK
 * (EC P-256 or RSA), the certificate chain a JWK carries in `x5c` (RFC 7517 §4.7: standard
 * base64 DER, end-entity first), and whether a JWK's public members are exactly the key of an
 * X.509 certificate.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "crypto/x509_jwk.h"

#define SR_KMS_THUMB_LEN 32 /* SHA-256 */
#define SR_KMS_THUMB_B64 44 /* its base64url form, with the NUL */
#define SR_KMS_X5C_MAX   SR_X509_CHAIN_MAX
#define SR_KMS_CERT_MAX  ((size_t)16 * 1024) /* one DER certificate */

/**
 * SHA-256 over the required members in lexicographic order (EC: crv, kty, x, y; RSA: e, kty,
 * n). SR_ERR_DECODE for another kty or a missing or mistyped member, SR_ERR_UNSUPPORTED for an
 * EC curve other than P-256.
 */
SR_MUST_USE sr_err sr_kms_jwk_thumbprint(const json_t *jwk, uint8_t out[SR_KMS_THUMB_LEN]);
/** The same, base64url without padding. */
SR_MUST_USE sr_err sr_kms_jwk_thumbprint_b64(const json_t *jwk, char out[SR_KMS_THUMB_B64]);

/** A decoded x5c: DER certificates, end-entity first. */
struct sr_kms_x5c {
    struct sr_buf der[SR_KMS_X5C_MAX];
    struct sr_slice certs[SR_KMS_X5C_MAX];
    size_t n;
};

/**
 * Decode jwk.x5c (an array of 1..SR_KMS_X5C_MAX standard base64 strings). SR_ERR_NOT_FOUND
 * when the JWK has no x5c, SR_ERR_DECODE when it is malformed, SR_ERR_LIMIT when too long.
 * Call sr_kms_x5c_cleanup in every case.
 */
SR_MUST_USE sr_err sr_kms_x5c_decode(const json_t *jwk, struct sr_kms_x5c *out);
void sr_kms_x5c_cleanup(struct sr_kms_x5c *x5c);

/** Append the standard base64 (padded) encoding of `der` to `out`, for an x5c entry. */
SR_MUST_USE sr_err sr_kms_b64std_encode(struct sr_slice der, struct sr_buf *out);

/**
 * One base64url part of a compact JWS (header or claims) as a strict JSON object (duplicate
 * members refused), at most `max` bytes decoded. SR_ERR_DECODE, SR_ERR_LIMIT or SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_kms_b64_json(struct sr_slice part, size_t max, json_t **out);

/** Whether `jwk` (kty RSA with n, e, or EC P-256 with x, y) is the key `k`. */
bool sr_kms_jwk_is_key(const json_t *jwk, const struct sr_x509_jwk_key *k);
