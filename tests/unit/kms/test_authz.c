/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The access rule of KMS.md §1 over a SQLite store: direct authorization (rule 1) and
 * inheritance through resources named as authIds (rule 2), up to 4 links and no further,
 * cycles that end, fan-out that shares the visited set, and ids that merely look like URIs.
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmk_fixture.h"
#include "kms/authz.h"

#define RES "kms://kms.example.org/resources/"

static char dir[256];
static struct sr_store *st;

static int setup(void **state)
{
    char url[400];
    (void)state;
    if (fx_tmpdir(dir, sizeof(dir)) != 0) {
        return -1;
    }
    (void)snprintf(url, sizeof(url), "sqlite:%s/authz.db", dir);
    return sr_store_open(url, &st) == SR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sr_store_close(st);
    fx_rmtree(dir);
    return 0;
}

static void grant(const char *res, const char *auth_id)
{
    static int n;
    struct sr_store_authz a;
    memset(&a, 0, sizeof(a));
    (void)snprintf(a.uri, sizeof(a.uri), "kms://kms.example.org/authorizations/%d", n++);
    (void)snprintf(a.resource_uri, sizeof(a.resource_uri), "%s", res);
    (void)snprintf(a.auth_id, sizeof(a.auth_id), "%s", auth_id);
    (void)snprintf(a.role, sizeof(a.role), "participant");
    (void)snprintf(a.created_by, sizeof(a.created_by), "test");
    a.created = 1;
    assert_int_equal(sr_store_authz_insert(st, &a), SR_OK);
}

static bool allows(const char *res, const char *who)
{
    bool ok = true;
    assert_int_equal(sr_kms_authz_allows(st, res, who, &ok), SR_OK);
    return ok;
}

static void test_direct(void **state)
{
    (void)state;
    grant(RES "d", "alice");
    assert_true(allows(RES "d", "alice"));
    assert_false(allows(RES "d", "bob"));
    assert_false(allows(RES "none", "alice"));
    assert_true(sr_kms_authz_is_resource(RES "d"));
    assert_false(sr_kms_authz_is_resource("alice"));
    assert_false(sr_kms_authz_is_resource("kms://kms.example.org/keys/x"));
}

/* c0 <- c1 <- ... <- c5: c_i lists c_{i+1} as an authId; the user sits in c5 (5 links). */
static void test_depth(void **state)
{
    char r[6][64];
    (void)state;
    for (int i = 0; i < 6; i++) {
        (void)snprintf(r[i], sizeof(r[i]), RES "c%d", i);
    }
    for (int i = 0; i < 5; i++) {
        grant(r[i], r[i + 1]);
    }
    grant(r[5], "carol");
    assert_true(allows(r[5], "carol"));
    assert_true(allows(r[1], "carol"));  /* 4 links */
    assert_false(allows(r[0], "carol")); /* 5 links */
}

static void test_cycles_and_fanout(void **state)
{
    (void)state;
    grant(RES "x", RES "y");
    grant(RES "y", RES "x");
    assert_false(allows(RES "x", "dave"));
    grant(RES "y", "dave");
    assert_true(allows(RES "x", "dave"));
    /* A wide fan-out of unrelated resources, one of which leads to erin. */
    char leaf[64];
    for (int i = 0; i < 80; i++) {
        (void)snprintf(leaf, sizeof(leaf), RES "f%d", i);
        grant(RES "fan", leaf);
    }
    grant(RES "f3", "erin");
    assert_true(allows(RES "fan", "erin"));
    /* A user id that is not a resource URI is never followed. */
    grant(RES "u", "kms://kms.example.org/keys/y");
    grant("kms://kms.example.org/keys/y", "frank");
    assert_false(allows(RES "u", "frank"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_cycles_and_fanout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
