/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Receive-side anti-replay for one KID (RFC 9605 §9.3, after RFC 3711 §3.3.2): a sliding
 * window of `window` counters ending at the highest CTR accepted so far. A CTR above it is
 * new; one inside it is new unless its bit is set; one below it is too old. The caller checks
 * before decrypting and records only after the tag verified, so forgeries move nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sealroom/err.h>

struct sr_sframe_replay {
    uint64_t top;    /* highest CTR accepted */
    bool any;        /* whether any CTR was accepted yet */
    uint32_t window; /* counters covered, 1..SR_SFRAME_WINDOW_MAX */
    uint32_t nbits;  /* ring size: window rounded up to 64 */
    uint64_t *bits;  /* ring of nbits bits; bit (ctr mod nbits) marks ctr seen */
};

/** 64-bit words of ring storage a window of `window` counters needs. */
size_t sr_sframe_replay_words(uint32_t window);

/** Set up `w` over caller storage `bits` of sr_sframe_replay_words(window) words. */
void sr_sframe_replay_init(struct sr_sframe_replay *w, uint32_t window, uint64_t *bits);

/** SR_OK when `ctr` would be accepted, SR_ERR_REPLAY for a duplicate or a too-old CTR. */
SR_MUST_USE sr_err sr_sframe_replay_check(const struct sr_sframe_replay *w, uint64_t ctr);

/** Record `ctr`, which sr_sframe_replay_check accepted, as seen. */
void sr_sframe_replay_update(struct sr_sframe_replay *w, uint64_t ctr);
