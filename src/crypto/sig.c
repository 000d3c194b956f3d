/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signatures for the MLS suites (RFC 9420 §5.1.2, §17.1): Ed25519 and Ed448 (RFC 8032) and
 * ECDSA over P-256/SHA-256, P-384/SHA-384 and P-521/SHA-512 with DER signatures
 * (RFC 8446 §4.2.3 encoding, as MLS inherits it).
 *
 * Raw keys become EVP_PKEYs here; struct sr_sig_key keeps one for repeated use. Key
 * generation draws from crypto/rand so that a test source makes it deterministic.
 */
#include "crypto/sig.h"

#include <string.h>

#include "core/alloc.h"
#include "crypto/ec.h"
#include "crypto/ossl.h"
#include "crypto/rand.h"

/* Rejection sampling of ECDSA scalars: each draw succeeds with probability >= 1/2. */
#define KEYGEN_TRIES 64

struct sr_sig_key {
    const struct sr_sig_alg *alg;
    EVP_PKEY *pkey;
    int has_private;
};

static int is_eddsa(const struct sr_sig_alg *alg)
{
    return alg->hash == NULL;
}

/* pub[alg->pub_len] from a raw private key, validated on the way. */
static sr_err public_of(const struct sr_sig_alg *alg, struct sr_slice priv, uint8_t *pub)
{
    SR_CHECK(priv.p != NULL && priv.len == alg->priv_len, SR_ERR_DECODE);
    if (is_eddsa(alg)) {
        EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key_ex(NULL, sr_ossl_ecx_name(alg->curve), NULL,
                                                         priv.p, priv.len);
        size_t len = alg->pub_len;
        sr_err err = SR_OK;
        if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 ||
            len != alg->pub_len) {
            err = sr_ossl_fail(SR_ERR_CRYPTO);
        }
        EVP_PKEY_free(pkey);
        return err;
    }
    BIGNUM *k = NULL;
    SR_TRY(sr_ec_scalar_decode(alg->curve, priv, &k));
    BN_CTX *bn = BN_CTX_secure_new();
    sr_err err = bn == NULL ? sr_ossl_fail(SR_ERR_NOMEM) : sr_ec_public_of(alg->curve, k, bn, pub);
    BN_CTX_free(bn);
    BN_clear_free(k);
    return err;
}

/*
 * ECDSA scalars are integers: accept one written without its leading zero bytes (some
 * implementations and the official vectors serialize a P-521 key in 65 bytes) by padding
 * it to the curve size in `buf`. EdDSA keys are byte strings and must be exact.
 */
static sr_err full_private(const struct sr_sig_alg *alg, struct sr_slice priv, uint8_t *buf,
                           struct sr_slice *out)
{
    SR_CHECK(priv.p != NULL && priv.len > 0 && priv.len <= alg->priv_len, SR_ERR_DECODE);
    if (is_eddsa(alg) || priv.len == alg->priv_len) {
        SR_CHECK(priv.len == alg->priv_len, SR_ERR_DECODE);
        *out = priv;
        return SR_OK;
    }
    size_t lead = alg->priv_len - priv.len;
    memset(buf, 0, lead);
    memcpy(buf + lead, priv.p, priv.len);
    *out = sr_slice_of(buf, alg->priv_len);
    return SR_OK;
}

sr_err sr_sig_public_from_private(const struct sr_sig_alg *alg, struct sr_slice priv,
                                  struct sr_buf *pub)
{
    SR_CHECK(alg != NULL && pub != NULL, SR_ERR_ARG);
    uint8_t tmp[SR_SIG_PUB_MAX];
    uint8_t padded[SR_SIG_PRIV_MAX];
    struct sr_slice full;
    sr_err err = full_private(alg, priv, padded, &full);
    if (err == SR_OK) {
        err = public_of(alg, full, tmp);
    }
    if (err == SR_OK) {
        err = sr_buf_append(pub, tmp, alg->pub_len);
    }
    sr_wipe(padded, sizeof(padded));
    return err;
}

/* One candidate private key from crypto/rand, or SR_ERR_INVALID to draw again. */
static sr_err draw_private(const struct sr_sig_alg *alg, struct sr_secret *priv)
{
    priv->len = alg->priv_len;
    SR_TRY(sr_rand_bytes(priv->p, priv->len));
    if (is_eddsa(alg)) {
        /* RFC 8032 §5.1.5, §5.2.5: the private key is just random bytes. */
        return SR_OK;
    }
    if (alg->curve == SR_CURVE_P521) {
        /* n is just below 2^521: drop the 7 bits above it so most draws are in range. */
        priv->p[0] &= 0x01;
    }
    /* FIPS 186-5 A.2.2 style rejection sampling: keep draws in [1, n-1] as they are. */
    return sr_ec_scalar_in_range(alg->curve, sr_secret_slice(priv)) ? SR_OK : SR_ERR_INVALID;
}

sr_err sr_sig_generate(const struct sr_sig_alg *alg, struct sr_secret *priv, struct sr_buf *pub)
{
    SR_CHECK(alg != NULL && priv != NULL && pub != NULL, SR_ERR_ARG);
    SR_CHECK(alg->priv_len <= SR_SECRET_MAX, SR_ERR_ARG);
    sr_err err = SR_ERR_CRYPTO;
    for (int i = 0; i < KEYGEN_TRIES; i++) {
        err = draw_private(alg, priv);
        if (err != SR_ERR_INVALID) {
            break;
        }
    }
    if (err == SR_ERR_INVALID) {
        /* A source that never yields a valid scalar is broken, not hostile. */
        err = SR_ERR_CRYPTO;
    }
    if (err == SR_OK) {
        err = sr_sig_public_from_private(alg, sr_secret_slice(priv), pub);
    }
    if (err != SR_OK) {
        sr_secret_cleanup(priv);
    }
    return err;
}

/* The key object for a private key of exactly alg->priv_len bytes. */
static sr_err key_from_full(const struct sr_sig_alg *alg, struct sr_slice priv,
                            struct sr_sig_key **out)
{
    /* ECDSA needs the public point for the import; EdDSA's import derives its own. */
    uint8_t pub[SR_SIG_PUB_MAX];
    if (!is_eddsa(alg)) {
        SR_TRY(public_of(alg, priv, pub));
    }
    struct sr_sig_key *key = sr_calloc(1, sizeof(*key));
    SR_CHECK(key != NULL, SR_ERR_NOMEM);
    key->alg = alg;
    key->has_private = 1;
    sr_err err = SR_OK;
    if (is_eddsa(alg)) {
        key->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, sr_ossl_ecx_name(alg->curve), NULL,
                                                    priv.p, priv.len);
        err = key->pkey == NULL ? sr_ossl_fail(SR_ERR_CRYPTO) : SR_OK;
    } else {
        err = sr_ec_pkey_new(alg->curve, priv, sr_slice_of(pub, alg->pub_len), &key->pkey);
    }
    if (err != SR_OK) {
        sr_sig_key_free(key);
        return err;
    }
    *out = key;
    return SR_OK;
}

sr_err sr_sig_key_from_private(const struct sr_sig_alg *alg, struct sr_slice priv,
                               struct sr_sig_key **out)
{
    SR_CHECK(alg != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    uint8_t padded[SR_SIG_PRIV_MAX];
    struct sr_slice full;
    sr_err err = full_private(alg, priv, padded, &full);
    if (err == SR_OK) {
        err = key_from_full(alg, full, out);
    }
    sr_wipe(padded, sizeof(padded));
    return err;
}

sr_err sr_sig_key_from_public(const struct sr_sig_alg *alg, struct sr_slice pub,
                              struct sr_sig_key **out)
{
    SR_CHECK(alg != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(pub.p != NULL && pub.len == alg->pub_len, SR_ERR_DECODE);
    EVP_PKEY *pkey = NULL;
    if (is_eddsa(alg)) {
        /* An EdDSA key that is not a curve point fails verification (RFC 8032 §5.1.7). */
        pkey = EVP_PKEY_new_raw_public_key_ex(NULL, sr_ossl_ecx_name(alg->curve), NULL, pub.p,
                                              pub.len);
        SR_CHECK(pkey != NULL, sr_ossl_fail(SR_ERR_CRYPTO));
    } else {
        BN_CTX *bn = BN_CTX_new();
        SR_CHECK(bn != NULL, sr_ossl_fail(SR_ERR_NOMEM));
        EC_POINT *pt = NULL;
        sr_err err = sr_ec_point_decode(alg->curve, pub, bn, &pt);
        EC_POINT_free(pt);
        BN_CTX_free(bn);
        SR_TRY(err);
        SR_TRY(sr_ec_pkey_new(alg->curve, sr_slice_of(NULL, 0), pub, &pkey));
    }
    struct sr_sig_key *key = sr_calloc(1, sizeof(*key));
    if (key == NULL) {
        EVP_PKEY_free(pkey);
        return SR_ERR_NOMEM;
    }
    key->alg = alg;
    key->pkey = pkey;
    *out = key;
    return SR_OK;
}

void sr_sig_key_free(struct sr_sig_key *key)
{
    if (key == NULL) {
        return;
    }
    EVP_PKEY_free(key->pkey);
    sr_free(key);
}

/* EdDSA signs the message itself (md NULL); ECDSA hashes it with the suite's digest. */
static const EVP_MD *sig_md(const struct sr_sig_alg *alg)
{
    return is_eddsa(alg) ? NULL : sr_ossl_md(alg->hash);
}

sr_err sr_sig_key_sign(const struct sr_sig_key *key, struct sr_slice msg, struct sr_buf *sig)
{
    SR_CHECK(key != NULL && sig != NULL && key->has_private, SR_ERR_ARG);
    SR_CHECK(msg.p != NULL || msg.len == 0, SR_ERR_ARG);
    const struct sr_sig_alg *alg = key->alg;
    SR_TRY(sr_buf_reserve(sig, alg->max_sig_len));
    EVP_MD_CTX *mdctx = EVP_MD_CTX_new();
    SR_CHECK(mdctx != NULL, sr_ossl_fail(SR_ERR_NOMEM));
    static const uint8_t empty[1] = { 0 };
    size_t len = alg->max_sig_len;
    sr_err err = SR_OK;
    if (EVP_DigestSignInit(mdctx, NULL, sig_md(alg), NULL, key->pkey) != 1 ||
        EVP_DigestSign(mdctx, sig->p + sig->len, &len, msg.len ? msg.p : empty, msg.len) != 1) {
        err = sr_ossl_fail(SR_ERR_CRYPTO);
    } else {
        sig->len += len;
    }
    EVP_MD_CTX_free(mdctx);
    return err;
}

sr_err sr_sig_key_verify(const struct sr_sig_key *key, struct sr_slice msg, struct sr_slice sig)
{
    SR_CHECK(key != NULL, SR_ERR_ARG);
    SR_CHECK(msg.p != NULL || msg.len == 0, SR_ERR_ARG);
    /* A signature of the wrong size is a wrong signature, not malformed input to reject. */
    SR_CHECK(sig.p != NULL && sig.len > 0 && sig.len <= key->alg->max_sig_len, SR_ERR_AUTH);
    EVP_MD_CTX *mdctx = EVP_MD_CTX_new();
    SR_CHECK(mdctx != NULL, sr_ossl_fail(SR_ERR_NOMEM));
    static const uint8_t empty[1] = { 0 };
    sr_err err = SR_OK;
    if (EVP_DigestVerifyInit(mdctx, NULL, sig_md(key->alg), NULL, key->pkey) != 1) {
        err = sr_ossl_fail(SR_ERR_CRYPTO);
    } else if (EVP_DigestVerify(mdctx, sig.p, sig.len, msg.len ? msg.p : empty, msg.len) != 1) {
        err = sr_ossl_fail(SR_ERR_AUTH);
    }
    EVP_MD_CTX_free(mdctx);
    return err;
}

sr_err sr_sig_sign(const struct sr_sig_alg *alg, struct sr_slice priv, struct sr_slice msg,
                   struct sr_buf *sig)
{
    struct sr_sig_key *key = NULL;
    SR_TRY(sr_sig_key_from_private(alg, priv, &key));
    sr_err err = sr_sig_key_sign(key, msg, sig);
    sr_sig_key_free(key);
    return err;
}

sr_err sr_sig_verify(const struct sr_sig_alg *alg, struct sr_slice pub, struct sr_slice msg,
                     struct sr_slice sig)
{
    struct sr_sig_key *key = NULL;
    SR_TRY(sr_sig_key_from_public(alg, pub, &key));
    sr_err err = sr_sig_key_verify(key, msg, sig);
    sr_sig_key_free(key);
    return err;
}
