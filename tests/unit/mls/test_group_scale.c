/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A group of 50 members through the public API, for all seven cipher suites: members 0, 7
 * and 23 each commit a batch of Adds until the group has 50 members, members update (by a
 * commit with a path and by an Update proposal committed by reference), leave (a Remove of
 * their own, and Removes by another member), and a removed member rejoins by external
 * commit. After every step every member agrees on epoch, epoch authenticator, tree hash,
 * exporter output and roster, and every member decrypts every application message sent in
 * that epoch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/mls.h>

#include "testutil.h"

#define MEMBERS 50
#define SLOTS   MEMBERS
#define NOW     1700000000u
/* Application messages per epoch: every SENDER_STRIDE-th member sends one, so the
 * decryption fan-out stays affordable under the sanitizers; every member decrypts each. */
#define SENDER_STRIDE 3

struct world {
    uint16_t suite;
    struct sr_mls_group *m[SLOTS];
    unsigned steps;
};

static void name_of(size_t slot, char *out, size_t cap)
{
    snprintf(out, cap, "member-%02zu", slot);
}

static void key_package(uint16_t suite, size_t slot, struct sr_buf *kp, struct sr_buf *priv)
{
    char name[24];
    name_of(slot, name, sizeof(name));
    sr_buf_init(kp, 0, 0);
    sr_buf_init(priv, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_key_package_new(suite, sr_slice_of(name, strlen(name)), NOW, kp, priv),
                     SR_OK);
}

static size_t live(const struct world *w)
{
    size_t n = 0;
    for (size_t i = 0; i < SLOTS; i++) {
        n += w->m[i] != NULL;
    }
    return n;
}

/* What every member must agree on: epoch, epoch authenticator, tree hash, exporter. */
static void fingerprint(const struct sr_mls_group *g, struct sr_buf *out)
{
    uint8_t exp[48];
    uint64_t epoch = sr_mls_group_epoch(g);
    sr_buf_init(out, 0, 0);
    assert_int_equal(sr_buf_append(out, &epoch, sizeof(epoch)), SR_OK);
    assert_int_equal(sr_mls_group_epoch_authenticator(g, out), SR_OK);
    assert_int_equal(sr_mls_group_tree_hash(g, out), SR_OK);
    assert_int_equal(sr_mls_group_export(g, sr_slice_of("scale", 5), sr_slice_of("ctx", 3),
                                         sizeof(exp), exp),
                     SR_OK);
    assert_int_equal(sr_buf_append(out, exp, sizeof(exp)), SR_OK);
}

/* Member `i` sees every live member `j` at j's own leaf, under j's name. */
static void roster(const struct world *w, size_t i)
{
    for (size_t j = 0; j < SLOTS; j++) {
        struct sr_buf id = { 0 };
        char name[24];
        if (w->m[j] == NULL) {
            continue;
        }
        name_of(j, name, sizeof(name));
        assert_int_equal(sr_mls_group_member(w->m[i], sr_mls_group_own_leaf(w->m[j]), &id), SR_OK);
        assert_int_equal(id.len, strlen(name));
        assert_memory_equal(id.p, name, id.len);
        sr_buf_cleanup(&id);
    }
}

static void agree(const struct world *w)
{
    struct sr_buf first = { 0 };
    bool have = false;
    for (size_t i = 0; i < SLOTS; i++) {
        struct sr_buf s;
        if (w->m[i] == NULL) {
            continue;
        }
        assert_true(sr_mls_group_active(w->m[i]));
        fingerprint(w->m[i], &s);
        roster(w, i);
        if (!have) {
            first = s;
            have = true;
            continue;
        }
        assert_int_equal(s.len, first.len);
        assert_memory_equal(s.p, first.p, s.len);
        sr_buf_cleanup(&s);
    }
    sr_buf_cleanup(&first);
}

/* Every SENDER_STRIDE-th live member (rotating with the step) sends one message; every other
 * member decrypts all of them. */
static void chat(struct world *w)
{
    for (size_t s = w->steps % SENDER_STRIDE; s < SLOTS; s += SENDER_STRIDE) {
        struct sr_buf ct = { 0 };
        char text[48];
        if (w->m[s] == NULL) {
            continue;
        }
        snprintf(text, sizeof(text), "step %u from %zu", w->steps, s);
        assert_int_equal(sr_mls_group_protect(w->m[s], sr_slice_of("aad", 3),
                                              sr_slice_of(text, strlen(text)), &ct),
                         SR_OK);
        for (size_t r = 0; r < SLOTS; r++) {
            struct sr_mls_processed pr = { 0 };
            if (r == s || w->m[r] == NULL) {
                continue;
            }
            assert_int_equal(sr_mls_group_process(w->m[r], sr_buf_slice(&ct), &pr), SR_OK);
            assert_int_equal(pr.kind, SR_MLS_PROCESSED_APPLICATION);
            assert_int_equal(pr.sender, sr_mls_group_own_leaf(w->m[s]));
            assert_int_equal(pr.data.len, strlen(text));
            assert_memory_equal(pr.data.p, text, pr.data.len);
            assert_int_equal(pr.epoch, sr_mls_group_epoch(w->m[r]));
            sr_mls_processed_cleanup(&pr);
        }
        sr_buf_cleanup(&ct);
    }
}

/* After each step: agreement everywhere, then one round of application messages. */
static void settle(struct world *w)
{
    w->steps++;
    agree(w);
    chat(w);
}

/* Deliver handshake message `msg` from `from` to every other member; `want` is what each
 * must see it as. Members a commit removes are freed. */
static void deliver(struct world *w, size_t from, const struct sr_buf *msg,
                    enum sr_mls_processed_kind want)
{
    for (size_t i = 0; i < SLOTS; i++) {
        struct sr_mls_processed pr = { 0 };
        if (i == from || w->m[i] == NULL) {
            continue;
        }
        assert_int_equal(sr_mls_group_process(w->m[i], sr_buf_slice(msg), &pr), SR_OK);
        if (pr.kind == SR_MLS_PROCESSED_REMOVED) {
            assert_int_equal(want, SR_MLS_PROCESSED_COMMIT);
            assert_false(sr_mls_group_active(w->m[i]));
            sr_mls_group_free(w->m[i]);
            w->m[i] = NULL;
        } else {
            assert_int_equal(pr.kind, want);
        }
        sr_mls_processed_cleanup(&pr);
    }
}

/* Member `by` commits `p`, everyone else processes it, the committer merges. */
static void commit(struct world *w, size_t by, const struct sr_mls_commit_params *p,
                   struct sr_buf *welcome)
{
    struct sr_buf c = { 0 };
    uint64_t epoch = sr_mls_group_epoch(w->m[by]);
    assert_int_equal(sr_mls_group_commit(w->m[by], p, &c, welcome), SR_OK);
    deliver(w, by, &c, SR_MLS_PROCESSED_COMMIT);
    assert_int_equal(sr_mls_group_commit_merge(w->m[by]), SR_OK);
    assert_int_equal(sr_mls_group_epoch(w->m[by]), epoch + 1);
    sr_buf_cleanup(&c);
}

/* Member `by` adds the clients of slots first..last-1 in one commit; they join from the
 * Welcome (the tree in its GroupInfo, or out of band). */
static void add_batch(struct world *w, size_t by, size_t first, size_t last, bool tree_inline)
{
    size_t n = last - first;
    struct sr_buf kps[SLOTS], privs[SLOTS], wl = { 0 }, tree = { 0 };
    struct sr_slice add[SLOTS];
    for (size_t i = 0; i < n; i++) {
        key_package(w->suite, first + i, &kps[i], &privs[i]);
        add[i] = sr_buf_slice(&kps[i]);
    }
    struct sr_mls_commit_params p = { .add = add, .add_count = n, .ratchet_tree = tree_inline };
    commit(w, by, &p, &wl);
    if (!tree_inline) {
        assert_int_equal(sr_mls_group_export_tree(w->m[by], &tree), SR_OK);
    }
    for (size_t i = 0; i < n; i++) {
        struct sr_mls_group_join_params jp = {
            .welcome = sr_buf_slice(&wl),
            .key_package_priv = sr_buf_slice(&privs[i]),
            .ratchet_tree = sr_buf_slice(&tree),
            .now = NOW,
        };
        assert_null(w->m[first + i]);
        assert_int_equal(sr_mls_group_join(&jp, &w->m[first + i]), SR_OK);
        sr_buf_cleanup(&kps[i]);
        sr_buf_cleanup(&privs[i]);
    }
    sr_buf_cleanup(&wl);
    sr_buf_cleanup(&tree);
    settle(w);
}

/* Member `who` proposes an Update of its leaf (or, below, its own removal); every other
 * member caches the proposal. */
static void propose_update(struct world *w, size_t who)
{
    struct sr_buf prop = { 0 };
    assert_int_equal(sr_mls_group_propose_update(w->m[who], true, &prop), SR_OK);
    deliver(w, who, &prop, SR_MLS_PROCESSED_PROPOSAL);
    sr_buf_cleanup(&prop);
}

static void propose_leave(struct world *w, size_t who)
{
    struct sr_buf prop = { 0 };
    assert_int_equal(
            sr_mls_group_propose_remove(w->m[who], sr_mls_group_own_leaf(w->m[who]), false, &prop),
            SR_OK);
    deliver(w, who, &prop, SR_MLS_PROCESSED_PROPOSAL);
    sr_buf_cleanup(&prop);
}

/* The client of `slot` joins by external commit from member `from`'s GroupInfo. */
static void join_external(struct world *w, size_t from, size_t slot)
{
    struct sr_buf kp, priv, gi = { 0 }, c = { 0 };
    key_package(w->suite, slot, &kp, &priv);
    assert_int_equal(sr_mls_group_get_group_info(w->m[from], true, &gi), SR_OK);
    struct sr_mls_external_join_params jp = {
        .group_info = sr_buf_slice(&gi),
        .key_package_priv = sr_buf_slice(&priv),
        .now = NOW,
    };
    assert_null(w->m[slot]);
    assert_int_equal(sr_mls_group_join_external(&jp, &w->m[slot], &c), SR_OK);
    deliver(w, slot, &c, SR_MLS_PROCESSED_COMMIT);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&gi);
    sr_buf_cleanup(&c);
    settle(w);
}

static void scale(uint16_t suite)
{
    struct world w;
    struct sr_buf kp, priv;
    memset(&w, 0, sizeof(w));
    w.suite = suite;
    key_package(suite, 0, &kp, &priv);
    struct sr_mls_group_create_params cp = {
        .key_package_priv = sr_buf_slice(&priv),
        .group_id = sr_slice_of("scale-group", 11),
    };
    assert_int_equal(sr_mls_group_create(&cp, &w.m[0]), SR_OK);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);

    /* Growth to 50 members: three committers, each adding a batch. */
    add_batch(&w, 0, 1, 10, true);
    add_batch(&w, 7, 10, 24, false);
    add_batch(&w, 23, 24, MEMBERS, true);
    assert_int_equal(live(&w), MEMBERS);
    assert_int_equal(sr_mls_group_leaf_count(w.m[49]), 64);

    /* Updates: 13 commits a path as a PrivateMessage; 30 and 38 propose Updates that 41
     * commits by reference. */
    struct sr_mls_commit_params upd = { .path = true, .private_message = true };
    commit(&w, 13, &upd, NULL);
    settle(&w);
    propose_update(&w, 30);
    propose_update(&w, 38);
    struct sr_mls_commit_params byref = { .by_reference = true };
    commit(&w, 41, &byref, NULL);
    settle(&w);

    /* Leaving: 5 proposes its own removal (committed by 44); 0 removes 17 and 33. */
    propose_leave(&w, 5);
    struct sr_mls_commit_params byref_priv = { .by_reference = true, .private_message = true };
    commit(&w, 44, &byref_priv, NULL);
    assert_null(w.m[5]);
    settle(&w);
    uint32_t gone[2] = { sr_mls_group_own_leaf(w.m[17]), sr_mls_group_own_leaf(w.m[33]) };
    struct sr_mls_commit_params rm = { .remove = gone, .remove_count = 2 };
    commit(&w, 0, &rm, NULL);
    assert_null(w.m[17]);
    assert_null(w.m[33]);
    assert_int_equal(live(&w), MEMBERS - 3);
    settle(&w);

    /* 17 rejoins by external commit and then commits a path of its own. */
    join_external(&w, 42, 17);
    assert_int_equal(live(&w), MEMBERS - 2);
    struct sr_mls_commit_params pub_upd = { .path = true };
    commit(&w, 17, &pub_upd, NULL);
    settle(&w);
    assert_int_equal(sr_mls_group_epoch(w.m[0]), 9);
    for (size_t i = 0; i < SLOTS; i++) {
        sr_mls_group_free(w.m[i]);
    }
}

#define SUITE_TEST(n)                              \
    static void test_scale_suite_##n(void **state) \
    {                                              \
        (void)state;                               \
        scale(n);                                  \
    }

SUITE_TEST(1)
SUITE_TEST(2)
SUITE_TEST(3)
SUITE_TEST(4)
SUITE_TEST(5)
SUITE_TEST(6)
SUITE_TEST(7)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_suite_1), cmocka_unit_test(test_scale_suite_2),
        cmocka_unit_test(test_scale_suite_3), cmocka_unit_test(test_scale_suite_4),
        cmocka_unit_test(test_scale_suite_5), cmocka_unit_test(test_scale_suite_6),
        cmocka_unit_test(test_scale_suite_7),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
