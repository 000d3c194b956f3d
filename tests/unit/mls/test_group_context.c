/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GroupContext codec (RFC 9420 §8.1): the official encoding round-trips byte for byte;
 * truncation at every offset, trailing bytes and over-long fields are rejected with the
 * output zeroed and the reader not moved; encoding fails cleanly when allocation does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mls/wire_group_context.h"
#include "testutil.h"

/* Epoch 0 of suite 1 in key-schedule.json. */
#define GC                                                                                   \
    "0001000120a897b53575b4dd35fed4466e4e714bfa949eaa72e616a9c68a47b39cb7a60d2e000000000000" \
    "0000209769e302a99c457350a8e636009b12a2fee068664004606d6318eb3a1977d818205e57c9364dc71f" \
    "0f71b19ffe561ab77257c490708a47e29f8f73f2b318201d2f00"

static bool is_zero(const struct sr_mls_group_context *gc)
{
    static const struct sr_mls_group_context zero = { 0 };
    return memcmp(gc, &zero, sizeof(zero)) == 0;
}

static void round_trip(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 };
    struct sr_mls_group_context gc;
    sr_test_hex(GC, &in);
    assert_int_equal(sr_mls_group_context_decode(sr_buf_slice(&in), &gc), SR_OK);
    assert_int_equal(gc.version, SR_MLS_VERSION_10);
    assert_int_equal(gc.cipher_suite, 1);
    assert_int_equal(gc.group_id.len, 32);
    assert_int_equal(gc.epoch, 0);
    assert_int_equal(gc.tree_hash.len, 32);
    assert_int_equal(gc.confirmed_transcript_hash.len, 32);
    assert_int_equal(gc.extensions.len, 0);
    assert_int_equal(sr_mls_group_context_encode(&gc, &out), SR_OK);
    assert_int_equal(out.len, in.len);
    assert_memory_equal(out.p, in.p, in.len);
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

static void with_extensions(void **state)
{
    (void)state;
    static const uint8_t ext[] = { 0x00, 0x02, 0x03, 0xaa, 0xbb, 0xcc }; /* one opaque item */
    struct sr_mls_group_context gc = { SR_MLS_VERSION_10,
                                       3,
                                       sr_slice_of("gid", 3),
                                       0x0102030405060708u,
                                       sr_slice_of("th", 2),
                                       sr_slice_of(NULL, 0),
                                       sr_slice_of(ext, sizeof(ext)) };
    struct sr_buf out = { 0 };
    struct sr_mls_group_context back;
    assert_int_equal(sr_mls_group_context_encode(&gc, &out), SR_OK);
    assert_int_equal(sr_mls_group_context_decode(sr_buf_slice(&out), &back), SR_OK);
    assert_int_equal(back.epoch, gc.epoch);
    assert_int_equal(back.extensions.len, sizeof(ext));
    assert_memory_equal(back.extensions.p, ext, sizeof(ext));
    assert_int_equal(back.confirmed_transcript_hash.len, 0);
    sr_buf_cleanup(&out);
}

static void truncated_and_trailing(void **state)
{
    (void)state;
    struct sr_buf in = { 0 };
    struct sr_mls_group_context gc;
    sr_test_hex(GC, &in);
    for (size_t n = 0; n < in.len; n++) {
        struct sr_reader r;
        sr_reader_init(&r, sr_slice_of(in.p, n));
        memset(&gc, 0xaa, sizeof(gc));
        assert_int_equal(sr_mls_group_context_read(&r, &gc), SR_ERR_DECODE);
        assert_true(is_zero(&gc));
        assert_ptr_equal(r.p, in.p); /* nothing consumed */
    }
    assert_int_equal(sr_buf_append(&in, "", 1), SR_OK);
    memset(&gc, 0xaa, sizeof(gc));
    assert_int_equal(sr_mls_group_context_decode(sr_buf_slice(&in), &gc), SR_ERR_DECODE);
    assert_true(is_zero(&gc));
    sr_buf_cleanup(&in);
}

static void over_long_fields(void **state)
{
    (void)state;
    static uint8_t big[SR_MLS_MAX_GROUP_ID + 1];
    struct sr_mls_group_context gc = { SR_MLS_VERSION_10,
                                       1,
                                       sr_slice_of(big, sizeof(big)),
                                       1,
                                       sr_slice_of(big, 32),
                                       sr_slice_of(big, 32),
                                       sr_slice_of(NULL, 0) };
    struct sr_buf out = { 0 };
    struct sr_mls_group_context back;
    assert_int_equal(sr_mls_group_context_encode(&gc, &out), SR_OK);
    assert_int_equal(sr_mls_group_context_decode(sr_buf_slice(&out), &back), SR_ERR_LIMIT);
    assert_true(is_zero(&back));
    gc.group_id.len = 4;
    gc.tree_hash.len = SR_MLS_MAX_HASH + 1;
    sr_buf_reset(&out);
    assert_int_equal(sr_mls_group_context_encode(&gc, &out), SR_OK);
    assert_int_equal(sr_mls_group_context_decode(sr_buf_slice(&out), &back), SR_ERR_LIMIT);
    sr_buf_cleanup(&out);
}

struct enc_op {
    struct sr_mls_group_context gc;
    struct sr_buf out;
};

static sr_err enc_run(void *arg)
{
    struct enc_op *op = arg;
    return sr_mls_group_context_encode(&op->gc, &op->out);
}

static void enc_reset(void *arg)
{
    struct enc_op *op = arg;
    sr_buf_cleanup(&op->out);
}

static void encode_alloc_failures(void **state)
{
    (void)state;
    struct sr_buf in = { 0 };
    struct enc_op op = { 0 };
    sr_test_hex(GC, &in);
    assert_int_equal(sr_mls_group_context_decode(sr_buf_slice(&in), &op.gc), SR_OK);
    assert_true(sr_test_each_alloc_failure(enc_run, enc_reset, &op) > 0);
    sr_buf_cleanup(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(with_extensions),
        cmocka_unit_test(truncated_and_trailing),
        cmocka_unit_test(over_long_fields),
        cmocka_unit_test(encode_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
