/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS-based SFrame keys (RFC 9605 §5.2). Each epoch gives one base_key,
 * MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk), and each sender owns the KIDs
 *
 *     64-S-E bits   S bits   E bits
 *   +-------------+--------+-------+
 *   | Context ID  | Index  | Epoch |     KID = context << (S + E) | index << E | epoch mod 2^E
 *   +-------------+--------+-------+
 *
 * whose sframe_key and sframe_salt come from base_key and the KID as in §4.4.2, so every
 * sender has its own key and nonce space. An epoch is held as sframe_secret (the HKDF-Extract
 * of base_key); a receiver derives a sender's key the first time a frame with that KID
 * authenticates. Superseded epochs stay for a grace period, then are wiped with their keys.
 */
#include <string.h>

#include <sealroom/buf.h>

#include "sframe/context.h"

static uint64_t low_bits(uint64_t v, unsigned bits)
{
    return bits >= 64 ? v : v & (((uint64_t)1 << bits) - 1);
}

static void epoch_wipe(struct sr_sframe_ctx *ctx, struct sr_sframe_epoch *ep)
{
    if (!ep->live) {
        return;
    }
    sr_sframe_keys_remove_epoch(ctx, ep->epoch);
    if (ctx->current == ep) {
        ctx->current = NULL;
    }
    sr_wipe(ep, sizeof(*ep));
}

/* True when `v` fits in `bits` bits. */
static bool fits(uint64_t v, unsigned bits)
{
    return bits >= 64 || (v >> bits) == 0;
}

/* The slot of the live epoch whose low E bits are `bits`, or SR_SFRAME_MLS_SLOTS. */
static size_t epoch_by_bits(const struct sr_sframe_ctx *ctx, uint64_t bits)
{
    size_t i = 0;
    while (i < SR_SFRAME_MLS_SLOTS) {
        const struct sr_sframe_epoch *ep = &ctx->epochs[i];
        if (ep->live && low_bits(ep->epoch, ctx->opt.mls_epoch_bits) == bits) {
            break;
        }
        i++;
    }
    return i;
}

/* A free slot, making one by wiping the superseded epoch that expires first. */
static struct sr_sframe_epoch *epoch_slot(struct sr_sframe_ctx *ctx)
{
    struct sr_sframe_epoch *oldest = NULL;
    for (size_t i = 0; i < SR_SFRAME_MLS_SLOTS; i++) {
        struct sr_sframe_epoch *ep = &ctx->epochs[i];
        if (!ep->live) {
            return ep;
        }
        if (ep != ctx->current && (oldest == NULL || ep->expires < oldest->expires)) {
            oldest = ep;
        }
    }
    epoch_wipe(ctx, oldest);
    return oldest;
}

static sr_err check_epoch(const struct sr_sframe_ctx *ctx, const struct sr_sframe_mls_epoch *ep)
{
    SR_CHECK(ep->base_key.p != NULL && ep->base_key.len == ctx->suite->nk, SR_ERR_ARG);
    SR_CHECK(ep->index_bits <= 32 && ep->index_bits + ctx->opt.mls_epoch_bits <= 64, SR_ERR_ARG);
    SR_CHECK(fits(ep->sender_index, ep->index_bits), SR_ERR_ARG);
    SR_CHECK(ctx->current == NULL || ep->epoch > ctx->current->epoch, SR_ERR_INVALID);
    return SR_OK;
}

sr_err sr_sframe_ctx_mls_epoch_add(struct sr_sframe_ctx *ctx, const struct sr_sframe_mls_epoch *ep,
                                   uint64_t now)
{
    SR_CHECK(ctx != NULL && ep != NULL, SR_ERR_ARG);
    SR_TRY(check_epoch(ctx, ep));
    uint8_t prk[SR_HASH_MAX];
    /* Derive first: on failure nothing has changed. */
    SR_TRY(sr_sframe_derive_secret(ctx->suite, ep->base_key, prk));
    sr_sframe_ctx_mls_tick(ctx, now);
    /* RFC 9605 §5.2: "receivers MUST remove an old epoch when a new epoch with the same
     * low-order E bits is introduced". */
    size_t same = epoch_by_bits(ctx, low_bits(ep->epoch, ctx->opt.mls_epoch_bits));
    if (same < SR_SFRAME_MLS_SLOTS) {
        epoch_wipe(ctx, &ctx->epochs[same]);
    }
    if (ctx->current != NULL) {
        ctx->current->expiring = true;
        if (__builtin_add_overflow(now, ctx->opt.mls_grace, &ctx->current->expires)) {
            ctx->current->expires = UINT64_MAX;
        }
    }
    struct sr_sframe_epoch *slot = epoch_slot(ctx);
    memset(slot, 0, sizeof(*slot));
    slot->live = true;
    slot->epoch = ep->epoch;
    slot->sender_index = ep->sender_index;
    slot->index_bits = ep->index_bits;
    slot->prk_len = sr_sframe_suite_hash(ctx->suite)->len;
    memcpy(slot->prk, prk, slot->prk_len);
    sr_wipe(prk, sizeof(prk));
    ctx->current = slot;
    ctx->mls = true;
    return SR_OK;
}

void sr_sframe_ctx_mls_tick(struct sr_sframe_ctx *ctx, uint64_t now)
{
    if (ctx == NULL) {
        return;
    }
    for (size_t i = 0; i < SR_SFRAME_MLS_SLOTS; i++) {
        struct sr_sframe_epoch *ep = &ctx->epochs[i];
        if (ep->live && ep->expiring && now >= ep->expires) {
            epoch_wipe(ctx, ep);
        }
    }
}

sr_err sr_sframe_ctx_mls_sender_kid(struct sr_sframe_ctx *ctx, uint64_t context, uint64_t *kid)
{
    SR_CHECK(ctx != NULL && kid != NULL, SR_ERR_ARG);
    *kid = 0;
    const struct sr_sframe_epoch *ep = ctx->current;
    SR_CHECK(ep != NULL, SR_ERR_STATE);
    unsigned e = ctx->opt.mls_epoch_bits;
    unsigned shift = ep->index_bits + e;
    SR_CHECK(fits(context, 64 - shift), SR_ERR_ARG);
    uint64_t k = (shift < 64 ? context << shift : 0) | ((uint64_t)ep->sender_index << e) |
                 low_bits(ep->epoch, e);
    struct sr_sframe_key *key = sr_sframe_keys_find(ctx, k);
    if (key == NULL) {
        SR_TRY(sr_sframe_keys_reserve(ctx));
        SR_TRY(sr_sframe_key_new(ctx, k, SR_SFRAME_PROTECT, sr_slice_of(ep->prk, ep->prk_len),
                                 &key));
        key->from_mls = true;
        key->epoch = ep->epoch;
        sr_sframe_keys_insert(ctx, key);
    }
    /* A key the caller added by hand under this KID would share the nonce space. */
    SR_CHECK(key->from_mls && key->epoch == ep->epoch && key->dir == SR_SFRAME_PROTECT,
             SR_ERR_EXISTS);
    *kid = k;
    return SR_OK;
}

sr_err sr_sframe_mls_receive_key(const struct sr_sframe_ctx *ctx, uint64_t kid,
                                 struct sr_sframe_key **out)
{
    *out = NULL;
    SR_CHECK(ctx->mls, SR_ERR_NOT_FOUND);
    unsigned e = ctx->opt.mls_epoch_bits;
    size_t slot = epoch_by_bits(ctx, low_bits(kid, e));
    /* The epoch was never installed here, or has been wiped after its grace period. */
    SR_CHECK(slot < SR_SFRAME_MLS_SLOTS, SR_ERR_EPOCH);
    const struct sr_sframe_epoch *ep = &ctx->epochs[slot];
    uint64_t index = low_bits(kid >> e, ep->index_bits);
    /* Own KIDs are protect-only (RFC 9605 §4.4.1: "never both"). */
    SR_CHECK(index != ep->sender_index, SR_ERR_NOT_FOUND);
    SR_TRY(sr_sframe_key_new(ctx, kid, SR_SFRAME_UNPROTECT, sr_slice_of(ep->prk, ep->prk_len),
                             out));
    (*out)->from_mls = true;
    (*out)->epoch = ep->epoch;
    return SR_OK;
}

void sr_sframe_mls_clear(struct sr_sframe_ctx *ctx)
{
    for (size_t i = 0; i < SR_SFRAME_MLS_SLOTS; i++) {
        sr_wipe(&ctx->epochs[i], sizeof(ctx->epochs[i]));
    }
    ctx->current = NULL;
    ctx->mls = false;
}
