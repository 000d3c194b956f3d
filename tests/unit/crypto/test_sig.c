/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signatures: RFC 8032 §7.1 test 1, sign/verify for every scheme, deterministic key
 * generation through the rand seam, flipped and truncated signatures, wrong lengths,
 * invalid points and out-of-range scalars.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/rand.h"
#include "crypto/sig.h"
#include "testutil.h"

static const struct sr_sig_alg *const algs[] = { &sr_sig_ed25519, &sr_sig_ed448, &sr_sig_p256,
                                                 &sr_sig_p384, &sr_sig_p521 };
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

/* A repeatable byte stream for the rand seam (xorshift64*; not for real use). */
static sr_err test_source(void *arg, uint8_t *out, size_t n)
{
    uint64_t *s = arg;
    for (size_t i = 0; i < n; i++) {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        out[i] = (uint8_t)((*s * 2685821657736338717ull) >> 56);
    }
    return SR_OK;
}

static sr_err all_ones(void *arg, uint8_t *out, size_t n)
{
    (void)arg;
    memset(out, 0xff, n);
    return SR_OK;
}

static void ed25519_rfc8032(void **state)
{
    (void)state;
    struct sr_buf priv = { 0 }, pub = { 0 }, sig = { 0 }, want = { 0 };
    sr_test_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", &priv);
    assert_int_equal(sr_sig_public_from_private(&sr_sig_ed25519, sr_buf_slice(&priv), &pub), SR_OK);
    sr_test_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", &want);
    assert_int_equal(pub.len, want.len);
    assert_memory_equal(pub.p, want.p, want.len);
    assert_int_equal(sr_sig_sign(&sr_sig_ed25519, sr_buf_slice(&priv), sr_slice_of(NULL, 0), &sig),
                     SR_OK);
    sr_test_hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
                "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
                &want);
    assert_int_equal(sig.len, want.len);
    assert_memory_equal(sig.p, want.p, want.len);
    assert_int_equal(sr_sig_verify(&sr_sig_ed25519, sr_buf_slice(&pub), sr_slice_of(NULL, 0),
                                   sr_buf_slice(&sig)),
                     SR_OK);
    assert_int_equal(sr_sig_verify(&sr_sig_ed25519, sr_buf_slice(&pub), sr_slice_of("x", 1),
                                   sr_buf_slice(&sig)),
                     SR_ERR_AUTH);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&pub);
    sr_buf_cleanup(&sig);
    sr_buf_cleanup(&want);
}

/* Generate, sign, verify; then every flipped bit and every truncation fails. */
static void sign_verify_all(void **state)
{
    (void)state;
    static const char msg[] = "MLS signs this";
    struct sr_slice m = sr_slice_of(msg, sizeof(msg) - 1);
    for (size_t a = 0; a < N_ALGS; a++) {
        struct sr_secret priv = { { 0 }, 0 };
        struct sr_buf pub = { 0 }, sig = { 0 };
        assert_int_equal(sr_sig_generate(algs[a], &priv, &pub), SR_OK);
        assert_int_equal(priv.len, algs[a]->priv_len);
        assert_int_equal(pub.len, algs[a]->pub_len);
        assert_int_equal(sr_sig_sign(algs[a], sr_secret_slice(&priv), m, &sig), SR_OK);
        assert_true(sig.len <= algs[a]->max_sig_len);
        assert_int_equal(sr_sig_verify(algs[a], sr_buf_slice(&pub), m, sr_buf_slice(&sig)), SR_OK);
        struct sr_sig_key *key = NULL;
        assert_int_equal(sr_sig_key_from_public(algs[a], sr_buf_slice(&pub), &key), SR_OK);
        uint8_t bad[SR_SIG_MAX];
        for (size_t i = 0; i < sig.len; i++) {
            for (int bit = 0; bit < 8; bit += 3) {
                memcpy(bad, sig.p, sig.len);
                bad[i] ^= (uint8_t)(1u << bit);
                assert_int_equal(sr_sig_key_verify(key, m, sr_slice_of(bad, sig.len)), SR_ERR_AUTH);
            }
        }
        for (size_t cut = 0; cut < sig.len; cut++) {
            assert_int_equal(sr_sig_key_verify(key, m, sr_slice_of(sig.p, cut)), SR_ERR_AUTH);
        }
        memset(bad, 0, sizeof(bad));
        memcpy(bad, sig.p, sig.len);
        assert_int_equal(sr_sig_key_verify(key, m, sr_slice_of(bad, sig.len + 1)), SR_ERR_AUTH);
        assert_int_equal(sr_sig_key_verify(key, sr_slice_of(msg, 3), sr_buf_slice(&sig)),
                         SR_ERR_AUTH);
        /* A public key cannot sign. */
        assert_int_equal(sr_sig_key_sign(key, m, &sig), SR_ERR_ARG);
        sr_sig_key_free(key);
        sr_secret_cleanup(&priv);
        sr_buf_cleanup(&pub);
        sr_buf_cleanup(&sig);
    }
    sr_sig_key_free(NULL);
}

/* A repeatable rand source gives the same keys; a parsed private key signs repeatedly. */
static void deterministic_generation(void **state)
{
    (void)state;
    for (size_t a = 0; a < N_ALGS; a++) {
        struct sr_secret p1 = { { 0 }, 0 }, p2 = { { 0 }, 0 };
        struct sr_buf pub1 = { 0 }, pub2 = { 0 }, pub3 = { 0 }, sig = { 0 };
        uint64_t seed = 0x1234567 + a;
        sr_rand_set_source(test_source, &seed);
        assert_int_equal(sr_sig_generate(algs[a], &p1, &pub1), SR_OK);
        seed = 0x1234567 + a;
        assert_int_equal(sr_sig_generate(algs[a], &p2, &pub2), SR_OK);
        sr_rand_set_source(NULL, NULL);
        assert_int_equal(p1.len, p2.len);
        assert_memory_equal(p1.p, p2.p, p1.len);
        assert_memory_equal(pub1.p, pub2.p, pub1.len);
        assert_int_equal(sr_sig_public_from_private(algs[a], sr_secret_slice(&p1), &pub3), SR_OK);
        assert_memory_equal(pub1.p, pub3.p, pub1.len);
        struct sr_sig_key *key = NULL;
        assert_int_equal(sr_sig_key_from_private(algs[a], sr_secret_slice(&p1), &key), SR_OK);
        for (int i = 0; i < 3; i++) {
            sr_buf_reset(&sig);
            assert_int_equal(sr_sig_key_sign(key, sr_slice_of("m", 1), &sig), SR_OK);
            assert_int_equal(sr_sig_key_verify(key, sr_slice_of("m", 1), sr_buf_slice(&sig)),
                             SR_OK);
            assert_int_equal(sr_sig_verify(algs[a], sr_buf_slice(&pub1), sr_slice_of("m", 1),
                                           sr_buf_slice(&sig)),
                             SR_OK);
        }
        sr_sig_key_free(key);
        sr_secret_cleanup(&p1);
        sr_secret_cleanup(&p2);
        sr_buf_cleanup(&pub1);
        sr_buf_cleanup(&pub2);
        sr_buf_cleanup(&pub3);
        sr_buf_cleanup(&sig);
    }
}

/* A source that only ever yields scalars >= n cannot make an ECDSA key. */
static void broken_source(void **state)
{
    (void)state;
    struct sr_secret priv = { { 0 }, 0 };
    struct sr_buf pub = { 0 };
    sr_rand_set_source(all_ones, NULL);
    assert_int_equal(sr_sig_generate(&sr_sig_p256, &priv, &pub), SR_ERR_CRYPTO);
    assert_int_equal(priv.len, 0);
    assert_int_equal(pub.len, 0);
    /* For P-521 the top bits are masked, so 0x01ff..ff is still above n and rejected. */
    assert_int_equal(sr_sig_generate(&sr_sig_p521, &priv, &pub), SR_ERR_CRYPTO);
    sr_rand_set_source(NULL, NULL);
    sr_buf_cleanup(&pub);
}

static void bad_keys(void **state)
{
    (void)state;
    uint8_t buf[200] = { 0 };
    struct sr_buf pub = { 0 };
    struct sr_sig_key *key = NULL;
    struct sr_slice m = sr_slice_of("m", 1);
    for (size_t a = 0; a < N_ALGS; a++) {
        /* Wrong lengths are malformed input. */
        assert_int_equal(
                sr_sig_key_from_public(algs[a], sr_slice_of(buf, algs[a]->pub_len - 1), &key),
                SR_ERR_DECODE);
        assert_int_equal(sr_sig_verify(algs[a], sr_slice_of(buf, algs[a]->pub_len + 1), m,
                                       sr_slice_of(buf, 64)),
                         SR_ERR_DECODE);
        assert_int_equal(
                sr_sig_public_from_private(algs[a], sr_slice_of(buf, algs[a]->priv_len + 1), &pub),
                SR_ERR_DECODE);
        assert_int_equal(sr_sig_sign(algs[a], sr_slice_of(buf, 0), m, &pub), SR_ERR_DECODE);
        if (algs[a]->hash == NULL) {
            assert_int_equal(sr_sig_sign(algs[a], sr_slice_of(buf, algs[a]->priv_len - 1), m, &pub),
                             SR_ERR_DECODE);
        }
        assert_null(key);
        assert_int_equal(pub.len, 0);
    }
    const struct sr_sig_alg *ec[] = { &sr_sig_p256, &sr_sig_p384, &sr_sig_p521 };
    for (size_t a = 0; a < 3; a++) {
        struct sr_secret priv = { { 0 }, 0 };
        sr_buf_reset(&pub);
        assert_int_equal(sr_sig_generate(ec[a], &priv, &pub), SR_OK);
        size_t n = pub.len;
        /* Off the curve: change y. */
        memcpy(buf, pub.p, n);
        buf[n - 1] ^= 1;
        assert_int_equal(sr_sig_key_from_public(ec[a], sr_slice_of(buf, n), &key), SR_ERR_INVALID);
        /* Compressed or hybrid encodings and the bare identity are refused. */
        memcpy(buf, pub.p, n);
        buf[0] = 0x02;
        assert_int_equal(sr_sig_key_from_public(ec[a], sr_slice_of(buf, n), &key), SR_ERR_INVALID);
        memset(buf, 0, n);
        assert_int_equal(sr_sig_verify(ec[a], sr_slice_of(buf, n), m, sr_slice_of(buf, 8)),
                         SR_ERR_INVALID);
        /* Scalars 0 and >= n are not private keys. */
        memset(buf, 0, ec[a]->priv_len);
        assert_int_equal(sr_sig_key_from_private(ec[a], sr_slice_of(buf, ec[a]->priv_len), &key),
                         SR_ERR_INVALID);
        memset(buf, 0xff, ec[a]->priv_len);
        assert_int_equal(sr_sig_key_from_private(ec[a], sr_slice_of(buf, ec[a]->priv_len), &key),
                         SR_ERR_INVALID);
        assert_null(key);
        sr_secret_cleanup(&priv);
    }
    sr_buf_cleanup(&pub);
}

/* An ECDSA scalar without its leading zero byte is the same key. */
static void ecdsa_short_scalar(void **state)
{
    (void)state;
    const struct sr_sig_alg *ec[] = { &sr_sig_p256, &sr_sig_p384, &sr_sig_p521 };
    for (size_t a = 0; a < 3; a++) {
        struct sr_secret priv = { { 0 }, 0 };
        struct sr_buf pub = { 0 }, pub2 = { 0 }, sig = { 0 };
        assert_int_equal(sr_sig_generate(ec[a], &priv, &pub), SR_OK);
        priv.p[0] = 0; /* still in [1, n-1] */
        sr_buf_reset(&pub);
        assert_int_equal(sr_sig_public_from_private(ec[a], sr_secret_slice(&priv), &pub), SR_OK);
        struct sr_slice shorter = sr_slice_of(priv.p + 1, priv.len - 1);
        assert_int_equal(sr_sig_public_from_private(ec[a], shorter, &pub2), SR_OK);
        assert_int_equal(pub.len, pub2.len);
        assert_memory_equal(pub.p, pub2.p, pub.len);
        assert_int_equal(sr_sig_sign(ec[a], shorter, sr_slice_of("m", 1), &sig), SR_OK);
        assert_int_equal(
                sr_sig_verify(ec[a], sr_buf_slice(&pub), sr_slice_of("m", 1), sr_buf_slice(&sig)),
                SR_OK);
        sr_secret_cleanup(&priv);
        sr_buf_cleanup(&pub);
        sr_buf_cleanup(&pub2);
        sr_buf_cleanup(&sig);
    }
}

/* A signature by one scheme's key never verifies under another key. */
static void wrong_key(void **state)
{
    (void)state;
    for (size_t a = 0; a < N_ALGS; a++) {
        struct sr_secret p1 = { { 0 }, 0 }, p2 = { { 0 }, 0 };
        struct sr_buf pub1 = { 0 }, pub2 = { 0 }, sig = { 0 };
        assert_int_equal(sr_sig_generate(algs[a], &p1, &pub1), SR_OK);
        assert_int_equal(sr_sig_generate(algs[a], &p2, &pub2), SR_OK);
        assert_int_equal(sr_sig_sign(algs[a], sr_secret_slice(&p1), sr_slice_of("m", 1), &sig),
                         SR_OK);
        assert_int_equal(sr_sig_verify(algs[a], sr_buf_slice(&pub2), sr_slice_of("m", 1),
                                       sr_buf_slice(&sig)),
                         SR_ERR_AUTH);
        sr_secret_cleanup(&p1);
        sr_secret_cleanup(&p2);
        sr_buf_cleanup(&pub1);
        sr_buf_cleanup(&pub2);
        sr_buf_cleanup(&sig);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ed25519_rfc8032),
        cmocka_unit_test(sign_verify_all),
        cmocka_unit_test(deterministic_generation),
        cmocka_unit_test(broken_source),
        cmocka_unit_test(bad_keys),
        cmocka_unit_test(ecdsa_short_scalar),
        cmocka_unit_test(wrong_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
