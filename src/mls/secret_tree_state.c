/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A secret tree's progress in its epoch, as bytes (RFC 9420 §9.1, §9.2): what a member needs
 * to keep sending and receiving in the same epoch after saving and restoring its group.
 *
 *   u32 n_started
 *   n_started x { u32 leaf
 *                 2 x (handshake, application) { u64 next  secret<V>  u32 n_skipped
 *                                                n_skipped x { u32 generation key[Nk] nonce[Nn] } }
 * }
 *
 * Leaves ascend, and each ratchet's kept generations ascend below `next`. The frontier of
 * node secrets is not written: it depends only on which leaves were started, so loading
 * starts the same leaves again in a fresh tree over the same encryption_secret, then puts
 * back each ratchet's position, secret and out-of-order keys.
 */
#include <string.h>

#include "core/alloc.h"
#include "mls/secret_tree.h"
#include "mls/secret_tree_int.h"

static sr_err save_ratchet(const struct sr_suite *suite, const struct sr_mls_ratchet *r,
                           struct sr_buf *out)
{
    SR_TRY(sr_write_u64(out, r->next));
    SR_TRY(sr_write_slice_v(out, sr_secret_slice(&r->secret)));
    SR_TRY(sr_write_u32(out, (uint32_t)r->n_skipped));
    for (size_t i = 0; i < r->n_skipped; i++) {
        const struct sr_mls_skipped_key *k = &r->skipped[i];
        SR_TRY(sr_write_u32(out, k->generation));
        SR_TRY(sr_write_bytes(out, k->key, suite->aead->key_len));
        SR_TRY(sr_write_bytes(out, k->nonce, suite->aead->nonce_len));
    }
    return SR_OK;
}

sr_err sr_mls_secret_tree_save(const struct sr_mls_secret_tree *t, struct sr_buf *out)
{
    SR_CHECK(t != NULL && out != NULL, SR_ERR_ARG);
    size_t len = out->len;
    sr_err err = sr_write_u32(out, (uint32_t)t->n_started);
    for (size_t i = 0; err == SR_OK && i < t->n_started; i++) {
        const struct sr_mls_leaf_ratchets *lr = &t->leaves[i];
        err = sr_write_u32(out, lr->leaf);
        for (size_t k = 0; err == SR_OK && k < 2; k++) {
            err = save_ratchet(t->suite, &lr->r[k], out);
        }
    }
    if (err != SR_OK) {
        sr_wipe(out->p + len, out->len - len);
        out->len = len;
    }
    return err;
}

/* One saved out-of-order key, after `prev` (the previous one's generation + 1) and below next. */
static sr_err load_skipped(const struct sr_suite *suite, struct sr_reader *r, uint64_t *prev,
                           uint64_t next, struct sr_mls_skipped_key *k)
{
    struct sr_slice key, nonce;
    SR_TRY(sr_read_u32(r, &k->generation));
    SR_CHECK(k->generation >= *prev && k->generation < next, SR_ERR_DECODE);
    SR_TRY(sr_read_fixed(r, suite->aead->key_len, &key));
    SR_TRY(sr_read_fixed(r, suite->aead->nonce_len, &nonce));
    memcpy(k->key, key.p, key.len);
    memcpy(k->nonce, nonce.p, nonce.len);
    *prev = (uint64_t)k->generation + 1;
    return SR_OK;
}

/* A ratchet of a leaf just started: its saved position, secret and kept keys replace it. */
static sr_err load_ratchet(const struct sr_mls_secret_tree *t, struct sr_reader *r,
                           struct sr_mls_ratchet *rt)
{
    const struct sr_suite *suite = t->suite;
    struct sr_slice secret;
    uint64_t next, prev = 0;
    uint32_t n;
    SR_TRY(sr_read_u64(r, &next));
    SR_TRY(sr_read_opaque_v(r, SR_HASH_MAX, &secret));
    SR_TRY(sr_read_u32(r, &n));
    SR_CHECK(next <= (uint64_t)UINT32_MAX + 1 && secret.len == suite->hash->len, SR_ERR_DECODE);
    SR_CHECK(n <= t->limits.max_skipped && n <= next, SR_ERR_DECODE);
    SR_TRY(sr_mls_secret_tree_grow((void **)&rt->skipped, &rt->cap_skipped, sizeof(*rt->skipped), 0,
                                   n));
    for (uint32_t i = 0; i < n; i++) {
        SR_TRY(load_skipped(suite, r, &prev, next, &rt->skipped[i]));
        rt->n_skipped = i + 1;
    }
    memcpy(rt->secret.p, secret.p, secret.len);
    rt->secret.len = secret.len;
    rt->next = next;
    return SR_OK;
}

sr_err sr_mls_secret_tree_load(struct sr_mls_secret_tree *t, struct sr_reader *r)
{
    SR_CHECK(t != NULL && r != NULL, SR_ERR_ARG);
    SR_CHECK(t->n_started == 0, SR_ERR_STATE);
    uint32_t n;
    uint64_t prev = 0;
    SR_TRY(sr_read_u32(r, &n));
    SR_CHECK(n <= t->n_leaves, SR_ERR_DECODE);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t leaf;
        SR_TRY(sr_read_u32(r, &leaf));
        SR_CHECK(leaf >= prev && leaf < t->n_leaves, SR_ERR_DECODE);
        prev = (uint64_t)leaf + 1;
        for (int k = SR_MLS_RATCHET_HANDSHAKE; k <= SR_MLS_RATCHET_APPLICATION; k++) {
            struct sr_mls_ratchet *rt = NULL;
            SR_TRY(sr_mls_secret_tree_ratchet(t, leaf, (enum sr_mls_ratchet_type)k, &rt));
            SR_TRY(load_ratchet(t, r, rt));
        }
    }
    return SR_OK;
}
