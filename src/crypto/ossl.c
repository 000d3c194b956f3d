/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One-time fetch of the digests, ciphers and curve groups crypto/ uses. Fetching through
 * OpenSSL 3's provider store costs a lock and a look-up; done per call it would dominate
 * short HKDF and AEAD operations, so it happens once under pthread_once and the objects
 * live until exit (OpenSSL's own cleanup at exit reclaims nothing we need later). Also the
 * DER decoder and encoder of certificates that several crypto/ files share.
 */
#include "crypto/ossl.h"

#include <pthread.h>

#include <openssl/obj_mac.h>

static struct {
    EVP_MD *md[3];       /* indexed by enum sr_hash_id - 1 */
    EVP_CIPHER *aead[3]; /* indexed by HPKE AEAD id - 1 */
    EVP_CIPHER *ctr[3];  /* AES-128/192/256-CTR */
    EC_GROUP *group[3];  /* P-256, P-384, P-521 */
} cache;

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_init(void)
{
    static const char *const md_names[] = { "SHA256", "SHA384", "SHA512" };
    static const char *const aead_names[] = { "AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305" };
    static const char *const ctr_names[] = { "AES-128-CTR", "AES-192-CTR", "AES-256-CTR" };
    static const int nids[] = { NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1 };

    for (size_t i = 0; i < 3; i++) {
        cache.md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
        cache.aead[i] = EVP_CIPHER_fetch(NULL, aead_names[i], NULL);
        cache.ctr[i] = EVP_CIPHER_fetch(NULL, ctr_names[i], NULL);
        cache.group[i] = EC_GROUP_new_by_curve_name_ex(NULL, NULL, nids[i]);
    }
    ERR_clear_error();
}

static void cache_ready(void)
{
    (void)pthread_once(&cache_once, cache_init);
}

const EVP_MD *sr_ossl_md(const struct sr_hash_alg *alg)
{
    cache_ready();
    if (alg == NULL || alg->id < SR_HASH_SHA256 || alg->id > SR_HASH_SHA512) {
        return NULL;
    }
    return cache.md[alg->id - SR_HASH_SHA256];
}

EVP_CIPHER *sr_ossl_aead_cipher(const struct sr_aead_alg *alg)
{
    cache_ready();
    if (alg == NULL || alg->hpke_id < 1 || alg->hpke_id > 3) {
        return NULL;
    }
    return cache.aead[alg->hpke_id - 1];
}

EVP_CIPHER *sr_ossl_ctr_cipher(size_t key_len)
{
    cache_ready();
    switch (key_len) {
    case 16:
        return cache.ctr[0];
    case 24:
        return cache.ctr[1];
    case 32:
        return cache.ctr[2];
    default:
        return NULL;
    }
}

const EC_GROUP *sr_ossl_group(enum sr_curve curve)
{
    cache_ready();
    switch (curve) {
    case SR_CURVE_P256:
        return cache.group[0];
    case SR_CURVE_P384:
        return cache.group[1];
    case SR_CURVE_P521:
        return cache.group[2];
    default:
        return NULL;
    }
}

const char *sr_ossl_ecx_name(enum sr_curve curve)
{
    switch (curve) {
    case SR_CURVE_X25519:
        return "X25519";
    case SR_CURVE_X448:
        return "X448";
    case SR_CURVE_ED25519:
        return "ED25519";
    case SR_CURVE_ED448:
        return "ED448";
    default:
        return NULL;
    }
}

X509 *sr_ossl_x509_parse(struct sr_slice der)
{
    const unsigned char *p = der.p;
    if (der.len == 0 || der.len > (size_t)INT32_MAX) {
        return NULL;
    }
    X509 *x = d2i_X509(NULL, &p, (long)der.len);
    if (x != NULL && p != der.p + der.len) {
        X509_free(x); /* trailing bytes: not one DER certificate */
        return NULL;
    }
    return x;
}

sr_err sr_ossl_x509_intermediates(const struct sr_slice *certs, size_t n, STACK_OF(X509) * *out)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL) {
        return sr_ossl_fail(SR_ERR_NOMEM);
    }
    for (size_t i = 1; i < n; i++) {
        X509 *x = sr_ossl_x509_parse(certs[i]);
        if (x == NULL || sk_X509_push(sk, x) == 0) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            return sr_ossl_fail(x == NULL ? SR_ERR_DECODE : SR_ERR_NOMEM);
        }
    }
    *out = sk;
    return SR_OK;
}

sr_err sr_ossl_x509_der_append(X509 *x, struct sr_buf *der)
{
    int len = i2d_X509(x, NULL);
    SR_CHECK(len > 0, SR_ERR_CRYPTO);
    SR_TRY(sr_buf_reserve(der, (size_t)len));
    unsigned char *p = der->p + der->len;
    der->len += (size_t)i2d_X509(x, &p);
    return SR_OK;
}
