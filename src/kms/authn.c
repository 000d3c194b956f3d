/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bearer JWT verification (KMS.md §6, RFC 7519 §7.2). The header and the claims are parsed
 * with the strict KMS JSON parser (duplicate members refused) and the alg is pinned before
 * cjose sees the token; the signature is checked with the issuer's key of that kid, and only
 * then are the claims believed.
 */
#include "kms/authn.h"

#include <string.h>

#include <cjose/cjose.h>

#include "core/alloc.h"
#include "kms/jose_int.h"
#include "kms/jwk.h"

#define ISSUERS_MAX 16
#define KEYS_MAX    64

struct jwks_key {
    char kid[SR_STORE_ID_MAX];
    cjose_jwk_t *jwk;
};

struct issuer {
    char iss[SR_STORE_ID_MAX];
    struct jwks_key keys[KEYS_MAX];
    size_t n;
};

struct sr_kms_authn {
    char audience[SR_STORE_ID_MAX];
    char org_claim[SR_STORE_NAME_MAX];
    char roles_claim[SR_STORE_NAME_MAX];
    struct issuer iss[ISSUERS_MAX];
    size_t n_iss;
    uint64_t generation;
};

uint64_t sr_kms_authn_generation(const struct sr_kms_authn *a)
{
    return a->generation;
}

/* The algorithms a bearer may use and the key type each needs. */
static const struct {
    const char *alg;
    cjose_jwk_kty_t kty;
} algs[] = {
    { "RS256", CJOSE_JWK_KTY_RSA },
    { "PS256", CJOSE_JWK_KTY_RSA },
    { "ES256", CJOSE_JWK_KTY_EC },
};

/* KMS role names in the roles claim. */
static const struct {
    const char *name;
    unsigned bit;
} roles[] = {
    { "kms.orgAdmin", SR_KMS_ROLE_ORG_ADMIN },
    { "kms.orgAgent", SR_KMS_ROLE_ORG_AGENT },
    { "kms.kmsAdmin", SR_KMS_ROLE_KMS_ADMIN },
};

static bool set_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

sr_err sr_kms_authn_new(const char *audience, struct sr_kms_authn **out)
{
    *out = NULL;
    SR_CHECK(audience != NULL, SR_ERR_ARG);
    struct sr_kms_authn *a = sr_calloc(1, sizeof(*a));
    SR_CHECK(a != NULL, SR_ERR_NOMEM);
    if (!set_str(a->audience, sizeof(a->audience), audience)) {
        sr_free(a);
        return SR_ERR_LIMIT;
    }
    (void)set_str(a->org_claim, sizeof(a->org_claim), "org_id");
    (void)set_str(a->roles_claim, sizeof(a->roles_claim), "roles");
    *out = a;
    return SR_OK;
}

static void issuer_clear(struct issuer *is)
{
    for (size_t i = 0; i < is->n; i++) {
        cjose_jwk_release(is->keys[i].jwk);
    }
    is->n = 0;
}

void sr_kms_authn_free(struct sr_kms_authn *a)
{
    if (a == NULL) {
        return;
    }
    for (size_t i = 0; i < a->n_iss; i++) {
        issuer_clear(&a->iss[i]);
    }
    sr_free(a);
}

sr_err sr_kms_authn_set_claims(struct sr_kms_authn *a, const char *org_claim,
                               const char *roles_claim)
{
    char org[SR_STORE_NAME_MAX], rol[SR_STORE_NAME_MAX];
    SR_CHECK(set_str(org, sizeof(org), org_claim) && set_str(rol, sizeof(rol), roles_claim),
             SR_ERR_LIMIT);
    memcpy(a->org_claim, org, sizeof(org));
    memcpy(a->roles_claim, rol, sizeof(rol));
    a->generation++;
    return SR_OK;
}

/* Import every key of a parsed JWKS into `is` (empty on entry). */
static sr_err import_keys(const json_t *doc, struct issuer *is)
{
    const json_t *keys = json_object_get(doc, "keys");
    SR_CHECK(json_is_array(keys) && json_array_size(keys) <= KEYS_MAX, SR_ERR_DECODE);
    for (size_t i = 0; i < json_array_size(keys); i++) {
        json_t *k = json_array_get(keys, i);
        const json_t *kid = json_object_get(k, "kid");
        SR_CHECK(json_is_string(kid), SR_ERR_DECODE);
        struct jwks_key *dst = &is->keys[is->n];
        SR_CHECK(set_str(dst->kid, sizeof(dst->kid), json_string_value(kid)), SR_ERR_DECODE);
        dst->jwk = cjose_jwk_import_json((cjose_header_t *)k, NULL);
        SR_CHECK(dst->jwk != NULL, SR_ERR_DECODE);
        is->n++;
    }
    return SR_OK;
}

/* The index of issuer `iss`, or a->n_iss when it is not configured. */
static size_t find_issuer(const struct sr_kms_authn *a, const char *iss)
{
    size_t i = 0;
    while (i < a->n_iss && strcmp(a->iss[i].iss, iss) != 0) {
        i++;
    }
    return i;
}

sr_err sr_kms_authn_set_issuer(struct sr_kms_authn *a, const char *iss, const char *jwks,
                               size_t len)
{
    json_t *doc = NULL;
    struct issuer *fresh = sr_calloc(1, sizeof(*fresh));
    SR_CHECK(fresh != NULL, SR_ERR_NOMEM);
    sr_err err = SR_ERR_LIMIT;
    size_t at = find_issuer(a, iss);
    if (!set_str(fresh->iss, sizeof(fresh->iss), iss) || at == ISSUERS_MAX) {
        goto out;
    }
    err = sr_jose_json_parse(sr_slice_of(jwks, len), &doc, NULL);
    if (err == SR_OK) {
        err = import_keys(doc, fresh);
    }
    if (err != SR_OK) {
        goto out;
    }
    if (at == a->n_iss) {
        a->n_iss++;
    } else {
        issuer_clear(&a->iss[at]);
    }
    a->iss[at] = *fresh;
    fresh->n = 0;
    a->generation++;
out:
    issuer_clear(fresh);
    sr_free(fresh);
    json_decref(doc);
    return err;
}

/* Split a compact JWS into header and payload parts (three parts, two dots). */
static sr_err split(const char *jwt, size_t len, struct sr_slice *hdr, struct sr_slice *pay)
{
    const char *d1 = memchr(jwt, '.', len);
    SR_CHECK(d1 != NULL, SR_ERR_DECODE);
    const char *rest = d1 + 1;
    const char *d2 = memchr(rest, '.', len - (size_t)(rest - jwt));
    SR_CHECK(d2 != NULL, SR_ERR_DECODE);
    SR_CHECK(memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jwt)) == NULL, SR_ERR_DECODE);
    *hdr = sr_slice_of(jwt, (size_t)(d1 - jwt));
    *pay = sr_slice_of(rest, (size_t)(d2 - rest));
    return SR_OK;
}

/* The issuer's key named by the header, of the type its pinned alg needs. */
static const cjose_jwk_t *header_key(const struct sr_kms_authn *a, const json_t *hdr,
                                     const char *iss)
{
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    size_t at = iss != NULL ? find_issuer(a, iss) : a->n_iss;
    if (alg == NULL || kid == NULL || at == a->n_iss || json_object_get(hdr, "crit") != NULL) {
        return NULL;
    }
    const struct issuer *is = &a->iss[at];
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcmp(algs[i].alg, alg) != 0) {
            continue;
        }
        for (size_t k = 0; k < is->n; k++) {
            if (strcmp(is->keys[k].kid, kid) == 0 &&
                cjose_jwk_get_kty(is->keys[k].jwk, NULL) == algs[i].kty) {
                return is->keys[k].jwk;
            }
        }
    }
    return NULL;
}

static bool signature_ok(const cjose_jwk_t *jwk, const char *jwt, size_t len)
{
    cjose_jws_t *jws = cjose_jws_import(jwt, len, NULL);
    bool ok = jws != NULL && cjose_jws_verify(jws, jwk, NULL);
    cjose_jws_release(jws);
    return ok;
}

static bool aud_ok(const struct sr_kms_authn *a, const json_t *aud)
{
    if (json_is_string(aud)) {
        return strcmp(json_string_value(aud), a->audience) == 0;
    }
    for (size_t i = 0; json_is_array(aud) && i < json_array_size(aud); i++) {
        const char *s = json_string_value(json_array_get(aud, i));
        if (s != NULL && strcmp(s, a->audience) == 0) {
            return true;
        }
    }
    return false;
}

static unsigned role_bits(const json_t *v)
{
    unsigned bits = 0;
    for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++) {
        const char *s = json_string_value(json_array_get(v, i));
        for (size_t r = 0; s != NULL && r < sizeof(roles) / sizeof(roles[0]); r++) {
            if (strcmp(s, roles[r].name) == 0) {
                bits |= roles[r].bit;
            }
        }
    }
    return bits;
}

/* A NumericDate claim in ms; false when present with another type or out of range. */
static bool claim_time(const json_t *c, const char *name, int64_t *ms, bool *present)
{
    const json_t *v = json_object_get(c, name);
    *present = v != NULL;
    *ms = 0;
    if (v == NULL) {
        return true;
    }
    if (!json_is_number(v)) {
        return false;
    }
    double s = json_number_value(v);
    if (!(s >= 0 && s < 253402300800.0)) {
        return false;
    }
    *ms = (int64_t)(s * 1000.0);
    return true;
}

/* RFC 7519 §4.1 checks of verified claims, then the principal. */
static enum sr_kms_authn_fail check_claims(const struct sr_kms_authn *a, const json_t *c,
                                           int64_t now, struct sr_kms_principal *p)
{
    int64_t exp, nbf, iat;
    bool has_exp, has_nbf, has_iat;
    if (!claim_time(c, "exp", &exp, &has_exp) || !claim_time(c, "nbf", &nbf, &has_nbf) ||
        !claim_time(c, "iat", &iat, &has_iat) || !has_exp ||
        !aud_ok(a, json_object_get(c, "aud"))) {
        return SR_KMS_AUTHN_INVALID;
    }
    if ((has_nbf && nbf > now + SR_KMS_SKEW_MS) || (has_iat && iat > now + SR_KMS_SKEW_MS)) {
        return SR_KMS_AUTHN_INVALID;
    }
    if (now >= exp) {
        return SR_KMS_AUTHN_EXPIRED;
    }
    const char *sub = json_string_value(json_object_get(c, "sub"));
    const char *org = json_string_value(json_object_get(c, a->org_claim));
    if (sub == NULL || org == NULL || !set_str(p->user_id, sizeof(p->user_id), sub) ||
        !set_str(p->org_id, sizeof(p->org_id), org)) {
        return SR_KMS_AUTHN_INVALID;
    }
    p->roles = role_bits(json_object_get(c, a->roles_claim));
    p->expires = exp;
    return SR_KMS_AUTHN_OK;
}

sr_err sr_kms_authn_bearer(const struct sr_kms_authn *a, const char *jwt, int64_t now_ms,
                           struct sr_kms_principal *out, enum sr_kms_authn_fail *why)
{
    json_t *hdr = NULL, *claims = NULL;
    struct sr_slice h, pay;
    size_t len = jwt != NULL ? strnlen(jwt, SR_KMS_JWT_MAX + 1) : 0;
    memset(out, 0, sizeof(*out));
    *why = SR_KMS_AUTHN_INVALID;
    sr_err err = SR_ERR_AUTH;
    if (len == 0 || len > SR_KMS_JWT_MAX || split(jwt, len, &h, &pay) != SR_OK) {
        goto out;
    }
    err = sr_kms_b64_json(h, SR_KMS_JWT_MAX, &hdr);
    if (err == SR_OK) {
        err = sr_kms_b64_json(pay, SR_KMS_JWT_MAX, &claims);
    }
    if (err != SR_OK) {
        err = err == SR_ERR_NOMEM ? err : SR_ERR_AUTH;
        goto out;
    }
    err = SR_ERR_AUTH;
    const cjose_jwk_t *jwk = header_key(a, hdr, json_string_value(json_object_get(claims, "iss")));
    if (jwk == NULL || !signature_ok(jwk, jwt, len)) {
        goto out;
    }
    *why = check_claims(a, claims, now_ms, out);
    err = *why == SR_KMS_AUTHN_OK ? SR_OK : SR_ERR_AUTH;
out:
    if (err != SR_OK) {
        memset(out, 0, sizeof(*out));
    }
    json_decref(hdr);
    json_decref(claims);
    return err;
}
