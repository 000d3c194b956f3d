/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key hierarchy (KMS.md §7) over the file provider: content keys round-trip under KEKs,
 * the "sealroom-ck-v1" AAD binds key URI, org and KEK id (SR_ERR_AUTH otherwise), every tag
 * bit matters, KEKs roll over per UTC month and after 2^20 wraps, the KEK cache saves provider
 * calls, is bounded, expires, and is dropped by revoke and flush; rotation rewraps KEKs only.
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmk_fixture.h"
#include "kms/cmk.h"
#include "kms/keywrap.h"
#include "testutil.h"

#define ORG  "org-kw"
#define KURI "kms://kms.example.org/keys/9f1c"
#define T0   ((int64_t)1772442000000) /* 2026-03-02T09:00:00Z */

static char dir[256];
static struct sr_kms_cmk_provider *prov;
static const struct sr_kms_cmk_ops *file_ops;
static struct sr_kms_cmk_ops counting_ops;
static unsigned opens;

static sr_err count_open(void *be, void *key, const uint8_t *iv, struct sr_slice aad,
                         struct sr_slice ct, uint8_t *out)
{
    opens++;
    return file_ops->open(be, key, iv, aad, ct, out);
}

static int setup(void **state)
{
    (void)state;
    if (fx_tmpdir(dir, sizeof(dir)) != 0 ||
        sr_kms_cmk_provider_new_file(dir, true, &prov) != SR_OK) {
        return -1;
    }
    /* Count the provider's KEK opens to see what the cache saves. */
    file_ops = prov->ops;
    counting_ops = *file_ops;
    counting_ops.open = count_open;
    prov->ops = &counting_ops;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sr_kms_cmk_provider_free(prov);
    fx_rmtree(dir);
    return 0;
}

static struct sr_kms_cmk *new_cmk(const char *uri, const char *org)
{
    struct sr_kms_cmk *cmk = NULL;
    assert_int_equal(sr_kms_cmk_generate(prov, uri, org, 1, &cmk), SR_OK);
    return cmk;
}

static void periods(void **state)
{
    (void)state;
    char p[SR_KMS_KEK_PERIOD_LEN];
    assert_int_equal(sr_kms_kek_period(0, p), SR_OK);
    assert_string_equal(p, "1970-01");
    assert_int_equal(sr_kms_kek_period(1772323199999, p), SR_OK); /* 2026-02-28T23:59:59.999Z */
    assert_string_equal(p, "2026-02");
    assert_int_equal(sr_kms_kek_period(1772323200000, p), SR_OK);
    assert_string_equal(p, "2026-03");
    assert_int_equal(sr_kms_kek_period(-1, p), SR_ERR_ARG);
}

static void content_key_round_trip_and_aad(void **state)
{
    (void)state;
    struct sr_kms_keywrap *kw = NULL;
    struct sr_kms_cmk *cmk = new_cmk("kms://x/cmk/ck", ORG);
    struct sr_store_kek kek, other;
    const struct sr_store_kek *used = NULL;
    uint8_t ck[32], got[32], blob[SR_KMS_CK_BLOB_LEN];
    bool made = false;

    assert_int_equal(sr_kms_keywrap_new(8, SR_KMS_KEK_CACHE_TTL_MS, &kw), SR_OK);
    assert_int_equal(
            sr_kms_keywrap_ck_new(kw, cmk, NULL, "kek-1", KURI, T0, ck, blob, &kek, &made, &used),
            SR_OK);
    assert_true(made);
    assert_ptr_equal(used, &kek);
    assert_string_equal(kek.org_id, ORG);
    assert_string_equal(kek.cmk_uri, "kms://x/cmk/ck");
    assert_int_equal(kek.wrapped.len, SR_KMS_KEK_BLOB_LEN);
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cmk, &kek, KURI, sr_slice_of(blob, 60), T0, got),
                     SR_OK);
    assert_memory_equal(got, ck, 32);

    /* Another key URI, org or KEK id in the AAD: the tag fails. */
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cmk, &kek, "kms://kms.example.org/keys/other",
                                              sr_slice_of(blob, 60), T0, got),
                     SR_ERR_AUTH);
    other = kek;
    (void)snprintf(other.kek_id, sizeof(other.kek_id), "%s", "kek-2");
    assert_int_equal(
            sr_kms_keywrap_ck_unwrap(kw, cmk, &other, KURI, sr_slice_of(blob, 60), T0, got),
            SR_ERR_AUTH);
    other = kek;
    (void)snprintf(other.org_id, sizeof(other.org_id), "%s", "org-2");
    assert_int_equal(
            sr_kms_keywrap_ck_unwrap(kw, cmk, &other, KURI, sr_slice_of(blob, 60), T0, got),
            SR_ERR_ARG);
    /* Claimed for another org with a CMK handle to match, the KEK's own AAD fails. */
    struct sr_kms_cmk *as_org2 = NULL;
    assert_int_equal(
            sr_kms_cmk_open(prov, "kms://x/cmk/ck", "org-2", 1, SR_KMS_CMK_ACTIVE, &as_org2),
            SR_OK);
    assert_int_equal(
            sr_kms_keywrap_ck_unwrap(kw, as_org2, &other, KURI, sr_slice_of(blob, 60), T0, got),
            SR_ERR_AUTH);
    sr_kms_cmk_free(as_org2);
    for (size_t i = 0; i < sizeof(blob) * 8; i++) {
        blob[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(
                sr_kms_keywrap_ck_unwrap(kw, cmk, &kek, KURI, sr_slice_of(blob, 60), T0, got),
                SR_ERR_AUTH);
        blob[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cmk, &kek, KURI, sr_slice_of(blob, 59), T0, got),
                     SR_ERR_DECODE);

    /* A tampered KEK blob (with nothing cached) fails too; a shredded KEK is gone. */
    sr_kms_keywrap_flush_org(kw, ORG);
    other = kek;
    other.wrapped.p[20] ^= 1;
    assert_int_equal(
            sr_kms_keywrap_ck_unwrap(kw, cmk, &other, KURI, sr_slice_of(blob, 60), T0, got),
            SR_ERR_AUTH);
    other.wrapped.present = false;
    assert_int_equal(
            sr_kms_keywrap_ck_unwrap(kw, cmk, &other, KURI, sr_slice_of(blob, 60), T0, got),
            SR_ERR_NOT_FOUND);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_free(cmk);
}

static void kek_rollover(void **state)
{
    (void)state;
    struct sr_kms_keywrap *kw = NULL;
    struct sr_kms_cmk *cmk = new_cmk("kms://x/cmk/roll", ORG);
    struct sr_store_kek k1, k2;
    const struct sr_store_kek *used = NULL;
    uint8_t ck[32], blob[SR_KMS_CK_BLOB_LEN];
    bool made = false;

    assert_int_equal(sr_kms_keywrap_new(8, SR_KMS_KEK_CACHE_TTL_MS, &kw), SR_OK);
    assert_int_equal(
            sr_kms_keywrap_ck_new(kw, cmk, NULL, "k1", KURI, T0, ck, blob, &k1, &made, &used),
            SR_OK);
    /* Same month: the current KEK is reused. */
    assert_true(sr_kms_kek_usable(&k1, cmk, T0 + 1000));
    assert_int_equal(
            sr_kms_keywrap_ck_new(kw, cmk, &k1, "k2", KURI, T0 + 1000, ck, blob, &k2, &made, &used),
            SR_OK);
    assert_false(made);
    assert_ptr_equal(used, &k1);
    /* Next month, or 2^20 wraps: a new KEK. */
    assert_false(sr_kms_kek_usable(&k1, cmk, T0 + (int64_t)31 * 86400000));
    k1.wraps = SR_KMS_KEK_MAX_WRAPS;
    assert_false(sr_kms_kek_usable(&k1, cmk, T0));
    assert_int_equal(
            sr_kms_keywrap_ck_new(kw, cmk, &k1, "k2", KURI, T0, ck, blob, &k2, &made, &used),
            SR_OK);
    assert_true(made);
    assert_string_equal(k2.kek_id, "k2");
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_free(cmk);
}

static void cache_saves_bounds_expires(void **state)
{
    (void)state;
    struct sr_kms_keywrap *kw = NULL;
    struct sr_kms_cmk *cmk = new_cmk("kms://x/cmk/cache", ORG);
    struct sr_store_kek k[3];
    uint8_t ck[32] = { 4 }, got[32], blob[3][SR_KMS_CK_BLOB_LEN];
    char id[8];

    assert_int_equal(sr_kms_keywrap_new(2, 1000, &kw), SR_OK);
    for (int i = 0; i < 3; i++) {
        (void)snprintf(id, sizeof(id), "c%d", i);
        assert_int_equal(sr_kms_keywrap_kek_new(kw, cmk, id, T0 + i, &k[i]), SR_OK);
        assert_int_equal(sr_kms_keywrap_ck_wrap(kw, cmk, &k[i], KURI, ck, T0 + i, blob[i]), SR_OK);
    }
    assert_int_equal(sr_kms_keywrap_cached(kw), 2);
    /* k[2] is cached: no provider call; k[0] was evicted: one call, then cached. */
    opens = 0;
    assert_int_equal(
            sr_kms_keywrap_ck_unwrap(kw, cmk, &k[2], KURI, sr_slice_of(blob[2], 60), T0 + 5, got),
            SR_OK);
    assert_int_equal(opens, 0);
    assert_int_equal(
            sr_kms_keywrap_ck_unwrap(kw, cmk, &k[0], KURI, sr_slice_of(blob[0], 60), T0 + 6, got),
            SR_OK);
    assert_int_equal(opens, 1);
    assert_int_equal(
            sr_kms_keywrap_ck_unwrap(kw, cmk, &k[0], KURI, sr_slice_of(blob[0], 60), T0 + 7, got),
            SR_OK);
    assert_int_equal(opens, 1);
    assert_memory_equal(got, ck, 32);
    /* After the lifetime, the token is asked again. */
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cmk, &k[0], KURI, sr_slice_of(blob[0], 60),
                                              T0 + 6 + 1000, got),
                     SR_OK);
    assert_int_equal(opens, 2);
    /* k[2] had expired too, so its slot took k[0]. Another org's flush leaves the cache
     * alone; this org's empties it. */
    sr_kms_keywrap_flush_org(kw, "org-other");
    assert_int_equal(sr_kms_keywrap_cached(kw), 1);
    sr_kms_keywrap_flush_org(kw, ORG);
    assert_int_equal(sr_kms_keywrap_cached(kw), 0);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_free(cmk);
}

static void revoke_kill_switch(void **state)
{
    (void)state;
    struct sr_kms_keywrap *kw = NULL;
    struct sr_kms_cmk *cmk = new_cmk("kms://x/cmk/rev", ORG);
    struct sr_store_kek kek;
    const struct sr_store_kek *used = NULL;
    uint8_t ck[32], got[32], blob[SR_KMS_CK_BLOB_LEN];
    bool made;

    assert_int_equal(sr_kms_keywrap_new(8, SR_KMS_KEK_CACHE_TTL_MS, &kw), SR_OK);
    assert_int_equal(
            sr_kms_keywrap_ck_new(kw, cmk, NULL, "r1", KURI, T0, ck, blob, &kek, &made, &used),
            SR_OK);
    assert_int_equal(sr_kms_keywrap_cached(kw), 1);
    assert_int_equal(sr_kms_keywrap_revoke(kw, cmk), SR_OK);
    assert_int_equal(sr_kms_keywrap_cached(kw), 0);
    opens = 0;
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cmk, &kek, KURI, sr_slice_of(blob, 60), T0, got),
                     SR_ERR_DENIED);
    assert_int_equal(sr_kms_keywrap_ck_wrap(kw, cmk, &kek, KURI, ck, T0, blob), SR_ERR_DENIED);
    assert_int_equal(
            sr_kms_keywrap_ck_new(kw, cmk, &kek, "r2", KURI, T0, ck, blob, &kek, &made, &used),
            SR_ERR_DENIED);
    assert_int_equal(opens, 0);
    /* Revoking twice is a state error, not a second kill. */
    assert_int_equal(sr_kms_keywrap_revoke(kw, cmk), SR_ERR_STATE);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_free(cmk);
}

static void rotation_rewraps_keks_only(void **state)
{
    (void)state;
    struct sr_kms_keywrap *kw = NULL;
    struct sr_kms_cmk *old = new_cmk("kms://x/cmk/rot1", ORG);
    struct sr_kms_cmk *cur = new_cmk("kms://x/cmk/rot2", ORG);
    struct sr_kms_cmk *foreign = new_cmk("kms://x/cmk/rot3", "org-other");
    struct sr_store_kek k[3];
    uint8_t ck[32] = { 8 }, got[32], blob[SR_KMS_CK_BLOB_LEN], before[SR_KMS_CK_BLOB_LEN];
    uint8_t out[3][SR_KMS_KEK_BLOB_LEN];

    assert_int_equal(sr_kms_keywrap_new(8, SR_KMS_KEK_CACHE_TTL_MS, &kw), SR_OK);
    assert_int_equal(sr_kms_keywrap_kek_new(kw, old, "o1", T0, &k[0]), SR_OK);
    assert_int_equal(sr_kms_keywrap_kek_new(kw, old, "o2", T0, &k[1]), SR_OK);
    assert_int_equal(sr_kms_keywrap_kek_new(kw, old, "o3", T0, &k[2]), SR_OK);
    k[2].wrapped.present = false; /* shredded: skipped */
    assert_int_equal(sr_kms_keywrap_ck_wrap(kw, old, &k[1], KURI, ck, T0, blob), SR_OK);
    memcpy(before, blob, sizeof(blob));

    /* The old CMK must be rotating and the new one active and of the same org. */
    assert_int_equal(sr_kms_keywrap_rotate(kw, old, foreign, k, 3, out), SR_ERR_ARG);
    assert_int_equal(sr_kms_cmk_set_state(old, SR_KMS_CMK_ROTATING), SR_OK);
    assert_int_equal(sr_kms_cmk_set_state(cur, SR_KMS_CMK_ROTATING), SR_OK);
    assert_int_equal(sr_kms_keywrap_rotate(kw, old, cur, k, 3, out), SR_ERR_STATE);
    assert_int_equal(sr_kms_cmk_set_state(cur, SR_KMS_CMK_RETIRED), SR_OK);
    sr_kms_cmk_free(cur);
    cur = new_cmk("kms://x/cmk/rot4", ORG);

    /* A tampered KEK fails the whole batch. */
    k[0].wrapped.p[30] ^= 1;
    assert_int_equal(sr_kms_keywrap_rotate(kw, old, cur, k, 3, out), SR_ERR_AUTH);
    k[0].wrapped.p[30] ^= 1;
    assert_int_equal(sr_kms_keywrap_rotate(kw, old, cur, k, 3, out), SR_OK);
    for (int i = 0; i < 2; i++) {
        memcpy(k[i].wrapped.p, out[i], SR_KMS_KEK_BLOB_LEN);
        (void)snprintf(k[i].cmk_uri, sizeof(k[i].cmk_uri), "%s", "kms://x/cmk/rot4");
    }
    /* The old CMK retires; the content key blob, unchanged, opens under the new one. */
    assert_int_equal(sr_kms_cmk_set_state(old, SR_KMS_CMK_RETIRED), SR_OK);
    assert_memory_equal(blob, before, sizeof(blob));
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cur, &k[1], KURI, sr_slice_of(blob, 60), T0, got),
                     SR_OK);
    assert_memory_equal(got, ck, 32);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cur, "o1", sr_slice_of(k[0].wrapped.p, 60), got), SR_OK);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_free(foreign);
    sr_kms_cmk_free(cur);
    sr_kms_cmk_free(old);
}

static void channel_keys(void **state)
{
    (void)state;
    struct sr_kms_keywrap *kw = NULL;
    struct sr_kms_cmk *svc = new_cmk("kms://x/cmk/service", "");
    struct sr_store_kek kek;
    uint8_t key[32], got[32], blob[SR_KMS_CK_BLOB_LEN];
    const char *ch = "kms://kms.example.org/ecdhe/5d0e";

    memset(key, 0x21, sizeof(key));
    assert_int_equal(sr_kms_keywrap_new(4, SR_KMS_KEK_CACHE_TTL_MS, &kw), SR_OK);
    assert_int_equal(sr_kms_keywrap_kek_new(kw, svc, "channel-kek", T0, &kek), SR_OK);
    assert_string_equal(kek.org_id, "");
    assert_int_equal(sr_kms_keywrap_channel_wrap(kw, svc, &kek, ch, key, T0, blob), SR_OK);
    assert_int_equal(
            sr_kms_keywrap_channel_unwrap(kw, svc, &kek, ch, sr_slice_of(blob, 60), T0, got),
            SR_OK);
    assert_memory_equal(got, key, 32);
    assert_int_equal(sr_kms_keywrap_channel_unwrap(kw, svc, &kek, "kms://kms.example.org/ecdhe/x",
                                                   sr_slice_of(blob, 60), T0, got),
                     SR_ERR_AUTH);
    /* A channel blob is not a content key blob of the same URI. */
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, svc, &kek, ch, sr_slice_of(blob, 60), T0, got),
                     SR_ERR_AUTH);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_free(svc);
}

struct alloc_case {
    struct sr_kms_keywrap *kw;
    struct sr_kms_cmk *cmk;
    unsigned run;
};

static sr_err alloc_op(void *arg)
{
    struct alloc_case *c = arg;
    struct sr_store_kek kek;
    const struct sr_store_kek *used = NULL;
    uint8_t ck[32], got[32], blob[SR_KMS_CK_BLOB_LEN];
    char uri[64];
    bool made;

    (void)snprintf(uri, sizeof(uri), "kms://x/cmk/alloc-%u", c->run++);
    SR_TRY(sr_kms_keywrap_new(4, SR_KMS_KEK_CACHE_TTL_MS, &c->kw));
    SR_TRY(sr_kms_cmk_generate(prov, uri, ORG, 1, &c->cmk));
    SR_TRY(sr_kms_keywrap_ck_new(c->kw, c->cmk, NULL, "a1", KURI, T0, ck, blob, &kek, &made,
                                 &used));
    sr_kms_keywrap_flush_org(c->kw, ORG);
    SR_TRY(sr_kms_keywrap_ck_unwrap(c->kw, c->cmk, &kek, KURI, sr_slice_of(blob, 60), T0, got));
    return SR_OK;
}

static void alloc_reset(void *arg)
{
    struct alloc_case *c = arg;
    if (c->cmk != NULL) {
        assert_int_equal(sr_kms_cmk_set_state(c->cmk, SR_KMS_CMK_REVOKED), SR_OK);
        assert_int_equal(sr_kms_cmk_set_state(c->cmk, SR_KMS_CMK_DELETED), SR_OK);
    }
    sr_kms_cmk_free(c->cmk);
    sr_kms_keywrap_free(c->kw);
    c->cmk = NULL;
    c->kw = NULL;
}

static void alloc_failures(void **state)
{
    (void)state;
    struct alloc_case c = { 0 };
    assert_true(sr_test_each_alloc_failure(alloc_op, alloc_reset, &c) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(periods),
        cmocka_unit_test(content_key_round_trip_and_aad),
        cmocka_unit_test(kek_rollover),
        cmocka_unit_test(cache_saves_bounds_expires),
        cmocka_unit_test(revoke_kill_switch),
        cmocka_unit_test(rotation_rewraps_keks_only),
        cmocka_unit_test(channel_keys),
        cmocka_unit_test(alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
