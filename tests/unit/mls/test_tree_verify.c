/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leaf signatures of a ratchet tree verified on a pool of threads (tree_verify.c): whatever
 * the thread count, the answer is the serial one, including which error wins when several
 * leaves fail in different ways, blank leaves and trees too small to use threads; and a
 * join through the public API ends in the same epoch for every limits.verify_threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/mls.h>

#include "crypto/labels.h"
#include "crypto/sig.h"
#include "hpke/hpke.h"
#include "mls/tree.h"
#include "mls/tree_math.h"

static const uint8_t versions[] = { 0, 1 }, suites[] = { 0, 1 };
static const struct sr_slice gid = { (const uint8_t *)"verify-test-group", 17 };
static const uint32_t thread_counts[] = { 0, 2, 3, 4, 16, 1000 };

/* A key_package-source LeafNode (its signature does not cover the leaf index, so one signed
 * leaf can sit at every position) and the keys it borrows. */
struct signed_leaf {
    struct sr_secret sig_sk, enc_sk;
    struct sr_buf sig_pk, sig;
    uint8_t enc_pk[SR_KEM_PK_MAX];
    struct sr_mls_leaf_node leaf;
};

static void leaf_make(const struct sr_suite *suite, struct signed_leaf *s)
{
    struct sr_buf tbs;
    memset(s, 0, sizeof(*s));
    sr_buf_init(&s->sig_pk, 0, 0);
    sr_buf_init(&s->sig, 0, 0);
    sr_buf_init(&tbs, 0, 0);
    assert_int_equal(sr_sig_generate(suite->sig, &s->sig_sk, &s->sig_pk), SR_OK);
    assert_int_equal(sr_hpke_generate_key_pair(suite->kem, &s->enc_sk, s->enc_pk), SR_OK);
    s->leaf.encryption_key = sr_slice_of(s->enc_pk, suite->kem->pk_len);
    s->leaf.signature_key = sr_buf_slice(&s->sig_pk);
    s->leaf.credential.type = SR_MLS_CREDENTIAL_BASIC;
    s->leaf.credential.identity = sr_slice_of("someone", 7);
    s->leaf.capabilities.versions = sr_slice_of(versions, 2);
    s->leaf.capabilities.cipher_suites = sr_slice_of(suites, 2);
    s->leaf.source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
    s->leaf.lifetime.not_after = UINT64_MAX;
    assert_int_equal(sr_mls_leaf_node_tbs_encode(&s->leaf, gid, 0, &tbs), SR_OK);
    assert_int_equal(sr_mls_sign_with_label(suite, sr_secret_slice(&s->sig_sk), "LeafNodeTBS",
                                            sr_buf_slice(&tbs), &s->sig),
                     SR_OK);
    s->leaf.signature = sr_buf_slice(&s->sig);
    sr_buf_cleanup(&tbs);
}

static void leaf_free(struct signed_leaf *s)
{
    sr_buf_cleanup(&s->sig_pk);
    sr_buf_cleanup(&s->sig);
    sr_secret_cleanup(&s->sig_sk);
    sr_secret_cleanup(&s->enc_sk);
}

/* A tree of `n` leaves, all copies of `s`. */
static void tree_make(struct sr_mls_tree *t, const struct signed_leaf *s, uint32_t n,
                      const struct sr_suite *suite)
{
    sr_mls_tree_init(t, suite);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at;
        assert_int_equal(sr_mls_tree_add_leaf(t, &s->leaf, &at), SR_OK);
        assert_int_equal(at, i);
    }
}

static struct sr_mls_leaf_node *leaf_at(struct sr_mls_tree *t, uint32_t i)
{
    struct sr_mls_leaf_node *ln = t->nodes[sr_mls_tree_leaf_to_node(i)].leaf;
    assert_non_null(ln);
    return ln;
}

/* Every thread count gives the serial answer, `want`; run a few times to give races a chance. */
static void expect_all(const struct sr_mls_tree *t, sr_err want)
{
    assert_int_equal(sr_mls_tree_verify_leaf_signatures(t, gid, 1), want);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof(thread_counts) / sizeof(thread_counts[0]); i++) {
            assert_int_equal(sr_mls_tree_verify_leaf_signatures(t, gid, thread_counts[i]), want);
        }
    }
}

/* A bad signature (SR_ERR_AUTH) and an unencodable leaf (SR_ERR_ARG from its TBS) placed at
 * various leaves: the lowest one decides, as it does serially. */
static void test_lowest_failure_wins(void **state)
{
    (void)state;
    const struct sr_suite *suite = sr_suite_get(1);
    struct signed_leaf s;
    struct sr_mls_tree t;
    uint8_t bad_sig[64];
    static const uint32_t where[][2] = { { 0, 127 }, { 127, 0 },  { 8, 9 },   { 9, 8 },
                                         { 63, 64 }, { 100, 17 }, { 17, 100 } };
    leaf_make(suite, &s);
    memcpy(bad_sig, s.sig.p, sizeof(bad_sig));
    bad_sig[5] ^= 1;
    tree_make(&t, &s, 128, suite);
    expect_all(&t, SR_OK);
    for (size_t k = 0; k < sizeof(where) / sizeof(where[0]); k++) {
        uint32_t forged = where[k][0], broken = where[k][1];
        leaf_at(&t, forged)->signature = sr_slice_of(bad_sig, sizeof(bad_sig));
        leaf_at(&t, broken)->source = 9;
        expect_all(&t, forged < broken ? SR_ERR_AUTH : SR_ERR_ARG);
        leaf_at(&t, forged)->signature = sr_buf_slice(&s.sig);
        expect_all(&t, SR_ERR_ARG);
        leaf_at(&t, broken)->source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
    }
    expect_all(&t, SR_OK);
    sr_mls_tree_cleanup(&t);
    leaf_free(&s);
}

/* Blank leaves are skipped; a failure past them is still found. */
static void test_blank_leaves(void **state)
{
    (void)state;
    const struct sr_suite *suite = sr_suite_get(2);
    struct signed_leaf s;
    struct sr_mls_tree t;
    leaf_make(suite, &s);
    tree_make(&t, &s, 128, suite);
    for (uint32_t i = 0; i < 128; i += 3) {
        sr_mls_tree_blank(&t, sr_mls_tree_leaf_to_node(i));
    }
    expect_all(&t, SR_OK);
    leaf_at(&t, 127)->source = 9;
    expect_all(&t, SR_ERR_ARG);
    sr_mls_tree_cleanup(&t);
    leaf_free(&s);
}

/* Trees below the threshold and just above it, ending on a partial chunk. */
static void test_small_and_odd_sizes(void **state)
{
    (void)state;
    const struct sr_suite *suite = sr_suite_get(1);
    struct signed_leaf s;
    uint8_t bad_sig[64];
    leaf_make(suite, &s);
    memcpy(bad_sig, s.sig.p, sizeof(bad_sig));
    bad_sig[60] ^= 0x80;
    static const uint32_t sizes[] = { 1, 5, 63, 64, 65, 100 };
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        struct sr_mls_tree t;
        tree_make(&t, &s, sizes[k], suite);
        expect_all(&t, SR_OK);
        leaf_at(&t, sizes[k] - 1)->signature = sr_slice_of(bad_sig, sizeof(bad_sig));
        expect_all(&t, SR_ERR_AUTH);
        sr_mls_tree_cleanup(&t);
    }
    leaf_free(&s);
}

/* A 70-member group joined with 1, 2, 3 and the default verification threads: the same
 * epoch every time. */
static void test_join_any_thread_count(void **state)
{
    (void)state;
    enum {
        N = 70
    };
    static const uint32_t threads[] = { 1, 2, 3, 0 };
    struct sr_buf kp[N], priv[N], commit, welcome, want, got;
    struct sr_slice add[N - 1];
    struct sr_mls_group *creator = NULL;
    for (unsigned i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof(id), "m%u", i);
        sr_buf_init(&kp[i], 0, 0);
        sr_buf_init(&priv[i], 0, SR_BUF_WIPE);
        assert_int_equal(
                sr_mls_key_package_new(1, sr_slice_of(id, strlen(id)), 0, &kp[i], &priv[i]), SR_OK);
        if (i > 0) {
            add[i - 1] = sr_buf_slice(&kp[i]);
        }
    }
    struct sr_mls_group_create_params cp = { .key_package_priv = sr_buf_slice(&priv[0]),
                                             .group_id = sr_slice_of("g", 1) };
    assert_int_equal(sr_mls_group_create(&cp, &creator), SR_OK);
    sr_buf_init(&commit, 0, 0);
    sr_buf_init(&welcome, 0, 0);
    sr_buf_init(&want, 0, 0);
    sr_buf_init(&got, 0, 0);
    struct sr_mls_commit_params p = { .add = add, .add_count = N - 1, .ratchet_tree = true };
    assert_int_equal(sr_mls_group_commit(creator, &p, &commit, &welcome), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(creator), SR_OK);
    assert_int_equal(sr_mls_group_epoch_authenticator(creator, &want), SR_OK);
    for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
        struct sr_mls_group_limits lim = { .verify_threads = threads[t] };
        struct sr_mls_group_join_params jp = { .welcome = sr_buf_slice(&welcome),
                                               .key_package_priv = sr_buf_slice(&priv[N - 1]),
                                               .limits = &lim };
        struct sr_mls_group *g = NULL;
        assert_int_equal(sr_mls_group_join(&jp, &g), SR_OK);
        sr_buf_reset(&got);
        assert_int_equal(sr_mls_group_epoch_authenticator(g, &got), SR_OK);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.p, want.p, want.len);
        sr_mls_group_free(g);
    }
    sr_mls_group_free(creator);
    for (unsigned i = 0; i < N; i++) {
        sr_buf_cleanup(&kp[i]);
        sr_buf_cleanup(&priv[i]);
    }
    sr_buf_cleanup(&commit);
    sr_buf_cleanup(&welcome);
    sr_buf_cleanup(&want);
    sr_buf_cleanup(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lowest_failure_wins),
        cmocka_unit_test(test_blank_leaves),
        cmocka_unit_test(test_small_and_odd_sizes),
        cmocka_unit_test(test_join_any_thread_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
