/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DH for the DHKEMs: X25519 (RFC 7748 §5.2, §6.1) and P-256 ECDH (RFC 5903 §8.1) known
 * answers, agreement on every KEM, all-zero X25519/X448 results, invalid points, scalar
 * range checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/dh.h"
#include "crypto/rand.h"
#include "testutil.h"

static const struct sr_kem_alg *const kems[] = { &sr_kem_p256, &sr_kem_p384, &sr_kem_p521,
                                                 &sr_kem_x25519, &sr_kem_x448 };
#define N_KEMS (sizeof(kems) / sizeof(kems[0]))

static void expect_hex(const uint8_t *got, size_t len, const char *hex)
{
    struct sr_buf want = { 0 };
    sr_test_hex(hex, &want);
    assert_int_equal(want.len, len);
    assert_memory_equal(got, want.p, len);
    sr_buf_cleanup(&want);
}

static void x25519_rfc7748(void **state)
{
    (void)state;
    struct sr_buf a = { 0 }, b = { 0 }, k = { 0 }, u = { 0 };
    uint8_t pa[32], pb[32], s1[32], s2[32];
    /* §6.1 */
    sr_test_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", &a);
    sr_test_hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", &b);
    assert_int_equal(sr_dh_public_from_private(&sr_kem_x25519, sr_buf_slice(&a), pa), SR_OK);
    expect_hex(pa, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    assert_int_equal(sr_dh_public_from_private(&sr_kem_x25519, sr_buf_slice(&b), pb), SR_OK);
    expect_hex(pb, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    assert_int_equal(sr_dh_derive(&sr_kem_x25519, sr_buf_slice(&a), sr_slice_of(pb, 32), s1),
                     SR_OK);
    assert_int_equal(sr_dh_derive(&sr_kem_x25519, sr_buf_slice(&b), sr_slice_of(pa, 32), s2),
                     SR_OK);
    expect_hex(s1, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assert_memory_equal(s1, s2, 32);
    /* §5.2, first test vector */
    sr_test_hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", &k);
    sr_test_hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", &u);
    assert_int_equal(sr_dh_derive(&sr_kem_x25519, sr_buf_slice(&k), sr_buf_slice(&u), s1), SR_OK);
    expect_hex(s1, 32, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    sr_buf_cleanup(&a);
    sr_buf_cleanup(&b);
    sr_buf_cleanup(&k);
    sr_buf_cleanup(&u);
}

static void p256_rfc5903(void **state)
{
    (void)state;
    struct sr_buf i = { 0 }, r = { 0 };
    uint8_t gi[65], gr[65], s1[32], s2[32];
    sr_test_hex("c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433", &i);
    sr_test_hex("c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53", &r);
    assert_int_equal(sr_dh_public_from_private(&sr_kem_p256, sr_buf_slice(&i), gi), SR_OK);
    expect_hex(gi, 65,
               "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
               "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3");
    assert_int_equal(sr_dh_public_from_private(&sr_kem_p256, sr_buf_slice(&r), gr), SR_OK);
    expect_hex(gr, 65,
               "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
               "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab");
    assert_int_equal(sr_dh_derive(&sr_kem_p256, sr_buf_slice(&i), sr_slice_of(gr, 65), s1), SR_OK);
    assert_int_equal(sr_dh_derive(&sr_kem_p256, sr_buf_slice(&r), sr_slice_of(gi, 65), s2), SR_OK);
    expect_hex(s1, 32, "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de");
    assert_memory_equal(s1, s2, 32);
    sr_buf_cleanup(&i);
    sr_buf_cleanup(&r);
}

/* A random private key of the right shape for `kem` (NIST: rejection-sampled). */
static void random_key(const struct sr_kem_alg *kem, uint8_t *sk)
{
    do {
        assert_int_equal(sr_rand_bytes(sk, kem->sk_len), SR_OK);
        if (kem == &sr_kem_p521) {
            sk[0] &= 1;
        }
    } while (!sr_dh_private_in_range(kem, sr_slice_of(sk, kem->sk_len)));
}

static void agreement_all_kems(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_KEMS; k++) {
        const struct sr_kem_alg *kem = kems[k];
        uint8_t a[SR_KEM_SK_MAX], b[SR_KEM_SK_MAX], pa[SR_KEM_PK_MAX], pb[SR_KEM_PK_MAX];
        uint8_t s1[SR_DH_MAX], s2[SR_DH_MAX];
        random_key(kem, a);
        random_key(kem, b);
        assert_int_equal(sr_dh_public_from_private(kem, sr_slice_of(a, kem->sk_len), pa), SR_OK);
        assert_int_equal(sr_dh_public_from_private(kem, sr_slice_of(b, kem->sk_len), pb), SR_OK);
        assert_int_equal(sr_dh_check_public(kem, sr_slice_of(pa, kem->pk_len)), SR_OK);
        assert_int_equal(
                sr_dh_derive(kem, sr_slice_of(a, kem->sk_len), sr_slice_of(pb, kem->pk_len), s1),
                SR_OK);
        assert_int_equal(
                sr_dh_derive(kem, sr_slice_of(b, kem->sk_len), sr_slice_of(pa, kem->pk_len), s2),
                SR_OK);
        assert_memory_equal(s1, s2, kem->dh_len);
        /* Handing over our public key changes nothing but the cost. */
        memset(s2, 0, sizeof(s2));
        assert_int_equal(sr_dh_derive_with_public(kem, sr_slice_of(a, kem->sk_len),
                                                  sr_slice_of(pa, kem->pk_len),
                                                  sr_slice_of(pb, kem->pk_len), s2),
                         SR_OK);
        assert_memory_equal(s1, s2, kem->dh_len);
        assert_int_equal(sr_dh_derive_with_public(kem, sr_slice_of(a, kem->sk_len),
                                                  sr_slice_of(pa, kem->pk_len - 1),
                                                  sr_slice_of(pb, kem->pk_len), s2),
                         SR_ERR_DECODE);
        /* Wrong lengths. */
        assert_int_equal(sr_dh_check_public(kem, sr_slice_of(pa, kem->pk_len - 1)), SR_ERR_DECODE);
        assert_int_equal(sr_dh_derive(kem, sr_slice_of(a, kem->sk_len - 1),
                                      sr_slice_of(pb, kem->pk_len), s1),
                         SR_ERR_DECODE);
    }
}

/* RFC 7748 §6.1 / RFC 9180 §7.1.4: small-order peers give all zeros, which is refused. */
static void ecx_all_zero(void **state)
{
    (void)state;
    const struct sr_kem_alg *ecx[] = { &sr_kem_x25519, &sr_kem_x448 };
    for (size_t k = 0; k < 2; k++) {
        uint8_t sk[56], peer[56] = { 0 }, out[56];
        random_key(ecx[k], sk);
        for (uint8_t u = 0; u < 2; u++) {
            peer[0] = u; /* u = 0 and u = 1 are both of small order */
            memset(out, 0xa5, sizeof(out));
            assert_int_equal(sr_dh_derive(ecx[k], sr_slice_of(sk, ecx[k]->sk_len),
                                          sr_slice_of(peer, ecx[k]->pk_len), out),
                             SR_ERR_INVALID);
            for (size_t i = 0; i < ecx[k]->dh_len; i++) {
                assert_int_equal(out[i], 0);
            }
            uint8_t pk[56];
            assert_int_equal(sr_dh_public_from_private(ecx[k], sr_slice_of(sk, ecx[k]->sk_len), pk),
                             SR_OK);
            assert_int_equal(sr_dh_derive_with_public(ecx[k], sr_slice_of(sk, ecx[k]->sk_len),
                                                      sr_slice_of(pk, ecx[k]->pk_len),
                                                      sr_slice_of(peer, ecx[k]->pk_len), out),
                             SR_ERR_INVALID);
        }
    }
}

static void invalid_points(void **state)
{
    (void)state;
    const struct sr_kem_alg *nist[] = { &sr_kem_p256, &sr_kem_p384, &sr_kem_p521 };
    for (size_t k = 0; k < 3; k++) {
        const struct sr_kem_alg *kem = nist[k];
        uint8_t sk[SR_KEM_SK_MAX], pk[SR_KEM_PK_MAX], bad[SR_KEM_PK_MAX], out[SR_DH_MAX];
        random_key(kem, sk);
        assert_int_equal(sr_dh_public_from_private(kem, sr_slice_of(sk, kem->sk_len), pk), SR_OK);
        struct sr_slice s = sr_slice_of(sk, kem->sk_len);
        struct sr_slice b = sr_slice_of(bad, kem->pk_len);
        memcpy(bad, pk, kem->pk_len);
        bad[kem->pk_len - 1] ^= 1; /* off the curve */
        assert_int_equal(sr_dh_check_public(kem, b), SR_ERR_INVALID);
        assert_int_equal(sr_dh_derive(kem, s, b, out), SR_ERR_INVALID);
        memcpy(bad, pk, kem->pk_len);
        bad[0] = 0x03; /* not the uncompressed form */
        assert_int_equal(sr_dh_derive(kem, s, b, out), SR_ERR_INVALID);
        memset(bad, 0, kem->pk_len); /* the identity has no uncompressed encoding */
        assert_int_equal(sr_dh_check_public(kem, b), SR_ERR_INVALID);
        memset(bad + 1, 0xff, kem->pk_len - 1); /* coordinates >= p */
        bad[0] = 0x04;
        assert_int_equal(sr_dh_check_public(kem, b), SR_ERR_INVALID);
        assert_int_equal(sr_dh_check_public(kem, sr_slice_of(pk, 1)), SR_ERR_DECODE);
    }
}

static void scalar_range(void **state)
{
    (void)state;
    struct sr_buf n = { 0 };
    uint8_t out[65];
    /* The order of P-256 (SEC 2 §2.4.2). */
    sr_test_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", &n);
    struct sr_slice s = sr_buf_slice(&n);
    assert_false(sr_dh_private_in_range(&sr_kem_p256, s));
    assert_int_equal(sr_dh_public_from_private(&sr_kem_p256, s, out), SR_ERR_INVALID);
    n.p[31] = 0x50; /* n - 1 */
    assert_true(sr_dh_private_in_range(&sr_kem_p256, s));
    memset(n.p, 0, 32);
    assert_false(sr_dh_private_in_range(&sr_kem_p256, s));
    n.p[31] = 1;
    assert_true(sr_dh_private_in_range(&sr_kem_p256, s));
    assert_false(sr_dh_private_in_range(&sr_kem_p256, sr_slice_of(n.p, 31)));
    /* X25519 accepts any 32 bytes: clamping makes every string a scalar. */
    memset(n.p, 0xff, 32);
    assert_true(sr_dh_private_in_range(&sr_kem_x25519, s));
    /* P-521 scalars above 2^521 - 1 are out of range. */
    uint8_t big[66];
    memset(big, 0xff, sizeof(big));
    assert_false(sr_dh_private_in_range(&sr_kem_p521, sr_slice_of(big, 66)));
    big[0] = 0x00;
    assert_true(sr_dh_private_in_range(&sr_kem_p521, sr_slice_of(big, 66)));
    sr_buf_cleanup(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(x25519_rfc7748),     cmocka_unit_test(p256_rfc5903),
        cmocka_unit_test(agreement_all_kems), cmocka_unit_test(ecx_all_zero),
        cmocka_unit_test(invalid_points),     cmocka_unit_test(scalar_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
