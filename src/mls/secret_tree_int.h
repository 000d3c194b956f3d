/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layout of a secret tree (RFC 9420 §9), shared by secret_tree.c (deriving and handing
 * out keys) and secret_tree_state.c (saving and loading a tree's progress in an epoch).
 * See secret_tree.c for how the frontier and the started leaves cover the tree.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/secret.h"
#include "crypto/suite.h"
#include "mls/secret_tree.h"

/** A node secret on the frontier. */
struct sr_mls_secret_node {
    uint32_t node;
    struct sr_secret secret;
};

/** The key and nonce of a generation skipped over, kept for a late message. */
struct sr_mls_skipped_key {
    uint32_t generation;
    uint8_t key[SR_AEAD_KEY_MAX];
    uint8_t nonce[SR_AEAD_NONCE_MAX];
};

/** One hash ratchet (§9.1). */
struct sr_mls_ratchet {
    struct sr_secret secret;            /* ratchet_secret_[N]_[next] */
    uint64_t next;                      /* next generation to derive; 2^32 once exhausted */
    struct sr_mls_skipped_key *skipped; /* ascending generations */
    size_t n_skipped;
    size_t cap_skipped;
};

struct sr_mls_leaf_ratchets {
    uint32_t leaf;
    struct sr_mls_ratchet r[2]; /* indexed by enum sr_mls_ratchet_type */
};

struct sr_mls_secret_tree {
    const struct sr_suite *suite;
    uint32_t n_leaves;
    struct sr_mls_secret_tree_limits limits;
    struct sr_mls_secret_node *nodes;
    size_t n_nodes;
    size_t cap_nodes;
    struct sr_mls_leaf_ratchets *leaves;
    size_t n_started;
    size_t cap_leaves;
};

/**
 * Make room for `need` items of `elem` bytes in `*arr`, `count` of them live. Arrays that
 * hold secrets grow into a fresh block and the old one is wiped, never realloc'd.
 */
SR_MUST_USE sr_err sr_mls_secret_tree_grow(void **arr, size_t *cap, size_t elem, size_t count,
                                           size_t need);

/** The ratchet `type` of `leaf`, starting the leaf (deriving down to it) if needed. */
SR_MUST_USE sr_err sr_mls_secret_tree_ratchet(struct sr_mls_secret_tree *t, uint32_t leaf,
                                              enum sr_mls_ratchet_type type,
                                              struct sr_mls_ratchet **out);
