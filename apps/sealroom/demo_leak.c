/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Did the relay ever see a plaintext byte? Every plaintext the participants send is cut into
 * 16-byte windows at offsets 0, 16, 32, ... (and its last 16 bytes), kept in a hash table.
 * A rolling hash then slides over everything the relay received, one byte at a time, and
 * each position whose hash is in the table is compared byte for byte. Any plaintext stretch
 * of 31 bytes or more contains a whole window, so a leaked plaintext cannot hide; the search
 * is linear in the relay's traffic, which stays fast at a thousand participants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define WIN       16
#define HASH_BASE 0x100000001b3ull

struct demo_leak {
    uint8_t (*win)[WIN]; /* the windows */
    uint64_t *hash;      /* their rolling hashes */
    size_t count, cap;
    uint32_t *table; /* open addressing: window index + 1, 0 when empty */
    unsigned bits;
    uint64_t bytes; /* plaintext bytes remembered */
};

static uint64_t base_pow15(void)
{
    uint64_t p = 1;
    for (int i = 0; i < WIN - 1; i++) {
        p *= HASH_BASE;
    }
    return p;
}

static uint64_t hash_window(const uint8_t *p)
{
    uint64_t h = 0;
    for (int i = 0; i < WIN; i++) {
        h = h * HASH_BASE + p[i];
    }
    return h;
}

static size_t slot_of(const struct demo_leak *l, uint64_t h)
{
    return (size_t)((h * 0x9e3779b97f4a7c15ull) >> (64 - l->bits));
}

/* The window index + 1 holding `p` (hash `h`), or 0. */
static uint32_t find(const struct demo_leak *l, const uint8_t *p, uint64_t h)
{
    size_t mask = ((size_t)1 << l->bits) - 1;
    for (size_t s = slot_of(l, h);; s = (s + 1) & mask) {
        uint32_t e = l->table[s];
        if (e == 0) {
            return 0;
        }
        if (l->hash[e - 1] == h && memcmp(l->win[e - 1], p, WIN) == 0) {
            return e;
        }
    }
}

static void place(struct demo_leak *l, uint32_t e)
{
    size_t mask = ((size_t)1 << l->bits) - 1;
    size_t s = slot_of(l, l->hash[e - 1]);
    while (l->table[s] != 0) {
        s = (s + 1) & mask;
    }
    l->table[s] = e;
}

/* Keep the table at most half full. */
static sr_err grow(struct demo_leak *l)
{
    if (l->count + 1 < l->cap) {
        return SR_OK;
    }
    size_t cap = l->cap ? l->cap * 2 : 1024;
    void *win = realloc(l->win, cap * WIN);
    if (win == NULL) {
        return SR_ERR_NOMEM;
    }
    l->win = win;
    void *hash = realloc(l->hash, cap * sizeof(*l->hash));
    uint32_t *table = calloc(cap * 2, sizeof(*table));
    if (hash == NULL || table == NULL) {
        free(table);
        l->hash = hash != NULL ? hash : l->hash;
        return SR_ERR_NOMEM;
    }
    l->hash = hash;
    free(l->table);
    l->table = table;
    l->cap = cap;
    for (l->bits = 0; ((size_t)1 << l->bits) < cap * 2; l->bits++) {
    }
    for (size_t i = 0; i < l->count; i++) {
        place(l, (uint32_t)(i + 1));
    }
    return SR_OK;
}

static sr_err add_window(struct demo_leak *l, const uint8_t *p)
{
    uint64_t h = hash_window(p);
    if (l->table != NULL && find(l, p, h) != 0) {
        return SR_OK;
    }
    SR_TRY(grow(l));
    memcpy(l->win[l->count], p, WIN);
    l->hash[l->count] = h;
    l->count++;
    place(l, (uint32_t)l->count);
    return SR_OK;
}

sr_err demo_leak_new(struct demo_leak **out)
{
    *out = calloc(1, sizeof(**out));
    return *out == NULL ? SR_ERR_NOMEM : grow(*out);
}

void demo_leak_free(struct demo_leak *l)
{
    if (l != NULL) {
        free(l->win);
        free(l->hash);
        free(l->table);
        free(l);
    }
}

sr_err demo_leak_add(struct demo_leak *l, struct sr_slice pt)
{
    if (pt.len < WIN) {
        return SR_ERR_ARG;
    }
    for (size_t off = 0; off + WIN <= pt.len; off += WIN) {
        SR_TRY(add_window(l, pt.p + off));
    }
    if (pt.len % WIN != 0) {
        SR_TRY(add_window(l, pt.p + pt.len - WIN));
    }
    l->bytes += pt.len;
    return SR_OK;
}

uint64_t demo_leak_bytes(const struct demo_leak *l)
{
    return l->bytes;
}

uint64_t demo_leak_scan(const struct demo_leak *l, struct sr_slice hay)
{
    if (hay.len < WIN || l->count == 0) {
        return 0;
    }
    uint64_t pow = base_pow15(), hits = 0;
    uint64_t h = hash_window(hay.p);
    for (size_t i = 0;; i++) {
        hits += find(l, hay.p + i, h) != 0;
        if (i + WIN >= hay.len) {
            break;
        }
        h = (h - hay.p[i] * pow) * HASH_BASE + hay.p[i + WIN];
    }
    return hits;
}

bool demo_leak_check(struct demo_world *w)
{
    const struct sr_buf *log = &w->relay.log;
    uint64_t messages = 0;
    for (int k = 0; k < DEMO_KINDS; k++) {
        messages += w->relay.traffic[k].messages;
    }
    printf("\n== What the relay saw\n");
    printf("   %llu messages, %zu bytes received; searched for every 16-byte piece of the\n"
           "   %llu plaintext bytes sent (chat, whiteboard, file, audio, video)\n",
           (unsigned long long)messages, log->len, (unsigned long long)demo_leak_bytes(w->leak));
    uint64_t hits = demo_leak_scan(w->leak, sr_buf_slice(log));
    bool ok = demo_check(hits == 0, "the relay never saw a plaintext byte (%llu matches)",
                         (unsigned long long)hits);
    /* The search must find a plaintext planted in a copy of the relay's traffic. */
    size_t head = log->len < 4096 ? log->len : 4096;
    uint8_t *copy = malloc(head + 2 * WIN + 1);
    if (copy == NULL || w->leak->count == 0) {
        free(copy);
        return demo_check(false, "the search finds a planted plaintext") && ok;
    }
    memcpy(copy, log->p, head);
    copy[head] = 0x5a;
    memcpy(copy + head + 1, w->leak->win[w->leak->count / 2], WIN);
    memset(copy + head + 1 + WIN, 0xa5, WIN);
    ok = demo_check(demo_leak_scan(w->leak, sr_slice_of(copy, head + 2 * WIN + 1)) > 0,
                    "the same search finds a plaintext planted in a copy of that traffic") &&
         ok;
    free(copy);
    return ok;
}
