/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A memo of the built-in validator's judgements on X.509 credentials, kept by a trust
 * configuration. A judgement is a pure function of the signature scheme, the certificate
 * chain, the leaf's signature key, the time (in seconds) and the anchors, so the memo keys
 * on a SHA-256 over the first four and is emptied whenever an anchor is added. Parsing and
 * verifying a chain costs about a millisecond with OpenSSL 3.0, and a group sees the same
 * credential many times (proposal, commit, Welcome tree, roster), as do all the groups that
 * share one trust configuration. Thread-safe: groups on several threads may share a trust.
 * Its table is fixed (about 1.2 MB) and emptied when half full.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/err.h>

#include "crypto/suite.h"
#include "mls/credential.h"

struct sr_mls_trust_memo;

/** An empty memo; NULL on allocation failure. */
struct sr_mls_trust_memo *sr_mls_trust_memo_new(void);

void sr_mls_trust_memo_free(struct sr_mls_trust_memo *memo);

/** Forget every judgement (the anchors changed). */
void sr_mls_trust_memo_clear(struct sr_mls_trust_memo *memo);

/**
 * The judgement of `cred` (X.509 only) with `signature_key` at `now`: true with the check's
 * result in `*err` and, when it is SR_OK, the assessment in `*res`. False when unknown (or
 * `memo` is NULL, or the credential is not X.509).
 */
bool sr_mls_trust_memo_get(struct sr_mls_trust_memo *memo, const struct sr_suite *suite,
                           const struct sr_mls_credential *cred, struct sr_slice signature_key,
                           int64_t now, sr_err *err, struct sr_mls_credential_result *res);

/** Remember a judgement as sr_mls_trust_memo_get returns it; resource errors are not kept. */
void sr_mls_trust_memo_put(struct sr_mls_trust_memo *memo, const struct sr_suite *suite,
                           const struct sr_mls_credential *cred, struct sr_slice signature_key,
                           int64_t now, sr_err err, const struct sr_mls_credential_result *res);
