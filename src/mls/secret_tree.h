/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The secret tree of one epoch (RFC 9420 §9): from encryption_secret, per-leaf handshake
 * and application hash ratchets that give the AEAD key and nonce of every generation.
 *
 * Forward secrecy (§9.2) is enforced here: node secrets are derived lazily, only down the
 * path to a leaf that is used, and a parent's secret is erased as soon as its two children
 * exist; a leaf's secret is erased once its two ratchets start; each ratchet secret is
 * replaced by the next; every key and nonce handed out is erased from the tree. Asking again
 * for a generation that was handed out, or one that fell out of the out-of-order window,
 * gives SR_ERR_REPLAY.
 *
 * Receivers (sr_mls_secret_tree_get) may skip ahead at most `max_forward` generations past
 * the next expected one (SR_ERR_LIMIT beyond) and keep the keys of at most `max_skipped`
 * skipped generations per ratchet, dropping the oldest first. In-order use allocates nothing.
 * A tree is not thread-safe; the caller serialises access. The nonce returned is the
 * ratchet nonce before the reuse guard, which framing applies (§6.3.1).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/codec.h"
#include "core/secret.h"
#include "crypto/suite.h"

#define SR_MLS_SECRET_TREE_DEFAULT_MAX_SKIPPED 1000
#define SR_MLS_SECRET_TREE_DEFAULT_MAX_FORWARD 1000

struct sr_mls_secret_tree_limits {
    uint32_t max_skipped; /* skipped-generation keys kept per leaf and ratchet (0: none) */
    uint32_t max_forward; /* how far past the next expected generation a receiver may jump */
};

/** Which of a leaf's two ratchets (§9.1). */
enum sr_mls_ratchet_type {
    SR_MLS_RATCHET_HANDSHAKE = 0,   /* proposals and commits */
    SR_MLS_RATCHET_APPLICATION = 1, /* application data */
};

/** One generation's AEAD key (AEAD.Nk bytes) and nonce (AEAD.Nn bytes); owned by the caller. */
struct sr_mls_ratchet_key {
    uint32_t generation;
    struct sr_secret key;
    struct sr_secret nonce;
};

struct sr_mls_secret_tree;

/**
 * A secret tree over `n_leaves` leaves (1..2^31; the tree is the full tree of the next power
 * of two, as the ratchet tree is) rooted at `encryption_secret` (KDF.Nh bytes). `limits` may
 * be NULL for the defaults. The secret is copied. SR_ERR_ARG, SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_mls_secret_tree_new(const struct sr_suite *suite,
                                          struct sr_slice encryption_secret, uint32_t n_leaves,
                                          const struct sr_mls_secret_tree_limits *limits,
                                          struct sr_mls_secret_tree **out);

/** Wipe every secret the tree holds and free it; NULL is a no-op. */
void sr_mls_secret_tree_free(struct sr_mls_secret_tree *t);

/**
 * Receiving: the key and nonce of `generation` of leaf `leaf`'s ratchet `type`, which the
 * tree then forgets. Errors: SR_ERR_ARG (leaf out of range, bad type), SR_ERR_REPLAY (already
 * handed out, or dropped from the out-of-order window), SR_ERR_LIMIT (more than max_forward
 * generations ahead), SR_ERR_NOMEM, SR_ERR_CRYPTO. On any error the ratchet is unchanged and
 * `out` is zeroed.
 */
SR_MUST_USE sr_err sr_mls_secret_tree_get(struct sr_mls_secret_tree *t, uint32_t leaf,
                                          enum sr_mls_ratchet_type type, uint32_t generation,
                                          struct sr_mls_ratchet_key *out);

/**
 * Sending: the key and nonce of the next generation of `leaf` (our own leaf), and that
 * generation in out->generation; the ratchet moves past it. SR_ERR_EXHAUSTED after
 * generation 2^32 - 1; other errors as sr_mls_secret_tree_get.
 */
SR_MUST_USE sr_err sr_mls_secret_tree_next(struct sr_mls_secret_tree *t, uint32_t leaf,
                                           enum sr_mls_ratchet_type type,
                                           struct sr_mls_ratchet_key *out);

/**
 * Give back a key that sr_mls_secret_tree_get handed out but that did not open its message
 * (a forged or corrupted ciphertext must not burn the genuine message's key). The key goes
 * into the out-of-order window as if its generation had been skipped, subject to
 * max_skipped (with a full window the oldest key is dropped; with max_skipped 0, or when
 * the key is older than every kept one in a full window, it is simply wiped). `key` is
 * wiped in every case. SR_ERR_ARG for a leaf or generation that was never handed out or
 * wrong key lengths, SR_ERR_EXISTS when the generation is already held, SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_mls_secret_tree_restore(struct sr_mls_secret_tree *t, uint32_t leaf,
                                              enum sr_mls_ratchet_type type,
                                              struct sr_mls_ratchet_key *key);

/** Wipe a key handed out by the tree. */
void sr_mls_ratchet_key_cleanup(struct sr_mls_ratchet_key *k);

/** What the tree currently holds, for tests and monitoring (no secret values). */
struct sr_mls_secret_tree_stats {
    size_t node_secrets;   /* tree-node secrets not yet split or consumed */
    size_t leaves_started; /* leaves whose ratchets exist */
    size_t skipped_keys;   /* out-of-order keys held, over all ratchets */
};

void sr_mls_secret_tree_stats(const struct sr_mls_secret_tree *t,
                              struct sr_mls_secret_tree_stats *out);

/*
 * Saving a tree's progress in its epoch (secret_tree_state.c), so that a member restored
 * from saved state goes on where it stopped: its own ratchets never hand out a generation
 * twice, late messages still decrypt, and consumed generations stay SR_ERR_REPLAY.
 */

/**
 * Append what the tree has used so far to `out`: every started leaf with, for each ratchet,
 * the next generation, the ratchet secret and the out-of-order keys. This is secret: pass a
 * wiping buffer. The frontier is not written, since starting the same leaves in a tree
 * made from the same encryption_secret gives it back. SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_mls_secret_tree_save(const struct sr_mls_secret_tree *t, struct sr_buf *out);

/**
 * Read progress written by sr_mls_secret_tree_save from `r` into `t`, a tree fresh from
 * sr_mls_secret_tree_new over the same encryption_secret and leaf count (SR_ERR_STATE once
 * a leaf was started). SR_ERR_DECODE for malformed or inconsistent input (leaves out of
 * order or range, generations past their ratchet, more out-of-order keys than max_skipped),
 * SR_ERR_NOMEM, SR_ERR_CRYPTO. On error `t` is in an unspecified state: free it.
 */
SR_MUST_USE sr_err sr_mls_secret_tree_load(struct sr_mls_secret_tree *t, struct sr_reader *r);
