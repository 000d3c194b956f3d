/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS-based SFrame keys (RFC 9605 §5.2): the KID layout of the RFC's example, receive keys
 * derived from the KID on first use, the epoch grace period and wiping, and rejections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/sframe.h>

#include "testutil.h"

#define SUITE SR_SFRAME_AES_128_GCM_SHA256_128

static uint8_t base14[16] = { 14 }, base15[16] = { 15 };

static struct sr_sframe_ctx *member(unsigned epoch_bits, uint64_t grace, size_t max_keys)
{
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, SUITE);
    opt.mls_epoch_bits = epoch_bits;
    opt.mls_grace = grace;
    opt.max_keys = max_keys;
    struct sr_sframe_ctx *ctx = NULL;
    assert_int_equal(sr_sframe_ctx_new(&opt, &ctx), SR_OK);
    return ctx;
}

static void add_epoch(struct sr_sframe_ctx *ctx, uint64_t epoch, const uint8_t *base,
                      uint32_t index, unsigned s, uint64_t now)
{
    struct sr_sframe_mls_epoch ep = {
        .epoch = epoch,
        .base_key = sr_slice_of(base, 16),
        .sender_index = index,
        .index_bits = s,
    };
    assert_int_equal(sr_sframe_ctx_mls_epoch_add(ctx, &ep, now), SR_OK);
}

static size_t send(struct sr_sframe_ctx *ctx, uint64_t context, uint8_t *out, size_t cap)
{
    uint64_t kid = 0;
    size_t len = 0;
    assert_int_equal(sr_sframe_ctx_mls_sender_kid(ctx, context, &kid), SR_OK);
    assert_int_equal(sr_sframe_ctx_protect(ctx, kid, sr_slice_of(NULL, 0), sr_slice_of("frame", 5),
                                           out, cap, &len),
                     SR_OK);
    return len;
}

static sr_err recv(struct sr_sframe_ctx *ctx, const uint8_t *frame, size_t len)
{
    uint8_t pt[64];
    size_t pt_len = 0;
    sr_err err = sr_sframe_ctx_unprotect(ctx, sr_slice_of(NULL, 0), sr_slice_of(frame, len), pt,
                                         sizeof(pt), &pt_len, NULL);
    if (err == SR_OK) {
        assert_int_equal(pt_len, 5);
        assert_memory_equal(pt, "frame", 5);
    }
    return err;
}

/* RFC 9605 §5.2 figure: E = 4, S = 6. */
static void kid_layout(void **state)
{
    (void)state;
    static const struct {
        uint64_t epoch, context, kid;
        uint32_t index;
    } cases[] = {
        { 14, 0, 0x3e, 3 },  { 14, 0, 0x7e, 7 },   { 14, 0, 0x14e, 20 },
        { 15, 0, 0x3f, 3 },  { 15, 0, 0x5f, 5 },   { 16, 2, 0x820, 2 },
        { 16, 3, 0xc20, 2 }, { 17, 0, 0x211, 33 }, { 17, 0, 0x331, 51 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sr_sframe_ctx *ctx = member(4, 0, 16);
        add_epoch(ctx, cases[i].epoch, base14, cases[i].index, 6, 0);
        uint64_t kid = 0;
        assert_int_equal(sr_sframe_ctx_mls_sender_kid(ctx, cases[i].context, &kid), SR_OK);
        assert_true(kid == cases[i].kid);
        sr_sframe_ctx_free(ctx);
    }
}

static void receiver_derives_from_kid(void **state)
{
    (void)state;
    struct sr_sframe_ctx *a = member(4, 0, 16), *b = member(4, 0, 16);
    add_epoch(a, 14, base14, 3, 6, 0);
    add_epoch(b, 14, base14, 7, 6, 0);
    uint8_t frame[64];
    size_t len = send(a, 0, frame, sizeof(frame));
    assert_int_equal(recv(b, frame, len), SR_OK);
    assert_int_equal(recv(b, frame, len), SR_ERR_REPLAY);
    /* own KIDs are protect-only */
    assert_int_equal(recv(a, frame, len), SR_ERR_NOT_FOUND);
    /* the key is derive_key_salt(KID, base_key) of §4.4.2: a plain context agrees */
    struct sr_sframe_ctx *plain = member(4, 0, 16);
    assert_int_equal(sr_sframe_ctx_key_add(plain, 0x3e, SR_SFRAME_UNPROTECT,
                                           sr_slice_of(base14, sizeof(base14))),
                     SR_OK);
    assert_int_equal(recv(plain, frame, len), SR_OK);
    /* B answers; A derives B's key */
    len = send(b, 1, frame, sizeof(frame));
    assert_int_equal(recv(a, frame, len), SR_OK);
    sr_sframe_ctx_free(a);
    sr_sframe_ctx_free(b);
    sr_sframe_ctx_free(plain);
}

static void grace_period_then_wiped(void **state)
{
    (void)state;
    struct sr_sframe_ctx *a = member(4, 100, 64), *b = member(4, 100, 64);
    add_epoch(a, 14, base14, 3, 6, 0);
    add_epoch(b, 14, base14, 7, 6, 0);
    uint8_t old1[64], old2[64], old3[64], cur[64];
    size_t l1 = send(a, 0, old1, sizeof(old1));
    size_t l2 = send(a, 0, old2, sizeof(old2));
    size_t l3 = send(a, 0, old3, sizeof(old3));
    add_epoch(a, 15, base15, 3, 6, 10);
    add_epoch(b, 15, base15, 7, 6, 10);
    size_t lc = send(a, 0, cur, sizeof(cur));
    assert_int_equal(recv(b, cur, lc), SR_OK);
    assert_int_equal(recv(b, old1, l1), SR_OK);
    sr_sframe_ctx_mls_tick(b, 109);
    assert_int_equal(recv(b, old2, l2), SR_OK);
    sr_sframe_ctx_mls_tick(b, 110);
    /* the epoch and every key derived from it are gone */
    assert_int_equal(recv(b, old3, l3), SR_ERR_EPOCH);
    assert_int_equal(recv(b, old1, l1), SR_ERR_EPOCH);
    /* the sender's old KID is gone too once its epoch is wiped */
    sr_sframe_ctx_mls_tick(a, 110);
    size_t len = 0;
    assert_int_equal(sr_sframe_ctx_protect(a, 0x3e, sr_slice_of(NULL, 0), sr_slice_of("x", 1), old1,
                                           sizeof(old1), &len),
                     SR_ERR_NOT_FOUND);
    /* the current epoch goes on */
    lc = send(a, 0, cur, sizeof(cur));
    assert_int_equal(recv(b, cur, lc), SR_OK);
    sr_sframe_ctx_free(a);
    sr_sframe_ctx_free(b);
}

/* RFC 9605 §5.2: a new epoch with the same low E bits removes the old one at once. */
static void same_low_bits_replaced(void **state)
{
    (void)state;
    static uint8_t base2[16] = { 2 }, base3[16] = { 3 }, base4[16] = { 4 };
    struct sr_sframe_ctx *a = member(1, 1000, 64), *b = member(1, 1000, 64);
    uint8_t f2[64], f3[64], f4[64];
    add_epoch(a, 2, base2, 0, 2, 0);
    size_t l2 = send(a, 0, f2, sizeof(f2));
    add_epoch(a, 3, base3, 0, 2, 0);
    size_t l3 = send(a, 0, f3, sizeof(f3));
    add_epoch(a, 4, base4, 0, 2, 0);
    size_t l4 = send(a, 0, f4, sizeof(f4));
    add_epoch(b, 2, base2, 1, 2, 0);
    add_epoch(b, 3, base3, 1, 2, 0);
    add_epoch(b, 4, base4, 1, 2, 0);
    /* epoch 2's KID now names epoch 4, whose key does not open it */
    assert_int_equal(recv(b, f2, l2), SR_ERR_AUTH);
    assert_int_equal(recv(b, f3, l3), SR_OK);
    assert_int_equal(recv(b, f4, l4), SR_OK);
    sr_sframe_ctx_free(a);
    sr_sframe_ctx_free(b);
}

/* Forged frames for many senders: all AUTH, and none leaves a key behind. */
static void forgeries_keep_no_keys(void **state)
{
    (void)state;
    struct sr_sframe_ctx *a = member(4, 0, 16), *b = member(4, 0, 2);
    add_epoch(a, 14, base14, 3, 6, 0);
    add_epoch(b, 14, base14, 7, 6, 0);
    uint8_t frame[64];
    size_t len = send(a, 0, frame, sizeof(frame));
    /* header 0x80 | KID byte (index << 4 | epoch 14) | CTR in the config byte */
    assert_true(frame[0] == 0x80 && frame[1] == 0x3e);
    for (unsigned index = 0; index < 16; index++) {
        uint8_t forged[64];
        memcpy(forged, frame, len);
        forged[1] = (uint8_t)(index << 4 | 0x0e);
        sr_err want = index == 7 ? SR_ERR_NOT_FOUND : SR_ERR_AUTH;
        if (index != 3) {
            assert_int_equal(recv(b, forged, len), want);
        }
        forged[len - 1] ^= 1;
        assert_int_equal(recv(b, forged, len), want);
    }
    /* b holds at most 2 keys: a forgery that kept one would have filled them */
    assert_int_equal(recv(b, frame, len), SR_OK);
    /* unknown epoch bits */
    frame[1] = 0x3d; /* epoch 13 */
    assert_int_equal(recv(b, frame, len), SR_ERR_EPOCH);
    sr_sframe_ctx_free(a);
    sr_sframe_ctx_free(b);
}

static void epoch_rejections(void **state)
{
    (void)state;
    struct sr_sframe_ctx *ctx = member(4, 0, 16);
    uint64_t kid = 7;
    assert_int_equal(sr_sframe_ctx_mls_sender_kid(ctx, 0, &kid), SR_ERR_STATE);
    assert_true(kid == 0);
    struct sr_sframe_mls_epoch ep = {
        .epoch = 5,
        .base_key = sr_slice_of(base14, 15),
        .sender_index = 0,
        .index_bits = 6,
    };
    assert_int_equal(sr_sframe_ctx_mls_epoch_add(ctx, &ep, 0), SR_ERR_ARG);
    ep.base_key = sr_slice_of(base14, 16);
    ep.index_bits = 61;
    assert_int_equal(sr_sframe_ctx_mls_epoch_add(ctx, &ep, 0), SR_ERR_ARG);
    ep.index_bits = 6;
    ep.sender_index = 64;
    assert_int_equal(sr_sframe_ctx_mls_epoch_add(ctx, &ep, 0), SR_ERR_ARG);
    ep.sender_index = 63;
    assert_int_equal(sr_sframe_ctx_mls_epoch_add(ctx, &ep, 0), SR_OK);
    assert_int_equal(sr_sframe_ctx_mls_epoch_add(ctx, &ep, 0), SR_ERR_INVALID);
    /* 64 - S - E = 54 bits of context */
    assert_int_equal(sr_sframe_ctx_mls_sender_kid(ctx, (uint64_t)1 << 54, &kid), SR_ERR_ARG);
    assert_int_equal(sr_sframe_ctx_mls_sender_kid(ctx, ((uint64_t)1 << 54) - 1, &kid), SR_OK);
    assert_true(kid == (UINT64_MAX & ~(uint64_t)0xf) + 5);
    /* a hand-added key under a KID of the MLS space is not taken over */
    assert_int_equal(sr_sframe_ctx_key_add(ctx, 0x3f5, SR_SFRAME_PROTECT, sr_slice_of(base14, 16)),
                     SR_OK);
    assert_int_equal(sr_sframe_ctx_mls_sender_kid(ctx, 0, &kid), SR_ERR_EXISTS);
    sr_sframe_ctx_free(ctx);
}

struct alloc_case {
    struct sr_sframe_ctx *a, *b;
};

static sr_err alloc_op(void *arg)
{
    struct alloc_case *c = arg;
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, SUITE);
    SR_TRY(sr_sframe_ctx_new(&opt, &c->a));
    SR_TRY(sr_sframe_ctx_new(&opt, &c->b));
    struct sr_sframe_mls_epoch ep = {
        .epoch = 1,
        .base_key = sr_slice_of(base14, 16),
        .sender_index = 1,
        .index_bits = 2,
    };
    SR_TRY(sr_sframe_ctx_mls_epoch_add(c->a, &ep, 0));
    ep.sender_index = 2;
    SR_TRY(sr_sframe_ctx_mls_epoch_add(c->b, &ep, 0));
    uint64_t kid;
    SR_TRY(sr_sframe_ctx_mls_sender_kid(c->a, 0, &kid));
    uint8_t frame[64], pt[64];
    size_t len, pt_len;
    SR_TRY(sr_sframe_ctx_protect(c->a, kid, sr_slice_of(NULL, 0), sr_slice_of("x", 1), frame,
                                 sizeof(frame), &len));
    return sr_sframe_ctx_unprotect(c->b, sr_slice_of(NULL, 0), sr_slice_of(frame, len), pt,
                                   sizeof(pt), &pt_len, NULL);
}

static void alloc_reset(void *arg)
{
    struct alloc_case *c = arg;
    sr_sframe_ctx_free(c->a);
    sr_sframe_ctx_free(c->b);
    c->a = c->b = NULL;
}

static void allocation_failures(void **state)
{
    (void)state;
    struct alloc_case c = { 0 };
    assert_true(sr_test_each_alloc_failure(alloc_op, alloc_reset, &c) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kid_layout),
        cmocka_unit_test(receiver_derives_from_kid),
        cmocka_unit_test(grace_period_then_wiped),
        cmocka_unit_test(same_low_bits_replaced),
        cmocka_unit_test(forgeries_keep_no_keys),
        cmocka_unit_test(epoch_rejections),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
