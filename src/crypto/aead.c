/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AEAD contexts (AES-GCM, ChaCha20-Poly1305) and the AES-CTR keystream for SFrame.
 *
 * A context owns one EVP_CIPHER_CTX keyed at creation. Per message only the nonce is set
 * (EVP_CipherInit_ex2 with no cipher and no key keeps the key schedule), then AAD, data,
 * final and the tag: the same calls a hand-written EVP loop makes, so the wrapper costs a
 * few comparisons. Neither seal nor open allocates.
 */
#include "crypto/aead.h"

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <sealroom/buf.h>

#include "core/alloc.h"
#include "crypto/ossl.h"

struct sr_aead_ctx {
    const struct sr_aead_alg *alg;
    EVP_CIPHER_CTX *c;
};

struct sr_ctr_ctx {
    EVP_CIPHER_CTX *c;
};

/*
 * The tag moves through the provider's parameters directly: EVP_CIPHER_CTX_ctrl would build
 * the same OSSL_PARAM after a dispatch on the control code.
 */
static int get_tag(EVP_CIPHER_CTX *c, uint8_t *tag, size_t len)
{
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, len),
        OSSL_PARAM_construct_end(),
    };
    return EVP_CIPHER_CTX_get_params(c, params) == 1;
}

static int set_tag(EVP_CIPHER_CTX *c, uint8_t *tag, size_t len)
{
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, len),
        OSSL_PARAM_construct_end(),
    };
    return EVP_CIPHER_CTX_set_params(c, params) == 1;
}

sr_err sr_aead_ctx_set_key(struct sr_aead_ctx *ctx, struct sr_slice key)
{
    SR_CHECK(ctx != NULL && key.p != NULL, SR_ERR_ARG);
    SR_CHECK(key.len == ctx->alg->key_len, SR_ERR_ARG);
    if (EVP_CipherInit_ex2(ctx->c, sr_ossl_aead_cipher(ctx->alg), key.p, NULL, 1, NULL) != 1) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    return SR_OK;
}

sr_err sr_aead_ctx_new(const struct sr_aead_alg *alg, struct sr_slice key, struct sr_aead_ctx **out)
{
    SR_CHECK(out != NULL && alg != NULL, SR_ERR_ARG);
    *out = NULL;
    /* RFC 9180 §5.3: the export-only AEAD has no Seal or Open. */
    SR_CHECK(alg->name != NULL && sr_ossl_aead_cipher(alg) != NULL, SR_ERR_UNSUPPORTED);
    SR_CHECK(key.p != NULL && key.len == alg->key_len, SR_ERR_ARG);

    struct sr_aead_ctx *ctx = sr_calloc(1, sizeof(*ctx));
    SR_CHECK(ctx != NULL, SR_ERR_NOMEM);
    ctx->alg = alg;
    ctx->c = EVP_CIPHER_CTX_new();
    sr_err err = ctx->c == NULL ? sr_ossl_fail(SR_ERR_NOMEM) : sr_aead_ctx_set_key(ctx, key);
    if (err != SR_OK) {
        sr_aead_ctx_free(ctx);
        return err;
    }
    *out = ctx;
    return SR_OK;
}

void sr_aead_ctx_free(struct sr_aead_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    /* EVP_CIPHER_CTX_free cleanses the provider's key schedule. */
    EVP_CIPHER_CTX_free(ctx->c);
    sr_free(ctx);
}

sr_err sr_aead_seal(struct sr_aead_ctx *ctx, const uint8_t *nonce, struct sr_slice aad,
                    struct sr_slice pt, uint8_t *out, size_t out_cap, size_t *out_len)
{
    SR_CHECK(ctx != NULL && nonce != NULL && out != NULL && out_len != NULL, SR_ERR_ARG);
    *out_len = 0;
    size_t tag_len = ctx->alg->tag_len;
    SR_CHECK(pt.len <= INT_MAX - tag_len && aad.len <= INT_MAX, SR_ERR_ARG);
    SR_CHECK(out_cap >= pt.len + tag_len, SR_ERR_BUFFER_TOO_SMALL);

    EVP_CIPHER_CTX *c = ctx->c;
    int n = 0;
    int fin = 0;
    if (EVP_CipherInit_ex2(c, NULL, NULL, nonce, 1, NULL) != 1 ||
        (aad.len > 0 && EVP_CipherUpdate(c, NULL, &n, aad.p, (int)aad.len) != 1)) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    n = 0;
    if ((pt.len > 0 && EVP_CipherUpdate(c, out, &n, pt.p, (int)pt.len) != 1) ||
        EVP_CipherFinal_ex(c, out + n, &fin) != 1 || !get_tag(c, out + pt.len, tag_len)) {
        sr_wipe(out, pt.len);
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    *out_len = pt.len + tag_len;
    return SR_OK;
}

sr_err sr_aead_open(struct sr_aead_ctx *ctx, const uint8_t *nonce, struct sr_slice aad,
                    struct sr_slice ct, uint8_t *out, size_t out_cap, size_t *out_len)
{
    SR_CHECK(ctx != NULL && nonce != NULL && out_len != NULL, SR_ERR_ARG);
    *out_len = 0;
    size_t tag_len = ctx->alg->tag_len;
    /* A ciphertext shorter than its tag cannot authenticate. */
    SR_CHECK(ct.len >= tag_len && ct.p != NULL, SR_ERR_AUTH);
    size_t pt_len = ct.len - tag_len;
    SR_CHECK(out != NULL || pt_len == 0, SR_ERR_ARG);
    SR_CHECK(pt_len <= INT_MAX && aad.len <= INT_MAX, SR_ERR_ARG);
    SR_CHECK(out_cap >= pt_len, SR_ERR_BUFFER_TOO_SMALL);

    /* Copy the tag first: decrypting in place must not depend on the bytes after `out`. */
    uint8_t tag[SR_AEAD_TAG_MAX];
    memcpy(tag, ct.p + pt_len, tag_len);
    EVP_CIPHER_CTX *c = ctx->c;
    int n = 0;
    int fin = 0;
    if (EVP_CipherInit_ex2(c, NULL, NULL, nonce, 0, NULL) != 1 || !set_tag(c, tag, tag_len) ||
        (aad.len > 0 && EVP_CipherUpdate(c, NULL, &n, aad.p, (int)aad.len) != 1)) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    n = 0;
    if (pt_len > 0 && EVP_CipherUpdate(c, out, &n, ct.p, (int)pt_len) != 1) {
        sr_wipe(out, pt_len);
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    if (EVP_CipherFinal_ex(c, out + n, &fin) != 1) {
        /* Release no unauthenticated plaintext. */
        if (pt_len > 0) {
            sr_wipe(out, pt_len);
        }
        return sr_ossl_fail(SR_ERR_AUTH);
    }
    *out_len = pt_len;
    return SR_OK;
}

sr_err sr_aead_seal_once(const struct sr_aead_alg *alg, struct sr_slice key, const uint8_t *nonce,
                         struct sr_slice aad, struct sr_slice pt, uint8_t *out, size_t out_cap,
                         size_t *out_len)
{
    struct sr_aead_ctx *ctx = NULL;
    SR_TRY(sr_aead_ctx_new(alg, key, &ctx));
    sr_err err = sr_aead_seal(ctx, nonce, aad, pt, out, out_cap, out_len);
    sr_aead_ctx_free(ctx);
    return err;
}

sr_err sr_aead_open_once(const struct sr_aead_alg *alg, struct sr_slice key, const uint8_t *nonce,
                         struct sr_slice aad, struct sr_slice ct, uint8_t *out, size_t out_cap,
                         size_t *out_len)
{
    struct sr_aead_ctx *ctx = NULL;
    SR_TRY(sr_aead_ctx_new(alg, key, &ctx));
    sr_err err = sr_aead_open(ctx, nonce, aad, ct, out, out_cap, out_len);
    sr_aead_ctx_free(ctx);
    return err;
}

sr_err sr_ctr_ctx_new(struct sr_slice key, struct sr_ctr_ctx **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    EVP_CIPHER *cipher = sr_ossl_ctr_cipher(key.len);
    SR_CHECK(key.p != NULL && cipher != NULL, SR_ERR_ARG);
    struct sr_ctr_ctx *ctx = sr_calloc(1, sizeof(*ctx));
    SR_CHECK(ctx != NULL, SR_ERR_NOMEM);
    ctx->c = EVP_CIPHER_CTX_new();
    sr_err err = SR_OK;
    if (ctx->c == NULL) {
        err = sr_ossl_fail(SR_ERR_NOMEM);
    } else if (EVP_EncryptInit_ex2(ctx->c, cipher, key.p, NULL, NULL) != 1) {
        err = sr_ossl_fail(SR_ERR_CRYPTO);
    }
    if (err != SR_OK) {
        sr_ctr_ctx_free(ctx);
        return err;
    }
    *out = ctx;
    return SR_OK;
}

sr_err sr_ctr_ctx_xor(struct sr_ctr_ctx *ctx, const uint8_t iv[16], const uint8_t *in, size_t n,
                      uint8_t *out)
{
    SR_CHECK(ctx != NULL && iv != NULL, SR_ERR_ARG);
    SR_CHECK(n == 0 || (in != NULL && out != NULL), SR_ERR_ARG);
    if (EVP_EncryptInit_ex2(ctx->c, NULL, NULL, iv, NULL) != 1) {
        return sr_ossl_fail(SR_ERR_CRYPTO);
    }
    /* EVP takes int lengths; the counter carries across calls on one context. */
    while (n > 0) {
        int take = n > INT_MAX / 2 ? INT_MAX / 2 : (int)n;
        int got = 0;
        if (EVP_EncryptUpdate(ctx->c, out, &got, in, take) != 1 || got != take) {
            return sr_ossl_fail(SR_ERR_CRYPTO);
        }
        in += take;
        out += take;
        n -= (size_t)take;
    }
    return SR_OK;
}

void sr_ctr_ctx_free(struct sr_ctr_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    EVP_CIPHER_CTX_free(ctx->c);
    sr_free(ctx);
}
