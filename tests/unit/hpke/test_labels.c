/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EncryptWithLabel / DecryptWithLabel (RFC 9420 §5.1.3) for all seven MLS cipher suites:
 * round trips, and a wrong label, context, kem_output, key or ciphertext fails.
 */
#include "hpke/labels.h"
#include "hpke_fixture.h"
#include "testutil.h"

static void round_trip_suite(const struct sr_suite *suite)
{
    struct sr_secret sk, other;
    uint8_t pk[SR_KEM_PK_MAX], other_pk[SR_KEM_PK_MAX];
    struct sr_buf kem_out = { 0 }, ct = { 0 }, pt = { 0 };
    assert_int_equal(sr_hpke_generate_key_pair(suite->kem, &sk, pk), SR_OK);
    assert_int_equal(sr_hpke_generate_key_pair(suite->kem, &other, other_pk), SR_OK);
    struct sr_slice pub = sr_slice_of(pk, suite->kem->pk_len);
    struct sr_slice priv = sr_secret_slice(&sk);
    struct sr_slice context = fx_str("group context bytes");
    assert_int_equal(sr_mls_encrypt_with_label(suite, pub, "UpdatePathNode", context,
                                               fx_str("path secret"), &kem_out, &ct),
                     SR_OK);
    assert_int_equal(kem_out.len, suite->kem->enc_len);
    assert_int_equal(ct.len, 11 + suite->aead->tag_len);
    struct sr_slice ko = sr_buf_slice(&kem_out), c = sr_buf_slice(&ct);
    assert_int_equal(sr_mls_decrypt_with_label(suite, priv, "UpdatePathNode", context, ko, c, &pt),
                     SR_OK);
    assert_int_equal(pt.len, 11);
    assert_memory_equal(pt.p, "path secret", 11);
    sr_buf_reset(&pt);
    /* The label is bound without its prefix; a different label or context fails. */
    assert_int_equal(sr_mls_decrypt_with_label(suite, priv, "Welcome", context, ko, c, &pt),
                     SR_ERR_AUTH);
    assert_int_equal(
            sr_mls_decrypt_with_label(suite, priv, "MLS 1.0 UpdatePathNode", context, ko, c, &pt),
            SR_ERR_AUTH);
    assert_int_equal(sr_mls_decrypt_with_label(suite, priv, "UpdatePathNode",
                                               fx_str("group context byteS"), ko, c, &pt),
                     SR_ERR_AUTH);
    assert_int_equal(sr_mls_decrypt_with_label(suite, sr_secret_slice(&other), "UpdatePathNode",
                                               context, ko, c, &pt),
                     SR_ERR_AUTH);
    ct.p[0] ^= 1;
    assert_int_equal(sr_mls_decrypt_with_label(suite, priv, "UpdatePathNode", context, ko, c, &pt),
                     SR_ERR_AUTH);
    assert_int_equal(pt.len, 0);
    sr_secret_cleanup(&sk);
    sr_secret_cleanup(&other);
    sr_buf_cleanup(&kem_out);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&pt);
}

static void round_trips(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        round_trip_suite(sr_suite_get(id));
    }
}

static void appends_to_buffers(void **state)
{
    (void)state;
    const struct sr_suite *suite = sr_suite_get(1);
    struct sr_secret sk;
    uint8_t pk[SR_KEM_PK_MAX];
    struct sr_buf kem_out = { 0 }, ct = { 0 }, pt = { 0 };
    assert_int_equal(sr_hpke_generate_key_pair(suite->kem, &sk, pk), SR_OK);
    assert_int_equal(sr_buf_append(&kem_out, "K", 1), SR_OK);
    assert_int_equal(sr_buf_append(&ct, "CC", 2), SR_OK);
    assert_int_equal(sr_buf_append(&pt, "P", 1), SR_OK);
    assert_int_equal(sr_mls_encrypt_with_label(suite, sr_slice_of(pk, 32), "x", fx_none(),
                                               fx_none(), &kem_out, &ct),
                     SR_OK);
    assert_int_equal(kem_out.len, 33);
    assert_int_equal(ct.len, 18);
    assert_int_equal(sr_mls_decrypt_with_label(suite, sr_secret_slice(&sk), "x", fx_none(),
                                               sr_slice_of(kem_out.p + 1, 32),
                                               sr_slice_of(ct.p + 2, 16), &pt),
                     SR_OK);
    assert_int_equal(pt.len, 1);
    /* A failed encryption leaves both buffers as they were. */
    uint8_t zero[32] = { 0 };
    assert_int_equal(sr_mls_encrypt_with_label(suite, sr_slice_of(zero, 32), "x", fx_none(),
                                               fx_str("y"), &kem_out, &ct),
                     SR_ERR_INVALID);
    assert_int_equal(kem_out.len, 33);
    assert_int_equal(ct.len, 18);
    sr_secret_cleanup(&sk);
    sr_buf_cleanup(&kem_out);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&pt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trips),
        cmocka_unit_test(appends_to_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
