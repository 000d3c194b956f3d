/* SPDX-License-Identifier: Apache-2.0 */
/* The trust configuration's memo of X.509 judgements: an open-addressing table under a lock. */
#include "mls/trust_memo.h"

#include <pthread.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/hash.h"

#define MEMO_SLOTS      4096 /* emptied when half full */
#define MEMO_CERTS_MAX  8    /* longer chains are judged every time */
#define MEMO_DIGEST_LEN 32

struct memo_entry {
    uint8_t digest[MEMO_DIGEST_LEN];
    int64_t now;
    sr_err err;
    struct sr_mls_credential_result res;
    bool used;
};

struct sr_mls_trust_memo {
    pthread_mutex_t lock;
    struct memo_entry *slots; /* MEMO_SLOTS */
    size_t used;
};

struct sr_mls_trust_memo *sr_mls_trust_memo_new(void)
{
    struct sr_mls_trust_memo *memo = sr_calloc(1, sizeof(*memo));
    if (memo == NULL) {
        return NULL;
    }
    memo->slots = sr_calloc(MEMO_SLOTS, sizeof(*memo->slots));
    if (memo->slots == NULL || pthread_mutex_init(&memo->lock, NULL) != 0) {
        sr_free(memo->slots);
        sr_free(memo);
        return NULL;
    }
    return memo;
}

void sr_mls_trust_memo_free(struct sr_mls_trust_memo *memo)
{
    if (memo == NULL) {
        return;
    }
    pthread_mutex_destroy(&memo->lock);
    sr_free(memo->slots);
    sr_free(memo);
}

void sr_mls_trust_memo_clear(struct sr_mls_trust_memo *memo)
{
    if (memo == NULL) {
        return;
    }
    pthread_mutex_lock(&memo->lock);
    memset(memo->slots, 0, MEMO_SLOTS * sizeof(*memo->slots));
    memo->used = 0;
    pthread_mutex_unlock(&memo->lock);
}

static void put_be32(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* SHA-256 over scheme, chain and key, each length-prefixed so no two inputs collide. */
static bool memo_digest(const struct sr_suite *suite, const struct sr_mls_credential *cred,
                        struct sr_slice signature_key, uint8_t digest[MEMO_DIGEST_LEN])
{
    if (cred->type != SR_MLS_CREDENTIAL_X509 || cred->cert_count == 0 ||
        cred->cert_count > MEMO_CERTS_MAX) {
        return false;
    }
    uint8_t lens[MEMO_CERTS_MAX + 1][4], head[6];
    struct sr_slice parts[2 * MEMO_CERTS_MAX + 3];
    size_t n = 0;
    head[0] = (uint8_t)(suite->sig->scheme >> 8);
    head[1] = (uint8_t)suite->sig->scheme;
    put_be32(head + 2, cred->cert_count);
    parts[n++] = sr_slice_of(head, sizeof(head));
    for (size_t i = 0; i < cred->cert_count; i++) {
        put_be32(lens[i], cred->certs[i].len);
        parts[n++] = sr_slice_of(lens[i], 4);
        parts[n++] = cred->certs[i];
    }
    put_be32(lens[cred->cert_count], signature_key.len);
    parts[n++] = sr_slice_of(lens[cred->cert_count], 4);
    parts[n++] = signature_key;
    return sr_hash_parts(&sr_hash_sha256, parts, n, digest) == SR_OK;
}

/* The slot holding `digest` at `now`, or the empty slot where it would go. */
static struct memo_entry *find(struct sr_mls_trust_memo *memo, const uint8_t *digest, int64_t now)
{
    size_t s = ((size_t)digest[0] << 8 | digest[1]) % MEMO_SLOTS;
    for (;; s = (s + 1) % MEMO_SLOTS) {
        struct memo_entry *e = &memo->slots[s];
        if (!e->used || (e->now == now && memcmp(e->digest, digest, MEMO_DIGEST_LEN) == 0)) {
            return e;
        }
    }
}

bool sr_mls_trust_memo_get(struct sr_mls_trust_memo *memo, const struct sr_suite *suite,
                           const struct sr_mls_credential *cred, struct sr_slice signature_key,
                           int64_t now, sr_err *err, struct sr_mls_credential_result *res)
{
    uint8_t digest[MEMO_DIGEST_LEN];
    if (memo == NULL || !memo_digest(suite, cred, signature_key, digest)) {
        return false;
    }
    bool hit = false;
    pthread_mutex_lock(&memo->lock);
    const struct memo_entry *e = find(memo, digest, now);
    if (e->used) {
        hit = true;
        *err = e->err;
        *res = e->res;
    }
    pthread_mutex_unlock(&memo->lock);
    return hit;
}

void sr_mls_trust_memo_put(struct sr_mls_trust_memo *memo, const struct sr_suite *suite,
                           const struct sr_mls_credential *cred, struct sr_slice signature_key,
                           int64_t now, sr_err err, const struct sr_mls_credential_result *res)
{
    uint8_t digest[MEMO_DIGEST_LEN];
    if (memo == NULL || err == SR_ERR_NOMEM || err == SR_ERR_CRYPTO ||
        !memo_digest(suite, cred, signature_key, digest)) {
        return;
    }
    pthread_mutex_lock(&memo->lock);
    if (memo->used >= MEMO_SLOTS / 2) {
        memset(memo->slots, 0, MEMO_SLOTS * sizeof(*memo->slots));
        memo->used = 0;
    }
    struct memo_entry *e = find(memo, digest, now);
    memo->used += !e->used;
    *e = (struct memo_entry){ .now = now, .err = err, .used = true };
    memcpy(e->digest, digest, MEMO_DIGEST_LEN);
    if (err == SR_OK) {
        e->res = *res;
    }
    pthread_mutex_unlock(&memo->lock);
}
