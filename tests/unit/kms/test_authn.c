/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bearer JWT verification (KMS.md §6) against a JWKS made here: RS256, PS256 and ES256 pass;
 * `none`, HS256, an unknown kid or issuer, a key of the wrong type for the alg, a forged
 * signature, a wrong or missing audience, a missing exp, nbf or iat beyond the 60 s skew,
 * duplicate claims and malformed tokens fail as TOKEN_INVALID; exp passed is TOKEN_EXPIRED;
 * roles and the org claim map as configured; reloading an issuer replaces its keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjose/cjose.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/alloc.h"
#include "kms/authn.h"

#define AUD "kms://kms.example.org"
#define ISS "https://idp.example.org"
#define NOW ((int64_t)1772442000000)

static cjose_jwk_t *rs, *ec, *rogue;
static struct sr_kms_authn *authn;

static char *jwks_of(const cjose_jwk_t *a, const cjose_jwk_t *b)
{
    json_t *keys = json_array();
    const cjose_jwk_t *ks[] = { a, b };
    for (size_t i = 0; i < 2; i++) {
        if (ks[i] != NULL) {
            char *j = cjose_jwk_to_json(ks[i], false, NULL);
            json_array_append_new(keys, json_loads(j, 0, NULL));
            sr_free(j);
        }
    }
    json_t *doc = json_pack("{s:o}", "keys", keys);
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return s;
}

static int setup(void **state)
{
    (void)state;
    rs = cjose_jwk_create_RSA_random(2048, (const uint8_t *)"\x01\x00\x01", 3, NULL);
    ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    rogue = cjose_jwk_create_RSA_random(2048, (const uint8_t *)"\x01\x00\x01", 3, NULL);
    if (rs == NULL || ec == NULL || rogue == NULL || !cjose_jwk_set_kid(rs, "rs1", 3, NULL) ||
        !cjose_jwk_set_kid(ec, "ec1", 3, NULL) || !cjose_jwk_set_kid(rogue, "rs1", 3, NULL) ||
        sr_kms_authn_new(AUD, &authn) != SR_OK) {
        return -1;
    }
    char *jwks = jwks_of(rs, ec);
    sr_err err = sr_kms_authn_set_issuer(authn, ISS, jwks, strlen(jwks));
    sr_free(jwks);
    return err == SR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sr_kms_authn_free(authn);
    cjose_jwk_release(rs);
    cjose_jwk_release(ec);
    cjose_jwk_release(rogue);
    return 0;
}

static json_t *claims(void)
{
    return json_pack("{s:s,s:s,s:[s,s],s:s,s:I,s:I,s:[s,s]}", "iss", ISS, "sub", "alice", "aud",
                     "other", AUD, "org_id", "org-a", "exp", (json_int_t)(NOW / 1000 + 600), "iat",
                     (json_int_t)(NOW / 1000), "roles", "kms.orgAdmin", "kms.kmsAdmin");
}

/* A signed token (consumes c); *out is sr_malloc'd. */
static char *sign(const cjose_jwk_t *key, const char *alg, const char *kid, json_t *c)
{
    json_t *hdr = json_pack("{s:s,s:s}", "alg", alg, "kid", kid);
    char *body = json_dumps(c, JSON_COMPACT);
    cjose_jws_t *jws =
            cjose_jws_sign(key, (cjose_header_t *)hdr, (const uint8_t *)body, strlen(body), NULL);
    const char *ser = NULL;
    assert_non_null(jws);
    assert_true(cjose_jws_export(jws, &ser, NULL));
    char *out = sr_malloc(strlen(ser) + 1);
    memcpy(out, ser, strlen(ser) + 1);
    cjose_jws_release(jws);
    sr_free(body);
    json_decref(hdr);
    json_decref(c);
    return out;
}

static enum sr_kms_authn_fail check(char *jwt, struct sr_kms_principal *p)
{
    enum sr_kms_authn_fail why = SR_KMS_AUTHN_OK;
    sr_err err = sr_kms_authn_bearer(authn, jwt, NOW, p, &why);
    assert_true((err == SR_OK) == (why == SR_KMS_AUTHN_OK));
    if (err != SR_OK) {
        assert_string_equal(p->user_id, "");
    }
    sr_free(jwt);
    return why;
}

static void test_good(void **state)
{
    struct sr_kms_principal p;
    (void)state;
    assert_int_equal(check(sign(rs, "RS256", "rs1", claims()), &p), SR_KMS_AUTHN_OK);
    assert_string_equal(p.user_id, "alice");
    assert_string_equal(p.org_id, "org-a");
    assert_int_equal(p.roles, SR_KMS_ROLE_ORG_ADMIN | SR_KMS_ROLE_KMS_ADMIN);
    assert_int_equal(p.expires, NOW + 600000);
    assert_int_equal(check(sign(rs, "PS256", "rs1", claims()), &p), SR_KMS_AUTHN_OK);
    assert_int_equal(check(sign(ec, "ES256", "ec1", claims()), &p), SR_KMS_AUTHN_OK);
    /* A single-string aud and iat/nbf just inside the skew. */
    json_t *c = claims();
    json_object_set_new(c, "aud", json_string(AUD));
    json_object_set_new(c, "nbf", json_integer(NOW / 1000 + 59));
    assert_int_equal(check(sign(rs, "RS256", "rs1", c), &p), SR_KMS_AUTHN_OK);
}

static void test_claims(void **state)
{
    struct sr_kms_principal p;
    (void)state;
    static const char *const drop[] = { "exp", "aud", "sub", "iss", "org_id" };
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
        json_t *c = claims();
        json_object_del(c, drop[i]);
        assert_int_equal(check(sign(rs, "RS256", "rs1", c), &p), SR_KMS_AUTHN_INVALID);
    }
    json_t *c = claims();
    json_object_set_new(c, "exp", json_integer(NOW / 1000));
    assert_int_equal(check(sign(rs, "RS256", "rs1", c), &p), SR_KMS_AUTHN_EXPIRED);
    c = claims();
    json_object_set_new(c, "nbf", json_integer(NOW / 1000 + 61));
    assert_int_equal(check(sign(rs, "RS256", "rs1", c), &p), SR_KMS_AUTHN_INVALID);
    c = claims();
    json_object_set_new(c, "iat", json_integer(NOW / 1000 + 61));
    assert_int_equal(check(sign(rs, "RS256", "rs1", c), &p), SR_KMS_AUTHN_INVALID);
    c = claims();
    json_object_set_new(c, "aud", json_string("kms://elsewhere"));
    assert_int_equal(check(sign(rs, "RS256", "rs1", c), &p), SR_KMS_AUTHN_INVALID);
    c = claims();
    json_object_set_new(c, "iss", json_string("https://evil"));
    assert_int_equal(check(sign(rs, "RS256", "rs1", c), &p), SR_KMS_AUTHN_INVALID);
    c = claims();
    json_object_set_new(c, "exp", json_string("tomorrow"));
    assert_int_equal(check(sign(rs, "RS256", "rs1", c), &p), SR_KMS_AUTHN_INVALID);
}

static void test_keys_and_algs(void **state)
{
    struct sr_kms_principal p;
    (void)state;
    assert_int_equal(check(sign(rogue, "RS256", "rs1", claims()), &p), SR_KMS_AUTHN_INVALID);
    assert_int_equal(check(sign(rs, "RS256", "nope", claims()), &p), SR_KMS_AUTHN_INVALID);
    assert_int_equal(check(sign(rs, "RS512", "rs1", claims()), &p), SR_KMS_AUTHN_INVALID);
    /* The kid of an EC key with an RSA alg, and the other way round. */
    assert_int_equal(check(sign(rs, "RS256", "ec1", claims()), &p), SR_KMS_AUTHN_INVALID);
    assert_int_equal(check(sign(ec, "ES256", "rs1", claims()), &p), SR_KMS_AUTHN_INVALID);
    /* alg none: header {"alg":"none","kid":"rs1"}, empty signature. */
    static const char none[] = "eyJhbGciOiJub25lIiwia2lkIjoicnMxIn0.e30.";
    char *copy = sr_malloc(strlen(none) + 1);
    memcpy(copy, none, strlen(none) + 1);
    assert_int_equal(check(copy, &p), SR_KMS_AUTHN_INVALID);
}

static void test_malformed(void **state)
{
    struct sr_kms_principal p;
    enum sr_kms_authn_fail why;
    (void)state;
    static const char *const bad[] = { "", "a", "a.b", "a.b.c.d", "...", "e30.e30.", "!!.e30.x" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sr_kms_authn_bearer(authn, bad[i], NOW, &p, &why), SR_ERR_AUTH);
        assert_int_equal(why, SR_KMS_AUTHN_INVALID);
    }
    assert_int_equal(sr_kms_authn_bearer(authn, NULL, NOW, &p, &why), SR_ERR_AUTH);
    /* Every truncation of a good token fails. */
    char *good = sign(ec, "ES256", "ec1", claims());
    for (size_t n = 0; n < strlen(good); n++) {
        char *t = sr_malloc(n + 1);
        memcpy(t, good, n);
        t[n] = '\0';
        assert_int_not_equal(check(t, &p), SR_KMS_AUTHN_OK);
    }
    sr_free(good);
}

static void test_reload(void **state)
{
    struct sr_kms_principal p;
    (void)state;
    /* The IdP rotates: only the EC key stays; the RSA token stops verifying. */
    char *jwks = jwks_of(ec, NULL);
    assert_int_equal(sr_kms_authn_set_issuer(authn, ISS, jwks, strlen(jwks)), SR_OK);
    sr_free(jwks);
    assert_int_equal(check(sign(rs, "RS256", "rs1", claims()), &p), SR_KMS_AUTHN_INVALID);
    assert_int_equal(check(sign(ec, "ES256", "ec1", claims()), &p), SR_KMS_AUTHN_OK);
    /* A bad JWKS changes nothing. */
    static const char *const bad[] = { "{}", "{\"keys\":[{\"kty\":\"RSA\"}]}", "[",
                                       "{\"keys\":[],\"keys\":[]}" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sr_kms_authn_set_issuer(authn, ISS, bad[i], strlen(bad[i])),
                         SR_ERR_DECODE);
    }
    assert_int_equal(check(sign(ec, "ES256", "ec1", claims()), &p), SR_KMS_AUTHN_OK);
    /* Other claim names. */
    assert_int_equal(sr_kms_authn_set_claims(authn, "tenant", "groups"), SR_OK);
    json_t *c = claims();
    json_object_set_new(c, "tenant", json_string("org-t"));
    json_object_set_new(c, "groups", json_pack("[s]", "kms.orgAgent"));
    assert_int_equal(check(sign(ec, "ES256", "ec1", c), &p), SR_KMS_AUTHN_OK);
    assert_string_equal(p.org_id, "org-t");
    assert_int_equal(p.roles, SR_KMS_ROLE_ORG_AGENT);
    assert_int_equal(sr_kms_authn_set_claims(authn, "org_id", "roles"), SR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),          cmocka_unit_test(test_claims),
        cmocka_unit_test(test_keys_and_algs), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_reload),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
