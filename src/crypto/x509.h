/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 for MLS credentials (RFC 9420 §5.3.1) over OpenSSL's X509_STORE: trust stores of
 * DER anchors, chain verification at a time the caller gives (sans-IO: no clock read
 * here), the binding of the end-entity key to a raw MLS signature key, and certificate
 * details for display. Also a small issuer for tests that build a PKI at run time.
 *
 * Key binding compares raw encodings: Ed25519/Ed448 keys as their RFC 8032 bytes, ECDSA
 * keys as uncompressed SEC1 points on the suite's curve.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "crypto/suite.h"

/** A set of trust anchors. */
struct sr_x509_store;

SR_MUST_USE sr_err sr_crypto_x509_store_new(struct sr_x509_store **out);

/** Add one DER certificate as a trust anchor. SR_ERR_DECODE when it does not parse. */
SR_MUST_USE sr_err sr_crypto_x509_store_add_der(struct sr_x509_store *store, struct sr_slice der);

void sr_crypto_x509_store_free(struct sr_x509_store *store);

/**
 * Verify the chain `certs[0..n)` (DER, end-entity first, intermediates after) against
 * `store` at time `now` (seconds since the Unix epoch), and that the end-entity public key
 * is `sig_pub` in scheme `alg`. SR_ERR_DECODE for a certificate that does not parse,
 * SR_ERR_INVALID when the key does not match, SR_ERR_DENIED when the chain does not verify
 * (untrusted root, expired or not yet valid, bad signature), SR_ERR_ARG for n == 0.
 */
SR_MUST_USE sr_err sr_crypto_x509_verify(const struct sr_x509_store *store,
                                         const struct sr_slice *certs, size_t n, int64_t now,
                                         const struct sr_sig_alg *alg, struct sr_slice sig_pub);

/**
 * SR_OK when the public key of certificate `der` is `sig_pub` in scheme `alg`;
 * SR_ERR_INVALID otherwise, SR_ERR_DECODE when `der` does not parse.
 */
SR_MUST_USE sr_err sr_crypto_x509_check_key(struct sr_slice der, const struct sr_sig_alg *alg,
                                            struct sr_slice sig_pub);

#define SR_X509_NAME_MAX 256

/** Certificate details for display; strings are NUL-terminated and may be truncated. */
struct sr_x509_info {
    char subject[SR_X509_NAME_MAX]; /* RFC 2253 form */
    char issuer[SR_X509_NAME_MAX];
    char serial[SR_X509_NAME_MAX]; /* hex */
    char email[SR_X509_NAME_MAX];  /* first rfc822Name SAN, or empty */
    int64_t not_before, not_after; /* seconds since the Unix epoch */
    uint8_t sha256[32];            /* fingerprint of the DER */
};

/** Fill `out` from certificate `der`. SR_ERR_DECODE when it does not parse. */
SR_MUST_USE sr_err sr_crypto_x509_info(struct sr_slice der, struct sr_x509_info *out);

/** Test PKI: what sr_crypto_x509_test_issue puts in a certificate. */
struct sr_x509_test_cert {
    const char *common_name;
    const char *email; /* rfc822Name SAN, or NULL */
    bool is_ca;
    int64_t not_before, not_after;
    const struct sr_sig_alg *alg; /* the subject key's scheme */
    struct sr_slice subject_priv; /* raw private key of the subject */
    const struct sr_sig_alg *issuer_alg;
    struct sr_slice issuer_priv; /* raw private key of the issuer (subject's for self-signed) */
    struct sr_slice issuer_der;  /* issuer certificate, empty for self-signed */
    uint64_t serial;
};

/** Test helper: append a new certificate (DER) to `der`. Never used by the library. */
SR_MUST_USE sr_err sr_crypto_x509_test_issue(const struct sr_x509_test_cert *c, struct sr_buf *der);
