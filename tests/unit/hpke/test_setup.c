/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HPKE setup and single-shot APIs (RFC 9180 §5.1, §6): VerifyPSKInputs and the Auth-mode
 * key rules (SR_ERR_ARG), export-only suites, invalid recipient keys, export limits,
 * suite look-ups, base-mode single-shot round trips, and each allocation failing in turn.
 */
#include "core/alloc.h"
#include "hpke_fixture.h"
#include "testutil.h"

static sr_err try_sender(struct fixture *f, enum sr_hpke_mode mode,
                         const struct sr_hpke_mode_args *a)
{
    struct sr_hpke_ctx *s = (struct sr_hpke_ctx *)f; /* must be reset to NULL on error */
    sr_err err = sr_hpke_setup_sender(&f->suite, mode, sr_slice_of(f->pk_r, f->suite.kem->pk_len),
                                      fx_none(), a, fx_none(), f->enc, &s);
    if (err != SR_OK) {
        assert_null(s);
    }
    sr_hpke_ctx_free(s);
    return err;
}

static sr_err try_recipient(struct fixture *f, enum sr_hpke_mode mode,
                            const struct sr_hpke_mode_args *a)
{
    struct sr_hpke_ctx *r = NULL;
    sr_err err =
            sr_hpke_setup_recipient(&f->suite, mode, sr_slice_of(f->enc, f->suite.kem->enc_len),
                                    sr_secret_slice(&f->sk_r), fx_none(), a, &r);
    sr_hpke_ctx_free(r);
    return err;
}

static void psk_inputs(void **state)
{
    (void)state;
    struct fixture f;
    fx_init(&f, 0x0020, 0x0001, 0x0001);
    struct sr_slice psk = sr_slice_of(f.psk, sizeof(f.psk)), id = fx_str("id");
    struct sr_hpke_mode_args only_psk = { psk, fx_none(), fx_none(), fx_none() };
    struct sr_hpke_mode_args only_id = { fx_none(), id, fx_none(), fx_none() };
    struct sr_hpke_mode_args both = { psk, id, fx_none(), fx_none() };
    struct sr_hpke_mode_args neither = { fx_none(), fx_none(), fx_none(), fx_none() };
    assert_int_equal(try_sender(&f, SR_HPKE_MODE_BASE, &neither), SR_OK);
    for (int m = SR_HPKE_MODE_BASE; m <= SR_HPKE_MODE_AUTH_PSK; m++) {
        enum sr_hpke_mode mode = (enum sr_hpke_mode)m;
        struct sr_hpke_mode_args a = fx_args(&f, mode, true), b = fx_args(&f, mode, false);
        /* §5.1 VerifyPSKInputs: "Inconsistent PSK inputs" in every mode. */
        only_psk.sender_sk = only_id.sender_sk = a.sender_sk;
        only_psk.sender_pk = only_id.sender_pk = b.sender_pk;
        assert_int_equal(try_sender(&f, mode, &only_psk), SR_ERR_ARG);
        assert_int_equal(try_sender(&f, mode, &only_id), SR_ERR_ARG);
        assert_int_equal(try_recipient(&f, mode, &only_psk), SR_ERR_ARG);
        assert_int_equal(try_recipient(&f, mode, &only_id), SR_ERR_ARG);
        /* A PSK where none is used, or none where one is required. */
        struct sr_hpke_mode_args flipped = fx_is_psk(mode) ? neither : both;
        flipped.sender_sk = a.sender_sk;
        assert_int_equal(try_sender(&f, mode, &flipped), SR_ERR_ARG);
        /* The Auth modes need the sender's key; the others refuse one. */
        struct sr_hpke_mode_args auth = a;
        auth.sender_sk = fx_is_auth(mode) ? fx_none() : sr_secret_slice(&f.sk_s);
        assert_int_equal(try_sender(&f, mode, &auth), SR_ERR_ARG);
        auth = b;
        auth.sender_pk = fx_is_auth(mode) ? fx_none() : sr_slice_of(f.pk_s, 32);
        assert_int_equal(try_recipient(&f, mode, &auth), SR_ERR_ARG);
        assert_int_equal(try_sender(&f, mode, &a), SR_OK);
    }
    assert_int_equal(try_sender(&f, (enum sr_hpke_mode)4, &neither), SR_ERR_ARG);
    fx_cleanup(&f);
}

static void export_only(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_hpke_ctx *s = NULL, *r = NULL;
    struct sr_buf ct = { 0 }, pt = { 0 };
    uint8_t out[64 * 255 + 1], enc[SR_KEM_PK_MAX];
    fx_init(&f, 0x0012, 0x0003, 0xffff);
    fx_setup(&f, SR_HPKE_MODE_AUTH_PSK, &s, &r);
    assert_int_equal(sr_hpke_seal(s, fx_none(), fx_str("x"), &ct), SR_ERR_STATE);
    assert_int_equal(sr_hpke_open(r, fx_none(), fx_str("0123456789abcdef"), &pt), SR_ERR_STATE);
    /* §5.3: L up to 255 * Nh is allowed, one more is not. */
    assert_int_equal(sr_hpke_export(s, fx_none(), out, 64 * 255), SR_OK);
    assert_int_equal(sr_hpke_export(s, fx_none(), out, 64 * 255 + 1), SR_ERR_ARG);
    assert_int_equal(sr_hpke_seal_base(&f.suite, sr_slice_of(f.pk_r, f.suite.kem->pk_len),
                                       fx_none(), fx_none(), fx_str("x"), enc, &ct),
                     SR_ERR_STATE);
    assert_int_equal(ct.len + pt.len, 0);
    sr_hpke_ctx_free(s);
    sr_hpke_ctx_free(r);
    fx_cleanup(&f);
}

static void bad_recipient_keys(void **state)
{
    (void)state;
    for (size_t k = 0; k < FX_COUNT(fx_kems); k++) {
        struct fixture f;
        struct sr_hpke_ctx *ctx = NULL;
        uint8_t zero[SR_KEM_PK_MAX] = { 0 };
        fx_init(&f, fx_kems[k], 0x0001, 0x0001);
        size_t npk = f.suite.kem->pk_len;
        assert_int_equal(sr_hpke_setup_sender(&f.suite, SR_HPKE_MODE_BASE,
                                              sr_slice_of(f.pk_r, npk - 1), fx_none(), NULL,
                                              fx_none(), f.enc, &ctx),
                         SR_ERR_DECODE);
        assert_int_equal(sr_hpke_setup_sender(&f.suite, SR_HPKE_MODE_BASE, sr_slice_of(zero, npk),
                                              fx_none(), NULL, fx_none(), f.enc, &ctx),
                         SR_ERR_INVALID);
        assert_null(ctx);
        fx_cleanup(&f);
    }
}

static void suite_lookup(void **state)
{
    (void)state;
    struct sr_hpke_suite s;
    assert_int_equal(sr_hpke_suite_from_ids(0x0020, 0x0001, 0x0001, &s), SR_OK);
    assert_int_equal(sr_hpke_suite_from_ids(0x0030, 0x0001, 0x0001, &s), SR_ERR_UNSUPPORTED);
    assert_null(s.kem);
    assert_int_equal(sr_hpke_suite_from_ids(0x0020, 0x0004, 0x0001, &s), SR_ERR_UNSUPPORTED);
    assert_int_equal(sr_hpke_suite_from_ids(0x0020, 0x0001, 0x0004, &s), SR_ERR_UNSUPPORTED);
    for (uint16_t id = 1; id <= 7; id++) {
        const struct sr_suite *ms = sr_suite_get(id);
        assert_non_null(ms);
        s = sr_hpke_suite_of(ms);
        assert_ptr_equal(s.kem, ms->kem);
        assert_ptr_equal(s.kdf, ms->hash);
        assert_ptr_equal(s.aead, ms->aead);
    }
}

static void single_shot(void **state)
{
    (void)state;
    for (size_t k = 0; k < FX_COUNT(fx_kems); k++) {
        struct fixture f;
        struct sr_buf ct = { 0 }, pt = { 0 };
        fx_init(&f, fx_kems[k], fx_kdfs[k % 3], fx_aeads[k % 3]);
        struct sr_slice pkr = sr_slice_of(f.pk_r, f.suite.kem->pk_len);
        struct sr_slice enc = sr_slice_of(f.enc, f.suite.kem->enc_len);
        struct sr_slice skr = sr_secret_slice(&f.sk_r);
        assert_int_equal(sr_buf_append(&ct, "pre", 3), SR_OK);
        assert_int_equal(sr_hpke_seal_base(&f.suite, pkr, fx_str("info"), fx_str("aad"),
                                           fx_str("single shot"), f.enc, &ct),
                         SR_OK);
        struct sr_slice body = sr_slice_of(ct.p + 3, ct.len - 3);
        assert_int_equal(
                sr_hpke_open_base(&f.suite, enc, skr, fx_str("info"), fx_str("aad"), body, &pt),
                SR_OK);
        assert_int_equal(pt.len, 11);
        assert_memory_equal(pt.p, "single shot", 11);
        /* The single-shot ciphertext is a context's first message (§6). */
        struct sr_hpke_ctx *r = NULL;
        assert_int_equal(sr_hpke_setup_recipient(&f.suite, SR_HPKE_MODE_BASE, enc, skr,
                                                 fx_str("info"), NULL, &r),
                         SR_OK);
        sr_buf_reset(&pt);
        assert_int_equal(sr_hpke_open(r, fx_str("aad"), body, &pt), SR_OK);
        sr_hpke_ctx_free(r);
        sr_buf_reset(&pt);
        assert_int_equal(
                sr_hpke_open_base(&f.suite, enc, skr, fx_str("infO"), fx_str("aad"), body, &pt),
                SR_ERR_AUTH);
        assert_int_equal(
                sr_hpke_open_base(&f.suite, enc, skr, fx_str("info"), fx_none(), body, &pt),
                SR_ERR_AUTH);
        assert_int_equal(sr_hpke_open_base(&f.suite, enc, skr, fx_str("info"), fx_str("aad"),
                                           sr_slice_of(body.p, 15), &pt),
                         SR_ERR_AUTH);
        assert_int_equal(pt.len, 0);
        sr_buf_cleanup(&ct);
        sr_buf_cleanup(&pt);
        fx_cleanup(&f);
    }
}

struct alloc_case {
    struct fixture f;
    struct sr_hpke_ctx *s;
};

static sr_err alloc_op(void *arg)
{
    struct alloc_case *c = arg;
    struct sr_hpke_mode_args a = fx_args(&c->f, SR_HPKE_MODE_AUTH_PSK, true);
    /* A long info takes the labelled-input heap path as well. */
    static uint8_t info[2048];
    sr_err err = sr_hpke_setup_sender(
            &c->f.suite, SR_HPKE_MODE_AUTH_PSK, sr_slice_of(c->f.pk_r, c->f.suite.kem->pk_len),
            sr_slice_of(info, sizeof(info)), &a, fx_none(), c->f.enc, &c->s);
    if (err != SR_OK) {
        assert_null(c->s);
    }
    return err;
}

static void alloc_reset(void *arg)
{
    struct alloc_case *c = arg;
    sr_hpke_ctx_free(c->s);
    c->s = NULL;
}

static void allocation_failures(void **state)
{
    (void)state;
    struct alloc_case c = { .s = NULL };
    fx_init(&c.f, 0x0010, 0x0001, 0x0002);
    assert_true(sr_test_each_alloc_failure(alloc_op, alloc_reset, &c) >= 2);
    fx_cleanup(&c.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(psk_inputs),         cmocka_unit_test(export_only),
        cmocka_unit_test(bad_recipient_keys), cmocka_unit_test(suite_lookup),
        cmocka_unit_test(single_shot),        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
