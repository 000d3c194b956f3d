/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small pieces of the KMS wire protocol shared by the server files (KMS.md §1, §2): object
 * URIs (`kms://<host>/<collection>/<uuid>` or the bare path, another host being 421
 * WRONG_KMS), random v4 UUIDs, RFC 3339 times with milliseconds, and typed access to JSON
 * members where a known member of the wrong type is a 400 and unknown members are ignored.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "store/store.h"

#define SR_KMS_UUID_LEN    37 /* 36 characters and the NUL */
#define SR_KMS_TIME_LEN    32
#define SR_KMS_SEGMENT_MAX 32
#define SR_KMS_OBJ_ID_MAX  65 /* an object id in a path (a UUID, or an org id) */

/** A parsed request URI: /<col>[/<id>[/<sub>]][?authId=<auth_id>]. */
struct sr_kms_uri {
    char col[SR_KMS_SEGMENT_MAX];
    char id[SR_KMS_OBJ_ID_MAX];
    char sub[SR_KMS_SEGMENT_MAX];
    char auth_id[SR_STORE_ID_MAX];
    bool has_query;
    char shape[3 * SR_KMS_SEGMENT_MAX]; /* e.g. "keys", "keys/+" with + for the id */
};

/**
 * Parse `uri` (absolute with `host`, or a bare path). SR_ERR_WRONG_GROUP when it names
 * another host (the server's 421), SR_ERR_DECODE when it is not a KMS URI.
 */
SR_MUST_USE sr_err sr_kms_uri_parse(const char *host, const char *uri, struct sr_kms_uri *out);

/** "kms://<host>/<col>/<id>" into out; SR_ERR_LIMIT when it does not fit. */
SR_MUST_USE sr_err sr_kms_uri_make(const char *host, const char *col, const char *id,
                                   char out[SR_STORE_ID_MAX]);

/**
 * The absolute URI of an object of collection `col` named by `uri` (absolute or bare);
 * SR_ERR_DECODE when `uri` is not exactly one object of `col`, SR_ERR_WRONG_GROUP for
 * another host.
 */
SR_MUST_USE sr_err sr_kms_uri_canonical(const char *host, const char *col, const char *uri,
                                        char out[SR_STORE_ID_MAX]);

/** A random lowercase v4 UUID. */
SR_MUST_USE sr_err sr_kms_uuid(char out[SR_KMS_UUID_LEN]);

/** "2026-03-02T09:00:00.000Z" for ms since the epoch (>= 0, before year 10000). */
SR_MUST_USE sr_err sr_kms_time_format(int64_t ms, char out[SR_KMS_TIME_LEN]);
#define SR_KMS_PERIOD_LEN 24
/**
 * The recordings period (KMS.md §9) holding `ms`: unit "week" (7-day blocks from the epoch,
 * "w<n>"), "month" ("2026-03") or "quarter" ("2026-Q1"), and when it ends (ms, exclusive).
 * SR_ERR_INVALID for another unit.
 */
SR_MUST_USE sr_err sr_kms_period(int64_t ms, const char *unit, char out[SR_KMS_PERIOD_LEN],
                                 int64_t *end);
/** Any RFC 3339 date-time ("Z" or a numeric offset, optional fraction) to ms. */
SR_MUST_USE sr_err sr_kms_time_parse(const char *s, int64_t *ms);

/**
 * Member `name` of `obj` as a string: *out NULL when absent; SR_ERR_DECODE when present
 * with another type, or longer than max_len characters, or empty.
 */
SR_MUST_USE sr_err sr_kms_json_str(const json_t *obj, const char *name, size_t max_len,
                                   const char **out);
/** Member `name` as an integer (absent: *present false); SR_ERR_DECODE for another type. */
SR_MUST_USE sr_err sr_kms_json_int(const json_t *obj, const char *name, int64_t *out,
                                   bool *present);
/** Member `name` as an array of strings of at most max_len chars (absent: NULL). */
SR_MUST_USE sr_err sr_kms_json_str_array(const json_t *obj, const char *name, size_t max_len,
                                         const json_t **out);

/** obj[name] = string `value` (copied); SR_ERR_NOMEM. */
SR_MUST_USE sr_err sr_kms_json_put_str(json_t *obj, const char *name, const char *value);
/** obj[name] = RFC 3339 form of `ms` (nothing for ms == 0). */
SR_MUST_USE sr_err sr_kms_json_put_time(json_t *obj, const char *name, int64_t ms);
/** obj[name] = value, consuming `value` on every path. */
SR_MUST_USE sr_err sr_kms_json_put(json_t *obj, const char *name, json_t *value);
