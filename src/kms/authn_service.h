/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service principals (KMS.md §6, "Services (cloudAgent)"). A service's credential is
 * {"jwk": {…, "x5c": [...]}, "proof": "<JWS>"}: the JWK is the service key, its x5c chains to a
 * configured service CA (checked at the caller's time, with CRLs when configured, for client
 * authentication), and the leaf key is exactly the JWK. The leaf's SAN URI
 * `urn:sealroom:service:<kind>` names the service (its id is that URI) and its kind; a SAN URI
 * `urn:sealroom:org:<id>` limits it to one organization. At the handshake the proof, a JWS
 * (ES256 or PS256) by that key over {"aud": <kmsCluster>, "requestId", "iat", "epk": <RFC 7638
 * thumbprint of the handshake jwk>} with iat within 300 s, shows possession of the key and
 * ties it to this handshake's ephemeral key, so a copied proof is useless elsewhere. Later
 * requests repeat the JWK only; the channel holds them to its thumbprint.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "kms/authn.h"
#include "kms/jwk.h"

#define SR_KMS_SERVICE_PREFIX "urn:sealroom:service:"
#define SR_KMS_ORG_PREFIX     "urn:sealroom:org:"
#define SR_KMS_PROOF_SKEW_MS  ((int64_t)300 * 1000)
#define SR_KMS_PROOF_MAX      ((size_t)8 * 1024)

/** Whether `kind` is a service kind of KMS.md §6 (indexer, dlp, transcoder, ...). */
bool sr_kms_service_kind_known(const char *kind);

/** The trusted service CAs and their CRLs. */
struct sr_kms_services;

SR_MUST_USE sr_err sr_kms_services_new(struct sr_kms_services **out);
void sr_kms_services_free(struct sr_kms_services *s);
/**
 * Trust the CA certificates, and add the CRLs, of PEM text `pem`. Once a CRL is added, every
 * issuer in a service chain needs a current CRL. SR_ERR_DECODE when nothing parses.
 */
SR_MUST_USE sr_err sr_kms_services_add_pem(struct sr_kms_services *s, struct sr_slice pem);

/** What the handshake proof must cover; NULL for a later request (no proof needed). */
struct sr_kms_proof_expect {
    const char *audience;   /* the kmsCluster */
    const char *request_id; /* of this handshake request */
    const json_t *epk;      /* the handshake's `jwk` */
};

/**
 * Verify the service credential `cred` at `now_ms`. SR_OK fills `out` (user_id = the service
 * URI, service = its kind, org_id = its org or "", expires = the leaf's notAfter) and `thumb`
 * (the JWK's RFC 7638 thumbprint); SR_ERR_AUTH sets *why: SR_KMS_AUTHN_EXPIRED for a
 * certificate past notAfter or a proof older than 300 s, SR_KMS_AUTHN_INVALID for anything
 * else. SR_ERR_NOMEM. `out` is zeroed on error.
 */
SR_MUST_USE sr_err sr_kms_service_verify(const struct sr_kms_services *s, const json_t *cred,
                                         const struct sr_kms_proof_expect *proof, int64_t now_ms,
                                         struct sr_kms_principal *out,
                                         uint8_t thumb[SR_KMS_THUMB_LEN],
                                         enum sr_kms_authn_fail *why);
