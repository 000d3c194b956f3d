/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The second half of the shared store cases: keys and binding, authorizations and holds,
 * channels and events, the audit chain, transactions, limits and two handles at once.
 * STORE_CASES lists every case of both halves for the runners' cmocka groups.
 */
#pragma once

#include <pthread.h>
#include <time.h>

#include "core/alloc.h"
#include "store_cases.h"
#include "testutil.h"

static void case_keys(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    struct sr_store_resource r = make_resource("kms://h/resources/r1"), rg;
    assert_int_equal(sr_store_resource_insert(st, &r), SR_OK);
    assert_int_equal(sr_store_resource_insert(st, &r), SR_ERR_EXISTS);
    assert_int_equal(sr_store_resource_get(st, "kms://h/resources/r9", &rg), SR_ERR_NOT_FOUND);

    struct sr_store_key k1 = make_key("kms://h/keys/1", "alice", 2000);
    struct sr_store_key k2 = make_key("kms://h/keys/2", "alice", 2000);
    struct sr_store_key k3 = make_key("kms://h/keys/3", "alice", 1500);
    assert_int_equal(sr_store_key_insert(st, &k1), SR_OK);
    assert_int_equal(sr_store_key_insert(st, &k2), SR_OK);
    assert_int_equal(sr_store_key_insert(st, &k3), SR_OK);
    assert_int_equal(sr_store_key_insert(st, &k1), SR_ERR_EXISTS);

    enum sr_store_bind_result res;
    struct sr_store_bind b = {
        "kms://h/keys/1", "kms://h/resources/r1", "alice", "dev1", 1100, 90000, NULL, NULL, NULL
    };
    assert_int_equal(sr_store_key_bind(st, &b, &res), SR_OK);
    assert_int_equal(res, SR_STORE_BIND_DONE);
    assert_int_equal(sr_store_key_bind(st, &b, &res), SR_OK);
    assert_int_equal(res, SR_STORE_BIND_ALREADY);
    b.resource_uri = "kms://h/resources/r2";
    assert_int_equal(sr_store_key_bind(st, &b, &res), SR_OK);
    assert_int_equal(res, SR_STORE_BIND_ELSEWHERE);
    b.resource_uri = "kms://h/resources/r1";
    b.key_uri = "kms://h/keys/2";
    b.created_by = "mallory";
    assert_int_equal(sr_store_key_bind(st, &b, &res), SR_OK);
    assert_int_equal(res, SR_STORE_BIND_NOT_OWNER);
    b.created_by = "alice";
    b.key_uri = "kms://h/keys/3";
    b.now = 1600;
    assert_int_equal(sr_store_key_bind(st, &b, &res), SR_OK);
    assert_int_equal(res, SR_STORE_BIND_EXPIRED);
    b.key_uri = "kms://h/keys/9";
    assert_int_equal(sr_store_key_bind(st, &b, &res), SR_ERR_NOT_FOUND);

    /* A bind to another org's resource re-wraps the key under that org's KEK. */
    struct sr_store_blob w = { true, 60, { 0x55 } };
    b.key_uri = "kms://h/keys/2";
    b.now = 1200;
    b.org_id = "org2";
    b.kek_id = "kek2";
    b.rewrapped = &w;
    assert_int_equal(sr_store_key_bind(st, &b, &res), SR_OK);
    assert_int_equal(res, SR_STORE_BIND_DONE);
    struct sr_store_key got;
    assert_int_equal(sr_store_key_get(st, "kms://h/keys/2", &got), SR_OK);
    assert_string_equal(got.org_id, "org2");
    assert_string_equal(got.kek_id, "kek2");
    assert_int_equal(got.wrapped.p[0], 0x55);
    assert_int_equal(got.bound_at, 1200);
    assert_int_equal(got.expires, 90000);
    assert_string_equal(got.resource_uri, "kms://h/resources/r1");

    struct sr_store_key *list = NULL;
    size_t n = 0;
    assert_int_equal(sr_store_key_list_by_resource(st, "kms://h/resources/r1", 0, 0, 10, &list, &n),
                     SR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].uri, "kms://h/keys/2"); /* newest bind first */
    sr_store_free(list);
    assert_int_equal(
            sr_store_key_list_by_resource(st, "kms://h/resources/r1", 1100, 1200, 10, &list, &n),
            SR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].uri, "kms://h/keys/1");
    sr_store_free(list);

    assert_int_equal(sr_store_key_shred(st, "kms://h/keys/1", 3000), SR_OK);
    assert_int_equal(sr_store_key_shred(st, "kms://h/keys/1", 3000), SR_ERR_STATE);
    assert_int_equal(sr_store_key_shred(st, "kms://h/keys/9", 3000), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_key_get(st, "kms://h/keys/1", &got), SR_OK);
    assert_false(got.wrapped.present); /* tombstone */
    assert_int_equal(got.shredded_at, 3000);
    assert_int_equal(sr_store_key_list_by_resource(st, "kms://h/resources/r1", 0, 0, 1, &list, &n),
                     SR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].uri, "kms://h/keys/2");
    sr_store_free(list);

    uint64_t dropped = 0;
    assert_int_equal(sr_store_key_delete_unbound(st, 1600, &dropped), SR_OK);
    assert_int_equal(dropped, 1); /* keys/3 */

    /* Retention: keys/2 (bound to r1, org1's meeting) expires at 90000; keys/1 is shredded. */
    assert_int_equal(sr_store_key_list_expired(st, "org1", "meeting", 89999, 10, &list, &n), SR_OK);
    assert_int_equal(n, 0);
    sr_store_free(list);
    assert_int_equal(sr_store_key_list_expired(st, "org1", "meeting", 90000, 10, &list, &n), SR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].uri, "kms://h/keys/2");
    sr_store_free(list);
    assert_int_equal(sr_store_key_list_expired(st, "org1", "space", 90000, 10, &list, &n), SR_OK);
    assert_int_equal(n, 0);
    sr_store_free(list);
    int64_t live = -1;
    assert_int_equal(sr_store_kek_live_keys(st, "kek1", &live), SR_OK);
    assert_int_equal(live, 0); /* keys/1 shredded, keys/2 re-wrapped, keys/3 dropped */
    assert_int_equal(sr_store_kek_live_keys(st, "kek2", &live), SR_OK);
    assert_int_equal(live, 1);

    r = make_resource("kms://h/resources/r2");
    r.ttl = 60;
    r.expires = 5000;
    assert_int_equal(sr_store_resource_insert(st, &r), SR_OK);
    struct sr_store_resource *rl = NULL;
    assert_int_equal(sr_store_resource_list_expired(st, 4999, 10, &rl, &n), SR_OK);
    assert_int_equal(n, 0);
    sr_store_free(rl);
    assert_int_equal(sr_store_resource_list_expired(st, 5000, 10, &rl, &n), SR_OK);
    assert_int_equal(n, 1);
    sr_store_free(rl);
    assert_int_equal(sr_store_resource_shred(st, "kms://h/resources/r2", 5001), SR_OK);
    assert_int_equal(sr_store_resource_shred(st, "kms://h/resources/r2", 5001), SR_ERR_STATE);
    assert_int_equal(sr_store_resource_list_expired(st, 9000, 10, &rl, &n), SR_OK);
    assert_int_equal(n, 0);
    sr_store_free(rl);
    sr_store_close(st);
}

static struct sr_store_authz make_authz(const char *uri, const char *res, const char *id)
{
    struct sr_store_authz a;
    memset(&a, 0, sizeof(a));
    PUT(a.uri, uri);
    PUT(a.resource_uri, res);
    PUT(a.auth_id, id);
    PUT(a.role, "participant");
    PUT(a.created_by, "alice");
    a.created = 7;
    return a;
}

static void case_authz_holds(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    struct sr_store_authz a1 = make_authz("kms://h/authorizations/1", "r1", "bob");
    struct sr_store_authz a2 = make_authz("kms://h/authorizations/2", "r1", "bob");
    struct sr_store_authz a3 = make_authz("kms://h/authorizations/3", "r2", "bob");
    assert_int_equal(sr_store_authz_insert(st, &a1), SR_OK);
    assert_int_equal(sr_store_authz_insert(st, &a2), SR_ERR_EXISTS); /* (resource, authId) */
    assert_int_equal(sr_store_authz_insert(st, &a3), SR_OK);
    struct sr_store_authz got, *list = NULL;
    size_t n = 0;
    assert_int_equal(sr_store_authz_find(st, "r1", "bob", &got), SR_OK);
    assert_string_equal(got.uri, a1.uri);
    assert_int_equal(sr_store_authz_find(st, "r1", "carol", &got), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_authz_list_by_auth_id(st, "bob", &list, &n), SR_OK);
    assert_int_equal(n, 2);
    sr_store_free(list);
    assert_int_equal(sr_store_authz_delete(st, a1.uri), SR_OK);
    assert_int_equal(sr_store_authz_delete(st, a1.uri), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_authz_get(st, a1.uri, &got), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_authz_list_by_resource(st, "r1", &list, &n), SR_OK);
    assert_int_equal(n, 0);
    sr_store_free(list);

    struct sr_store_hold h, hg, *hl = NULL;
    memset(&h, 0, sizeof(h));
    PUT(h.uri, "kms://h/holds/1");
    PUT(h.org_id, "org1");
    PUT(h.scope, "org");
    PUT(h.target, "org1");
    PUT(h.reason, "litigation 42");
    PUT(h.created_by, "officer");
    h.created = 1;
    assert_int_equal(sr_store_hold_insert(st, &h), SR_OK);
    assert_int_equal(sr_store_hold_insert(st, &h), SR_ERR_EXISTS);
    assert_int_equal(sr_store_hold_list(st, "org1", true, &hl, &n), SR_OK);
    assert_int_equal(n, 1);
    sr_store_free(hl);
    assert_int_equal(sr_store_hold_release(st, h.uri, "officer2", 5), SR_OK);
    assert_int_equal(sr_store_hold_release(st, h.uri, "officer2", 6), SR_ERR_STATE);
    assert_int_equal(sr_store_hold_release(st, "kms://h/holds/9", "o", 6), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_hold_list(st, "org1", true, &hl, &n), SR_OK);
    assert_int_equal(n, 0);
    sr_store_free(hl);
    assert_int_equal(sr_store_hold_list(st, "org1", false, &hl, &n), SR_OK);
    assert_int_equal(n, 1); /* released, never erased */
    sr_store_free(hl);
    assert_int_equal(sr_store_hold_get(st, h.uri, &hg), SR_OK);
    assert_int_equal(hg.released_at, 5);
    assert_string_equal(hg.released_by, "officer2");
    assert_string_equal(hg.reason, "litigation 42");
    sr_store_close(st);
}

static void case_channels_events(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    struct sr_store_channel c, got;
    memset(&c, 0, sizeof(c));
    PUT(c.uri, "kms://h/ecdhe/1");
    PUT(c.user_id, "alice");
    PUT(c.org_id, "org1");
    PUT(c.client_id, "dev1");
    c.wrapped_key.present = true;
    c.wrapped_key.len = 60;
    c.created = 1;
    c.expires = 100;
    assert_int_equal(sr_store_channel_insert(st, &c), SR_OK);
    assert_int_equal(sr_store_channel_insert(st, &c), SR_ERR_EXISTS);
    assert_int_equal(sr_store_channel_get(st, c.uri, &got), SR_OK);
    assert_int_equal(got.wrapped_key.len, 60);
    assert_int_equal(sr_store_channel_delete(st, c.uri), SR_OK);
    assert_int_equal(sr_store_channel_delete(st, c.uri), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_channel_insert(st, &c), SR_OK);
    uint64_t gone = 0;
    assert_int_equal(sr_store_channel_delete_expired(st, 99, &gone), SR_OK);
    assert_int_equal(gone, 0);
    assert_int_equal(sr_store_channel_delete_expired(st, 100, &gone), SR_OK);
    assert_int_equal(gone, 1);
    assert_int_equal(sr_store_channel_get(st, c.uri, &got), SR_ERR_NOT_FOUND);

    struct sr_store_event ev, *list = NULL;
    memset(&ev, 0, sizeof(ev));
    PUT(ev.org_id, "org1");
    PUT(ev.kind, "shred");
    PUT(ev.uri, "kms://h/keys/1");
    int64_t s1 = 0, s2 = 0;
    assert_int_equal(sr_store_event_append(st, &ev, &s1), SR_OK);
    assert_int_equal(sr_store_event_append(st, &ev, &s2), SR_OK);
    assert_true(s2 > s1);
    size_t n = 0;
    assert_int_equal(sr_store_event_list(st, s1, 10, &list, &n), SR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].seq, s2);
    sr_store_free(list);
    sr_store_close(st);
}

static struct sr_store_audit make_row(int64_t seq, const uint8_t *prev, uint8_t fill)
{
    struct sr_store_audit r;
    memset(&r, 0, sizeof(r));
    PUT(r.chain, "node-a");
    r.seq = seq;
    r.ts = 100 + seq;
    PUT(r.org_id, "org1");
    PUT(r.actor, "alice");
    PUT(r.actor_role, "user");
    PUT(r.method, "retrieve");
    PUT(r.uri, "kms://h/keys/1");
    r.status = 200;
    PUT(r.request_id, "a-1");
    memcpy(r.prev_mac, prev, SR_STORE_MAC_LEN);
    memset(r.mac, fill, SR_STORE_MAC_LEN);
    return r;
}

static void case_audit(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    int64_t seq = 9;
    uint8_t mac[SR_STORE_MAC_LEN], zero[SR_STORE_MAC_LEN] = { 0 };
    memset(mac, 1, sizeof(mac));
    assert_int_equal(sr_store_audit_last(st, "node-a", &seq, mac), SR_OK);
    assert_int_equal(seq, 0);
    assert_memory_equal(mac, zero, sizeof(zero));

    char released[] = "[\"kms://h/keys/1\"]";
    struct sr_store_audit r1 = make_row(1, zero, 0x11);
    r1.released = released;
    assert_int_equal(sr_store_audit_append(st, &r1), SR_OK);
    assert_int_equal(sr_store_audit_append(st, &r1), SR_ERR_STATE); /* seq taken */
    struct sr_store_audit bad = make_row(2, zero, 0x22);            /* wrong prev_mac */
    assert_int_equal(sr_store_audit_append(st, &bad), SR_ERR_STATE);
    struct sr_store_audit r2 = make_row(2, r1.mac, 0x22);
    PUT(r2.error_code, "NOT_AUTHORIZED");
    r2.status = 403;
    assert_int_equal(sr_store_begin(st), SR_OK);
    assert_int_equal(sr_store_audit_append(st, &r2), SR_ERR_STATE); /* not durable */
    sr_store_rollback(st);
    assert_int_equal(sr_store_begin_durable(st), SR_OK);
    assert_int_equal(sr_store_audit_append(st, &r2), SR_OK);
    assert_int_equal(sr_store_commit(st), SR_OK);
    assert_int_equal(sr_store_audit_last(st, "node-a", &seq, mac), SR_OK);
    assert_int_equal(seq, 2);
    assert_memory_equal(mac, r2.mac, SR_STORE_MAC_LEN);

    struct sr_store_audit *rows = NULL;
    size_t n = 0;
    assert_int_equal(sr_store_audit_list_chain(st, "node-a", 0, 10, &rows, &n), SR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].released, released);
    assert_null(rows[1].released);
    assert_string_equal(rows[1].error_code, "NOT_AUTHORIZED");
    assert_string_equal(rows[0].error_code, "");
    assert_memory_equal(rows[1].prev_mac, r1.mac, SR_STORE_MAC_LEN);
    sr_store_audit_free(rows, n);

    assert_int_equal(sr_store_audit_list_org(st, "org1", 0, 0, NULL, 0, 1, &rows, &n), SR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].seq, 1);
    int64_t cts = rows[0].ts, cseq = rows[0].seq;
    sr_store_audit_free(rows, n);
    assert_int_equal(sr_store_audit_list_org(st, "org1", 0, cts, "node-a", cseq, 10, &rows, &n),
                     SR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].seq, 2);
    sr_store_audit_free(rows, n);
    assert_int_equal(sr_store_audit_list_org(st, "org1", 103, 0, NULL, 0, 10, &rows, &n), SR_OK);
    assert_int_equal(n, 0);
    sr_store_audit_free(rows, n);
    sr_store_close(st);
}

/* Group commit: waiters on other threads, each for its own ticket, all come back durable. */
struct flush_waiter {
    struct sr_store *st;
    uint64_t ticket;
    sr_err err;
};

static void *flush_wait_thread(void *arg)
{
    struct flush_waiter *w = arg;
    w->err = sr_store_flush_wait(w->st, w->ticket);
    return NULL;
}

static void case_audit_group_commit(void **state)
{
    enum {
        ROWS = 6
    };
    (void)state;
    struct sr_store *st = fresh();
    struct sr_store_audit rows[ROWS];
    struct flush_waiter w[ROWS];
    pthread_t t[ROWS];
    uint8_t zero[SR_STORE_MAC_LEN] = { 0 }, mac[SR_STORE_MAC_LEN];
    uint64_t last = 0;
    assert_int_equal(sr_store_flush_wait(st, 0), SR_OK); /* nothing to wait for */
    for (int i = 0; i < ROWS; i++) {
        rows[i] = make_row(i + 1, i == 0 ? zero : rows[i - 1].mac, (uint8_t)(0x30 + i));
        w[i] = (struct flush_waiter){ st, 0, SR_ERR_STATE };
        assert_int_equal(sr_store_audit_append_deferred(st, &rows[i], &w[i].ticket), SR_OK);
        /* Tickets grow, or are all 0 where every commit is durable already. */
        assert_true(w[i].ticket == 0 ? last == 0 : w[i].ticket > last);
        last = w[i].ticket;
    }
    /* Refused like sr_store_audit_append: a taken seq, and inside a transaction. */
    uint64_t ticket = 7;
    assert_int_equal(sr_store_audit_append_deferred(st, &rows[1], &ticket), SR_ERR_STATE);
    assert_int_equal(ticket, 0);
    assert_int_equal(sr_store_begin_durable(st), SR_OK);
    assert_int_equal(sr_store_audit_append_deferred(st, &rows[1], &ticket), SR_ERR_STATE);
    sr_store_rollback(st);
    for (int i = 0; i < ROWS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, flush_wait_thread, &w[i]), 0);
    }
    for (int i = 0; i < ROWS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].err, SR_OK);
    }
    int64_t seq = 0;
    assert_int_equal(sr_store_audit_last(st, "node-a", &seq, mac), SR_OK);
    assert_int_equal(seq, ROWS);
    assert_memory_equal(mac, rows[ROWS - 1].mac, SR_STORE_MAC_LEN);
    assert_int_equal(sr_store_flush_wait(st, last), SR_OK); /* again: already durable */
    sr_store_close(st);
}

static void case_transactions(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    struct sr_store_org o = make_org("org1"), got;
    struct sr_store_key k = make_key("kms://h/keys/1", "alice", 2000), kg;
    assert_int_equal(sr_store_commit(st), SR_ERR_STATE);
    assert_int_equal(sr_store_begin(st), SR_OK);
    assert_int_equal(sr_store_begin(st), SR_ERR_STATE);
    assert_int_equal(sr_store_org_insert(st, &o), SR_OK);
    assert_int_equal(sr_store_key_insert(st, &k), SR_OK);
    sr_store_rollback(st);
    assert_int_equal(sr_store_org_get(st, "org1", &got), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_key_get(st, k.uri, &kg), SR_ERR_NOT_FOUND);

    /* A constraint violation inside a transaction fails that statement only. */
    assert_int_equal(sr_store_begin(st), SR_OK);
    assert_int_equal(sr_store_org_insert(st, &o), SR_OK);
    assert_int_equal(sr_store_org_insert(st, &o), SR_ERR_EXISTS);
    assert_int_equal(sr_store_key_insert(st, &k), SR_OK);
    assert_int_equal(sr_store_commit(st), SR_OK);
    assert_int_equal(sr_store_org_get(st, "org1", &got), SR_OK);
    assert_int_equal(sr_store_key_get(st, k.uri, &kg), SR_OK);
    sr_store_close(st);
}

static void case_limits(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    char long_id[SR_STORE_ID_MAX + 10];
    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    struct sr_store_org got;
    assert_int_equal(sr_store_org_get(st, long_id, &got), SR_ERR_LIMIT);
    assert_int_equal(sr_store_org_get(st, NULL, &got), SR_ERR_ARG);
    struct sr_store_org o = make_org("org1");
    memset(o.region, 'r', sizeof(o.region)); /* no NUL: refused, nothing written */
    assert_int_equal(sr_store_org_insert(st, &o), SR_ERR_LIMIT);
    assert_int_equal(sr_store_org_get(st, "org1", &got), SR_ERR_NOT_FOUND);
    struct sr_store_key k = make_key("kms://h/keys/1", "alice", 2000);
    k.wrapped.present = false; /* the store keeps keys only wrapped */
    assert_int_equal(sr_store_key_insert(st, &k), SR_ERR_ARG);
    assert_int_equal(sr_store_key_list_by_resource(st, "r", 0, 0, SR_STORE_LIST_MAX + 1,
                                                   &(struct sr_store_key *){ NULL },
                                                   &(size_t){ 0 }),
                     SR_ERR_ARG);
    sr_store_close(st);
}

static void case_two_handles(void **state)
{
    (void)state;
    const char *url = store_url();
    struct sr_store *a = NULL, *b = NULL;
    assert_int_equal(sr_store_open(url, &a), SR_OK);
    assert_int_equal(sr_store_open(url, &b), SR_OK);
    struct sr_store_org o = make_org("org1"), got;
    assert_int_equal(sr_store_begin(a), SR_OK);
    assert_int_equal(sr_store_org_insert(a, &o), SR_OK);
    /* The reader is not blocked by the open write transaction and does not see it. */
    assert_int_equal(sr_store_org_get(b, "org1", &got), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_commit(a), SR_OK);
    assert_int_equal(sr_store_org_get(b, "org1", &got), SR_OK);
    struct sr_store_org o2 = make_org("org2");
    assert_int_equal(sr_store_org_insert(b, &o2), SR_OK);
    assert_int_equal(sr_store_org_get(a, "org2", &got), SR_OK);
    assert_int_equal(sr_store_org_insert(a, &o2), SR_ERR_EXISTS);
    sr_store_close(a);
    sr_store_close(b);
}

static void case_audit_mac_input(void **state)
{
    (void)state;
    uint8_t zero[SR_STORE_MAC_LEN] = { 0 };
    struct sr_store_audit r = make_row(1, zero, 0x11);
    struct sr_buf a = { 0 }, b = { 0 };
    assert_int_equal(sr_store_audit_mac_input(&r, &a), SR_OK);
    /* prev_mac, then 14 length-prefixed columns: 3 of them 8-byte integers. */
    size_t texts = strlen("node-a") + strlen("org1") + strlen("alice") + strlen("user") +
                   strlen("retrieve") + strlen("kms://h/keys/1") + strlen("a-1");
    assert_int_equal(a.len, SR_STORE_MAC_LEN + 14 * 4 + 3 * 8 + texts);
    assert_memory_equal(a.p, zero, SR_STORE_MAC_LEN);
    assert_int_equal(a.p[SR_STORE_MAC_LEN + 3], strlen("node-a"));
    /* Moving a byte between adjacent columns changes the input (no ambiguity). */
    PUT(r.actor, "alic");
    PUT(r.actor_role, "euser");
    assert_int_equal(sr_store_audit_mac_input(&r, &b), SR_OK);
    assert_int_equal(a.len, b.len);
    assert_true(memcmp(a.p, b.p, a.len) != 0);
    sr_buf_cleanup(&a);
    sr_buf_cleanup(&b);
}

static void case_sweeper(void **state)
{
    (void)state;
    const char *url = store_url();
    struct sr_store *a = NULL, *b = NULL;
    assert_int_equal(sr_store_open(url, &a), SR_OK);
    assert_int_equal(sr_store_open(url, &b), SR_OK);
    bool got_a = false, got_b = false;
    assert_int_equal(sr_store_sweeper_try_acquire(a, &got_a), SR_OK);
    assert_int_equal(sr_store_sweeper_try_acquire(b, &got_b), SR_OK);
    assert_true(got_a);
    /* Several PostgreSQL nodes elect one sweeper; an embedded SQLite node is alone. */
    bool shared = strcmp(sr_store_backend(a), "postgres") == 0;
    assert_int_equal(got_b, !shared);
    sr_store_close(a);
    /* The server drops a closed session's locks when its backend exits: allow it 5 s. */
    for (int i = 0; i < 100 && !got_b; i++) {
        struct timespec ms50 = { 0, 50 * 1000 * 1000 };
        nanosleep(&ms50, NULL);
        assert_int_equal(sr_store_sweeper_try_acquire(b, &got_b), SR_OK);
    }
    assert_true(got_b);
    sr_store_close(b);
}

static char alloc_url[600];

/* Open, list keys and audit rows, close: every allocation of ours on the way may fail. */
static sr_err alloc_op(void *arg)
{
    (void)arg;
    struct sr_store *st = NULL;
    SR_TRY(sr_store_open(alloc_url, &st));
    struct sr_store_key *keys = NULL;
    struct sr_store_audit *rows = NULL;
    size_t n = 0, m = 0;
    sr_err err = sr_store_key_list_by_resource(st, "r1", 0, 0, 10, &keys, &n);
    if (err == SR_OK) {
        err = sr_store_audit_list_chain(st, "node-a", 0, 10, &rows, &m);
    }
    if (err == SR_OK && (n != 1 || m != 1 || rows[0].released == NULL)) {
        err = SR_ERR_STATE;
    }
    sr_store_free(keys);
    sr_store_audit_free(rows, m);
    sr_store_close(st);
    return err;
}

static void case_alloc_failures(void **state)
{
    (void)state;
    PUT(alloc_url, store_url());
    struct sr_store *st = NULL;
    assert_int_equal(sr_store_open(alloc_url, &st), SR_OK);
    struct sr_store_key k = make_key("kms://h/keys/1", "alice", 2000);
    PUT(k.resource_uri, "r1");
    k.bound_at = 1500;
    assert_int_equal(sr_store_key_insert(st, &k), SR_OK);
    uint8_t zero[SR_STORE_MAC_LEN] = { 0 };
    struct sr_store_audit r = make_row(1, zero, 0x11);
    char released[] = "[\"kms://h/keys/1\"]";
    r.released = released;
    assert_int_equal(sr_store_audit_append(st, &r), SR_OK);
    sr_store_close(st);
    assert_true(sr_test_each_alloc_failure(alloc_op, NULL, NULL) >= 4);
}

/* Every shared case, for the runners' cmocka groups. */
#define STORE_CASES                                                                               \
    cmocka_unit_test(case_open_reopen), cmocka_unit_test(case_orgs), cmocka_unit_test(case_cmks), \
            cmocka_unit_test(case_keks), cmocka_unit_test(case_keys),                             \
            cmocka_unit_test(case_authz_holds), cmocka_unit_test(case_channels_events),           \
            cmocka_unit_test(case_audit), cmocka_unit_test(case_audit_group_commit),              \
            cmocka_unit_test(case_transactions), cmocka_unit_test(case_limits),                   \
            cmocka_unit_test(case_two_handles), cmocka_unit_test(case_audit_mac_input),           \
            cmocka_unit_test(case_sweeper), cmocka_unit_test(case_alloc_failures)
