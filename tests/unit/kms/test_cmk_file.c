/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `file` CMK provider (development only) and the provider-neutral CMK logic: refused
 * unless allowed, 0600 key files, KEK wrap/unwrap with the §7 AAD, tampering and AAD
 * mismatches (SR_ERR_AUTH), the state machine, revocation as a kill switch (SR_ERR_DENIED at
 * once), deletion, and BYOK through a 0600 PEM RSA-3072 key.
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cmk_fixture.h"
#include "core/alloc.h"
#include "kms/cmk.h"
#include "kms/cmk_int.h"

#define ORG  "org-1"
#define URI1 "kms://kms.example.org/cmk/1"
#define URI2 "kms://kms.example.org/cmk/2"

static char dir[256];
static struct sr_kms_cmk_provider *prov;

static int setup(void **state)
{
    (void)state;
    if (fx_tmpdir(dir, sizeof(dir)) != 0) {
        return -1;
    }
    return sr_kms_cmk_provider_new_file(dir, true, &prov) == SR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sr_kms_cmk_provider_free(prov);
    fx_rmtree(dir);
    return 0;
}

static void refused_unless_allowed(void **state)
{
    (void)state;
    struct sr_kms_cmk_provider *p = (struct sr_kms_cmk_provider *)1;
    assert_int_equal(sr_kms_cmk_provider_new_file(dir, false, &p), SR_ERR_DENIED);
    assert_null(p);
}

static void key_file_is_private(void **state)
{
    (void)state;
    struct sr_kms_cmk *cmk = NULL, *again = NULL;
    struct stat st;
    char *path = NULL;

    assert_int_equal(sr_kms_cmk_generate(prov, "kms://x/cmk/perm", ORG, 1, &cmk), SR_OK);
    assert_int_equal(sr_kms_cmk_state(cmk), SR_KMS_CMK_ACTIVE);
    assert_int_equal(sr_kms_cmk_path(dir, "cmk-", "kms://x/cmk/perm", ".key", &path), SR_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    /* The same URI twice is refused; a group-readable key file is refused on open. */
    assert_int_equal(sr_kms_cmk_generate(prov, "kms://x/cmk/perm", ORG, 2, &again), SR_ERR_EXISTS);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(sr_kms_cmk_open(prov, "kms://x/cmk/perm", ORG, 1, SR_KMS_CMK_ACTIVE, &again),
                     SR_ERR_DENIED);
    assert_int_equal(sr_kms_cmk_open(prov, "kms://x/cmk/none", ORG, 1, SR_KMS_CMK_ACTIVE, &again),
                     SR_ERR_NOT_FOUND);
    sr_free(path);
    sr_kms_cmk_free(cmk);
}

static void kek_round_trip_and_aad(void **state)
{
    (void)state;
    struct sr_kms_cmk *cmk = NULL, *reopened = NULL, *other_org = NULL;
    uint8_t kek[32], got[32], blob[SR_KMS_KEK_BLOB_LEN];

    memset(kek, 0x5a, sizeof(kek));
    assert_int_equal(sr_kms_cmk_generate(prov, URI1, ORG, 1, &cmk), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "kek-1", kek, blob), SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-1", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);
    assert_memory_equal(got, kek, 32);

    /* Reopened from its store row, the CMK opens the same blob. */
    assert_int_equal(sr_kms_cmk_open(prov, URI1, ORG, 1, SR_KMS_CMK_ACTIVE, &reopened), SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(reopened, "kek-1", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);
    assert_memory_equal(got, kek, 32);

    /* Another KEK id or another org in the AAD: the tag fails. */
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-2", sr_slice_of(blob, sizeof(blob)), got),
                     SR_ERR_AUTH);
    assert_int_equal(sr_kms_cmk_open(prov, URI1, "org-2", 1, SR_KMS_CMK_ACTIVE, &other_org), SR_OK);
    assert_int_equal(
            sr_kms_cmk_unwrap_kek(other_org, "kek-1", sr_slice_of(blob, sizeof(blob)), got),
            SR_ERR_AUTH);

    /* Every bit of the blob matters; a short or long blob does not decode. */
    for (size_t i = 0; i < sizeof(blob) * 8; i++) {
        blob[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-1", sr_slice_of(blob, sizeof(blob)), got),
                         SR_ERR_AUTH);
        blob[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-1", sr_slice_of(blob, 59), got),
                     SR_ERR_DECODE);
    sr_kms_cmk_free(other_org);
    sr_kms_cmk_free(reopened);
    sr_kms_cmk_free(cmk);
}

static void states_and_kill_switch(void **state)
{
    (void)state;
    struct sr_kms_cmk *cmk = NULL;
    uint8_t kek[32] = { 1 }, got[32], blob[SR_KMS_KEK_BLOB_LEN];
    enum sr_kms_cmk_state s;

    assert_int_equal(sr_kms_cmk_generate(prov, URI2, ORG, 2, &cmk), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "kek-9", kek, blob), SR_OK);
    uint64_t gen = sr_kms_cmk_generation(cmk);

    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_REVOKED), SR_OK);
    assert_true(sr_kms_cmk_generation(cmk) != gen);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-9", sr_slice_of(blob, sizeof(blob)), got),
                     SR_ERR_DENIED);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "kek-9", kek, blob), SR_ERR_DENIED);
    /* The kill switch wins over a malformed blob: nothing reaches the provider. */
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-9", sr_slice_of(blob, 3), got), SR_ERR_DENIED);

    /* Reactivated, it works again. */
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_ACTIVE), SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-9", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);

    /* Rotating opens but no longer wraps; retired does neither; illegal moves are refused. */
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_PENDING), SR_ERR_STATE);
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_ROTATING), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "kek-9", kek, blob), SR_ERR_STATE);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-9", sr_slice_of(blob, sizeof(blob)), got),
                     SR_OK);
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_ACTIVE), SR_ERR_STATE);
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_RETIRED), SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "kek-9", sr_slice_of(blob, sizeof(blob)), got),
                     SR_ERR_STATE);

    /* Deleting destroys the key: it cannot be opened again. */
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_DELETED), SR_OK);
    sr_kms_cmk_free(cmk);
    cmk = NULL;
    assert_int_equal(sr_kms_cmk_open(prov, URI2, ORG, 2, SR_KMS_CMK_ACTIVE, &cmk),
                     SR_ERR_NOT_FOUND);

    assert_int_equal(sr_kms_cmk_state_parse("rotating", &s), SR_OK);
    assert_int_equal(s, SR_KMS_CMK_ROTATING);
    assert_string_equal(sr_kms_cmk_state_name(SR_KMS_CMK_REVOKED), "revoked");
    assert_int_equal(sr_kms_cmk_state_parse("disabled", &s), SR_ERR_INVALID);
}

static void aad_encoding(void **state)
{
    (void)state;
    struct sr_buf b;
    const char *f[] = { "ab", "", "c" };
    const uint8_t want[] = { 0, 2, 'a', 'b', 0, 0, 0, 1, 'c' };

    sr_buf_init(&b, 0, 0);
    assert_int_equal(sr_kms_aad_encode(f, 3, &b), SR_OK);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.p, want, sizeof(want));
    sr_buf_cleanup(&b);
}

static void byok_file(void **state)
{
    (void)state;
    uint8_t key[32], kek[32] = { 7 }, got[32], blob[SR_KMS_KEK_BLOB_LEN];
    struct sr_buf up, n, e;
    struct sr_kms_cmk *cmk = NULL;
    char *path = NULL;
    struct stat st;

    memset(key, 0xc3, sizeof(key));
    sr_buf_init(&up, 0, 0);
    sr_buf_init(&n, 0, 0);
    sr_buf_init(&e, 0, 0);
    /* No pair yet: an upload cannot be opened. */
    assert_int_equal(
            sr_kms_cmk_import(prov, "kms://x/cmk/byok", "org-b", 1, sr_slice_of(key, 32), &cmk),
            SR_ERR_NOT_FOUND);
    assert_int_equal(fx_byok_wrap(prov, "org-b", key, &up), SR_OK);
    assert_int_equal(up.len, SR_KMS_BYOK_WRAP_LEN);
    assert_int_equal(sr_kms_cmk_path(dir, "byok-", "org-b", ".pem", &path), SR_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* The same public key is published every time. */
    assert_int_equal(sr_kms_cmk_public_key(prov, "org-b", &n, &e), SR_OK);
    assert_int_equal(n.len, 384);

    /* A flipped bit in the upload is refused without leaving a key behind. */
    up.p[100] ^= 1;
    assert_int_equal(
            sr_kms_cmk_import(prov, "kms://x/cmk/byok", "org-b", 1, sr_buf_slice(&up), &cmk),
            SR_ERR_AUTH);
    up.p[100] ^= 1;
    assert_int_equal(
            sr_kms_cmk_import(prov, "kms://x/cmk/byok", "org-b", 1, sr_buf_slice(&up), &cmk),
            SR_OK);
    assert_int_equal(sr_kms_cmk_state(cmk), SR_KMS_CMK_PENDING);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "k", kek, blob), SR_ERR_STATE);
    assert_int_equal(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_ACTIVE), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "k", kek, blob), SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(cmk, "k", sr_slice_of(blob, sizeof(blob)), got), SR_OK);
    assert_memory_equal(got, kek, 32);
    sr_kms_cmk_free(cmk);

    sr_free(path);
    sr_buf_cleanup(&up);
    sr_buf_cleanup(&n);
    sr_buf_cleanup(&e);
}

/* A deferred handle asks the provider only at its first unwrap, and never when revoked. */
static void deferred_open(void **state)
{
    (void)state;
    const char *uri = "kms://x/cmk/deferred";
    uint8_t kek[32], blob[SR_KMS_KEK_BLOB_LEN], got[32];
    struct sr_kms_cmk *cmk = NULL, *lazy = NULL;
    struct sr_slice b = sr_slice_of(blob, sizeof(blob));

    memset(kek, 0x3c, sizeof(kek));
    assert_int_equal(sr_kms_cmk_generate(prov, uri, ORG, 1, &cmk), SR_OK);
    assert_int_equal(sr_kms_cmk_wrap_kek(cmk, "kek-d", kek, blob), SR_OK);

    assert_int_equal(sr_kms_cmk_open_deferred(prov, uri, ORG, 1, SR_KMS_CMK_REVOKED, &lazy), SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(lazy, "kek-d", b, got), SR_ERR_DENIED);
    assert_null(lazy->key);
    sr_kms_cmk_free(lazy);

    assert_int_equal(sr_kms_cmk_open_deferred(prov, uri, ORG, 1, SR_KMS_CMK_ACTIVE, &lazy), SR_OK);
    assert_null(lazy->key);
    assert_int_equal(sr_kms_cmk_unwrap_kek(lazy, "kek-d", b, got), SR_OK);
    assert_non_null(lazy->key);
    assert_memory_equal(got, kek, 32);
    assert_int_equal(sr_kms_cmk_unwrap_kek(lazy, "kek-d", b, got), SR_OK);
    sr_kms_cmk_free(lazy);

    /* A key the provider lacks: the open succeeds, the first use says SR_ERR_NOT_FOUND. */
    assert_int_equal(
            sr_kms_cmk_open_deferred(prov, "kms://x/cmk/absent", ORG, 1, SR_KMS_CMK_ACTIVE, &lazy),
            SR_OK);
    assert_int_equal(sr_kms_cmk_unwrap_kek(lazy, "kek-d", b, got), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_kms_cmk_wrap_kek(lazy, "kek-e", kek, blob), SR_ERR_NOT_FOUND);
    sr_kms_cmk_free(lazy);
    sr_kms_cmk_free(cmk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refused_unless_allowed), cmocka_unit_test(key_file_is_private),
        cmocka_unit_test(kek_round_trip_and_aad), cmocka_unit_test(states_and_kill_switch),
        cmocka_unit_test(aad_encoding),           cmocka_unit_test(byok_file),
        cmocka_unit_test(deferred_open),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
