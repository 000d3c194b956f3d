/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diffie-Hellman for the DHKEMs of RFC 9180 §4.1 and §7.1.
 *
 *   P-256/384/521: DH(sk, pk) = x-coordinate of sk * pk (SEC1 §3.3.1), Ndh = Nsk bytes,
 *                  peer points validated (RFC 9180 §7.1.4), the identity rejected.
 *   X25519/X448:   RFC 7748 §5; an all-zero output is rejected (RFC 9180 §7.1.4,
 *                  RFC 7748 §6.1 "check ... is not all zero").
 */
#include "crypto/dh.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "crypto/ct.h"
#include "crypto/ec.h"
#include "crypto/ossl.h"

static sr_err ecx_priv_key(const struct sr_kem_alg *kem, struct sr_slice priv, EVP_PKEY **out)
{
    *out = NULL;
    SR_CHECK(priv.p != NULL && priv.len == kem->sk_len, SR_ERR_DECODE);
    *out = EVP_PKEY_new_raw_private_key_ex(NULL, sr_ossl_ecx_name(kem->curve), NULL, priv.p,
                                           priv.len);
    if (*out == NULL) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    return SR_OK;
}

static sr_err ecx_public(const struct sr_kem_alg *kem, struct sr_slice priv, uint8_t *pub)
{
    EVP_PKEY *pkey = NULL;
    SR_TRY(ecx_priv_key(kem, priv, &pkey));
    size_t len = kem->pk_len;
    sr_err err = SR_OK;
    if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 || len != kem->pk_len) {
        err = sr_ossl_fail(SR_ERR_CRYPTO);
    }
    EVP_PKEY_free(pkey);
    return err;
}

static sr_err nist_public(const struct sr_kem_alg *kem, struct sr_slice priv, uint8_t *pub)
{
    BIGNUM *k = NULL;
    SR_TRY(sr_ec_scalar_decode(kem->curve, priv, &k));
    BN_CTX *bn = BN_CTX_secure_new();
    sr_err err = bn == NULL ? sr_ossl_fail(SR_ERR_NOMEM) : sr_ec_public_of(kem->curve, k, bn, pub);
    BN_CTX_free(bn);
    BN_clear_free(k);
    return err;
}

sr_err sr_dh_public_from_private(const struct sr_kem_alg *kem, struct sr_slice priv, uint8_t *pub)
{
    SR_CHECK(kem != NULL && pub != NULL, SR_ERR_ARG);
    return kem->is_nist ? nist_public(kem, priv, pub) : ecx_public(kem, priv, pub);
}

/*
 * Our key from both halves. Importing a private key alone makes OpenSSL compute its public
 * key, a full scalar multiplication the derivation never reads; a caller that already holds
 * the public key (HPKE does) spares it that way.
 */
static sr_err ecx_pair_key(const struct sr_kem_alg *kem, struct sr_slice priv, struct sr_slice pub,
                           EVP_PKEY **out)
{
    *out = NULL;
    SR_CHECK(priv.p != NULL && priv.len == kem->sk_len, SR_ERR_DECODE);
    SR_CHECK(pub.p != NULL && pub.len == kem->pk_len, SR_ERR_DECODE);
    /* OSSL_PARAM wants writable pointers; the import only reads these copies. */
    uint8_t sk[SR_KEM_SK_MAX];
    uint8_t pk[SR_KEM_PK_MAX];
    memcpy(sk, priv.p, priv.len);
    memcpy(pk, pub.p, pub.len);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, sk, priv.len),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pk, pub.len),
        OSSL_PARAM_construct_end(),
    };
    sr_err err = SR_OK;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, sr_ossl_ecx_name(kem->curve), NULL);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, out, EVP_PKEY_KEYPAIR, params) != 1) {
        err = sr_ossl_fail(SR_ERR_CRYPTO);
    }
    EVP_PKEY_CTX_free(pctx);
    sr_wipe(sk, sizeof(sk));
    return err;
}

/* X25519/X448 with our key `mine`, which this consumes. */
static sr_err ecx_derive(const struct sr_kem_alg *kem, EVP_PKEY *mine, struct sr_slice peer,
                         uint8_t *shared)
{
    static const uint8_t zeros[SR_DH_MAX] = { 0 };
    sr_err err = sr_dh_check_public(kem, peer);
    if (err != SR_OK) {
        EVP_PKEY_free(mine);
        return err;
    }
    err = SR_ERR_INVALID;
    size_t len = kem->dh_len;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *theirs = EVP_PKEY_new_raw_public_key_ex(NULL, sr_ossl_ecx_name(kem->curve), NULL,
                                                      peer.p, peer.len);
    if (theirs == NULL || (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL)) == NULL) {
        err = SR_ERR_CRYPTO;
        goto out;
    }
    /* OpenSSL fails the derivation itself on an all-zero result; that is an invalid peer. */
    if (EVP_PKEY_derive_init(pctx) != 1 || EVP_PKEY_derive_set_peer(pctx, theirs) != 1 ||
        EVP_PKEY_derive(pctx, shared, &len) != 1 || len != kem->dh_len) {
        goto out;
    }
    if (sr_ct_equal(shared, zeros, kem->dh_len)) {
        goto out;
    }
    err = SR_OK;
out:
    if (err != SR_OK) {
        sr_wipe(shared, kem->dh_len);
        ERR_clear_error();
    }
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(theirs);
    EVP_PKEY_free(mine);
    return err;
}

static sr_err nist_derive(const struct sr_kem_alg *kem, struct sr_slice priv, struct sr_slice peer,
                          uint8_t *shared)
{
    const EC_GROUP *g = sr_ossl_group(kem->curve);
    SR_CHECK(g != NULL, SR_ERR_UNSUPPORTED);
    BIGNUM *k = NULL;
    EC_POINT *their = NULL;
    EC_POINT *r = NULL;
    BIGNUM *x = NULL;
    BN_CTX *bn = BN_CTX_secure_new();
    sr_err err = bn == NULL ? SR_ERR_NOMEM : SR_OK;
    if (err == SR_OK) {
        err = sr_ec_scalar_decode(kem->curve, priv, &k);
    }
    if (err == SR_OK) {
        err = sr_ec_point_decode(kem->curve, peer, bn, &their);
    }
    if (err != SR_OK) {
        goto out;
    }
    r = EC_POINT_new(g);
    x = BN_secure_new();
    if (r == NULL || x == NULL || EC_POINT_mul(g, r, NULL, their, k, bn) != 1) {
        err = SR_ERR_CRYPTO;
        goto out;
    }
    /* The curves have cofactor 1, so only a zero scalar gives the identity; check anyway. */
    if (EC_POINT_is_at_infinity(g, r)) {
        err = SR_ERR_INVALID;
        goto out;
    }
    if (EC_POINT_get_affine_coordinates(g, r, x, NULL, bn) != 1 ||
        BN_bn2binpad(x, shared, (int)kem->dh_len) != (int)kem->dh_len) {
        err = SR_ERR_CRYPTO;
        goto out;
    }
out:
    if (err != SR_OK) {
        sr_wipe(shared, kem->dh_len);
        ERR_clear_error();
    }
    EC_POINT_clear_free(r);
    EC_POINT_free(their);
    BN_clear_free(x);
    BN_clear_free(k);
    BN_CTX_free(bn);
    return err;
}

sr_err sr_dh_derive(const struct sr_kem_alg *kem, struct sr_slice priv, struct sr_slice peer,
                    uint8_t *shared)
{
    SR_CHECK(kem != NULL && shared != NULL, SR_ERR_ARG);
    if (kem->is_nist) {
        return nist_derive(kem, priv, peer, shared);
    }
    EVP_PKEY *mine = NULL;
    SR_TRY(ecx_priv_key(kem, priv, &mine));
    return ecx_derive(kem, mine, peer, shared);
}

sr_err sr_dh_derive_with_public(const struct sr_kem_alg *kem, struct sr_slice priv,
                                struct sr_slice pub, struct sr_slice peer, uint8_t *shared)
{
    SR_CHECK(kem != NULL && shared != NULL, SR_ERR_ARG);
    if (kem->is_nist) {
        /* The scalar alone drives the multiplication; the public key adds nothing. */
        SR_CHECK(pub.p != NULL && pub.len == kem->pk_len, SR_ERR_DECODE);
        return nist_derive(kem, priv, peer, shared);
    }
    EVP_PKEY *mine = NULL;
    SR_TRY(ecx_pair_key(kem, priv, pub, &mine));
    return ecx_derive(kem, mine, peer, shared);
}

bool sr_dh_private_in_range(const struct sr_kem_alg *kem, struct sr_slice scalar)
{
    if (kem == NULL) {
        return false;
    }
    if (!kem->is_nist) {
        /* RFC 7748 §5: every string of the right length is a valid (clamped) scalar. */
        return scalar.len == kem->sk_len;
    }
    return sr_ec_scalar_in_range(kem->curve, scalar);
}

sr_err sr_dh_check_public(const struct sr_kem_alg *kem, struct sr_slice pub)
{
    SR_CHECK(kem != NULL, SR_ERR_ARG);
    if (!kem->is_nist) {
        /* RFC 7748 §5: any 32/56-byte string decodes to a u-coordinate. */
        SR_CHECK(pub.p != NULL && pub.len == kem->pk_len, SR_ERR_DECODE);
        return SR_OK;
    }
    BN_CTX *bn = BN_CTX_new();
    if (bn == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    EC_POINT *pt = NULL;
    sr_err err = sr_ec_point_decode(kem->curve, pub, bn, &pt);
    EC_POINT_free(pt);
    BN_CTX_free(bn);
    return err;
}
