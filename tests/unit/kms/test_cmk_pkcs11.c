/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `pkcs11` CMK provider against SoftHSM2, on a token this test initialises in a temp
 * directory: the CMK is a sensitive, non-extractable token object whose value cannot be read,
 * KEKs round-trip through CKM_AES_GCM in the token, tampering and AAD mismatches give
 * SR_ERR_AUTH, revocation SR_ERR_DENIED at once, rotation through the key hierarchy, BYOK with
 * the token's RSA-3072 pair, and a wrong PIN. Skipped (77) without SoftHSM2 unless CI=true.
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
#include "kms/p11.h"

#define ORG "org-p11"

static char dir[256];
static struct sr_kms_cmk_provider *prov;

static const struct sr_kms_p11_config cfg = {
    .module = NULL,
    .token_label = FX_TOKEN,
    .pin = FX_PIN,
};

static int setup(void **state)
{
    (void)state;
    return sr_kms_cmk_provider_new_pkcs11(&cfg, &prov) == SR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sr_kms_cmk_provider_free(prov);
    return 0;
}

/* The object behind a CMK URI, read through the provider's own session. */
static CK_OBJECT_HANDLE object(const char *uri)
{
    struct sr_kms_p11 *p11 = sr_kms_cmk_provider_p11(prov);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    assert_non_null(p11);
    assert_int_equal(sr_kms_p11_find(p11, CKO_SECRET_KEY, uri, &h), SR_OK);
    return h;
}

static void assert_not_extractable(const char *uri)
{
    struct sr_kms_p11 *p11 = sr_kms_cmk_provider_p11(prov);
    CK_OBJECT_HANDLE h = object(uri);
    uint8_t value[64];
    CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, token = CK_FALSE;
    CK_ATTRIBUTE v = { CKA_VALUE, value, sizeof(value) };
    CK_ATTRIBUTE flags[] = {
        { CKA_SENSITIVE, &sensitive, 1 },
        { CKA_EXTRACTABLE, &extractable, 1 },
        { CKA_TOKEN, &token, 1 },
    };

    assert_int_equal(p11->f->C_GetAttributeValue(p11->session, h, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
    assert_int_equal(p11->f->C_GetAttributeValue(p11->session, h, flags, 3), CKR_OK);
    assert_true(sensitive);
    assert_false(extractable);
    assert_true(token);
}

/* The BYOK private key: in the token, sensitive, not extractable, able to unwrap. */
static void assert_private_key_kept(const char *label)
{
    struct sr_kms_p11 *p11 = sr_kms_cmk_provider_p11(prov);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, unwrap = CK_FALSE;
    CK_ATTRIBUTE a[] = {
        { CKA_SENSITIVE, &sensitive, 1 },
        { CKA_EXTRACTABLE, &extractable, 1 },
        { CKA_UNWRAP, &unwrap, 1 },
    };

    assert_int_equal(sr_kms_p11_find(p11, CKO_PRIVATE_KEY, label, &h), SR_OK);
    assert_int_equal(p11->f->C_GetAttributeValue(p11->session, h, a, 3), CKR_OK);
    assert_true(sensitive);
    assert_false(extractable);
    assert_true(unwrap);
}

static void generate_not_extractable(void **state)
{
    (void)state;
    struct sr_kms_cmk *cmk = NULL, *dup = NULL;

    assert_int_equal(sr_kms_cmk_generate(prov, "kms://t/cmk/gen", ORG, 1, &cmk), SR_OK);
    assert_int_equal(sr_kms_cmk_state(cmk), SR_KMS_CMK_ACTIVE);
    assert_not_extractable("kms://t/cmk/gen");
    assert_int_equal(sr_kms_cmk_generate(prov, "kms://t/cmk/gen", ORG, 1, &dup), SR_ERR_EXISTS);
    sr_kms_cmk_free(cmk);
}

static void kek_round_trip_tamper_aad(void **state)
{
    (void)state;
    struct sr_kms_cmk *cmk = NULL, *again = NULL, *other = NULL;
    uint8_t kek[32], got[32], blob[SR_KMS_KEK_BLOB_LEN];

    memset(kek, 0x33, sizeof(kek));
    assert_int_equal(sr_kms_cmk_generate(prov, "kms://t/cmk/rt", ORG, 1, &cmk), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "kek-a", kek, blob), SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-a", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);
    assert_memory_equal(got, kek, 32);

    assert_int_equal(sr_kms_cmk_open(prov, "kms://t/cmk/rt", ORG, 1, SR_KMS_CMK_ACTIVE, &again),
                     SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(again, "kek-a", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);
    assert_memory_equal(got, kek, 32);

    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-b", sr_slice_of(blob, sizeof(blob)), got),
                     SR_ERR_AUTH);
    assert_int_equal(sr_kms_cmk_open(prov, "kms://t/cmk/rt", "org-x", 1, SR_KMS_CMK_ACTIVE, &other),
                     SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(other, "kek-a", sr_slice_of(blob, sizeof(blob)), got),
                     SR_ERR_AUTH);
    for (size_t i = 0; i < sizeof(blob); i += 7) {
        blob[i] ^= 0x80;
        assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-a", sr_slice_of(blob, sizeof(blob)), got),
                         SR_ERR_AUTH);
        blob[i] ^= 0x80;
    }
    sr_kms_cmk_free(other);
    sr_kms_cmk_free(again);
    sr_kms_cmk_free(cmk);
}

static void hierarchy_rotate_revoke(void **state)
{
    (void)state;
    struct sr_kms_keywrap *kw = NULL;
    struct sr_kms_cmk *old = NULL, *cur = NULL;
    struct sr_store_kek kek, rewrapped;
    const struct sr_store_kek *used = NULL;
    uint8_t ck[32], got[32], blob[SR_KMS_CK_BLOB_LEN], out[1][SR_KMS_KEK_BLOB_LEN];
    const int64_t now = 1772442000000; /* 2026-03-02 */
    bool made = false;

    assert_int_equal(sr_kms_keywrap_new(16, SR_KMS_KEK_CACHE_TTL_MS, &kw), SR_OK);
    assert_int_equal(sr_kms_cmk_generate(prov, "kms://t/cmk/v1", ORG, 1, &old), SR_OK);
    assert_int_equal(sr_kms_keywrap_ck_new(kw, old, NULL, "kek-r1", "kms://t/keys/1", now, ck, blob,
                                           &kek, &made, &used),
                     SR_OK);
    assert_true(made);
    assert_string_equal(kek.period, "2026-03");

    /* Rotation: the KEK is rewrapped; the content key blob is untouched and still opens. */
    assert_int_equal(sr_kms_cmk_generate(prov, "kms://t/cmk/v2", ORG, 2, &cur), SR_OK);
    assert_int_equal(sr_kms_cmk_set_state(old, SR_KMS_CMK_ROTATING), SR_OK);
    assert_int_equal(sr_kms_keywrap_rotate(kw, old, cur, &kek, 1, out), SR_OK);
    rewrapped = kek;
    memcpy(rewrapped.wrapped.p, out[0], SR_KMS_KEK_BLOB_LEN);
    (void)snprintf(rewrapped.cmk_uri, sizeof(rewrapped.cmk_uri), "%s", "kms://t/cmk/v2");
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cur, &rewrapped, "kms://t/keys/1",
                                              sr_slice_of(blob, sizeof(blob)), now, got),
                     SR_OK);
    assert_memory_equal(got, ck, 32);
    assert_int_equal(sr_kms_cmk_set_state(old, SR_KMS_CMK_RETIRED), SR_OK);

    /* Revoke: denied at once, cache emptied; reactivation goes back to the token. */
    assert_true(sr_kms_keywrap_cached(kw) > 0);
    assert_int_equal(sr_kms_keywrap_revoke(kw, cur), SR_OK);
    assert_int_equal(sr_kms_keywrap_cached(kw), 0);
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cur, &rewrapped, "kms://t/keys/1",
                                              sr_slice_of(blob, sizeof(blob)), now, got),
                     SR_ERR_DENIED);
    assert_int_equal(sr_kms_cmk_set_state(cur, SR_KMS_CMK_ACTIVE), SR_OK);
    assert_int_equal(sr_kms_keywrap_ck_unwrap(kw, cur, &rewrapped, "kms://t/keys/1",
                                              sr_slice_of(blob, sizeof(blob)), now, got),
                     SR_OK);
    assert_memory_equal(got, ck, 32);

    sr_kms_cmk_free(cur);
    sr_kms_cmk_free(old);
    sr_kms_keywrap_free(kw);
}

static void byok_in_token(void **state)
{
    (void)state;
    uint8_t key[32], kek[32] = { 9 }, got[32], blob[SR_KMS_KEK_BLOB_LEN];
    struct sr_buf up, n, e;
    struct sr_kms_cmk *cmk = NULL;

    memset(key, 0x6b, sizeof(key));
    sr_buf_init(&up, 0, 0);
    sr_buf_init(&n, 0, 0);
    sr_buf_init(&e, 0, 0);
    assert_int_equal(fx_byok_wrap(prov, "org-byok", key, &up), SR_OK);
    assert_int_equal(sr_kms_cmk_public_key(prov, "org-byok", &n, &e), SR_OK);
    assert_int_equal(n.len, 384);
    assert_int_equal(e.len, 3);
    assert_private_key_kept("sealroom-byok:org-byok");

    up.p[5] ^= 0x10;
    assert_int_equal(
            sr_kms_cmk_import(prov, "kms://t/cmk/byok", "org-byok", 1, sr_buf_slice(&up), &cmk),
            SR_ERR_AUTH);
    up.p[5] ^= 0x10;
    assert_int_equal(
            sr_kms_cmk_import(prov, "kms://t/cmk/byok", "org-byok", 1, sr_buf_slice(&up), &cmk),
            SR_OK);
    assert_int_equal(sr_kms_cmk_state(cmk), SR_KMS_CMK_PENDING);
    assert_not_extractable("kms://t/cmk/byok");
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_ACTIVE), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "kek-y", kek, blob), SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-y", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);
    assert_memory_equal(got, kek, 32);

    /* Uploading to another org's key, or twice under one URI, is refused. */
    sr_kms_cmk_free(cmk);
    cmk = NULL;
    assert_int_equal(
            sr_kms_cmk_import(prov, "kms://t/cmk/byok", "org-byok", 1, sr_buf_slice(&up), &cmk),
            SR_ERR_EXISTS);
    assert_int_equal(
            sr_kms_cmk_import(prov, "kms://t/cmk/byok2", "org-none", 1, sr_buf_slice(&up), &cmk),
            SR_ERR_NOT_FOUND);
    sr_buf_cleanup(&up);
    sr_buf_cleanup(&n);
    sr_buf_cleanup(&e);
}

static void delete_destroys(void **state)
{
    (void)state;
    struct sr_kms_cmk *cmk = NULL;

    assert_int_equal(sr_kms_cmk_generate(prov, "kms://t/cmk/del", ORG, 1, &cmk), SR_OK);
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_REVOKED), SR_OK);
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_DELETED), SR_OK);
    sr_kms_cmk_free(cmk);
    cmk = NULL;
    assert_int_equal(sr_kms_cmk_open(prov, "kms://t/cmk/del", ORG, 1, SR_KMS_CMK_ACTIVE, &cmk),
                     SR_ERR_NOT_FOUND);
}

/* A second connection (PIN from a file) shares the module; closing it leaves ours logged in. */
static void second_connection(void **state)
{
    (void)state;
    struct sr_kms_p11_config c2 = cfg;
    struct sr_kms_cmk_provider *p2 = NULL;
    struct sr_kms_cmk *a = NULL, *b = NULL;
    uint8_t kek[32] = { 3 }, got[32], blob[SR_KMS_KEK_BLOB_LEN];
    char pin_path[300];
    FILE *fp;

    (void)snprintf(pin_path, sizeof(pin_path), "%s/pin", dir);
    fp = fopen(pin_path, "w");
    assert_non_null(fp);
    (void)fprintf(fp, "%s\n", FX_PIN);
    (void)fclose(fp);
    c2.pin = NULL;
    c2.pin_file = pin_path;
    assert_int_equal(sr_kms_cmk_provider_new_pkcs11(&c2, &p2), SR_OK);
    assert_int_equal(sr_kms_cmk_generate(p2, "kms://t/cmk/two", ORG, 1, &b), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(b, "kek-2c", kek, blob), SR_OK);
    sr_kms_cmk_free(b);
    sr_kms_cmk_provider_free(p2);

    assert_int_equal(sr_kms_cmk_open(prov, "kms://t/cmk/two", ORG, 1, SR_KMS_CMK_ACTIVE, &a),
                     SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(a, "kek-2c", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);
    assert_memory_equal(got, kek, 32);
    sr_kms_cmk_free(a);
}

struct worker {
    struct sr_kms_cmk *cmk;
    int failures;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    uint8_t kek[32], got[32], blob[SR_KMS_KEK_BLOB_LEN];
    for (int i = 0; i < 50; i++) {
        memset(kek, i, sizeof(kek));
        if (sr_kms_cmk_wrap_kek(w->cmk, "kek-t", kek, blob) != SR_OK ||
            sr_kms_cmk_unwrap_kek(w->cmk, "kek-t", sr_slice_of(blob, sizeof(blob)), got) != SR_OK ||
            memcmp(got, kek, 32) != 0) {
            w->failures++;
        }
    }
    return NULL;
}

/* The shared session is serialised: threads wrapping at once all succeed. */
static void threads(void **state)
{
    (void)state;
    struct sr_kms_cmk *cmk = NULL;
    struct worker w[4];
    pthread_t t[4];

    assert_int_equal(sr_kms_cmk_generate(prov, "kms://t/cmk/threads", ORG, 1, &cmk), SR_OK);
    for (int i = 0; i < 4; i++) {
        w[i].cmk = cmk;
        w[i].failures = 0;
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    sr_kms_cmk_free(cmk);
}

/* The session dies under the provider (as when the token is pulled): one retry recovers. */
static void session_recovery(void **state)
{
    (void)state;
    struct sr_kms_p11 *p11 = sr_kms_cmk_provider_p11(prov);
    struct sr_kms_cmk *cmk = NULL, *again = NULL;
    uint8_t kek[32] = { 5 }, got[32], blob[SR_KMS_KEK_BLOB_LEN];

    assert_int_equal(sr_kms_cmk_generate(prov, "kms://t/cmk/recover", ORG, 1, &cmk), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "kek-rc", kek, blob), SR_OK);
    assert_int_equal(p11->f->C_CloseSession(p11->session), CKR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-rc", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);
    assert_memory_equal(got, kek, 32);
    assert_int_equal(p11->f->C_CloseSession(p11->session), CKR_OK);
    assert_int_equal(
            sr_kms_cmk_open(prov, "kms://t/cmk/recover", ORG, 1, SR_KMS_CMK_ACTIVE, &again), SR_OK);
    sr_kms_cmk_free(again);
    sr_kms_cmk_free(cmk);
}

static int wrong_pin(void)
{
    struct sr_kms_p11_config bad = cfg;
    struct sr_kms_cmk_provider *p = NULL;
    bad.pin = "0000";
    sr_err err = sr_kms_cmk_provider_new_pkcs11(&bad, &p);
    bad.pin = FX_PIN;
    bad.token_label = "no-such-token";
    sr_err err2 = sr_kms_cmk_provider_new_pkcs11(&bad, &p);
    if (err != SR_ERR_DENIED || err2 != SR_ERR_NOT_FOUND) {
        (void)fprintf(stderr, "wrong PIN: %d, no token: %d\n", err, err2);
        return 1;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generate_not_extractable),
        cmocka_unit_test(kek_round_trip_tamper_aad),
        cmocka_unit_test(hierarchy_rotate_revoke),
        cmocka_unit_test(byok_in_token),
        cmocka_unit_test(delete_destroys),
        cmocka_unit_test(second_connection),
        cmocka_unit_test(threads),
        cmocka_unit_test(session_recovery),
    };
    int rc;

    if (fx_tmpdir(dir, sizeof(dir)) != 0) {
        return 1;
    }
    rc = fx_softhsm_init(dir);
    if (rc == 77) {
        fx_rmtree(dir);
        return fx_skip("SoftHSM2 (libsofthsm2.so, softhsm2-util) is not installed: skipped");
    }
    rc = rc != 0 ? 1 : wrong_pin();
    if (rc == 0) {
        rc = cmocka_run_group_tests(tests, setup, teardown);
    }
    fx_rmtree(dir);
    return rc;
}
