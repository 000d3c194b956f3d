/* SPDX-License-Identifier: Apache-2.0 */
/* Hash, HMAC and HKDF: FIPS 180 "abc", RFC 4231 and RFC 5869 known answers, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hash.h"
#include "testutil.h"

static void expect_hex(const uint8_t *got, size_t len, const char *hex)
{
    struct sr_buf want = { 0 };
    sr_test_hex(hex, &want);
    assert_int_equal(want.len, len);
    assert_memory_equal(got, want.p, len);
    sr_buf_cleanup(&want);
}

static void sha_abc(void **state)
{
    (void)state;
    static const struct {
        const struct sr_hash_alg *alg;
        const char *hex;
    } kat[] = {
        { &sr_hash_sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { &sr_hash_sha384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                           "8086072ba1e7cc2358baeca134c825a7" },
        { &sr_hash_sha512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                           "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
    };
    for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
        uint8_t out[SR_HASH_MAX];
        assert_int_equal(sr_hash(kat[i].alg, sr_slice_of("abc", 3), out), SR_OK);
        expect_hex(out, kat[i].alg->len, kat[i].hex);
    }
}

/* Hashing in parts, split at every offset, equals hashing the whole. */
static void hash_parts_split(void **state)
{
    (void)state;
    static const char msg[] = "The quick brown fox jumps over the lazy dog, twice over.";
    size_t n = sizeof(msg) - 1;
    uint8_t whole[SR_HASH_MAX], parts_out[SR_HASH_MAX];
    assert_int_equal(sr_hash(&sr_hash_sha384, sr_slice_of(msg, n), whole), SR_OK);
    for (size_t cut = 0; cut <= n; cut++) {
        struct sr_slice parts[3] = { sr_slice_of(msg, cut), sr_slice_of(NULL, 0),
                                     sr_slice_of(msg + cut, n - cut) };
        assert_int_equal(sr_hash_parts(&sr_hash_sha384, parts, 3, parts_out), SR_OK);
        assert_memory_equal(whole, parts_out, sr_hash_sha384.len);
    }
}

static void hmac_rfc4231(void **state)
{
    (void)state;
    uint8_t key[131], out[SR_HASH_MAX];
    memset(key, 0x0b, 20);
    struct sr_slice hi = sr_slice_of("Hi There", 8);
    /* RFC 4231 §4.2, test case 1 */
    assert_int_equal(sr_hmac(&sr_hash_sha256, sr_slice_of(key, 20), hi, out), SR_OK);
    expect_hex(out, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    assert_int_equal(sr_hmac(&sr_hash_sha512, sr_slice_of(key, 20), hi, out), SR_OK);
    expect_hex(out, 64,
               "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
               "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
    /* RFC 4231 §4.7, test case 6: a key longer than the block is hashed first. */
    static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    memset(key, 0xaa, sizeof(key));
    struct sr_slice data = sr_slice_of(big, sizeof(big) - 1);
    assert_int_equal(sr_hmac(&sr_hash_sha256, sr_slice_of(key, 131), data, out), SR_OK);
    expect_hex(out, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    assert_int_equal(sr_hmac(&sr_hash_sha384, sr_slice_of(key, 131), data, out), SR_OK);
    expect_hex(out, 48,
               "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
               "0c2ef6ab4030fe8296248df163f44952");
}

static void hkdf_rfc5869(void **state)
{
    (void)state;
    uint8_t ikm[22], salt[13], info[10], prk[SR_HASH_MAX], okm[42];
    memset(ikm, 0x0b, sizeof(ikm));
    for (size_t i = 0; i < sizeof(salt); i++) {
        salt[i] = (uint8_t)i;
    }
    for (size_t i = 0; i < sizeof(info); i++) {
        info[i] = (uint8_t)(0xf0 + i);
    }
    /* RFC 5869 A.1, test case 1 */
    assert_int_equal(sr_hkdf_extract(&sr_hash_sha256, sr_slice_of(salt, sizeof(salt)),
                                     sr_slice_of(ikm, sizeof(ikm)), prk),
                     SR_OK);
    expect_hex(prk, 32, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    assert_int_equal(sr_hkdf_expand(&sr_hash_sha256, sr_slice_of(prk, 32),
                                    sr_slice_of(info, sizeof(info)), okm, sizeof(okm)),
                     SR_OK);
    expect_hex(okm, 42,
               "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
               "34007208d5b887185865");
    /* RFC 5869 A.3, test case 3: empty salt means HashLen zeros; empty info. */
    assert_int_equal(sr_hkdf_extract(&sr_hash_sha256, sr_slice_of(NULL, 0),
                                     sr_slice_of(ikm, sizeof(ikm)), prk),
                     SR_OK);
    expect_hex(prk, 32, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
    assert_int_equal(
            sr_hkdf_expand(&sr_hash_sha256, sr_slice_of(prk, 32), sr_slice_of(NULL, 0), okm, 42),
            SR_OK);
    expect_hex(okm, 42,
               "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
               "9d201395faa4b61a96c8");
}

static void hkdf_limits(void **state)
{
    (void)state;
    static uint8_t big[255 * 64 + 1];
    uint8_t prk[64] = { 1 };
    struct sr_slice info = sr_slice_of("x", 1);
    const struct sr_hash_alg *algs[] = { &sr_hash_sha256, &sr_hash_sha384, &sr_hash_sha512 };
    for (size_t i = 0; i < 3; i++) {
        struct sr_slice k = sr_slice_of(prk, algs[i]->len);
        size_t max = 255 * algs[i]->len;
        assert_int_equal(sr_hkdf_expand(algs[i], k, info, big, max), SR_OK);
        /* A prefix of a longer output is the shorter output. */
        uint8_t shorter[100];
        assert_int_equal(sr_hkdf_expand(algs[i], k, info, shorter, sizeof(shorter)), SR_OK);
        assert_memory_equal(shorter, big, sizeof(shorter));
        memset(big, 0x5a, sizeof(big));
        assert_int_equal(sr_hkdf_expand(algs[i], k, info, big, max + 1), SR_ERR_ARG);
        assert_int_equal(sr_hkdf_expand(algs[i], k, info, big, 0), SR_OK);
    }
    assert_int_equal(sr_hkdf_expand(NULL, sr_slice_of(prk, 32), info, big, 1), SR_ERR_ARG);
}

/* Info given in parts gives the same output as info in one piece. */
static void hkdf_expand_parts(void **state)
{
    (void)state;
    uint8_t prk[32] = { 7 }, a[80], b[80];
    static const char info[] = "0123456789abcdef";
    assert_int_equal(sr_hkdf_expand(&sr_hash_sha256, sr_slice_of(prk, 32), sr_slice_of(info, 16), a,
                                    sizeof(a)),
                     SR_OK);
    struct sr_slice parts[3] = { sr_slice_of(info, 3), sr_slice_of(info + 3, 0),
                                 sr_slice_of(info + 3, 13) };
    assert_int_equal(
            sr_hkdf_expand_parts(&sr_hash_sha256, sr_slice_of(prk, 32), parts, 3, b, sizeof(b)),
            SR_OK);
    assert_memory_equal(a, b, sizeof(a));
    struct sr_slice many[SR_HKDF_INFO_PARTS_MAX + 1] = { { 0 } };
    assert_int_equal(sr_hkdf_expand_parts(&sr_hash_sha256, sr_slice_of(prk, 32), many,
                                          SR_HKDF_INFO_PARTS_MAX + 1, b, 1),
                     SR_ERR_ARG);
}

static void hmac_ctx_reuse(void **state)
{
    (void)state;
    uint8_t key[200];
    memset(key, 0x42, sizeof(key));
    const size_t key_lens[] = { 0, 16, 64, 128, 200 };
    for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
        struct sr_hmac_ctx *ctx = NULL;
        struct sr_slice key_s = sr_slice_of(key, key_lens[k]);
        assert_int_equal(sr_hmac_ctx_new(&sr_hash_sha512, key_s, &ctx), SR_OK);
        for (int round = 0; round < 3; round++) {
            uint8_t one[SR_HASH_MAX], two[SR_HASH_MAX];
            struct sr_slice parts[2] = { sr_slice_of("head", 4), sr_slice_of("body", 4) };
            assert_int_equal(sr_hmac_ctx_mac(ctx, parts, 2, one), SR_OK);
            assert_int_equal(sr_hmac(&sr_hash_sha512, key_s, sr_slice_of("headbody", 8), two),
                             SR_OK);
            assert_memory_equal(one, two, 64);
        }
        sr_hmac_ctx_free(ctx);
    }
    sr_hmac_ctx_free(NULL);
}

static sr_err make_hmac_ctx(void *arg)
{
    return sr_hmac_ctx_new(&sr_hash_sha256, sr_slice_of("k", 1), (struct sr_hmac_ctx **)arg);
}

static void free_hmac_ctx(void *arg)
{
    struct sr_hmac_ctx **ctx = arg;
    sr_hmac_ctx_free(*ctx);
    *ctx = NULL;
}

static void hmac_ctx_alloc_failure(void **state)
{
    (void)state;
    struct sr_hmac_ctx *ctx = NULL;
    assert_true(sr_test_each_alloc_failure(make_hmac_ctx, free_hmac_ctx, &ctx) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha_abc),        cmocka_unit_test(hash_parts_split),
        cmocka_unit_test(hmac_rfc4231),   cmocka_unit_test(hkdf_rfc5869),
        cmocka_unit_test(hkdf_limits),    cmocka_unit_test(hkdf_expand_parts),
        cmocka_unit_test(hmac_ctx_reuse), cmocka_unit_test(hmac_ctx_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
