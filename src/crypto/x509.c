/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 credentials (RFC 9420 §5.3.1) over OpenSSL: trust stores, chain verification at a
 * caller-given time, end-entity key binding, display details, and a test issuer.
 *
 * RFC 9420 §5.3.1: "The signature_key in the LeafNode MUST match the public key in the
 * end-entity certificate of the x509 credential", so verification compares raw keys first.
 */
#include "crypto/x509.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/alloc.h"
#include "crypto/ct.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "crypto/ossl.h"
#include "crypto/sig.h"

struct sr_x509_store {
    X509_STORE *st;
};

sr_err sr_crypto_x509_store_new(struct sr_x509_store **out)
{
    *out = NULL;
    struct sr_x509_store *s = sr_calloc(1, sizeof(*s));
    if (s == NULL) {
        return SR_ERR_NOMEM;
    }
    s->st = X509_STORE_new();
    if (s->st == NULL) {
        sr_free(s);
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    *out = s;
    return SR_OK;
}

sr_err sr_crypto_x509_store_add_der(struct sr_x509_store *store, struct sr_slice der)
{
    X509 *x = sr_ossl_x509_parse(der);
    if (x == NULL) {
        return sr_ossl_fail(SR_ERR_DECODE);
    }
    int ok = X509_STORE_add_cert(store->st, x);
    X509_free(x);
    return ok == 1 ? SR_OK : sr_ossl_fail(SR_ERR_CRYPTO);
}

void sr_crypto_x509_store_free(struct sr_x509_store *store)
{
    if (store == NULL) {
        return;
    }
    X509_STORE_free(store->st);
    sr_free(store);
}

/* The raw public key of `pk` as MLS encodes it for `alg`, or 0 when the type differs. */
static size_t raw_public(EVP_PKEY *pk, const struct sr_sig_alg *alg, uint8_t *out, size_t cap)
{
    size_t len = cap;
    const char *ecx = sr_ossl_ecx_name(alg->curve);
    if (ecx != NULL) {
        if (!EVP_PKEY_is_a(pk, ecx) || EVP_PKEY_get_raw_public_key(pk, out, &len) != 1) {
            return 0;
        }
        return len;
    }
    const EC_GROUP *want = sr_ossl_group(alg->curve);
    char name[64];
    size_t name_len = 0, flen = sr_ec_scalar_len(alg->curve);
    BIGNUM *x = NULL, *y = NULL;
    if (want == NULL || !EVP_PKEY_is_a(pk, "EC") ||
        EVP_PKEY_get_group_name(pk, name, sizeof(name), &name_len) != 1 ||
        OBJ_txt2nid(name) != EC_GROUP_get_curve_name(want) || cap < 1 + 2 * flen) {
        return 0;
    }
    /* Rebuild the uncompressed point from the coordinates, whatever form the certificate
     * used (RFC 9420 carries ECDSA keys uncompressed). */
    len = 0;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
        EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
        BN_bn2binpad(x, out + 1, (int)flen) == (int)flen &&
        BN_bn2binpad(y, out + 1 + flen, (int)flen) == (int)flen) {
        out[0] = 0x04;
        len = 1 + 2 * flen;
    }
    BN_free(x);
    BN_free(y);
    return len;
}

static sr_err check_key_x509(X509 *x, const struct sr_sig_alg *alg, struct sr_slice sig_pub)
{
    uint8_t raw[SR_SIG_PUB_MAX];
    EVP_PKEY *pk = X509_get0_pubkey(x);
    size_t len = pk == NULL ? 0 : raw_public(pk, alg, raw, sizeof(raw));
    ERR_clear_error();
    if (len == 0 || len != sig_pub.len || !sr_ct_equal(raw, sig_pub.p, len)) {
        return SR_ERR_INVALID;
    }
    return SR_OK;
}

sr_err sr_crypto_x509_check_key(struct sr_slice der, const struct sr_sig_alg *alg,
                                struct sr_slice sig_pub)
{
    X509 *x = sr_ossl_x509_parse(der);
    if (x == NULL) {
        return sr_ossl_fail(SR_ERR_DECODE);
    }
    sr_err err = check_key_x509(x, alg, sig_pub);
    X509_free(x);
    return err;
}

static sr_err verify_chain(X509_STORE *st, X509 *leaf, STACK_OF(X509) * chain, int64_t now)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    sr_err err = SR_ERR_CRYPTO;
    if (X509_STORE_CTX_init(ctx, st, leaf, chain) == 1) {
        /* Sans-IO: validity is judged at the caller's time, never the system clock. */
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
        err = X509_verify_cert(ctx) == 1 ? SR_OK : SR_ERR_DENIED;
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return err;
}

sr_err sr_crypto_x509_verify(const struct sr_x509_store *store, const struct sr_slice *certs,
                             size_t n, int64_t now, const struct sr_sig_alg *alg,
                             struct sr_slice sig_pub)
{
    SR_CHECK(store != NULL && alg != NULL && n > 0, SR_ERR_ARG);
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = sr_ossl_x509_parse(certs[0]);
    sr_err err = SR_ERR_DECODE;
    if (leaf == NULL) {
        goto out;
    }
    err = sr_ossl_x509_intermediates(certs, n, &chain);
    if (err != SR_OK) {
        goto out;
    }
    err = check_key_x509(leaf, alg, sig_pub);
    if (err != SR_OK) {
        goto out;
    }
    err = verify_chain(store->st, leaf, chain, now);
out:
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    ERR_clear_error();
    return err;
}

/* Copy a memory BIO's contents as a NUL-terminated string, truncating to `cap`. */
static void bio_to_str(BIO *b, char *out, size_t cap)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    size_t len = n > 0 ? (size_t)n : 0;
    if (len >= cap) {
        len = cap - 1;
    }
    if (len > 0) {
        memcpy(out, p, len);
    }
    out[len] = '\0';
}

static sr_err name_str(const X509_NAME *name, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    sr_err err = SR_ERR_CRYPTO;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
        bio_to_str(b, out, cap);
        err = SR_OK;
    }
    BIO_free(b);
    return err;
}

static sr_err time_of(const ASN1_TIME *t, int64_t *out)
{
    int day = 0, sec = 0;
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int ok = epoch != NULL && ASN1_TIME_diff(&day, &sec, epoch, t) == 1;
    ASN1_TIME_free(epoch);
    *out = (int64_t)day * 86400 + sec;
    return ok ? SR_OK : sr_ossl_fail(SR_ERR_DECODE);
}

static void email_of(X509 *x, char *out, size_t cap)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    out[0] = '\0';
    for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_EMAIL) {
            continue;
        }
        const unsigned char *p = ASN1_STRING_get0_data(g->d.rfc822Name);
        size_t len = (size_t)ASN1_STRING_length(g->d.rfc822Name);
        if (len < cap && memchr(p, 0, len) == NULL) {
            memcpy(out, p, len);
            out[len] = '\0';
        }
        break;
    }
    GENERAL_NAMES_free(names);
}

static sr_err serial_of(X509 *x, char *out, size_t cap)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn == NULL ? NULL : BN_bn2hex(bn);
    BN_free(bn);
    if (hex == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    size_t len = strlen(hex);
    len = len < cap ? len : cap - 1;
    memcpy(out, hex, len);
    out[len] = '\0';
    OPENSSL_free(hex);
    return SR_OK;
}

sr_err sr_crypto_x509_info(struct sr_slice der, struct sr_x509_info *out)
{
    memset(out, 0, sizeof(*out));
    X509 *x = sr_ossl_x509_parse(der);
    if (x == NULL) {
        return sr_ossl_fail(SR_ERR_DECODE);
    }
    sr_err err = name_str(X509_get_subject_name(x), out->subject, sizeof(out->subject));
    if (err == SR_OK) {
        err = name_str(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer));
    }
    if (err == SR_OK) {
        err = serial_of(x, out->serial, sizeof(out->serial));
    }
    if (err == SR_OK) {
        err = time_of(X509_get0_notBefore(x), &out->not_before);
    }
    if (err == SR_OK) {
        err = time_of(X509_get0_notAfter(x), &out->not_after);
    }
    if (err == SR_OK) {
        email_of(x, out->email, sizeof(out->email));
        err = sr_hash(&sr_hash_sha256, der, out->sha256);
    }
    X509_free(x);
    ERR_clear_error();
    if (err != SR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

/* Test issuer: an EVP_PKEY from a raw MLS private key. */
static sr_err pkey_from_priv(const struct sr_sig_alg *alg, struct sr_slice priv, EVP_PKEY **out)
{
    const char *ecx = sr_ossl_ecx_name(alg->curve);
    if (ecx != NULL) {
        *out = EVP_PKEY_new_raw_private_key_ex(NULL, ecx, NULL, priv.p, priv.len);
        return *out != NULL ? SR_OK : sr_ossl_fail(SR_ERR_CRYPTO);
    }
    struct sr_buf pub = { 0 };
    sr_err err = sr_sig_public_from_private(alg, priv, &pub);
    if (err == SR_OK) {
        err = sr_ec_pkey_new(alg->curve, priv, sr_buf_slice(&pub), out);
    }
    sr_buf_cleanup(&pub);
    return err;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static int fill_cert(X509 *x, X509 *issuer, const struct sr_x509_test_cert *c, EVP_PKEY *subj)
{
    char san[SR_X509_NAME_MAX + 8];
    X509_NAME *name = X509_get_subject_name(x);
    int ok =
            X509_set_version(x, 2) == 1 &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), c->serial) == 1 &&
            ASN1_TIME_set(X509_getm_notBefore(x), (time_t)c->not_before) != NULL &&
            ASN1_TIME_set(X509_getm_notAfter(x), (time_t)c->not_after) != NULL &&
            X509_set_pubkey(x, subj) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       (const unsigned char *)c->common_name, -1, -1, 0) == 1 &&
            X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ? issuer : x)) == 1 &&
            add_ext(x, issuer, NID_basic_constraints, c->is_ca ? "critical,CA:TRUE" : "CA:FALSE") &&
            add_ext(x, issuer, NID_key_usage,
                    c->is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (ok && c->email != NULL) {
        int n = snprintf(san, sizeof(san), "email:%s", c->email);
        ok = n > 0 && (size_t)n < sizeof(san) && add_ext(x, issuer, NID_subject_alt_name, san);
    }
    return ok;
}

sr_err sr_crypto_x509_test_issue(const struct sr_x509_test_cert *c, struct sr_buf *der)
{
    EVP_PKEY *subj = NULL, *iss = NULL;
    X509 *issuer = NULL, *x = X509_new();
    sr_err err = SR_ERR_CRYPTO;
    if (x == NULL || pkey_from_priv(c->alg, c->subject_priv, &subj) != SR_OK ||
        pkey_from_priv(c->issuer_alg, c->issuer_priv, &iss) != SR_OK) {
        goto out;
    }
    if (c->issuer_der.len > 0 && (issuer = sr_ossl_x509_parse(c->issuer_der)) == NULL) {
        err = SR_ERR_DECODE;
        goto out;
    }
    const EVP_MD *md = c->issuer_alg->hash == NULL ? NULL : sr_ossl_md(c->issuer_alg->hash);
    if (!fill_cert(x, issuer, c, subj) || X509_sign(x, iss, md) <= 0) {
        goto out;
    }
    err = sr_ossl_x509_der_append(x, der);
out:
    X509_free(x);
    X509_free(issuer);
    EVP_PKEY_free(subj);
    EVP_PKEY_free(iss);
    ERR_clear_error();
    return err;
}
