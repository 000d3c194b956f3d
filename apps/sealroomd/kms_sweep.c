/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The retention sweeper loop (KMS.md §9): a thread that calls the engine's sweep at start
 * and then every --sweep-interval seconds (default 300), under the daemon's lock. The engine
 * decides what to shred and whether this node holds the sweeper lock; this file only keeps
 * time and wakes up at once when the daemon stops.
 */
#include <errno.h>
#include <stdio.h>

#include "kms_daemon.h"

static void sweep_once(struct kms_daemon *d)
{
    size_t shredded = 0;
    pthread_mutex_lock(&d->lock);
    sr_err err = sr_kms_server_sweep(d->engine, kms_now_ms(), &shredded);
    pthread_mutex_unlock(&d->lock);
    if (err != SR_OK) {
        fprintf(stderr, "sealroomd: retention sweep failed: %s (retried next sweep)\n",
                sr_err_str(err));
    } else if (shredded > 0) {
        fprintf(stderr, "sealroomd: retention sweep shredded %zu keys and resources\n", shredded);
    }
}

static void *sweeper_main(void *arg)
{
    struct kms_daemon *d = arg;
    pthread_mutex_lock(&d->sweep_mu);
    while (!d->sweep_stop) {
        pthread_mutex_unlock(&d->sweep_mu);
        sweep_once(d);
        pthread_mutex_lock(&d->sweep_mu);
        struct timespec until;
        (void)clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)d->cfg.sweep_interval_s;
        int rc = 0;
        while (!d->sweep_stop && rc != ETIMEDOUT) {
            rc = pthread_cond_timedwait(&d->sweep_cv, &d->sweep_mu, &until);
        }
    }
    pthread_mutex_unlock(&d->sweep_mu);
    return NULL;
}

bool kms_sweeper_start(struct kms_daemon *d)
{
    if (d->cfg.sweep_interval_s == 0) {
        fprintf(stderr, "sealroomd: warning: the retention sweeper is off (--sweep-interval 0)\n");
        return true;
    }
    if (pthread_create(&d->sweeper, NULL, sweeper_main, d) != 0) {
        fprintf(stderr, "sealroomd: cannot start the retention sweeper thread\n");
        return false;
    }
    d->sweeper_running = true;
    fprintf(stderr, "sealroomd: retention sweeper every %u s\n", d->cfg.sweep_interval_s);
    return true;
}

void kms_sweeper_stop(struct kms_daemon *d)
{
    if (!d->sweeper_running) {
        return;
    }
    pthread_mutex_lock(&d->sweep_mu);
    d->sweep_stop = true;
    pthread_cond_signal(&d->sweep_cv);
    pthread_mutex_unlock(&d->sweep_mu);
    pthread_join(d->sweeper, NULL);
    d->sweeper_running = false;
}
