/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Raw NIST-curve key handling (SEC1 §2.3.3, §2.3.4 encodings; RFC 9180 §7.1.1
 * SerializePublicKey and §7.1.2 SerializePrivateKey for P-256/P-384/P-521).
 */
#include "crypto/ec.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "crypto/ossl.h"

size_t sr_ec_scalar_len(enum sr_curve curve)
{
    switch (curve) {
    case SR_CURVE_P256:
        return 32;
    case SR_CURVE_P384:
        return 48;
    case SR_CURVE_P521:
        return 66;
    default:
        return 0;
    }
}

static const char *group_name(enum sr_curve curve)
{
    switch (curve) {
    case SR_CURVE_P256:
        return "P-256";
    case SR_CURVE_P384:
        return "P-384";
    case SR_CURVE_P521:
        return "P-521";
    default:
        return NULL;
    }
}

sr_err sr_ec_scalar_decode(enum sr_curve curve, struct sr_slice scalar, BIGNUM **out)
{
    *out = NULL;
    const EC_GROUP *g = sr_ossl_group(curve);
    SR_CHECK(g != NULL, SR_ERR_UNSUPPORTED);
    SR_CHECK(scalar.p != NULL && scalar.len == sr_ec_scalar_len(curve), SR_ERR_DECODE);
    BIGNUM *k = BN_secure_new();
    if (k == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    BN_set_flags(k, BN_FLG_CONSTTIME);
    if (BN_bin2bn(scalar.p, (int)scalar.len, k) == NULL) {
        BN_clear_free(k);
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    /* RFC 9180 §7.1.3 and SEC1 §3.2.1: a private key is an integer in [1, n-1]. */
    if (BN_is_zero(k) || BN_cmp(k, EC_GROUP_get0_order(g)) >= 0) {
        BN_clear_free(k);
        return SR_ERR_INVALID;
    }
    *out = k;
    return SR_OK;
}

bool sr_ec_scalar_in_range(enum sr_curve curve, struct sr_slice scalar)
{
    BIGNUM *k = NULL;
    if (sr_ec_scalar_decode(curve, scalar, &k) != SR_OK) {
        return false;
    }
    BN_clear_free(k);
    return true;
}

sr_err sr_ec_point_decode(enum sr_curve curve, struct sr_slice pub, BN_CTX *bn, EC_POINT **out)
{
    *out = NULL;
    const EC_GROUP *g = sr_ossl_group(curve);
    SR_CHECK(g != NULL, SR_ERR_UNSUPPORTED);
    SR_CHECK(pub.p != NULL && pub.len == 1 + 2 * sr_ec_scalar_len(curve), SR_ERR_DECODE);
    /* RFC 9180 §7.1.1 and RFC 9420 §5.1.1: public keys are uncompressed points (0x04). */
    SR_CHECK(pub.p[0] == 0x04, SR_ERR_INVALID);
    EC_POINT *pt = EC_POINT_new(g);
    if (pt == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    /* oct2point rejects coordinates >= p and points off the curve (SEC1 §3.2.2.1). */
    if (EC_POINT_oct2point(g, pt, pub.p, pub.len, bn) != 1 || EC_POINT_is_at_infinity(g, pt) ||
        EC_POINT_is_on_curve(g, pt, bn) != 1) {
        EC_POINT_free(pt);
        return sr_ossl_fail(SR_ERR_INVALID);
    }
    *out = pt;
    return SR_OK;
}

sr_err sr_ec_public_of(enum sr_curve curve, const BIGNUM *k, BN_CTX *bn, uint8_t *pub)
{
    const EC_GROUP *g = sr_ossl_group(curve);
    SR_CHECK(g != NULL, SR_ERR_UNSUPPORTED);
    size_t len = 1 + 2 * sr_ec_scalar_len(curve);
    EC_POINT *pt = EC_POINT_new(g);
    sr_err err = SR_OK;
    if (pt == NULL || EC_POINT_mul(g, pt, k, NULL, NULL, bn) != 1 ||
        EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, len, bn) != len) {
        err = sr_ossl_fail(SR_ERR_CRYPTO);
    }
    EC_POINT_free(pt);
    return err;
}

sr_err sr_ec_pkey_new(enum sr_curve curve, struct sr_slice priv, struct sr_slice pub,
                      EVP_PKEY **out)
{
    *out = NULL;
    const char *name = group_name(curve);
    SR_CHECK(name != NULL, SR_ERR_UNSUPPORTED);
    sr_err err = SR_ERR_CRYPTO;
    BIGNUM *k = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld == NULL) {
        goto out;
    }
    if (priv.len > 0) {
        k = BN_secure_new();
        if (k == NULL || BN_bin2bn(priv.p, (int)priv.len, k) == NULL ||
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, k) != 1) {
            goto out;
        }
    }
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.p, pub.len) != 1) {
        goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    int selection = priv.len > 0 ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
    if (params == NULL || pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, out, selection, params) != 1) {
        goto out;
    }
    err = SR_OK;
out:
    if (err != SR_OK) {
        ERR_clear_error();
    }
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(k);
    return err;
}
