/* SPDX-License-Identifier: Apache-2.0 */
/* SFrame header (RFC 9605 §4.3): every length form, minimality, truncation, canonical form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/sframe.h>

#include "sframe/header.h"
#include "testutil.h"

/* 0..7, then the smallest and largest value of every byte length 1..8. */
static size_t sample_values(uint64_t *v)
{
    size_t n = 0;
    for (uint64_t i = 0; i < 8; i++) {
        v[n++] = i;
    }
    v[n++] = 8;
    for (unsigned len = 1; len <= 8; len++) {
        if (len > 1) {
            v[n++] = (uint64_t)1 << (8 * (len - 1));
        }
        v[n++] = len == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * len)) - 1;
    }
    return n;
}

static size_t expected_len(uint64_t v)
{
    size_t n = 0;
    if (v < 8) {
        return 0;
    }
    while (v != 0) {
        n++;
        v >>= 8;
    }
    return n;
}

static void round_trip_every_form(void **state)
{
    (void)state;
    uint64_t v[32];
    size_t n = sample_values(v);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            uint8_t buf[SR_SFRAME_HEADER_MAX + 4];
            memset(buf, 0xaa, sizeof(buf));
            size_t len = 0;
            assert_int_equal(sr_sframe_header_encode(v[i], v[j], buf, SR_SFRAME_HEADER_MAX, &len),
                             SR_OK);
            assert_int_equal(len, 1 + expected_len(v[i]) + expected_len(v[j]));
            assert_int_equal(len, sr_sframe_header_size(v[i], v[j]));
            struct sr_sframe_header h;
            assert_int_equal(sr_sframe_header_decode(sr_slice_of(buf, len), &h), SR_OK);
            assert_true(h.kid == v[i] && h.ctr == v[j]);
            assert_int_equal(h.len, len);
            /* trailing bytes are the ciphertext: not read, not counted */
            assert_int_equal(sr_sframe_header_decode(sr_slice_of(buf, len + 4), &h), SR_OK);
            assert_true(h.kid == v[i] && h.ctr == v[j] && h.len == len);
            /* too small a buffer for the encoding */
            size_t short_len = 0;
            assert_int_equal(sr_sframe_header_encode(v[i], v[j], buf, len - 1, &short_len),
                             SR_ERR_BUFFER_TOO_SMALL);
        }
    }
}

static void known_encodings(void **state)
{
    (void)state;
    static const struct {
        uint64_t kid, ctr;
        const char *hex;
    } cases[] = {
        { 0, 0, "00" },
        { 7, 7, "77" },
        { 0, 8, "0808" },
        { 8, 0, "8008" },
        { 0x123, 0x4567, "9901234567" },
        { UINT64_MAX, UINT64_MAX, "ffffffffffffffffffffffffffffffffff" },
    };
    struct sr_buf want = { 0 };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[SR_SFRAME_HEADER_MAX];
        size_t len = 0;
        sr_test_hex(cases[i].hex, &want);
        assert_int_equal(
                sr_sframe_header_encode(cases[i].kid, cases[i].ctr, buf, sizeof(buf), &len), SR_OK);
        assert_int_equal(len, want.len);
        assert_memory_equal(buf, want.p, len);
    }
    sr_buf_cleanup(&want);
}

static void rejects_non_minimal(void **state)
{
    (void)state;
    /* RFC 9605 §4.3: 0-7 MUST sit in the config byte; longer values MUST be minimal. */
    static const char *bad[] = {
        "8000",                 /* KID 0 in an extended byte */
        "8007",                 /* KID 7 in an extended byte */
        "0800",                 /* CTR 0 extended */
        "0807",                 /* CTR 7 extended */
        "900008",               /* KID 8 in two bytes */
        "09000f",               /* CTR 15 in two bytes */
        "f0000000000000000008", /* KID 8 in eight bytes */
        "0f0000000000000000ff", /* CTR 255 in eight bytes */
        "99000800ff",           /* both with leading zeros */
    };
    struct sr_buf in = { 0 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sr_test_hex(bad[i], &in);
        struct sr_sframe_header h = { 1, 1, 1 };
        assert_int_equal(sr_sframe_header_decode(sr_buf_slice(&in), &h), SR_ERR_DECODE);
        assert_true(h.kid == 0 && h.ctr == 0 && h.len == 0);
    }
    /* every leading-zero form of every length, for the KID and for the CTR */
    for (unsigned len = 2; len <= 8; len++) {
        uint8_t k[SR_SFRAME_HEADER_MAX] = { 0 }, c[SR_SFRAME_HEADER_MAX] = { 0 };
        k[0] = (uint8_t)(0x80u | ((len - 1) << 4));
        k[len] = 0xff;
        c[0] = (uint8_t)(0x08u | (len - 1));
        c[len] = 0xff;
        struct sr_sframe_header h;
        assert_int_equal(sr_sframe_header_decode(sr_slice_of(k, 1 + len), &h), SR_ERR_DECODE);
        assert_int_equal(sr_sframe_header_decode(sr_slice_of(c, 1 + len), &h), SR_ERR_DECODE);
    }
    sr_buf_cleanup(&in);
}

static void rejects_truncation_at_every_offset(void **state)
{
    (void)state;
    uint8_t buf[SR_SFRAME_HEADER_MAX];
    size_t len = 0;
    assert_int_equal(sr_sframe_header_encode(0x0102030405060708u, 0x1112131415161718u, buf,
                                             sizeof(buf), &len),
                     SR_OK);
    assert_int_equal(len, SR_SFRAME_HEADER_MAX);
    for (size_t cut = 0; cut < len; cut++) {
        struct sr_sframe_header h;
        assert_int_equal(sr_sframe_header_decode(sr_slice_of(buf, cut), &h), SR_ERR_DECODE);
    }
    struct sr_sframe_header h;
    assert_int_equal(sr_sframe_header_decode(sr_slice_of(NULL, 0), &h), SR_ERR_DECODE);
}

/* Every config byte with every filler: whatever decodes re-encodes to the same bytes. */
static void canonical_decode_encode(void **state)
{
    (void)state;
    static const uint8_t fillers[] = { 0x00, 0x01, 0x07, 0x08, 0x80, 0xff };
    for (unsigned config = 0; config < 256; config++) {
        for (size_t f = 0; f < sizeof(fillers); f++) {
            uint8_t in[SR_SFRAME_HEADER_MAX + 1];
            memset(in, fillers[f], sizeof(in));
            in[0] = (uint8_t)config;
            struct sr_sframe_header h;
            if (sr_sframe_header_decode(sr_slice_of(in, sizeof(in)), &h) != SR_OK) {
                continue;
            }
            uint8_t out[SR_SFRAME_HEADER_MAX];
            size_t len = 0;
            assert_int_equal(sr_sframe_header_encode(h.kid, h.ctr, out, sizeof(out), &len), SR_OK);
            assert_int_equal(len, h.len);
            assert_memory_equal(out, in, len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_every_form),
        cmocka_unit_test(known_encodings),
        cmocka_unit_test(rejects_non_minimal),
        cmocka_unit_test(rejects_truncation_at_every_offset),
        cmocka_unit_test(canonical_decode_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
