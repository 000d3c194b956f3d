/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A PKI for the service principal tests, made with OpenSSL: P-256 keys, certificates with the
 * extensions a test asks for, CRLs, and the JOSE forms of keys and chains (a JWK with x5c, an
 * ES256 JWS through cjose). Test files include it after cmocka.
 */
#pragma once

#include <string.h>

#include <cjose/cjose.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/alloc.h"
#include "kms/jose_int.h"
#include "kms/jwk.h"

static inline EVP_PKEY *p256(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

static inline void ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

struct spec {
    const char *cn;
    const char *san; /* OpenSSL form, or NULL */
    const char *eku; /* or NULL */
    const char *ku;  /* NULL: digitalSignature for leaves */
    bool ca;
    int64_t from, to;
    long serial;
};

static inline X509 *issue(const struct spec *s, EVP_PKEY *subject, X509 *issuer,
                          EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)s->from);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)s->to);
    X509_set_pubkey(x, subject);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               (const unsigned char *)s->cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ? issuer : x));
    ext(x, issuer, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "CA:FALSE");
    ext(x, issuer, NID_key_usage,
        s->ku != NULL ? s->ku
        : s->ca       ? "critical,keyCertSign,cRLSign"
                      : "critical,digitalSignature");
    if (s->eku != NULL) {
        ext(x, issuer, NID_ext_key_usage, s->eku);
    }
    if (s->san != NULL) {
        ext(x, issuer, NID_subject_alt_name, s->san);
    }
    assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    return x;
}

static inline void der_of(X509 *x, struct sr_buf *out)
{
    unsigned char *p = NULL;
    int len = i2d_X509(x, &p);
    assert_true(len > 0);
    sr_buf_init(out, 0, 0);
    assert_int_equal(sr_buf_append(out, p, (size_t)len), SR_OK);
    OPENSSL_free(p);
}

static inline char *pem_of(X509 *x, X509_CRL *crl)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_true(x == NULL || PEM_write_bio_X509(b, x) == 1);
    assert_true(crl == NULL || PEM_write_bio_X509_CRL(b, crl) == 1);
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    char *out = sr_malloc((size_t)n + 1);
    memcpy(out, p, (size_t)n);
    out[n] = '\0';
    BIO_free(b);
    return out;
}

static inline X509_CRL *crl_revoking(X509 *ca, EVP_PKEY *ca_key, long serial, int64_t now)
{
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)(now - 86400));
    X509_CRL_set1_lastUpdate(crl, t);
    ASN1_TIME_set(t, (time_t)(now + 30 * 86400));
    X509_CRL_set1_nextUpdate(crl, t);
    ASN1_TIME_free(t);
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *sn = ASN1_INTEGER_new();
    ASN1_INTEGER_set(sn, serial);
    X509_REVOKED_set_serialNumber(r, sn);
    ASN1_INTEGER_free(sn);
    ASN1_TIME *rt = ASN1_TIME_set(NULL, (time_t)(now - 86400));
    X509_REVOKED_set_revocationDate(r, rt);
    ASN1_TIME_free(rt);
    X509_CRL_add0_revoked(crl, r);
    X509_CRL_sort(crl);
    assert_true(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0);
    return crl;
}

static inline char *b64u(const uint8_t *p, size_t n)
{
    struct sr_buf b;
    sr_buf_init(&b, 0, 0);
    assert_int_equal(sr_jose_b64_encode(sr_slice_of(p, n), &b), SR_OK);
    char *s = sr_malloc(b.len + 1);
    memcpy(s, b.p, b.len);
    s[b.len] = '\0';
    sr_buf_cleanup(&b);
    return s;
}

static inline char *coord(EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    uint8_t raw[32];
    assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
    assert_int_equal(BN_bn2binpad(bn, raw, 32), 32);
    BN_free(bn);
    return b64u(raw, 32);
}

/* The JWK of `key` (private too when `priv`), with x5c = certs[0..n) when n > 0. */
static inline json_t *jwk_of(EVP_PKEY *key, bool priv, X509 *const *certs, size_t n)
{
    char *x = coord(key, OSSL_PKEY_PARAM_EC_PUB_X), *y = coord(key, OSSL_PKEY_PARAM_EC_PUB_Y);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "x", x, "y", y);
    sr_free(x);
    sr_free(y);
    if (priv) {
        BIGNUM *d = NULL;
        uint8_t raw[32];
        assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
        assert_int_equal(BN_bn2binpad(d, raw, 32), 32);
        BN_free(d);
        char *ds = b64u(raw, 32);
        json_object_set_new(j, "d", json_string(ds));
        sr_free(ds);
    }
    if (n > 0) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            struct sr_buf der, b64;
            der_of(certs[i], &der);
            sr_buf_init(&b64, 0, 0);
            assert_int_equal(sr_kms_b64std_encode(sr_buf_slice(&der), &b64), SR_OK);
            json_array_append_new(arr, json_stringn((const char *)b64.p, b64.len));
            sr_buf_cleanup(&der);
            sr_buf_cleanup(&b64);
        }
        json_object_set_new(j, "x5c", arr);
    }
    return j;
}

/* A JWS with header `hdr` over `claims` (both consumed) by `key`. */
static inline char *sign(EVP_PKEY *key, json_t *hdr, json_t *claims)
{
    json_t *priv = jwk_of(key, true, NULL, 0);
    char *text = json_dumps(priv, JSON_COMPACT);
    cjose_jwk_t *k = cjose_jwk_import(text, strlen(text), NULL);
    assert_non_null(k);
    char *body = json_dumps(claims, JSON_COMPACT);
    cjose_jws_t *jws =
            cjose_jws_sign(k, (cjose_header_t *)hdr, (const uint8_t *)body, strlen(body), NULL);
    assert_non_null(jws);
    const char *ser = NULL;
    assert_true(cjose_jws_export(jws, &ser, NULL));
    char *out = sr_malloc(strlen(ser) + 1);
    memcpy(out, ser, strlen(ser) + 1);
    cjose_jws_release(jws);
    cjose_jwk_release(k);
    sr_free(body);
    sr_free(text);
    json_decref(priv);
    json_decref(hdr);
    json_decref(claims);
    return out;
}
