/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secret tree (RFC 9420 §9): lazy derivation and deletion (§9.2), replay and window
 * rejections with the state unchanged afterwards, out-of-order delivery, sending, range
 * checks, allocation failures, and trees of 2^31 leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "crypto/suite.h"
#include "mls/secret_tree.h"
#include "testutil.h"

#define ENC "d69fcc35969e94680461974bd26c7cda7594cbf45985c4bf668c3b3118b765ab"

static const struct sr_mls_secret_tree_limits small = { 3, 10 };

static struct sr_buf enc_secret;

static int setup(void **state)
{
    (void)state;
    sr_test_hex(ENC, &enc_secret);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sr_buf_cleanup(&enc_secret);
    return 0;
}

static struct sr_mls_secret_tree *tree_new(uint32_t n_leaves,
                                           const struct sr_mls_secret_tree_limits *limits)
{
    struct sr_mls_secret_tree *t = NULL;
    assert_int_equal(sr_mls_secret_tree_new(sr_suite_get(1), sr_buf_slice(&enc_secret), n_leaves,
                                            limits, &t),
                     SR_OK);
    return t;
}

/* The key of (leaf, type, gen) as a fresh tree computes it, to compare against. */
static void reference_key(uint32_t n_leaves, uint32_t leaf, enum sr_mls_ratchet_type type,
                          uint32_t gen, struct sr_mls_ratchet_key *out)
{
    static const struct sr_mls_secret_tree_limits wide = { 0, UINT32_MAX };
    struct sr_mls_secret_tree *t = tree_new(n_leaves, &wide);
    assert_int_equal(sr_mls_secret_tree_get(t, leaf, type, gen, out), SR_OK);
    sr_mls_secret_tree_free(t);
}

static void expect_key(struct sr_mls_secret_tree *t, uint32_t n_leaves, uint32_t leaf,
                       enum sr_mls_ratchet_type type, uint32_t gen)
{
    struct sr_mls_ratchet_key got = { 0 }, want = { 0 };
    assert_int_equal(sr_mls_secret_tree_get(t, leaf, type, gen, &got), SR_OK);
    reference_key(n_leaves, leaf, type, gen, &want);
    assert_int_equal(got.generation, gen);
    assert_int_equal(got.key.len, 16);
    assert_int_equal(got.nonce.len, 12);
    assert_memory_equal(&got, &want, sizeof(got));
    sr_mls_ratchet_key_cleanup(&got);
    sr_mls_ratchet_key_cleanup(&want);
}

static void expect_err(struct sr_mls_secret_tree *t, uint32_t leaf, enum sr_mls_ratchet_type type,
                       uint32_t gen, sr_err want)
{
    struct sr_mls_ratchet_key k;
    struct sr_mls_secret_tree_stats before, after;
    memset(&k, 0xaa, sizeof(k));
    sr_mls_secret_tree_stats(t, &before);
    assert_int_equal(sr_mls_secret_tree_get(t, leaf, type, gen, &k), want);
    sr_mls_secret_tree_stats(t, &after);
    assert_memory_equal(&before, &after, sizeof(before));
    struct sr_mls_ratchet_key zero = { 0 };
    assert_memory_equal(&k, &zero, sizeof(k)); /* outputs zeroed on error */
}

/* §9.2: reading a key consumes it; asking again is a replay, and the state stays usable. */
static void replay_rejected(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *t = tree_new(4, NULL);
    expect_key(t, 4, 1, SR_MLS_RATCHET_APPLICATION, 0);
    expect_err(t, 1, SR_MLS_RATCHET_APPLICATION, 0, SR_ERR_REPLAY);
    expect_key(t, 4, 1, SR_MLS_RATCHET_APPLICATION, 1);
    /* the other ratchet of the same leaf is independent */
    expect_key(t, 4, 1, SR_MLS_RATCHET_HANDSHAKE, 0);
    expect_err(t, 1, SR_MLS_RATCHET_HANDSHAKE, 0, SR_ERR_REPLAY);
    sr_mls_secret_tree_free(t);
}

static void forward_limit(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *t = tree_new(4, &small);
    /* a leaf not started yet: generation 11 is past 0 + 10 */
    expect_err(t, 2, SR_MLS_RATCHET_APPLICATION, 11, SR_ERR_LIMIT);
    expect_err(t, 2, SR_MLS_RATCHET_APPLICATION, UINT32_MAX, SR_ERR_LIMIT);
    expect_key(t, 4, 2, SR_MLS_RATCHET_APPLICATION, 10); /* exactly max_forward ahead */
    expect_err(t, 2, SR_MLS_RATCHET_APPLICATION, 22, SR_ERR_LIMIT);
    expect_key(t, 4, 2, SR_MLS_RATCHET_APPLICATION, 21);
    sr_mls_secret_tree_free(t);
}

static void out_of_order(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *t = tree_new(4, &small);
    struct sr_mls_secret_tree_stats st;
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 5); /* keeps 2, 3, 4 (window of 3) */
    sr_mls_secret_tree_stats(t, &st);
    assert_int_equal(st.skipped_keys, 3);
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 3);
    expect_err(t, 3, SR_MLS_RATCHET_APPLICATION, 3, SR_ERR_REPLAY);
    /* 0 and 1 fell out of the window when 5 arrived: the oldest are dropped first */
    expect_err(t, 3, SR_MLS_RATCHET_APPLICATION, 0, SR_ERR_REPLAY);
    expect_err(t, 3, SR_MLS_RATCHET_APPLICATION, 1, SR_ERR_REPLAY);
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 4);
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 2);
    sr_mls_secret_tree_stats(t, &st);
    assert_int_equal(st.skipped_keys, 0);
    /* a later jump evicts older skipped keys to keep at most 3 */
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 8);  /* keeps 6, 7 */
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 11); /* keeps 9, 10; drops 6 */
    sr_mls_secret_tree_stats(t, &st);
    assert_int_equal(st.skipped_keys, 3);
    expect_err(t, 3, SR_MLS_RATCHET_APPLICATION, 6, SR_ERR_REPLAY);
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 7);
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 10);
    expect_key(t, 4, 3, SR_MLS_RATCHET_APPLICATION, 9);
    sr_mls_secret_tree_free(t);
}

static void no_window(void **state)
{
    (void)state;
    static const struct sr_mls_secret_tree_limits strict = { 0, 5 };
    struct sr_mls_secret_tree *t = tree_new(2, &strict);
    expect_key(t, 2, 0, SR_MLS_RATCHET_HANDSHAKE, 2);
    expect_err(t, 0, SR_MLS_RATCHET_HANDSHAKE, 1, SR_ERR_REPLAY);
    expect_key(t, 2, 0, SR_MLS_RATCHET_HANDSHAKE, 3);
    sr_mls_secret_tree_free(t);
}

static void bad_arguments(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *t = tree_new(5, NULL);
    struct sr_mls_ratchet_key k = { 0 };
    expect_err(t, 5, SR_MLS_RATCHET_APPLICATION, 0, SR_ERR_ARG);
    expect_err(t, UINT32_MAX, SR_MLS_RATCHET_HANDSHAKE, 0, SR_ERR_ARG);
    expect_err(t, 0, (enum sr_mls_ratchet_type)2, 0, SR_ERR_ARG);
    assert_int_equal(sr_mls_secret_tree_next(t, 5, SR_MLS_RATCHET_APPLICATION, &k), SR_ERR_ARG);
    assert_int_equal(sr_mls_secret_tree_get(NULL, 0, SR_MLS_RATCHET_APPLICATION, 0, &k),
                     SR_ERR_ARG);
    /* 5 leaves live in the 8-leaf tree: leaf 4 has the same keys as there */
    expect_key(t, 8, 4, SR_MLS_RATCHET_APPLICATION, 0);
    sr_mls_secret_tree_free(t);
    struct sr_mls_secret_tree *bad = NULL;
    const struct sr_suite *suite = sr_suite_get(1);
    assert_int_equal(sr_mls_secret_tree_new(suite, sr_buf_slice(&enc_secret), 0, NULL, &bad),
                     SR_ERR_ARG);
    assert_int_equal(
            sr_mls_secret_tree_new(suite, sr_buf_slice(&enc_secret), 0x80000001u, NULL, &bad),
            SR_ERR_ARG);
    assert_int_equal(sr_mls_secret_tree_new(suite, sr_slice_of(enc_secret.p, 31), 4, NULL, &bad),
                     SR_ERR_ARG);
    assert_null(bad);
    sr_mls_secret_tree_free(NULL);
}

/* Sending walks the same ratchet generation by generation; receivers agree. */
static void sending(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *t = tree_new(8, NULL);
    for (uint32_t g = 0; g < 5; g++) {
        struct sr_mls_ratchet_key k = { 0 }, want = { 0 };
        assert_int_equal(sr_mls_secret_tree_next(t, 6, SR_MLS_RATCHET_HANDSHAKE, &k), SR_OK);
        assert_int_equal(k.generation, g);
        reference_key(8, 6, SR_MLS_RATCHET_HANDSHAKE, g, &want);
        assert_memory_equal(&k, &want, sizeof(k));
        sr_mls_ratchet_key_cleanup(&k);
        sr_mls_ratchet_key_cleanup(&want);
    }
    expect_err(t, 6, SR_MLS_RATCHET_HANDSHAKE, 4, SR_ERR_REPLAY);
    sr_mls_secret_tree_free(t);
}

/* §9.2: node secrets exist only where still needed; parents go once split. */
static void lazy_and_deleted(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *t = tree_new(8, NULL);
    struct sr_mls_secret_tree_stats st;
    sr_mls_secret_tree_stats(t, &st);
    assert_int_equal(st.node_secrets, 1);
    assert_int_equal(st.leaves_started, 0);
    expect_key(t, 8, 0, SR_MLS_RATCHET_APPLICATION, 0);
    sr_mls_secret_tree_stats(t, &st);
    assert_int_equal(st.node_secrets, 3); /* the copath of leaf 0: nodes 2, 5, 11 */
    assert_int_equal(st.leaves_started, 1);
    for (uint32_t leaf = 1; leaf < 8; leaf++) {
        expect_key(t, 8, leaf, SR_MLS_RATCHET_HANDSHAKE, 0);
    }
    sr_mls_secret_tree_stats(t, &st);
    assert_int_equal(st.node_secrets, 0);
    assert_int_equal(st.leaves_started, 8);
    sr_mls_secret_tree_free(t);
}

/* Leaves reached in any order get the same keys: descents start from any frontier node. */
static void any_leaf_order(void **state)
{
    (void)state;
    uint32_t order[32];
    uint64_t x = 0x2545f4914f6cdd1du;
    for (uint32_t i = 0; i < 32; i++) {
        order[i] = i;
    }
    for (uint32_t i = 31; i > 0; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t j = (uint32_t)(x % (i + 1)), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    struct sr_mls_secret_tree *t = tree_new(32, NULL);
    for (uint32_t i = 0; i < 32; i++) {
        expect_key(t, 32, order[i], SR_MLS_RATCHET_APPLICATION, i % 3);
    }
    struct sr_mls_secret_tree_stats st;
    sr_mls_secret_tree_stats(t, &st);
    assert_int_equal(st.node_secrets, 0);
    sr_mls_secret_tree_free(t);
}

static void huge_tree(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *t = tree_new(0x80000000u, NULL);
    struct sr_mls_secret_tree_stats st;
    struct sr_mls_ratchet_key a = { 0 }, b = { 0 };
    assert_int_equal(sr_mls_secret_tree_get(t, 0x7fffffffu, SR_MLS_RATCHET_APPLICATION, 0, &a),
                     SR_OK);
    sr_mls_secret_tree_stats(t, &st);
    assert_int_equal(st.node_secrets, 31);
    assert_int_equal(sr_mls_secret_tree_get(t, 0x7ffffffeu, SR_MLS_RATCHET_APPLICATION, 0, &b),
                     SR_OK);
    assert_memory_not_equal(a.key.p, b.key.p, 16);
    assert_int_equal(sr_mls_secret_tree_get(t, 12345, SR_MLS_RATCHET_APPLICATION, 0, &b), SR_OK);
    sr_mls_secret_tree_stats(t, &st);
    /* leaf 12345 splits the level-30 node left of the root down to it: 30 - 1 + 29 */
    assert_int_equal(st.node_secrets, 30 - 1 + 30);
    sr_mls_ratchet_key_cleanup(&a);
    sr_mls_ratchet_key_cleanup(&b);
    sr_mls_secret_tree_free(t);
}

struct alloc_op {
    struct sr_mls_secret_tree *t;
    struct sr_mls_ratchet_key k;
};

static sr_err alloc_run(void *arg)
{
    struct alloc_op *op = arg;
    sr_err err =
            sr_mls_secret_tree_new(sr_suite_get(1), sr_buf_slice(&enc_secret), 16, &small, &op->t);
    for (uint32_t leaf = 0; err == SR_OK && leaf < 16; leaf++) {
        err = sr_mls_secret_tree_get(op->t, leaf, SR_MLS_RATCHET_APPLICATION, 4, &op->k);
    }
    return err;
}

static void alloc_reset(void *arg)
{
    struct alloc_op *op = arg;
    sr_mls_secret_tree_free(op->t);
    sr_mls_ratchet_key_cleanup(&op->k);
    op->t = NULL;
}

static void alloc_failures(void **state)
{
    (void)state;
    struct alloc_op op = { 0 };
    assert_true(sr_test_each_alloc_failure(alloc_run, alloc_reset, &op) > 0);
}

/* A rejected request because memory ran out leaves the ratchet where it was. */
static void alloc_failure_keeps_state(void **state)
{
    (void)state;
    struct alloc_op op = { 0 };
    for (long n = 0; n < 8; n++) {
        op.t = tree_new(4, &small);
        sr_alloc_fail_at(n);
        sr_err err = sr_mls_secret_tree_get(op.t, 1, SR_MLS_RATCHET_APPLICATION, 3, &op.k);
        bool injected = sr_alloc_failed();
        sr_alloc_fail_at(-1);
        assert_int_equal(err, injected ? SR_ERR_NOMEM : SR_OK);
        if (injected) {
            expect_key(op.t, 4, 1, SR_MLS_RATCHET_APPLICATION, 0);
        }
        alloc_reset(&op);
    }
}

/* A key whose message failed to open goes back into the window and can be taken again. */
static void restore_after_failure(void **state)
{
    (void)state;
    struct sr_mls_secret_tree *t = tree_new(4, &small);
    struct sr_mls_ratchet_key k = { 0 }, again = { 0 }, zero = { 0 };
    assert_int_equal(sr_mls_secret_tree_get(t, 2, SR_MLS_RATCHET_APPLICATION, 0, &k), SR_OK);
    struct sr_mls_ratchet_key copy = k;
    assert_int_equal(sr_mls_secret_tree_restore(t, 2, SR_MLS_RATCHET_APPLICATION, &k), SR_OK);
    assert_memory_equal(&k, &zero, sizeof(k)); /* wiped once given back */
    assert_int_equal(sr_mls_secret_tree_get(t, 2, SR_MLS_RATCHET_APPLICATION, 0, &again), SR_OK);
    assert_memory_equal(&again, &copy, sizeof(again));
    expect_err(t, 2, SR_MLS_RATCHET_APPLICATION, 0, SR_ERR_REPLAY);
    /* restoring twice, or a generation never handed out, is refused */
    struct sr_mls_ratchet_key dup = copy;
    assert_int_equal(sr_mls_secret_tree_restore(t, 2, SR_MLS_RATCHET_APPLICATION, &again), SR_OK);
    assert_int_equal(sr_mls_secret_tree_restore(t, 2, SR_MLS_RATCHET_APPLICATION, &dup),
                     SR_ERR_EXISTS);
    dup = copy;
    dup.generation = 1;
    assert_int_equal(sr_mls_secret_tree_restore(t, 2, SR_MLS_RATCHET_APPLICATION, &dup),
                     SR_ERR_ARG);
    dup = copy;
    assert_int_equal(sr_mls_secret_tree_restore(t, 1, SR_MLS_RATCHET_APPLICATION, &dup),
                     SR_ERR_ARG);
    /* in a full window a restored key evicts the oldest; one older than all is dropped */
    expect_key(t, 4, 2, SR_MLS_RATCHET_APPLICATION, 4); /* window: 0 (restored), 1, 2, 3 -> 1..3 */
    expect_err(t, 2, SR_MLS_RATCHET_APPLICATION, 0, SR_ERR_REPLAY);
    dup = copy;
    assert_int_equal(sr_mls_secret_tree_restore(t, 2, SR_MLS_RATCHET_APPLICATION, &dup), SR_OK);
    expect_err(t, 2, SR_MLS_RATCHET_APPLICATION, 0, SR_ERR_REPLAY);
    assert_int_equal(sr_mls_secret_tree_get(t, 2, SR_MLS_RATCHET_APPLICATION, 3, &k), SR_OK);
    assert_int_equal(sr_mls_secret_tree_restore(t, 2, SR_MLS_RATCHET_APPLICATION, &k), SR_OK);
    expect_key(t, 4, 2, SR_MLS_RATCHET_APPLICATION, 3);
    sr_mls_ratchet_key_cleanup(&copy);
    sr_mls_secret_tree_free(t);
}

static void key_cleanup_wipes(void **state)
{
    (void)state;
    struct sr_mls_ratchet_key k = { 0 }, zero = { 0 };
    reference_key(2, 1, SR_MLS_RATCHET_APPLICATION, 7, &k);
    assert_memory_not_equal(&k, &zero, sizeof(k));
    sr_mls_ratchet_key_cleanup(&k);
    assert_memory_equal(&k, &zero, sizeof(k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_rejected),
        cmocka_unit_test(forward_limit),
        cmocka_unit_test(out_of_order),
        cmocka_unit_test(no_window),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(sending),
        cmocka_unit_test(lazy_and_deleted),
        cmocka_unit_test(any_leaf_order),
        cmocka_unit_test(huge_tree),
        cmocka_unit_test(alloc_failures),
        cmocka_unit_test(alloc_failure_keeps_state),
        cmocka_unit_test(restore_after_failure),
        cmocka_unit_test(key_cleanup_wipes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
