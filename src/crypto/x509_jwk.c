/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 for JOSE keys (see x509_jwk.h) over OpenSSL's X509_STORE. Validity is judged at the
 * caller's time, never the system clock; OpenSSL's verdict is mapped to one refusal reason so
 * the KMS can answer TOKEN_EXPIRED for an expired certificate and TOKEN_INVALID otherwise.
 */
#include "crypto/x509_jwk.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/alloc.h"
#include "crypto/ossl.h"

struct sr_x509_trust {
    X509_STORE *st;
    bool has_crls;
};

sr_err sr_crypto_x509_trust_new(struct sr_x509_trust **out)
{
    *out = NULL;
    struct sr_x509_trust *t = sr_calloc(1, sizeof(*t));
    SR_CHECK(t != NULL, SR_ERR_NOMEM);
    t->st = X509_STORE_new();
    if (t->st == NULL) {
        sr_free(t);
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    *out = t;
    return SR_OK;
}

void sr_crypto_x509_trust_free(struct sr_x509_trust *t)
{
    if (t == NULL) {
        return;
    }
    X509_STORE_free(t->st);
    sr_free(t);
}

sr_err sr_crypto_x509_trust_add_der(struct sr_x509_trust *t, struct sr_slice der)
{
    X509 *x = sr_ossl_x509_parse(der);
    if (x == NULL) {
        return sr_ossl_fail(SR_ERR_DECODE);
    }
    int ok = X509_STORE_add_cert(t->st, x);
    X509_free(x);
    return ok == 1 ? SR_OK : sr_ossl_fail(SR_ERR_CRYPTO);
}

sr_err sr_crypto_x509_trust_add_crl_der(struct sr_x509_trust *t, struct sr_slice der)
{
    const unsigned char *p = der.p;
    if (der.len == 0 || der.len > (size_t)INT32_MAX) {
        return SR_ERR_DECODE;
    }
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)der.len);
    if (crl == NULL || p != der.p + der.len) {
        X509_CRL_free(crl);
        return sr_ossl_fail(SR_ERR_DECODE);
    }
    int ok = X509_STORE_add_crl(t->st, crl);
    X509_CRL_free(crl);
    if (ok != 1) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    t->has_crls = true;
    return SR_OK;
}

sr_err sr_crypto_x509_trust_add_pem(struct sr_x509_trust *t, struct sr_slice pem, size_t *n_certs,
                                    size_t *n_crls)
{
    size_t certs = 0, crls = 0;
    SR_CHECK(pem.len > 0 && pem.len <= (size_t)INT32_MAX, SR_ERR_DECODE);
    BIO *b = BIO_new_mem_buf(pem.p, (int)pem.len);
    if (b == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
    BIO_free(b);
    sr_err err = infos != NULL ? SR_OK : SR_ERR_DECODE;
    for (int i = 0; err == SR_OK && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *in = sk_X509_INFO_value(infos, i);
        if (in->x509 != NULL) {
            err = X509_STORE_add_cert(t->st, in->x509) == 1 ? SR_OK : SR_ERR_CRYPTO;
            certs++;
        }
        if (err == SR_OK && in->crl != NULL) {
            err = X509_STORE_add_crl(t->st, in->crl) == 1 ? SR_OK : SR_ERR_CRYPTO;
            crls++;
        }
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    ERR_clear_error();
    if (err == SR_OK && certs + crls == 0) {
        err = SR_ERR_DECODE;
    }
    t->has_crls = t->has_crls || (err == SR_OK && crls > 0);
    if (n_certs != NULL) {
        *n_certs = certs;
    }
    if (n_crls != NULL) {
        *n_crls = crls;
    }
    return err;
}

static enum sr_x509_refusal refusal_of(int code)
{
    switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return SR_X509_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return SR_X509_NOT_YET;
    case X509_V_ERR_CERT_REVOKED:
        return SR_X509_REVOKED;
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
        return SR_X509_WRONG_USE;
    default:
        return SR_X509_UNTRUSTED;
    }
}

/* A leaf that states a key usage must allow signatures (X509_PURPOSE_SSL_CLIENT checks the
 * EKU and the Netscape type; this makes the key usage check exact). */
static bool signs(X509 *leaf)
{
    uint32_t ku = X509_get_key_usage(leaf);
    return ku == UINT32_MAX || (ku & KU_DIGITAL_SIGNATURE) != 0;
}

sr_err sr_crypto_x509_trust_verify(const struct sr_x509_trust *t, const struct sr_slice *certs,
                                   size_t n, int64_t now, enum sr_x509_purpose purpose,
                                   enum sr_x509_refusal *why)
{
    *why = SR_X509_UNTRUSTED;
    SR_CHECK(t != NULL && certs != NULL && n > 0, SR_ERR_ARG);
    SR_CHECK(n <= SR_X509_CHAIN_MAX, SR_ERR_LIMIT);
    STACK_OF(X509) *chain = NULL;
    X509_STORE_CTX *ctx = NULL;
    X509 *leaf = sr_ossl_x509_parse(certs[0]);
    sr_err err = leaf != NULL ? sr_ossl_x509_intermediates(certs, n, &chain) : SR_ERR_DECODE;
    if (err != SR_OK) {
        goto out;
    }
    ctx = X509_STORE_CTX_new();
    err = SR_ERR_NOMEM;
    if (ctx == NULL || X509_STORE_CTX_init(ctx, t->st, leaf, chain) != 1) {
        goto out;
    }
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)now);
    X509_VERIFY_PARAM_set_depth(param, SR_X509_CHAIN_MAX);
    if (t->has_crls) {
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    }
    if (purpose == SR_X509_CLIENT_AUTH &&
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1) {
        err = SR_ERR_CRYPTO;
        goto out;
    }
    err = SR_OK;
    if (X509_verify_cert(ctx) != 1) {
        *why = refusal_of(X509_STORE_CTX_get_error(ctx));
        err = SR_ERR_DENIED;
    } else if (purpose == SR_X509_CLIENT_AUTH && !signs(leaf)) {
        *why = SR_X509_WRONG_USE;
        err = SR_ERR_DENIED;
    } else {
        *why = SR_X509_TRUSTED;
    }
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    ERR_clear_error();
    return err;
}

sr_err sr_crypto_x509_san_uris(struct sr_slice der, char (*out)[SR_X509_URI_MAX], size_t cap,
                               size_t *n)
{
    *n = 0;
    X509 *x = sr_ossl_x509_parse(der);
    if (x == NULL) {
        return sr_ossl_fail(SR_ERR_DECODE);
    }
    int crit = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
    /* crit is -1 when absent (no URIs), -2 when repeated (malformed). */
    sr_err err = names == NULL && crit != -1 ? SR_ERR_DECODE : SR_OK;
    for (int i = 0; err == SR_OK && names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_URI) {
            continue;
        }
        const unsigned char *p = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
        int len = ASN1_STRING_length(g->d.uniformResourceIdentifier);
        if (len <= 0 || memchr(p, 0, (size_t)len) != NULL) {
            err = SR_ERR_DECODE;
        } else if (*n == cap || (size_t)len >= SR_X509_URI_MAX) {
            err = SR_ERR_LIMIT;
        } else {
            memcpy(out[*n], p, (size_t)len);
            out[(*n)++][len] = '\0';
        }
    }
    GENERAL_NAMES_free(names);
    X509_free(x);
    ERR_clear_error();
    if (err != SR_OK) {
        *n = 0;
    }
    return err;
}

sr_err sr_crypto_x509_for_host(struct sr_slice der, const char *host, bool *match)
{
    *match = false;
    X509 *x = sr_ossl_x509_parse(der);
    if (x == NULL) {
        return sr_ossl_fail(SR_ERR_DECODE);
    }
    *match =
            host != NULL && host[0] != '\0' &&
            X509_check_host(x, host, strlen(host), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    X509_free(x);
    ERR_clear_error();
    return SR_OK;
}

static bool bn_out(const BIGNUM *bn, uint8_t *out, size_t cap, size_t *len)
{
    int n = BN_num_bytes(bn);
    if (n <= 0 || (size_t)n > cap) {
        return false;
    }
    *len = (size_t)BN_bn2bin(bn, out);
    return *len == (size_t)n;
}

static sr_err key_of(EVP_PKEY *pk, struct sr_x509_jwk_key *out)
{
    BIGNUM *a = NULL, *b = NULL;
    char group[32];
    size_t glen = 0;
    sr_err err = SR_ERR_UNSUPPORTED;
    if (EVP_PKEY_is_a(pk, "RSA")) {
        if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &a) == 1 &&
            EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &b) == 1) {
            out->kty = SR_X509_KEY_RSA;
            err = bn_out(a, out->a, sizeof(out->a), &out->a_len) &&
                                  bn_out(b, out->b, sizeof(out->b), &out->b_len)
                          ? SR_OK
                          : SR_ERR_UNSUPPORTED;
        }
    } else if (EVP_PKEY_is_a(pk, "EC") &&
               EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) == 1 &&
               strcmp(group, "prime256v1") == 0 &&
               EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &a) == 1 &&
               EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &b) == 1) {
        /* JWK coordinates are always the full 32 bytes (RFC 7518 §6.2.1.2). */
        out->kty = SR_X509_KEY_P256;
        out->a_len = out->b_len = 32;
        err = BN_bn2binpad(a, out->a, 32) == 32 && BN_bn2binpad(b, out->b, 32) == 32
                      ? SR_OK
                      : SR_ERR_UNSUPPORTED;
    }
    BN_free(a);
    BN_free(b);
    return err;
}

sr_err sr_crypto_x509_jwk_key(struct sr_slice der, struct sr_x509_jwk_key *out)
{
    memset(out, 0, sizeof(*out));
    X509 *x = sr_ossl_x509_parse(der);
    if (x == NULL) {
        return sr_ossl_fail(SR_ERR_DECODE);
    }
    EVP_PKEY *pk = X509_get0_pubkey(x);
    sr_err err = pk != NULL ? key_of(pk, out) : SR_ERR_DECODE;
    int day = 0, sec = 0;
    ASN1_TIME *epoch = err == SR_OK ? ASN1_TIME_set(NULL, 0) : NULL;
    if (err == SR_OK &&
        (epoch == NULL || ASN1_TIME_diff(&day, &sec, epoch, X509_get0_notAfter(x)) != 1)) {
        err = SR_ERR_DECODE;
    }
    out->not_after = (int64_t)day * 86400 + sec;
    ASN1_TIME_free(epoch);
    X509_free(x);
    ERR_clear_error();
    if (err != SR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

/* An RSA EVP_PKEY from n, e and d (enough to sign; the certificate is made once). */
static EVP_PKEY *rsa_from_ned(const struct sr_x509_self_rsa *c)
{
    EVP_PKEY *pk = NULL;
    BIGNUM *n = BN_bin2bn(c->n.p, (int)c->n.len, NULL);
    BIGNUM *e = BN_bin2bn(c->e.p, (int)c->e.len, NULL);
    BIGNUM *d = BN_secure_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    bool ok = n != NULL && e != NULL && d != NULL && bld != NULL && pctx != NULL &&
              BN_bin2bn(c->d.p, (int)c->d.len, d) != NULL &&
              OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
              OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1 &&
              OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) == 1 &&
              (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
              EVP_PKEY_fromdata_init(pctx) == 1 &&
              EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_KEYPAIR, params) == 1;
    if (!ok) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pctx);
    BN_free(n);
    BN_free(e);
    BN_clear_free(d);
    return pk;
}

static bool add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    bool ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static bool fill_self(X509 *x, const struct sr_x509_self_rsa *c, EVP_PKEY *pk)
{
    char san[SR_X509_URI_MAX + 8];
    int w = snprintf(san, sizeof(san), "DNS:%s", c->host);
    X509_NAME *name = X509_get_subject_name(x);
    return w > 0 && (size_t)w < sizeof(san) && X509_set_version(x, 2) == 1 &&
           ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), c->serial) == 1 &&
           ASN1_TIME_set(X509_getm_notBefore(x), (time_t)c->not_before) != NULL &&
           ASN1_TIME_set(X509_getm_notAfter(x), (time_t)c->not_after) != NULL &&
           X509_set_pubkey(x, pk) == 1 &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)c->host, -1,
                                      -1, 0) == 1 &&
           X509_set_issuer_name(x, name) == 1 && add_ext(x, NID_basic_constraints, "CA:FALSE") &&
           add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
           add_ext(x, NID_subject_alt_name, san) && X509_sign(x, pk, EVP_sha256()) > 0;
}

sr_err sr_crypto_x509_self_issue_rsa(const struct sr_x509_self_rsa *c, struct sr_buf *der)
{
    SR_CHECK(c != NULL && c->host != NULL && c->n.len > 0 && c->n.len <= SR_X509_RSA_MAX &&
                     c->e.len > 0 && c->e.len <= 8 && c->d.len > 0 && c->d.len <= SR_X509_RSA_MAX,
             SR_ERR_ARG);
    EVP_PKEY *pk = rsa_from_ned(c);
    X509 *x = X509_new();
    sr_err err = SR_ERR_CRYPTO;
    if (pk != NULL && x != NULL && fill_self(x, c, pk)) {
        err = sr_ossl_x509_der_append(x, der);
    }
    X509_free(x);
    EVP_PKEY_free(pk);
    ERR_clear_error();
    return err;
}
