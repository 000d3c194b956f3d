/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Demo section: media keys from MLS epochs. The MLS key schedule (RFC 9420 §8) runs for
 * three epochs; each epoch gives a Security Verification Code and, through the exporter,
 * the SFrame base key (RFC 9605 §5.2). Every participant sends audio- and video-sized
 * frames through a relay that holds no key and must never see a plaintext byte; every
 * other participant decrypts them. A replayed and a tampered frame are refused, and a frame
 * from an epoch whose grace period ended is refused after the key is wiped.
 */
#include <stdio.h>
#include <string.h>

#include <sealroom/e2ee.h>
#include <sealroom/sframe.h>

#include "crypto/rand.h"
#include "crypto/suite.h"
#include "demo.h"
#include "mls/schedule_epoch.h"
#include "mls/schedule_keys.h"
#include "mls/wire_group_context.h"

#define MAX_PEOPLE 16
#define FRAME_MAX  1200

struct meeting {
    const struct sr_suite *suite;
    struct sr_mls_epoch_secrets secrets;
    unsigned people;
    struct sr_sframe_ctx *ctx[MAX_PEOPLE];
    char code[SR_E2EE_CODE_STR_LEN];
};

/* The next epoch's secrets from a fresh commit secret, as a commit with a path gives. */
static sr_err next_epoch(struct meeting *m, uint64_t epoch)
{
    uint8_t commit[SR_HASH_MAX], zero[SR_HASH_MAX] = { 0 };
    size_t nh = m->suite->hash->len;
    struct sr_buf gc = { 0 };
    struct sr_mls_group_context ctx = {
        .version = SR_MLS_VERSION_10,
        .cipher_suite = m->suite->id,
        .group_id = sr_slice_of("demo-meeting", 12),
        .epoch = epoch,
        .tree_hash = sr_slice_of(zero, nh),
        .confirmed_transcript_hash = sr_slice_of(zero, nh),
    };
    sr_err err = sr_rand_bytes(commit, nh);
    if (err == SR_OK && epoch == 0) {
        err = sr_rand_bytes(m->secrets.init.p, nh);
        m->secrets.init.len = nh;
    }
    if (err == SR_OK) {
        err = sr_mls_group_context_encode(&ctx, &gc);
    }
    if (err == SR_OK) {
        err = sr_mls_key_schedule_advance(m->suite, sr_secret_slice(&m->secrets.init),
                                          sr_slice_of(commit, nh), sr_slice_of(NULL, 0),
                                          sr_buf_slice(&gc), &m->secrets);
    }
    if (err == SR_OK) {
        err = sr_e2ee_verification_code(sr_secret_slice(&m->secrets.epoch_authenticator), m->code);
    }
    sr_wipe(commit, sizeof(commit));
    sr_buf_cleanup(&gc);
    return err;
}

/* Every participant installs the epoch's SFrame base key from the MLS exporter. */
static sr_err install_epoch(struct meeting *m, uint64_t epoch, uint64_t now)
{
    uint8_t base[32];
    size_t nk = 16; /* AES_128_GCM_SHA256_128 */
    const char *label = "SFrame 1.0 Base Key";
    SR_TRY(sr_mls_exporter(m->suite, sr_secret_slice(&m->secrets.exporter),
                           sr_slice_of(label, strlen(label)), sr_slice_of(NULL, 0), base, nk));
    sr_err err = SR_OK;
    for (unsigned i = 0; i < m->people && err == SR_OK; i++) {
        struct sr_sframe_mls_epoch ep = {
            .epoch = epoch, .base_key = sr_slice_of(base, nk), .sender_index = i, .index_bits = 4
        };
        err = sr_sframe_ctx_mls_epoch_add(m->ctx[i], &ep, now);
    }
    sr_wipe(base, sizeof(base));
    return err;
}

/* The relay's whole view of a frame: it may route by header but must not see content. */
static bool relay_sees_no_plaintext(const uint8_t *ct, size_t ct_len, const uint8_t *pt,
                                    size_t pt_len)
{
    for (size_t i = 0; i + 8 <= ct_len; i++) {
        for (size_t j = 0; j + 8 <= pt_len; j += 8) {
            if (memcmp(ct + i, pt + j, 8) == 0) {
                return false;
            }
        }
    }
    return true;
}

/* Participant `from` protects a recognisable frame; the relay checks it sees no plaintext. */
static bool protect_frame(struct meeting *m, unsigned from, size_t len, uint8_t *pt, uint8_t *ct,
                          size_t *ct_len)
{
    uint64_t kid;
    for (size_t i = 0; i < len; i++) {
        pt[i] = (uint8_t)('a' + (from + i) % 26);
    }
    return sr_sframe_ctx_mls_sender_kid(m->ctx[from], 0, &kid) == SR_OK &&
           sr_sframe_ctx_protect(m->ctx[from], kid, sr_slice_of(NULL, 0), sr_slice_of(pt, len), ct,
                                 FRAME_MAX + 64, ct_len) == SR_OK &&
           relay_sees_no_plaintext(ct, *ct_len, pt, len);
}

/* One frame from `from` through the relay to everyone else; counts what arrived intact. */
static bool send_frame(struct meeting *m, unsigned from, size_t len, unsigned *delivered,
                       uint8_t *ct, size_t *ct_len)
{
    uint8_t pt[FRAME_MAX], out[FRAME_MAX];
    size_t out_len;
    if (!protect_frame(m, from, len, pt, ct, ct_len)) {
        return false;
    }
    for (unsigned to = 0; to < m->people; to++) {
        if (to != from &&
            sr_sframe_ctx_unprotect(m->ctx[to], sr_slice_of(NULL, 0), sr_slice_of(ct, *ct_len), out,
                                    sizeof(out), &out_len, NULL) == SR_OK &&
            out_len == len && memcmp(out, pt, len) == 0) {
            (*delivered)++;
        }
    }
    return true;
}

static bool run_epoch(struct meeting *m, uint64_t epoch, uint64_t now, char *prev_code)
{
    uint8_t ct[FRAME_MAX + 64], out[FRAME_MAX];
    size_t ct_len = 0, out_len;
    unsigned delivered = 0, sent = 0;
    if (next_epoch(m, epoch) != SR_OK || install_epoch(m, epoch, now) != SR_OK) {
        return demo_check(false, "epoch set-up");
    }
    printf("   epoch %llu  Security Verification Code: %s\n", (unsigned long long)epoch, m->code);
    bool ok = demo_check(strcmp(prev_code, m->code) != 0, "the code differs from the last epoch");
    memcpy(prev_code, m->code, SR_E2EE_CODE_STR_LEN);
    for (unsigned from = 0; from < m->people; from++) {
        ok &= send_frame(m, from, 160, &delivered, ct, &ct_len);  /* 20 ms of Opus audio */
        ok &= send_frame(m, from, 1100, &delivered, ct, &ct_len); /* one video packet */
        sent += 2;
    }
    unsigned want = sent * (m->people - 1);
    printf("   %u frames sent, %u of %u deliveries decrypted; the relay saw only ciphertext\n",
           sent, delivered, want);
    ok &= demo_check(delivered == want, "every participant decrypted every frame");
    ok &= demo_check(sr_sframe_ctx_unprotect(m->ctx[0], sr_slice_of(NULL, 0),
                                             sr_slice_of(ct, ct_len), out, sizeof(out), &out_len,
                                             NULL) == SR_ERR_REPLAY,
                     "a replayed frame is refused");
    uint8_t pt[FRAME_MAX];
    ok &= protect_frame(m, 0, 160, pt, ct, &ct_len);
    ct[ct_len - 1] ^= 1;
    ok &= demo_check(sr_sframe_ctx_unprotect(m->ctx[1], sr_slice_of(NULL, 0),
                                             sr_slice_of(ct, ct_len), out, sizeof(out), &out_len,
                                             NULL) == SR_ERR_AUTH,
                     "a tampered frame is refused");
    return ok;
}

bool demo_media(const struct demo_opts *opts)
{
    struct meeting m = { .suite = sr_suite_get(opts->suite), .people = opts->members };
    if (m.people > MAX_PEOPLE) {
        m.people = MAX_PEOPLE;
    }
    printf("\n== Media keys from MLS epochs, SFrame through a keyless relay (%u participants)\n",
           m.people);
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, SR_SFRAME_AES_128_GCM_SHA256_128);
    opt.mls_grace = 2; /* seconds of the demo's clock */
    bool ok = true;
    for (unsigned i = 0; i < m.people && ok; i++) {
        ok = sr_sframe_ctx_new(&opt, &m.ctx[i]) == SR_OK;
    }
    char prev[SR_E2EE_CODE_STR_LEN] = "";
    uint8_t old_ct[FRAME_MAX + 64];
    size_t old_len = 0;
    unsigned ignored = 0;
    for (uint64_t epoch = 0; epoch < 3 && ok; epoch++) {
        ok = run_epoch(&m, epoch, epoch * 10, prev);
        if (epoch == 1) {
            ok &= send_frame(&m, 2 % m.people, 160, &ignored, old_ct, &old_len);
        }
    }
    /* Epoch 1's grace period ended when epoch 2 began plus 2: its keys are gone. */
    if (ok && m.people > 1) {
        uint8_t out[FRAME_MAX];
        size_t out_len;
        sr_sframe_ctx_mls_tick(m.ctx[0], 100);
        ok = demo_check(sr_sframe_ctx_unprotect(m.ctx[0], sr_slice_of(NULL, 0),
                                                sr_slice_of(old_ct, old_len), out, sizeof(out),
                                                &out_len, NULL) == SR_ERR_EPOCH,
                        "a frame from a wiped epoch is refused");
    }
    for (unsigned i = 0; i < m.people; i++) {
        sr_sframe_ctx_free(m.ctx[i]);
    }
    sr_mls_epoch_secrets_cleanup(&m.secrets);
    return ok;
}
