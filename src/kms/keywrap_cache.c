/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KEK cache (keywrap_int.h). A linear scan of at most 1024 entries costs less than one
 * token round trip, which is what the cache saves, so there is no index. The table is
 * mapped once and never moves; it is locked in memory (mlock, best effort: a low
 * RLIMIT_MEMLOCK only costs the guarantee) and left out of core dumps (MADV_DONTDUMP), as
 * KMS.md §7 and STYLE §7 ask of long-lived key material.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MADV_DONTDUMP */

#include <string.h>
#include <sys/mman.h>

#include "core/alloc.h"
#include "kms/keywrap_int.h"

#define CACHE_MAX ((size_t)1 << 20)

static sr_err table_map(struct sr_kms_kek_cache *c, size_t cap)
{
    size_t bytes;

    SR_CHECK(cap <= CACHE_MAX && sr_size_mul(cap, sizeof(*c->e), &bytes), SR_ERR_LIMIT);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SR_CHECK(p != MAP_FAILED, SR_ERR_NOMEM);
#ifdef MADV_DONTDUMP
    (void)madvise(p, bytes, MADV_DONTDUMP);
#endif
    c->locked = mlock(p, bytes) == 0;
    c->e = p;
    c->bytes = bytes;
    return SR_OK;
}

static void table_unmap(struct sr_kms_kek_cache *c)
{
    if (c->e == NULL) {
        return;
    }
    sr_wipe(c->e, c->bytes);
    if (c->locked) {
        (void)munlock(c->e, c->bytes);
    }
    (void)munmap(c->e, c->bytes);
    c->e = NULL;
}

static void entry_wipe(struct sr_kms_kek_entry *e)
{
    sr_wipe(e, sizeof(*e));
}

sr_err sr_kms_kek_cache_init(struct sr_kms_kek_cache *c, size_t cap, int64_t ttl_ms)
{
    memset(c, 0, sizeof(*c));
    SR_CHECK(ttl_ms >= 0, SR_ERR_ARG);
    if (cap > 0) {
        SR_TRY(table_map(c, cap));
    }
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        table_unmap(c);
        return SR_ERR_NOMEM;
    }
    c->cap = cap;
    c->ttl_ms = ttl_ms;
    return SR_OK;
}

void sr_kms_kek_cache_cleanup(struct sr_kms_kek_cache *c)
{
    table_unmap(c);
    pthread_mutex_destroy(&c->mu);
    memset(c, 0, sizeof(*c));
}

static bool matches(const struct sr_kms_kek_entry *e, const struct sr_kms_kek_name *n)
{
    return e->used && e->gen == n->gen && strcmp(e->kek_id, n->kek_id) == 0 &&
           strcmp(e->org, n->org) == 0 && strcmp(e->cmk_uri, n->cmk_uri) == 0;
}

static bool expired(const struct sr_kms_kek_cache *c, const struct sr_kms_kek_entry *e,
                    int64_t now_ms)
{
    return now_ms - e->created >= c->ttl_ms || now_ms < e->created;
}

bool sr_kms_kek_cache_get(struct sr_kms_kek_cache *c, const struct sr_kms_kek_name *name,
                          int64_t now_ms, uint8_t kek[SR_KMS_KEK_LEN])
{
    bool hit = false;

    (void)pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->cap; i++) {
        struct sr_kms_kek_entry *e = &c->e[i];
        if (!matches(e, name)) {
            continue;
        }
        if (expired(c, e, now_ms)) {
            entry_wipe(e);
            break;
        }
        memcpy(kek, e->kek, SR_KMS_KEK_LEN);
        e->last_used = now_ms;
        hit = true;
        break;
    }
    (void)pthread_mutex_unlock(&c->mu);
    return hit;
}

static bool copy_str(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n >= SR_STORE_ID_MAX) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

/* A slot for a new entry: the same name, a free or expired slot, else the least recently used. */
static struct sr_kms_kek_entry *slot_for(struct sr_kms_kek_cache *c,
                                         const struct sr_kms_kek_name *name, int64_t now_ms)
{
    struct sr_kms_kek_entry *lru = &c->e[0];
    for (size_t i = 0; i < c->cap; i++) {
        struct sr_kms_kek_entry *e = &c->e[i];
        if (!e->used || matches(e, name) || expired(c, e, now_ms)) {
            return e;
        }
        if (e->last_used < lru->last_used) {
            lru = e;
        }
    }
    return lru;
}

void sr_kms_kek_cache_put(struct sr_kms_kek_cache *c, const struct sr_kms_kek_name *name,
                          int64_t now_ms, const uint8_t kek[SR_KMS_KEK_LEN])
{
    if (c->cap == 0 || c->ttl_ms == 0) {
        return;
    }
    (void)pthread_mutex_lock(&c->mu);
    struct sr_kms_kek_entry *e = slot_for(c, name, now_ms);
    entry_wipe(e);
    /* Names too long for a slot are simply not cached. */
    if (copy_str(e->kek_id, name->kek_id) && copy_str(e->org, name->org) &&
        copy_str(e->cmk_uri, name->cmk_uri)) {
        e->used = true;
        e->gen = name->gen;
        e->created = now_ms;
        e->last_used = now_ms;
        memcpy(e->kek, kek, SR_KMS_KEK_LEN);
    } else {
        entry_wipe(e);
    }
    (void)pthread_mutex_unlock(&c->mu);
}

void sr_kms_kek_cache_flush_org(struct sr_kms_kek_cache *c, const char *org)
{
    (void)pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->cap; i++) {
        if (c->e[i].used && strcmp(c->e[i].org, org) == 0) {
            entry_wipe(&c->e[i]);
        }
    }
    (void)pthread_mutex_unlock(&c->mu);
}

size_t sr_kms_kek_cache_count(struct sr_kms_kek_cache *c)
{
    size_t n = 0;
    (void)pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->cap; i++) {
        n += c->e[i].used ? 1 : 0;
    }
    (void)pthread_mutex_unlock(&c->mu);
    return n;
}
