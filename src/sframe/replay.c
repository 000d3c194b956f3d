/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The replay window as a ring of bits indexed by CTR modulo the ring size. Bit i stands for
 * the one CTR in (top - nbits, top] congruent to i, so advancing `top` only has to clear the
 * bits of the counters it skips over; nothing is shifted.
 */
#include "sframe/replay.h"

#include <string.h>

size_t sr_sframe_replay_words(uint32_t window)
{
    return ((size_t)window + 63) / 64;
}

void sr_sframe_replay_init(struct sr_sframe_replay *w, uint32_t window, uint64_t *bits)
{
    w->top = 0;
    w->any = false;
    w->window = window;
    w->nbits = (uint32_t)(sr_sframe_replay_words(window) * 64);
    w->bits = bits;
    memset(bits, 0, sr_sframe_replay_words(window) * sizeof(uint64_t));
}

static bool bit_get(const struct sr_sframe_replay *w, uint64_t ctr)
{
    uint64_t i = ctr % w->nbits;
    return ((w->bits[i / 64] >> (i % 64)) & 1u) != 0;
}

static void bit_put(struct sr_sframe_replay *w, uint64_t ctr, bool on)
{
    uint64_t i = ctr % w->nbits;
    uint64_t mask = (uint64_t)1 << (i % 64);
    if (on) {
        w->bits[i / 64] |= mask;
    } else {
        w->bits[i / 64] &= ~mask;
    }
}

sr_err sr_sframe_replay_check(const struct sr_sframe_replay *w, uint64_t ctr)
{
    if (!w->any || ctr > w->top) {
        return SR_OK;
    }
    /* Below the window: its bit may already stand for a newer CTR, so refuse it. */
    SR_CHECK(w->top - ctr < w->window, SR_ERR_REPLAY);
    SR_CHECK(!bit_get(w, ctr), SR_ERR_REPLAY);
    return SR_OK;
}

void sr_sframe_replay_update(struct sr_sframe_replay *w, uint64_t ctr)
{
    if (w->any && ctr > w->top) {
        if (ctr - w->top >= w->nbits) {
            memset(w->bits, 0, (w->nbits / 64) * sizeof(uint64_t));
        } else {
            for (uint64_t c = w->top + 1; c != ctr; c++) {
                bit_put(w, c, false);
            }
        }
    }
    if (!w->any || ctr > w->top) {
        w->top = ctr;
        w->any = true;
    }
    bit_put(w, ctr, true);
}
