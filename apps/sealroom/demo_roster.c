/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is in the meeting. The first participant opens it with the relay in external_senders.
 * Joiners come in one at a time while the meeting is small, then in waves (several Adds in
 * one commit) so that a thousand participants do not cost a thousand commits each processed
 * by everyone. For every joiner the relay proposes Add; a member commits the proposals; the
 * relay accepts the commit, fans it out and hands the Welcome to the joiners. Leaving works
 * the same way with Remove. After every epoch change every participant's Security
 * Verification Code must be the same, and differ from the previous epoch's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define WAVE_MAX 100 /* Adds per commit once the meeting is large */

static const char relay_name[] = "relay.example.com";

bool demo_roster_codes(struct demo_world *w, const char *event)
{
    const char *first = NULL;
    unsigned same = 0, active = demo_active(w);
    bool verbose = active <= DEMO_VERBOSE_MAX;
    uint64_t epoch = 0;
    for (unsigned i = 0; i < w->n; i++) {
        struct demo_person *p = &w->people[i];
        if (p->m == NULL || p->left) {
            continue;
        }
        const char *code = sr_meeting_verification_code(p->m);
        if (first == NULL) {
            first = code;
            epoch = sr_meeting_epoch(p->m);
        }
        same += strcmp(code, first) == 0 && sr_meeting_epoch(p->m) == epoch;
        if (verbose) {
            printf("      %-28s %s\n", p->name, code);
        }
    }
    if (first == NULL) {
        return demo_check(false, "nobody is left in the meeting");
    }
    if (!verbose) {
        printf("      %-28s %s\n", "code shown by everyone", first);
    }
    bool fresh = strcmp(first, w->code) != 0;
    bool ok = demo_check(same == active && fresh, "epoch %llu (%s): all %u codes are equal, %s",
                         (unsigned long long)epoch, event, active, fresh ? "and new" : "NOT NEW");
    snprintf(w->code, sizeof(w->code), "%s", first);
    w->codes_checked += active;
    w->epochs++;
    return ok;
}

bool demo_roster_start(struct demo_world *w)
{
    struct demo_person *host = &w->people[0];
    struct sr_meeting_relay relay = {
        .signature_key = sr_buf_slice(&w->relay.sig_pub),
        .identity = sr_slice_of(relay_name, sizeof(relay_name) - 1),
    };
    w->first_leaver = -1;
    printf("\n== Joining\n");
    sr_err err = sr_meeting_create(&w->cfg, sr_buf_slice(&w->relay.group_id),
                                   sr_buf_slice(&host->priv), &relay, &host->m);
    if (!demo_check(err == SR_OK, "%s opens the meeting; the relay is its external sender%s%s",
                    host->name, err ? ": " : "", err ? sr_err_str(err) : "")) {
        return false;
    }
    w->joins++;
    return demo_roster_codes(w, "opened");
}

long demo_roster_committer(struct demo_world *w)
{
    unsigned active = demo_active(w), k = w->waves++ % active;
    for (unsigned i = 0; i < w->n; i++) {
        const struct demo_person *p = &w->people[i];
        if (p->m != NULL && !p->left && !p->leaving && k-- == 0) {
            return i;
        }
    }
    return 0;
}

bool demo_roster_commit(struct demo_world *w, long who, struct sr_buf *welcome)
{
    struct demo_person *c = &w->people[who];
    struct sr_buf commit = { 0 };
    sr_err err = sr_meeting_commit(c->m, &commit, welcome);
    if (err == SR_OK) {
        err = demo_relay_receive(&w->relay, DEMO_COMMIT, sr_buf_slice(&commit));
    }
    if (err == SR_OK && welcome != NULL && welcome->len > 0) {
        err = demo_relay_receive(&w->relay, DEMO_WELCOME, sr_buf_slice(welcome));
    }
    if (err == SR_OK) {
        w->relay.epoch++; /* the first commit of the epoch wins */
        err = sr_meeting_commit_merge(c->m, NULL);
    }
    bool ok = err == SR_OK && demo_relay_fanout(w, DEMO_COMMIT, sr_buf_slice(&commit), who);
    if (err != SR_OK) {
        printf("   %s could not commit: %s\n", c->name, sr_err_str(err));
    }
    sr_buf_cleanup(&commit);
    return ok;
}

struct joining {
    struct demo_world *w;
    unsigned first;
    struct sr_slice welcome;
    sr_err *err;
};

static void join_one(void *arg, unsigned i)
{
    struct joining *j = arg;
    struct demo_person *p = &j->w->people[j->first + i];
    j->err[i] = sr_meeting_join(&j->w->cfg, j->welcome, sr_buf_slice(&p->priv), &p->m);
}

/* The joiners use the Welcome the relay hands them. */
static bool welcome_all(struct demo_world *w, unsigned first, unsigned count, struct sr_buf *wel)
{
    struct joining j = { w, first, sr_buf_slice(wel), calloc(count, sizeof(sr_err)) };
    if (j.err == NULL) {
        return false;
    }
    demo_parallel(count, join_one, &j);
    demo_relay_forwarded(&w->relay, DEMO_WELCOME, wel->len, count);
    bool ok = true;
    for (unsigned i = 0; i < count; i++) {
        if (j.err[i] != SR_OK) {
            printf("   %s could not join: %s\n", w->people[first + i].name, sr_err_str(j.err[i]));
            ok = false;
        }
    }
    free(j.err);
    w->joins += ok ? count : 0;
    return ok;
}

static bool join_wave(struct demo_world *w, unsigned first, unsigned count)
{
    double t0 = demo_now();
    bool ok = true;
    struct sr_buf prop = { 0 }, welcome = { 0 };
    for (unsigned i = first; i < first + count && ok; i++) {
        sr_buf_reset(&prop);
        ok = demo_relay_propose(&w->relay, sr_buf_slice(&w->people[i].key_package), 0, &prop) ==
                     SR_OK &&
             demo_relay_fanout(w, DEMO_PROPOSAL, sr_buf_slice(&prop), -1);
    }
    double tp = demo_now();
    long who = demo_roster_committer(w);
    ok = ok && demo_roster_commit(w, who, &welcome);
    double tc = demo_now();
    ok = ok && welcome_all(w, first, count, &welcome);
    double tw = demo_now();
    char event[160];
    if (count == 1) {
        printf("   + %s joins: Add by the relay, commit by %s, then the Welcome\n",
               w->people[first].name, w->people[who].name);
        snprintf(event, sizeof(event), "%s joined", w->people[first].name);
    } else {
        printf("   + wave of %u in one commit (%s .. %s), committed by %s\n"
               "     %.2f s: Add proposals %.2f s, commit %.2f s, Welcome %.2f s\n",
               count, w->people[first].name, w->people[first + count - 1].name, w->people[who].name,
               tw - t0, tp - t0, tc - tp, tw - tc);
        snprintf(event, sizeof(event), "%u joined", count);
    }
    sr_buf_cleanup(&prop);
    sr_buf_cleanup(&welcome);
    return demo_check(ok, "%s",
                      ok ? "proposals, commit and Welcome accepted by everyone"
                         : "the join failed") &&
           demo_roster_codes(w, event);
}

bool demo_roster_join_all(struct demo_world *w)
{
    double t0 = demo_now();
    unsigned next = 1;
    bool ok = true;
    while (ok && next < w->n) {
        unsigned size = demo_active(w);
        unsigned wave = size < DEMO_VERBOSE_MAX ? 1 : size < WAVE_MAX ? size : WAVE_MAX;
        if (wave == 1 && next == 1 && w->n > DEMO_VERBOSE_MAX) {
            printf("   one at a time up to %u participants, then in waves of up to %u\n",
                   DEMO_VERBOSE_MAX, WAVE_MAX);
        }
        wave = wave < w->n - next ? wave : w->n - next;
        ok = join_wave(w, next, wave);
        next += wave;
    }
    w->t.joins = demo_now() - t0;
    return ok;
}
