/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM files for X.509 credentials (RFC 7468 textual encodings): certificate chains and
 * PKCS#8 private keys, read with OpenSSL from memory. Encrypted keys are refused rather
 * than prompting for a passphrase: the callers are tools that must not block on a terminal.
 */
#include "crypto/pem.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/ec.h"
#include "crypto/ossl.h"

static BIO *mem_bio(struct sr_slice pem)
{
    if (pem.len == 0 || pem.len > (size_t)INT32_MAX) {
        return NULL;
    }
    return BIO_new_mem_buf(pem.p, (int)pem.len);
}

/* No passphrase, ever: an encrypted key fails to load. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* After the last PEM block OpenSSL reports "no start line"; anything else is a bad block. */
static bool at_end(void)
{
    unsigned long e = ERR_peek_last_error();
    return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

sr_err sr_crypto_pem_chain_read(struct sr_slice pem, struct sr_pem_chain *out)
{
    memset(out, 0, sizeof(*out));
    BIO *b = mem_bio(pem);
    if (b == NULL) {
        return sr_ossl_fail(pem.len == 0 ? SR_ERR_DECODE : SR_ERR_NOMEM);
    }
    sr_err err = SR_OK;
    for (;;) {
        X509 *x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
        if (x == NULL) {
            err = at_end() && out->count > 0 ? SR_OK : SR_ERR_DECODE;
            break;
        }
        err = out->count < SR_PEM_CHAIN_MAX ? sr_ossl_x509_der_append(x, &out->der[out->count])
                                            : SR_ERR_LIMIT;
        X509_free(x);
        if (err != SR_OK) {
            break;
        }
        out->count++;
    }
    BIO_free(b);
    ERR_clear_error();
    if (err != SR_OK) {
        sr_crypto_pem_chain_cleanup(out);
    }
    return err;
}

void sr_crypto_pem_chain_cleanup(struct sr_pem_chain *c)
{
    for (size_t i = 0; i < SR_PEM_CHAIN_MAX; i++) {
        sr_buf_cleanup(&c->der[i]);
    }
    c->count = 0;
}

/* The big-endian scalar of an EC key on the curve of `alg`. */
static sr_err ec_scalar(EVP_PKEY *pk, const struct sr_sig_alg *alg, struct sr_secret *out)
{
    const EC_GROUP *want = sr_ossl_group(alg->curve);
    char name[64];
    size_t name_len = 0, n = sr_ec_scalar_len(alg->curve);
    BIGNUM *d = NULL;
    SR_CHECK(want != NULL && EVP_PKEY_is_a(pk, "EC") &&
                     EVP_PKEY_get_group_name(pk, name, sizeof(name), &name_len) == 1 &&
                     OBJ_txt2nid(name) == EC_GROUP_get_curve_name(want),
             SR_ERR_INVALID);
    SR_CHECK(n <= SR_SECRET_MAX, SR_ERR_INVALID);
    sr_err err = SR_ERR_DECODE;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
        BN_bn2binpad(d, out->p, (int)n) == (int)n) {
        out->len = n;
        err = SR_OK;
    }
    BN_clear_free(d);
    return err;
}

static sr_err raw_private(EVP_PKEY *pk, const struct sr_sig_alg *alg, struct sr_secret *out)
{
    const char *ecx = sr_ossl_ecx_name(alg->curve);
    if (ecx == NULL) {
        return ec_scalar(pk, alg, out);
    }
    size_t len = SR_SECRET_MAX;
    SR_CHECK(EVP_PKEY_is_a(pk, ecx), SR_ERR_INVALID);
    SR_CHECK(EVP_PKEY_get_raw_private_key(pk, out->p, &len) == 1 && len == alg->priv_len,
             SR_ERR_DECODE);
    out->len = len;
    return SR_OK;
}

sr_err sr_crypto_pem_private_key(struct sr_slice pem, const struct sr_sig_alg *alg,
                                 struct sr_secret *out)
{
    SR_CHECK(alg != NULL && out != NULL, SR_ERR_ARG);
    sr_secret_cleanup(out);
    BIO *b = mem_bio(pem);
    if (b == NULL) {
        return sr_ossl_fail(pem.len == 0 ? SR_ERR_DECODE : SR_ERR_NOMEM);
    }
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
    sr_err err = pk != NULL ? raw_private(pk, alg, out) : SR_ERR_DECODE;
    EVP_PKEY_free(pk);
    BIO_free(b);
    if (err != SR_OK) {
        sr_secret_cleanup(out);
    }
    return sr_ossl_fail(err);
}
