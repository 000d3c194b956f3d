/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leaving. A participant who leaves asks to (a Remove proposal of its own leaf); one whose
 * connection dropped is removed by the relay as external sender. Either way a remaining
 * member commits, the leaver processes that commit and learns it is out, and the code
 * changes for everyone else. In a large meeting a tenth of the participants leave together
 * in one commit.
 */
#include <stdio.h>
#include <stdlib.h>

#include "demo.h"

/* One commit removing `who[0..count)`; the first asks to leave itself when `self`. */
static bool leave_step(struct demo_world *w, const unsigned *who, unsigned count, bool self)
{
    bool ok = true;
    struct sr_buf prop = { 0 };
    for (unsigned i = 0; i < count && ok; i++) {
        struct demo_person *p = &w->people[who[i]];
        p->leaving = true;
        sr_buf_reset(&prop);
        sr_err err = self && i == 0 ? sr_meeting_leave(p->m, &prop)
                                    : demo_relay_propose(&w->relay, sr_slice_of(NULL, 0),
                                                         sr_meeting_own_leaf(p->m), &prop);
        if (err == SR_OK && self && i == 0) {
            err = demo_relay_receive(&w->relay, DEMO_PROPOSAL, sr_buf_slice(&prop));
        }
        /* Our own proposal is cached when made; the others receive it. */
        long skip = self && i == 0 ? (long)who[0] : -1;
        ok = err == SR_OK && demo_relay_fanout(w, DEMO_PROPOSAL, sr_buf_slice(&prop), skip);
    }
    sr_buf_cleanup(&prop);
    long c = demo_roster_committer(w);
    ok = ok && demo_roster_commit(w, c, NULL);
    unsigned out = 0;
    for (unsigned i = 0; i < count; i++) {
        struct demo_person *p = &w->people[who[i]];
        out += p->left && !sr_meeting_active(p->m);
        if (w->first_leaver < 0) {
            w->first_leaver = who[i];
        }
    }
    w->leaves += out;
    const struct demo_person *p0 = &w->people[who[0]];
    if (count == 1) {
        printf("   - %s %s; %s commits it\n", p0->name,
               self ? "asks to leave (proposes its own Remove)"
                    : "drops; the relay proposes its Remove",
               w->people[c].name);
    } else {
        printf("   - %u participants leave at once: %s asks to leave, the relay proposes\n"
               "     Removes for %u whose connections dropped, %s commits them all\n",
               count, p0->name, count - 1, w->people[c].name);
    }
    ok = demo_check(ok && out == count,
                    "%u of %u leavers were told by the commit that they are out", out, count) &&
         ok;
    char event[96];
    snprintf(event, sizeof(event), "%u left", count);
    return demo_roster_codes(w, event) && ok;
}

bool demo_roster_leave(struct demo_world *w)
{
    double t0 = demo_now();
    bool ok = true;
    printf("\n== Leaving\n");
    if (w->n <= 10) {
        /* Someone asks to leave, then the guest's connection drops. */
        unsigned one = 1, guest = w->n - 1;
        if (w->n >= 3) {
            ok = leave_step(w, &one, 1, true);
        }
        ok = ok && leave_step(w, &guest, 1, false);
    } else {
        unsigned *who = calloc(w->n, sizeof(*who)), count = 0;
        if (who == NULL) {
            return false;
        }
        for (unsigned i = 5; i + 1 < w->n; i += 10) {
            who[count++] = i;
        }
        who[count++] = w->n - 1;
        ok = leave_step(w, who, count, true);
        free(who);
    }
    w->t.leaves = demo_now() - t0;
    return ok;
}
