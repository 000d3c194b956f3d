/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Saved group state that keeps the epoch going (sr_mls_group_save / _restore, format 2):
 * members saved in the middle of an epoch, after sending and receiving, carry on in the
 * same epoch. Their own ratchets never give out a generation twice (every other member
 * decrypts what they send next, and what they sent before), messages sent before the save
 * still decrypt, consumed ones are replays. Damaged state is a clean error, and state in
 * format 1 still restores with its old rule (no PrivateMessage until the next epoch).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/mls.h>

#include "mls/group.h"
#include "mls/secret_tree.h"
#include "testutil.h"

#define N   3
#define NOW 1700000000u

/* Three members: 0 created the group and added 1 and 2. */
static void group3(uint16_t suite, struct sr_mls_group *m[N])
{
    struct sr_buf kp[N], priv[N], commit = { 0 }, welcome = { 0 };
    struct sr_slice add[N - 1];
    for (size_t i = 0; i < N; i++) {
        char name[] = "member-x";
        name[7] = (char)('0' + i);
        sr_buf_init(&kp[i], 0, 0);
        sr_buf_init(&priv[i], 0, SR_BUF_WIPE);
        assert_int_equal(sr_mls_key_package_new(suite, sr_slice_of(name, strlen(name)), NOW, &kp[i],
                                                &priv[i]),
                         SR_OK);
        if (i > 0) {
            add[i - 1] = sr_buf_slice(&kp[i]);
        }
    }
    struct sr_mls_group_create_params cp = { .key_package_priv = sr_buf_slice(&priv[0]),
                                             .group_id = sr_slice_of("state", 5) };
    assert_int_equal(sr_mls_group_create(&cp, &m[0]), SR_OK);
    struct sr_mls_commit_params p = { .add = add, .add_count = N - 1, .ratchet_tree = true };
    assert_int_equal(sr_mls_group_commit(m[0], &p, &commit, &welcome), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(m[0]), SR_OK);
    for (size_t i = 0; i < N; i++) {
        if (i > 0) {
            struct sr_mls_group_join_params jp = { .welcome = sr_buf_slice(&welcome),
                                                   .key_package_priv = sr_buf_slice(&priv[i]),
                                                   .now = NOW };
            assert_int_equal(sr_mls_group_join(&jp, &m[i]), SR_OK);
        }
        sr_buf_cleanup(&kp[i]);
        sr_buf_cleanup(&priv[i]);
    }
    sr_buf_cleanup(&commit);
    sr_buf_cleanup(&welcome);
}

static void send_text(struct sr_mls_group *g, const char *text, struct sr_buf *ct)
{
    sr_buf_init(ct, 0, 0);
    assert_int_equal(
            sr_mls_group_protect(g, sr_slice_of(NULL, 0), sr_slice_of(text, strlen(text)), ct),
            SR_OK);
}

/* `g` processes `msg`: SR_OK with `text` as application data (NULL: a handshake), or `want`. */
static void receive(struct sr_mls_group *g, const struct sr_buf *msg, const char *text, sr_err want)
{
    struct sr_mls_processed pr = { 0 };
    assert_int_equal(sr_mls_group_process(g, sr_buf_slice(msg), &pr), want);
    if (want == SR_OK && text != NULL) {
        assert_int_equal(pr.kind, SR_MLS_PROCESSED_APPLICATION);
        assert_int_equal(pr.data.len, strlen(text));
        assert_memory_equal(pr.data.p, text, strlen(text));
    }
    sr_mls_processed_cleanup(&pr);
}

static void save(const struct sr_mls_group *g, struct sr_buf *out)
{
    sr_buf_init(out, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_group_save(g, out), SR_OK);
}

/* Member `g` is saved, freed and restored; the restored group saves to the same bytes. */
static void save_restore(struct sr_mls_group **g, struct sr_buf *state)
{
    struct sr_buf again;
    save(*g, state);
    sr_mls_group_free(*g);
    *g = NULL;
    assert_int_equal(sr_mls_group_restore(sr_buf_slice(state), g), SR_OK);
    save(*g, &again);
    assert_int_equal(again.len, state->len);
    assert_memory_equal(again.p, state->p, state->len);
    sr_buf_cleanup(&again);
}

/* Every member has the same epoch authenticator and exporter output. */
static void agree(struct sr_mls_group *m[N])
{
    uint8_t want[32], got[32];
    for (size_t i = 0; i < N; i++) {
        struct sr_buf ea = { 0 };
        assert_int_equal(sr_mls_group_epoch_authenticator(m[i], &ea), SR_OK);
        assert_int_equal(sr_mls_group_export(m[i], sr_slice_of("t", 1), sr_slice_of(NULL, 0),
                                             sizeof(got), got),
                         SR_OK);
        if (i == 0) {
            memcpy(want, got, sizeof(want));
        }
        assert_memory_equal(got, want, sizeof(want));
        assert_int_equal(sr_mls_group_epoch(m[i]), sr_mls_group_epoch(m[0]));
        sr_buf_cleanup(&ea);
    }
}

/* Member `by` commits an update as a PrivateMessage; the others process it. */
static void next_epoch(struct sr_mls_group *m[N], size_t by)
{
    struct sr_buf c = { 0 };
    struct sr_mls_commit_params p = { .path = true, .private_message = true };
    assert_int_equal(sr_mls_group_commit(m[by], &p, &c, NULL), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(m[by]), SR_OK);
    for (size_t i = 0; i < N; i++) {
        if (i != by) {
            receive(m[i], &c, NULL, SR_OK);
        }
    }
    sr_buf_cleanup(&c);
    agree(m);
}

static void mid_epoch(uint16_t suite)
{
    struct sr_mls_group *m[N] = { 0 };
    struct sr_buf a1, a2, a3, b1, up, s0, s2, a4, a5, b2, up2;
    group3(suite, m);
    /* Before the save: 0 sends a1 (all receive), a2 (only 1), a3 (nobody yet), a private
     * Update proposal (all); 1 sends b1 (all). */
    send_text(m[0], "a1", &a1);
    receive(m[1], &a1, "a1", SR_OK);
    receive(m[2], &a1, "a1", SR_OK);
    send_text(m[0], "a2", &a2);
    receive(m[1], &a2, "a2", SR_OK);
    send_text(m[0], "a3", &a3);
    sr_buf_init(&up, 0, 0);
    assert_int_equal(sr_mls_group_propose_update(m[0], true, &up), SR_OK);
    receive(m[1], &up, NULL, SR_OK);
    receive(m[2], &up, NULL, SR_OK);
    send_text(m[1], "b1", &b1);
    receive(m[0], &b1, "b1", SR_OK);
    receive(m[2], &b1, "b1", SR_OK);

    save_restore(&m[0], &s0);
    save_restore(&m[2], &s2);

    /* 0 goes on sending: new generations, which nobody has seen. */
    send_text(m[0], "a4", &a4);
    receive(m[1], &a4, "a4", SR_OK);
    receive(m[2], &a4, "a4", SR_OK);
    /* What 0 sent before the save still decrypts, after its later message. */
    receive(m[1], &a3, "a3", SR_OK);
    receive(m[2], &a3, "a3", SR_OK);
    receive(m[2], &a2, "a2", SR_OK); /* from the kept out-of-order key */
    /* Consumed before the save: replays. */
    receive(m[2], &a1, NULL, SR_ERR_REPLAY);
    receive(m[2], &b1, NULL, SR_ERR_REPLAY);
    receive(m[0], &b1, NULL, SR_ERR_REPLAY);
    /* The handshake ratchet goes on too: a second private proposal from 0. */
    sr_buf_init(&up2, 0, 0);
    assert_int_equal(sr_mls_group_propose_update(m[0], true, &up2), SR_OK);
    receive(m[1], &up2, NULL, SR_OK);
    receive(m[2], &up2, NULL, SR_OK);
    /* The restored 2 sends; and receives from 1. */
    send_text(m[2], "c1", &a5);
    receive(m[0], &a5, "c1", SR_OK);
    receive(m[1], &a5, "c1", SR_OK);
    send_text(m[1], "b2", &b2);
    receive(m[0], &b2, "b2", SR_OK);
    receive(m[2], &b2, "b2", SR_OK);
    agree(m);
    next_epoch(m, 2);
    next_epoch(m, 0);
    for (size_t i = 0; i < N; i++) {
        sr_mls_group_free(m[i]);
    }
    struct sr_buf *bufs[] = { &a1, &a2, &a3, &b1, &up, &s0, &s2, &a4, &a5, &b2, &up2 };
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        sr_buf_cleanup(bufs[i]);
    }
}

static void test_mid_epoch_all_suites(void **state)
{
    (void)state;
    for (uint16_t s = 1; s <= 7; s++) {
        mid_epoch(s);
    }
}

/* Truncated or bit-flipped state: a clean error or, where the flip hits a value no check
 * can judge (a secret, a clock), a group that can be freed. Never a crash (ASan). */
static void test_damaged_state(void **state)
{
    (void)state;
    struct sr_mls_group *m[N] = { 0 };
    struct sr_buf a1, a2, st;
    group3(1, m);
    send_text(m[0], "a1", &a1);
    send_text(m[0], "a2", &a2);
    receive(m[1], &a2, "a2", SR_OK); /* a1 is kept out of order */
    save(m[1], &st);
    for (size_t k = 0; k < st.len; k++) {
        struct sr_mls_group *g = NULL;
        assert_int_not_equal(sr_mls_group_restore(sr_slice_of(st.p, k), &g), SR_OK);
        assert_null(g);
    }
    for (size_t k = 0; k < st.len; k++) {
        struct sr_mls_group *g = NULL;
        st.p[k] ^= (uint8_t)(1u << (k % 8));
        sr_err err = sr_mls_group_restore(sr_buf_slice(&st), &g);
        if (err != SR_OK) {
            assert_null(g);
        }
        sr_mls_group_free(g);
        st.p[k] ^= (uint8_t)(1u << (k % 8));
    }
    /* Trailing bytes are refused too. */
    struct sr_mls_group *g = NULL;
    assert_int_equal(sr_buf_append(&st, "x", 1), SR_OK);
    assert_int_equal(sr_mls_group_restore(sr_buf_slice(&st), &g), SR_ERR_DECODE);
    assert_null(g);
    for (size_t i = 0; i < N; i++) {
        sr_mls_group_free(m[i]);
    }
    sr_buf_cleanup(&a1);
    sr_buf_cleanup(&a2);
    sr_buf_cleanup(&st);
}

static size_t varint_len(size_t n)
{
    return n < 64 ? 1 : n < 16384 ? 2 : 4;
}

/*
 * Format 1 is format 2 without its two last fields (the ReInit and the secret tree's
 * progress): such state restores, receives, sends no PrivateMessage in its epoch, and is
 * back to normal in the next one.
 */
static void test_version1_state(void **state)
{
    (void)state;
    struct sr_mls_group *m[N] = { 0 };
    struct sr_buf a1, a2, st, tree, b1;
    group3(2, m);
    send_text(m[0], "a1", &a1);
    receive(m[1], &a1, "a1", SR_OK);
    save(m[1], &st);
    sr_buf_init(&tree, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_secret_tree_save(m[1]->ep.stree, &tree), SR_OK);
    size_t tail = 1 + varint_len(tree.len) + tree.len; /* empty reinit<V>, tree<V> */
    assert_true(st.len > tail);
    assert_memory_equal(st.p + st.len - tree.len, tree.p, tree.len);
    st.len -= tail;
    assert_int_equal(st.p[4], 0);
    assert_int_equal(st.p[5], 2);
    st.p[5] = 1;
    sr_mls_group_free(m[1]);
    m[1] = NULL;
    assert_int_equal(sr_mls_group_restore(sr_buf_slice(&st), &m[1]), SR_OK);
    /* It receives, but cannot know which generations it used: it does not send. */
    send_text(m[0], "a2", &a2);
    receive(m[1], &a2, "a2", SR_OK);
    sr_buf_init(&b1, 0, 0);
    assert_int_equal(sr_mls_group_protect(m[1], sr_slice_of(NULL, 0), sr_slice_of("b", 1), &b1),
                     SR_ERR_STATE);
    agree(m);
    next_epoch(m, 0);
    send_text(m[1], "b1", &b1);
    receive(m[0], &b1, "b1", SR_OK);
    receive(m[2], &b1, "b1", SR_OK);
    /* Saved again, it is in format 2. */
    sr_buf_cleanup(&st);
    save(m[1], &st);
    assert_int_equal(st.p[5], 2);
    for (size_t i = 0; i < N; i++) {
        sr_mls_group_free(m[i]);
    }
    struct sr_buf *bufs[] = { &a1, &a2, &st, &tree, &b1 };
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        sr_buf_cleanup(bufs[i]);
    }
}

/* An unknown version is SR_ERR_UNSUPPORTED. */
static void test_unknown_version(void **state)
{
    (void)state;
    struct sr_mls_group *m[N] = { 0 }, *g = NULL;
    struct sr_buf st;
    group3(1, m);
    save(m[0], &st);
    st.p[5] = 3;
    assert_int_equal(sr_mls_group_restore(sr_buf_slice(&st), &g), SR_ERR_UNSUPPORTED);
    st.p[5] = 0;
    assert_int_equal(sr_mls_group_restore(sr_buf_slice(&st), &g), SR_ERR_UNSUPPORTED);
    assert_null(g);
    for (size_t i = 0; i < N; i++) {
        sr_mls_group_free(m[i]);
    }
    sr_buf_cleanup(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mid_epoch_all_suites),
        cmocka_unit_test(test_damaged_state),
        cmocka_unit_test(test_version1_state),
        cmocka_unit_test(test_unknown_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
