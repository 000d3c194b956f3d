/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bearer cache (KMS.md §6: "Results are cached by SHA-256 of the token until exp"). The
 * bearer rides in every request; a token verified once is recognised by its hash until its
 * exp, or until the verifier's issuers change (sr_kms_authn_generation). Only successes are
 * cached, in a bounded table whose least recently used entry makes room. Tokens themselves
 * are never kept.
 */
#include <string.h>

#include "crypto/hash.h"
#include "kms/server_int.h"

static struct sr_kms_token *lookup(struct sr_kms_server *srv, const uint8_t *h)
{
    for (size_t i = 0; i < srv->n_tokens; i++) {
        if (memcmp(srv->tokens[i].hash, h, sizeof(srv->tokens[i].hash)) == 0) {
            return &srv->tokens[i];
        }
    }
    return NULL;
}

static void remember(struct sr_kms_server *srv, const uint8_t *h,
                     const struct sr_kms_principal *who, uint64_t gen, int64_t now)
{
    size_t at = srv->n_tokens;
    if (at == srv->tokens_max) {
        at = 0;
        for (size_t i = 1; i < srv->n_tokens; i++) {
            at = srv->tokens[i].last < srv->tokens[at].last ? i : at;
        }
    } else {
        srv->n_tokens++;
    }
    struct sr_kms_token *t = &srv->tokens[at];
    memcpy(t->hash, h, sizeof(t->hash));
    t->who = *who;
    t->generation = gen;
    t->last = now;
}

sr_err sr_kms_bearer_check(struct sr_kms_server *srv, const char *jwt, int64_t now,
                           struct sr_kms_principal *out, enum sr_kms_authn_fail *why)
{
    uint8_t h[32];
    uint64_t gen = sr_kms_authn_generation(srv->authn);
    *why = SR_KMS_AUTHN_INVALID;
    size_t len = strnlen(jwt, SR_KMS_JWT_MAX + 1);
    if (srv->tokens_max > 0 && len <= SR_KMS_JWT_MAX &&
        sr_hash(&sr_hash_sha256, sr_slice_of(jwt, len), h) == SR_OK) {
        struct sr_kms_token *t = lookup(srv, h);
        if (t != NULL && t->generation == gen && now < t->who.expires) {
            t->last = now;
            *out = t->who;
            *why = SR_KMS_AUTHN_OK;
            return SR_OK;
        }
    } else {
        memset(h, 0, sizeof(h));
    }
    SR_TRY(sr_kms_authn_bearer(srv->authn, jwt, now, out, why));
    if (srv->tokens_max > 0 && len <= SR_KMS_JWT_MAX) {
        struct sr_kms_token *t = lookup(srv, h);
        if (t != NULL) {
            t->who = *out;
            t->generation = gen;
            t->last = now;
        } else {
            remember(srv, h, out, gen, now);
        }
    }
    return SR_OK;
}
