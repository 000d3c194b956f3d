/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 for JOSE keys (KMS.md §5, §6): certificate chains as they travel in a JWK's `x5c`
 * (DER, end-entity first), checked against a set of trust anchors with optional CRLs at a
 * time the caller gives (sans-IO); the SAN URIs that name a service and its organization; the
 * host names a certificate is for; the end-entity key in JWK terms (RSA n/e, EC P-256 x/y) so
 * it can be compared with a JWK; and a self-issued certificate for an RSA key given by its
 * JWK members (the development certificate of the KMS static key).
 *
 * Separate from x509.c, which binds MLS credentials, so the two can change independently.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#define SR_X509_CHAIN_MAX 8    /* certificates in one x5c */
#define SR_X509_URI_MAX   256  /* a SAN URI, with the NUL */
#define SR_X509_RSA_MAX   1024 /* bytes of an RSA modulus (8192 bits) */

/** Trust anchors for JOSE chains, with the CRLs of their issuers. */
struct sr_x509_trust;

SR_MUST_USE sr_err sr_crypto_x509_trust_new(struct sr_x509_trust **out);
void sr_crypto_x509_trust_free(struct sr_x509_trust *t);

/**
 * Add every certificate (as a trust anchor) and every CRL of the PEM text `pem`. Once any CRL
 * is added, each issuer of a checked certificate must have a current CRL. SR_ERR_DECODE when
 * the text holds nothing usable or a block does not parse; *n_certs and *n_crls (may be NULL)
 * count what was added.
 */
SR_MUST_USE sr_err sr_crypto_x509_trust_add_pem(struct sr_x509_trust *t, struct sr_slice pem,
                                                size_t *n_certs, size_t *n_crls);

/** Add one DER certificate as a trust anchor, or one DER CRL. SR_ERR_DECODE if it does not parse.
 */
SR_MUST_USE sr_err sr_crypto_x509_trust_add_der(struct sr_x509_trust *t, struct sr_slice der);
SR_MUST_USE sr_err sr_crypto_x509_trust_add_crl_der(struct sr_x509_trust *t, struct sr_slice der);

/** Why a chain was refused. */
enum sr_x509_refusal {
    SR_X509_TRUSTED = 0,
    SR_X509_UNTRUSTED, /* no path to an anchor, a bad signature, a missing or stale CRL */
    SR_X509_EXPIRED,   /* a certificate is past notAfter */
    SR_X509_NOT_YET,   /* a certificate is before notBefore */
    SR_X509_REVOKED,   /* listed in its issuer's CRL */
    SR_X509_WRONG_USE, /* key usage or extended key usage forbids the purpose */
};

/** What the end-entity key is for. */
enum sr_x509_purpose {
    SR_X509_ANY = 0,     /* no purpose check (the KMS static key: it signs and decrypts) */
    SR_X509_CLIENT_AUTH, /* digitalSignature, and clientAuth when an EKU is present */
};

/**
 * Verify `certs[0..n)` (DER, end-entity first; 1 <= n <= SR_X509_CHAIN_MAX) against `t` at
 * `now` (seconds since the Unix epoch) for `purpose`. SR_OK when trusted; SR_ERR_DENIED with
 * *why set otherwise; SR_ERR_DECODE for a certificate that does not parse; SR_ERR_ARG or
 * SR_ERR_LIMIT for n out of range.
 */
SR_MUST_USE sr_err sr_crypto_x509_trust_verify(const struct sr_x509_trust *t,
                                               const struct sr_slice *certs, size_t n, int64_t now,
                                               enum sr_x509_purpose purpose,
                                               enum sr_x509_refusal *why);

/**
 * The URIs among the subject alternative names of `der`, in order, into out[0..cap); *n gets
 * how many there are. SR_ERR_LIMIT when there are more than `cap` or one is too long,
 * SR_ERR_DECODE when `der` or a URI is malformed (an embedded NUL).
 */
SR_MUST_USE sr_err sr_crypto_x509_san_uris(struct sr_slice der, char (*out)[SR_X509_URI_MAX],
                                           size_t cap, size_t *n);

/**
 * Whether `der` is for `host`: a DNS SAN matches it, or the CN does when there is no DNS SAN
 * (RFC 6125 rules as OpenSSL applies them, no partial wildcards). SR_ERR_DECODE when `der`
 * does not parse.
 */
SR_MUST_USE sr_err sr_crypto_x509_for_host(struct sr_slice der, const char *host, bool *match);

/** An end-entity key in JWK terms, each member as its unpadded big-endian bytes. */
struct sr_x509_jwk_key {
    enum {
        SR_X509_KEY_RSA = 1,
        SR_X509_KEY_P256
    } kty;
    uint8_t a[SR_X509_RSA_MAX]; /* RSA n (no leading zero), or P-256 x (32 bytes) */
    size_t a_len;
    uint8_t b[SR_X509_RSA_MAX]; /* RSA e (no leading zero), or P-256 y (32 bytes) */
    size_t b_len;
    int64_t not_after; /* of this certificate, seconds since the epoch */
};

/**
 * The public key of `der`. SR_ERR_UNSUPPORTED for a key other than RSA or EC P-256,
 * SR_ERR_DECODE when `der` does not parse.
 */
SR_MUST_USE sr_err sr_crypto_x509_jwk_key(struct sr_slice der, struct sr_x509_jwk_key *out);

/** What sr_crypto_x509_self_issue_rsa puts in the certificate. */
struct sr_x509_self_rsa {
    struct sr_slice n, e, d; /* the RSA key (big-endian, as a JWK carries them); d is secret */
    const char *host;        /* CN and the DNS SAN */
    int64_t not_before, not_after;
    uint64_t serial;
};

/**
 * Append a self-signed certificate (DER, RSASSA-PKCS1-v1_5 with SHA-256) for the RSA key to
 * `der`: CA:FALSE, key usage digitalSignature and keyEncipherment. For development: a client
 * trusts it by taking it as its own anchor.
 */
SR_MUST_USE sr_err sr_crypto_x509_self_issue_rsa(const struct sr_x509_self_rsa *c,
                                                 struct sr_buf *der);
