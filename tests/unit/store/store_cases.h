/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store operation tests, shared by the SQLite and the PostgreSQL runners so both backends
 * pass the very same cases. The including file defines store_url(), which names a fresh,
 * empty database for each call, and lists STORE_CASES in its cmocka group.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"

/** A URL naming a new empty database; defined by the runner. */
static const char *store_url(void);

static struct sr_store *fresh(void)
{
    struct sr_store *st = NULL;
    assert_int_equal(sr_store_open(store_url(), &st), SR_OK);
    return st;
}

static void put(char *dst, size_t cap, const char *s)
{
    assert_true(strlen(s) < cap);
    memcpy(dst, s, strlen(s) + 1);
}
#define PUT(field, s) put((field), sizeof(field), (s))

static struct sr_store_org make_org(const char *id)
{
    struct sr_store_org o;
    memset(&o, 0, sizeof(o));
    PUT(o.org_id, id);
    PUT(o.region, "eu");
    PUT(o.cmk_mode, "pkcs11");
    PUT(o.policy, "{\"keyLifetime\":86400}");
    return o;
}

static struct sr_store_key make_key(const char *uri, const char *creator, int64_t expires)
{
    struct sr_store_key k;
    memset(&k, 0, sizeof(k));
    PUT(k.uri, uri);
    PUT(k.org_id, "org1");
    PUT(k.kek_id, "kek1");
    PUT(k.created_by, creator);
    PUT(k.client_id, "dev1");
    k.wrapped.present = true;
    k.wrapped.len = 60;
    memset(k.wrapped.p, 0xab, 60);
    k.created = 1000;
    k.expires = expires;
    return k;
}

static struct sr_store_resource make_resource(const char *uri)
{
    struct sr_store_resource r;
    memset(&r, 0, sizeof(r));
    PUT(r.uri, uri);
    PUT(r.org_id, "org1");
    PUT(r.kind, "meeting");
    PUT(r.created_by, "alice");
    r.created = 1000;
    return r;
}

static void case_open_reopen(void **state)
{
    (void)state;
    const char *url = store_url();
    char copy[512];
    PUT(copy, url);
    struct sr_store *st = NULL;
    assert_int_equal(sr_store_open(copy, &st), SR_OK);
    int64_t v = 0;
    assert_int_equal(sr_store_schema_version(st, &v), SR_OK);
    assert_int_equal(v, 1);
    struct sr_store_org o = make_org("org1");
    assert_int_equal(sr_store_org_insert(st, &o), SR_OK);
    sr_store_close(st);

    /* Reopening applies no migration twice and keeps the rows. */
    assert_int_equal(sr_store_open(copy, &st), SR_OK);
    assert_int_equal(sr_store_schema_version(st, &v), SR_OK);
    assert_int_equal(v, 1);
    struct sr_store_org got;
    assert_int_equal(sr_store_org_get(st, "org1", &got), SR_OK);
    assert_string_equal(got.policy, o.policy);
    sr_store_close(st);

    assert_int_equal(sr_store_open("mysql://x", &st), SR_ERR_ARG);
    assert_null(st);
    assert_int_equal(sr_store_open("sqlite:", &st), SR_ERR_ARG);
}

static void case_orgs(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    struct sr_store_org o = make_org("org1"), got;
    assert_int_equal(sr_store_org_insert(st, &o), SR_OK);
    assert_int_equal(sr_store_org_insert(st, &o), SR_ERR_EXISTS);
    assert_int_equal(sr_store_org_get(st, "nope", &got), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_org_set_policy(st, "org1", "{}"), SR_OK);
    assert_int_equal(sr_store_org_set_policy(st, "nope", "{}"), SR_ERR_NOT_FOUND);
    int64_t g = 0;
    assert_int_equal(sr_store_org_bump_generation(st, "org1", &g), SR_OK);
    assert_int_equal(g, 1);
    assert_int_equal(sr_store_org_bump_generation(st, "org1", &g), SR_OK);
    assert_int_equal(g, 2);
    assert_int_equal(sr_store_org_bump_generation(st, "nope", &g), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_org_get(st, "org1", &got), SR_OK);
    assert_string_equal(got.policy, "{}");
    assert_int_equal(got.generation, 2);
    struct sr_store_org o2 = make_org("org2"), *orgs = NULL;
    assert_int_equal(sr_store_org_insert(st, &o2), SR_OK);
    size_t n = 0;
    assert_int_equal(sr_store_org_list(st, "", 10, &orgs, &n), SR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(orgs[1].org_id, "org2");
    sr_store_free(orgs);
    assert_int_equal(sr_store_org_list(st, "org1", 10, &orgs, &n), SR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(orgs[0].org_id, "org2");
    sr_store_free(orgs);

    struct sr_store_principal p, pg;
    memset(&p, 0, sizeof(p));
    PUT(p.user_id, "alice");
    PUT(p.org_id, "org1");
    PUT(p.kind, "user");
    p.first_seen = p.last_seen = 10;
    assert_int_equal(sr_store_principal_touch(st, &p), SR_OK);
    p.first_seen = p.last_seen = 20;
    assert_int_equal(sr_store_principal_touch(st, &p), SR_OK);
    assert_int_equal(sr_store_principal_get(st, "alice", &pg), SR_OK);
    assert_int_equal(pg.first_seen, 10);
    assert_int_equal(pg.last_seen, 20);
    assert_int_equal(sr_store_principal_get(st, "bob", &pg), SR_ERR_NOT_FOUND);

    struct sr_store_key_version kv, kg;
    memset(&kv, 0, sizeof(kv));
    PUT(kv.org_id, "org1");
    PUT(kv.purpose, "recordings");
    PUT(kv.period, "2026-03");
    PUT(kv.key_uri, "kms://h/keys/1");
    assert_int_equal(sr_store_key_version_insert(st, &kv), SR_OK);
    assert_int_equal(sr_store_key_version_insert(st, &kv), SR_ERR_EXISTS);
    assert_int_equal(sr_store_key_version_get(st, "org1", "recordings", "2026-03", &kg), SR_OK);
    assert_string_equal(kg.key_uri, "kms://h/keys/1");
    assert_int_equal(sr_store_key_version_get(st, "org1", "recordings", "2026-04", &kg),
                     SR_ERR_NOT_FOUND);
    sr_store_close(st);
}

static struct sr_store_cmk make_cmk(const char *uri, const char *org, int64_t version,
                                    const char *state)
{
    struct sr_store_cmk c;
    memset(&c, 0, sizeof(c));
    PUT(c.uri, uri);
    PUT(c.org_id, org);
    c.version = version;
    PUT(c.provider, "pkcs11");
    PUT(c.token_label, "sealroom");
    PUT(c.state, state);
    c.created = c.state_changed = 5;
    return c;
}

static void case_cmks(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    struct sr_store_cmk a = make_cmk("kms://h/cmk/1", "org1", 1, "active");
    a.backup.present = true;
    a.backup.len = 384;
    memset(a.backup.p, 7, 384);
    assert_int_equal(sr_store_cmk_insert(st, &a), SR_OK);
    assert_int_equal(sr_store_cmk_insert(st, &a), SR_ERR_EXISTS);
    /* KMS.md §7: exactly one active CMK per org. */
    struct sr_store_cmk b = make_cmk("kms://h/cmk/2", "org1", 2, "active");
    assert_int_equal(sr_store_cmk_insert(st, &b), SR_ERR_EXISTS);
    PUT(b.state, "pending");
    assert_int_equal(sr_store_cmk_insert(st, &b), SR_OK);
    struct sr_store_cmk svc = make_cmk("kms://h/cmk/s", "", 1, "active");
    assert_int_equal(sr_store_cmk_insert(st, &svc), SR_OK);

    struct sr_store_cmk got;
    assert_int_equal(sr_store_cmk_get(st, "kms://h/cmk/1", &got), SR_OK);
    assert_true(got.backup.present);
    assert_int_equal(got.backup.len, 384);
    assert_memory_equal(got.backup.p, a.backup.p, 384);
    assert_int_equal(sr_store_cmk_get(st, "kms://h/cmk/s", &got), SR_OK);
    assert_string_equal(got.org_id, "");
    assert_false(got.backup.present);

    struct sr_store_cmk *list = NULL;
    size_t n = 0;
    assert_int_equal(sr_store_cmk_list(st, "org1", &list, &n), SR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].version, 2);
    sr_store_free(list);
    assert_int_equal(sr_store_cmk_list(st, NULL, &list, &n), SR_OK);
    assert_int_equal(n, 1);
    sr_store_free(list);

    assert_int_equal(sr_store_cmk_set_state(st, "kms://h/cmk/1", "active", "rotating", 9), SR_OK);
    assert_int_equal(sr_store_cmk_set_state(st, "kms://h/cmk/1", "active", "revoked", 9),
                     SR_ERR_STATE);
    assert_int_equal(sr_store_cmk_set_state(st, "kms://h/cmk/9", "active", "revoked", 9),
                     SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_cmk_set_state(st, "kms://h/cmk/2", "pending", "active", 9), SR_OK);
    assert_int_equal(sr_store_cmk_get(st, "kms://h/cmk/1", &got), SR_OK);
    assert_string_equal(got.state, "rotating");
    assert_int_equal(got.state_changed, 9);
    sr_store_close(st);
}

static struct sr_store_kek make_kek(const char *id, const char *period, int64_t created)
{
    struct sr_store_kek k;
    memset(&k, 0, sizeof(k));
    PUT(k.kek_id, id);
    PUT(k.org_id, "org1");
    PUT(k.cmk_uri, "kms://h/cmk/1");
    PUT(k.period, period);
    k.wrapped.present = true;
    k.wrapped.len = 60;
    memset(k.wrapped.p, 3, 60);
    k.created = created;
    return k;
}

static void case_keks(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    struct sr_store_kek k1 = make_kek("kek1", "2026-03", 1), k2 = make_kek("kek2", "2026-03", 2);
    assert_int_equal(sr_store_kek_insert(st, &k1), SR_OK);
    assert_int_equal(sr_store_kek_insert(st, &k2), SR_OK);
    assert_int_equal(sr_store_kek_insert(st, &k2), SR_ERR_EXISTS);
    struct sr_store_kek got;
    assert_int_equal(sr_store_kek_current(st, "org1", "2026-03", "kms://h/cmk/1", &got), SR_OK);
    assert_string_equal(got.kek_id, "kek2");
    assert_int_equal(sr_store_kek_current(st, "org1", "2026-04", "kms://h/cmk/1", &got),
                     SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_kek_add_wraps(st, "kek2", 5), SR_OK);
    assert_int_equal(sr_store_kek_add_wraps(st, "kek9", 5), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_kek_get(st, "kek2", &got), SR_OK);
    assert_int_equal(got.wraps, 5);

    struct sr_store_kek *list = NULL;
    size_t n = 0;
    assert_int_equal(sr_store_kek_list_by_cmk(st, "kms://h/cmk/1", 1, &list, &n), SR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].kek_id, "kek1");
    sr_store_free(list);

    struct sr_store_blob w = { true, 60, { 9 } };
    assert_int_equal(sr_store_kek_rewrap(st, "kek1", "kms://h/cmk/2", &w), SR_OK);
    assert_int_equal(sr_store_kek_list_by_cmk(st, "kms://h/cmk/1", 10, &list, &n), SR_OK);
    assert_int_equal(n, 1);
    sr_store_free(list);

    assert_int_equal(sr_store_kek_shred(st, "kek2"), SR_OK);
    assert_int_equal(sr_store_kek_get(st, "kek2", &got), SR_OK);
    assert_false(got.wrapped.present);
    assert_int_equal(sr_store_kek_current(st, "org1", "2026-03", "kms://h/cmk/1", &got),
                     SR_ERR_NOT_FOUND);
    assert_int_equal(sr_store_kek_rewrap(st, "kek2", "kms://h/cmk/2", &w), SR_ERR_NOT_FOUND);
    sr_store_close(st);
}
