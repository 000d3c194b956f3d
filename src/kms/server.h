/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS protocol engine (KMS.md), sans-IO: `sealroomd --role kms` hands it the body of
 * `POST /kms/v1/messages` or asks it for `GET /kms/v1/details`, with the current time, and
 * gets back an HTTP status and a JSON body. The engine owns no socket, clock or thread; it
 * uses the store, the CMK provider, the key hierarchy and the credential verifier it is
 * given, and keeps the live ECDHE channels (with their seen-IV sets) in memory.
 *
 *   POST {"destination", "kmsMessages": [compact, ...]}      at most 50, run in order
 *     handshake  JWE RSA-OAEP to the static key  ->  JWS PS256 (201 key = the channel)
 *     request    JWE dir+A256GCM under K         ->  JWE dir+A256GCM under K, fresh IV
 *     anything not tied to a live channel        ->  JWS PS256 status 499 RESET
 *
 * One server is used by one thread at a time (the caller serializes, as with the store).
 */
#pragma once

#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "kms/authn.h"
#include "kms/authn_service.h"
#include "kms/cmk.h"
#include "kms/jose.h"
#include "kms/keywrap.h"
#include "store/store.h"

#define SR_KMS_BATCH_MAX       50
#define SR_KMS_BODY_MAX        ((size_t)SR_KMS_BATCH_MAX * (SR_JOSE_COMPACT_MAX + 8) + 1024)
#define SR_KMS_CHANNEL_TTL_MS  ((int64_t)60 * 60 * 1000)
#define SR_KMS_UNBOUND_MS      ((int64_t)10 * 60 * 1000)
#define SR_KMS_KEY_LIFETIME_MS ((int64_t)24 * 60 * 60 * 1000)
#define SR_KMS_AUDIT_KEY_LEN   32
#define SR_KMS_TTL_MIN_S       60
#define SR_KMS_TTL_MAX_S       ((int64_t)10 * 366 * 24 * 3600)

/** What the engine is built from. Pointers are borrowed for the server's life; strings copied. */
struct sr_kms_server_config {
    const char *host;   /* the KMS name: objects are kms://<host>/... */
    const char *region; /* details and new orgs */
    struct sr_store *store;
    struct sr_kms_cmk_provider *cmk;
    struct sr_kms_keywrap *keywrap;
    const struct sr_kms_authn *authn;
    const struct sr_kms_services *services; /* service CAs; NULL: service credentials get 401 */
    const struct sr_jose_key *static_key;   /* RSA private: handshakes, PS256 answers, resets */
    const char *static_kid;                 /* kms://<host>/static/<n> */
    const char *static_jwk; /* the published JWK with x5c (JSON); NULL: the bare public key */
    const struct sr_jose_key *previous_key; /* after a rotation (NULL: none): still answers */
    const char *previous_kid;               /* handshakes to its kid until previous_until */
    int64_t previous_until;                 /* ms; the new key's start + 24 h */
    struct sr_slice channel_kek; /* 32 bytes (copied): share channels via the store; or empty */
    struct sr_slice audit_key;   /* K_chain, SR_KMS_AUDIT_KEY_LEN bytes (copied) */
    const char *audit_chain;     /* this node's chain id */
    int64_t channel_ttl_ms;      /* 0: 1 h; else 5 min..24 h */
    size_t channels_max;         /* 0: 4096 */
    uint32_t handshakes_per_min; /* per principal; 0: 60 */
    uint32_t requests_per_s;     /* per principal; 0: 100 */
};

/** An HTTP answer: status and a JSON body (from sr_malloc'd buffer; sr_buf_cleanup it). */
struct sr_kms_http_reply {
    int status;
    struct sr_buf body;
};

struct sr_kms_server;

/** SR_ERR_ARG for a missing member or a channel TTL out of range. */
SR_MUST_USE sr_err sr_kms_server_new(const struct sr_kms_server_config *cfg,
                                     struct sr_kms_server **out);
/** Wipe every channel key and free. NULL does nothing. */
void sr_kms_server_free(struct sr_kms_server *srv);

/** GET /kms/v1/details: 200 {"kmsCluster", "rsaPublicKey", "region", "cmkProvider"}. */
SR_MUST_USE sr_err sr_kms_server_details(struct sr_kms_server *srv, struct sr_kms_http_reply *out);

/**
 * POST /kms/v1/messages with body `body` at `now_ms`. Envelope faults are HTTP errors (400,
 * 413, 421) with a JSON body; otherwise 200 with one response per message, in order. Only
 * SR_ERR_NOMEM (and SR_ERR_ARG) come back as errors; *out is then empty.
 */
SR_MUST_USE sr_err sr_kms_server_messages(struct sr_kms_server *srv, struct sr_slice body,
                                          int64_t now_ms, struct sr_kms_http_reply *out);

/** A batch of messages served but not yet answered (see sr_kms_server_messages_stage). */
struct sr_kms_batch;

/**
 * sr_kms_server_messages in two steps, so that the engine lock is held only for the first.
 * Stage (with the engine to itself): serve every message and commit its audit row. An
 * envelope fault sets *out and leaves *batch NULL; otherwise *batch is for _finish, and *out
 * is empty. Only SR_ERR_NOMEM (and SR_ERR_ARG) come back as errors.
 */
SR_MUST_USE sr_err sr_kms_server_messages_stage(struct sr_kms_server *srv, struct sr_slice body,
                                                int64_t now_ms, struct sr_kms_batch **batch,
                                                struct sr_kms_http_reply *out);
/**
 * Finish (thread-safe, without the engine lock): wait until the batch's audit rows are
 * durable, one fsync shared with the other requests waiting meanwhile (KMS.md §8), seal the
 * answers and set *out to 200 with them. Answers whose rows could not be made durable
 * become 500 without keys. Consumes `batch` on every path.
 */
SR_MUST_USE sr_err sr_kms_server_messages_finish(struct sr_kms_server *srv,
                                                 struct sr_kms_batch *batch,
                                                 struct sr_kms_http_reply *out);

/**
 * One KMS message (a compact JWE or JWS) to its compact answer in *out (sr_malloc'd, NUL
 * terminated), its audit row durable first. The building block of the tests.
 */
SR_MUST_USE sr_err sr_kms_server_message(struct sr_kms_server *srv, const char *compact, size_t len,
                                         int64_t now_ms, char **out);

/**
 * The retention sweeper (KMS.md §9), to be called every 5 minutes: shreds bound keys past
 * expires + their kind's retention and resources past their ttl (unless a legal hold covers
 * them), drops unbound keys a day after their window and expired channels. Only on the node
 * holding the sweeper lock. *shredded (may be NULL) gets how many keys and resources it shred.
 */
SR_MUST_USE sr_err sr_kms_server_sweep(struct sr_kms_server *srv, int64_t now_ms, size_t *shredded);

/** How many channels are live at `now_ms` (tests, metrics). */
size_t sr_kms_server_channels(struct sr_kms_server *srv, int64_t now_ms);
