/* SPDX-License-Identifier: Apache-2.0 */
/* The replay window ring (RFC 9605 §9.3): against a naive model for many window sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sframe/replay.h"

/* Model: a set of seen CTRs (small range) and the highest one. */
struct model {
    bool seen[4096];
    bool any;
    uint64_t top;
};

static bool model_ok(const struct model *m, uint64_t ctr, uint32_t window)
{
    if (!m->any || ctr > m->top) {
        return true;
    }
    return m->top - ctr < window && !m->seen[ctr];
}

static void model_record(struct model *m, uint64_t ctr)
{
    m->seen[ctr] = true;
    if (!m->any || ctr > m->top) {
        m->top = ctr;
    }
    m->any = true;
}

/* A deterministic walk that mostly moves forward, with reordering, repeats and jumps. */
static uint64_t next_ctr(uint64_t *state, uint64_t top)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    uint64_t r = *state >> 33;
    uint64_t ctr;
    switch (r % 8) {
    case 0:
        ctr = top + 1 + (r >> 8) % 300; /* jump ahead */
        break;
    case 1:
    case 2:
        ctr = top > (r >> 8) % 200 ? top - (r >> 8) % 200 : 0; /* late */
        break;
    default:
        ctr = top + 1;
        break;
    }
    return ctr < 4000 ? ctr : 3999;
}

static void matches_model(void **state)
{
    (void)state;
    static const uint32_t windows[] = { 1, 2, 63, 64, 65, 100, 128, 200, 1000 };
    static uint64_t ring[64];
    for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
        struct sr_sframe_replay win;
        struct model m;
        memset(&m, 0, sizeof(m));
        assert_true(sr_sframe_replay_words(windows[w]) <= 64);
        sr_sframe_replay_init(&win, windows[w], ring);
        uint64_t rng = windows[w], top = 0;
        for (int i = 0; i < 3000; i++) {
            uint64_t ctr = next_ctr(&rng, top);
            bool ok = model_ok(&m, ctr, windows[w]);
            assert_int_equal(sr_sframe_replay_check(&win, ctr), ok ? SR_OK : SR_ERR_REPLAY);
            /* half the accepted frames "fail authentication" and are not recorded */
            if (ok && (rng & 1u) == 0) {
                sr_sframe_replay_update(&win, ctr);
                model_record(&m, ctr);
                top = m.top;
            }
        }
    }
}

static void first_frame_any_ctr(void **state)
{
    (void)state;
    uint64_t ring[2];
    struct sr_sframe_replay win;
    sr_sframe_replay_init(&win, 128, ring);
    assert_int_equal(sr_sframe_replay_check(&win, UINT64_MAX), SR_OK);
    sr_sframe_replay_update(&win, UINT64_MAX);
    assert_int_equal(sr_sframe_replay_check(&win, UINT64_MAX), SR_ERR_REPLAY);
    assert_int_equal(sr_sframe_replay_check(&win, UINT64_MAX - 127), SR_OK);
    assert_int_equal(sr_sframe_replay_check(&win, UINT64_MAX - 128), SR_ERR_REPLAY);
    assert_int_equal(sr_sframe_replay_check(&win, 0), SR_ERR_REPLAY);
    /* CTR 0 first: 0 then 0 again */
    sr_sframe_replay_init(&win, 128, ring);
    sr_sframe_replay_update(&win, 0);
    assert_int_equal(sr_sframe_replay_check(&win, 0), SR_ERR_REPLAY);
    assert_int_equal(sr_sframe_replay_check(&win, 1), SR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_model),
        cmocka_unit_test(first_frame_any_ctr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
