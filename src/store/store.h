/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS store (KMS.md §8): typed records for orgs, principals, CMKs, KEKs, resources, keys,
 * authorizations, org key versions, legal holds, channels, the events outbox and the audit
 * log, over one backend chosen by URL: "sqlite:PATH" (embedded default) or
 * "postgres://..." (several nodes). Callers speak in these structs; the SQL lives inside the
 * store. Key material arrives and leaves only wrapped: the store never sees a plaintext key.
 *
 * Strings are NUL-terminated and fixed-size; a value that does not fit is refused with
 * SR_ERR_LIMIT and nothing is written. Times are ms since the epoch; a time of 0 means
 * "none" and is stored as NULL. Errors: SR_ERR_EXISTS (primary key or unique constraint),
 * SR_ERR_NOT_FOUND, SR_ERR_STATE (a conditional update whose condition did not hold, or a
 * transaction misuse), SR_ERR_STORE (the database failed), SR_ERR_NOMEM, SR_ERR_ARG.
 * A handle is used by one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/common.h>
#include <sealroom/err.h>

#define SR_STORE_ID_MAX     256  /* URIs, ids and labels, with the NUL */
#define SR_STORE_NAME_MAX   64   /* kinds, states, roles, methods, error codes */
#define SR_STORE_TEXT_MAX   1024 /* reasons */
#define SR_STORE_POLICY_MAX 8192 /* an org policy as JSON */
#define SR_STORE_BLOB_MAX   512  /* a wrapped key or a CMK backup */
#define SR_STORE_MAC_LEN    32   /* HMAC-SHA-256 of the audit chain */
#define SR_STORE_LIST_MAX   1000 /* the most rows one list call returns */

/** A wrapped key (IV || ciphertext || tag) or another opaque value; NULL when !present. */
struct sr_store_blob {
    bool present;
    size_t len;
    uint8_t p[SR_STORE_BLOB_MAX];
};

struct sr_store_org {
    char org_id[SR_STORE_ID_MAX];
    char region[SR_STORE_NAME_MAX];
    char cmk_mode[SR_STORE_NAME_MAX];
    char policy[SR_STORE_POLICY_MAX];
    int64_t generation; /* bumped by the kill switch; nodes poll it */
};

struct sr_store_principal {
    char user_id[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX];
    char kind[SR_STORE_NAME_MAX];
    int64_t first_seen, last_seen;
};

struct sr_store_cmk {
    char uri[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX]; /* "" = the service CMK */
    int64_t version;
    char provider[SR_STORE_NAME_MAX];
    char token_label[SR_STORE_ID_MAX];
    char state[SR_STORE_NAME_MAX]; /* pending, active, rotating, retired, revoked, deleted */
    struct sr_store_blob backup;   /* a BYOK upload as received */
    int64_t created, state_changed;
};

struct sr_store_kek {
    char kek_id[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX];
    char cmk_uri[SR_STORE_ID_MAX];
    char period[SR_STORE_NAME_MAX]; /* e.g. "2026-03" */
    struct sr_store_blob wrapped;   /* absent once shredded */
    int64_t wraps, created;
};

struct sr_store_resource {
    char uri[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX];
    char kind[SR_STORE_NAME_MAX];
    char created_by[SR_STORE_ID_MAX];
    int64_t created, ttl, expires, shredded_at;
};

struct sr_store_key {
    char uri[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX];
    char kek_id[SR_STORE_ID_MAX];
    struct sr_store_blob wrapped; /* absent once shredded */
    char created_by[SR_STORE_ID_MAX];
    char client_id[SR_STORE_ID_MAX];
    int64_t created, expires;
    char resource_uri[SR_STORE_ID_MAX]; /* "" while unbound */
    int64_t bound_at, shredded_at;
};

struct sr_store_authz {
    char uri[SR_STORE_ID_MAX];
    char resource_uri[SR_STORE_ID_MAX];
    char auth_id[SR_STORE_ID_MAX];
    char role[SR_STORE_NAME_MAX];
    char created_by[SR_STORE_ID_MAX];
    int64_t created;
};

struct sr_store_key_version {
    char org_id[SR_STORE_ID_MAX];
    char purpose[SR_STORE_NAME_MAX];
    char period[SR_STORE_NAME_MAX];
    char key_uri[SR_STORE_ID_MAX];
};

struct sr_store_hold {
    char uri[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX];
    char scope[SR_STORE_NAME_MAX]; /* resource, user, org */
    char target[SR_STORE_ID_MAX];
    char reason[SR_STORE_TEXT_MAX];
    char created_by[SR_STORE_ID_MAX];
    int64_t created, released_at; /* released_at 0: active */
    char released_by[SR_STORE_ID_MAX];
};

struct sr_store_channel {
    char uri[SR_STORE_ID_MAX];
    char user_id[SR_STORE_ID_MAX];
    char org_id[SR_STORE_ID_MAX];
    char client_id[SR_STORE_ID_MAX];
    struct sr_store_blob wrapped_key; /* under the deployment channel KEK */
    int64_t created, expires;
};

struct sr_store_event {
    int64_t seq; /* assigned by the store, increasing */
    int64_t ts;
    char org_id[SR_STORE_ID_MAX];
    char kind[SR_STORE_NAME_MAX];
    char uri[SR_STORE_ID_MAX];
};

/** One audit row. `released` is a JSON array of key URIs, or NULL; see sr_store_audit_list. */
struct sr_store_audit {
    char chain[SR_STORE_ID_MAX];
    int64_t seq, ts;
    char org_id[SR_STORE_ID_MAX];
    char actor[SR_STORE_ID_MAX];
    char actor_role[SR_STORE_NAME_MAX];
    char on_behalf_of[SR_STORE_ID_MAX];
    char method[SR_STORE_NAME_MAX];
    char uri[SR_STORE_ID_MAX];
    int64_t status;
    char error_code[SR_STORE_NAME_MAX];
    char request_id[SR_STORE_ID_MAX];
    char reason[SR_STORE_TEXT_MAX];
    char *released;
    uint8_t prev_mac[SR_STORE_MAC_LEN];
    uint8_t mac[SR_STORE_MAC_LEN];
};

/** How sr_store_key_bind ended; only SR_STORE_BIND_DONE changed the row. */
enum sr_store_bind_result {
    SR_STORE_BIND_DONE = 0,
    SR_STORE_BIND_ALREADY = 1,   /* already bound to that resource: unchanged, 200 */
    SR_STORE_BIND_ELSEWHERE = 2, /* bound to another resource: 409 ALREADY_BOUND */
    SR_STORE_BIND_EXPIRED = 3,   /* the unbound window closed: 422 KEY_EXPIRED */
    SR_STORE_BIND_NOT_OWNER = 4, /* another creator or client: 403 */
    SR_STORE_BIND_SHREDDED = 5,  /* 410 */
};

/** What a bind writes; org_id, kek_id and wrapped re-wrap a key bound to another org's resource. */
struct sr_store_bind {
    const char *key_uri;
    const char *resource_uri;
    const char *created_by, *client_id;
    int64_t now;                           /* the bind happens only while now < expires */
    int64_t expires;                       /* the new expiration: bind date + key lifetime */
    const char *org_id, *kek_id;           /* NULL: keep */
    const struct sr_store_blob *rewrapped; /* NULL: keep */
};

struct sr_store;

/* Lifecycle and transactions: store.c */

/**
 * Open the store at `url` ("sqlite:PATH", "sqlite://PATH", "postgres://..." or
 * "postgresql://...") and apply any pending numbered migrations. SR_ERR_ARG for an unknown
 * scheme, SR_ERR_STORE when the database cannot be opened or migrated.
 */
SR_MUST_USE sr_err sr_store_open(const char *url, struct sr_store **out);
void sr_store_close(struct sr_store *st);
/** "sqlite" or "postgres". */
const char *sr_store_backend(const struct sr_store *st);
SR_MUST_USE sr_err sr_store_schema_version(struct sr_store *st, int64_t *out);

/** One transaction at a time per handle (SR_ERR_STATE otherwise); every op inside joins it. */
SR_MUST_USE sr_err sr_store_begin(struct sr_store *st);
/**
 * Begin a transaction whose commit is on stable storage before sr_store_commit returns; audit
 * rows may be appended only in such a transaction (or outside any, which is durable too).
 */
SR_MUST_USE sr_err sr_store_begin_durable(struct sr_store *st);
SR_MUST_USE sr_err sr_store_commit(struct sr_store *st);
/** Roll back; does nothing outside a transaction. */
void sr_store_rollback(struct sr_store *st);

/* Orgs and principals: store_org.c */

SR_MUST_USE sr_err sr_store_org_insert(struct sr_store *st, const struct sr_store_org *org);
SR_MUST_USE sr_err sr_store_org_get(struct sr_store *st, const char *org_id,
                                    struct sr_store_org *out);
/** Orgs with org_id > after ("" for the first page), by org_id, at most `limit`. */
SR_MUST_USE sr_err sr_store_org_list(struct sr_store *st, const char *after, size_t limit,
                                     struct sr_store_org **out, size_t *n);
SR_MUST_USE sr_err sr_store_org_set_policy(struct sr_store *st, const char *org_id,
                                           const char *policy);
/** Bump the org's generation (the CMK kill switch) and return the new value. */
SR_MUST_USE sr_err sr_store_org_bump_generation(struct sr_store *st, const char *org_id,
                                                int64_t *generation);
/** Insert the principal, or update its org, kind and last_seen. */
SR_MUST_USE sr_err sr_store_principal_touch(struct sr_store *st,
                                            const struct sr_store_principal *p);
SR_MUST_USE sr_err sr_store_principal_get(struct sr_store *st, const char *user_id,
                                          struct sr_store_principal *out);
SR_MUST_USE sr_err sr_store_key_version_insert(struct sr_store *st,
                                               const struct sr_store_key_version *v);
SR_MUST_USE sr_err sr_store_key_version_get(struct sr_store *st, const char *org_id,
                                            const char *purpose, const char *period,
                                            struct sr_store_key_version *out);

/* CMKs and KEKs: store_cmk.c. org_id NULL or "" names the service CMK. */

SR_MUST_USE sr_err sr_store_cmk_insert(struct sr_store *st, const struct sr_store_cmk *cmk);
SR_MUST_USE sr_err sr_store_cmk_get(struct sr_store *st, const char *uri, struct sr_store_cmk *out);
/** The org's CMKs, newest version first; free *out with sr_store_free. */
SR_MUST_USE sr_err sr_store_cmk_list(struct sr_store *st, const char *org_id,
                                     struct sr_store_cmk **out, size_t *n);
/** Move a CMK from state `from` to `to`; SR_ERR_STATE when it is not in `from`. */
SR_MUST_USE sr_err sr_store_cmk_set_state(struct sr_store *st, const char *uri, const char *from,
                                          const char *to, int64_t now);
SR_MUST_USE sr_err sr_store_kek_insert(struct sr_store *st, const struct sr_store_kek *kek);
SR_MUST_USE sr_err sr_store_kek_get(struct sr_store *st, const char *kek_id,
                                    struct sr_store_kek *out);
/** The newest unshredded KEK of the org for `period` under `cmk_uri`; SR_ERR_NOT_FOUND if none. */
SR_MUST_USE sr_err sr_store_kek_current(struct sr_store *st, const char *org_id, const char *period,
                                        const char *cmk_uri, struct sr_store_kek *out);
/** Count `n` more wraps under the KEK (rotation after 2^20). */
SR_MUST_USE sr_err sr_store_kek_add_wraps(struct sr_store *st, const char *kek_id, int64_t n);
/** Replace the KEK's wrapping after a CMK rotation. */
SR_MUST_USE sr_err sr_store_kek_rewrap(struct sr_store *st, const char *kek_id, const char *cmk_uri,
                                       const struct sr_store_blob *wrapped);
/** Up to `limit` unshredded KEKs still wrapped under `cmk_uri`; free *out with sr_store_free. */
SR_MUST_USE sr_err sr_store_kek_list_by_cmk(struct sr_store *st, const char *cmk_uri, size_t limit,
                                            struct sr_store_kek **out, size_t *n);
/** How many unshredded keys the KEK still wraps (0: the KEK may be shredded, KMS.md §8). */
SR_MUST_USE sr_err sr_store_kek_live_keys(struct sr_store *st, const char *kek_id, int64_t *count);
/** Crypto-shred the KEK: its wrapping becomes NULL. */
SR_MUST_USE sr_err sr_store_kek_shred(struct sr_store *st, const char *kek_id);

/* Resources and keys: store_key.c */

SR_MUST_USE sr_err sr_store_resource_insert(struct sr_store *st, const struct sr_store_resource *r);
SR_MUST_USE sr_err sr_store_resource_get(struct sr_store *st, const char *uri,
                                         struct sr_store_resource *out);
/** Mark the resource shredded; SR_ERR_STATE when it already is. */
SR_MUST_USE sr_err sr_store_resource_shred(struct sr_store *st, const char *uri, int64_t now);
/** Up to `limit` unshredded resources whose expires is set and <= now. */
SR_MUST_USE sr_err sr_store_resource_list_expired(struct sr_store *st, int64_t now, size_t limit,
                                                  struct sr_store_resource **out, size_t *n);
SR_MUST_USE sr_err sr_store_key_insert(struct sr_store *st, const struct sr_store_key *key);
SR_MUST_USE sr_err sr_store_key_get(struct sr_store *st, const char *uri, struct sr_store_key *out);
/**
 * Bind an unbound key in one conditional update (KMS.md §3). SR_OK with *result telling what
 * happened; SR_ERR_NOT_FOUND when there is no such key.
 */
SR_MUST_USE sr_err sr_store_key_bind(struct sr_store *st, const struct sr_store_bind *b,
                                     enum sr_store_bind_result *result);
/**
 * The unshredded keys bound to `resource_uri` with bound_after <= bound_at < bound_before
 * (0: no bound), newest bind first, at most `count` (<= SR_STORE_LIST_MAX).
 */
SR_MUST_USE sr_err sr_store_key_list_by_resource(struct sr_store *st, const char *resource_uri,
                                                 int64_t bound_after, int64_t bound_before,
                                                 size_t count, struct sr_store_key **out,
                                                 size_t *n);
/**
 * For the retention sweeper: up to `limit` (<= SR_STORE_LIST_MAX) unshredded keys bound to
 * resources of `org_id` and `kind` whose expires <= before, soonest first.
 */
SR_MUST_USE sr_err sr_store_key_list_expired(struct sr_store *st, const char *org_id,
                                             const char *kind, int64_t before, size_t limit,
                                             struct sr_store_key **out, size_t *n);
/** Crypto-shred: wrapped becomes NULL, the row stays as a tombstone. SR_ERR_STATE if shredded. */
SR_MUST_USE sr_err sr_store_key_shred(struct sr_store *st, const char *uri, int64_t now);
/** Delete unbound keys whose window closed before `before`; *n gets how many. */
SR_MUST_USE sr_err sr_store_key_delete_unbound(struct sr_store *st, int64_t before, uint64_t *n);

/* Authorizations and holds: store_authz.c */

SR_MUST_USE sr_err sr_store_authz_insert(struct sr_store *st, const struct sr_store_authz *a);
SR_MUST_USE sr_err sr_store_authz_get(struct sr_store *st, const char *uri,
                                      struct sr_store_authz *out);
SR_MUST_USE sr_err sr_store_authz_find(struct sr_store *st, const char *resource_uri,
                                       const char *auth_id, struct sr_store_authz *out);
/** The authorizations of a resource, oldest first. */
SR_MUST_USE sr_err sr_store_authz_list_by_resource(struct sr_store *st, const char *resource_uri,
                                                   struct sr_store_authz **out, size_t *n);
/** The authorizations naming `auth_id`, oldest first, at most SR_STORE_LIST_MAX. */
SR_MUST_USE sr_err sr_store_authz_list_by_auth_id(struct sr_store *st, const char *auth_id,
                                                  struct sr_store_authz **out, size_t *n);
SR_MUST_USE sr_err sr_store_authz_delete(struct sr_store *st, const char *uri);
SR_MUST_USE sr_err sr_store_hold_insert(struct sr_store *st, const struct sr_store_hold *h);
SR_MUST_USE sr_err sr_store_hold_get(struct sr_store *st, const char *uri,
                                     struct sr_store_hold *out);
/** The org's holds, oldest first; only active ones when `active_only`. */
SR_MUST_USE sr_err sr_store_hold_list(struct sr_store *st, const char *org_id, bool active_only,
                                      struct sr_store_hold **out, size_t *n);
/** Release a hold (holds are never erased); SR_ERR_STATE when already released. */
SR_MUST_USE sr_err sr_store_hold_release(struct sr_store *st, const char *uri,
                                         const char *released_by, int64_t now);

/* Channels, events and audit: store_log.c */

SR_MUST_USE sr_err sr_store_channel_insert(struct sr_store *st, const struct sr_store_channel *c);
SR_MUST_USE sr_err sr_store_channel_get(struct sr_store *st, const char *uri,
                                        struct sr_store_channel *out);
SR_MUST_USE sr_err sr_store_channel_delete(struct sr_store *st, const char *uri);
/** Delete channels whose expires <= now; *n gets how many. */
SR_MUST_USE sr_err sr_store_channel_delete_expired(struct sr_store *st, int64_t now, uint64_t *n);
/** Append to the events outbox; ev->seq is ignored and *seq gets the assigned one. */
SR_MUST_USE sr_err sr_store_event_append(struct sr_store *st, const struct sr_store_event *ev,
                                         int64_t *seq);
/** Events with seq > after, oldest first, at most `limit`. */
SR_MUST_USE sr_err sr_store_event_list(struct sr_store *st, int64_t after, size_t limit,
                                       struct sr_store_event **out, size_t *n);
/**
 * The last row of `chain`: *seq = its seq and mac = its mac, or *seq = 0 and 32 zero bytes for
 * an empty chain (the first prev_mac, KMS.md §8).
 */
SR_MUST_USE sr_err sr_store_audit_last(struct sr_store *st, const char *chain, int64_t *seq,
                                       uint8_t mac[SR_STORE_MAC_LEN]);
/**
 * Append one audit row. The caller computed row->mac over row->prev_mac and the row; seq must
 * be the chain's last seq + 1 and prev_mac its last mac, else SR_ERR_STATE and nothing is
 * written (another writer on the same chain). Outside a transaction the row is on disk
 * before this returns; inside one begun by sr_store_begin_durable, sr_store_commit makes it
 * so; inside a plain sr_store_begin transaction it is refused with SR_ERR_STATE.
 */
SR_MUST_USE sr_err sr_store_audit_append(struct sr_store *st, const struct sr_store_audit *row);
/**
 * Group commit (KMS.md §8: "rows may be group-committed"). Append `row` as
 * sr_store_audit_append does, outside any transaction, but commit it without waiting for
 * stable storage: *ticket names the commit, and sr_store_flush_wait(st, *ticket) returns
 * SR_OK once it is durable. A backend whose commits are always durable gives ticket 0.
 * Errors as sr_store_audit_append; nothing is written on error.
 */
SR_MUST_USE sr_err sr_store_audit_append_deferred(struct sr_store *st,
                                                  const struct sr_store_audit *row,
                                                  uint64_t *ticket);
/**
 * Wait until the commit `ticket` (0: none) is on stable storage. Thread-safe, and meant to
 * be called without whatever lock serializes other use of `st`: concurrent waiters share
 * one flush (one fsync) for every commit made before it started. SR_ERR_STORE or SR_ERR_IO
 * when a flush failed; from then on every wait fails, as nothing more can be trusted to be
 * durable.
 */
SR_MUST_USE sr_err sr_store_flush_wait(struct sr_store *st, uint64_t ticket);
/** Whether a transaction is open on this handle. */
bool sr_store_in_txn(const struct sr_store *st);
/**
 * Rows of `chain` with seq > after_seq in order, at most `limit`; free with
 * sr_store_audit_free, which also frees each `released`.
 */
SR_MUST_USE sr_err sr_store_audit_list_chain(struct sr_store *st, const char *chain,
                                             int64_t after_seq, size_t limit,
                                             struct sr_store_audit **out, size_t *n);
/** Rows of `org_id` with ts >= since, by (ts, chain, seq), after the cursor row (ts, chain,
 * seq) when cursor_chain is not NULL; at most `limit`. */
SR_MUST_USE sr_err sr_store_audit_list_org(struct sr_store *st, const char *org_id, int64_t since,
                                           int64_t cursor_ts, const char *cursor_chain,
                                           int64_t cursor_seq, size_t limit,
                                           struct sr_store_audit **out, size_t *n);
void sr_store_audit_free(struct sr_store_audit *rows, size_t n);
/**
 * Append to `out` the bytes the chain MAC covers (KMS.md §8), so the writer and
 * `sealroomd kms audit verify` agree on them: prev_mac (32 bytes), then the columns chain,
 * seq, ts, org_id, actor, actor_role, on_behalf_of, method, uri, status, error_code,
 * request_id, reason, released, each prefixed by its 4-byte big-endian length; integers are
 * 8 bytes big-endian; an absent text is empty. `out` is unchanged on error.
 */
SR_MUST_USE sr_err sr_store_audit_mac_input(const struct sr_store_audit *row, struct sr_buf *out);

/**
 * Try to become the node that runs the retention sweeper (KMS.md §8): a PostgreSQL session
 * advisory lock held until the handle closes; with SQLite (one node) always granted.
 */
SR_MUST_USE sr_err sr_store_sweeper_try_acquire(struct sr_store *st, bool *acquired);

/** Free a list returned by a sr_store_*_list* function (other than audit); NULL is a no-op. */
void sr_store_free(void *list);
