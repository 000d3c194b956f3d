/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS client (KMS.md, DESIGN.md "KMS flow"): a transport-agnostic client that finds the
 * KMS (GET /kms/v1/details), sets up an ECDHE channel with a bearer credential, and then
 * sends requests as dir+A256GCM JWEs in POST /kms/v1/messages, batching independent ones.
 * The channel is reused until shortly before it expires; a signed reset (499) makes the
 * client handshake again once and retry. Retrieved keys are cached by URI and wiped on free.
 *
 * It also encrypts content under a KMS key: messages as compact JWE dir+A256GCM with
 * kid = the key URI, and files of any size in chunks under a fresh per-file key that
 * travels, encrypted under the KMS key, in the file's header (the secure content reference).
 *
 * The client owns no socket or clock: the application passes a transport callback (the
 * HTTPS client in `sealroom kms`, the server engine itself in tests) and a clock.
 * One client is used by one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/common.h>
#include <sealroom/err.h>

#define SR_KMS_URI_MAX     256 /* with the NUL */
#define SR_KMS_ID_MAX      256 /* user, client and auth ids, with the NUL */
#define SR_KMS_KEY_LEN     32  /* AES-256 content keys */
#define SR_KMS_BATCH_LIMIT 50  /* messages in one POST (KMS.md §5) */

/**
 * Carry one HTTP exchange. `path` is "/kms/v1/details" (a GET; `body` is empty) or
 * "/kms/v1/messages" (a POST of JSON `body`). Set *status to the HTTP status and append
 * the response body to `out` (an empty buffer). Return SR_OK when an HTTP answer arrived
 * (any status), else an error such as SR_ERR_IO, which the client retries with backoff.
 */
typedef sr_err (*sr_kms_transport_fn)(void *arg, const char *path, struct sr_slice body,
                                      int *status, struct sr_buf *out);
/** The current time in ms since the epoch. */
typedef int64_t (*sr_kms_clock_fn)(void *arg);
/** Wait `ms` milliseconds before a retry. */
typedef void (*sr_kms_sleep_fn)(void *arg, unsigned ms);

struct sr_kms_client_config {
    const char *client_id; /* per device, 1-128 characters */
    const char *bearer;    /* the user's JWT (copied, wiped on free) */
    sr_kms_transport_fn transport;
    void *transport_arg;
    sr_kms_clock_fn clock; /* required */
    void *clock_arg;
    sr_kms_sleep_fn sleep; /* NULL: retry at once */
    void *sleep_arg;
    unsigned retries;           /* transport retries per exchange; 0: 2 */
    unsigned backoff_ms;        /* first retry delay, doubled each time; 0: 200 */
    int64_t renew_before_ms;    /* handshake again this long before expiry; 0: 60 s */
    size_t key_cache_max;       /* cached keys; 0: 64 */
    const char *expect_cluster; /* NULL, or the kms://<host> the details must name */
    /* NULL, or the RFC 7638 SHA-256 thumbprint (base64url) the static key must have: the
     * pin that makes a TLS-terminating front end unable to substitute the static key. */
    const char *static_key_thumbprint;
    /* NULL, or PEM trust anchors (certificates) for the static key (KMS.md §5): discovery then
     * requires its x5c to chain to one at the clock's time, its leaf to be for the kid's host
     * (a DNS SAN, or the CN) and n/e to be the leaf's key. SR_ERR_DECODE from _new when the
     * text holds no certificate. */
    const char *static_key_anchors;
};

/** A content key. `k` is secret: wipe it with sr_kms_key_cleanup. */
struct sr_kms_key {
    char uri[SR_KMS_URI_MAX];
    char resource_uri[SR_KMS_URI_MAX]; /* "" while unbound */
    char user_id[SR_KMS_ID_MAX];
    char client_id[SR_KMS_ID_MAX];
    int64_t create_ms, expiration_ms, bind_ms; /* bind_ms 0 while unbound */
    uint8_t k[SR_KMS_KEY_LEN];
};

struct sr_kms_key_list {
    size_t n;
    struct sr_kms_key *keys; /* n entries; sr_kms_key_list_cleanup wipes and frees them */
};

struct sr_kms_resource {
    char uri[SR_KMS_URI_MAX];
    char kind[32];
    int64_t ttl_s;
    size_t n_keys, n_authorizations;
    char (*key_uris)[SR_KMS_URI_MAX];           /* n_keys entries */
    char (*authorization_uris)[SR_KMS_URI_MAX]; /* n_authorizations entries */
};

/** What to create: every pointer is borrowed for the call. */
struct sr_kms_resource_spec {
    const char *kind; /* NULL: "other" */
    int64_t ttl_s;    /* 0: none */
    const char *const *auth_ids;
    size_t n_auth_ids;
    const char *const *key_uris;
    size_t n_key_uris;
};

struct sr_kms_authorization {
    char uri[SR_KMS_URI_MAX];
    char auth_id[SR_KMS_ID_MAX];
    char resource_uri[SR_KMS_URI_MAX];
    char role_uri[SR_KMS_URI_MAX];
    int64_t create_ms;
};

struct sr_kms_authorization_list {
    size_t n;
    struct sr_kms_authorization *items;
};

/** Counters for tests and diagnostics. */
struct sr_kms_client_stats {
    unsigned long discoveries, handshakes, posts, messages, resets, retries, cache_hits;
};

/** The last refusal or failure, for error messages. */
struct sr_kms_client_error {
    int status;       /* the KMS status (e.g. 403) or HTTP status; 0 for none */
    char code[32];    /* the KMS errorCode, e.g. "NOT_AUTHORIZED"; "" for none */
    char reason[256]; /* the KMS reason or a local explanation */
};

struct sr_kms_client;

/**
 * A client; nothing is sent until the first operation. Strings are copied.
 * SR_ERR_ARG for a missing transport, clock, client id or bearer; SR_ERR_NOMEM.
 */
SR_API SR_MUST_USE sr_err sr_kms_client_new(const struct sr_kms_client_config *cfg,
                                            struct sr_kms_client **out);
/** Wipe the channel key, bearer and cached keys, and free. NULL does nothing. */
SR_API void sr_kms_client_free(struct sr_kms_client *c);
/**
 * End the channel (delete /ecdhe/{id}, KMS.md §2) so the KMS can forget K; the next
 * operation handshakes again. Nothing is sent when no channel is live. Errors as the
 * operations below; the channel is dropped locally in every case.
 */
SR_API SR_MUST_USE sr_err sr_kms_client_close(struct sr_kms_client *c);
/** Replace the bearer (e.g. after a token refresh); the next handshake uses it. */
SR_API SR_MUST_USE sr_err sr_kms_client_set_bearer(struct sr_kms_client *c, const char *bearer);

SR_API void sr_kms_client_get_stats(const struct sr_kms_client *c, struct sr_kms_client_stats *out);
/** The last failure; borrowed until the next call on `c`. */
SR_API const struct sr_kms_client_error *sr_kms_client_last_error(const struct sr_kms_client *c);
/** The static key's RFC 7638 thumbprint (base64url) found by discovery, or "" before it. */
SR_API const char *sr_kms_client_static_thumbprint(const struct sr_kms_client *c);
/** The KMS name found by discovery ("kms://<host>"), or "" before it. */
SR_API const char *sr_kms_client_cluster(const struct sr_kms_client *c);

/*
 * Operations. Each sets up the channel when needed and returns the KMS status mapped to
 * sr_err: 400/422 SR_ERR_INVALID, 401 SR_ERR_AUTH, 403 SR_ERR_DENIED, 404/410
 * SR_ERR_NOT_FOUND, 409 SR_ERR_EXISTS, 413/429 SR_ERR_LIMIT, 421 SR_ERR_WRONG_GROUP,
 * 501 SR_ERR_UNSUPPORTED, other failures SR_ERR_IO; a reply that does not verify is
 * SR_ERR_AUTH, one that does not parse SR_ERR_DECODE. Details: sr_kms_client_last_error.
 * Outputs are zeroed on error.
 */

/** update /ping. */
SR_API SR_MUST_USE sr_err sr_kms_client_ping(struct sr_kms_client *c);
/** create /keys with `count` 1-100; the keys are cached. */
SR_API SR_MUST_USE sr_err sr_kms_client_keys_create(struct sr_kms_client *c, size_t count,
                                                    struct sr_kms_key_list *out);
/** retrieve /keys/{id}, from the cache when present. */
SR_API SR_MUST_USE sr_err sr_kms_client_key_retrieve(struct sr_kms_client *c, const char *uri,
                                                     struct sr_kms_key *out);
/**
 * Retrieve several keys: cached ones locally, the rest in batches of SR_KMS_BATCH_LIMIT
 * requests per POST. `out` has n entries; on error all are wiped.
 */
SR_API SR_MUST_USE sr_err sr_kms_client_keys_retrieve(struct sr_kms_client *c,
                                                      const char *const *uris, size_t n,
                                                      struct sr_kms_key *out);
/**
 * retrieve /keys/{id} as a compliance officer (kms.orgAgent; KMS.md §1 rule 3, §6, §9): with
 * `reason` (required, audited), and with `on_behalf_of` (may be NULL) access is judged as that
 * user of the officer's org; the audit row names both. Not served from or kept in the cache.
 */
SR_API SR_MUST_USE sr_err sr_kms_client_key_retrieve_compliance(struct sr_kms_client *c,
                                                                const char *uri,
                                                                const char *on_behalf_of,
                                                                const char *reason,
                                                                struct sr_kms_key *out);
/** create /resources (the creator is authorized too; the keys are bound to it). */
SR_API SR_MUST_USE sr_err sr_kms_client_resource_create(struct sr_kms_client *c,
                                                        const struct sr_kms_resource_spec *spec,
                                                        struct sr_kms_resource *out);
/** retrieve /resources/{id}. */
SR_API SR_MUST_USE sr_err sr_kms_client_resource_retrieve(struct sr_kms_client *c, const char *uri,
                                                          struct sr_kms_resource *out);
/** retrieve /resources/{id}/keys, newest first, at most `count` (0: the KMS default). */
SR_API SR_MUST_USE sr_err sr_kms_client_resource_keys(struct sr_kms_client *c,
                                                      const char *resource_uri, size_t count,
                                                      struct sr_kms_key_list *out);
/** create /authorizations for `auth_ids` on the resource; `role_uri` may be NULL. */
SR_API SR_MUST_USE sr_err sr_kms_client_authorize(struct sr_kms_client *c, const char *resource_uri,
                                                  const char *const *auth_ids, size_t n,
                                                  const char *role_uri,
                                                  struct sr_kms_authorization_list *out);
/** delete /resources/{id}/authorizations?authId=x; *out (may be NULL) is the removed one. */
SR_API SR_MUST_USE sr_err sr_kms_client_deauthorize(struct sr_kms_client *c,
                                                    const char *resource_uri, const char *auth_id,
                                                    struct sr_kms_authorization *out);

/*
 * Administration (KMS.md §3): legal holds (compliance officers, kms.orgAgent), the audit
 * export (compliance officers and KMS admins) and CMKs (org admins and KMS admins). Errors as
 * above; 503 (a revoked CMK) is SR_ERR_IO with status 503 in sr_kms_client_last_error.
 */

struct sr_kms_hold {
    char uri[SR_KMS_URI_MAX];
    char org_id[SR_KMS_ID_MAX];
    char scope[16]; /* resource, user or org */
    char target[SR_KMS_URI_MAX];
    char reason[1024];
    char created_by[SR_KMS_ID_MAX];
    int64_t create_ms, release_ms; /* release_ms 0 while active */
    char released_by[SR_KMS_ID_MAX];
};

struct sr_kms_hold_list {
    size_t n;
    struct sr_kms_hold *items;
};

/**
 * create /holds: `scope` "resource" (target = a resource URI), "user" (a user id) or "org"
 * (target NULL: the org). `org_id` NULL: the caller's org. `reason` is required.
 */
SR_API SR_MUST_USE sr_err sr_kms_client_hold_create(struct sr_kms_client *c, const char *org_id,
                                                    const char *scope, const char *target,
                                                    const char *reason, struct sr_kms_hold *out);
/** retrieve /holds: every hold of the org, active and released. */
SR_API SR_MUST_USE sr_err sr_kms_client_holds_list(struct sr_kms_client *c, const char *org_id,
                                                   struct sr_kms_hold_list *out);
/** delete /holds/{id}: release the hold (never erased); `reason` is required. */
SR_API SR_MUST_USE sr_err sr_kms_client_hold_release(struct sr_kms_client *c, const char *uri,
                                                     const char *reason, struct sr_kms_hold *out);
SR_API void sr_kms_hold_list_cleanup(struct sr_kms_hold_list *list);

/**
 * delete /keys/{id} or /resources/{id}: crypto-shred (org admins and KMS admins, `reason`
 * required); SR_ERR_EXISTS (409 LEGAL_HOLD) while a legal hold covers it.
 */
SR_API SR_MUST_USE sr_err sr_kms_client_shred(struct sr_kms_client *c, const char *uri,
                                              const char *reason);

/** One audit row as exported (no key material is ever in one). */
struct sr_kms_audit_entry {
    char chain[SR_KMS_ID_MAX];
    int64_t seq, ts_ms;
    char org_id[SR_KMS_ID_MAX];
    char actor[SR_KMS_ID_MAX];
    char actor_role[32];
    char on_behalf_of[SR_KMS_ID_MAX]; /* "" when none */
    char method[16];
    char uri[SR_KMS_URI_MAX];
    int status;
    char error_code[32];
    char request_id[SR_KMS_ID_MAX];
    char reason[1024];
    char *released; /* the released key URIs as a JSON array, or NULL */
    char mac[65];   /* hex */
};

struct sr_kms_audit_page {
    size_t n;
    struct sr_kms_audit_entry *entries;
    char next_cursor[SR_KMS_URI_MAX + 64]; /* "" on the last page */
};

/** What to export; every pointer borrowed for the call. */
struct sr_kms_audit_query {
    const char *org_id; /* NULL: the caller's org */
    int64_t since_ms;   /* 0: from the start */
    const char *cursor; /* NULL, or next_cursor of the previous page */
    size_t limit;       /* 1-1000; 0: the KMS default (100) */
    const char *reason; /* NULL, or why (recorded in the audit row of the export) */
};

/** retrieve /audit: one page of the org's rows, oldest first. */
SR_API SR_MUST_USE sr_err sr_kms_client_audit_export(struct sr_kms_client *c,
                                                     const struct sr_kms_audit_query *q,
                                                     struct sr_kms_audit_page *out);
SR_API void sr_kms_audit_page_cleanup(struct sr_kms_audit_page *page);

struct sr_kms_cmk_info {
    char uri[SR_KMS_URI_MAX];
    char state[16]; /* pending, active, rotating, retired, revoked, deleted */
    int64_t version;
    char provider[32];
    int64_t create_ms;
};

struct sr_kms_cmk_list {
    size_t n;
    struct sr_kms_cmk_info *items; /* newest version first */
};

/** retrieve /cmk: the org's CMKs (`org_id` NULL or "": the service CMK's). */
SR_API SR_MUST_USE sr_err sr_kms_client_cmk_list(struct sr_kms_client *c, const char *org_id,
                                                 struct sr_kms_cmk_list *out);
/**
 * create /cmk. Without `wrapped` (empty) the KMS generates a CMK that is active at once (a
 * rotation); with it (the output of sr_kms_cmk_wrap_for_import) the upload is pending.
 * `backup` (may be empty) is kept as received for re-import after token loss.
 */
SR_API SR_MUST_USE sr_err sr_kms_client_cmk_create(struct sr_kms_client *c, const char *org_id,
                                                   struct sr_slice wrapped, struct sr_slice backup,
                                                   struct sr_kms_cmk_info *out);
/** update /cmk/{id} to `state` (active, revoked, deleted). */
SR_API SR_MUST_USE sr_err sr_kms_client_cmk_set_state(struct sr_kms_client *c, const char *uri,
                                                      const char *state,
                                                      struct sr_kms_cmk_info *out);
/** retrieve /publicKey: the org's BYOK RSA key, its JWK as JSON text appended to `jwk`. */
SR_API SR_MUST_USE sr_err sr_kms_client_cmk_public_key(struct sr_kms_client *c, const char *org_id,
                                                       struct sr_buf *jwk);
/**
 * BYOK: encrypt a 32-byte CMK to the RSA public JWK from sr_kms_client_cmk_public_key with
 * RSA-OAEP (SHA-256, MGF1-SHA-256, no label), the raw ciphertext appended to `out`.
 * SR_ERR_DECODE for a JWK that is not an RSA public key.
 */
SR_API SR_MUST_USE sr_err sr_kms_cmk_wrap_for_import(struct sr_slice jwk,
                                                     const uint8_t key[SR_KMS_KEY_LEN],
                                                     struct sr_buf *out);
SR_API void sr_kms_cmk_list_cleanup(struct sr_kms_cmk_list *list);

/** Wipe the key bytes (and the rest). */
SR_API void sr_kms_key_cleanup(struct sr_kms_key *key);
SR_API void sr_kms_key_list_cleanup(struct sr_kms_key_list *list);
SR_API void sr_kms_resource_cleanup(struct sr_kms_resource *res);
SR_API void sr_kms_authorization_list_cleanup(struct sr_kms_authorization_list *list);

/*
 * Content under a KMS key (DESIGN.md KMS flow step 3).
 */

/**
 * Encrypt `pt` as a compact JWE {"alg":"dir","enc":"A256GCM","kid":<key uri>} under the
 * key, appended to `out` (NUL terminated, the NUL not counted). SR_ERR_LIMIT past 16 MiB.
 */
SR_API SR_MUST_USE sr_err sr_kms_message_encrypt(const struct sr_kms_key *key, struct sr_slice pt,
                                                 struct sr_buf *out);
/** The key URI a message (or a file header's reference) names; SR_ERR_DECODE if none. */
SR_API SR_MUST_USE sr_err sr_kms_message_kid(struct sr_slice jwe, char uri[SR_KMS_URI_MAX]);
/**
 * Check the header (alg dir, enc A256GCM, kid = the key's URI, 12-byte IV, 16-byte tag) and
 * decrypt into `out` (create it with SR_BUF_WIPE). SR_ERR_DECODE, SR_ERR_UNSUPPORTED,
 * SR_ERR_NOT_FOUND (another key), SR_ERR_AUTH (tampered); `out` is unchanged on error.
 */
SR_API SR_MUST_USE sr_err sr_kms_message_decrypt(const struct sr_kms_key *key, struct sr_slice jwe,
                                                 struct sr_buf *out);

/*
 * Files: header || chunk*, chunk = AES-256-GCM(file key, nonce = chunk index, aad =
 * prefix || index || final || total length when final) of SR_KMS_FILE_CHUNK plaintext bytes,
 * the last one shorter (possibly empty) and flagged final. Encrypt and decrypt keep at most
 * one chunk in memory. Decrypted output is authentic chunk by chunk; a stream is complete
 * only when sr_kms_file_dec_final succeeds (truncation and reordering are detected).
 */
#define SR_KMS_FILE_CHUNK  ((size_t)64 * 1024)
#define SR_KMS_FILE_PREFIX 16 /* the fixed start of the header; it gives the header's length */

struct sr_kms_file_enc;
struct sr_kms_file_dec;

/** Start a file under the KMS key: a fresh file key; the header is appended to `header`. */
SR_API SR_MUST_USE sr_err sr_kms_file_enc_new(const struct sr_kms_key *key, struct sr_buf *header,
                                              struct sr_kms_file_enc **out);
/** Encrypt more plaintext; whole chunks are appended to `out`. */
SR_API SR_MUST_USE sr_err sr_kms_file_enc_update(struct sr_kms_file_enc *enc, struct sr_slice in,
                                                 struct sr_buf *out);
/** The final chunk; the encryptor accepts nothing after it. */
SR_API SR_MUST_USE sr_err sr_kms_file_enc_final(struct sr_kms_file_enc *enc, struct sr_buf *out);
SR_API void sr_kms_file_enc_free(struct sr_kms_file_enc *enc);

/** From the first SR_KMS_FILE_PREFIX bytes, the whole header's length; SR_ERR_DECODE. */
SR_API SR_MUST_USE sr_err sr_kms_file_header_len(struct sr_slice prefix, size_t *len);
/** The KMS key URI named by a whole header (to retrieve the key). */
SR_API SR_MUST_USE sr_err sr_kms_file_header_kid(struct sr_slice header, char uri[SR_KMS_URI_MAX]);
/** Open the header's content reference with the KMS key (SR_ERR_AUTH when it fails). */
SR_API SR_MUST_USE sr_err sr_kms_file_dec_new(const struct sr_kms_key *key, struct sr_slice header,
                                              struct sr_kms_file_dec **out);
/** Decrypt more ciphertext; authentic plaintext of whole chunks is appended to `out`. */
SR_API SR_MUST_USE sr_err sr_kms_file_dec_update(struct sr_kms_file_dec *dec, struct sr_slice in,
                                                 struct sr_buf *out);
/** The end of input: check and decrypt the final chunk. SR_ERR_AUTH, SR_ERR_DECODE. */
SR_API SR_MUST_USE sr_err sr_kms_file_dec_final(struct sr_kms_file_dec *dec, struct sr_buf *out);
SR_API void sr_kms_file_dec_free(struct sr_kms_file_dec *dec);
