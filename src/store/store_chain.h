/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One writer per audit chain (KMS.md §8, "each node keeps its own chain"): a node claims its
 * chain id in the database for as long as its store handle is open, so a second node started
 * with the same --node on a shared PostgreSQL is refused at start instead of racing the first
 * for the chain's tip (the loser's rows would be refused, and its requests answered 500).
 */
#pragma once

#include <stdbool.h>

#include <sealroom/err.h>

#include "store/store.h"

/**
 * Claim `chain` for this handle until it closes: a PostgreSQL session advisory lock on a hash
 * of the chain id; with SQLite (one node) always granted. *claimed is false when another live
 * handle holds it. SR_ERR_ARG for an empty or over-long id, SR_ERR_STORE.
 */
SR_MUST_USE sr_err sr_store_chain_claim(struct sr_store *st, const char *chain, bool *claimed);
