/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key entries and the KID table of an SFrame context. An entry owns its cipher contexts
 * and its replay ring; entries sit in an array sorted by KID. Adding and removing keys
 * moves pointers around (the cold path); finding one is a binary search (the frame path).
 */
#include <stdlib.h>
#include <string.h>

#include <sealroom/buf.h>

#include "core/alloc.h"
#include "sframe/context.h"

sr_err sr_sframe_key_new(const struct sr_sframe_ctx *ctx, uint64_t kid, enum sr_sframe_dir dir,
                         struct sr_slice prk, struct sr_sframe_key **out)
{
    *out = NULL;
    size_t words = dir == SR_SFRAME_UNPROTECT ? sr_sframe_replay_words(ctx->opt.replay_window) : 0;
    struct sr_sframe_key *key = sr_calloc(1, sizeof(*key) + words * sizeof(uint64_t));
    SR_CHECK(key != NULL, SR_ERR_NOMEM);
    key->kid = kid;
    key->dir = dir;
    if (dir == SR_SFRAME_UNPROTECT) {
        sr_sframe_replay_init(&key->replay, ctx->opt.replay_window, key->ring);
    }
    sr_err err = sr_sframe_cipher_init_kid(&key->cipher, ctx->suite, prk, kid);
    if (err != SR_OK) {
        sr_free(key);
        return err;
    }
    *out = key;
    return SR_OK;
}

void sr_sframe_key_free(struct sr_sframe_key *key)
{
    if (key == NULL) {
        return;
    }
    sr_sframe_cipher_cleanup(&key->cipher);
    sr_wipe(key, sizeof(*key));
    sr_free(key);
}

/* Index of `kid`, or where it would go; *found tells which. */
static size_t search(const struct sr_sframe_ctx *ctx, uint64_t kid, bool *found)
{
    size_t lo = 0, hi = ctx->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t k = ctx->keys[mid]->kid;
        if (k == kid) {
            *found = true;
            return mid;
        }
        if (k < kid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

struct sr_sframe_key *sr_sframe_keys_find(const struct sr_sframe_ctx *ctx, uint64_t kid)
{
    bool found;
    size_t i = search(ctx, kid, &found);
    return found ? ctx->keys[i] : NULL;
}

sr_err sr_sframe_keys_reserve(struct sr_sframe_ctx *ctx)
{
    SR_CHECK(ctx->nkeys < ctx->opt.max_keys, SR_ERR_LIMIT);
    if (ctx->nkeys < ctx->cap) {
        return SR_OK;
    }
    size_t cap = ctx->cap == 0 ? 8 : ctx->cap * 2;
    if (cap > ctx->opt.max_keys) {
        cap = ctx->opt.max_keys;
    }
    size_t bytes;
    SR_CHECK(sr_size_mul(cap, sizeof(*ctx->keys), &bytes), SR_ERR_LIMIT);
    struct sr_sframe_key **grown = sr_realloc(ctx->keys, bytes);
    SR_CHECK(grown != NULL, SR_ERR_NOMEM);
    ctx->keys = grown;
    ctx->cap = cap;
    return SR_OK;
}

void sr_sframe_keys_insert(struct sr_sframe_ctx *ctx, struct sr_sframe_key *key)
{
    bool found;
    size_t i = search(ctx, key->kid, &found);
    if (found || ctx->nkeys >= ctx->cap) {
        abort(); /* a caller skipped sr_sframe_keys_reserve or the lookup */
    }
    memmove(&ctx->keys[i + 1], &ctx->keys[i], (ctx->nkeys - i) * sizeof(*ctx->keys));
    ctx->keys[i] = key;
    ctx->nkeys++;
}

bool sr_sframe_keys_remove(struct sr_sframe_ctx *ctx, uint64_t kid)
{
    bool found;
    size_t i = search(ctx, kid, &found);
    if (!found) {
        return false;
    }
    sr_sframe_key_free(ctx->keys[i]);
    memmove(&ctx->keys[i], &ctx->keys[i + 1], (ctx->nkeys - i - 1) * sizeof(*ctx->keys));
    ctx->nkeys--;
    return true;
}

void sr_sframe_keys_remove_epoch(struct sr_sframe_ctx *ctx, uint64_t epoch)
{
    size_t kept = 0;
    for (size_t i = 0; i < ctx->nkeys; i++) {
        struct sr_sframe_key *key = ctx->keys[i];
        if (key->from_mls && key->epoch == epoch) {
            sr_sframe_key_free(key);
        } else {
            ctx->keys[kept++] = key;
        }
    }
    ctx->nkeys = kept;
}

void sr_sframe_keys_clear(struct sr_sframe_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nkeys; i++) {
        sr_sframe_key_free(ctx->keys[i]);
    }
    sr_free(ctx->keys);
    ctx->keys = NULL;
    ctx->nkeys = 0;
    ctx->cap = 0;
}
