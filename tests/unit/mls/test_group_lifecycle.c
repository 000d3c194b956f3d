/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS groups end to end through the public API, for all seven cipher suites: a creator adds
 * members (Welcome with and without the ratchet tree), several committers add, update and
 * remove, proposals go by reference, commits travel as PublicMessage and PrivateMessage, and
 * after every step all members agree on epoch, epoch authenticator, tree hash and exporter
 * and decrypt each other's application messages. Tampered, replayed and invalid commits are
 * rejected and leave the group as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/mls.h>

#include "core/codec.h"
#include "mls/group.h"
#include "mls/keypackage.h"
#include "mls/wire_extension.h"
#include "testutil.h"

#define MAXM 20
#define NOW  1700000000u

struct world {
    uint16_t suite;
    struct sr_mls_group *m[MAXM];
};

static void key_package(uint16_t suite, const char *name, struct sr_buf *kp, struct sr_buf *priv)
{
    sr_buf_init(kp, 0, 0);
    sr_buf_init(priv, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_key_package_new(suite, sr_slice_of(name, strlen(name)), NOW, kp, priv),
                     SR_OK);
}

static void state_of(const struct sr_mls_group *g, struct sr_buf *out)
{
    uint8_t exp[32];
    uint64_t epoch = sr_mls_group_epoch(g);
    sr_buf_init(out, 0, 0);
    assert_int_equal(sr_buf_append(out, &epoch, sizeof(epoch)), SR_OK);
    assert_int_equal(sr_mls_group_epoch_authenticator(g, out), SR_OK);
    assert_int_equal(sr_mls_group_tree_hash(g, out), SR_OK);
    assert_int_equal(
            sr_mls_group_export(g, sr_slice_of("test", 4), sr_slice_of("ctx", 3), sizeof(exp), exp),
            SR_OK);
    assert_int_equal(sr_buf_append(out, exp, sizeof(exp)), SR_OK);
}

/* Every member has the same epoch, authenticator, tree hash and exporter output. */
static void agree(const struct world *w)
{
    struct sr_buf first = { 0 };
    bool have = false;
    for (size_t i = 0; i < MAXM; i++) {
        struct sr_buf s;
        if (w->m[i] == NULL) {
            continue;
        }
        state_of(w->m[i], &s);
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

/* Deliver a handshake message from `from` to every other member. */
static void deliver(struct world *w, size_t from, const struct sr_buf *msg)
{
    for (size_t i = 0; i < MAXM; i++) {
        struct sr_mls_processed pr = { 0 };
        if (i == from || w->m[i] == NULL) {
            continue;
        }
        assert_int_equal(sr_mls_group_process(w->m[i], sr_buf_slice(msg), &pr), SR_OK);
        if (pr.kind == SR_MLS_PROCESSED_REMOVED) {
            sr_mls_group_free(w->m[i]);
            w->m[i] = NULL;
        }
        sr_mls_processed_cleanup(&pr);
    }
}

/* Each member sends one application message that every other member decrypts. */
static void chat(struct world *w)
{
    for (size_t s = 0; s < MAXM; s++) {
        struct sr_buf ct = { 0 };
        char text[32] = "hello from member x";
        text[18] = (char)('0' + s);
        if (w->m[s] == NULL) {
            continue;
        }
        assert_int_equal(sr_mls_group_protect(w->m[s], sr_slice_of("ad", 2),
                                              sr_slice_of(text, strlen(text)), &ct),
                         SR_OK);
        for (size_t r = 0; r < MAXM; r++) {
            struct sr_mls_processed pr = { 0 };
            if (r == s || w->m[r] == NULL) {
                continue;
            }
            assert_int_equal(sr_mls_group_process(w->m[r], sr_buf_slice(&ct), &pr), SR_OK);
            assert_int_equal(pr.kind, SR_MLS_PROCESSED_APPLICATION);
            assert_int_equal(pr.sender, sr_mls_group_own_leaf(w->m[s]));
            assert_int_equal(pr.data.len, strlen(text));
            assert_memory_equal(pr.data.p, text, strlen(text));
            assert_int_equal(pr.aad.len, 2);
            assert_memory_equal(pr.aad.p, "ad", 2);
            assert_int_equal(pr.epoch, sr_mls_group_epoch(w->m[r]));
            sr_mls_processed_cleanup(&pr);
        }
        sr_buf_cleanup(&ct);
    }
}

/* Member `by` commits `p`; joiners `slots` (if any) join from the Welcome. */
static void commit(struct world *w, size_t by, const struct sr_mls_commit_params *p,
                   struct sr_buf *privs, const size_t *slots, size_t n_join)
{
    struct sr_buf c = { 0 }, wl = { 0 }, tree = { 0 };
    assert_int_equal(sr_mls_group_commit(w->m[by], p, &c, &wl), SR_OK);
    deliver(w, by, &c);
    assert_int_equal(sr_mls_group_commit_merge(w->m[by]), SR_OK);
    if (!p->ratchet_tree) {
        assert_int_equal(sr_mls_group_export_tree(w->m[by], &tree), SR_OK);
    }
    for (size_t i = 0; i < n_join; i++) {
        struct sr_mls_group_join_params jp = {
            .welcome = sr_buf_slice(&wl),
            .key_package_priv = sr_buf_slice(&privs[i]),
            .ratchet_tree = sr_buf_slice(&tree),
            .now = NOW,
        };
        assert_null(w->m[slots[i]]);
        assert_int_equal(sr_mls_group_join(&jp, &w->m[slots[i]]), SR_OK);
    }
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&wl);
    sr_buf_cleanup(&tree);
    agree(w);
    chat(w);
}

static void add_members(struct world *w, size_t by, const size_t *slots, size_t n, bool tree)
{
    struct sr_buf kps[MAXM], privs[MAXM];
    struct sr_slice add[MAXM];
    for (size_t i = 0; i < n; i++) {
        char name[16] = "member-xx";
        name[7] = (char)('0' + slots[i] / 10);
        name[8] = (char)('0' + slots[i] % 10);
        key_package(w->suite, name, &kps[i], &privs[i]);
        add[i] = sr_buf_slice(&kps[i]);
    }
    struct sr_mls_commit_params p = { .add = add, .add_count = n, .ratchet_tree = tree };
    commit(w, by, &p, privs, slots, n);
    for (size_t i = 0; i < n; i++) {
        sr_buf_cleanup(&kps[i]);
        sr_buf_cleanup(&privs[i]);
    }
}

static void create_ext(struct world *w, uint16_t suite, struct sr_slice extensions)
{
    struct sr_buf kp, priv;
    memset(w, 0, sizeof(*w));
    w->suite = suite;
    key_package(suite, "member-00", &kp, &priv);
    struct sr_mls_group_create_params cp = {
        .key_package_priv = sr_buf_slice(&priv),
        .group_id = sr_slice_of("group", 5),
        .extensions = extensions,
    };
    assert_int_equal(sr_mls_group_create(&cp, &w->m[0]), SR_OK);
    assert_int_equal(sr_mls_group_epoch(w->m[0]), 0);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
}

static void create(struct world *w, uint16_t suite)
{
    create_ext(w, suite, sr_slice_of(NULL, 0));
}

static void destroy(struct world *w)
{
    for (size_t i = 0; i < MAXM; i++) {
        sr_mls_group_free(w->m[i]);
    }
}

/* The saved form of a group: everything it holds. */
static void saved(const struct sr_mls_group *g, struct sr_buf *out)
{
    sr_buf_init(out, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_group_save(g, out), SR_OK);
}

/* A rejected message (with `want`, or any error for SR_OK) leaves the group byte-identical. */
static void rejected(struct world *w, size_t to, const struct sr_buf *msg, sr_err want)
{
    struct sr_buf before, after;
    struct sr_mls_processed pr = { 0 };
    saved(w->m[to], &before);
    sr_err err = sr_mls_group_process(w->m[to], sr_buf_slice(msg), &pr);
    if (want == SR_OK) {
        assert_int_not_equal(err, SR_OK); /* any error will do */
    } else {
        assert_int_equal(err, want);
    }
    saved(w->m[to], &after);
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.p, after.p, before.len);
    sr_buf_cleanup(&before);
    sr_buf_cleanup(&after);
}

/* Member `i` is saved, freed and restored, and carries on in the same epoch. */
static void save_restore(struct world *w, size_t i)
{
    struct sr_buf a, b;
    saved(w->m[i], &a);
    sr_mls_group_free(w->m[i]);
    w->m[i] = NULL;
    assert_int_equal(sr_mls_group_restore(sr_buf_slice(&a), &w->m[i]), SR_OK);
    saved(w->m[i], &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    /* Truncated or altered saved state is refused. */
    for (size_t k = 0; k < a.len; k += 1 + a.len / 64) {
        struct sr_mls_group *g = NULL;
        assert_int_not_equal(sr_mls_group_restore(sr_slice_of(a.p, k), &g), SR_OK);
        assert_null(g);
    }
    sr_buf_cleanup(&a);
    sr_buf_cleanup(&b);
    agree(w);
    chat(w); /* the saved ratchet positions let it send in the same epoch */
}

/* Client `slot` joins by external commit from member `from`'s GroupInfo (resync: replaces
 * its own old leaf after losing its state). */
static void join_external(struct world *w, size_t from, size_t slot, bool resync, bool tree)
{
    struct sr_buf kp, priv, gi = { 0 }, c = { 0 }, rt = { 0 };
    char name[16] = "member-xx"; /* a resync is the same participant (§12.2) */
    name[7] = (char)('0' + slot / 10);
    name[8] = (char)('0' + slot % 10);
    key_package(w->suite, name, &kp, &priv);
    assert_int_equal(sr_mls_group_get_group_info(w->m[from], tree, &gi), SR_OK);
    if (!tree) {
        assert_int_equal(sr_mls_group_export_tree(w->m[from], &rt), SR_OK);
    }
    struct sr_mls_external_join_params jp = {
        .group_info = sr_buf_slice(&gi),
        .key_package_priv = sr_buf_slice(&priv),
        .ratchet_tree = sr_buf_slice(&rt),
    };
    if (resync) {
        jp.resync = true;
        jp.old_leaf = sr_mls_group_own_leaf(w->m[slot]);
        sr_mls_group_free(w->m[slot]); /* the state is lost */
        w->m[slot] = NULL;
    }
    assert_null(w->m[slot]);
    assert_int_equal(sr_mls_group_join_external(&jp, &w->m[slot], &c), SR_OK);
    deliver(w, slot, &c);
    agree(w);
    chat(w);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&gi);
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&rt);
}

static void lifecycle(uint16_t suite)
{
    struct world w;
    create(&w, suite);
    const size_t s1[] = { 1 }, s23[] = { 2, 3 }, s4[] = { 4 };
    add_members(&w, 0, s1, 1, true);   /* 0 adds 1, tree in the Welcome */
    add_members(&w, 1, s23, 2, false); /* 1 adds 2 and 3, tree out of band */
    struct sr_mls_commit_params upd = { .path = true, .private_message = true };
    commit(&w, 2, &upd, NULL, NULL, 0); /* 2 updates its path (empty commit) */
    /* 0 proposes removing 1; 3 commits it by reference as a PrivateMessage. */
    struct sr_buf prop = { 0 };
    assert_int_equal(
            sr_mls_group_propose_remove(w.m[0], sr_mls_group_own_leaf(w.m[1]), true, &prop), SR_OK);
    deliver(&w, 0, &prop);
    struct sr_mls_commit_params byref = { .by_reference = true, .private_message = true };
    commit(&w, 3, &byref, NULL, NULL, 0);
    assert_null(w.m[1]);
    add_members(&w, 3, s4, 1, true);      /* 4 takes the freed leaf */
    join_external(&w, 0, 1, false, true); /* a new client joins by external commit */
    join_external(&w, 4, 2, true, false); /* 2 lost its state and rejoins */
    /* 4 proposes an Update of its leaf; 0 commits it by reference. */
    struct sr_buf up = { 0 };
    assert_int_equal(sr_mls_group_propose_update(w.m[4], true, &up), SR_OK);
    deliver(&w, 4, &up);
    commit(&w, 0, &byref, NULL, NULL, 0);
    sr_buf_cleanup(&up);
    save_restore(&w, 3);
    struct sr_mls_commit_params priv_upd = { .path = true, .private_message = true };
    commit(&w, 3, &priv_upd, NULL, NULL, 0); /* the restored member commits, in private */
    /* 4 leaves: it proposes its own removal and the external joiner (1) commits it. */
    struct sr_buf bye = { 0 };
    assert_int_equal(
            sr_mls_group_propose_remove(w.m[4], sr_mls_group_own_leaf(w.m[4]), false, &bye), SR_OK);
    deliver(&w, 4, &bye);
    commit(&w, 1, &byref, NULL, NULL, 0);
    assert_null(w.m[4]);
    sr_buf_cleanup(&bye);
    sr_buf_cleanup(&prop);
    destroy(&w);
}

static void test_lifecycle_all_suites(void **state)
{
    (void)state;
    for (uint16_t s = 1; s <= 7; s++) {
        lifecycle(s);
    }
}

static void test_rejections(void **state)
{
    (void)state;
    struct world w;
    create(&w, 1);
    const size_t s1[] = { 1 }, s2[] = { 2 };
    add_members(&w, 0, s1, 1, true);
    struct sr_buf c = { 0 };
    struct sr_mls_commit_params upd = { .path = true };
    assert_int_equal(sr_mls_group_commit(w.m[0], &upd, &c, NULL), SR_OK);
    /* Every flipped byte of the commit is refused, and member 1 is unchanged. */
    for (size_t i = 0; i < c.len; i++) {
        c.p[i] ^= 0x01;
        rejected(&w, 1, &c, SR_OK);
        c.p[i] ^= 0x01;
    }
    /* And so is every truncation. */
    for (size_t k = 0; k < c.len; k++) {
        struct sr_buf cut = { 0 };
        assert_int_equal(sr_buf_append(&cut, c.p, k), SR_OK);
        rejected(&w, 1, &cut, SR_OK);
        sr_buf_cleanup(&cut);
    }
    deliver(&w, 0, &c);
    assert_int_equal(sr_mls_group_commit_merge(w.m[0]), SR_OK);
    agree(&w);
    /* The same commit again is for an epoch that is over. */
    rejected(&w, 1, &c, SR_ERR_EPOCH);
    /* Removing a member who is not there is an invalid proposal list. */
    uint32_t nobody = 7;
    struct sr_mls_commit_params bad = { .remove = &nobody, .remove_count = 1 };
    struct sr_buf c2 = { 0 };
    assert_int_not_equal(sr_mls_group_commit(w.m[0], &bad, &c2, NULL), SR_OK);
    assert_int_equal(c2.len, 0);
    add_members(&w, 1, s2, 1, false);
    chat(&w);
    /* A commit referencing a proposal member 2 never saw is invalid for member 2. */
    struct sr_buf prop = { 0 }, c3 = { 0 };
    struct sr_mls_processed pr = { 0 };
    assert_int_equal(sr_mls_group_propose_remove(w.m[0], 1, false, &prop), SR_OK);
    assert_int_equal(sr_mls_group_process(w.m[1], sr_buf_slice(&prop), &pr), SR_OK);
    assert_int_equal(pr.kind, SR_MLS_PROCESSED_PROPOSAL);
    struct sr_mls_commit_params byref = { .by_reference = true, .path = true };
    assert_int_equal(sr_mls_group_commit(w.m[0], &byref, &c3, NULL), SR_OK);
    rejected(&w, 2, &c3, SR_ERR_INVALID);
    sr_mls_group_commit_discard(w.m[0]);
    /* An external commit that "resyncs" someone else's leaf is refused (§12.2). */
    struct sr_buf ikp, ipriv, gi = { 0 }, ic = { 0 };
    struct sr_mls_group *intruder = NULL;
    key_package(1, "intruder", &ikp, &ipriv);
    assert_int_equal(sr_mls_group_get_group_info(w.m[0], true, &gi), SR_OK);
    struct sr_mls_external_join_params ej = {
        .group_info = sr_buf_slice(&gi),
        .key_package_priv = sr_buf_slice(&ipriv),
        .resync = true,
        .old_leaf = sr_mls_group_own_leaf(w.m[1]),
    };
    assert_int_equal(sr_mls_group_join_external(&ej, &intruder, &ic), SR_OK);
    rejected(&w, 0, &ic, SR_ERR_INVALID);
    sr_mls_group_free(intruder);
    sr_buf_cleanup(&ikp);
    sr_buf_cleanup(&ipriv);
    sr_buf_cleanup(&gi);
    sr_buf_cleanup(&ic);
    /* Requiring a proposal type no member supports is an invalid GroupContextExtensions. */
    const uint8_t req[] = { 0x00, 0x03, 0x05, 0x00, 0x02, 0x00, 0xff, 0x00 };
    struct sr_mls_commit_params gce = { .set_extensions = true,
                                        .extensions = sr_slice_of(req, sizeof(req)) };
    sr_buf_reset(&c3);
    assert_int_equal(sr_mls_group_commit(w.m[1], &gce, &c3, NULL), SR_ERR_INVALID);
    assert_int_equal(c3.len, 0);
    /* A message over the size limit is refused before anything else. */
    struct sr_buf big = { 0 };
    assert_int_equal(sr_buf_reserve(&big, (4u << 20) + 1), SR_OK);
    memset(big.p, 0, (4u << 20) + 1);
    big.len = (4u << 20) + 1;
    rejected(&w, 2, &big, SR_ERR_LIMIT);
    sr_buf_cleanup(&big);
    sr_buf_cleanup(&prop);
    sr_buf_cleanup(&c3);
    sr_buf_cleanup(&c);
    destroy(&w);
}

/* External PSKs injected by a commit (§8.4); a member without the PSK refuses the commit. */
static void test_psk(void **state)
{
    (void)state;
    struct world w;
    const uint8_t secret[32] = { 1, 2, 3 };
    const size_t s12[] = { 1, 2 };
    create(&w, 2);
    add_members(&w, 0, s12, 2, true);
    struct sr_slice id1 = sr_slice_of("psk-1", 5), id2 = sr_slice_of("psk-2", 5);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(sr_mls_group_add_psk(w.m[i], id1, sr_slice_of(secret, 32)), SR_OK);
    }
    struct sr_mls_commit_params p = { .psk_ids = &id1, .psk_count = 1 };
    commit(&w, 0, &p, NULL, NULL, 0);
    /* Resumption PSKs of this epoch and the one before (§8.6). */
    uint64_t ep[2] = { sr_mls_group_epoch(w.m[0]), sr_mls_group_epoch(w.m[0]) - 1 };
    struct sr_mls_commit_params res = { .resumption_epochs = ep, .resumption_count = 2 };
    commit(&w, 2, &res, NULL, NULL, 0);
    /* One we never had is refused by the committer itself. */
    uint64_t future = 99;
    struct sr_mls_commit_params res_bad = { .resumption_epochs = &future, .resumption_count = 1 };
    struct sr_buf nc = { 0 };
    assert_int_equal(sr_mls_group_commit(w.m[1], &res_bad, &nc, NULL), SR_ERR_NOT_FOUND);
    assert_int_equal(nc.len, 0);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(sr_mls_group_add_psk(w.m[i], id2, sr_slice_of(secret, 16)), SR_OK);
    }
    struct sr_buf c = { 0 };
    p.psk_ids = &id2;
    assert_int_equal(sr_mls_group_commit(w.m[0], &p, &c, NULL), SR_OK);
    rejected(&w, 2, &c, SR_ERR_NOT_FOUND);
    struct sr_mls_processed pr = { 0 };
    assert_int_equal(sr_mls_group_process(w.m[1], sr_buf_slice(&c), &pr), SR_OK);
    assert_int_equal(pr.kind, SR_MLS_PROCESSED_COMMIT);
    assert_int_equal(sr_mls_group_commit_merge(w.m[0]), SR_OK);
    sr_mls_group_free(w.m[2]);
    w.m[2] = NULL;
    agree(&w);
    chat(&w);
    /* A Welcome whose GroupSecrets list a PSK: the joiner needs it too (§12.4.3.1). */
    struct sr_buf kp, priv, wl = { 0 };
    key_package(2, "member-2", &kp, &priv);
    struct sr_slice add = sr_buf_slice(&kp);
    struct sr_mls_commit_params pa = {
        .add = &add, .add_count = 1, .psk_ids = &id1, .psk_count = 1, .ratchet_tree = true
    };
    sr_buf_reset(&c);
    assert_int_equal(sr_mls_group_commit(w.m[1], &pa, &c, &wl), SR_OK);
    deliver(&w, 1, &c);
    assert_int_equal(sr_mls_group_commit_merge(w.m[1]), SR_OK);
    struct sr_mls_psk psk = { id1, sr_slice_of(secret, 32) };
    struct sr_mls_group_join_params jp = {
        .welcome = sr_buf_slice(&wl),
        .key_package_priv = sr_buf_slice(&priv),
    };
    assert_int_equal(sr_mls_group_join(&jp, &w.m[2]), SR_ERR_NOT_FOUND);
    assert_null(w.m[2]);
    jp.psks = &psk;
    jp.psk_count = 1;
    assert_int_equal(sr_mls_group_join(&jp, &w.m[2]), SR_OK);
    agree(&w);
    chat(&w);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&wl);
    sr_buf_cleanup(&c);
    destroy(&w);
}

/* The application refuses identities that start with "bad". */
static sr_err no_bad(void *arg, uint16_t type, struct sr_slice identity, struct sr_slice key)
{
    (void)key;
    (*(unsigned *)arg)++;
    bool bad = type == 1 && identity.len >= 3 && memcmp(identity.p, "bad", 3) == 0;
    return bad ? SR_ERR_DENIED : SR_OK;
}

static void test_identity_check(void **state)
{
    (void)state;
    struct world w;
    unsigned calls = 0;
    const size_t s1[] = { 1 };
    create(&w, 1);
    add_members(&w, 0, s1, 1, true);
    sr_mls_group_set_identity_check(w.m[1], no_bad, &calls);
    struct sr_buf kp, priv, c = { 0 };
    key_package(1, "bad-client", &kp, &priv);
    struct sr_slice add = sr_buf_slice(&kp);
    struct sr_mls_commit_params p = { .add = &add, .add_count = 1 };
    /* 0 does not check: it commits the Add; 1 refuses it and stays as it was. */
    assert_int_equal(sr_mls_group_commit(w.m[0], &p, &c, NULL), SR_OK);
    rejected(&w, 1, &c, SR_ERR_DENIED);
    sr_mls_group_commit_discard(w.m[0]);
    /* 1 itself refuses to commit it. */
    sr_buf_reset(&c);
    assert_int_equal(sr_mls_group_commit(w.m[1], &p, &c, NULL), SR_ERR_DENIED);
    assert_true(calls >= 2);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&c);
    destroy(&w);
}

struct alloc_case {
    struct sr_mls_group *g;
    struct sr_mls_group *joined;
    struct sr_buf msg, welcome, kp_priv, baseline, out;
    struct sr_mls_commit_params *params;
    uint64_t base_epoch;
};

static sr_err op_process(void *arg)
{
    struct alloc_case *a = arg;
    struct sr_mls_processed pr = { 0 };
    sr_err err = sr_mls_group_process(a->g, sr_buf_slice(&a->msg), &pr);
    sr_mls_processed_cleanup(&pr);
    return err;
}

static sr_err op_commit(void *arg)
{
    struct alloc_case *a = arg;
    sr_buf_reset(&a->out);
    return sr_mls_group_commit(a->g, a->params, &a->out, NULL);
}

static sr_err op_join(void *arg)
{
    struct alloc_case *a = arg;
    struct sr_mls_group_join_params jp = {
        .welcome = sr_buf_slice(&a->welcome),
        .key_package_priv = sr_buf_slice(&a->kp_priv),
    };
    sr_mls_group_free(a->joined);
    a->joined = NULL;
    return sr_mls_group_join(&jp, &a->joined);
}

/* After a failed run the group is exactly as before. */
static void reset_check(void *arg)
{
    struct alloc_case *a = arg;
    struct sr_buf now;
    if (sr_mls_group_epoch(a->g) != a->base_epoch) {
        return;
    }
    saved(a->g, &now);
    assert_int_equal(now.len, a->baseline.len);
    assert_memory_equal(now.p, a->baseline.p, now.len);
    sr_buf_cleanup(&now);
}

/* Every allocation failing in turn: processing, committing and joining fail cleanly. */
static void test_alloc_failures(void **state)
{
    (void)state;
    struct world w;
    struct alloc_case a = { 0 };
    struct sr_buf kp;
    const size_t s12[] = { 1, 2 };
    create(&w, 1);
    add_members(&w, 0, s12, 2, true);
    key_package(1, "late", &kp, &a.kp_priv);
    struct sr_slice add = sr_buf_slice(&kp);
    struct sr_mls_commit_params p = { .add = &add, .add_count = 1, .ratchet_tree = true };
    a.params = &p;
    a.g = w.m[0];
    a.base_epoch = sr_mls_group_epoch(a.g);
    saved(a.g, &a.baseline);
    assert_true(sr_test_each_alloc_failure(op_commit, reset_check, &a) > 10);
    sr_mls_group_commit_discard(a.g);
    assert_int_equal(sr_mls_group_commit(a.g, &p, &a.msg, &a.welcome), SR_OK);
    a.g = w.m[1];
    sr_buf_cleanup(&a.baseline);
    saved(a.g, &a.baseline);
    assert_true(sr_test_each_alloc_failure(op_process, reset_check, &a) > 10);
    assert_int_equal(sr_mls_group_epoch(w.m[1]), a.base_epoch + 1);
    assert_true(sr_test_each_alloc_failure(op_join, NULL, &a) > 10);
    assert_int_equal(sr_mls_group_epoch(a.joined), a.base_epoch + 1);
    sr_mls_group_free(a.joined);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&a.kp_priv);
    sr_buf_cleanup(&a.msg);
    sr_buf_cleanup(&a.welcome);
    sr_buf_cleanup(&a.baseline);
    sr_buf_cleanup(&a.out);
    destroy(&w);
}

/* Two members commit in the same epoch; the delivery service keeps the first and sends it to
 * everyone, the committer included (DESIGN.md: "first valid commit per epoch"). */
static void test_commit_race(void **state)
{
    (void)state;
    struct world w;
    const size_t s12[] = { 1, 2 };
    create(&w, 3);
    add_members(&w, 0, s12, 2, false);
    struct sr_buf a = { 0 }, b = { 0 };
    struct sr_mls_commit_params upd = { .path = true };
    assert_int_equal(sr_mls_group_commit(w.m[1], &upd, &a, NULL), SR_OK);
    assert_int_equal(sr_mls_group_commit(w.m[2], &upd, &b, NULL), SR_OK);
    for (size_t i = 0; i < 3; i++) {
        struct sr_mls_processed pr = { 0 };
        assert_int_equal(sr_mls_group_process(w.m[i], sr_buf_slice(&a), &pr), SR_OK);
        assert_int_equal(pr.kind, SR_MLS_PROCESSED_COMMIT);
        assert_int_equal(pr.sender, sr_mls_group_own_leaf(w.m[1]));
        sr_mls_processed_cleanup(&pr);
    }
    /* 2's commit lost: it was discarded, and it is for an epoch that is over. */
    assert_int_equal(sr_mls_group_commit_merge(w.m[2]), SR_ERR_STATE);
    rejected(&w, 0, &b, SR_ERR_EPOCH);
    agree(&w);
    chat(&w);
    sr_buf_cleanup(&a);
    sr_buf_cleanup(&b);
    destroy(&w);
}

/* A Welcome truncated anywhere or with any byte flipped does not make a group. */
static void test_welcome_damage(void **state)
{
    (void)state;
    struct world w;
    struct sr_buf kp, priv, c = { 0 }, wl = { 0 };
    create(&w, 1);
    key_package(1, "joiner", &kp, &priv);
    struct sr_slice add = sr_buf_slice(&kp);
    struct sr_mls_commit_params p = { .add = &add, .add_count = 1, .ratchet_tree = true };
    assert_int_equal(sr_mls_group_commit(w.m[0], &p, &c, &wl), SR_OK);
    struct sr_mls_group_join_params jp = { .key_package_priv = sr_buf_slice(&priv) };
    for (size_t k = 0; k < wl.len; k += 1 + wl.len / 200) {
        struct sr_mls_group *g = NULL;
        jp.welcome = sr_slice_of(wl.p, k);
        assert_int_not_equal(sr_mls_group_join(&jp, &g), SR_OK);
        assert_null(g);
        wl.p[k] ^= 0x80;
        jp.welcome = sr_buf_slice(&wl);
        assert_int_not_equal(sr_mls_group_join(&jp, &g), SR_OK);
        assert_null(g);
        wl.p[k] ^= 0x80;
    }
    jp.welcome = sr_buf_slice(&wl);
    assert_int_equal(sr_mls_group_join(&jp, &w.m[1]), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(w.m[0]), SR_OK);
    agree(&w);
    chat(&w);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&wl);
    destroy(&w);
}

/* Flip a byte of `leaf`'s signature in `g`'s own tree and drop the cached tree hashes, as a
 * dishonest member would: the GroupInfo it signs then carries the matching tree hash. */
static void forge_leaf_signature(struct sr_mls_group *g, uint32_t leaf)
{
    struct sr_mls_tree *t = &g->ep.tree;
    const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(t, leaf);
    assert_non_null(ln);
    ((uint8_t *)(uintptr_t)ln->signature.p)[3] ^= 0x10;
    for (uint32_t i = 0; i < sr_mls_tree_width(t); i++) {
        t->nodes[i].hash_ok = false;
    }
}

/*
 * §12.4.3.1: a joiner refuses a ratchet tree with a bad leaf signature even when the tree hash
 * and the GroupInfo signature match it. The join verifies each leaf signature once, with the
 * tree (sr_mls_tree_validate); the LeafNode checks after it skip the signature, so this proves
 * the one remaining verification still runs, for a Welcome and for an external join.
 */
static void test_bad_leaf_signature_in_tree(void **state)
{
    (void)state;
    struct world w;
    struct sr_buf kp, priv, c = { 0 }, wl = { 0 }, gi = { 0 };
    create(&w, 1);
    add_members(&w, 0, (const size_t[]){ 1 }, 1, true);
    forge_leaf_signature(w.m[0], 1);
    /* The current epoch's GroupInfo signs the cached GroupContext: put the new tree hash in. */
    struct sr_mls_group_epoch *e = &w.m[0]->ep;
    uint8_t *gc = e->gc_bytes.p, *at = NULL;
    for (size_t i = 0; i + 32 <= e->gc_bytes.len && at == NULL; i++) {
        at = memcmp(gc + i, e->tree_hash, 32) == 0 ? gc + i : NULL;
    }
    assert_non_null(at);
    assert_int_equal(sr_mls_tree_root_hash(&e->tree, e->tree_hash), SR_OK);
    memcpy(at, e->tree_hash, 32);
    key_package(1, "joiner", &kp, &priv);
    struct sr_mls_group *g = NULL;
    assert_int_equal(sr_mls_group_get_group_info(w.m[0], true, &gi), SR_OK);
    struct sr_mls_external_join_params ep = {
        .group_info = sr_buf_slice(&gi),
        .key_package_priv = sr_buf_slice(&priv),
    };
    assert_int_equal(sr_mls_group_join_external(&ep, &g, &c), SR_ERR_AUTH);
    assert_null(g);
    struct sr_slice add = sr_buf_slice(&kp);
    struct sr_mls_commit_params p = { .add = &add, .add_count = 1, .ratchet_tree = true };
    sr_buf_cleanup(&c);
    assert_int_equal(sr_mls_group_commit(w.m[0], &p, &c, &wl), SR_OK);
    struct sr_mls_group_join_params jp = {
        .welcome = sr_buf_slice(&wl),
        .key_package_priv = sr_buf_slice(&priv),
        .now = NOW,
    };
    assert_int_equal(sr_mls_group_join(&jp, &g), SR_ERR_AUTH);
    assert_null(g);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&wl);
    sr_buf_cleanup(&gi);
    destroy(&w);
}

/* A larger group: 19 members added in one commit, then commits from the middle of the tree. */
static void test_larger_group(void **state)
{
    (void)state;
    struct world w;
    size_t slots[MAXM - 1];
    for (size_t i = 0; i < MAXM - 1; i++) {
        slots[i] = i + 1;
    }
    create(&w, 1);
    add_members(&w, 0, slots, MAXM - 1, false);
    struct sr_mls_commit_params upd = { .path = true, .private_message = true };
    commit(&w, 13, &upd, NULL, NULL, 0);
    uint32_t gone[3] = { 2, 7, 11 };
    struct sr_mls_commit_params rm = { .remove = gone, .remove_count = 3 };
    commit(&w, 19, &rm, NULL, NULL, 0);
    for (size_t i = 0; i < MAXM; i++) {
        assert_true((w.m[i] == NULL) == (i == 2 || i == 7 || i == 11));
    }
    commit(&w, 5, &upd, NULL, NULL, 0);
    destroy(&w);
}

/* Random bytes, bare or behind a valid MLSMessage header, are refused without harm. */
static void test_garbage(void **state)
{
    (void)state;
    struct world w;
    const size_t s1[] = { 1 };
    uint64_t x = 0x9e3779b97f4a7c15u;
    create(&w, 1);
    add_members(&w, 0, s1, 1, true);
    for (unsigned i = 0; i < 600; i++) {
        struct sr_buf m = { 0 };
        size_t len = 4 + (size_t)(i % 300);
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            assert_int_equal(sr_buf_append(&m, &x, 1), SR_OK);
        }
        if (i % 2 == 0) { /* version mls10, public or private message */
            m.p[0] = 0;
            m.p[1] = 1;
            m.p[2] = 0;
            m.p[3] = (uint8_t)(1 + (i / 2) % 2);
        }
        rejected(&w, 1, &m, SR_OK);
        struct sr_mls_group *g = NULL;
        assert_int_not_equal(sr_mls_group_restore(sr_buf_slice(&m), &g), SR_OK);
        assert_null(g);
        sr_buf_cleanup(&m);
    }
    chat(&w);
    destroy(&w);
}

/* A committed ReInit freezes the group for everyone (§12.1.5). */
static void test_reinit(void **state)
{
    (void)state;
    struct world w;
    const size_t s12[] = { 1, 2 };
    create(&w, 7);
    add_members(&w, 0, s12, 2, true);
    struct sr_buf prop = { 0 }, c = { 0 }, ct = { 0 };
    assert_int_equal(sr_mls_group_propose_reinit(w.m[2], sr_slice_of("group-v2", 8), 7,
                                                 sr_slice_of(NULL, 0), false, &prop),
                     SR_OK);
    deliver(&w, 2, &prop);
    struct sr_mls_commit_params byref = { .by_reference = true };
    assert_int_equal(sr_mls_group_commit(w.m[1], &byref, &c, NULL), SR_OK);
    deliver(&w, 1, &c);
    assert_int_equal(sr_mls_group_commit_merge(w.m[1]), SR_OK);
    agree(&w);
    for (size_t i = 0; i < 3; i++) {
        assert_false(sr_mls_group_active(w.m[i]));
        assert_int_equal(
                sr_mls_group_protect(w.m[i], sr_slice_of(NULL, 0), sr_slice_of("x", 1), &ct),
                SR_ERR_STATE);
    }
    sr_buf_cleanup(&prop);
    sr_buf_cleanup(&c);
    destroy(&w);
}

/* Limits: a group of at most two leaves refuses a third member with SR_ERR_LIMIT. */
static void test_limits(void **state)
{
    (void)state;
    struct sr_buf kp, priv, kp2, priv2, kp3, priv3, c = { 0 }, wl = { 0 };
    struct sr_mls_group *g = NULL;
    struct sr_mls_group_limits lim = { .max_leaves = 2 };
    key_package(1, "a", &kp, &priv);
    struct sr_mls_group_create_params cp = {
        .key_package_priv = sr_buf_slice(&priv),
        .group_id = sr_slice_of("g", 1),
        .limits = &lim,
    };
    assert_int_equal(sr_mls_group_create(&cp, &g), SR_OK);
    key_package(1, "b", &kp2, &priv2);
    key_package(1, "c", &kp3, &priv3);
    struct sr_slice adds[2] = { sr_buf_slice(&kp2), sr_buf_slice(&kp3) };
    struct sr_mls_commit_params p = { .add = adds, .add_count = 2 };
    assert_int_equal(sr_mls_group_commit(g, &p, &c, &wl), SR_ERR_LIMIT);
    assert_int_equal(c.len, 0);
    assert_int_equal(wl.len, 0);
    assert_int_equal(sr_mls_group_commit_merge(g), SR_ERR_STATE);
    p.add_count = 1;
    assert_int_equal(sr_mls_group_commit(g, &p, &c, &wl), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(g), SR_OK);
    assert_int_equal(sr_mls_group_epoch(g), 1);
    sr_mls_group_free(g);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&kp2);
    sr_buf_cleanup(&priv2);
    sr_buf_cleanup(&kp3);
    sr_buf_cleanup(&priv3);
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&wl);
}

/* A server key pair: a KeyPackage's signature key. */
static void server_key(uint16_t suite, struct sr_buf *ext, struct sr_secret *priv)
{
    struct sr_mls_key_package kp = { 0 };
    struct sr_mls_key_package_priv *kpp = NULL;
    struct sr_mls_key_package_params p = {
        .suite = sr_suite_get(suite),
        .credential = sr_mls_credential_basic(sr_slice_of("server", 6)),
        .now = NOW,
    };
    assert_int_equal(sr_mls_key_package_create(&p, &kp, &kpp), SR_OK);
    *priv = kpp->signature_priv;
    struct sr_mls_external_sender es = { kp.leaf_node.signature_key, p.credential };
    struct sr_mls_external_senders list = { &es, 1 };
    struct sr_buf body = { 0 };
    assert_int_equal(sr_mls_external_senders_encode(&list, &body), SR_OK);
    sr_buf_init(ext, 0, 0);
    /* Extension { extension_type = external_senders, extension_data<V> } */
    assert_int_equal(sr_write_u16(ext, SR_MLS_EXT_EXTERNAL_SENDERS), SR_OK);
    assert_int_equal(sr_write_slice_v(ext, sr_buf_slice(&body)), SR_OK);
    sr_buf_cleanup(&body);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(kpp);
}

/* Deliver an external proposal to every member. */
static void deliver_all(struct world *w, const struct sr_buf *msg)
{
    deliver(w, MAXM, msg);
}

/* The server in external_senders proposes Add and Remove; a member commits them. */
static void external_proposals(uint16_t suite)
{
    struct world w;
    struct sr_buf ext, kp, priv, p1 = { 0 }, p2 = { 0 }, gid = { 0 };
    struct sr_secret spriv;
    server_key(suite, &ext, &spriv);
    create_ext(&w, suite, sr_slice_of(NULL, 0));
    const size_t s1[] = { 1 }, s2[] = { 2 };
    add_members(&w, 0, s1, 1, false);
    /* The server is added to the group by a GroupContextExtensions commit (§12.1.7). */
    struct sr_mls_commit_params gce = { .set_extensions = true, .extensions = sr_buf_slice(&ext) };
    commit(&w, 1, &gce, NULL, NULL, 0);
    key_package(suite, "member-2", &kp, &priv);
    assert_int_equal(sr_mls_group_id(w.m[0], &gid), SR_OK);
    struct sr_mls_external_proposal ep = {
        .cipher_suite = suite,
        .group_id = sr_buf_slice(&gid),
        .epoch = sr_mls_group_epoch(w.m[0]),
        .signature_priv = sr_secret_slice(&spriv),
        .key_package = sr_buf_slice(&kp),
    };
    assert_int_equal(sr_mls_external_propose(&ep, &p1), SR_OK);
    deliver_all(&w, &p1);
    struct sr_mls_commit_params byref = { .by_reference = true };
    commit(&w, 1, &byref, &priv, s2, 1);
    /* The server removes member 0; 2 commits it. */
    ep.epoch = sr_mls_group_epoch(w.m[0]);
    ep.key_package = sr_slice_of(NULL, 0);
    ep.remove = sr_mls_group_own_leaf(w.m[0]);
    assert_int_equal(sr_mls_external_propose(&ep, &p2), SR_OK);
    deliver_all(&w, &p2);
    commit(&w, 2, &byref, NULL, NULL, 0);
    assert_null(w.m[0]);
    /* A proposal signed by a key that is not the server's is refused. */
    struct sr_buf bad = { 0 }, ext2;
    struct sr_secret other;
    server_key(suite, &ext2, &other);
    ep.epoch = sr_mls_group_epoch(w.m[1]);
    ep.remove = sr_mls_group_own_leaf(w.m[2]);
    ep.signature_priv = sr_secret_slice(&other);
    assert_int_equal(sr_mls_external_propose(&ep, &bad), SR_OK);
    rejected(&w, 1, &bad, SR_ERR_AUTH);
    /* An external sender index the group does not list is refused too. */
    sr_buf_reset(&bad);
    ep.signature_priv = sr_secret_slice(&spriv);
    ep.sender_index = 1;
    assert_int_equal(sr_mls_external_propose(&ep, &bad), SR_OK);
    rejected(&w, 1, &bad, SR_OK);
    sr_buf_cleanup(&bad);
    sr_buf_cleanup(&ext2);
    sr_secret_cleanup(&other);
    sr_buf_cleanup(&ext);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&p1);
    sr_buf_cleanup(&p2);
    sr_buf_cleanup(&gid);
    sr_secret_cleanup(&spriv);
    destroy(&w);
}

static void test_external_senders_all_suites(void **state)
{
    (void)state;
    for (uint16_t s = 1; s <= 7; s++) {
        external_proposals(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_all_suites),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_external_senders_all_suites),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_psk),
        cmocka_unit_test(test_identity_check),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_commit_race),
        cmocka_unit_test(test_welcome_damage),
        cmocka_unit_test(test_bad_leaf_signature_in_tree),
        cmocka_unit_test(test_larger_group),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_reinit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
