/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RSA key pairs, PEM, and RSA-OAEP-SHA-256 over OpenSSL 3 EVP_PKEY (see rsa.h). The OAEP
 * decoder follows RFC 8017 §7.1.2 and folds every check into one flag so that which check
 * failed (Manger's oracle) is not told apart by the error or by an early return.
 */
#include "crypto/rsa.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/alloc.h"
#include "crypto/ct.h"
#include "crypto/ossl.h"

#define HLEN 32

struct sr_rsa_key {
    EVP_PKEY *pkey;
};

static sr_err adopt(EVP_PKEY *pkey, struct sr_rsa_key **out)
{
    struct sr_rsa_key *k = sr_calloc(1, sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return SR_ERR_NOMEM;
    }
    k->pkey = pkey;
    *out = k;
    return SR_OK;
}

sr_err sr_rsa_generate(unsigned bits, struct sr_rsa_key **out)
{
    SR_CHECK(out != NULL && bits >= 2048 && bits <= 8192, SR_ERR_ARG);
    *out = NULL;
    EVP_PKEY *pkey = EVP_RSA_gen(bits);
    SR_CHECK(pkey != NULL, sr_ossl_fail(SR_ERR_CRYPTO));
    return adopt(pkey, out);
}

void sr_rsa_key_free(struct sr_rsa_key *key)
{
    if (key != NULL) {
        EVP_PKEY_free(key->pkey);
        sr_free(key);
    }
}

sr_err sr_rsa_private_to_pem(const struct sr_rsa_key *key, struct sr_buf *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    sr_err err = SR_ERR_CRYPTO;

    SR_CHECK(bio != NULL, sr_ossl_fail(SR_ERR_NOMEM));
    if (PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        long n = BIO_get_mem_data(bio, &p);
        err = n > 0 ? sr_buf_append(out, p, (size_t)n) : SR_ERR_CRYPTO;
        OPENSSL_cleanse(p, n > 0 ? (size_t)n : 0);
    }
    BIO_free(bio);
    return err == SR_ERR_CRYPTO ? sr_ossl_fail(err) : err;
}

sr_err sr_rsa_private_from_pem(struct sr_slice pem, struct sr_rsa_key **out)
{
    SR_CHECK(out != NULL && pem.p != NULL && pem.len <= 65536, SR_ERR_ARG);
    *out = NULL;
    BIO *bio = BIO_new_mem_buf(pem.p, (int)pem.len);
    SR_CHECK(bio != NULL, sr_ossl_fail(SR_ERR_NOMEM));
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    SR_CHECK(pkey != NULL, sr_ossl_fail(SR_ERR_DECODE));
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pkey);
        return SR_ERR_UNSUPPORTED;
    }
    return adopt(pkey, out);
}

sr_err sr_rsa_public_from_ne(struct sr_slice n, struct sr_slice e, struct sr_rsa_key **out)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn = BN_bin2bn(n.p, (int)n.len, NULL), *be = BN_bin2bn(e.p, (int)e.len, NULL);
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pkey = NULL;
    sr_err err = SR_ERR_CRYPTO;

    *out = NULL;
    if (bld != NULL && bn != NULL && be != NULL && ctx != NULL &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1 &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1) {
        err = adopt(pkey, out);
    }
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    BN_free(bn);
    BN_free(be);
    OSSL_PARAM_BLD_free(bld);
    return err == SR_ERR_CRYPTO ? sr_ossl_fail(err) : err;
}

static sr_err append_bn(const EVP_PKEY *pkey, const char *name, struct sr_buf *out)
{
    BIGNUM *bn = NULL;
    SR_CHECK(EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, sr_ossl_fail(SR_ERR_CRYPTO));
    int len = BN_num_bytes(bn);
    sr_err err = sr_buf_reserve(out, (size_t)len);
    if (err == SR_OK) {
        out->len += (size_t)BN_bn2bin(bn, out->p + out->len);
    }
    BN_free(bn);
    return err;
}

sr_err sr_rsa_public_ne(const struct sr_rsa_key *key, struct sr_buf *n, struct sr_buf *e)
{
    SR_TRY(append_bn(key->pkey, OSSL_PKEY_PARAM_RSA_N, n));
    return append_bn(key->pkey, OSSL_PKEY_PARAM_RSA_E, e);
}

static EVP_PKEY_CTX *oaep_ctx(const struct sr_rsa_key *key, bool enc)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (ctx != NULL && (enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) == 1 &&
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1) {
        return ctx;
    }
    EVP_PKEY_CTX_free(ctx);
    return NULL;
}

sr_err sr_rsa_oaep_sha256_encrypt(const struct sr_rsa_key *key, struct sr_slice pt,
                                  struct sr_buf *out)
{
    EVP_PKEY_CTX *ctx = oaep_ctx(key, true);
    size_t n = (size_t)EVP_PKEY_get_size(key->pkey);
    sr_err err;

    SR_CHECK(ctx != NULL, sr_ossl_fail(SR_ERR_CRYPTO));
    err = sr_buf_reserve(out, n);
    if (err == SR_OK) {
        err = EVP_PKEY_encrypt(ctx, out->p + out->len, &n, pt.p, pt.len) == 1
                      ? SR_OK
                      : sr_ossl_fail(SR_ERR_CRYPTO);
    }
    if (err == SR_OK) {
        out->len += n;
    }
    EVP_PKEY_CTX_free(ctx);
    return err;
}

sr_err sr_rsa_oaep_sha256_decrypt(const struct sr_rsa_key *key, struct sr_slice ct, uint8_t *out,
                                  size_t out_cap, size_t *out_len)
{
    EVP_PKEY_CTX *ctx = oaep_ctx(key, false);
    size_t n = out_cap;
    sr_err err = SR_OK;

    *out_len = 0;
    SR_CHECK(ctx != NULL, sr_ossl_fail(SR_ERR_CRYPTO));
    if (EVP_PKEY_decrypt(ctx, out, &n, ct.p, ct.len) != 1) {
        err = sr_ossl_fail(SR_ERR_AUTH);
    } else {
        *out_len = n;
    }
    EVP_PKEY_CTX_free(ctx);
    return err;
}

/* MGF1-SHA-256 (RFC 8017 B.2.1): XOR the mask of `seed` into `out`. */
static sr_err mgf1_xor(const uint8_t *seed, size_t seed_len, uint8_t *out, size_t len)
{
    uint8_t in[512 + 4], h[HLEN];
    SR_CHECK(seed_len <= 512, SR_ERR_LIMIT);
    memcpy(in, seed, seed_len);
    for (uint32_t c = 0; (size_t)c * HLEN < len; c++) {
        in[seed_len] = (uint8_t)(c >> 24);
        in[seed_len + 1] = (uint8_t)(c >> 16);
        in[seed_len + 2] = (uint8_t)(c >> 8);
        in[seed_len + 3] = (uint8_t)c;
        SR_CHECK(EVP_Digest(in, seed_len + 4, h, NULL, EVP_sha256(), NULL) == 1,
                 sr_ossl_fail(SR_ERR_CRYPTO));
        for (size_t i = 0; i < HLEN && (size_t)c * HLEN + i < len; i++) {
            out[(size_t)c * HLEN + i] ^= h[i];
        }
    }
    OPENSSL_cleanse(in, sizeof(in));
    return SR_OK;
}

/* Constant-time masks: all ones when the condition holds. */
static size_t ct_is_zero(size_t x)
{
    return (size_t)0 - (((~x & (x - 1)) >> (sizeof(size_t) * 8 - 1)) & 1);
}

sr_err sr_rsa_oaep_sha256_decode(struct sr_slice em, uint8_t *out, size_t out_cap, size_t *out_len)
{
    uint8_t buf[512], lhash[HLEN];
    size_t k = em.len, good, found = 0, idx = 0, msg_len;
    sr_err err;

    *out_len = 0;
    SR_CHECK(em.p != NULL && k >= 2 * HLEN + 2 && k <= sizeof(buf), SR_ERR_AUTH);
    memcpy(buf, em.p, k);
    err = mgf1_xor(buf + 1 + HLEN, k - 1 - HLEN, buf + 1, HLEN);
    if (err == SR_OK) {
        err = mgf1_xor(buf + 1, HLEN, buf + 1 + HLEN, k - 1 - HLEN);
    }
    if (err == SR_OK && EVP_Digest("", 0, lhash, NULL, EVP_sha256(), NULL) != 1) {
        err = sr_ossl_fail(SR_ERR_CRYPTO);
    }
    if (err != SR_OK) {
        goto out;
    }
    const uint8_t *db = buf + 1 + HLEN;
    good = ct_is_zero(buf[0]) & ((size_t)0 - (size_t)sr_ct_equal(db, lhash, HLEN));
    for (size_t i = HLEN; i < k - 1 - HLEN; i++) {
        size_t is1 = ct_is_zero((size_t)db[i] ^ 1), is0 = ct_is_zero(db[i]);
        idx |= ~found & is1 & i;
        /* Before the 0x01 separator only zero bytes may appear. */
        good &= found | is1 | is0;
        found |= is1;
    }
    good &= found;
    msg_len = (k - 1 - HLEN) - idx - 1;
    if (good == 0 || msg_len > out_cap) {
        err = SR_ERR_AUTH;
        goto out;
    }
    memcpy(out, db + idx + 1, msg_len);
    *out_len = msg_len;
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    return err;
}
