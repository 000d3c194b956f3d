/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KEK cache behind keywrap.c (KMS.md §7): a bounded LRU of opened KEKs with a lifetime,
 * keyed by KEK id, org, CMK URI and the CMK's generation, so an entry made before a revoke or a
 * rotation never matches again. Entries are wiped when evicted, expired, flushed or freed.
 * All functions take the cache's own lock.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <sealroom/err.h>

#include "kms/cmk.h"
#include "store/store.h"

struct sr_kms_kek_entry {
    bool used;
    uint64_t gen;
    int64_t created, last_used;
    char kek_id[SR_STORE_ID_MAX];
    char org[SR_STORE_ID_MAX];
    char cmk_uri[SR_STORE_ID_MAX];
    uint8_t kek[SR_KMS_KEK_LEN];
};

struct sr_kms_kek_cache {
    pthread_mutex_t mu;
    struct sr_kms_kek_entry *e; /* mapped, locked when `locked` */
    size_t cap, bytes;
    bool locked;
    int64_t ttl_ms;
};

/* The identity of a cached KEK. */
struct sr_kms_kek_name {
    const char *kek_id, *org, *cmk_uri;
    uint64_t gen;
};

SR_MUST_USE sr_err sr_kms_kek_cache_init(struct sr_kms_kek_cache *c, size_t cap, int64_t ttl_ms);
void sr_kms_kek_cache_cleanup(struct sr_kms_kek_cache *c);
/* Copy the KEK into `kek` and mark it used; false (and nothing copied) on a miss. */
bool sr_kms_kek_cache_get(struct sr_kms_kek_cache *c, const struct sr_kms_kek_name *name,
                          int64_t now_ms, uint8_t kek[SR_KMS_KEK_LEN]);
void sr_kms_kek_cache_put(struct sr_kms_kek_cache *c, const struct sr_kms_kek_name *name,
                          int64_t now_ms, const uint8_t kek[SR_KMS_KEK_LEN]);
void sr_kms_kek_cache_flush_org(struct sr_kms_kek_cache *c, const char *org);
size_t sr_kms_kek_cache_count(struct sr_kms_kek_cache *c);
