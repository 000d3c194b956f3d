/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the KMS client (include/sealroom/kms.h): the client object, the session layer
 * (client_session.c: discovery, handshake, sealed batches with retries and reset
 * handling), the key cache (client.c) and the JSON readers of result objects (client_parse.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <sealroom/buf.h>
#include <sealroom/kms.h>

#include "crypto/x509_jwk.h"
#include "kms/jose.h"

struct sr_kms_client {
    char client_id[SR_KMS_ID_MAX];
    struct sr_buf bearer; /* NUL terminated, wiped */
    sr_kms_transport_fn transport;
    void *transport_arg;
    sr_kms_clock_fn clock;
    void *clock_arg;
    sr_kms_sleep_fn sleep;
    void *sleep_arg;
    unsigned retries, backoff_ms;
    int64_t renew_before_ms;
    char expect_cluster[SR_KMS_URI_MAX];
    char pin[64];                  /* the expected static key thumbprint, or "" */
    char thumb[64];                /* the static key's thumbprint */
    struct sr_x509_trust *anchors; /* for the static key's x5c, or NULL (client_x5c.c) */

    /* discovery */
    char cluster[SR_KMS_URI_MAX];
    char static_kid[SR_KMS_URI_MAX];
    struct sr_jose_key *static_pub;

    /* the channel */
    char ch_uri[SR_KMS_URI_MAX];
    struct sr_jose_key *k;
    int64_t ch_expires;
    unsigned long next_id;

    /* the key cache: a ring of key_cache_max entries */
    struct sr_kms_key *cache;
    size_t cache_max, cache_n, cache_next;

    struct sr_kms_client_stats stats;
    struct sr_kms_client_error last;
};

/**
 * KMS.md §5, with anchors configured: the published static JWK's x5c chains to an anchor now,
 * its leaf is for the host of `kid` and holds the JWK's n/e. SR_ERR_AUTH (recorded) otherwise.
 */
SR_MUST_USE sr_err sr_kms_client_check_x5c(struct sr_kms_client *c, const json_t *jwk,
                                           const char *kid);

/** Set the last error (status, code, reason) and return `err`. */
sr_err sr_kms_client_fail(struct sr_kms_client *c, sr_err err, int status, const char *code,
                          const char *reason);
/** The sr_err for a KMS status. */
sr_err sr_kms_client_err_of(int status);

/**
 * Send `n` requests (JSON objects without "client" and "requestId"; borrowed) in one POST
 * on the channel, handshaking first when needed, and return the `n` answer payloads in
 * `answers` (each the caller's to json_decref). A reset makes the client handshake again
 * and resend once; transport errors are retried with backoff.
 */
SR_MUST_USE sr_err sr_kms_client_send(struct sr_kms_client *c, json_t *const *reqs, size_t n,
                                      json_t **answers);
/** One request; then checks the status is `want` (else the mapped error). */
SR_MUST_USE sr_err sr_kms_client_call(struct sr_kms_client *c, json_t *req, int want,
                                      json_t **answer);
/** Check an answer's status against `want`, recording the refusal. */
SR_MUST_USE sr_err sr_kms_client_check(struct sr_kms_client *c, const json_t *answer, int want);

/** The cache: look up (copy out) and insert (copy in). */
bool sr_kms_client_cache_get(struct sr_kms_client *c, const char *uri, struct sr_kms_key *out);
void sr_kms_client_cache_put(struct sr_kms_client *c, const struct sr_kms_key *key);
/** Drop unbound keys (after a reset, KMS.md §2). */
void sr_kms_client_cache_drop_unbound(struct sr_kms_client *c);

/* JSON to result structs (client_parse.c). */
SR_MUST_USE sr_err sr_kms_client_parse_key(const json_t *o, struct sr_kms_key *out);
SR_MUST_USE sr_err sr_kms_client_parse_keys(const json_t *arr, struct sr_kms_key_list *out);
SR_MUST_USE sr_err sr_kms_client_parse_resource(const json_t *o, struct sr_kms_resource *out);
SR_MUST_USE sr_err sr_kms_client_parse_authz(const json_t *o, struct sr_kms_authorization *out);
/** Copy string member `name` of `o` (absent: "" unless `required`) into out[cap]. */
SR_MUST_USE sr_err sr_kms_client_str(const json_t *o, const char *name, bool required, char *out,
                                     size_t cap);
/** An RFC 3339 time member of `o` in ms (absent: 0). */
SR_MUST_USE sr_err sr_kms_client_time(const json_t *o, const char *name, int64_t *ms);
/** A request {method, uri} (NULL when out of memory). */
json_t *sr_kms_client_request(const char *method, const char *uri);
/** Set o[name] to string `v` when v is not NULL; false when out of memory. */
bool sr_kms_client_set_str(json_t *o, const char *name, const char *v);
/** Parse one object of a list into `out` (a struct of the list's item type). */
typedef sr_err (*sr_kms_client_item_fn)(const json_t *o, void *out);
/**
 * Parse array `arr` into a fresh array of `size`-byte items, each by `fn` (*items: sr_free it;
 * NULL when empty). SR_ERR_DECODE when `arr` is not an array or an item does not parse.
 */
SR_MUST_USE sr_err sr_kms_client_parse_list(const json_t *arr, size_t size,
                                            sr_kms_client_item_fn fn, void **items, size_t *n);
