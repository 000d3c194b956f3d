/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM input for X.509 credentials: chains of one and three certificates (with text around
 * the blocks, as `openssl x509 -text` leaves it), no certificate, a damaged block, too many
 * certificates; PKCS#8 keys of every signature scheme to the raw key MLS signs with (checked
 * by deriving the public key), keys of the wrong type or curve, encrypted keys and garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/pem.h"
#include "crypto/sig.h"
#include "crypto/x509.h"
#include "testutil.h"

#define NOW 1750000000LL

/* Append the PEM armour of `der` to `pem`. */
static void armour(struct sr_slice der, struct sr_buf *pem)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
    static const char end[] = "-----END CERTIFICATE-----\n";
    unsigned char line[65];
    assert_int_equal(sr_buf_append(pem, begin, strlen(begin)), SR_OK);
    for (size_t off = 0; off < der.len; off += 48) {
        size_t n = der.len - off < 48 ? der.len - off : 48;
        int len = EVP_EncodeBlock(line, der.p + off, (int)n);
        assert_int_equal(sr_buf_append(pem, line, (size_t)len), SR_OK);
        assert_int_equal(sr_buf_append(pem, "\n", 1), SR_OK);
    }
    assert_int_equal(sr_buf_append(pem, end, strlen(end)), SR_OK);
}

static void self_signed(const char *cn, struct sr_buf *der)
{
    struct sr_secret k = { 0 };
    struct sr_buf pub = { 0 };
    assert_int_equal(sr_sig_generate(&sr_sig_ed25519, &k, &pub), SR_OK);
    struct sr_x509_test_cert c = {
        .common_name = cn,
        .is_ca = true,
        .not_before = NOW - 86400,
        .not_after = NOW + 86400,
        .alg = &sr_sig_ed25519,
        .subject_priv = sr_secret_slice(&k),
        .issuer_alg = &sr_sig_ed25519,
        .issuer_priv = sr_secret_slice(&k),
        .serial = 7,
    };
    sr_buf_init(der, 0, 0);
    assert_int_equal(sr_crypto_x509_test_issue(&c, der), SR_OK);
    sr_secret_cleanup(&k);
    sr_buf_cleanup(&pub);
}

static void chains(void **state)
{
    (void)state;
    struct sr_buf der[SR_PEM_CHAIN_MAX + 1], pem = { 0 };
    struct sr_pem_chain chain;
    for (size_t i = 0; i <= SR_PEM_CHAIN_MAX; i++) {
        char cn[16];
        snprintf(cn, sizeof(cn), "CA %zu", i);
        self_signed(cn, &der[i]);
    }
    /* One certificate, then three with text before, between and after the blocks. */
    armour(sr_buf_slice(&der[0]), &pem);
    assert_int_equal(sr_crypto_pem_chain_read(sr_buf_slice(&pem), &chain), SR_OK);
    assert_int_equal(chain.count, 1);
    assert_int_equal(chain.der[0].len, der[0].len);
    assert_memory_equal(chain.der[0].p, der[0].p, der[0].len);
    sr_crypto_pem_chain_cleanup(&chain);
    sr_buf_reset(&pem);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(sr_buf_append(&pem, "Certificate:\n  details\n", 23), SR_OK);
        armour(sr_buf_slice(&der[i]), &pem);
    }
    assert_int_equal(sr_buf_append(&pem, "trailing words\n", 15), SR_OK);
    assert_int_equal(sr_crypto_pem_chain_read(sr_buf_slice(&pem), &chain), SR_OK);
    assert_int_equal(chain.count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(chain.der[i].len, der[i].len);
        assert_memory_equal(chain.der[i].p, der[i].p, der[i].len);
    }
    sr_crypto_pem_chain_cleanup(&chain);

    /* No certificate at all, a damaged block, and one certificate too many. */
    assert_int_equal(sr_crypto_pem_chain_read(sr_slice_of("hello\n", 6), &chain), SR_ERR_DECODE);
    assert_int_equal(chain.count, 0);
    assert_int_equal(sr_crypto_pem_chain_read(sr_slice_of(NULL, 0), &chain), SR_ERR_DECODE);
    sr_buf_reset(&pem);
    armour(sr_buf_slice(&der[0]), &pem);
    pem.p[40] = pem.p[40] == 'A' ? 'B' : 'A'; /* inside the base64: a bad certificate */
    assert_int_equal(sr_crypto_pem_chain_read(sr_buf_slice(&pem), &chain), SR_ERR_DECODE);
    sr_buf_reset(&pem);
    armour(sr_buf_slice(&der[0]), &pem);
    pem.len -= 10; /* no END line */
    assert_int_equal(sr_crypto_pem_chain_read(sr_buf_slice(&pem), &chain), SR_ERR_DECODE);
    assert_int_equal(chain.count, 0);
    sr_buf_reset(&pem);
    for (size_t i = 0; i <= SR_PEM_CHAIN_MAX; i++) {
        armour(sr_buf_slice(&der[i]), &pem);
    }
    assert_int_equal(sr_crypto_pem_chain_read(sr_buf_slice(&pem), &chain), SR_ERR_LIMIT);
    assert_int_equal(chain.count, 0);
    for (size_t i = 0; i <= SR_PEM_CHAIN_MAX; i++) {
        sr_buf_cleanup(&der[i]);
    }
    sr_buf_cleanup(&pem);
}

struct scheme {
    const struct sr_sig_alg *alg;
    const char *type, *group; /* EVP_PKEY_Q_keygen arguments */
};

static const struct scheme schemes[] = {
    { &sr_sig_ed25519, "ED25519", NULL }, { &sr_sig_ed448, "ED448", NULL },
    { &sr_sig_p256, "EC", "P-256" },      { &sr_sig_p384, "EC", "P-384" },
    { &sr_sig_p521, "EC", "P-521" },
};

#define N_SCHEMES (sizeof(schemes) / sizeof(schemes[0]))

static EVP_PKEY *keygen(const struct scheme *s)
{
    EVP_PKEY *pk = s->group != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, s->type, s->group)
                                    : EVP_PKEY_Q_keygen(NULL, NULL, s->type);
    assert_non_null(pk);
    return pk;
}

/* The PEM of `pk`: PKCS#8, encrypted with `pass` when it is not NULL. */
static void key_pem(EVP_PKEY *pk, const char *pass, struct sr_buf *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    assert_non_null(b);
    int ok = pass != NULL ? PEM_write_bio_PKCS8PrivateKey(b, pk, EVP_aes_256_cbc(), NULL, 0, NULL,
                                                          (void *)(uintptr_t)pass)
                          : PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
    assert_int_equal(ok, 1);
    long n = BIO_get_mem_data(b, &p);
    sr_buf_init(out, 0, SR_BUF_WIPE);
    assert_int_equal(sr_buf_append(out, p, (size_t)n), SR_OK);
    BIO_free(b);
}

/* The public key MLS would carry for `pk`: raw EdDSA bytes or the uncompressed point. */
static void public_of(EVP_PKEY *pk, const struct sr_sig_alg *alg, struct sr_buf *out)
{
    uint8_t raw[200];
    size_t len = sizeof(raw);
    if (alg->hash == NULL) {
        assert_int_equal(EVP_PKEY_get_raw_public_key(pk, raw, &len), 1);
    } else {
        assert_int_equal(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, raw,
                                                         sizeof(raw), &len),
                         1);
    }
    sr_buf_init(out, 0, 0);
    assert_int_equal(sr_buf_append(out, raw, len), SR_OK);
}

static void private_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SCHEMES; i++) {
        const struct sr_sig_alg *alg = schemes[i].alg;
        EVP_PKEY *pk = keygen(&schemes[i]);
        struct sr_buf pem, want, got = { 0 };
        struct sr_secret raw = { 0 };
        key_pem(pk, NULL, &pem);
        public_of(pk, alg, &want);
        assert_int_equal(sr_crypto_pem_private_key(sr_buf_slice(&pem), alg, &raw), SR_OK);
        assert_int_equal(raw.len, alg->priv_len);
        assert_int_equal(sr_sig_public_from_private(alg, sr_secret_slice(&raw), &got), SR_OK);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.p, want.p, got.len);
        /* Every other scheme refuses this key as of the wrong type or curve. */
        for (size_t k = 0; k < N_SCHEMES; k++) {
            if (k != i) {
                assert_int_equal(
                        sr_crypto_pem_private_key(sr_buf_slice(&pem), schemes[k].alg, &raw),
                        SR_ERR_INVALID);
                assert_int_equal(raw.len, 0);
            }
        }
        /* Encrypted, truncated, or a certificate instead of a key. */
        sr_buf_cleanup(&pem);
        key_pem(pk, "secret", &pem);
        assert_int_equal(sr_crypto_pem_private_key(sr_buf_slice(&pem), alg, &raw), SR_ERR_DECODE);
        assert_int_equal(sr_crypto_pem_private_key(sr_slice_of(pem.p, pem.len / 2), alg, &raw),
                         SR_ERR_DECODE);
        assert_int_equal(raw.len, 0);
        EVP_PKEY_free(pk);
        sr_buf_cleanup(&pem);
        sr_buf_cleanup(&want);
        sr_buf_cleanup(&got);
    }
    struct sr_buf der, pem = { 0 };
    struct sr_secret raw = { 0 };
    self_signed("not a key", &der);
    armour(sr_buf_slice(&der), &pem);
    assert_int_equal(sr_crypto_pem_private_key(sr_buf_slice(&pem), &sr_sig_ed25519, &raw),
                     SR_ERR_DECODE);
    assert_int_equal(sr_crypto_pem_private_key(sr_slice_of(NULL, 0), &sr_sig_ed25519, &raw),
                     SR_ERR_DECODE);
    sr_buf_cleanup(&der);
    sr_buf_cleanup(&pem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chains),
        cmocka_unit_test(private_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
