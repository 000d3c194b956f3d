/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DHKEM (RFC 9180 §4.1, §7.1): DeriveKeyPair is deterministic and matches RFC 9180 A.1.1,
 * generated keys work, and malformed keys are rejected: wrong lengths (SR_ERR_DECODE),
 * off-curve points and small-order X25519 points (SR_ERR_INVALID), out-of-range scalars.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/rand.h"
#include "crypto/suite.h"
#include "hpke/hpke.h"
#include "hpke/kem.h"
#include "testutil.h"

static const uint16_t kem_ids[] = { 0x0010, 0x0011, 0x0012, 0x0020, 0x0021 };
#define N_KEMS (sizeof(kem_ids) / sizeof(kem_ids[0]))

static const struct sr_kem_alg *kem_at(size_t i)
{
    const struct sr_kem_alg *kem = sr_kem_get(kem_ids[i]);
    assert_non_null(kem);
    return kem;
}

static void derive_is_deterministic(void **state)
{
    (void)state;
    uint8_t ikm[80];
    for (size_t i = 0; i < sizeof(ikm); i++) {
        ikm[i] = (uint8_t)(i * 7 + 1);
    }
    for (size_t k = 0; k < N_KEMS; k++) {
        const struct sr_kem_alg *kem = kem_at(k);
        struct sr_secret sk1, sk2, sk3;
        uint8_t pk1[SR_KEM_PK_MAX], pk2[SR_KEM_PK_MAX], pk3[SR_KEM_PK_MAX];
        assert_int_equal(sr_hpke_derive_key_pair(kem, sr_slice_of(ikm, 64), &sk1, pk1), SR_OK);
        assert_int_equal(sr_hpke_derive_key_pair(kem, sr_slice_of(ikm, 64), &sk2, pk2), SR_OK);
        assert_int_equal(sk1.len, kem->sk_len);
        assert_memory_equal(sk1.p, sk2.p, sk1.len);
        assert_memory_equal(pk1, pk2, kem->pk_len);
        /* A different ikm gives a different key pair. */
        assert_int_equal(sr_hpke_derive_key_pair(kem, sr_slice_of(ikm, 65), &sk3, pk3), SR_OK);
        assert_memory_not_equal(pk1, pk3, kem->pk_len);
        assert_int_equal(sr_hpke_kem_check_private(kem, sr_secret_slice(&sk1)), SR_OK);
        assert_int_equal(sr_hpke_kem_check_public(kem, sr_slice_of(pk1, kem->pk_len)), SR_OK);
        sr_secret_cleanup(&sk1);
        sr_secret_cleanup(&sk2);
        sr_secret_cleanup(&sk3);
    }
}

static void derive_matches_rfc(void **state)
{
    (void)state;
    /* RFC 9180 A.1.1 (DHKEM(X25519, HKDF-SHA256)), the receiver's key pair. */
    struct sr_buf ikm = { 0 }, want_sk = { 0 }, want_pk = { 0 };
    sr_test_hex("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037", &ikm);
    sr_test_hex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8", &want_sk);
    sr_test_hex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d", &want_pk);
    struct sr_secret sk;
    uint8_t pk[SR_KEM_PK_MAX];
    assert_int_equal(sr_hpke_derive_key_pair(sr_kem_get(0x0020), sr_buf_slice(&ikm), &sk, pk),
                     SR_OK);
    assert_memory_equal(sk.p, want_sk.p, 32);
    assert_memory_equal(pk, want_pk.p, 32);
    sr_secret_cleanup(&sk);
    sr_buf_cleanup(&ikm);
    sr_buf_cleanup(&want_sk);
    sr_buf_cleanup(&want_pk);
}

static void generate_round_trip(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_KEMS; k++) {
        const struct sr_kem_alg *kem = kem_at(k);
        struct sr_secret sk_r, sk_s;
        uint8_t pk_r[SR_KEM_PK_MAX], pk_s[SR_KEM_PK_MAX], enc[SR_KEM_PK_MAX];
        uint8_t s1[SR_HASH_MAX], s2[SR_HASH_MAX];
        assert_int_equal(sr_hpke_generate_key_pair(kem, &sk_r, pk_r), SR_OK);
        assert_int_equal(sr_hpke_generate_key_pair(kem, &sk_s, pk_s), SR_OK);
        struct sr_slice pkr = sr_slice_of(pk_r, kem->pk_len);
        struct sr_slice pks = sr_slice_of(pk_s, kem->pk_len);
        struct sr_slice none = sr_slice_of(NULL, 0);
        /* Encap/Decap */
        assert_int_equal(sr_hpke_kem_encap(kem, pkr, none, none, enc, s1), SR_OK);
        assert_int_equal(sr_hpke_kem_decap(kem, sr_slice_of(enc, kem->enc_len),
                                           sr_secret_slice(&sk_r), none, s2),
                         SR_OK);
        assert_memory_equal(s1, s2, kem->secret_len);
        /* AuthEncap/AuthDecap, and AuthDecap with the wrong sender key disagrees. */
        assert_int_equal(sr_hpke_kem_encap(kem, pkr, sr_secret_slice(&sk_s), none, enc, s1), SR_OK);
        assert_int_equal(sr_hpke_kem_decap(kem, sr_slice_of(enc, kem->enc_len),
                                           sr_secret_slice(&sk_r), pks, s2),
                         SR_OK);
        assert_memory_equal(s1, s2, kem->secret_len);
        assert_int_equal(sr_hpke_kem_decap(kem, sr_slice_of(enc, kem->enc_len),
                                           sr_secret_slice(&sk_r), pkr, s2),
                         SR_OK);
        assert_memory_not_equal(s1, s2, kem->secret_len);
        sr_secret_cleanup(&sk_r);
        sr_secret_cleanup(&sk_s);
    }
}

/* A test randomness source: a counter pattern, or a failure. */
static sr_err counting_source(void *arg, uint8_t *out, size_t n)
{
    unsigned *calls = arg;
    (*calls)++;
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(i + 3);
    }
    return SR_OK;
}

static sr_err failing_source(void *arg, uint8_t *out, size_t n)
{
    (void)arg;
    (void)out;
    (void)n;
    return SR_ERR_CRYPTO;
}

/* GenerateKeyPair is DeriveKeyPair over Nsk bytes from crypto/rand, whose errors it returns. */
static void generate_uses_rand(void **state)
{
    (void)state;
    uint8_t ikm[SR_KEM_SK_MAX];
    for (size_t i = 0; i < sizeof(ikm); i++) {
        ikm[i] = (uint8_t)(i + 3);
    }
    for (size_t k = 0; k < N_KEMS; k++) {
        const struct sr_kem_alg *kem = kem_at(k);
        struct sr_secret sk1, sk2;
        uint8_t pk1[SR_KEM_PK_MAX], pk2[SR_KEM_PK_MAX];
        unsigned calls = 0;
        sr_rand_set_source(counting_source, &calls);
        assert_int_equal(sr_hpke_generate_key_pair(kem, &sk1, pk1), SR_OK);
        sr_rand_set_source(failing_source, NULL);
        assert_int_equal(sr_hpke_generate_key_pair(kem, &sk2, pk2), SR_ERR_CRYPTO);
        assert_int_equal(sk2.len, 0);
        sr_rand_set_source(NULL, NULL);
        assert_int_equal(calls, 1);
        assert_int_equal(sr_hpke_derive_key_pair(kem, sr_slice_of(ikm, kem->sk_len), &sk2, pk2),
                         SR_OK);
        assert_memory_equal(sk1.p, sk2.p, kem->sk_len);
        assert_memory_equal(pk1, pk2, kem->pk_len);
        sr_secret_cleanup(&sk1);
        sr_secret_cleanup(&sk2);
    }
}

static void wrong_lengths(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_KEMS; k++) {
        const struct sr_kem_alg *kem = kem_at(k);
        struct sr_secret sk;
        uint8_t pk[SR_KEM_PK_MAX + 1], enc[SR_KEM_PK_MAX], ss[SR_HASH_MAX];
        struct sr_slice none = sr_slice_of(NULL, 0);
        assert_int_equal(sr_hpke_generate_key_pair(kem, &sk, pk), SR_OK);
        pk[kem->pk_len] = 0;
        assert_int_equal(sr_hpke_kem_check_public(kem, sr_slice_of(pk, kem->pk_len - 1)),
                         SR_ERR_DECODE);
        assert_int_equal(sr_hpke_kem_check_public(kem, sr_slice_of(pk, kem->pk_len + 1)),
                         SR_ERR_DECODE);
        assert_int_equal(
                sr_hpke_kem_encap(kem, sr_slice_of(pk, kem->pk_len - 1), none, none, enc, ss),
                SR_ERR_DECODE);
        assert_int_equal(sr_hpke_kem_decap(kem, sr_slice_of(pk, kem->pk_len + 1),
                                           sr_secret_slice(&sk), none, ss),
                         SR_ERR_DECODE);
        assert_int_equal(sr_hpke_kem_decap(kem, sr_slice_of(pk, kem->pk_len),
                                           sr_slice_of(sk.p, sk.len - 1), none, ss),
                         SR_ERR_DECODE);
        assert_int_equal(sr_hpke_kem_check_private(kem, sr_slice_of(NULL, 0)), SR_ERR_DECODE);
        sr_secret_cleanup(&sk);
    }
}

static void invalid_points(void **state)
{
    (void)state;
    uint8_t ss[SR_HASH_MAX], enc[SR_KEM_PK_MAX];
    struct sr_slice none = sr_slice_of(NULL, 0);
    for (size_t k = 0; k < N_KEMS; k++) {
        const struct sr_kem_alg *kem = kem_at(k);
        struct sr_secret sk;
        uint8_t pk[SR_KEM_PK_MAX], bad[SR_KEM_PK_MAX];
        assert_int_equal(sr_hpke_generate_key_pair(kem, &sk, pk), SR_OK);
        memset(bad, 0, sizeof(bad));
        if (kem->is_nist) {
            /* Off the curve: a valid point with its last coordinate byte changed. */
            memcpy(bad, pk, kem->pk_len);
            bad[kem->pk_len - 1] ^= 1;
        }
        /* X25519/X448: the all-zero u-coordinate is small-order and its DH is all zero. */
        struct sr_slice b = sr_slice_of(bad, kem->pk_len);
        if (kem->is_nist) {
            assert_int_equal(sr_hpke_kem_check_public(kem, b), SR_ERR_INVALID);
        }
        assert_int_equal(sr_hpke_kem_encap(kem, b, none, none, enc, ss), SR_ERR_INVALID);
        assert_int_equal(sr_hpke_kem_decap(kem, b, sr_secret_slice(&sk), none, ss), SR_ERR_INVALID);
        if (kem->is_nist) {
            /* Zero and anything >= order are not private keys (§7.1.2). */
            uint8_t scalar[SR_KEM_SK_MAX];
            memset(scalar, 0, sizeof(scalar));
            assert_int_equal(sr_hpke_kem_check_private(kem, sr_slice_of(scalar, kem->sk_len)),
                             SR_ERR_INVALID);
            memset(scalar, 0xff, sizeof(scalar));
            assert_int_equal(sr_hpke_kem_check_private(kem, sr_slice_of(scalar, kem->sk_len)),
                             SR_ERR_INVALID);
        }
        sr_secret_cleanup(&sk);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(derive_is_deterministic), cmocka_unit_test(derive_matches_rfc),
        cmocka_unit_test(generate_round_trip),     cmocka_unit_test(wrong_lengths),
        cmocka_unit_test(invalid_points),          cmocka_unit_test(generate_uses_rand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
