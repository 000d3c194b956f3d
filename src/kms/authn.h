/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is asking (KMS.md §6). A user's `credential.bearer` is a JWT signed with RS256, PS256 or
 * ES256 (never `none`) by a key whose `kid` is in the JWKS of a configured issuer. It must name
 * that issuer in `iss`, carry the KMS audience in `aud`, not be past `exp`, and have `nbf` and
 * `iat` within 60 s of the time passed in. `sub` becomes the user id, the org claim (default
 * `org_id`) the org, the roles claim (default `roles`) the KMS roles. Verification is local:
 * the JWKS text is given by the caller (who reloads the file when it changes), no clock is
 * read and nothing is fetched.
 */
#pragma once

#include <stdint.h>

#include <sealroom/err.h>

#include "store/store.h"

#define SR_KMS_ROLE_ORG_ADMIN 1u /* kms.orgAdmin */
#define SR_KMS_ROLE_ORG_AGENT 2u /* kms.orgAgent: compliance officer */
#define SR_KMS_ROLE_KMS_ADMIN 4u /* kms.kmsAdmin */

#define SR_KMS_JWT_MAX ((size_t)16 * 1024)
#define SR_KMS_SKEW_MS ((int64_t)60 * 1000)

/** An authenticated principal. */
struct sr_kms_principal {
    char user_id[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX];
    unsigned roles;
    int64_t expires;                 /* the credential's exp, ms */
    char service[SR_STORE_NAME_MAX]; /* a service principal's kind (authn_service.h), or "" */
};

/** Why a credential was refused: the errorCode of KMS.md §4 (status 401). */
enum sr_kms_authn_fail {
    SR_KMS_AUTHN_OK = 0,
    SR_KMS_AUTHN_INVALID, /* TOKEN_INVALID */
    SR_KMS_AUTHN_EXPIRED, /* TOKEN_EXPIRED */
};

struct sr_kms_authn;

/** A verifier for tokens whose `aud` holds `audience` (copied). */
SR_MUST_USE sr_err sr_kms_authn_new(const char *audience, struct sr_kms_authn **out);
void sr_kms_authn_free(struct sr_kms_authn *a);

/**
 * Trust `iss` with the keys of the JWKS text `jwks` ({"keys": [...]}, each with a `kid`);
 * replaces the issuer's previous keys (a reload). SR_ERR_DECODE when the JWKS is malformed or
 * holds a key cjose cannot import; nothing changes then.
 */
SR_MUST_USE sr_err sr_kms_authn_set_issuer(struct sr_kms_authn *a, const char *iss,
                                           const char *jwks, size_t len);

/** Use other claim names for the org and the roles (both copied). */
SR_MUST_USE sr_err sr_kms_authn_set_claims(struct sr_kms_authn *a, const char *org_claim,
                                           const char *roles_claim);

/** Bumped by every change of issuers or claim names, so callers can drop cached results. */
uint64_t sr_kms_authn_generation(const struct sr_kms_authn *a);

/**
 * Verify the bearer `jwt` at `now_ms`. SR_OK fills `out`; SR_ERR_AUTH sets *why (expired or
 * invalid); SR_ERR_NOMEM. `out` is zeroed on error.
 */
SR_MUST_USE sr_err sr_kms_authn_bearer(const struct sr_kms_authn *a, const char *jwt,
                                       int64_t now_ms, struct sr_kms_principal *out,
                                       enum sr_kms_authn_fail *why);
