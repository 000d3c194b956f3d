/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service principals (KMS.md §6) and the X.509 helpers under them (crypto/x509_jwk.h,
 * kms/jwk.h). A PKI is built here with OpenSSL: a service CA, a second untrusted CA, P-256
 * service certificates with SAN URIs naming the service and its org, and a CRL. The service
 * credential {jwk + x5c, proof} is then checked: a good one passes with the right identity, and
 * each fault (expired, not yet valid, revoked, untrusted, wrong key usage, a JWK that is not
 * the leaf's key, an unknown kind, two service URIs, a proof by another key, for another
 * request, audience or ephemeral key, stale or from the future, truncated or altered, a
 * forbidden header) is refused with TOKEN_EXPIRED or TOKEN_INVALID as KMS.md §4 says.
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjose/cjose.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sealroom/kms.h>

#include "core/alloc.h"
#include "crypto/pem.h"
#include "crypto/x509_jwk.h"
#include "kms/authn_service.h"
#include "kms/jose_int.h"
#include "kms/jwk.h"
#include "pki_fixture.h"
#include "testutil.h"

#define CLUSTER "kms://kms.example.org"
#define T0      ((int64_t)1772442000) /* 2026-03-02T09:00:00Z, seconds */
#define DAY     ((int64_t)86400)
#define NOW_MS  (T0 * 1000)

/* ---- a PKI made with OpenSSL ------------------------------------------------------------ */

/* ---- the fixture ------------------------------------------------------------------------ */

static EVP_PKEY *ca_key, *rogue_key, *svc_key, *other_key;
static X509 *ca, *rogue;
static char *ca_pem, *ca_crl_pem;
static json_t *epk; /* a handshake's ephemeral key */

static const char *const indexer_san =
        "URI:urn:sealroom:service:indexer,URI:urn:sealroom:org:org-a";

/* Leaves made for one test, freed at its end (pool_free). */
static X509 *pool[32];
static size_t n_pool;

static X509 *leaf(const char *san, int64_t from, int64_t to, long serial, EVP_PKEY *key)
{
    struct spec s = { "svc", san, "clientAuth", NULL, false, from, to, serial };
    X509 *x = issue(&s, key != NULL ? key : svc_key, ca, ca_key);
    assert_true(n_pool < sizeof(pool) / sizeof(pool[0]));
    pool[n_pool++] = x;
    return x;
}

static void pool_free(void)
{
    while (n_pool > 0) {
        X509_free(pool[--n_pool]);
    }
}

static int setup(void **state)
{
    (void)state;
    ca_key = p256();
    rogue_key = p256();
    svc_key = p256();
    other_key = p256();
    struct spec c = { "Service CA", NULL, NULL, NULL, true, T0 - 30 * DAY, T0 + 365 * DAY, 1 };
    ca = issue(&c, ca_key, NULL, ca_key);
    struct spec r = { "Rogue CA", NULL, NULL, NULL, true, T0 - 30 * DAY, T0 + 365 * DAY, 1 };
    rogue = issue(&r, rogue_key, NULL, rogue_key);
    ca_pem = pem_of(ca, NULL);
    X509_CRL *crl = crl_revoking(ca, ca_key, 66, T0);
    ca_crl_pem = pem_of(ca, crl);
    X509_CRL_free(crl);
    epk = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "x",
                    "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0", "y",
                    "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(rogue_key);
    EVP_PKEY_free(svc_key);
    EVP_PKEY_free(other_key);
    X509_free(ca);
    X509_free(rogue);
    sr_free(ca_pem);
    sr_free(ca_crl_pem);
    json_decref(epk);
    return 0;
}

static json_t *claims(const char *aud, const char *rid, int64_t iat_s, const json_t *e)
{
    char th[SR_KMS_THUMB_B64];
    assert_int_equal(sr_kms_jwk_thumbprint_b64(e, th), SR_OK);
    return json_pack("{s:s,s:s,s:I,s:s}", "aud", aud, "requestId", rid, "iat", (json_int_t)iat_s,
                     "epk", th);
}

static json_t *es256(void)
{
    return json_pack("{s:s}", "alg", "ES256");
}

/* The credential {jwk (of svc_key, x5c = cert), proof (by `signer`)}. */
static json_t *credential(X509 *cert, EVP_PKEY *signer, json_t *hdr, json_t *cl)
{
    json_t *jwk = jwk_of(svc_key, false, &cert, 1);
    char *proof = sign(signer != NULL ? signer : svc_key, hdr != NULL ? hdr : es256(),
                       cl != NULL ? cl : claims(CLUSTER, "hs-1", T0, epk));
    json_t *c = json_pack("{s:o,s:s}", "jwk", jwk, "proof", proof);
    sr_free(proof);
    return c;
}

static struct sr_kms_services *services(const char *pem)
{
    struct sr_kms_services *s = NULL;
    assert_int_equal(sr_kms_services_new(&s), SR_OK);
    assert_int_equal(sr_kms_services_add_pem(s, sr_slice_of(pem, strlen(pem))), SR_OK);
    return s;
}

static const struct sr_kms_proof_expect expect_hs1 = { CLUSTER, "hs-1", NULL };

/* Verify `cred` (consumed) as a handshake at NOW_MS; returns why. */
static enum sr_kms_authn_fail verify(const struct sr_kms_services *s, json_t *cred,
                                     struct sr_kms_principal *who)
{
    struct sr_kms_proof_expect want = expect_hs1;
    uint8_t thumb[SR_KMS_THUMB_LEN];
    enum sr_kms_authn_fail why = SR_KMS_AUTHN_OK;
    want.epk = epk;
    sr_err err = sr_kms_service_verify(s, cred, &want, NOW_MS, who, thumb, &why);
    assert_int_equal(err == SR_OK, why == SR_KMS_AUTHN_OK);
    if (err != SR_OK) {
        assert_int_equal(err, SR_ERR_AUTH);
        assert_string_equal(who->user_id, ""); /* nothing is output on a refusal */
    }
    json_decref(cred);
    return why;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void thumbprint_rfc7638(void **state)
{
    (void)state;
    /* RFC 7638 §3.1. */
    json_t *j = json_pack(
            "{s:s,s:s,s:s,s:s,s:s}", "kty", "RSA", "alg", "RS256", "kid", "2011-04-29", "e", "AQAB",
            "n",
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc"
            "_"
            "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-"
            "65YGjQR0_"
            "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
            "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
            "kEgU8awapJzKnqDKgw");
    char th[SR_KMS_THUMB_B64];
    assert_int_equal(sr_kms_jwk_thumbprint_b64(j, th), SR_OK);
    assert_string_equal(th, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    /* A member that is not canonical base64url, another curve, no kty: refused. */
    json_object_set_new(j, "e", json_string("AQAB\"x"));
    assert_int_equal(sr_kms_jwk_thumbprint_b64(j, th), SR_ERR_DECODE);
    json_decref(j);
    j = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-384", "x", "AA", "y", "AA");
    assert_int_equal(sr_kms_jwk_thumbprint_b64(j, th), SR_ERR_UNSUPPORTED);
    json_object_del(j, "kty");
    assert_int_equal(sr_kms_jwk_thumbprint_b64(j, th), SR_ERR_DECODE);
    json_decref(j);
}

static void x5c_decoding(void **state)
{
    (void)state;
    struct sr_kms_x5c x5c;
    X509 *l = leaf(indexer_san, T0 - DAY, T0 + DAY, 10, NULL);
    json_t *j = jwk_of(svc_key, false, &l, 1);
    assert_int_equal(sr_kms_x5c_decode(j, &x5c), SR_OK);
    assert_int_equal(x5c.n, 1);
    struct sr_buf der;
    der_of(l, &der);
    assert_memory_equal(x5c.certs[0].p, der.p, der.len);
    sr_kms_x5c_cleanup(&x5c);
    sr_buf_cleanup(&der);
    /* base64url characters, bad padding, a non-string, an empty or too long array. */
    const char *bad[] = { "AB-_", "AAA", "AA=A", "====" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object_set_new(j, "x5c", json_pack("[s]", bad[i]));
        assert_int_equal(sr_kms_x5c_decode(j, &x5c), SR_ERR_DECODE);
        sr_kms_x5c_cleanup(&x5c);
    }
    json_object_set_new(j, "x5c", json_pack("[i]", 1));
    assert_int_equal(sr_kms_x5c_decode(j, &x5c), SR_ERR_DECODE);
    sr_kms_x5c_cleanup(&x5c);
    json_object_set_new(j, "x5c", json_array());
    assert_int_equal(sr_kms_x5c_decode(j, &x5c), SR_ERR_DECODE);
    json_t *many = json_array();
    for (int i = 0; i <= SR_KMS_X5C_MAX; i++) {
        json_array_append_new(many, json_string("AAAA"));
    }
    json_object_set_new(j, "x5c", many);
    assert_int_equal(sr_kms_x5c_decode(j, &x5c), SR_ERR_LIMIT);
    json_object_del(j, "x5c");
    assert_int_equal(sr_kms_x5c_decode(j, &x5c), SR_ERR_NOT_FOUND);
    json_decref(j);
    pool_free();
}

static void chain_verdicts(void **state)
{
    (void)state;
    struct sr_x509_trust *t = NULL, *with_crl = NULL;
    enum sr_x509_refusal why;
    size_t certs = 0, crls = 0;
    assert_int_equal(sr_crypto_x509_trust_new(&t), SR_OK);
    assert_int_equal(
            sr_crypto_x509_trust_add_pem(t, sr_slice_of(ca_pem, strlen(ca_pem)), &certs, &crls),
            SR_OK);
    assert_int_equal(certs, 1);
    assert_int_equal(crls, 0);
    assert_int_equal(sr_crypto_x509_trust_new(&with_crl), SR_OK);
    assert_int_equal(sr_crypto_x509_trust_add_pem(
                             with_crl, sr_slice_of(ca_crl_pem, strlen(ca_crl_pem)), &certs, &crls),
                     SR_OK);
    assert_int_equal(crls, 1);
    assert_int_equal(sr_crypto_x509_trust_add_pem(t, sr_slice_of("junk", 4), NULL, NULL),
                     SR_ERR_DECODE);

    struct {
        X509 *x;
        const struct sr_x509_trust *t;
        sr_err err;
        enum sr_x509_refusal why;
    } cases[] = {
        { leaf(indexer_san, T0 - DAY, T0 + DAY, 10, NULL), t, SR_OK, SR_X509_TRUSTED },
        { leaf(indexer_san, T0 - DAY, T0 + DAY, 10, NULL), with_crl, SR_OK, SR_X509_TRUSTED },
        { leaf(indexer_san, T0 - 9 * DAY, T0 - DAY, 11, NULL), t, SR_ERR_DENIED, SR_X509_EXPIRED },
        { leaf(indexer_san, T0 + DAY, T0 + 9 * DAY, 12, NULL), t, SR_ERR_DENIED, SR_X509_NOT_YET },
        { leaf(indexer_san, T0 - DAY, T0 + DAY, 66, NULL), with_crl, SR_ERR_DENIED,
          SR_X509_REVOKED },
        /* Revocation is only known with the CRL. */
        { leaf(indexer_san, T0 - DAY, T0 + DAY, 66, NULL), t, SR_OK, SR_X509_TRUSTED },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sr_buf der;
        der_of(cases[i].x, &der);
        struct sr_slice s = sr_buf_slice(&der);
        assert_int_equal(
                sr_crypto_x509_trust_verify(cases[i].t, &s, 1, T0, SR_X509_CLIENT_AUTH, &why),
                cases[i].err);
        assert_int_equal(why, cases[i].why);
        sr_buf_cleanup(&der);
    }

    /* Untrusted issuer; server-only EKU and keyEncipherment-only KU for client auth. */
    struct spec r = { "svc", indexer_san, "clientAuth", NULL, false, T0 - DAY, T0 + DAY, 20 };
    struct spec srv = { "svc", indexer_san, "serverAuth", NULL, false, T0 - DAY, T0 + DAY, 21 };
    struct spec enc = { "svc", indexer_san, NULL,     "critical,keyEncipherment",
                        false, T0 - DAY,    T0 + DAY, 22 };
    X509 *xs[] = { issue(&r, svc_key, rogue, rogue_key), issue(&srv, svc_key, ca, ca_key),
                   issue(&enc, svc_key, ca, ca_key) };
    enum sr_x509_refusal want[] = { SR_X509_UNTRUSTED, SR_X509_WRONG_USE, SR_X509_WRONG_USE };
    for (size_t i = 0; i < 3; i++) {
        struct sr_buf der;
        der_of(xs[i], &der);
        struct sr_slice s = sr_buf_slice(&der);
        assert_int_equal(sr_crypto_x509_trust_verify(t, &s, 1, T0, SR_X509_CLIENT_AUTH, &why),
                         SR_ERR_DENIED);
        assert_int_equal(why, want[i]);
        /* With no purpose, only the untrusted one is refused. */
        assert_int_equal(sr_crypto_x509_trust_verify(t, &s, 1, T0, SR_X509_ANY, &why),
                         i == 0 ? SR_ERR_DENIED : SR_OK);
        /* A certificate cut short at any point does not parse. */
        for (size_t cut = 0; cut < der.len; cut += 97) {
            struct sr_slice part = sr_slice_of(der.p, cut);
            assert_int_equal(sr_crypto_x509_trust_verify(t, &part, 1, T0, SR_X509_ANY, &why),
                             SR_ERR_DECODE);
        }
        sr_buf_cleanup(&der);
        X509_free(xs[i]);
    }
    struct sr_slice none = { 0 };
    assert_int_equal(sr_crypto_x509_trust_verify(t, &none, 0, T0, SR_X509_ANY, &why), SR_ERR_ARG);
    sr_crypto_x509_trust_free(t);
    sr_crypto_x509_trust_free(with_crl);
    pool_free();
}

static void names_and_keys(void **state)
{
    (void)state;
    char uris[4][SR_X509_URI_MAX];
    size_t n = 0;
    bool match = false;
    struct spec s = { "kms.example.org",
                      "DNS:kms.example.org,URI:urn:a,email:x@y,URI:urn:b",
                      NULL,
                      NULL,
                      false,
                      T0 - DAY,
                      T0 + DAY,
                      5 };
    X509 *x = issue(&s, svc_key, ca, ca_key);
    struct sr_buf der;
    der_of(x, &der);
    assert_int_equal(sr_crypto_x509_san_uris(sr_buf_slice(&der), uris, 4, &n), SR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(uris[0], "urn:a");
    assert_string_equal(uris[1], "urn:b");
    assert_int_equal(sr_crypto_x509_san_uris(sr_buf_slice(&der), uris, 1, &n), SR_ERR_LIMIT);
    assert_int_equal(n, 0);
    assert_int_equal(sr_crypto_x509_for_host(sr_buf_slice(&der), "kms.example.org", &match), SR_OK);
    assert_true(match);
    assert_int_equal(sr_crypto_x509_for_host(sr_buf_slice(&der), "evil.example.org", &match),
                     SR_OK);
    assert_false(match);

    struct sr_x509_jwk_key *k = sr_calloc(1, sizeof(*k));
    assert_int_equal(sr_crypto_x509_jwk_key(sr_buf_slice(&der), k), SR_OK);
    assert_int_equal(k->kty, SR_X509_KEY_P256);
    assert_int_equal(k->not_after, T0 + DAY);
    json_t *mine = jwk_of(svc_key, false, NULL, 0), *other = jwk_of(other_key, false, NULL, 0);
    assert_true(sr_kms_jwk_is_key(mine, k));
    assert_false(sr_kms_jwk_is_key(other, k));
    json_object_set_new(mine, "crv", json_string("P-384"));
    assert_false(sr_kms_jwk_is_key(mine, k));
    json_decref(mine);
    json_decref(other);
    sr_free(k);
    sr_buf_cleanup(&der);
    X509_free(x);
}

/* The development certificate of an RSA static key verifies with itself as anchor. */
static void self_issued_rsa(void **state)
{
    (void)state;
    struct sr_jose_key *key = NULL;
    char *priv = NULL;
    assert_int_equal(sr_jose_key_rsa_generate(2048, &key), SR_OK);
    assert_int_equal(sr_jose_key_export(key, true, &priv), SR_OK);
    json_t *j = json_loads(priv, 0, NULL);
    struct sr_buf m[3], der;
    const char *names[] = { "n", "e", "d" };
    for (int i = 0; i < 3; i++) {
        const char *v = json_string_value(json_object_get(j, names[i]));
        sr_buf_init(&m[i], 0, SR_BUF_WIPE);
        assert_int_equal(sr_jose_b64_decode(sr_slice_of(v, strlen(v)), &m[i]), SR_OK);
    }
    struct sr_x509_self_rsa c = { sr_buf_slice(&m[0]),
                                  sr_buf_slice(&m[1]),
                                  sr_buf_slice(&m[2]),
                                  "kms.example.org",
                                  T0 - DAY,
                                  T0 + DAY,
                                  7 };
    sr_buf_init(&der, 0, 0);
    assert_int_equal(sr_crypto_x509_self_issue_rsa(&c, &der), SR_OK);
    struct sr_x509_trust *t = NULL;
    enum sr_x509_refusal why;
    assert_int_equal(sr_crypto_x509_trust_new(&t), SR_OK);
    assert_int_equal(sr_crypto_x509_trust_add_der(t, sr_buf_slice(&der)), SR_OK);
    struct sr_slice s = sr_buf_slice(&der);
    assert_int_equal(sr_crypto_x509_trust_verify(t, &s, 1, T0, SR_X509_ANY, &why), SR_OK);
    bool match = false;
    assert_int_equal(sr_crypto_x509_for_host(s, "kms.example.org", &match), SR_OK);
    assert_true(match);
    struct sr_x509_jwk_key *k = sr_calloc(1, sizeof(*k));
    assert_int_equal(sr_crypto_x509_jwk_key(s, k), SR_OK);
    assert_int_equal(k->kty, SR_X509_KEY_RSA);
    assert_true(sr_kms_jwk_is_key(j, k));
    /* PEM round trip through the chain reader. */
    char *pem = NULL;
    {
        const unsigned char *p = der.p;
        X509 *x = d2i_X509(NULL, &p, (long)der.len);
        pem = pem_of(x, NULL);
        X509_free(x);
    }
    struct sr_pem_chain back;
    memset(&back, 0, sizeof(back));
    assert_int_equal(sr_crypto_pem_chain_read(sr_slice_of(pem, strlen(pem)), &back), SR_OK);
    assert_int_equal(back.count, 1);
    assert_int_equal(back.der[0].len, der.len);
    assert_memory_equal(back.der[0].p, der.p, der.len);
    sr_crypto_pem_chain_cleanup(&back);
    sr_free(pem);
    sr_free(k);
    sr_crypto_x509_trust_free(t);
    sr_buf_cleanup(&der);
    for (int i = 0; i < 3; i++) {
        sr_buf_cleanup(&m[i]);
    }
    json_decref(j);
    sr_wipe(priv, strlen(priv));
    sr_free(priv);
    sr_jose_key_free(key);
}

static void service_accepted(void **state)
{
    (void)state;
    struct sr_kms_services *s = services(ca_crl_pem);
    struct sr_kms_principal who;
    X509 *l = leaf(indexer_san, T0 - DAY, T0 + 2 * DAY, 10, NULL);
    assert_int_equal(verify(s, credential(l, NULL, NULL, NULL), &who), SR_KMS_AUTHN_OK);
    assert_string_equal(who.user_id, "urn:sealroom:service:indexer");
    assert_string_equal(who.service, "indexer");
    assert_string_equal(who.org_id, "org-a");
    assert_int_equal(who.roles, 0);
    assert_int_equal(who.expires, (T0 + 2 * DAY) * 1000);
    /* Later requests carry the JWK alone: no proof is needed, the thumbprint is the JWK's. */
    json_t *cred = credential(l, NULL, NULL, NULL);
    json_object_del(cred, "proof");
    uint8_t thumb[SR_KMS_THUMB_LEN], want[SR_KMS_THUMB_LEN];
    enum sr_kms_authn_fail why;
    assert_int_equal(sr_kms_service_verify(s, cred, NULL, NOW_MS, &who, thumb, &why), SR_OK);
    assert_int_equal(sr_kms_jwk_thumbprint(json_object_get(cred, "jwk"), want), SR_OK);
    assert_memory_equal(thumb, want, sizeof(want));
    json_decref(cred);
    /* A service of no single org; a proof within 300 s either way. */
    X509 *any = leaf("URI:urn:sealroom:service:archiver", T0 - DAY, T0 + DAY, 11, NULL);
    assert_int_equal(
            verify(s, credential(any, NULL, NULL, claims(CLUSTER, "hs-1", T0 - 290, epk)), &who),
            SR_KMS_AUTHN_OK);
    assert_string_equal(who.org_id, "");
    assert_string_equal(who.service, "archiver");
    assert_int_equal(
            verify(s, credential(any, NULL, NULL, claims(CLUSTER, "hs-1", T0 + 290, epk)), &who),
            SR_KMS_AUTHN_OK);
    sr_kms_services_free(s);
    pool_free();
}

static void service_refused(void **state)
{
    (void)state;
    struct sr_kms_services *s = services(ca_crl_pem);
    struct sr_kms_principal who;
    X509 *good = leaf(indexer_san, T0 - DAY, T0 + DAY, 10, NULL);
    json_t *other_epk = jwk_of(other_key, false, NULL, 0);
    struct {
        const char *what;
        json_t *cred;
        enum sr_kms_authn_fail why;
    } cases[] = {
        { "expired",
          credential(leaf(indexer_san, T0 - 9 * DAY, T0 - DAY, 11, NULL), NULL, NULL, NULL),
          SR_KMS_AUTHN_EXPIRED },
        { "revoked", credential(leaf(indexer_san, T0 - DAY, T0 + DAY, 66, NULL), NULL, NULL, NULL),
          SR_KMS_AUTHN_INVALID },
        { "unknown kind",
          credential(leaf("URI:urn:sealroom:service:spy", T0 - DAY, T0 + DAY, 12, NULL), NULL, NULL,
                     NULL),
          SR_KMS_AUTHN_INVALID },
        { "two services",
          credential(leaf("URI:urn:sealroom:service:dlp,URI:urn:sealroom:service:indexer", T0 - DAY,
                          T0 + DAY, 13, NULL),
                     NULL, NULL, NULL),
          SR_KMS_AUTHN_INVALID },
        { "two orgs",
          credential(leaf("URI:urn:sealroom:service:dlp,URI:urn:sealroom:org:a,"
                          "URI:urn:sealroom:org:b",
                          T0 - DAY, T0 + DAY, 14, NULL),
                     NULL, NULL, NULL),
          SR_KMS_AUTHN_INVALID },
        { "no service URI",
          credential(leaf("URI:urn:sealroom:org:a", T0 - DAY, T0 + DAY, 15, NULL), NULL, NULL,
                     NULL),
          SR_KMS_AUTHN_INVALID },
        { "leaf of another key",
          credential(leaf(indexer_san, T0 - DAY, T0 + DAY, 16, other_key), NULL, NULL, NULL),
          SR_KMS_AUTHN_INVALID },
        { "proof by another key", credential(good, other_key, NULL, NULL), SR_KMS_AUTHN_INVALID },
        { "proof for another request",
          credential(good, NULL, NULL, claims(CLUSTER, "hs-2", T0, epk)), SR_KMS_AUTHN_INVALID },
        { "proof for another KMS",
          credential(good, NULL, NULL, claims("kms://other.example.org", "hs-1", T0, epk)),
          SR_KMS_AUTHN_INVALID },
        { "proof for another handshake key",
          credential(good, NULL, NULL, claims(CLUSTER, "hs-1", T0, other_epk)),
          SR_KMS_AUTHN_INVALID },
        { "stale proof", credential(good, NULL, NULL, claims(CLUSTER, "hs-1", T0 - 301, epk)),
          SR_KMS_AUTHN_EXPIRED },
        { "proof from the future",
          credential(good, NULL, NULL, claims(CLUSTER, "hs-1", T0 + 301, epk)),
          SR_KMS_AUTHN_INVALID },
        { "ES256 proof for a header naming a key",
          credential(good, NULL, json_pack("{s:s,s:s}", "alg", "ES256", "jku", "https://x"), NULL),
          SR_KMS_AUTHN_INVALID },
        { "crit header",
          credential(good, NULL, json_pack("{s:s,s:[s]}", "alg", "ES256", "crit", "x"), NULL),
          SR_KMS_AUTHN_INVALID },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case: %s\n", cases[i].what);
        assert_int_equal(verify(s, cases[i].cred, &who), cases[i].why);
    }
    json_decref(other_epk);

    /* Malformed credentials: no jwk, no x5c, no proof, a proof cut or altered anywhere. */
    json_t *c = credential(good, NULL, NULL, NULL);
    json_t *copy = json_deep_copy(c);
    json_object_del(copy, "jwk");
    assert_int_equal(verify(s, copy, &who), SR_KMS_AUTHN_INVALID);
    copy = json_deep_copy(c);
    json_object_del(json_object_get(copy, "jwk"), "x5c");
    assert_int_equal(verify(s, copy, &who), SR_KMS_AUTHN_INVALID);
    copy = json_deep_copy(c);
    json_object_del(copy, "proof");
    assert_int_equal(verify(s, copy, &who), SR_KMS_AUTHN_INVALID);
    const char *proof = json_string_value(json_object_get(c, "proof"));
    size_t len = strlen(proof);
    char *bent = sr_malloc(len + 1);
    for (size_t at = 0; at < len; at++) {
        memcpy(bent, proof, len + 1);
        bent[at] = bent[at] == 'A' ? 'B' : 'A';
        copy = json_deep_copy(c);
        json_object_set_new(copy, "proof", json_string(bent));
        assert_int_not_equal(verify(s, copy, &who), SR_KMS_AUTHN_OK);
        memcpy(bent, proof, len + 1);
        bent[at] = '\0';
        copy = json_deep_copy(c);
        json_object_set_new(copy, "proof", json_string(bent));
        assert_int_not_equal(verify(s, copy, &who), SR_KMS_AUTHN_OK);
    }
    sr_free(bent);

    /* An untrusted CA; and no service CA at all. */
    char *rogue_pem = pem_of(rogue, NULL);
    struct sr_kms_services *rogue_only = services(rogue_pem);
    assert_int_equal(verify(rogue_only, json_deep_copy(c), &who), SR_KMS_AUTHN_INVALID);
    sr_kms_services_free(rogue_only);
    sr_free(rogue_pem);
    struct sr_kms_services *empty = NULL;
    assert_int_equal(sr_kms_services_new(&empty), SR_OK);
    assert_int_equal(verify(empty, json_deep_copy(c), &who), SR_KMS_AUTHN_INVALID);
    assert_int_equal(verify(NULL, json_deep_copy(c), &who), SR_KMS_AUTHN_INVALID);
    sr_kms_services_free(empty);
    json_decref(c);
    sr_kms_services_free(s);
    pool_free();
}

/* Every allocation failing in turn: SR_ERR_NOMEM, never a half-made principal. */
struct alloc_arg {
    struct sr_kms_services *s;
    json_t *cred;
    struct sr_kms_principal who;
};

static sr_err verify_once(void *p)
{
    struct alloc_arg *a = p;
    struct sr_kms_proof_expect want = { CLUSTER, "hs-1", epk };
    uint8_t thumb[SR_KMS_THUMB_LEN];
    enum sr_kms_authn_fail why;
    sr_err err = sr_kms_service_verify(a->s, a->cred, &want, NOW_MS, &a->who, thumb, &why);
    if (err != SR_OK) {
        assert_string_equal(a->who.user_id, "");
    }
    return err;
}

static void service_alloc_failures(void **state)
{
    (void)state;
    X509 *l = leaf(indexer_san, T0 - DAY, T0 + DAY, 10, NULL);
    struct alloc_arg a;
    memset(&a, 0, sizeof(a));
    a.s = services(ca_pem);
    a.cred = credential(l, NULL, NULL, NULL);
    (void)sr_test_each_alloc_failure(verify_once, NULL, &a);
    assert_int_equal(verify_once(&a), SR_OK);
    json_decref(a.cred);
    sr_kms_services_free(a.s);
    pool_free();
}

/* ---- the client's check of the static key's x5c (KMS.md §5) ---------------------------- */

struct static_key {
    struct sr_jose_key *key;
    json_t *pub; /* the public JWK */
    struct sr_buf der;
    char *pem;
};

/* An RSA static key and its self-issued certificate for `host`, valid T0 - 1 day .. T0 + 1 day. */
static void static_key_make(struct static_key *k, const char *host)
{
    char *priv = NULL, *pub = NULL;
    struct sr_buf m[3];
    const char *names[] = { "n", "e", "d" };
    assert_int_equal(sr_jose_key_rsa_generate(2048, &k->key), SR_OK);
    assert_int_equal(sr_jose_key_export(k->key, true, &priv), SR_OK);
    assert_int_equal(sr_jose_key_export(k->key, false, &pub), SR_OK);
    json_t *j = json_loads(priv, 0, NULL);
    k->pub = json_loads(pub, 0, NULL);
    for (int i = 0; i < 3; i++) {
        const char *v = json_string_value(json_object_get(j, names[i]));
        sr_buf_init(&m[i], 0, SR_BUF_WIPE);
        assert_int_equal(sr_jose_b64_decode(sr_slice_of(v, strlen(v)), &m[i]), SR_OK);
    }
    struct sr_x509_self_rsa c = {
        sr_buf_slice(&m[0]), sr_buf_slice(&m[1]), sr_buf_slice(&m[2]), host, T0 - DAY, T0 + DAY, 9
    };
    sr_buf_init(&k->der, 0, 0);
    assert_int_equal(sr_crypto_x509_self_issue_rsa(&c, &k->der), SR_OK);
    const unsigned char *p = k->der.p;
    X509 *x = d2i_X509(NULL, &p, (long)k->der.len);
    k->pem = pem_of(x, NULL);
    X509_free(x);
    for (int i = 0; i < 3; i++) {
        sr_buf_cleanup(&m[i]);
    }
    json_decref(j);
    sr_wipe(priv, strlen(priv));
    sr_free(priv);
    sr_free(pub);
}

static void static_key_free(struct static_key *k)
{
    sr_jose_key_free(k->key);
    json_decref(k->pub);
    sr_buf_cleanup(&k->der);
    sr_free(k->pem);
}

/* What the fake KMS publishes: a JWK (n/e of `key`) with x5c = `cert` (or none). */
struct fake_kms {
    json_t *jwk;
    int64_t now_ms;
};

static sr_err fake_transport(void *arg, const char *path, struct sr_slice body, int *status,
                             struct sr_buf *out)
{
    struct fake_kms *f = arg;
    (void)body;
    if (strcmp(path, "/kms/v1/details") != 0) {
        *status = 400; /* the check under test is discovery's */
        return sr_buf_append(out, "{}", 2);
    }
    char *jwk = json_dumps(f->jwk, JSON_COMPACT);
    json_t *doc = json_pack("{s:s,s:s,s:s,s:s}", "kmsCluster", CLUSTER, "rsaPublicKey", jwk,
                            "region", "local", "cmkProvider", "file");
    char *text = json_dumps(doc, JSON_COMPACT);
    *status = 200;
    sr_err err = sr_buf_append(out, text, strlen(text));
    sr_free(text);
    sr_free(jwk);
    json_decref(doc);
    return err;
}

static int64_t fake_clock(void *arg)
{
    return ((struct fake_kms *)arg)->now_ms;
}

static json_t *published(const json_t *pub, const struct sr_buf *cert)
{
    json_t *j = json_deep_copy(pub);
    json_object_set_new(j, "kid", json_string(CLUSTER "/static/1"));
    if (cert != NULL) {
        struct sr_buf b64;
        sr_buf_init(&b64, 0, 0);
        assert_int_equal(sr_kms_b64std_encode(sr_buf_slice(cert), &b64), SR_OK);
        json_object_set_new(j, "x5c", json_pack("[s#]", (const char *)b64.p, (int)b64.len));
        sr_buf_cleanup(&b64);
    }
    return j;
}

/* Discovery against `jwk` (consumed) with `anchors`: SR_OK when it passed the check. */
static sr_err discover_with(json_t *jwk, const char *anchors, int64_t now_ms, char *reason,
                            size_t cap)
{
    struct fake_kms f = { jwk, now_ms };
    struct sr_kms_client_config cfg = { 0 };
    struct sr_kms_client *c = NULL;
    struct sr_kms_client_stats stats;
    cfg.client_id = "dev-1";
    cfg.bearer = "x.y.z";
    cfg.transport = fake_transport;
    cfg.transport_arg = &f;
    cfg.clock = fake_clock;
    cfg.clock_arg = &f;
    cfg.retries = 1;
    cfg.static_key_anchors = anchors;
    assert_int_equal(sr_kms_client_new(&cfg, &c), SR_OK);
    sr_err err = sr_kms_client_ping(c);
    sr_kms_client_get_stats(c, &stats);
    (void)snprintf(reason, cap, "%s", sr_kms_client_last_error(c)->reason);
    if (stats.discoveries == 1) {
        assert_int_not_equal(err, SR_OK); /* the fake answers no message */
        err = SR_OK;
    } else {
        assert_int_equal(err, SR_ERR_AUTH);
    }
    sr_kms_client_free(c);
    json_decref(jwk);
    return err;
}

static void client_static_x5c(void **state)
{
    (void)state;
    struct static_key a, b, elsewhere;
    char why[256];
    static_key_make(&a, "kms.example.org");
    static_key_make(&b, "kms.example.org");
    static_key_make(&elsewhere, "other.example.org");
    /* The chain to the anchor, for the kid's host, with the leaf's n/e: accepted. */
    assert_int_equal(discover_with(published(a.pub, &a.der), a.pem, NOW_MS, why, sizeof(why)),
                     SR_OK);
    /* No anchors: nothing checked, even without x5c. */
    assert_int_equal(discover_with(published(a.pub, NULL), NULL, NOW_MS, why, sizeof(why)), SR_OK);
    /* Refusals, each with its reason. */
    assert_int_equal(discover_with(published(a.pub, NULL), a.pem, NOW_MS, why, sizeof(why)),
                     SR_ERR_AUTH);
    assert_non_null(strstr(why, "no certificate"));
    assert_int_equal(discover_with(published(a.pub, &a.der), b.pem, NOW_MS, why, sizeof(why)),
                     SR_ERR_AUTH);
    assert_non_null(strstr(why, "trust anchor"));
    assert_int_equal(discover_with(published(a.pub, &a.der), a.pem, NOW_MS + 2 * DAY * 1000, why,
                                   sizeof(why)),
                     SR_ERR_AUTH);
    assert_non_null(strstr(why, "expired"));
    assert_int_equal(discover_with(published(elsewhere.pub, &elsewhere.der), elsewhere.pem, NOW_MS,
                                   why, sizeof(why)),
                     SR_ERR_AUTH);
    assert_non_null(strstr(why, "host"));
    assert_int_equal(discover_with(published(b.pub, &a.der), a.pem, NOW_MS, why, sizeof(why)),
                     SR_ERR_AUTH);
    assert_non_null(strstr(why, "not its certificate's key"));
    /* Anchors that hold no certificate are refused when the client is made. */
    struct sr_kms_client_config cfg = { 0 };
    struct sr_kms_client *c = NULL;
    cfg.client_id = "dev-1";
    cfg.bearer = "x.y.z";
    cfg.transport = fake_transport;
    cfg.clock = fake_clock;
    cfg.static_key_anchors = "not a certificate";
    assert_int_equal(sr_kms_client_new(&cfg, &c), SR_ERR_DECODE);
    assert_null(c);
    static_key_free(&a);
    static_key_free(&b);
    static_key_free(&elsewhere);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thumbprint_rfc7638), cmocka_unit_test(x5c_decoding),
        cmocka_unit_test(chain_verdicts),     cmocka_unit_test(names_and_keys),
        cmocka_unit_test(self_issued_rsa),    cmocka_unit_test(service_accepted),
        cmocka_unit_test(service_refused),    cmocka_unit_test(service_alloc_failures),
        cmocka_unit_test(client_static_x5c),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
