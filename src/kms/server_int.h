/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the server files: the server object, the channel table (server_channel.c), one
 * request being served (struct sr_kms_req) and the method handlers of the dispatch table
 * (server_dispatch.c), org keys (server_org.c) and the audit writer (server_audit.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "kms/authn.h"
#include "kms/proto.h"
#include "kms/server.h"

#define SR_KMS_IVS_MAX    ((size_t)1 << 16) /* seen IVs per channel; then a new handshake */
#define SR_KMS_REASON_MAX 256

/** One ECDHE channel (KMS.md §2) and the identity bound to it at the handshake. */
struct sr_kms_channel {
    char uri[SR_STORE_ID_MAX];
    char user_id[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX];
    char client_id[SR_STORE_ID_MAX];
    uint8_t thumb[SR_KMS_THUMB_LEN]; /* a service channel's JWK thumbprint, when has_thumb */
    bool has_thumb;
    struct sr_jose_key *key; /* K */
    int64_t created, expires;
    /* The IVs seen: an open-addressing set of cap_ivs slots (a power of two, at most half
     * full) where all-zero marks a free slot, so the all-zero IV is kept aside. */
    uint8_t (*ivs)[SR_JOSE_IV_LEN];
    size_t n_ivs, cap_ivs;
    bool zero_iv_seen;
    uint64_t iv_key; /* random: the slots of an attacker's IVs cannot be foreseen */
};

/** One principal's rate windows (server_rate.c). */
struct sr_kms_rate {
    char user[SR_STORE_ID_MAX];
    int64_t hs_start, rq_start, last;
    uint32_t hs_n, rq_n;
};

/** A principal recorded in the store lately (server_dispatch.c), so it is not rewritten. */
struct sr_kms_seen {
    struct sr_store_principal p;
    int64_t at;
};

#define SR_KMS_SEEN_SLOTS 64
#define SR_KMS_SEEN_MS    (60 * 1000) /* principals.last_seen is kept to the minute */

/** A verified bearer, known by its SHA-256 (server_tokens.c). */
struct sr_kms_token {
    uint8_t hash[32];
    struct sr_kms_principal who;
    uint64_t generation;
    int64_t last;
};

struct sr_kms_server {
    char host[SR_STORE_ID_MAX];
    char cluster[SR_STORE_ID_MAX]; /* kms://<host> */
    char region[SR_STORE_NAME_MAX];
    char static_kid[SR_STORE_ID_MAX];
    char audit_chain[SR_STORE_ID_MAX];
    uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN];
    char *static_jwk;
    struct sr_store *store;
    struct sr_kms_cmk_provider *cmk;
    struct sr_kms_keywrap *keywrap;
    const struct sr_kms_authn *authn;
    const struct sr_kms_services *services;
    const struct sr_jose_key *static_key;
    const struct sr_jose_key *prev_key; /* the previous static key, until prev_until */
    char prev_kid[SR_STORE_ID_MAX];
    int64_t prev_until;
    uint8_t channel_kek[32]; /* deployment channel KEK, when has_channel_kek */
    bool has_channel_kek;
    int64_t channel_ttl_ms;
    struct sr_kms_channel *channels;
    size_t n_channels, channels_max;
    char made[SR_STORE_ID_MAX]; /* the channel the handshake being served made, if any */
    struct sr_kms_token *tokens;
    size_t n_tokens, tokens_max;
    struct sr_kms_rate *rates;
    size_t n_rates, rates_max;
    uint32_t handshakes_per_min, requests_per_s;
    struct sr_kms_seen seen[SR_KMS_SEEN_SLOTS];
    /* This node's audit chain tip after its last committed append (server_audit.c). */
    bool audit_tip_known;
    int64_t audit_tip_seq;
    uint8_t audit_tip_mac[SR_STORE_MAC_LEN];
};

/** One request being served: its parsed input and the response being built. */
struct sr_kms_req {
    struct sr_kms_server *srv;
    int64_t now;
    const json_t *in;
    const char *method;
    const char *raw_uri;
    struct sr_kms_uri uri;
    const char *request_id;
    const char *client_id;
    const char *reason_in; /* the request's `reason` */
    struct sr_kms_principal who;
    const char *on_behalf_of;      /* client.onBehalfOf, honoured for compliance only */
    char as_user[SR_STORE_ID_MAX]; /* whose access is judged: who, or on_behalf_of */
    bool compliance;               /* access came from rule (3) or onBehalfOf */
    bool system;                   /* the KMS itself (the sweeper) */
    struct sr_kms_channel *ch;     /* NULL for the handshake */
    /* A service's JWK thumbprint (when who.service is set). */
    uint8_t thumb[SR_KMS_THUMB_LEN];
    /* The answer. */
    int status;
    const char *error_code;
    char reason[SR_KMS_REASON_MAX];
    json_t *out;      /* response members besides status, requestId, reason, errorCode */
    json_t *released; /* key URIs handed out, for the audit row */
    char audit_uri[SR_STORE_ID_MAX];
    bool audited;          /* reached a method: write the audit row */
    uint64_t audit_ticket; /* its group commit (sr_store_flush_wait), 0 when durable already */
};

/**
 * One message's answer before it is sealed (server_msg.c): the payload waits for its audit
 * row to be durable, then is sealed, possibly after the engine lock is released, which is
 * why it holds its own copy of the channel key (the static keys outlive the server).
 */
struct sr_kms_answer {
    enum sr_jose_kind kind;
    const struct sr_jose_key *key; /* own_key, or a static key */
    struct sr_jose_key *own_key;
    char kid[SR_STORE_ID_MAX];
    char *text;      /* the payload (may hold keys: wiped when freed) */
    char *sealed;    /* a handshake answer, sealed at once (see serve_handshake) */
    uint64_t ticket; /* the audit row's group commit; 0: nothing to wait for */
    char request_id[SR_STORE_ID_MAX];
};

typedef sr_err (*sr_kms_handler_fn)(struct sr_kms_req *rq);

/* server_tokens.c */
/** sr_kms_authn_bearer through the cache of verified tokens. */
SR_MUST_USE sr_err sr_kms_bearer_check(struct sr_kms_server *srv, const char *jwt, int64_t now,
                                       struct sr_kms_principal *out, enum sr_kms_authn_fail *why);

/* server_rate.c */
/** Count a handshake or a request of `user` at `now`; false when over its limit (429). */
bool sr_kms_rate_allow(struct sr_kms_server *srv, const char *user, bool handshake, int64_t now);

/* server_channel.c */
struct sr_kms_channel *sr_kms_channel_find(struct sr_kms_server *srv, const char *uri, int64_t now);
/** Put a channel (from a handshake or the store) with key `k` in the table. */
SR_MUST_USE sr_err sr_kms_channel_put(struct sr_kms_server *srv, const struct sr_store_channel *row,
                                      struct sr_slice k, int64_t now, struct sr_kms_channel **out);
/* server_channel_store.c: channels shared through the store (with a channel KEK). */
SR_MUST_USE sr_err sr_kms_channel_persist(struct sr_kms_server *srv,
                                          const struct sr_kms_channel *ch, struct sr_slice k);
/** The channel `uri` from the store into the table, or NULL. */
struct sr_kms_channel *sr_kms_channel_load(struct sr_kms_server *srv, const char *uri, int64_t now);
void sr_kms_channel_forget(struct sr_kms_server *srv, const char *uri);
/** Add a channel with key `k` (copied into a JOSE key); *out points into the table. */
SR_MUST_USE sr_err sr_kms_channel_add(struct sr_kms_server *srv, const struct sr_kms_req *rq,
                                      struct sr_slice k, struct sr_kms_channel **out);
void sr_kms_channel_remove(struct sr_kms_server *srv, struct sr_kms_channel *ch);
/** Record `iv`; SR_ERR_REPLAY when it was seen on this channel, SR_ERR_LIMIT when full. */
SR_MUST_USE sr_err sr_kms_channel_see_iv(struct sr_kms_channel *ch,
                                         const uint8_t iv[SR_JOSE_IV_LEN]);
void sr_kms_channel_cleanup(struct sr_kms_channel *ch);

/* server_req.c: the answer. */
/** Set the answer to an error; `fmt` a printf format for `reason`. Always SR_OK. */
sr_err sr_kms_req_fail(struct sr_kms_req *rq, int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/** Set a success status. */
sr_err sr_kms_req_ok(struct sr_kms_req *rq, int status);
/** Map an internal error (store, CMK, memory) to its status and errorCode. */
void sr_kms_req_fail_err(struct sr_kms_req *rq, sr_err err);
/** The response payload {status, requestId, reason?, errorCode?, ...out}. */
SR_MUST_USE sr_err sr_kms_req_payload(const struct sr_kms_req *rq, char **text);
/** Parse the common request members (method, uri, requestId, client, reason) of rq->in. */
SR_MUST_USE sr_err sr_kms_req_parse(struct sr_kms_req *rq);
/** Verify the request's bearer into rq->who; false and a 401 answer when it fails. */
bool sr_kms_req_authenticate(struct sr_kms_req *rq);
void sr_kms_req_cleanup(struct sr_kms_req *rq);

/* server_msg.c */
/**
 * Serve one decrypted request payload: a handshake when `ch` is NULL, else a request on that
 * channel (its IV already recorded). *text is the answer payload (sr_free it, after wiping:
 * it may hold keys) and *status its status; *ticket the audit row's group commit, which
 * must be durable (sr_store_flush_wait) before the answer is sealed.
 */
SR_MUST_USE sr_err sr_kms_serve(struct sr_kms_server *srv, struct sr_kms_channel *ch,
                                const json_t *in, int64_t now, char **text, int *status,
                                uint64_t *ticket);

/* server_dispatch.c */
/** Run the method named by rq (after parse and authentication) through the table. */
void sr_kms_dispatch(struct sr_kms_req *rq);
/** Whether rq->who may use resource `uri` (rules 1 and 2); a 403/404/410 answer otherwise. */
SR_MUST_USE sr_err sr_kms_require_resource(struct sr_kms_req *rq, const char *uri,
                                           struct sr_store_resource *res, bool *ok);

/* server_msg.c: answers. */
/** Serve one compact message into *ans (zeroed first); the caller holds the engine. */
SR_MUST_USE sr_err sr_kms_answer_make(struct sr_kms_server *srv, const char *compact, size_t len,
                                      int64_t now_ms, struct sr_kms_answer *ans);
/**
 * Seal *ans into *out (sr_free it). `durable` is the outcome of waiting for its ticket: on
 * failure an answer with an audit row becomes 500 and carries no key. Needs no engine lock.
 */
SR_MUST_USE sr_err sr_kms_answer_seal(struct sr_kms_answer *ans, sr_err durable, char **out);
void sr_kms_answer_cleanup(struct sr_kms_answer *ans);

/* server_audit.c */
/**
 * Append rq's audit row to this node's chain. Inside a store transaction it joins it;
 * otherwise it is committed at once and rq->audit_ticket names the group commit that makes
 * it durable (sr_store_flush_wait), which must succeed before the answer is sealed.
 */
SR_MUST_USE sr_err sr_kms_audit_write(struct sr_kms_req *rq);

/** retrieve /audit: the org's rows for compliance officers and KMS admins. */
sr_err sr_kms_audit_export(struct sr_kms_req *rq);

/* server_cmk.c */
/** retrieve /publicKey, create and retrieve /cmk, update /cmk/{id}. */
sr_err sr_kms_cmk_admin(struct sr_kms_req *rq);

/* server_recordings.c */
/** The org's org-recordings resource, made (and named in its policy) at first use. */
SR_MUST_USE sr_err sr_kms_recordings_resource(struct sr_kms_req *rq, const char *org,
                                              char uri[SR_STORE_ID_MAX]);
/** Make sure the current period's version of the org recordings key is bound to `res`. */
SR_MUST_USE sr_err sr_kms_recordings_current(struct sr_kms_req *rq,
                                             const struct sr_store_resource *res);

/* server_policy.c */
/** retrieve and update /orgs/{org}/policy. */
sr_err sr_kms_policy(struct sr_kms_req *rq);
/** Whether the org's policy.services lists service kind `kind`. */
SR_MUST_USE sr_err sr_kms_org_enables(struct sr_kms_req *rq, const char *org, const char *kind,
                                      bool *on);
/** The org's key lifetime (policy keyLifetime, default 24 h) in ms. */
SR_MUST_USE sr_err sr_kms_org_key_lifetime(struct sr_kms_req *rq, const char *org, int64_t *ms);

/* server_org.c: org keys. */
/** Make the org's row (and its first CMK) on first use. */
SR_MUST_USE sr_err sr_kms_org_ensure(struct sr_kms_req *rq, const char *org_id);
/**
 * A new content key for `key_uri` under the org's current KEK: *row filled for
 * sr_store_key_insert (inside the caller's transaction) and the key in `ck`.
 */
SR_MUST_USE sr_err sr_kms_org_key_new(struct sr_kms_req *rq, const char *org_id,
                                      const char *key_uri, struct sr_store_key *row,
                                      uint8_t ck[SR_KMS_CK_LEN]);
/** Open a stored key; SR_ERR_DENIED when its org's CMK is revoked. */
SR_MUST_USE sr_err sr_kms_org_key_open(struct sr_kms_req *rq, const struct sr_store_key *row,
                                       uint8_t ck[SR_KMS_CK_LEN]);
/** Re-wrap a key for another org (bind to another org's resource). */
SR_MUST_USE sr_err sr_kms_org_key_rewrap(struct sr_kms_req *rq, const struct sr_store_key *row,
                                         const char *org_id, struct sr_store_key *out);

/* server_keys.c, server_resources.c, server_authz.c: the methods of KMS.md §3. */
sr_err sr_kms_keys_create(struct sr_kms_req *rq);
sr_err sr_kms_keys_retrieve(struct sr_kms_req *rq);
sr_err sr_kms_keys_bind(struct sr_kms_req *rq);
/** A key object (with jwk when ck != NULL) for the answer. */
SR_MUST_USE sr_err sr_kms_key_json(const struct sr_kms_req *rq, const struct sr_store_key *row,
                                   const uint8_t *ck, json_t **out);
/** Bind `key_uri` to `res` (rules of KMS.md §3) inside the caller's transaction. */
SR_MUST_USE sr_err sr_kms_key_bind_to(struct sr_kms_req *rq, const char *key_uri,
                                      const struct sr_store_resource *res, bool *ok);
sr_err sr_kms_resources_create(struct sr_kms_req *rq);
sr_err sr_kms_resources_retrieve(struct sr_kms_req *rq);
sr_err sr_kms_resources_keys(struct sr_kms_req *rq);
sr_err sr_kms_authz_create(struct sr_kms_req *rq);
sr_err sr_kms_authz_list(struct sr_kms_req *rq);
sr_err sr_kms_authz_delete_one(struct sr_kms_req *rq);
sr_err sr_kms_authz_delete_by_id(struct sr_kms_req *rq);
sr_err sr_kms_authz_delete_bulk(struct sr_kms_req *rq);
/* server_holds.c, server_shred.c */
/** create/retrieve /holds, retrieve/delete /holds/{id}. */
sr_err sr_kms_holds(struct sr_kms_req *rq);
/** Whether an active hold of `org_id` covers a key of `resource_uri` ("" if unbound) by `creator`.
 */
SR_MUST_USE sr_err sr_kms_hold_covers(struct sr_kms_req *rq, const char *org_id,
                                      const char *resource_uri, const char *creator, bool *held);
/** Shred one key (tombstone and event) inside the caller's transaction. */
SR_MUST_USE sr_err sr_kms_shred_key(struct sr_kms_req *rq, const struct sr_store_key *k);
/** Shred a resource and every key bound to it inside the caller's transaction. */
SR_MUST_USE sr_err sr_kms_shred_resource(struct sr_kms_req *rq,
                                         const struct sr_store_resource *res);
/** delete /keys/{id} and /resources/{id}. */
sr_err sr_kms_shred(struct sr_kms_req *rq);

/** Insert the authorization of `auth_id` on `res` unless it exists; *a gets the row. */
SR_MUST_USE sr_err sr_kms_authz_add(struct sr_kms_req *rq, const struct sr_store_resource *res,
                                    const char *auth_id, const char *role, struct sr_store_authz *a,
                                    bool *ok);
/** The same for an authId as given (a user id, or a resource the requester may use). */
SR_MUST_USE sr_err sr_kms_authz_add_checked(struct sr_kms_req *rq,
                                            const struct sr_store_resource *res, const char *given,
                                            bool *ok);
SR_MUST_USE sr_err sr_kms_authz_json(const struct sr_store_authz *a, json_t **out);
