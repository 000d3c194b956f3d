/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service credential verification (see authn_service.h), cheapest refusals first: the shape
 * of the credential, the chain to a service CA, the leaf key against the JWK, the identity in
 * the leaf's SAN URIs, and only then the proof: its header pinned (ES256 for EC keys, PS256
 * for RSA keys, no key-carrying or critical members), its signature by the JWK, and its
 * claims (aud, requestId, epk, iat).
 */
#include "kms/authn_service.h"

#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>

#include "core/alloc.h"
#include "kms/jose_int.h"

#define SAN_URIS_MAX 16

struct sr_kms_services {
    struct sr_x509_trust *trust;
    size_t n_cas;
};

static const char *const kinds[] = { "indexer",      "dlp",      "transcoder", "archiver",
                                     "malware-scan", "recorder", "meeting" };

bool sr_kms_service_kind_known(const char *kind)
{
    for (size_t i = 0; kind != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i], kind) == 0) {
            return true;
        }
    }
    return false;
}

sr_err sr_kms_services_new(struct sr_kms_services **out)
{
    *out = NULL;
    struct sr_kms_services *s = sr_calloc(1, sizeof(*s));
    SR_CHECK(s != NULL, SR_ERR_NOMEM);
    sr_err err = sr_crypto_x509_trust_new(&s->trust);
    if (err != SR_OK) {
        sr_free(s);
        return err;
    }
    *out = s;
    return SR_OK;
}

void sr_kms_services_free(struct sr_kms_services *s)
{
    if (s == NULL) {
        return;
    }
    sr_crypto_x509_trust_free(s->trust);
    sr_free(s);
}

sr_err sr_kms_services_add_pem(struct sr_kms_services *s, struct sr_slice pem)
{
    size_t certs = 0;
    SR_TRY(sr_crypto_x509_trust_add_pem(s->trust, pem, &certs, NULL));
    s->n_cas += certs;
    return SR_OK;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The one service URI (of a known kind) and at most one org URI among the leaf's SANs. */
static bool identity(struct sr_slice leaf, struct sr_kms_principal *out)
{
    char uris[SAN_URIS_MAX][SR_X509_URI_MAX];
    size_t n = 0, services = 0, orgs = 0;
    if (sr_crypto_x509_san_uris(leaf, uris, SAN_URIS_MAX, &n) != SR_OK) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *u = uris[i];
        if (has_prefix(u, SR_KMS_SERVICE_PREFIX)) {
            const char *kind = u + strlen(SR_KMS_SERVICE_PREFIX);
            if (services++ > 0 || !sr_kms_service_kind_known(kind) ||
                strlen(u) >= sizeof(out->user_id)) {
                return false;
            }
            memcpy(out->user_id, u, strlen(u) + 1);
            memcpy(out->service, kind, strlen(kind) + 1);
        } else if (has_prefix(u, SR_KMS_ORG_PREFIX)) {
            const char *org = u + strlen(SR_KMS_ORG_PREFIX);
            if (orgs++ > 0 || org[0] == '\0' || strlen(org) >= sizeof(out->org_id)) {
                return false;
            }
            memcpy(out->org_id, org, strlen(org) + 1);
        }
    }
    return services == 1;
}

/* The pinned header: ES256 with an EC key, PS256 with an RSA key, nothing that names a key. */
static bool header_ok(const json_t *hdr, const json_t *jwk)
{
    static const char *const forbidden[] = { "jwk", "jku", "x5u", "x5c", "crit", "zip" };
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
        if (json_object_get(hdr, forbidden[i]) != NULL) {
            return false;
        }
    }
    return alg != NULL && kty != NULL &&
           ((strcmp(alg, "ES256") == 0 && strcmp(kty, "EC") == 0) ||
            (strcmp(alg, "PS256") == 0 && strcmp(kty, "RSA") == 0));
}

/* The JWK's public members alone, as a cjose key (so no private member is ever imported). */
static cjose_jwk_t *public_key(const json_t *jwk)
{
    static const char *const members[] = { "kty", "crv", "x", "y", "n", "e" };
    json_t *pub = json_object();
    for (size_t i = 0; pub != NULL && i < sizeof(members) / sizeof(members[0]); i++) {
        json_t *v = json_object_get(jwk, members[i]);
        if (v != NULL && (!json_is_string(v) || json_object_set(pub, members[i], v) != 0)) {
            json_decref(pub);
            return NULL;
        }
    }
    char *text = pub != NULL ? json_dumps(pub, JSON_COMPACT) : NULL;
    json_decref(pub);
    cjose_jwk_t *k = text != NULL ? cjose_jwk_import(text, strlen(text), NULL) : NULL;
    sr_free(text);
    return k;
}

static bool signature_ok(const json_t *jwk, const char *proof, size_t len)
{
    cjose_jwk_t *k = public_key(jwk);
    cjose_jws_t *jws = k != NULL ? cjose_jws_import(proof, len, NULL) : NULL;
    bool ok = jws != NULL && cjose_jws_verify(jws, k, NULL);
    cjose_jws_release(jws);
    cjose_jwk_release(k);
    return ok;
}

/* The proof's claims; SR_KMS_AUTHN_EXPIRED for an iat more than 300 s old. */
static enum sr_kms_authn_fail claims_ok(const json_t *c, const struct sr_kms_proof_expect *want,
                                        const char *thumb, int64_t now)
{
    const char *aud = json_string_value(json_object_get(c, "aud"));
    const char *rid = json_string_value(json_object_get(c, "requestId"));
    const char *epk = json_string_value(json_object_get(c, "epk"));
    const json_t *iat = json_object_get(c, "iat");
    if (aud == NULL || rid == NULL || epk == NULL || !json_is_number(iat) ||
        strcmp(aud, want->audience) != 0 || strcmp(rid, want->request_id) != 0 ||
        strcmp(epk, thumb) != 0) {
        return SR_KMS_AUTHN_INVALID;
    }
    double s = json_number_value(iat);
    if (!(s >= 0 && s < 253402300800.0)) {
        return SR_KMS_AUTHN_INVALID;
    }
    int64_t ms = (int64_t)(s * 1000.0);
    if (ms > now + SR_KMS_PROOF_SKEW_MS) {
        return SR_KMS_AUTHN_INVALID;
    }
    return ms < now - SR_KMS_PROOF_SKEW_MS ? SR_KMS_AUTHN_EXPIRED : SR_KMS_AUTHN_OK;
}

/* The proof (KMS.md §6); SR_ERR_AUTH with *why, or SR_ERR_NOMEM. */
static sr_err proof_ok(const json_t *jwk, const json_t *cred,
                       const struct sr_kms_proof_expect *want, int64_t now,
                       enum sr_kms_authn_fail *why)
{
    const char *proof = json_string_value(json_object_get(cred, "proof"));
    size_t len = proof != NULL ? strnlen(proof, SR_KMS_PROOF_MAX + 1) : 0;
    json_t *hdr = NULL, *claims = NULL;
    char thumb[SR_KMS_THUMB_B64];
    *why = SR_KMS_AUTHN_INVALID;
    const char *d1 = len > 0 && len <= SR_KMS_PROOF_MAX ? memchr(proof, '.', len) : NULL;
    const char *d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - proof)) : NULL;
    size_t sig_len = 0;
    sr_err err = SR_ERR_AUTH;
    /* Three parts, the signature in canonical base64url (cjose's decoder is lenient). */
    if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - proof)) != NULL ||
        sr_jose_b64_len(sr_slice_of(d2 + 1, len - (size_t)(d2 + 1 - proof)), &sig_len) != SR_OK) {
        goto out;
    }
    /* The proof names the handshake's own jwk by its thumbprint. */
    err = sr_kms_jwk_thumbprint_b64(want->epk, thumb);
    if (err == SR_OK) {
        err = sr_kms_b64_json(sr_slice_of(proof, (size_t)(d1 - proof)), SR_KMS_PROOF_MAX, &hdr);
    }
    if (err == SR_OK) {
        err = sr_kms_b64_json(sr_slice_of(d1 + 1, (size_t)(d2 - d1 - 1)), SR_KMS_PROOF_MAX,
                              &claims);
    }
    if (err != SR_OK) {
        err = err == SR_ERR_NOMEM ? err : SR_ERR_AUTH;
        goto out;
    }
    if (header_ok(hdr, jwk) && signature_ok(jwk, proof, len)) {
        *why = claims_ok(claims, want, thumb, now);
    }
    err = *why == SR_KMS_AUTHN_OK ? SR_OK : SR_ERR_AUTH;
out:
    json_decref(hdr);
    json_decref(claims);
    return err;
}

/* Chain, key and identity: everything but the proof. SR_ERR_AUTH with *why, or SR_ERR_NOMEM. */
static sr_err chain_ok(const struct sr_kms_services *s, const json_t *jwk, int64_t now,
                       struct sr_kms_principal *out, enum sr_kms_authn_fail *why)
{
    struct sr_kms_x5c x5c;
    struct sr_x509_jwk_key *leaf = sr_calloc(1, sizeof(*leaf));
    enum sr_x509_refusal refusal = SR_X509_UNTRUSTED;
    *why = SR_KMS_AUTHN_INVALID;
    SR_CHECK(leaf != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_x5c_decode(jwk, &x5c);
    if (err == SR_OK) {
        err = sr_crypto_x509_trust_verify(s->trust, x5c.certs, x5c.n, now / 1000,
                                          SR_X509_CLIENT_AUTH, &refusal);
        *why = refusal == SR_X509_EXPIRED ? SR_KMS_AUTHN_EXPIRED : SR_KMS_AUTHN_INVALID;
    }
    if (err == SR_OK) {
        err = sr_crypto_x509_jwk_key(x5c.certs[0], leaf);
    }
    if (err == SR_OK && (!sr_kms_jwk_is_key(jwk, leaf) || !identity(x5c.certs[0], out))) {
        err = SR_ERR_AUTH;
    }
    if (err == SR_OK) {
        out->expires = leaf->not_after * 1000;
    } else if (err != SR_ERR_NOMEM) {
        err = SR_ERR_AUTH;
    }
    sr_kms_x5c_cleanup(&x5c);
    sr_free(leaf);
    return err;
}

sr_err sr_kms_service_verify(const struct sr_kms_services *s, const json_t *cred,
                             const struct sr_kms_proof_expect *proof, int64_t now_ms,
                             struct sr_kms_principal *out, uint8_t thumb[SR_KMS_THUMB_LEN],
                             enum sr_kms_authn_fail *why)
{
    const json_t *jwk = json_object_get(cred, "jwk");
    memset(out, 0, sizeof(*out));
    *why = SR_KMS_AUTHN_INVALID;
    sr_err err = SR_ERR_AUTH;
    if (s != NULL && s->n_cas > 0 && json_is_object(jwk)) {
        err = sr_kms_jwk_thumbprint(jwk, thumb);
        err = err == SR_OK || err == SR_ERR_NOMEM ? err : SR_ERR_AUTH;
    }
    if (err == SR_OK) {
        err = chain_ok(s, jwk, now_ms, out, why);
    }
    if (err == SR_OK && proof != NULL) {
        err = proof_ok(jwk, cred, proof, now_ms, why);
    }
    if (err != SR_OK) {
        memset(out, 0, sizeof(*out));
        memset(thumb, 0, SR_KMS_THUMB_LEN);
        return err;
    }
    *why = SR_KMS_AUTHN_OK;
    return SR_OK;
}
