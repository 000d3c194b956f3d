/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The access rule of KMS.md §1 for users: principal P may use resource R when (1) R has an
 * authorization whose authId is P's id, or (2) one whose authId is a resource R2 that P may
 * use by (1) or (2), following at most SR_KMS_AUTHZ_MAX_LINKS links with a visited set, so
 * cycles and fan-out stay bounded. Rules (3) compliance and (4) services are the server's.
 */
#pragma once

#include <stdbool.h>

#include <sealroom/err.h>

#include "store/store.h"

#define SR_KMS_AUTHZ_MAX_LINKS   4
#define SR_KMS_AUTHZ_MAX_VISITED 64

/** True when `auth_id` names a resource (an absolute `kms://…/resources/<id>` URI). */
bool sr_kms_authz_is_resource(const char *auth_id);

/**
 * *allowed = whether `principal` may use `resource_uri` by rules (1) and (2). SR_ERR_STORE or
 * SR_ERR_NOMEM when the store fails (and *allowed is false).
 */
SR_MUST_USE sr_err sr_kms_authz_allows(struct sr_store *st, const char *resource_uri,
                                       const char *principal, bool *allowed);
