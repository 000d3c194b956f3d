/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reinitializing a group (RFC 9420 §11.2): a 4-member group commits a ReInit and freezes;
 * one member starts the follow-on group with the ReInit's parameters and the old group's
 * reinit PSK; the others join it from the Welcome with their old group at hand. All members
 * then agree on epoch, epoch authenticator, tree hash and exporter, and exchange messages.
 * Suites 1 -> 3, 2 -> 1, and 1 -> 1 with new extensions. A Welcome without the old group's
 * resumption PSK, or with another group's, is refused; so are follow-ons that do not match
 * the ReInit; the frozen group sends nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/mls.h>

#include "mls/group.h"
#include "testutil.h"

#define M   4
#define NOW 1700000000u

/* The required_capabilities extension with empty lists: a GroupContext extension body. */
static const uint8_t new_ext[] = { 0x00, 0x03, 0x03, 0x00, 0x00, 0x00 };

struct kps {
    struct sr_buf kp[M], priv[M];
    struct sr_slice add[M];
};

/* KeyPackages of members 0..M-1 in `suite`, named "member-i" whatever the suite. */
static void kps_new(uint16_t suite, struct kps *k)
{
    for (size_t i = 0; i < M; i++) {
        char name[] = "member-x";
        name[7] = (char)('0' + i);
        sr_buf_init(&k->kp[i], 0, 0);
        sr_buf_init(&k->priv[i], 0, SR_BUF_WIPE);
        assert_int_equal(sr_mls_key_package_new(suite, sr_slice_of(name, strlen(name)), NOW,
                                                &k->kp[i], &k->priv[i]),
                         SR_OK);
        k->add[i] = sr_buf_slice(&k->kp[i]);
    }
}

static void kps_free(struct kps *k)
{
    for (size_t i = 0; i < M; i++) {
        sr_buf_cleanup(&k->kp[i]);
        sr_buf_cleanup(&k->priv[i]);
    }
}

/* The other members' KeyPackages than `skip`, into `out`. */
static size_t others(const struct kps *k, size_t skip, struct sr_slice *out)
{
    size_t n = 0;
    for (size_t i = 0; i < M; i++) {
        if (i != skip) {
            out[n++] = k->add[i];
        }
    }
    return n;
}

/* Member 0 creates group `gid` in `suite` (extensions `ext`) and adds the others. */
static void group_new(uint16_t suite, struct sr_slice gid, struct sr_slice ext,
                      struct sr_mls_group *g[M])
{
    struct kps k;
    struct sr_buf c = { 0 }, w = { 0 };
    struct sr_slice add[M];
    kps_new(suite, &k);
    struct sr_mls_group_create_params cp = { .key_package_priv = sr_buf_slice(&k.priv[0]),
                                             .group_id = gid,
                                             .extensions = ext };
    assert_int_equal(sr_mls_group_create(&cp, &g[0]), SR_OK);
    struct sr_mls_commit_params p = { .add = add,
                                      .add_count = others(&k, 0, add),
                                      .ratchet_tree = true };
    assert_int_equal(sr_mls_group_commit(g[0], &p, &c, &w), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(g[0]), SR_OK);
    for (size_t i = 1; i < M; i++) {
        struct sr_mls_group_join_params jp = { .welcome = sr_buf_slice(&w),
                                               .key_package_priv = sr_buf_slice(&k.priv[i]),
                                               .now = NOW };
        assert_int_equal(sr_mls_group_join(&jp, &g[i]), SR_OK);
    }
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&w);
    kps_free(&k);
}

static void deliver(struct sr_mls_group *g[M], size_t from, const struct sr_buf *msg)
{
    for (size_t i = 0; i < M; i++) {
        struct sr_mls_processed pr = { 0 };
        if (i != from) {
            assert_int_equal(sr_mls_group_process(g[i], sr_buf_slice(msg), &pr), SR_OK);
        }
        sr_mls_processed_cleanup(&pr);
    }
}

/* Every member has the same epoch, authenticator, tree hash and exporter output. */
static void agree(struct sr_mls_group *g[M])
{
    struct sr_buf first = { 0 };
    for (size_t i = 0; i < M; i++) {
        struct sr_buf s = { 0 };
        uint8_t exp[32];
        uint64_t epoch = sr_mls_group_epoch(g[i]);
        assert_int_equal(sr_buf_append(&s, &epoch, sizeof(epoch)), SR_OK);
        assert_int_equal(sr_mls_group_epoch_authenticator(g[i], &s), SR_OK);
        assert_int_equal(sr_mls_group_tree_hash(g[i], &s), SR_OK);
        assert_int_equal(sr_mls_group_export(g[i], sr_slice_of("t", 1), sr_slice_of(NULL, 0),
                                             sizeof(exp), exp),
                         SR_OK);
        assert_int_equal(sr_buf_append(&s, exp, sizeof(exp)), SR_OK);
        if (i == 0) {
            first = s;
            continue;
        }
        assert_int_equal(s.len, first.len);
        assert_memory_equal(s.p, first.p, s.len);
        sr_buf_cleanup(&s);
    }
    sr_buf_cleanup(&first);
}

/* Each member sends an application message that every other one decrypts. */
static void chat(struct sr_mls_group *g[M])
{
    for (size_t s = 0; s < M; s++) {
        struct sr_buf ct = { 0 };
        char text[] = "after reinit x";
        text[13] = (char)('0' + s);
        assert_int_equal(sr_mls_group_protect(g[s], sr_slice_of(NULL, 0),
                                              sr_slice_of(text, strlen(text)), &ct),
                         SR_OK);
        for (size_t r = 0; r < M; r++) {
            struct sr_mls_processed pr = { 0 };
            if (r == s) {
                continue;
            }
            assert_int_equal(sr_mls_group_process(g[r], sr_buf_slice(&ct), &pr), SR_OK);
            assert_int_equal(pr.kind, SR_MLS_PROCESSED_APPLICATION);
            assert_int_equal(pr.data.len, strlen(text));
            assert_memory_equal(pr.data.p, text, strlen(text));
            sr_mls_processed_cleanup(&pr);
        }
        sr_buf_cleanup(&ct);
    }
}

/* Member 2 proposes the ReInit, member 1 commits it: every member is frozen. */
static void freeze(struct sr_mls_group *g[M], struct sr_slice gid, uint16_t suite,
                   struct sr_slice ext)
{
    struct sr_buf prop = { 0 }, c = { 0 }, ct = { 0 };
    assert_int_equal(sr_mls_group_propose_reinit(g[2], gid, suite, ext, true, &prop), SR_OK);
    deliver(g, 2, &prop);
    struct sr_mls_commit_params byref = { .by_reference = true };
    assert_int_equal(sr_mls_group_commit(g[1], &byref, &c, NULL), SR_OK);
    deliver(g, 1, &c);
    assert_int_equal(sr_mls_group_commit_merge(g[1]), SR_OK);
    agree(g);
    for (size_t i = 0; i < M; i++) {
        struct sr_mls_commit_params upd = { .path = true };
        assert_false(sr_mls_group_active(g[i]));
        assert_int_equal(sr_mls_group_protect(g[i], sr_slice_of(NULL, 0), sr_slice_of("x", 1), &ct),
                         SR_ERR_STATE);
        assert_int_equal(sr_mls_group_commit(g[i], &upd, &c, NULL), SR_ERR_STATE);
        assert_int_equal(sr_mls_group_propose_update(g[i], false, &ct), SR_ERR_STATE);
    }
    assert_int_equal(ct.len, 0);
    sr_buf_cleanup(&prop);
    sr_buf_cleanup(&c);
}

/* Frozen member `i` is saved and restored: the ReInit it remembers survives. */
static void save_restore(struct sr_mls_group **g)
{
    struct sr_buf st;
    sr_buf_init(&st, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_group_save(*g, &st), SR_OK);
    sr_mls_group_free(*g);
    *g = NULL;
    assert_int_equal(sr_mls_group_restore(sr_buf_slice(&st), g), SR_OK);
    assert_false(sr_mls_group_active(*g));
    sr_buf_cleanup(&st);
}

/* Member `by` starts the follow-on of `old` in `suite`; the others join it. */
static void follow_on(struct sr_mls_group *old[M], size_t by, uint16_t suite, bool tree,
                      struct sr_mls_group *nw[M])
{
    struct kps k;
    struct sr_buf w = { 0 }, rt = { 0 };
    struct sr_slice add[M];
    kps_new(suite, &k);
    struct sr_mls_reinit_create_params cp = {
        .key_package_priv = sr_buf_slice(&k.priv[by]),
        .add = add,
        .add_count = others(&k, by, add),
        .ratchet_tree = tree,
    };
    assert_int_equal(sr_mls_group_reinit_create(old[by], &cp, &nw[by], &w), SR_OK);
    if (!tree) {
        assert_int_equal(sr_mls_group_export_tree(nw[by], &rt), SR_OK);
    }
    for (size_t i = 0; i < M; i++) {
        struct sr_mls_group_join_params jp = { .welcome = sr_buf_slice(&w),
                                               .key_package_priv = sr_buf_slice(&k.priv[i]),
                                               .ratchet_tree = sr_buf_slice(&rt),
                                               .now = NOW };
        if (i == by) {
            continue;
        }
        /* Without the old group the reinit PSK is unknown. */
        struct sr_mls_group *plain = NULL;
        assert_int_equal(sr_mls_group_join(&jp, &plain), SR_ERR_NOT_FOUND);
        assert_null(plain);
        assert_int_equal(sr_mls_group_reinit_join(old[i], &jp, &nw[i]), SR_OK);
    }
    sr_buf_cleanup(&w);
    sr_buf_cleanup(&rt);
    kps_free(&k);
}

static void free_all(struct sr_mls_group *g[M])
{
    for (size_t i = 0; i < M; i++) {
        sr_mls_group_free(g[i]);
        g[i] = NULL;
    }
}

/* The whole flow from `from` to `to` (extensions `ext`), checked on the new group. */
static void reinit(uint16_t from, uint16_t to, struct sr_slice ext, bool tree)
{
    struct sr_mls_group *old[M] = { 0 }, *nw[M] = { 0 };
    struct sr_slice gid = sr_slice_of("meeting-v2", 10);
    group_new(from, sr_slice_of("meeting", 7), sr_slice_of(NULL, 0), old);
    chat(old);
    freeze(old, gid, to, ext);
    save_restore(&old[0]);
    follow_on(old, 3, to, tree, nw);
    agree(nw);
    chat(nw);
    for (size_t i = 0; i < M; i++) {
        struct sr_buf id = { 0 };
        assert_int_equal(sr_mls_group_epoch(nw[i]), 1);
        assert_int_equal(sr_mls_group_suite(nw[i]), to);
        assert_int_equal(sr_mls_group_id(nw[i], &id), SR_OK);
        assert_int_equal(id.len, gid.len);
        assert_memory_equal(id.p, gid.p, gid.len);
        assert_int_equal(nw[i]->ep.gc_ext.len, ext.len);
        if (ext.len > 0) {
            assert_memory_equal(nw[i]->ep.gc_ext.p, ext.p, ext.len);
        }
        sr_buf_cleanup(&id);
    }
    free_all(old);
    free_all(nw);
}

static void test_suite1_to_suite3(void **state)
{
    (void)state;
    reinit(1, 3, sr_slice_of(NULL, 0), true);
}

static void test_suite2_to_suite1(void **state)
{
    (void)state;
    reinit(2, 1, sr_slice_of(NULL, 0), false);
}

static void test_same_suite_new_extensions(void **state)
{
    (void)state;
    reinit(1, 1, sr_slice_of(new_ext, sizeof(new_ext)), true);
}

/* The creator's Welcome for `old` (frozen towards "v2", suite 1) from member 0. */
static void welcome_of(struct sr_mls_group *old[M], struct kps *k, struct sr_buf *w,
                       struct sr_mls_group **nw)
{
    struct sr_slice add[M];
    struct sr_mls_reinit_create_params cp = {
        .key_package_priv = sr_buf_slice(&k->priv[0]),
        .add = add,
        .add_count = others(k, 0, add),
        .ratchet_tree = true,
    };
    sr_buf_init(w, 0, 0);
    assert_int_equal(sr_mls_group_reinit_create(old[0], &cp, nw, w), SR_OK);
}

/*
 * A Welcome must carry the reinit PSK of the joiner's own old group: another group's (same
 * group_id and epoch, other secret), a differently named one, or none at all is refused.
 */
static void test_wrong_psk(void **state)
{
    (void)state;
    struct sr_mls_group *a[M] = { 0 }, *b[M] = { 0 }, *c[M] = { 0 }, *fresh[M] = { 0 };
    struct sr_mls_group *na = NULL, *nb = NULL, *nc = NULL, *g = NULL;
    struct sr_slice gid = sr_slice_of("v2", 2);
    struct sr_buf wa, wb, wc;
    struct kps k;
    group_new(1, sr_slice_of("meeting", 7), sr_slice_of(NULL, 0), a);
    group_new(1, sr_slice_of("meeting", 7), sr_slice_of(NULL, 0), b);
    group_new(1, sr_slice_of("other", 5), sr_slice_of(NULL, 0), c);
    freeze(a, gid, 1, sr_slice_of(NULL, 0));
    freeze(b, gid, 1, sr_slice_of(NULL, 0));
    freeze(c, gid, 1, sr_slice_of(NULL, 0));
    kps_new(1, &k);
    welcome_of(a, &k, &wa, &na);
    welcome_of(b, &k, &wb, &nb);
    welcome_of(c, &k, &wc, &nc);
    struct sr_mls_group_join_params jp = { .key_package_priv = sr_buf_slice(&k.priv[1]),
                                           .now = NOW };
    /* b's PSK has a's name but not its value: the GroupInfo does not decrypt. */
    jp.welcome = sr_buf_slice(&wb);
    assert_int_equal(sr_mls_group_reinit_join(a[1], &jp, &g), SR_ERR_AUTH);
    assert_null(g);
    /* c's PSK names another group. */
    jp.welcome = sr_buf_slice(&wc);
    assert_int_equal(sr_mls_group_reinit_join(a[1], &jp, &g), SR_ERR_NOT_FOUND);
    assert_null(g);
    /* A group made by hand with the ReInit's parameters but no PSK. */
    struct sr_buf c2 = { 0 }, w2 = { 0 };
    struct sr_slice add[M];
    struct sr_mls_group_create_params cp = { .key_package_priv = sr_buf_slice(&k.priv[0]),
                                             .group_id = gid };
    assert_int_equal(sr_mls_group_create(&cp, &fresh[0]), SR_OK);
    struct sr_mls_commit_params p = { .add = add,
                                      .add_count = others(&k, 0, add),
                                      .ratchet_tree = true };
    assert_int_equal(sr_mls_group_commit(fresh[0], &p, &c2, &w2), SR_OK);
    jp.welcome = sr_buf_slice(&w2);
    assert_int_equal(sr_mls_group_reinit_join(a[1], &jp, &g), SR_ERR_NOT_FOUND);
    assert_null(g);
    /* Its own old group's Welcome is fine. */
    jp.welcome = sr_buf_slice(&wa);
    assert_int_equal(sr_mls_group_reinit_join(a[1], &jp, &g), SR_OK);
    sr_mls_group_free(g);
    struct sr_buf *bufs[] = { &wa, &wb, &wc, &c2, &w2 };
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        sr_buf_cleanup(bufs[i]);
    }
    sr_mls_group_free(na);
    sr_mls_group_free(nb);
    sr_mls_group_free(nc);
    free_all(a);
    free_all(b);
    free_all(c);
    free_all(fresh);
    kps_free(&k);
}

/* What the follow-on functions refuse: an active old group, a bundle of another suite, a
 * new group that leaves a member out, and a follow-on of another ReInit. */
static void test_refusals(void **state)
{
    (void)state;
    struct sr_mls_group *old[M] = { 0 }, *other[M] = { 0 }, *g = NULL, *nw = NULL;
    struct sr_buf w = { 0 };
    struct sr_slice add[M];
    struct kps k1, k3;
    kps_new(1, &k1);
    kps_new(3, &k3);
    group_new(1, sr_slice_of("meeting", 7), sr_slice_of(NULL, 0), old);
    struct sr_mls_reinit_create_params cp = {
        .key_package_priv = sr_buf_slice(&k3.priv[0]),
        .add = add,
        .add_count = others(&k3, 0, add),
        .ratchet_tree = true,
    };
    assert_int_equal(sr_mls_group_reinit_create(old[0], &cp, &g, &w), SR_ERR_STATE);
    struct sr_mls_group_join_params jp = { .key_package_priv = sr_buf_slice(&k3.priv[1]) };
    assert_int_equal(sr_mls_group_reinit_join(old[1], &jp, &g), SR_ERR_STATE);
    freeze(old, sr_slice_of("v2", 2), 3, sr_slice_of(NULL, 0));
    /* A suite 1 bundle for a ReInit to suite 3. */
    cp.key_package_priv = sr_buf_slice(&k1.priv[0]);
    assert_int_equal(sr_mls_group_reinit_create(old[0], &cp, &g, &w), SR_ERR_INVALID);
    /* Member 3 left out. */
    cp.key_package_priv = sr_buf_slice(&k3.priv[0]);
    cp.add_count = 2;
    assert_int_equal(sr_mls_group_reinit_create(old[0], &cp, &g, &w), SR_ERR_INVALID);
    assert_null(g);
    assert_int_equal(w.len, 0);
    /* Another group of the same members, frozen towards other extensions at the same epoch:
     * its follow-on's Welcome names a PSK like ours, but not ours. */
    group_new(1, sr_slice_of("meeting", 7), sr_slice_of(NULL, 0), other);
    freeze(other, sr_slice_of("v2", 2), 3, sr_slice_of(new_ext, sizeof(new_ext)));
    cp.add_count = M - 1;
    assert_int_equal(sr_mls_group_reinit_create(other[0], &cp, &nw, &w), SR_OK);
    jp.welcome = sr_buf_slice(&w);
    assert_int_equal(sr_mls_group_reinit_join(old[1], &jp, &g), SR_ERR_AUTH);
    assert_null(g);
    assert_int_equal(sr_mls_group_reinit_join(other[1], &jp, &g), SR_OK);
    sr_mls_group_free(g);
    sr_mls_group_free(nw);
    sr_buf_cleanup(&w);
    free_all(old);
    free_all(other);
    kps_free(&k1);
    kps_free(&k3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite1_to_suite3),
        cmocka_unit_test(test_suite2_to_suite1),
        cmocka_unit_test(test_same_suite_new_extensions),
        cmocka_unit_test(test_wrong_psk),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
