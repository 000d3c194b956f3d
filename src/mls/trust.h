/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in credential validator behind struct sr_mls_trust (public in <sealroom/mls.h>).
 * Two steps, kept apart because a group needs them at different moments:
 *
 *   sr_mls_x509_credential_check   always, trust or not: every certificate parses, the
 *                                  end-entity one is in date, and its key is the leaf's
 *   sr_mls_trust_assess            the level: the highest anchor level the chain verifies to,
 *                                  UNVERIFIED for basic credentials and unknown chains
 *
 * sr_mls_trust_validate runs both and applies require_verified: it is what a group calls for
 * every credential that enters it. Reporting a member's identity later runs the same steps
 * but never refuses.
 */
#pragma once

#include <stdint.h>

#include <sealroom/mls.h>

#include "crypto/suite.h"
#include "mls/credential.h"

/**
 * The time at which certificates are judged: the trust's clock if set, else `group_now` if
 * not 0, else the system clock (seconds since the Unix epoch).
 */
int64_t sr_mls_trust_time(const struct sr_mls_trust *t, uint64_t group_now);

/**
 * The checks every X.509 credential must pass whatever the trust (RFC 9420 §5.3.1): all
 * certificates parse, the end-entity certificate is valid at `now`, and its public key is
 * `signature_key`. SR_OK for other credential types. SR_ERR_INVALID for a certificate that
 * does not parse or a key that differs, SR_ERR_DENIED for one outside its validity period.
 */
SR_MUST_USE sr_err sr_mls_x509_credential_check(const struct sr_suite *suite,
                                                const struct sr_mls_credential *cred,
                                                struct sr_slice signature_key, int64_t now);

/**
 * Fill `res` with the display identity of `cred` (email SAN, else subject; basic: the
 * identity text) and its level under `t` (NULL: unverified) at `now`. Call it after
 * sr_mls_x509_credential_check passed. SR_ERR_INVALID for an X.509 credential that does not
 * parse, SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_mls_trust_assess(const struct sr_mls_trust *t, const struct sr_suite *suite,
                                       const struct sr_mls_credential *cred,
                                       struct sr_slice signature_key, int64_t now,
                                       struct sr_mls_credential_result *res);

/**
 * Both steps at sr_mls_trust_time(t, group_now), then require_verified: SR_ERR_DENIED for an
 * unverified credential when `t` requires verification. `res` may be NULL.
 */
SR_MUST_USE sr_err sr_mls_trust_validate(const struct sr_mls_trust *t, uint64_t group_now,
                                         const struct sr_suite *suite,
                                         const struct sr_mls_credential *cred,
                                         struct sr_slice signature_key,
                                         struct sr_mls_credential_result *res);
