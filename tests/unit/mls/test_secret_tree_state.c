/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A secret tree's progress saved and loaded (sr_mls_secret_tree_save / _load): the loaded
 * tree behaves as the original did (same next sending generation, same kept out-of-order
 * keys, same replays, same fresh leaves, same frontier), and inconsistent input is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "crypto/suite.h"
#include "mls/secret_tree.h"
#include "testutil.h"

#define LEAVES 8

static const uint8_t enc[32] = { 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };
static const struct sr_mls_secret_tree_limits small = { 3, 10 };

static struct sr_mls_secret_tree *tree_new(void)
{
    struct sr_mls_secret_tree *t = NULL;
    assert_int_equal(sr_mls_secret_tree_new(sr_suite_get(1), sr_slice_of(enc, sizeof(enc)), LEAVES,
                                            &small, &t),
                     SR_OK);
    return t;
}

static void save(const struct sr_mls_secret_tree *t, struct sr_buf *out)
{
    sr_buf_init(out, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_secret_tree_save(t, out), SR_OK);
}

static sr_err load(struct sr_slice in, struct sr_mls_secret_tree **out)
{
    struct sr_reader r;
    *out = tree_new();
    sr_reader_init(&r, in);
    sr_err err = sr_mls_secret_tree_load(*out, &r);
    return err == SR_OK ? sr_reader_done(&r) : err;
}

/* Both trees answer the same for (leaf, type, gen): the same key, or the same error. */
static void same_get(struct sr_mls_secret_tree *a, struct sr_mls_secret_tree *b, uint32_t leaf,
                     enum sr_mls_ratchet_type type, uint32_t gen, sr_err want)
{
    struct sr_mls_ratchet_key ka = { 0 }, kb = { 0 };
    assert_int_equal(sr_mls_secret_tree_get(a, leaf, type, gen, &ka), want);
    assert_int_equal(sr_mls_secret_tree_get(b, leaf, type, gen, &kb), want);
    assert_memory_equal(&ka, &kb, sizeof(ka));
    sr_mls_ratchet_key_cleanup(&ka);
    sr_mls_ratchet_key_cleanup(&kb);
}

static void same_next(struct sr_mls_secret_tree *a, struct sr_mls_secret_tree *b, uint32_t leaf,
                      enum sr_mls_ratchet_type type, uint32_t want_gen)
{
    struct sr_mls_ratchet_key ka = { 0 }, kb = { 0 };
    assert_int_equal(sr_mls_secret_tree_next(a, leaf, type, &ka), SR_OK);
    assert_int_equal(sr_mls_secret_tree_next(b, leaf, type, &kb), SR_OK);
    assert_int_equal(ka.generation, want_gen);
    assert_memory_equal(&ka, &kb, sizeof(ka));
    sr_mls_ratchet_key_cleanup(&ka);
    sr_mls_ratchet_key_cleanup(&kb);
}

static void take(struct sr_mls_secret_tree *t, uint32_t leaf, enum sr_mls_ratchet_type type,
                 uint32_t gen)
{
    struct sr_mls_ratchet_key k = { 0 };
    assert_int_equal(sr_mls_secret_tree_get(t, leaf, type, gen, &k), SR_OK);
    sr_mls_ratchet_key_cleanup(&k);
}

static void test_loaded_tree_behaves_the_same(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *a = tree_new(), *b = NULL;
    struct sr_buf s1, s2;
    struct sr_mls_ratchet_key k = { 0 };
    take(a, 2, SR_MLS_RATCHET_APPLICATION, 5); /* keeps 2, 3, 4 (max_skipped 3) */
    take(a, 2, SR_MLS_RATCHET_APPLICATION, 3);
    take(a, 5, SR_MLS_RATCHET_HANDSHAKE, 0);
    assert_int_equal(sr_mls_secret_tree_next(a, 0, SR_MLS_RATCHET_HANDSHAKE, &k), SR_OK);
    assert_int_equal(sr_mls_secret_tree_next(a, 0, SR_MLS_RATCHET_HANDSHAKE, &k), SR_OK);
    sr_mls_ratchet_key_cleanup(&k);
    save(a, &s1);
    assert_int_equal(load(sr_buf_slice(&s1), &b), SR_OK);
    save(b, &s2);
    assert_int_equal(s1.len, s2.len);
    assert_memory_equal(s1.p, s2.p, s1.len);
    struct sr_mls_secret_tree_stats sa, sb;
    sr_mls_secret_tree_stats(a, &sa);
    sr_mls_secret_tree_stats(b, &sb);
    assert_memory_equal(&sa, &sb, sizeof(sa));
    same_get(a, b, 2, SR_MLS_RATCHET_APPLICATION, 3, SR_ERR_REPLAY);
    same_get(a, b, 2, SR_MLS_RATCHET_APPLICATION, 1, SR_ERR_REPLAY);
    same_get(a, b, 2, SR_MLS_RATCHET_APPLICATION, 5, SR_ERR_REPLAY);
    same_get(a, b, 2, SR_MLS_RATCHET_APPLICATION, 4, SR_OK);
    same_get(a, b, 2, SR_MLS_RATCHET_APPLICATION, 2, SR_OK);
    same_get(a, b, 2, SR_MLS_RATCHET_APPLICATION, 6, SR_OK);
    same_get(a, b, 5, SR_MLS_RATCHET_HANDSHAKE, 0, SR_ERR_REPLAY);
    same_get(a, b, 5, SR_MLS_RATCHET_APPLICATION, 0, SR_OK); /* started, never used */
    same_get(a, b, 7, SR_MLS_RATCHET_APPLICATION, 1, SR_OK); /* never started */
    same_next(a, b, 0, SR_MLS_RATCHET_HANDSHAKE, 2);
    same_next(a, b, 0, SR_MLS_RATCHET_APPLICATION, 0);
    sr_mls_secret_tree_free(a);
    sr_mls_secret_tree_free(b);
    sr_buf_cleanup(&s1);
    sr_buf_cleanup(&s2);
}

/* One started leaf whose two ratchets are (next, secret of `slen` bytes, kept `gens`). */
static void one_leaf(struct sr_buf *out, uint32_t leaf, uint64_t next, size_t slen,
                     const uint32_t *gens, size_t n)
{
    static const uint8_t zero[48];
    sr_buf_init(out, 0, 0);
    assert_int_equal(sr_write_u32(out, 1), SR_OK);
    assert_int_equal(sr_write_u32(out, leaf), SR_OK);
    for (int r = 0; r < 2; r++) {
        assert_int_equal(sr_write_u64(out, next), SR_OK);
        assert_int_equal(sr_write_slice_v(out, sr_slice_of(zero, slen)), SR_OK);
        assert_int_equal(sr_write_u32(out, (uint32_t)n), SR_OK);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(sr_write_u32(out, gens[i]), SR_OK);
            assert_int_equal(sr_write_bytes(out, zero, 16 + 12), SR_OK);
        }
    }
}

static void expect_load(struct sr_buf *in, sr_err want)
{
    struct sr_mls_secret_tree *t = NULL;
    assert_int_equal(load(sr_buf_slice(in), &t), want);
    sr_mls_secret_tree_free(t);
    sr_buf_cleanup(in);
}

static void test_inconsistent_input(void **state)
{
    (void)state;
    struct sr_buf b;
    const uint32_t ok[] = { 1, 4 }, unordered[] = { 4, 1 }, past[] = { 1, 9 };
    const uint32_t many[] = { 1, 2, 3, 4 };
    one_leaf(&b, 3, 9, 32, ok, 2);
    expect_load(&b, SR_OK);
    one_leaf(&b, LEAVES, 9, 32, ok, 2); /* leaf out of range */
    expect_load(&b, SR_ERR_DECODE);
    one_leaf(&b, 3, 9, 31, ok, 2); /* secret of the wrong length */
    expect_load(&b, SR_ERR_DECODE);
    one_leaf(&b, 3, 9, 32, unordered, 2);
    expect_load(&b, SR_ERR_DECODE);
    one_leaf(&b, 3, 9, 32, past, 2); /* a kept generation at or past next */
    expect_load(&b, SR_ERR_DECODE);
    one_leaf(&b, 3, 9, 32, many, 4); /* more than max_skipped */
    expect_load(&b, SR_ERR_DECODE);
    one_leaf(&b, 3, (uint64_t)UINT32_MAX + 2, 32, ok, 2); /* past exhaustion */
    expect_load(&b, SR_ERR_DECODE);
    /* Two leaves in the wrong order. */
    struct sr_buf two;
    one_leaf(&b, 5, 9, 32, ok, 2);
    one_leaf(&two, 3, 9, 32, ok, 2);
    b.p[3] = 2;
    assert_int_equal(sr_buf_append(&b, two.p + 4, two.len - 4), SR_OK);
    sr_buf_cleanup(&two);
    expect_load(&b, SR_ERR_DECODE);
    /* More leaves than the tree has. */
    sr_buf_init(&b, 0, 0);
    assert_int_equal(sr_write_u32(&b, LEAVES + 1), SR_OK);
    expect_load(&b, SR_ERR_DECODE);
    /* Every truncation of a valid input fails. */
    one_leaf(&b, 3, 9, 32, ok, 2);
    for (size_t k = 0; k < b.len; k++) {
        struct sr_mls_secret_tree *t = NULL;
        assert_int_not_equal(load(sr_slice_of(b.p, k), &t), SR_OK);
        sr_mls_secret_tree_free(t);
    }
    /* A tree already in use cannot take saved progress. */
    struct sr_mls_secret_tree *t = tree_new();
    struct sr_reader r;
    take(t, 0, SR_MLS_RATCHET_APPLICATION, 0);
    sr_reader_init(&r, sr_buf_slice(&b));
    assert_int_equal(sr_mls_secret_tree_load(t, &r), SR_ERR_STATE);
    sr_mls_secret_tree_free(t);
    sr_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loaded_tree_behaves_the_same),
        cmocka_unit_test(test_inconsistent_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
