/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The running kms role: everything the engine is built from, the engine itself, and the
 * lock that serializes it (the engine and the store serve one thread at a time, while the
 * HTTP server hands requests to several worker threads).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <sealroom/net.h>

#include "kms/server.h"
#include "kms_config.h"
#include "kms_static.h"

struct kms_daemon {
    struct kms_config cfg;
    struct sr_store *store;
    struct sr_kms_cmk_provider *cmk;
    struct sr_kms_keywrap *keywrap;
    struct sr_kms_authn *authn;
    struct sr_kms_services *services; /* NULL without --service-ca */
    struct kms_static statics;
    uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN];
    uint8_t channel_kek[32];
    bool has_channel_kek;
    struct sr_kms_server *engine;
    pthread_mutex_t lock;
    struct timespec jwks_mtime; /* of the JWKS file last loaded */
    int64_t jwks_checked_ms;    /* when a request last stat()ed the JWKS file */
    struct sr_net_server *http;
    pthread_t sweeper;
    bool sweeper_running;
    pthread_mutex_t sweep_mu; /* guards sweep_stop */
    pthread_cond_t sweep_cv;
    bool sweep_stop;
};

/** The routes of the KMS transport (KMS.md §5), their arg being the daemon. kms_http.c */
extern const struct sr_net_route kms_http_routes[];
extern const size_t kms_http_n_routes;

/**
 * Load the JWKS file into the verifier when it changed since the last load (always at
 * start). Requests call it through kms_http_poll_jwks. At start a failure is fatal; later it is
 * logged and the old keys stay. Call with the lock held once the engine runs.
 */
bool kms_http_reload_jwks(struct kms_daemon *d, bool at_start);

/**
 * kms_http_reload_jwks at most once per KMS_JWKS_POLL_MS of `now_ms`: a replaced JWKS file is
 * in use within a second, and the requests in between make no stat() call. Lock held.
 */
void kms_http_poll_jwks(struct kms_daemon *d, int64_t now_ms);

/** Start the retention sweeper thread (none with --sweep-interval 0). kms_sweep.c */
bool kms_sweeper_start(struct kms_daemon *d);
/** Wake the sweeper, wait for it to finish its sweep and end. Safe if it never started. */
void kms_sweeper_stop(struct kms_daemon *d);

/** The current time in ms since the epoch. */
int64_t kms_now_ms(void);
