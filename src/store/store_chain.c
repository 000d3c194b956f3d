/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit chain claim (store_chain.h) over the backend's node-wide try-lock. The lock id
 * is the 64-bit FNV-1a hash of "sealroom-audit-chain|" and the chain id, so every node
 * computes the same id for the same chain; a collision between two chain ids would only
 * refuse a start, never let two writers share a chain.
 */
#include "store/store_chain.h"

#include <string.h>

#include "store/store_int.h"

static int64_t chain_lock_id(const char *chain)
{
    static const char prefix[] = "sealroom-audit-chain|";
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = prefix; *p != '\0'; p++) {
        h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
    }
    for (const char *p = chain; *p != '\0'; p++) {
        h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
    }
    return (int64_t)(h & 0x7fffffffffffffffULL);
}

sr_err sr_store_chain_claim(struct sr_store *st, const char *chain, bool *claimed)
{
    SR_CHECK(claimed != NULL, SR_ERR_ARG);
    *claimed = false;
    SR_CHECK(st != NULL && chain != NULL && chain[0] != '\0' && strlen(chain) < SR_STORE_ID_MAX,
             SR_ERR_ARG);
    return st->ops->try_lock(st->db, chain_lock_id(chain), claimed);
}
