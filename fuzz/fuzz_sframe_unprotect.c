/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz SFrame unprotect against fixed key stores: one context per suite holding the RFC 9605
 * Appendix C receive key (KID 0x123, base_key 00..0f), so the vector frames in the corpus
 * authenticate, and one MLS context (E = 4, S = 6) that derives receive keys from KIDs.
 *
 * Input: byte 0 picks the context (low 4 bits) and the metadata length (high 4 bits); the
 * metadata follows, then the frame. Unprotect must never crash, and may only succeed within
 * its buffers. Oracle: after every input a genuine frame from a second sender (whose frames
 * no input can forge) still opens exactly once, so no input, accepted or not, has corrupted
 * the key store or the replay windows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sealroom/sframe.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSUITES 8
#define NCTX    (NSUITES + 1)
#define KID     0x123u

static struct sr_sframe_ctx *rx[NCTX], *tx[NCTX];
static uint64_t genuine_kid[NCTX];

static const uint8_t base_key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static void must(sr_err err)
{
    if (err != SR_OK) {
        abort();
    }
}

static void setup_suite(size_t i, uint16_t suite)
{
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, suite);
    struct sr_slice key = sr_slice_of(base_key, sizeof(base_key));
    must(sr_sframe_ctx_new(&opt, &rx[i]));
    must(sr_sframe_ctx_new(&opt, &tx[i]));
    must(sr_sframe_ctx_key_add(rx[i], KID, SR_SFRAME_UNPROTECT, key));
    /* a second sender whose frames check the state after each input */
    must(sr_sframe_ctx_key_add(rx[i], KID + 1, SR_SFRAME_UNPROTECT, key));
    must(sr_sframe_ctx_key_add(tx[i], KID + 1, SR_SFRAME_PROTECT, key));
    must(sr_sframe_ctx_key_set_ctr(tx[i], KID + 1, (uint64_t)1 << 62));
    genuine_kid[i] = KID + 1;
}

static void setup_mls(size_t i)
{
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, SR_SFRAME_AES_128_GCM_SHA256_128);
    must(sr_sframe_ctx_new(&opt, &rx[i]));
    must(sr_sframe_ctx_new(&opt, &tx[i]));
    struct sr_sframe_mls_epoch ep = {
        .epoch = 14,
        .base_key = sr_slice_of(base_key, 16),
        .sender_index = 7,
        .index_bits = 6,
    };
    must(sr_sframe_ctx_mls_epoch_add(rx[i], &ep, 0));
    ep.sender_index = 3;
    must(sr_sframe_ctx_mls_epoch_add(tx[i], &ep, 0));
    /* context 1: a KID no input can use with a valid tag */
    must(sr_sframe_ctx_mls_sender_kid(tx[i], 1, &genuine_kid[i]));
    must(sr_sframe_ctx_key_set_ctr(tx[i], genuine_kid[i], (uint64_t)1 << 62));
}

static void setup(void)
{
    if (rx[0] != NULL) {
        return;
    }
    for (size_t i = 0; i < NSUITES; i++) {
        setup_suite(i, (uint16_t)(i + 1));
    }
    setup_mls(NSUITES);
}

static void check_state(size_t i)
{
    static uint8_t frame[64], pt[64];
    size_t len = 0, pt_len = 0;
    must(sr_sframe_ctx_protect(tx[i], genuine_kid[i], sr_slice_of(NULL, 0),
                               sr_slice_of("genuine", 7), frame, sizeof(frame), &len));
    must(sr_sframe_ctx_unprotect(rx[i], sr_slice_of(NULL, 0), sr_slice_of(frame, len), pt,
                                 sizeof(pt), &pt_len, NULL));
    if (pt_len != 7 || memcmp(pt, "genuine", 7) != 0) {
        abort();
    }
    if (sr_sframe_ctx_unprotect(rx[i], sr_slice_of(NULL, 0), sr_slice_of(frame, len), pt,
                                sizeof(pt), &pt_len, NULL) != SR_ERR_REPLAY) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1) {
        return 0;
    }
    size_t i = (data[0] & 0x0fu) % NCTX;
    size_t md_len = data[0] >> 4;
    if (size - 1 < md_len) {
        return 0;
    }
    struct sr_slice md = sr_slice_of(data + 1, md_len);
    size_t ct_len = size - 1 - md_len;
    /* a private copy, so ASan sees any read beyond the frame */
    uint8_t *ct = malloc(ct_len == 0 ? 1 : ct_len);
    uint8_t *pt = malloc(ct_len == 0 ? 1 : ct_len);
    if (ct == NULL || pt == NULL) {
        abort();
    }
    memcpy(ct, data + 1 + md_len, ct_len);
    size_t pt_len = 0;
    struct sr_sframe_header h;
    sr_err err =
            sr_sframe_ctx_unprotect(rx[i], md, sr_slice_of(ct, ct_len), pt, ct_len, &pt_len, &h);
    if (err == SR_OK ? (pt_len > ct_len || h.len + pt_len > ct_len) : pt_len != 0) {
        abort();
    }
    free(ct);
    free(pt);
    check_state(i);
    return 0;
}
