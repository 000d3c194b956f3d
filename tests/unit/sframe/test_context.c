/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SFrame context: protect/unprotect round trips for every suite, and each rejection (tag,
 * KID, replay, counter space, buffer size, direction) leaving the state as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/sframe.h>

#include "testutil.h"

#define KID 0x123u

static const uint8_t base_key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
static const uint16_t all_suites[] = { 1, 2, 3, 4, 5, 6, 7, 8 };

struct pair {
    struct sr_sframe_ctx *tx, *rx;
};

static void pair_open(struct pair *p, const struct sr_sframe_options *opt)
{
    assert_int_equal(sr_sframe_ctx_new(opt, &p->tx), SR_OK);
    assert_int_equal(sr_sframe_ctx_new(opt, &p->rx), SR_OK);
    struct sr_slice key = sr_slice_of(base_key, sizeof(base_key));
    assert_int_equal(sr_sframe_ctx_key_add(p->tx, KID, SR_SFRAME_PROTECT, key), SR_OK);
    assert_int_equal(sr_sframe_ctx_key_add(p->rx, KID, SR_SFRAME_UNPROTECT, key), SR_OK);
}

static void pair_open_suite(struct pair *p, uint16_t suite)
{
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, suite);
    pair_open(p, &opt);
}

static void pair_close(struct pair *p)
{
    sr_sframe_ctx_free(p->tx);
    sr_sframe_ctx_free(p->rx);
}

static size_t protect(struct pair *p, const char *text, uint8_t *out, size_t cap)
{
    size_t len = 0;
    assert_int_equal(sr_sframe_ctx_protect(p->tx, KID, sr_slice_of(NULL, 0),
                                           sr_slice_of(text, strlen(text)), out, cap, &len),
                     SR_OK);
    return len;
}

static sr_err unprotect(struct pair *p, const uint8_t *frame, size_t len)
{
    uint8_t pt[256];
    size_t pt_len = 0;
    return sr_sframe_ctx_unprotect(p->rx, sr_slice_of(NULL, 0), sr_slice_of(frame, len), pt,
                                   sizeof(pt), &pt_len, NULL);
}

static void round_trip_every_suite(void **state)
{
    (void)state;
    static uint8_t pt[1200], ct[1300], back[1300];
    static const size_t sizes[] = { 0, 1, 100, 1200 };
    static const uint8_t md[] = "rtp header extension";
    for (size_t s = 0; s < sizeof(all_suites) / sizeof(all_suites[0]); s++) {
        struct pair p;
        pair_open_suite(&p, all_suites[s]);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            for (int with_md = 0; with_md < 2; with_md++) {
                memset(pt, (int)(i + 1), sizes[i]);
                struct sr_slice meta = sr_slice_of(md, with_md ? sizeof(md) : 0);
                size_t len = 0, back_len = 0;
                assert_int_equal(sr_sframe_ctx_protect(p.tx, KID, meta, sr_slice_of(pt, sizes[i]),
                                                       ct, sizeof(ct), &len),
                                 SR_OK);
                assert_true(len <= sr_sframe_ciphertext_len(all_suites[s], sizes[i]));
                assert_true(sizes[i] <= sr_sframe_plaintext_len(all_suites[s], len));
                struct sr_sframe_header h;
                assert_int_equal(sr_sframe_ctx_unprotect(p.rx, meta, sr_slice_of(ct, len), back,
                                                         sizeof(back), &back_len, &h),
                                 SR_OK);
                assert_int_equal(back_len, sizes[i]);
                assert_memory_equal(back, pt, sizes[i]);
                assert_true(h.kid == KID && h.ctr == i * 2 + (size_t)with_md);
            }
        }
        pair_close(&p);
    }
}

/* Flip every bit of a frame and of its metadata: all rejected; the real frame still opens. */
static void every_flip_rejected(void **state)
{
    (void)state;
    static const uint8_t md[] = { 1, 2, 3 };
    for (size_t s = 0; s < sizeof(all_suites) / sizeof(all_suites[0]); s++) {
        struct pair p;
        pair_open_suite(&p, all_suites[s]);
        uint8_t frame[128], pt[128];
        size_t len = 0, pt_len = 0;
        assert_int_equal(sr_sframe_ctx_key_set_ctr(p.tx, KID, 0x4567), SR_OK);
        assert_int_equal(sr_sframe_ctx_protect(p.tx, KID, sr_slice_of(md, sizeof(md)),
                                               sr_slice_of("media frame", 11), frame, sizeof(frame),
                                               &len),
                         SR_OK);
        const size_t hlen = 5; /* 0x99 | 01 23 | 45 67 */
        for (size_t i = 0; i < len * 8; i++) {
            frame[i / 8] ^= (uint8_t)(1u << (i % 8));
            sr_err err =
                    sr_sframe_ctx_unprotect(p.rx, sr_slice_of(md, sizeof(md)),
                                            sr_slice_of(frame, len), pt, sizeof(pt), &pt_len, NULL);
            frame[i / 8] ^= (uint8_t)(1u << (i % 8));
            /* The header picks the key and nonce, so a flip there may also be a decode
             * error or an unknown KID; a flip in the ciphertext or tag is always AUTH. */
            if (i / 8 >= hlen) {
                assert_int_equal(err, SR_ERR_AUTH);
            } else {
                assert_int_not_equal(err, SR_OK);
            }
            assert_int_equal(pt_len, 0);
        }
        uint8_t bad_md[sizeof(md)];
        for (size_t i = 0; i < sizeof(md) * 8; i++) {
            memcpy(bad_md, md, sizeof(md));
            bad_md[i / 8] ^= (uint8_t)(1u << (i % 8));
            assert_int_equal(sr_sframe_ctx_unprotect(p.rx, sr_slice_of(bad_md, sizeof(bad_md)),
                                                     sr_slice_of(frame, len), pt, sizeof(pt),
                                                     &pt_len, NULL),
                             SR_ERR_AUTH);
        }
        /* dropping the metadata is a different AAD too */
        assert_int_equal(unprotect(&p, frame, len), SR_ERR_AUTH);
        assert_int_equal(sr_sframe_ctx_unprotect(p.rx, sr_slice_of(md, sizeof(md)),
                                                 sr_slice_of(frame, len), pt, sizeof(pt), &pt_len,
                                                 NULL),
                         SR_OK);
        assert_memory_equal(pt, "media frame", 11);
        pair_close(&p);
    }
}

/* A frame cut at every length is rejected, and the whole frame still opens afterwards. */
static void truncated_at_every_offset(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof(all_suites) / sizeof(all_suites[0]); s++) {
        struct pair p;
        pair_open_suite(&p, all_suites[s]);
        assert_int_equal(sr_sframe_ctx_key_set_ctr(p.tx, KID, 0x4567), SR_OK);
        uint8_t frame[64];
        size_t len = protect(&p, "media", frame, sizeof(frame));
        for (size_t cut = 0; cut < len; cut++) {
            sr_err err = unprotect(&p, frame, cut);
            assert_int_equal(err, cut < 5 ? SR_ERR_DECODE : SR_ERR_AUTH);
        }
        assert_int_equal(unprotect(&p, frame, len), SR_OK);
        pair_close(&p);
    }
}

static void unknown_kid_and_direction(void **state)
{
    (void)state;
    struct pair p;
    pair_open_suite(&p, SR_SFRAME_AES_128_GCM_SHA256_128);
    uint8_t frame[64], pt[64];
    size_t len = protect(&p, "x", frame, sizeof(frame)), out_len = 0;
    /* a KID this context has no key for */
    assert_int_equal(sr_sframe_ctx_key_remove(p.rx, KID), SR_OK);
    assert_int_equal(unprotect(&p, frame, len), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_sframe_ctx_key_remove(p.rx, KID), SR_ERR_NOT_FOUND);
    /* own keys are protect-only, peer keys unprotect-only (RFC 9605 §4.4.1) */
    assert_int_equal(sr_sframe_ctx_unprotect(p.tx, sr_slice_of(NULL, 0), sr_slice_of(frame, len),
                                             pt, sizeof(pt), &out_len, NULL),
                     SR_ERR_NOT_FOUND);
    assert_int_equal(sr_sframe_ctx_key_add(p.rx, KID, SR_SFRAME_UNPROTECT,
                                           sr_slice_of(base_key, sizeof(base_key))),
                     SR_OK);
    assert_int_equal(sr_sframe_ctx_protect(p.rx, KID, sr_slice_of(NULL, 0), sr_slice_of("x", 1),
                                           frame, sizeof(frame), &out_len),
                     SR_ERR_NOT_FOUND);
    assert_int_equal(sr_sframe_ctx_protect(p.tx, KID + 1, sr_slice_of(NULL, 0), sr_slice_of("x", 1),
                                           frame, sizeof(frame), &out_len),
                     SR_ERR_NOT_FOUND);
    uint64_t ctr;
    assert_int_equal(sr_sframe_ctx_key_get_ctr(p.rx, KID, &ctr, NULL), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_sframe_ctx_key_add(p.rx, KID, SR_SFRAME_PROTECT,
                                           sr_slice_of(base_key, sizeof(base_key))),
                     SR_ERR_EXISTS);
    /* the key added back still opens the frame */
    assert_int_equal(unprotect(&p, frame, len), SR_OK);
    pair_close(&p);
}

static void replay_window(void **state)
{
    (void)state;
    struct pair p;
    pair_open_suite(&p, SR_SFRAME_AES_128_CTR_HMAC_SHA256_80);
    static uint8_t frames[200][48];
    size_t lens[200];
    for (size_t i = 0; i < 200; i++) {
        lens[i] = protect(&p, "audio", frames[i], sizeof(frames[i]));
    }
    assert_int_equal(unprotect(&p, frames[0], lens[0]), SR_OK);
    assert_int_equal(unprotect(&p, frames[0], lens[0]), SR_ERR_REPLAY);
    /* out of order inside the window */
    assert_int_equal(unprotect(&p, frames[5], lens[5]), SR_OK);
    assert_int_equal(unprotect(&p, frames[3], lens[3]), SR_OK);
    assert_int_equal(unprotect(&p, frames[3], lens[3]), SR_ERR_REPLAY);
    assert_int_equal(unprotect(&p, frames[199], lens[199]), SR_OK);
    /* default window 128: 199 - 71 = 128 is too old, 199 - 72 = 127 is inside */
    assert_int_equal(unprotect(&p, frames[71], lens[71]), SR_ERR_REPLAY);
    assert_int_equal(unprotect(&p, frames[72], lens[72]), SR_OK);
    assert_int_equal(unprotect(&p, frames[72], lens[72]), SR_ERR_REPLAY);
    assert_int_equal(unprotect(&p, frames[5], lens[5]), SR_ERR_REPLAY);
    assert_int_equal(unprotect(&p, frames[198], lens[198]), SR_OK);
    pair_close(&p);
}

/* A forged frame far ahead must not move the window past the real ones. */
static void forgery_moves_nothing(void **state)
{
    (void)state;
    struct pair p;
    pair_open_suite(&p, SR_SFRAME_AES_128_CTR_HMAC_SHA256_32);
    uint8_t real[48], forged[48];
    size_t len = protect(&p, "voice", real, sizeof(real));
    assert_int_equal(sr_sframe_ctx_key_set_ctr(p.tx, KID, 1000000), SR_OK);
    size_t flen = protect(&p, "voice", forged, sizeof(forged));
    forged[flen - 1] ^= 1;
    assert_int_equal(unprotect(&p, forged, flen), SR_ERR_AUTH);
    assert_int_equal(unprotect(&p, real, len), SR_OK);
    forged[flen - 1] ^= 1;
    assert_int_equal(unprotect(&p, forged, flen), SR_OK);
    assert_int_equal(unprotect(&p, real, len), SR_ERR_REPLAY);
    pair_close(&p);
}

static void counter_exhaustion(void **state)
{
    (void)state;
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, SR_SFRAME_AES_128_GCM_SHA256_128);
    opt.ctr_bits = 3;
    struct pair p;
    pair_open(&p, &opt);
    uint8_t frame[64];
    for (int i = 0; i < 8; i++) {
        size_t len = protect(&p, "v", frame, sizeof(frame));
        assert_int_equal(unprotect(&p, frame, len), SR_OK);
    }
    size_t len = 0;
    uint64_t ctr = 0;
    bool exhausted = false;
    assert_int_equal(sr_sframe_ctx_protect(p.tx, KID, sr_slice_of(NULL, 0), sr_slice_of("v", 1),
                                           frame, sizeof(frame), &len),
                     SR_ERR_EXHAUSTED);
    assert_int_equal(len, 0);
    assert_int_equal(sr_sframe_ctx_key_get_ctr(p.tx, KID, &ctr, &exhausted), SR_OK);
    assert_true(exhausted && ctr == 7);
    assert_int_equal(sr_sframe_ctx_key_set_ctr(p.tx, KID, 7), SR_ERR_EXHAUSTED);
    pair_close(&p);

    /* the full 64-bit space: the last CTR is used once, then refused */
    pair_open_suite(&p, SR_SFRAME_AES_256_GCM_SHA512_128);
    assert_int_equal(sr_sframe_ctx_key_set_ctr(p.tx, KID, UINT64_MAX - 1), SR_OK);
    assert_int_equal(sr_sframe_ctx_key_set_ctr(p.tx, KID, 5), SR_ERR_INVALID);
    len = protect(&p, "a", frame, sizeof(frame));
    assert_int_equal(unprotect(&p, frame, len), SR_OK);
    len = protect(&p, "b", frame, sizeof(frame));
    assert_int_equal(len, 1 + 2 + 8 + 1 + 16); /* 8-byte CTR */
    assert_int_equal(unprotect(&p, frame, len), SR_OK);
    assert_int_equal(sr_sframe_ctx_protect(p.tx, KID, sr_slice_of(NULL, 0), sr_slice_of("c", 1),
                                           frame, sizeof(frame), &len),
                     SR_ERR_EXHAUSTED);
    pair_close(&p);

    sr_sframe_options_init(&opt, SR_SFRAME_AES_128_GCM_SHA256_128);
    opt.ctr_bits = 16;
    pair_open(&p, &opt);
    assert_int_equal(sr_sframe_ctx_key_set_ctr(p.tx, KID, 0x10000), SR_ERR_EXHAUSTED);
    assert_int_equal(sr_sframe_ctx_key_set_ctr(p.tx, KID, 0xffff), SR_OK);
    pair_close(&p);
}

static void buffer_too_small(void **state)
{
    (void)state;
    struct pair p;
    pair_open_suite(&p, SR_SFRAME_AES_128_CTR_HMAC_SHA256_64);
    uint8_t frame[64], pt[64];
    size_t len = 0, pt_len = 0;
    /* header 3 + pt 5 + tag 8 = 16 */
    assert_int_equal(sr_sframe_ctx_protect(p.tx, KID, sr_slice_of(NULL, 0), sr_slice_of("hello", 5),
                                           frame, 15, &len),
                     SR_ERR_BUFFER_TOO_SMALL);
    uint64_t ctr = 9;
    assert_int_equal(sr_sframe_ctx_key_get_ctr(p.tx, KID, &ctr, NULL), SR_OK);
    assert_int_equal(ctr, 0);
    assert_int_equal(sr_sframe_ctx_protect(p.tx, KID, sr_slice_of(NULL, 0), sr_slice_of("hello", 5),
                                           frame, 16, &len),
                     SR_OK);
    assert_int_equal(len, 16);
    assert_int_equal(sr_sframe_ctx_unprotect(p.rx, sr_slice_of(NULL, 0), sr_slice_of(frame, len),
                                             pt, 4, &pt_len, NULL),
                     SR_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sr_sframe_ctx_unprotect(p.rx, sr_slice_of(NULL, 0), sr_slice_of(frame, len),
                                             pt, 5, &pt_len, NULL),
                     SR_OK);
    assert_int_equal(pt_len, 5);
    /* shorter than a tag */
    assert_int_equal(unprotect(&p, frame, 3 + 7), SR_ERR_AUTH);
    assert_int_equal(unprotect(&p, frame, 0), SR_ERR_DECODE);
    pair_close(&p);
}

static void options_and_limits(void **state)
{
    (void)state;
    struct sr_sframe_options opt;
    struct sr_sframe_ctx *ctx = NULL;
    sr_sframe_options_init(&opt, 0);
    assert_int_equal(sr_sframe_ctx_new(&opt, &ctx), SR_ERR_UNSUPPORTED);
    sr_sframe_options_init(&opt, 0xf000);
    assert_int_equal(sr_sframe_ctx_new(&opt, &ctx), SR_ERR_UNSUPPORTED);
    assert_false(sr_sframe_suite_supported(9));
    assert_int_equal(sr_sframe_ciphertext_len(9, 10), 0);
    assert_int_equal(sr_sframe_ciphertext_len(4, SIZE_MAX), 0);
    sr_sframe_options_init(&opt, 4);
    opt.replay_window = 0;
    assert_int_equal(sr_sframe_ctx_new(&opt, &ctx), SR_ERR_ARG);
    sr_sframe_options_init(&opt, 4);
    opt.ctr_bits = 65;
    assert_int_equal(sr_sframe_ctx_new(&opt, &ctx), SR_ERR_ARG);
    sr_sframe_options_init(&opt, 4);
    opt.mls_epoch_bits = 17;
    assert_int_equal(sr_sframe_ctx_new(&opt, &ctx), SR_ERR_ARG);
    assert_null(ctx);
    sr_sframe_options_init(&opt, 4);
    opt.max_keys = 2;
    assert_int_equal(sr_sframe_ctx_new(&opt, &ctx), SR_OK);
    struct sr_slice key = sr_slice_of(base_key, sizeof(base_key));
    assert_int_equal(sr_sframe_ctx_key_add(ctx, 1, SR_SFRAME_PROTECT, key), SR_OK);
    assert_int_equal(sr_sframe_ctx_key_add(ctx, 2, SR_SFRAME_UNPROTECT, key), SR_OK);
    assert_int_equal(sr_sframe_ctx_key_add(ctx, 3, SR_SFRAME_UNPROTECT, key), SR_ERR_LIMIT);
    assert_int_equal(sr_sframe_ctx_key_add(ctx, 3, 3, key), SR_ERR_ARG);
    assert_int_equal(sr_sframe_ctx_key_add(ctx, 3, SR_SFRAME_PROTECT, sr_slice_of(NULL, 0)),
                     SR_ERR_ARG);
    static uint8_t md[SR_SFRAME_METADATA_MAX + 1];
    uint8_t out[64];
    size_t len;
    assert_int_equal(sr_sframe_ctx_protect(ctx, 1, sr_slice_of(md, sizeof(md)), sr_slice_of("x", 1),
                                           out, sizeof(out), &len),
                     SR_ERR_LIMIT);
    assert_int_equal(sr_sframe_ctx_protect(ctx, 1, sr_slice_of(md, sizeof(md) - 1),
                                           sr_slice_of("x", 1), out, sizeof(out), &len),
                     SR_OK);
    sr_sframe_ctx_free(ctx);
    sr_sframe_ctx_free(NULL);
}

struct alloc_case {
    struct sr_sframe_ctx *ctx;
};

static sr_err alloc_op(void *arg)
{
    struct alloc_case *c = arg;
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, SR_SFRAME_AES_128_CTR_HMAC_SHA256_80);
    struct sr_slice key = sr_slice_of(base_key, sizeof(base_key));
    SR_TRY(sr_sframe_ctx_new(&opt, &c->ctx));
    SR_TRY(sr_sframe_ctx_key_add(c->ctx, 7, SR_SFRAME_PROTECT, key));
    SR_TRY(sr_sframe_ctx_key_add(c->ctx, 8, SR_SFRAME_UNPROTECT, key));
    for (uint64_t kid = 9; kid < 30; kid++) {
        SR_TRY(sr_sframe_ctx_key_add(c->ctx, kid, SR_SFRAME_UNPROTECT, key));
    }
    uint8_t out[64];
    size_t len;
    return sr_sframe_ctx_protect(c->ctx, 7, sr_slice_of(NULL, 0), sr_slice_of("x", 1), out,
                                 sizeof(out), &len);
}

static void alloc_reset(void *arg)
{
    struct alloc_case *c = arg;
    sr_sframe_ctx_free(c->ctx);
    c->ctx = NULL;
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
        cmocka_unit_test(round_trip_every_suite),    cmocka_unit_test(every_flip_rejected),
        cmocka_unit_test(unknown_kid_and_direction), cmocka_unit_test(replay_window),
        cmocka_unit_test(forgery_moves_nothing),     cmocka_unit_test(counter_exhaustion),
        cmocka_unit_test(buffer_too_small),          cmocka_unit_test(options_and_limits),
        cmocka_unit_test(allocation_failures),       cmocka_unit_test(truncated_at_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
