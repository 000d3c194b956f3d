/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credentials (RFC 9420 §5.3): basic (identity bytes) and X.509 (DER chain, end-entity
 * first), and their validation through an application callback (§5.3.1: "the application
 * MUST ... verify that the credential ... is valid" and binds the signature key).
 *
 * The callback says whether a credential is acceptable and how well its identity is
 * verified. The default validator, sr_mls_credential_validate_default, accepts basic
 * credentials as unverified (when allowed) and checks X.509 chains against up to
 * SR_MLS_TRUST_STORES_MAX trust stores, each with its own verification level, so the
 * meeting layer can tell an internal CA from an external partner CA.
 */
#pragma once

#include <stdbool.h>

#include "crypto/suite.h"
#include "crypto/x509.h"
#include "mls/wire_credential.h"

/* Verification levels; the default validator reports the level configured per store. */
#define SR_MLS_IDENTITY_UNVERIFIED 0
#define SR_MLS_IDENTITY_INTERNAL   1
#define SR_MLS_IDENTITY_EXTERNAL   2

#define SR_MLS_IDENTITY_MAX     256 /* bytes of the identity string, NUL included */
#define SR_MLS_TRUST_STORES_MAX 4

/** What a validator learned: a display identity (NUL-terminated) and a level. */
struct sr_mls_credential_result {
    int level;
    char identity[SR_MLS_IDENTITY_MAX];
};

/**
 * Decide on `cred`, presented with `signature_key` (raw, in the suite's signature scheme).
 * Return SR_OK to accept (filling `res`, which arrives zeroed), SR_ERR_DENIED to refuse
 * (untrusted, expired, revoked) or SR_ERR_INVALID when the credential is malformed or does
 * not bind `signature_key`. Other values are treated as SR_ERR_DENIED.
 */
typedef sr_err (*sr_mls_credential_validator)(void *arg, const struct sr_suite *suite,
                                              const struct sr_mls_credential *cred,
                                              struct sr_slice signature_key,
                                              struct sr_mls_credential_result *res);

struct sr_mls_credential_check {
    sr_mls_credential_validator fn;
    void *arg;
};

/** Configuration of the default validator (its `arg`); stores are borrowed. */
struct sr_mls_trust_policy {
    const struct sr_x509_store *stores[SR_MLS_TRUST_STORES_MAX];
    int levels[SR_MLS_TRUST_STORES_MAX]; /* level reported for a chain to stores[i] */
    size_t store_count;
    int64_t now;      /* validity time for certificates, seconds since the Unix epoch */
    bool allow_basic; /* accept basic credentials as SR_MLS_IDENTITY_UNVERIFIED */
};

/**
 * The default validator; `arg` is a struct sr_mls_trust_policy. X.509: the first store in
 * which the chain verifies gives the level; the identity is the email SAN, else the subject.
 * Basic: the identity bytes when printable ASCII, else their hex.
 */
SR_MUST_USE sr_err sr_mls_credential_validate_default(void *arg, const struct sr_suite *suite,
                                                      const struct sr_mls_credential *cred,
                                                      struct sr_slice signature_key,
                                                      struct sr_mls_credential_result *res);

/**
 * Run `check` on `cred` (zeroing `res` first) and normalize its answer to SR_OK,
 * SR_ERR_DENIED or SR_ERR_INVALID (SR_ERR_NOMEM passes through). A NULL check or callback
 * is SR_ERR_ARG. `res` may be NULL.
 */
SR_MUST_USE sr_err sr_mls_credential_validate(const struct sr_mls_credential_check *check,
                                              const struct sr_suite *suite,
                                              const struct sr_mls_credential *cred,
                                              struct sr_slice signature_key,
                                              struct sr_mls_credential_result *res);

/**
 * The display identity of `cred`: for X.509 the end-entity certificate's email SAN, else its
 * subject; otherwise the identity bytes when printable ASCII, else their hex (truncated to
 * fit). SR_ERR_INVALID for an X.509 credential whose end-entity certificate does not parse.
 */
SR_MUST_USE sr_err sr_mls_credential_display(const struct sr_mls_credential *cred,
                                             char out[SR_MLS_IDENTITY_MAX]);

/** A basic credential borrowing `identity`. */
struct sr_mls_credential sr_mls_credential_basic(struct sr_slice identity);

/** An X.509 credential borrowing `count` DER certificates (end-entity first). */
struct sr_mls_credential sr_mls_credential_x509(struct sr_slice *certs, size_t count);
