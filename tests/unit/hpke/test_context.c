/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HPKE contexts (RFC 9180 §5.2, §5.3): round trips in all four modes for every KEM, KDF
 * and AEAD; tampering fails with SR_ERR_AUTH and leaves the sequence number alone;
 * sequence exhaustion; roles; seal/open without allocation.
 */
#include "core/alloc.h"
#include "hpke_fixture.h"
#include "testutil.h"

static const enum sr_hpke_mode modes[] = { SR_HPKE_MODE_BASE, SR_HPKE_MODE_PSK, SR_HPKE_MODE_AUTH,
                                           SR_HPKE_MODE_AUTH_PSK };

static void seal_ok(struct sr_hpke_ctx *s, const char *aad, const char *pt, struct sr_buf *ct)
{
    sr_buf_reset(ct);
    assert_int_equal(sr_hpke_seal(s, fx_str(aad), fx_str(pt), ct), SR_OK);
}

static void open_ok(struct sr_hpke_ctx *r, const char *aad, const struct sr_buf *ct,
                    const char *want)
{
    struct sr_buf pt = { 0 };
    assert_int_equal(sr_hpke_open(r, fx_str(aad), sr_buf_slice(ct), &pt), SR_OK);
    assert_int_equal(pt.len, strlen(want));
    if (pt.len) {
        assert_memory_equal(pt.p, want, pt.len);
    }
    sr_buf_cleanup(&pt);
}

static void check_exports_agree(struct sr_hpke_ctx *s, struct sr_hpke_ctx *r)
{
    uint8_t a[80], b[80];
    assert_int_equal(sr_hpke_export(s, fx_str("ctx"), a, sizeof(a)), SR_OK);
    assert_int_equal(sr_hpke_export(r, fx_str("ctx"), b, sizeof(b)), SR_OK);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(sr_hpke_export(r, fx_str("other"), b, sizeof(b)), SR_OK);
    assert_memory_not_equal(a, b, sizeof(a));
}

static void round_trip_one(struct fixture *f, enum sr_hpke_mode mode)
{
    struct sr_hpke_ctx *s = NULL, *r = NULL;
    struct sr_buf ct = { 0 };
    fx_setup(f, mode, &s, &r);
    check_exports_agree(s, r);
    if (f->suite.aead->hpke_id == 0xffff) {
        /* Export-only (§7.3): no Seal or Open. */
        assert_int_equal(sr_hpke_seal(s, fx_none(), fx_str("x"), &ct), SR_ERR_STATE);
        assert_int_equal(ct.len, 0);
    } else {
        static const char *msgs[] = { "first message", "", "a third, longer message body" };
        for (size_t i = 0; i < 3; i++) {
            seal_ok(s, "aad", msgs[i], &ct);
            assert_int_equal(ct.len, strlen(msgs[i]) + f->suite.aead->tag_len);
            open_ok(r, "aad", &ct, msgs[i]);
        }
    }
    sr_buf_cleanup(&ct);
    sr_hpke_ctx_free(s);
    sr_hpke_ctx_free(r);
}

static void round_trips(void **state)
{
    (void)state;
    for (size_t k = 0; k < FX_COUNT(fx_kems); k++) {
        for (size_t d = 0; d < FX_COUNT(fx_kdfs); d++) {
            for (size_t a = 0; a < FX_COUNT(fx_aeads); a++) {
                struct fixture f;
                fx_init(&f, fx_kems[k], fx_kdfs[d], fx_aeads[a]);
                for (size_t m = 0; m < FX_COUNT(modes); m++) {
                    round_trip_one(&f, modes[m]);
                }
                fx_cleanup(&f);
            }
        }
    }
}

/* Every single-byte change of ct (tag included), a changed aad and a truncated ct fail, and
 * the genuine message still opens afterwards: a failed Open does not advance seq. */
static void tamper_one(struct fixture *f, enum sr_hpke_mode mode)
{
    struct sr_hpke_ctx *s = NULL, *r = NULL;
    struct sr_buf ct = { 0 }, ct2 = { 0 }, pt = { 0 };
    fx_setup(f, mode, &s, &r);
    seal_ok(s, "aad", "secret payload", &ct);
    seal_ok(s, "aad", "second", &ct2);
    for (size_t i = 0; i < ct.len; i++) {
        ct.p[i] ^= 0x01;
        assert_int_equal(sr_hpke_open(r, fx_str("aad"), sr_buf_slice(&ct), &pt), SR_ERR_AUTH);
        assert_int_equal(pt.len, 0);
        ct.p[i] ^= 0x01;
    }
    assert_int_equal(sr_hpke_open(r, fx_str("aaD"), sr_buf_slice(&ct), &pt), SR_ERR_AUTH);
    for (size_t n = 0; n < ct.len; n++) {
        assert_int_equal(sr_hpke_open(r, fx_str("aad"), sr_slice_of(ct.p, n), &pt), SR_ERR_AUTH);
    }
    /* Out of order: message 1 under seq 0 fails too. */
    assert_int_equal(sr_hpke_open(r, fx_str("aad"), sr_buf_slice(&ct2), &pt), SR_ERR_AUTH);
    assert_int_equal(pt.len, 0);
    open_ok(r, "aad", &ct, "secret payload");
    open_ok(r, "aad", &ct2, "second");
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&ct2);
    sr_buf_cleanup(&pt);
    sr_hpke_ctx_free(s);
    sr_hpke_ctx_free(r);
}

static void tampering(void **state)
{
    (void)state;
    for (size_t k = 0; k < FX_COUNT(fx_kems); k++) {
        for (size_t a = 0; a < 3; a++) {
            struct fixture f;
            fx_init(&f, fx_kems[k], 0x0001, fx_aeads[a]);
            for (size_t m = 0; m < FX_COUNT(modes); m++) {
                tamper_one(&f, modes[m]);
            }
            fx_cleanup(&f);
        }
    }
}

/* A changed enc either fails Decap (an invalid NIST point: SR_ERR_INVALID) or gives a
 * context whose Open fails with SR_ERR_AUTH. */
static void tampered_enc(void **state)
{
    (void)state;
    for (size_t k = 0; k < FX_COUNT(fx_kems); k++) {
        struct fixture f;
        struct sr_hpke_ctx *s = NULL, *r = NULL, *r2 = NULL;
        struct sr_buf ct = { 0 }, pt = { 0 };
        fx_init(&f, fx_kems[k], 0x0001, 0x0001);
        fx_setup(&f, SR_HPKE_MODE_BASE, &s, &r);
        seal_ok(s, "", "hello", &ct);
        size_t enc_len = f.suite.kem->enc_len;
        for (size_t i = 0; i < enc_len; i += 7) {
            f.enc[i] ^= 0x80;
            sr_err err = sr_hpke_setup_recipient(
                    &f.suite, SR_HPKE_MODE_BASE, sr_slice_of(f.enc, enc_len),
                    sr_secret_slice(&f.sk_r), fx_str("fixture info"), NULL, &r2);
            if (err == SR_OK) {
                assert_int_equal(sr_hpke_open(r2, fx_none(), sr_buf_slice(&ct), &pt), SR_ERR_AUTH);
                sr_hpke_ctx_free(r2);
            } else {
                assert_true(f.suite.kem->is_nist);
                assert_true(err == SR_ERR_INVALID || err == SR_ERR_DECODE);
                assert_null(r2);
            }
            f.enc[i] ^= 0x80;
        }
        open_ok(r, "", &ct, "hello");
        sr_buf_cleanup(&ct);
        sr_buf_cleanup(&pt);
        sr_hpke_ctx_free(s);
        sr_hpke_ctx_free(r);
        fx_cleanup(&f);
    }
}

static void sequence_exhaustion(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_hpke_ctx *s = NULL, *r = NULL;
    struct sr_buf ct = { 0 }, pt = { 0 };
    fx_init(&f, 0x0020, 0x0001, 0x0003);
    fx_setup(&f, SR_HPKE_MODE_BASE, &s, &r);
    /* Crossing from the low to the high 64-bit word keeps both sides in step. */
    sr_hpke_ctx_set_seq(s, 0, UINT64_MAX);
    sr_hpke_ctx_set_seq(r, 0, UINT64_MAX);
    for (int i = 0; i < 2; i++) {
        seal_ok(s, "", "carry", &ct);
        open_ok(r, "", &ct, "carry");
    }
    /* 2^96 - 2 is the last sequence number that can be used (§5.2 IncrementSeq). */
    sr_hpke_ctx_set_seq(s, 0xffffffffu, UINT64_MAX - 1);
    sr_hpke_ctx_set_seq(r, 0xffffffffu, UINT64_MAX - 1);
    seal_ok(s, "", "last", &ct);
    open_ok(r, "", &ct, "last");
    sr_buf_reset(&ct);
    assert_int_equal(sr_hpke_seal(s, fx_none(), fx_str("one too many"), &ct), SR_ERR_EXHAUSTED);
    assert_int_equal(ct.len, 0);
    assert_int_equal(sr_hpke_open(r, fx_none(), fx_str("0123456789abcdef0"), &pt),
                     SR_ERR_EXHAUSTED);
    assert_int_equal(pt.len, 0);
    /* Export keeps working on an exhausted context. */
    check_exports_agree(s, r);
    /* A message under the last usable number, opened on the other side, still verifies. */
    sr_hpke_ctx_set_seq(s, 0xffffffffu, UINT64_MAX - 1);
    seal_ok(s, "", "again", &ct);
    sr_hpke_ctx_set_seq(r, 0xffffffffu, UINT64_MAX - 1);
    open_ok(r, "", &ct, "again");
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&pt);
    sr_hpke_ctx_free(s);
    sr_hpke_ctx_free(r);
    fx_cleanup(&f);
}

static void roles(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_hpke_ctx *s = NULL, *r = NULL;
    struct sr_buf ct = { 0 }, pt = { 0 };
    fx_init(&f, 0x0010, 0x0001, 0x0001);
    fx_setup(&f, SR_HPKE_MODE_BASE, &s, &r);
    /* §5.2: "The sender's context MUST NOT be used for decryption", and vice versa. */
    assert_int_equal(sr_hpke_seal(r, fx_none(), fx_str("x"), &ct), SR_ERR_STATE);
    seal_ok(s, "", "x", &ct);
    assert_int_equal(sr_hpke_open(s, fx_none(), sr_buf_slice(&ct), &pt), SR_ERR_STATE);
    open_ok(r, "", &ct, "x");
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&pt);
    sr_hpke_ctx_free(s);
    sr_hpke_ctx_free(r);
    fx_cleanup(&f);
}

/* With every allocation set to fail, seal and open into caller memory still work. */
static void no_allocation(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_hpke_ctx *s = NULL, *r = NULL;
    uint8_t ct_mem[64], pt_mem[64];
    struct sr_buf ct, pt;
    fx_init(&f, 0x0020, 0x0001, 0x0001);
    fx_setup(&f, SR_HPKE_MODE_BASE, &s, &r);
    for (int i = 0; i < 4; i++) {
        sr_buf_init_fixed(&ct, ct_mem, sizeof(ct_mem));
        sr_buf_init_fixed(&pt, pt_mem, sizeof(pt_mem));
        sr_alloc_fail_at(0);
        assert_int_equal(sr_hpke_seal(s, fx_str("a"), fx_str("no malloc"), &ct), SR_OK);
        assert_int_equal(sr_hpke_open(r, fx_str("a"), sr_buf_slice(&ct), &pt), SR_OK);
        assert_false(sr_alloc_failed());
        sr_alloc_fail_at(-1);
        assert_int_equal(pt.len, 9);
    }
    /* A fixed buffer that is too small is refused, and seq does not move. */
    sr_buf_init_fixed(&ct, ct_mem, 20);
    assert_int_equal(sr_hpke_seal(s, fx_none(), fx_str("0123456789"), &ct),
                     SR_ERR_BUFFER_TOO_SMALL);
    sr_buf_init_fixed(&ct, ct_mem, sizeof(ct_mem));
    assert_int_equal(sr_hpke_seal(s, fx_none(), fx_str("0123"), &ct), SR_OK);
    sr_buf_init_fixed(&pt, pt_mem, 3);
    assert_int_equal(sr_hpke_open(r, fx_none(), sr_buf_slice(&ct), &pt), SR_ERR_BUFFER_TOO_SMALL);
    sr_buf_init_fixed(&pt, pt_mem, sizeof(pt_mem));
    assert_int_equal(sr_hpke_open(r, fx_none(), sr_buf_slice(&ct), &pt), SR_OK);
    sr_hpke_ctx_free(s);
    sr_hpke_ctx_free(r);
    fx_cleanup(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trips),  cmocka_unit_test(tampering),
        cmocka_unit_test(tampered_enc), cmocka_unit_test(sequence_exhaustion),
        cmocka_unit_test(roles),        cmocka_unit_test(no_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
