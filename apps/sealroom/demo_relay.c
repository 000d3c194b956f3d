/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo's relay: the meeting server and SFU in one. It holds a signature key, listed in
 * the group's external_senders, with which it proposes Add for each joiner's KeyPackage and
 * Remove for each leaver (RFC 9420 §12.1.8.1); it accepts the first commit of each epoch and
 * fans every message out to the participants. It never holds a meeting key: everything it
 * receives is appended to its log, which is later searched for every plaintext the
 * participants sent (demo_leak.c).
 *
 * The participants are independent clients, so a fan-out to many of them runs on a few
 * threads, each processing its own share of the participants.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

#define PARALLEL_THREADS_MAX 4
#define PARALLEL_MIN         32 /* fewer participants than this are not worth a thread */

static const char meeting_id[] = "sealroom-demo-meeting";

sr_err demo_relay_init(struct demo_relay *r, uint16_t suite)
{
    memset(r, 0, sizeof(*r));
    r->suite = suite;
    sr_buf_init(&r->sig_priv, 0, SR_BUF_WIPE);
    SR_TRY(sr_mls_signature_key_new(suite, &r->sig_priv, &r->sig_pub));
    return sr_buf_append(&r->group_id, meeting_id, sizeof(meeting_id) - 1);
}

void demo_relay_cleanup(struct demo_relay *r)
{
    sr_buf_cleanup(&r->sig_priv);
    sr_buf_cleanup(&r->sig_pub);
    sr_buf_cleanup(&r->group_id);
    sr_buf_cleanup(&r->log);
}

sr_err demo_relay_receive(struct demo_relay *r, enum demo_kind kind, struct sr_slice msg)
{
    r->traffic[kind].messages++;
    r->traffic[kind].bytes_in += msg.len;
    return sr_buf_append(&r->log, msg.p, msg.len);
}

void demo_relay_forwarded(struct demo_relay *r, enum demo_kind kind, size_t len, uint64_t copies)
{
    r->traffic[kind].copies += copies;
    r->traffic[kind].bytes_out += (uint64_t)len * copies;
}

sr_err demo_relay_propose(struct demo_relay *r, struct sr_slice key_package, uint32_t leaf,
                          struct sr_buf *out)
{
    struct sr_mls_external_proposal p = {
        .cipher_suite = r->suite,
        .group_id = sr_buf_slice(&r->group_id),
        .epoch = r->epoch,
        .sender_index = 0,
        .signature_priv = sr_buf_slice(&r->sig_priv),
        .key_package = key_package,
        .remove = leaf,
    };
    SR_TRY(sr_mls_external_propose(&p, out));
    return demo_relay_receive(r, DEMO_PROPOSAL, sr_buf_slice(out));
}

struct parallel_job {
    void (*fn)(void *arg, unsigned i);
    void *arg;
    unsigned first, step, count;
};

static void *parallel_run(void *a)
{
    struct parallel_job *j = a;
    for (unsigned i = j->first; i < j->count; i += j->step) {
        j->fn(j->arg, i);
    }
    return NULL;
}

void demo_parallel(unsigned count, void (*fn)(void *arg, unsigned i), void *arg)
{
    struct parallel_job jobs[PARALLEL_THREADS_MAX];
    pthread_t tid[PARALLEL_THREADS_MAX];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cpus < 2 || count < PARALLEL_MIN ? 1
                       : cpus > PARALLEL_THREADS_MAX    ? PARALLEL_THREADS_MAX
                                                        : (unsigned)cpus;
    bool started[PARALLEL_THREADS_MAX] = { false };
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (struct parallel_job){ fn, arg, t, threads, count };
        started[t] = t > 0 && pthread_create(&tid[t], NULL, parallel_run, &jobs[t]) == 0;
    }
    /* Share 0, and any share whose thread did not start, run here. */
    for (unsigned t = 0; t < threads; t++) {
        if (!started[t]) {
            parallel_run(&jobs[t]);
        }
    }
    for (unsigned t = 1; t < threads; t++) {
        if (started[t]) {
            pthread_join(tid[t], NULL);
        }
    }
}

struct fanout {
    struct demo_world *w;
    struct sr_slice msg;
    long skip;
    sr_err *err; /* per participant; SR_ERR_NOT_FOUND: not a receiver */
};

static void fanout_one(void *arg, unsigned i)
{
    struct fanout *f = arg;
    struct demo_person *p = &f->w->people[i];
    f->err[i] = SR_ERR_NOT_FOUND;
    if (p->m == NULL || p->left || (long)i == f->skip) {
        return;
    }
    struct sr_meeting_event ev = { 0 };
    f->err[i] = sr_meeting_process(p->m, f->msg, &ev);
    if (f->err[i] == SR_OK && ev.kind == SR_MEETING_EVENT_REMOVED) {
        p->left = true;
    }
    sr_meeting_event_cleanup(&ev);
}

bool demo_relay_fanout(struct demo_world *w, enum demo_kind kind, struct sr_slice msg, long skip)
{
    struct fanout f = { w, msg, skip, calloc(w->n, sizeof(sr_err)) };
    if (f.err == NULL) {
        return false;
    }
    demo_parallel(w->n, fanout_one, &f);
    uint64_t copies = 0;
    bool ok = true;
    for (unsigned i = 0; i < w->n; i++) {
        copies += f.err[i] != SR_ERR_NOT_FOUND;
        if (f.err[i] != SR_OK && f.err[i] != SR_ERR_NOT_FOUND) {
            printf("   %s refused a message: %s\n", w->people[i].name, sr_err_str(f.err[i]));
            ok = false;
        }
    }
    free(f.err);
    demo_relay_forwarded(&w->relay, kind, msg.len, copies);
    return ok;
}
