/* SPDX-License-Identifier: Apache-2.0 */
/* Suite tables (RFC 9420 §17.1, RFC 9180 §7) and look-ups; rand seam; constant-time compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/ct.h"
#include "crypto/rand.h"
#include "crypto/suite.h"
#include "testutil.h"

static void mls_suites(void **state)
{
    (void)state;
    static const struct {
        uint16_t kem, kdf, aead, scheme;
    } want[] = {
        { 0x0020, 1, 1, 0x0807 }, { 0x0010, 1, 1, 0x0403 }, { 0x0020, 1, 3, 0x0807 },
        { 0x0021, 3, 2, 0x0808 }, { 0x0012, 3, 2, 0x0603 }, { 0x0021, 3, 3, 0x0808 },
        { 0x0011, 2, 2, 0x0503 },
    };
    assert_null(sr_suite_get(0));
    assert_null(sr_suite_get(8));
    assert_null(sr_suite_get(0xffff));
    for (uint16_t id = 1; id <= 7; id++) {
        const struct sr_suite *s = sr_suite_get(id);
        assert_non_null(s);
        assert_int_equal(s->id, id);
        assert_non_null(s->name);
        assert_int_equal(s->kem->hpke_id, want[id - 1].kem);
        assert_int_equal(s->hash->hpke_kdf_id, want[id - 1].kdf);
        assert_int_equal(s->aead->hpke_id, want[id - 1].aead);
        assert_int_equal(s->sig->scheme, want[id - 1].scheme);
        assert_ptr_equal(sr_kem_get(s->kem->hpke_id), s->kem);
        assert_ptr_equal(sr_kdf_get(s->hash->hpke_kdf_id), s->hash);
        assert_ptr_equal(sr_aead_get(s->aead->hpke_id), s->aead);
        /* ECDSA hashes with the suite hash. */
        assert_true(s->sig->hash == NULL || s->sig->hash == s->hash);
    }
}

static void hpke_registry(void **state)
{
    (void)state;
    /* RFC 9180 §7.1: Nsecret, Nenc, Npk, Nsk */
    static const struct {
        uint16_t id;
        size_t secret, enc, pk, sk;
    } kem[] = {
        { 0x0010, 32, 65, 65, 32 }, { 0x0011, 48, 97, 97, 48 }, { 0x0012, 64, 133, 133, 66 },
        { 0x0020, 32, 32, 32, 32 }, { 0x0021, 64, 56, 56, 56 },
    };
    for (size_t i = 0; i < sizeof(kem) / sizeof(kem[0]); i++) {
        const struct sr_kem_alg *k = sr_kem_get(kem[i].id);
        assert_non_null(k);
        assert_int_equal(k->secret_len, kem[i].secret);
        assert_int_equal(k->enc_len, kem[i].enc);
        assert_int_equal(k->pk_len, kem[i].pk);
        assert_int_equal(k->sk_len, kem[i].sk);
        assert_true(k->pk_len <= SR_KEM_PK_MAX && k->sk_len <= SR_KEM_SK_MAX);
        assert_true(k->dh_len <= SR_DH_MAX);
    }
    assert_null(sr_kem_get(0x0013));
    assert_null(sr_kem_get(0));
    assert_null(sr_kdf_get(4));
    assert_null(sr_aead_get(4));
    const struct sr_aead_alg *eo = sr_aead_get(0xffff);
    assert_non_null(eo);
    assert_null(eo->name);
    assert_int_equal(sr_aead_get(2)->key_len, 32);
    assert_int_equal(sr_kdf_get(2)->len, 48);
}

static sr_err counting(void *arg, uint8_t *out, size_t n)
{
    unsigned *calls = arg;
    (*calls)++;
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)i;
    }
    return SR_OK;
}

static sr_err failing(void *arg, uint8_t *out, size_t n)
{
    (void)arg;
    (void)out;
    (void)n;
    return SR_ERR_CRYPTO;
}

static void rand_seam(void **state)
{
    (void)state;
    uint8_t a[40], b[40];
    unsigned calls = 0;
    sr_rand_set_source(counting, &calls);
    assert_int_equal(sr_rand_bytes(a, sizeof(a)), SR_OK);
    assert_int_equal(calls, 1);
    assert_int_equal(a[39], 39);
    sr_rand_set_source(failing, NULL);
    assert_int_equal(sr_rand_bytes(a, sizeof(a)), SR_ERR_CRYPTO);
    sr_rand_set_source(NULL, NULL);
    assert_int_equal(sr_rand_bytes(a, sizeof(a)), SR_OK);
    assert_int_equal(sr_rand_bytes(b, sizeof(b)), SR_OK);
    assert_false(sr_ct_equal(a, b, sizeof(a)));
    assert_int_equal(sr_rand_bytes(NULL, 0), SR_OK);
}

static void ct_equal(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    memset(a, 7, sizeof(a));
    memcpy(b, a, sizeof(b));
    assert_true(sr_ct_equal(a, b, sizeof(a)));
    assert_true(sr_ct_equal(a, b, 0));
    for (size_t i = 0; i < sizeof(b); i++) {
        b[i] ^= 1;
        assert_false(sr_ct_equal(a, b, sizeof(a)));
        b[i] ^= 1;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mls_suites),
        cmocka_unit_test(hpke_registry),
        cmocka_unit_test(rand_seam),
        cmocka_unit_test(ct_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
