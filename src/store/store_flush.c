/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group commit: many commits, one fsync. A deferred commit (sr_store_audit_append_deferred)
 * takes the next ticket; a waiter whose ticket is not yet durable either starts a flush,
 * which covers every commit counted before it began, or sleeps until the running flush ends
 * and looks again. So while one fsync runs, the commits that arrive meanwhile gather for the
 * next one, and n concurrent requests cost far fewer than n fsyncs.
 *
 *   commit #7 ─┐                  flush covering ≤ 9 ──► waiters 7, 8, 9 wake
 *   commit #8 ─┼─ wait ─► leader ─┘
 *   commit #9 ─┘          (others sleep)   commit #10 ─► next flush
 *
 * A failed flush is sticky: after fsync fails the kernel may have dropped the dirty pages,
 * so no later flush can vouch for earlier commits, and every wait fails from then on.
 */
#include "store/store_int.h"

void sr_store_flusher_init(struct sr_store_flusher *f)
{
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->committed = f->flushed = 0;
    f->flushing = false;
    f->failed = SR_OK;
}

void sr_store_flusher_cleanup(struct sr_store_flusher *f)
{
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
}

uint64_t sr_store_flusher_note(struct sr_store *st)
{
    struct sr_store_flusher *f = &st->flusher;
    pthread_mutex_lock(&f->mu);
    uint64_t ticket = ++f->committed;
    pthread_mutex_unlock(&f->mu);
    return ticket;
}

sr_err sr_store_flush_wait(struct sr_store *st, uint64_t ticket)
{
    struct sr_store_flusher *f = &st->flusher;
    if (ticket == 0) {
        return SR_OK;
    }
    pthread_mutex_lock(&f->mu);
    while (f->failed == SR_OK && f->flushed < ticket) {
        if (f->flushing) {
            pthread_cond_wait(&f->cv, &f->mu);
            continue;
        }
        uint64_t target = f->committed;
        f->flushing = true;
        pthread_mutex_unlock(&f->mu);
        sr_err err = st->ops->flush(st->db);
        pthread_mutex_lock(&f->mu);
        f->flushing = false;
        if (err != SR_OK) {
            f->failed = err;
        } else if (target > f->flushed) {
            f->flushed = target;
        }
        pthread_cond_broadcast(&f->cv);
    }
    sr_err err = f->flushed >= ticket ? SR_OK : f->failed;
    pthread_mutex_unlock(&f->mu);
    return err;
}
