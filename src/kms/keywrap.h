/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS key hierarchy below the CMK (KMS.md §7):
 *
 *   CMK (provider)
 *    └ KEK  per org per UTC month, or after 2^20 wraps; sealed by the CMK (cmk.h)
 *      └ content key: AES-256-GCM in software,
 *           AAD = "sealroom-ck-v1" | key_uri | org | kek_id,  blob = IV || ct || tag (60 bytes)
 *
 * KEK records are the store's (`struct sr_store_kek`, the `keks` table): this file fills them
 * for the server to insert and reads them back, and never touches the store itself. Opened
 * KEKs are kept in a bounded LRU (default 1024 entries, 15 min), wiped on eviction; an entry
 * is only used while the CMK it came from is in the same state (sr_kms_cmk_generation), so a
 * revoke or a rotation drops them at once, and sr_kms_keywrap_flush_org serves a bump of the
 * org's generation seen in the store. The CMK's state is checked before every use, cached or
 * not: a revoked CMK gives SR_ERR_DENIED, a failed tag SR_ERR_AUTH. Thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "kms/cmk.h"
#include "store/store.h"

#define SR_KMS_CK_LEN            32
#define SR_KMS_CK_BLOB_LEN       (SR_KMS_GCM_IV_LEN + SR_KMS_CK_LEN + SR_KMS_GCM_TAG_LEN)
#define SR_KMS_KEK_MAX_WRAPS     ((int64_t)1 << 20)
#define SR_KMS_KEK_CACHE_DEFAULT 1024
#define SR_KMS_KEK_CACHE_TTL_MS  ((int64_t)15 * 60 * 1000)
#define SR_KMS_KEK_PERIOD_LEN    8 /* "YYYY-MM" and the NUL */

struct sr_kms_keywrap;

/** A hierarchy with a KEK cache of `max_entries` (0: none) kept `ttl_ms` each. */
SR_MUST_USE sr_err sr_kms_keywrap_new(size_t max_entries, int64_t ttl_ms,
                                      struct sr_kms_keywrap **out);
/** Wipe every cached KEK and free. NULL does nothing. */
void sr_kms_keywrap_free(struct sr_kms_keywrap *kw);

/** The KEK period of a time in ms since the epoch: its UTC month, "2026-03". */
SR_MUST_USE sr_err sr_kms_kek_period(int64_t now_ms, char out[SR_KMS_KEK_PERIOD_LEN]);

/**
 * Whether `kek` may wrap one more content key at `now_ms` under `cmk`: not shredded, of the
 * CMK's org and URI, of the current period, and under SR_KMS_KEK_MAX_WRAPS wraps.
 */
bool sr_kms_kek_usable(const struct sr_store_kek *kek, const struct sr_kms_cmk *cmk,
                       int64_t now_ms);

/**
 * Make a KEK for the CMK's org: 32 random bytes sealed by `cmk` (which must be active).
 * Fills `out` (kek_id, org_id, cmk_uri, period, wrapped, wraps = 0, created = now_ms) for
 * sr_store_kek_insert, and caches the KEK. `kek_id` is the caller's fresh id.
 */
SR_MUST_USE sr_err sr_kms_keywrap_kek_new(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                          const char *kek_id, int64_t now_ms,
                                          struct sr_store_kek *out);

/**
 * Wrap a new content key for `key_uri`: makes 32 random bytes into `ck` and seals them into
 * `blob`. `current` is the org's KEK from sr_store_kek_current (NULL if none); when it is not
 * usable (sr_kms_kek_usable) a new KEK named `new_kek_id` is made into `new_kek` and
 * *made_kek is set: the server inserts it before the key. Either way `*kek_used` points at the
 * record that wraps the key (count the wrap with sr_store_kek_add_wraps).
 */
SR_MUST_USE sr_err sr_kms_keywrap_ck_new(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                         const struct sr_store_kek *current, const char *new_kek_id,
                                         const char *key_uri, int64_t now_ms,
                                         uint8_t ck[SR_KMS_CK_LEN],
                                         uint8_t blob[SR_KMS_CK_BLOB_LEN],
                                         struct sr_store_kek *new_kek, bool *made_kek,
                                         const struct sr_store_kek **kek_used);

/** Seal the given content key under `kek` (which `cmk` wraps; the CMK must be active). */
SR_MUST_USE sr_err sr_kms_keywrap_ck_wrap(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                          const struct sr_store_kek *kek, const char *key_uri,
                                          const uint8_t ck[SR_KMS_CK_LEN], int64_t now_ms,
                                          uint8_t blob[SR_KMS_CK_BLOB_LEN]);

/**
 * Open a content key blob of `key_uri` wrapped under `kek`, whose CMK is `cmk` (active or
 * rotating). SR_ERR_DENIED if the CMK is revoked, SR_ERR_NOT_FOUND if the KEK is shredded,
 * SR_ERR_ARG if `cmk` is not the KEK's CMK, SR_ERR_AUTH if a tag fails. `ck` is zeroed on error.
 */
SR_MUST_USE sr_err sr_kms_keywrap_ck_unwrap(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                            const struct sr_store_kek *kek, const char *key_uri,
                                            struct sr_slice blob, int64_t now_ms,
                                            uint8_t ck[SR_KMS_CK_LEN]);

/**
 * Channel keys shared between nodes (KMS.md §7): the same sealing under the deployment channel
 * KEK (a KEK of the service CMK, org ""), AAD = "sealroom-channel-v1" | channel_uri. Errors as
 * for content keys.
 */
SR_MUST_USE sr_err sr_kms_keywrap_channel_wrap(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                               const struct sr_store_kek *kek,
                                               const char *channel_uri,
                                               const uint8_t key[SR_KMS_CK_LEN], int64_t now_ms,
                                               uint8_t blob[SR_KMS_CK_BLOB_LEN]);
SR_MUST_USE sr_err sr_kms_keywrap_channel_unwrap(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                                 const struct sr_store_kek *kek,
                                                 const char *channel_uri, struct sr_slice blob,
                                                 int64_t now_ms, uint8_t key[SR_KMS_CK_LEN]);

/**
 * CMK rotation (KMS.md §7): open each of `n` KEKs with `old` (rotating) and seal it with `new`
 * (active, same org). out[i] is the new `wrapped` of keks[i] for sr_store_kek_rewrap(kek_id,
 * new URI, out[i]); content keys are not touched. All or nothing: on error no output is valid.
 * Shredded KEKs are skipped (out[i] zeroed). Call it in batches (the store gives 100 at a time).
 */
SR_MUST_USE sr_err sr_kms_keywrap_rotate(struct sr_kms_keywrap *kw, struct sr_kms_cmk *old,
                                         struct sr_kms_cmk *new_cmk,
                                         const struct sr_store_kek *keks, size_t n,
                                         uint8_t (*out)[SR_KMS_KEK_BLOB_LEN]);

/** The kill switch: move `cmk` to revoked and drop its org's cached KEKs at once. */
SR_MUST_USE sr_err sr_kms_keywrap_revoke(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk);

/** Drop (and wipe) every cached KEK of `org`, e.g. when orgs.generation changed. */
void sr_kms_keywrap_flush_org(struct sr_kms_keywrap *kw, const char *org);

/** How many KEKs are cached (for tests and metrics). */
size_t sr_kms_keywrap_cached(struct sr_kms_keywrap *kw);
