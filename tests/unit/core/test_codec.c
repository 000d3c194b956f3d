/* SPDX-License-Identifier: Apache-2.0 */
/* Codec: MLS varints, strict scalars, vectors, canonical round trips, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "testutil.h"

static void varint_forms(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        uint32_t value;
    } ok[] = {
        { "00", 0 },
        { "25", 37 },
        { "3f", 63 },
        { "4040", 64 },
        { "7bbd", 15293 },
        { "7fff", 16383 },
        { "80004000", 16384 },
        { "9d7f3e7d", 494878333 },
        { "bfffffff", SR_VARINT_MAX },
    };
    struct sr_buf in = { 0 }, out = { 0 };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        sr_test_hex(ok[i].hex, &in);
        struct sr_reader r;
        sr_reader_init(&r, sr_buf_slice(&in));
        uint32_t v = 0;
        assert_int_equal(sr_read_varint(&r, &v), SR_OK);
        assert_int_equal(v, ok[i].value);
        assert_int_equal(sr_reader_done(&r), SR_OK);
        sr_buf_reset(&out);
        assert_int_equal(sr_write_varint(&out, v), SR_OK);
        assert_int_equal(out.len, in.len);
        assert_memory_equal(out.p, in.p, in.len);
    }
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

static void varint_rejects(void **state)
{
    (void)state;
    /* non-minimal forms, the reserved 0b11 prefix, and truncations */
    static const char *bad[] = { "4000", "403f", "80000000", "80003fff", "c0", "ff00000000000000",
                                 "40",   "80",   "800040",   "" };
    struct sr_buf in = { 0 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sr_test_hex(bad[i], &in);
        struct sr_reader r;
        sr_reader_init(&r, sr_buf_slice(&in));
        uint32_t v = 7;
        assert_int_equal(sr_read_varint(&r, &v), SR_ERR_DECODE);
        assert_int_equal(v, 7);
        assert_ptr_equal(r.p, in.p); /* nothing consumed */
    }
    struct sr_buf out = { 0 };
    assert_int_equal(sr_write_varint(&out, (uint64_t)SR_VARINT_MAX + 1), SR_ERR_LIMIT);
    assert_int_equal(out.len, 0);
    sr_buf_cleanup(&in);
}

static void strict_scalars(void **state)
{
    (void)state;
    const uint8_t two = 2, one = 1;
    struct sr_reader r;
    bool b;
    sr_reader_init(&r, sr_slice_of(&two, 1));
    assert_int_equal(sr_read_bool(&r, &b), SR_ERR_DECODE);
    sr_reader_init(&r, sr_slice_of(&two, 1));
    assert_int_equal(sr_read_optional(&r, &b), SR_ERR_DECODE);
    sr_reader_init(&r, sr_slice_of(&one, 1));
    assert_int_equal(sr_read_bool(&r, &b), SR_OK);
    assert_true(b);

    const uint8_t be[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    sr_reader_init(&r, sr_slice_of(be, 8));
    assert_int_equal(sr_read_u16(&r, &v16), SR_OK);
    assert_int_equal(v16, 0x0102);
    assert_int_equal(sr_read_u32(&r, &v32), SR_OK);
    assert_int_equal(v32, 0x03040506);
    assert_int_equal(sr_read_u32(&r, &v32), SR_ERR_DECODE); /* only 2 left */
    sr_reader_init(&r, sr_slice_of(be, 8));
    assert_int_equal(sr_read_u64(&r, &v64), SR_OK);
    assert_true(v64 == 0x0102030405060708ull);
    assert_int_equal(sr_reader_done(&r), SR_OK);
}

/* A vector of two opaque items: decode, re-encode, truncate at every offset. */
static void vectors_round_trip_and_truncation(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 };
    sr_test_hex("07026162036364650000", &in); /* vector{"ab","cde"} then trailing 00 00 */
    in.len -= 2;
    for (size_t cut = 0; cut <= in.len; cut++) {
        struct sr_reader r, sub;
        sr_reader_init(&r, sr_slice_of(in.p, cut));
        sr_err err = sr_read_vector_v(&r, 100, &sub);
        if (cut < in.len) {
            assert_int_equal(err, SR_ERR_DECODE);
            continue;
        }
        assert_int_equal(err, SR_OK);
        struct sr_slice a, b;
        assert_int_equal(sr_read_opaque_v(&sub, 10, &a), SR_OK);
        assert_int_equal(sr_read_opaque_v(&sub, 10, &b), SR_OK);
        assert_int_equal(sr_reader_done(&sub), SR_OK);
        assert_memory_equal(a.p, "ab", 2);
        assert_memory_equal(b.p, "cde", 3);
        struct sr_vec_mark mark;
        assert_int_equal(sr_write_vector_begin(&out, &mark), SR_OK);
        assert_int_equal(sr_write_slice_v(&out, a), SR_OK);
        assert_int_equal(sr_write_slice_v(&out, b), SR_OK);
        assert_int_equal(sr_write_vector_end(&out, &mark), SR_OK);
        assert_int_equal(out.len, in.len);
        assert_memory_equal(out.p, in.p, in.len);
    }
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

static void vector_caps_and_leftovers(void **state)
{
    (void)state;
    const uint8_t v[] = { 0x03, 'a', 'b', 'c', 0x00 };
    struct sr_reader r, sub;
    struct sr_slice s;
    sr_reader_init(&r, sr_slice_of(v, sizeof(v)));
    assert_int_equal(sr_read_opaque_v(&r, 2, &s), SR_ERR_LIMIT);
    assert_ptr_equal(r.p, v); /* unchanged on error */
    assert_int_equal(sr_read_opaque_v(&r, 3, &s), SR_OK);
    assert_int_equal(sr_reader_done(&r), SR_ERR_DECODE); /* one byte left */
    /* A sub-reader whose item does not fill it exactly is rejected by reader_done. */
    const uint8_t w[] = { 0x03, 0x01, 'x', 'y' };
    sr_reader_init(&r, sr_slice_of(w, sizeof(w)));
    assert_int_equal(sr_read_vector_v(&r, 10, &sub), SR_OK);
    assert_int_equal(sr_read_opaque_v(&sub, 10, &s), SR_OK);
    assert_int_equal(sr_reader_done(&sub), SR_ERR_DECODE);
    /* A length that claims more than the input. */
    const uint8_t x[] = { 0x40, 0x10, 'a' };
    sr_reader_init(&r, sr_slice_of(x, sizeof(x)));
    assert_int_equal(sr_read_opaque_v(&r, 1000, &s), SR_ERR_DECODE);
}

/* sr_write_vector_end widens the length when a body passes 63 and 16383 bytes. */
static void long_vectors_use_wider_lengths(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 63, 64, 16383, 16384, 70000 };
    struct sr_buf out = { 0 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        sr_buf_reset(&out);
        struct sr_vec_mark mark;
        assert_int_equal(sr_write_vector_begin(&out, &mark), SR_OK);
        for (size_t j = 0; j < sizes[i]; j++) {
            assert_int_equal(sr_write_u8(&out, (uint8_t)j), SR_OK);
        }
        assert_int_equal(sr_write_vector_end(&out, &mark), SR_OK);
        assert_int_equal(out.len, sizes[i] + sr_varint_size(sizes[i]));
        struct sr_reader r;
        struct sr_slice s;
        sr_reader_init(&r, sr_buf_slice(&out));
        assert_int_equal(sr_read_opaque_v(&r, SR_VARINT_MAX, &s), SR_OK);
        assert_int_equal(s.len, sizes[i]);
        for (size_t j = 0; j < sizes[i]; j++) {
            assert_int_equal(s.p[j], (uint8_t)j);
        }
        assert_int_equal(sr_reader_done(&r), SR_OK);
    }
    sr_buf_cleanup(&out);
}

static void fixed_buffers_do_not_grow(void **state)
{
    (void)state;
    uint8_t mem[4];
    struct sr_buf w;
    sr_buf_init_fixed(&w, mem, sizeof(mem));
    assert_int_equal(sr_write_u32(&w, 0xdeadbeef), SR_OK);
    assert_int_equal(sr_write_u8(&w, 1), SR_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(w.len, 4);
    sr_buf_cleanup(&w);
    struct sr_buf capped;
    sr_buf_init(&capped, 3, 0);
    assert_int_equal(sr_write_u32(&capped, 1), SR_ERR_LIMIT);
    assert_int_equal(capped.len, 0);
    sr_buf_cleanup(&capped);
}

struct grow_arg {
    struct sr_buf b;
};

static sr_err grow_op(void *arg)
{
    struct grow_arg *g = arg;
    for (int i = 0; i < 1000; i++) {
        SR_TRY(sr_write_u32(&g->b, (uint32_t)i));
    }
    return SR_OK;
}

static void grow_reset(void *arg)
{
    struct grow_arg *g = arg;
    sr_buf_cleanup(&g->b);
}

static void allocation_failures(void **state)
{
    (void)state;
    struct grow_arg g;
    sr_buf_init(&g.b, 0, SR_BUF_WIPE);
    assert_true(sr_test_each_alloc_failure(grow_op, grow_reset, &g) > 0);
}

static void hex(void **state)
{
    (void)state;
    struct sr_buf b = { 0 };
    assert_int_equal(sr_hex_decode("0aFf", 4, &b), SR_OK);
    assert_int_equal(b.len, 2);
    assert_int_equal(b.p[1], 0xff);
    assert_int_equal(sr_hex_decode("abc", 3, &b), SR_ERR_DECODE);
    assert_int_equal(sr_hex_decode("zz", 2, &b), SR_ERR_DECODE);
    assert_int_equal(b.len, 2);
    char s[5];
    assert_int_equal(sr_hex_encode(b.p, b.len, s, sizeof(s)), SR_OK);
    assert_string_equal(s, "0aff");
    assert_int_equal(sr_hex_encode(b.p, b.len, s, 4), SR_ERR_BUFFER_TOO_SMALL);
    sr_buf_cleanup(&b);
}

static void errors_have_names(void **state)
{
    (void)state;
    assert_string_equal(sr_err_name(SR_ERR_DECODE), "SR_ERR_DECODE");
    assert_string_equal(sr_err_name(SR_OK), "SR_OK");
    assert_string_equal(sr_err_name((sr_err)999), "SR_ERR_UNKNOWN");
    assert_non_null(sr_err_str(SR_ERR_LIMIT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(varint_forms),
        cmocka_unit_test(varint_rejects),
        cmocka_unit_test(strict_scalars),
        cmocka_unit_test(vectors_round_trip_and_truncation),
        cmocka_unit_test(vector_caps_and_leftovers),
        cmocka_unit_test(long_vectors_use_wider_lengths),
        cmocka_unit_test(fixed_buffers_do_not_grow),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test(hex),
        cmocka_unit_test(errors_have_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
