/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust anchors and policy for X.509 credentials (RFC 9420 §5.3.1), and the built-in
 * validator over them.
 *
 *   credential ──► parses, in date, end-entity key == leaf signature_key   (always)
 *              ──► chain verifies to an EXTERNAL anchor? ──► EXTERNAL
 *              ──► chain verifies to an INTERNAL anchor? ──► INTERNAL
 *              ──► otherwise (or basic)                  ──► UNVERIFIED
 *                                                            (DENIED if require_verified)
 *
 * One X509_STORE per level, so a chain that reaches anchors of both levels gets the higher
 * one by trying the stores from the highest level down.
 */
#include "mls/trust.h"

#include <time.h>

#include "core/alloc.h"
#include "mls/trust_memo.h"

#define LEVELS 2 /* INTERNAL and EXTERNAL; the store of level L is stores[L - 1] */

struct sr_mls_trust {
    struct sr_x509_store *stores[LEVELS]; /* NULL until an anchor of that level is added */
    bool require_verified;
    uint64_t now;                   /* 0: the group's clock, else the system clock */
    struct sr_mls_trust_memo *memo; /* judgements so far */
};

sr_err sr_mls_trust_new(struct sr_mls_trust **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = sr_calloc(1, sizeof(**out));
    if (*out != NULL) {
        (*out)->memo = sr_mls_trust_memo_new();
        if ((*out)->memo == NULL) {
            sr_free(*out);
            *out = NULL;
        }
    }
    return *out != NULL ? SR_OK : SR_ERR_NOMEM;
}

void sr_mls_trust_free(struct sr_mls_trust *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < LEVELS; i++) {
        sr_crypto_x509_store_free(t->stores[i]);
    }
    sr_mls_trust_memo_free(t->memo);
    sr_free(t);
}

sr_err sr_mls_trust_add_anchor(struct sr_mls_trust *t, struct sr_slice der,
                               enum sr_mls_identity_level level)
{
    SR_CHECK(t != NULL, SR_ERR_ARG);
    SR_CHECK(level == SR_MLS_LEVEL_INTERNAL || level == SR_MLS_LEVEL_EXTERNAL, SR_ERR_ARG);
    /* Parse first, so a bad anchor leaves the configuration as it was. */
    struct sr_x509_info info;
    SR_TRY(sr_crypto_x509_info(der, &info));
    struct sr_x509_store **st = &t->stores[level - 1];
    if (*st == NULL) {
        SR_TRY(sr_crypto_x509_store_new(st));
    }
    /* New anchors change judgements, so the memo starts again. */
    sr_mls_trust_memo_clear(t->memo);
    return sr_crypto_x509_store_add_der(*st, der);
}

void sr_mls_trust_require_verified(struct sr_mls_trust *t, bool require)
{
    t->require_verified = require;
}

void sr_mls_trust_set_time(struct sr_mls_trust *t, uint64_t now)
{
    t->now = now;
}

int64_t sr_mls_trust_time(const struct sr_mls_trust *t, uint64_t group_now)
{
    uint64_t now = t != NULL && t->now != 0 ? t->now : group_now;
    if (now == 0) {
        /* Certificates expire whether or not the application gave a clock: with none, the
         * system's is the only honest answer. */
        return (int64_t)time(NULL);
    }
    return now > INT64_MAX ? INT64_MAX : (int64_t)now;
}

sr_err sr_mls_x509_credential_check(const struct sr_suite *suite,
                                    const struct sr_mls_credential *cred,
                                    struct sr_slice signature_key, int64_t now)
{
    if (cred->type != SR_MLS_CREDENTIAL_X509) {
        return SR_OK;
    }
    SR_CHECK(cred->cert_count > 0, SR_ERR_INVALID);
    struct sr_x509_info info;
    for (size_t i = cred->cert_count; i-- > 0;) {
        /* A chain with garbage in it is malformed even where no anchor would look. */
        if (sr_crypto_x509_info(cred->certs[i], &info) != SR_OK) {
            return SR_ERR_INVALID;
        }
    }
    /* `info` now describes the end-entity certificate (certs[0], parsed last). */
    SR_CHECK(info.not_before <= now && now <= info.not_after, SR_ERR_DENIED);
    /* §5.3.1: "The signature_key in the LeafNode MUST match the public key in the
     * end-entity certificate". */
    sr_err err = sr_crypto_x509_check_key(cred->certs[0], suite->sig, signature_key);
    return err == SR_ERR_NOMEM ? err : (err == SR_OK ? SR_OK : SR_ERR_INVALID);
}

static enum sr_mls_identity_level chain_level(const struct sr_mls_trust *t,
                                              const struct sr_suite *suite,
                                              const struct sr_mls_credential *cred,
                                              struct sr_slice signature_key, int64_t now)
{
    for (size_t i = LEVELS; t != NULL && i-- > 0;) {
        if (t->stores[i] != NULL &&
            sr_crypto_x509_verify(t->stores[i], cred->certs, cred->cert_count, now, suite->sig,
                                  signature_key) == SR_OK) {
            return (enum sr_mls_identity_level)(i + 1);
        }
    }
    return SR_MLS_LEVEL_UNVERIFIED;
}

sr_err sr_mls_trust_assess(const struct sr_mls_trust *t, const struct sr_suite *suite,
                           const struct sr_mls_credential *cred, struct sr_slice signature_key,
                           int64_t now, struct sr_mls_credential_result *res)
{
    *res = (struct sr_mls_credential_result){ 0 };
    sr_err known;
    if (sr_mls_trust_memo_get(t != NULL ? t->memo : NULL, suite, cred, signature_key, now, &known,
                              res)) {
        if (known == SR_OK) {
            return SR_OK;
        }
        *res = (struct sr_mls_credential_result){ 0 };
    }
    SR_TRY(sr_mls_credential_display(cred, res->identity));
    res->level = SR_MLS_LEVEL_UNVERIFIED;
    if (cred->type == SR_MLS_CREDENTIAL_X509) {
        res->level = (int)chain_level(t, suite, cred, signature_key, now);
    }
    return SR_OK;
}

sr_err sr_mls_trust_validate(const struct sr_mls_trust *t, uint64_t group_now,
                             const struct sr_suite *suite, const struct sr_mls_credential *cred,
                             struct sr_slice signature_key, struct sr_mls_credential_result *res)
{
    struct sr_mls_credential_result tmp;
    struct sr_mls_credential_result *r = res != NULL ? res : &tmp;
    int64_t now = sr_mls_trust_time(t, group_now);
    *r = (struct sr_mls_credential_result){ 0 };
    sr_err err;
    if (t == NULL) {
        /* No trust configured: nothing to judge the chain by, and nothing to report. */
        return sr_mls_x509_credential_check(suite, cred, signature_key, now);
    }
    if (!sr_mls_trust_memo_get(t->memo, suite, cred, signature_key, now, &err, r)) {
        err = sr_mls_x509_credential_check(suite, cred, signature_key, now);
        if (err == SR_OK) {
            err = sr_mls_trust_assess(t, suite, cred, signature_key, now, r);
        }
        sr_mls_trust_memo_put(t->memo, suite, cred, signature_key, now, err, r);
    }
    if (err != SR_OK) {
        *r = (struct sr_mls_credential_result){ 0 };
        return err;
    }
    if (t->require_verified && r->level == SR_MLS_LEVEL_UNVERIFIED) {
        *r = (struct sr_mls_credential_result){ 0 };
        return SR_ERR_DENIED;
    }
    return SR_OK;
}
