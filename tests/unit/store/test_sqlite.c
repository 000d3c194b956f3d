/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store over SQLite: every shared operation case on a fresh database file in a temporary
 * directory, plus SQLite specifics (WAL mode, URL forms).
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_cases_more.h"

static char dir[] = "/tmp/sr-store-XXXXXX";
static char url[600];
static unsigned counter;

static const char *store_url(void)
{
    snprintf(url, sizeof(url), "sqlite:%s/db%u.sqlite", dir, counter++);
    return url;
}

static void wal_mode(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/wal.sqlite", dir);
    char u[620];
    snprintf(u, sizeof(u), "sqlite://%s", path);
    struct sr_store *st = NULL;
    assert_int_equal(sr_store_open(u, &st), SR_OK);
    assert_string_equal(sr_store_backend(st), "sqlite");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    sr_store_close(st);
}

struct writer {
    const char *url;
    sr_err err;
};

static void *second_writer(void *arg)
{
    struct writer *w = arg;
    struct sr_store *st = NULL;
    w->err = sr_store_open(w->url, &st);
    if (w->err == SR_OK) {
        struct sr_store_org o = make_org("org2");
        w->err = sr_store_org_insert(st, &o);
        sr_store_close(st);
    }
    return NULL;
}

/* A second writer waits on the busy timeout while the first holds the write lock. */
static void busy_wait(void **state)
{
    (void)state;
    struct writer w = { store_url(), SR_ERR_STATE };
    char u[600];
    PUT(u, w.url);
    w.url = u;
    struct sr_store *a = NULL;
    assert_int_equal(sr_store_open(u, &a), SR_OK);
    assert_int_equal(sr_store_begin(a), SR_OK);
    struct sr_store_org o = make_org("org1");
    assert_int_equal(sr_store_org_insert(a, &o), SR_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, second_writer, &w), 0);
    struct timespec ms200 = { 0, 200 * 1000 * 1000 };
    nanosleep(&ms200, NULL);
    assert_int_equal(sr_store_commit(a), SR_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.err, SR_OK);
    struct sr_store_org got;
    assert_int_equal(sr_store_org_get(a, "org2", &got), SR_OK);
    sr_store_close(a);
}

static void bad_path(void **state)
{
    (void)state;
    struct sr_store *st = NULL;
    assert_int_equal(sr_store_open("sqlite:/nonexistent-dir/x/y.db", &st), SR_ERR_STORE);
    assert_null(st);
}

static int cleanup(void **state)
{
    (void)state;
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A flush that fails (here: the WAL is gone) is never trusted again, even for later rows. */
static void flush_failure_sticks(void **state)
{
    (void)state;
    char path[600], wal[620], u[620];
    snprintf(path, sizeof(path), "%s/flush.sqlite", dir);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    snprintf(u, sizeof(u), "sqlite:%s", path);
    struct sr_store *st = NULL;
    uint8_t zero[SR_STORE_MAC_LEN] = { 0 };
    uint64_t t1 = 0, t2 = 0;
    assert_int_equal(sr_store_open(u, &st), SR_OK);
    struct sr_store_audit r1 = make_row(1, zero, 0x41), r2 = make_row(2, r1.mac, 0x42);
    assert_int_equal(sr_store_audit_append_deferred(st, &r1, &t1), SR_OK);
    assert_true(t1 > 0);
    assert_int_equal(sr_store_flush_wait(st, t1), SR_OK);
    assert_int_equal(sr_store_audit_append_deferred(st, &r2, &t2), SR_OK);
    assert_int_equal(unlink(wal), 0);
    assert_int_equal(sr_store_flush_wait(st, t2), SR_ERR_IO);
    assert_int_equal(sr_store_flush_wait(st, t2), SR_ERR_IO);
    assert_int_equal(sr_store_flush_wait(st, t1), SR_OK); /* made durable before the failure */
    sr_store_close(st);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        STORE_CASES,
        cmocka_unit_test(wal_mode),
        cmocka_unit_test(busy_wait),
        cmocka_unit_test(bad_path),
        cmocka_unit_test(flush_failure_sticks),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
