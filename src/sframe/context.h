/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SFrame context shared by context.c (key store, protect, unprotect), keys.c (key
 * entries and the KID table) and mls.c (MLS epochs, §5.2). Keys sit in an array sorted by
 * KID, so a frame's key is found by binary search without hashing or allocation.
 */
#pragma once

#include <sealroom/sframe.h>

#include "sframe/cipher.h"
#include "sframe/replay.h"

/* Epochs held at once: the current one and those still in their grace period. */
#define SR_SFRAME_MLS_SLOTS 16

/* One key of the store; allocated with its replay ring after it. */
struct sr_sframe_key {
    uint64_t kid;
    enum sr_sframe_dir dir;
    bool from_mls; /* derived from the MLS epoch `epoch`, wiped with it */
    uint64_t epoch;
    struct sr_sframe_cipher cipher;
    uint64_t next_ctr;              /* protect: the CTR of the next frame */
    bool exhausted;                 /* protect: the last CTR of the space was used */
    struct sr_sframe_replay replay; /* unprotect */
    uint64_t ring[];
};

struct sr_sframe_epoch {
    bool live;
    bool expiring; /* superseded: wiped once `now` reaches `expires` */
    uint64_t expires;
    uint64_t epoch;
    uint32_t sender_index;
    unsigned index_bits;
    uint8_t prk[SR_HASH_MAX]; /* sframe_secret = HKDF-Extract("", base_key) */
    size_t prk_len;
};

struct sr_sframe_ctx {
    const struct sr_sframe_suite *suite;
    struct sr_sframe_options opt;
    uint64_t ctr_max;            /* the last CTR of the configured space */
    struct sr_sframe_key **keys; /* sorted by kid */
    size_t nkeys;
    size_t cap;
    /* MLS (§5.2): on once the first epoch is installed */
    bool mls;
    struct sr_sframe_epoch *current;
    struct sr_sframe_epoch epochs[SR_SFRAME_MLS_SLOTS];
};

/**
 * A new key entry for `kid` keyed from sframe_secret `prk` (not yet in the table).
 * Errors: SR_ERR_NOMEM, SR_ERR_CRYPTO.
 */
SR_MUST_USE sr_err sr_sframe_key_new(const struct sr_sframe_ctx *ctx, uint64_t kid,
                                     enum sr_sframe_dir dir, struct sr_slice prk,
                                     struct sr_sframe_key **out);

/** Wipe and free a key entry; NULL is a no-op. */
void sr_sframe_key_free(struct sr_sframe_key *key);

/** The key for `kid`, or NULL. */
struct sr_sframe_key *sr_sframe_keys_find(const struct sr_sframe_ctx *ctx, uint64_t kid);

/** Make room for one more key. Errors: SR_ERR_LIMIT (max_keys), SR_ERR_NOMEM. */
SR_MUST_USE sr_err sr_sframe_keys_reserve(struct sr_sframe_ctx *ctx);

/** Insert `key` (its KID absent) after sr_sframe_keys_reserve succeeded; takes ownership. */
void sr_sframe_keys_insert(struct sr_sframe_ctx *ctx, struct sr_sframe_key *key);

/** Remove and free the key for `kid`; false when there is none. */
bool sr_sframe_keys_remove(struct sr_sframe_ctx *ctx, uint64_t kid);

/** Remove and free every key derived from MLS epoch `epoch`. */
void sr_sframe_keys_remove_epoch(struct sr_sframe_ctx *ctx, uint64_t epoch);

/** Remove and free every key. */
void sr_sframe_keys_clear(struct sr_sframe_ctx *ctx);

/**
 * For a KID with no key in the store: a staged unprotect key derived from the MLS epoch its
 * low E bits name. Errors: SR_ERR_NOT_FOUND (MLS off, or own sender index), SR_ERR_EPOCH (no
 * such epoch held), SR_ERR_NOMEM, SR_ERR_CRYPTO.
 */
SR_MUST_USE sr_err sr_sframe_mls_receive_key(const struct sr_sframe_ctx *ctx, uint64_t kid,
                                             struct sr_sframe_key **out);

/** Wipe every epoch; for sr_sframe_ctx_free. */
void sr_sframe_mls_clear(struct sr_sframe_ctx *ctx);
