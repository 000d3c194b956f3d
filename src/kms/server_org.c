/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Org keys for the server (KMS.md §7): the org row and its first CMK on first use, the org's
 * current KEK (made when the month turns or after 2^20 wraps), and content keys wrapped,
 * opened and re-wrapped through the key hierarchy. A revoked CMK surfaces as SR_ERR_DENIED,
 * which the answer turns into 503 CMK_REVOKED.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/rand.h"
#include "kms/server_int.h"

sr_err sr_kms_org_ensure(struct sr_kms_req *rq, const char *org_id)
{
    struct sr_store_org *org = sr_calloc(1, sizeof(*org));
    SR_CHECK(org != NULL, SR_ERR_NOMEM);
    sr_err err = sr_store_org_get(rq->srv->store, org_id, org);
    if (err == SR_ERR_NOT_FOUND) {
        (void)snprintf(org->org_id, sizeof(org->org_id), "%s", org_id);
        (void)snprintf(org->region, sizeof(org->region), "%s", rq->srv->region);
        (void)snprintf(org->cmk_mode, sizeof(org->cmk_mode), "%s", rq->srv->cmk->ops->name);
        (void)snprintf(org->policy, sizeof(org->policy), "{}");
        err = sr_store_org_insert(rq->srv->store, org);
        err = err == SR_ERR_EXISTS ? SR_OK : err;
    }
    sr_free(org);
    return err;
}

/* The CMK of a store row, its state as the store has it now; the provider is asked for the
 * key only when a KEK is not cached (sr_kms_cmk_open_deferred). */
static sr_err cmk_open_row(struct sr_kms_req *rq, const struct sr_store_cmk *row,
                           struct sr_kms_cmk **out)
{
    enum sr_kms_cmk_state state;
    SR_TRY(sr_kms_cmk_state_parse(row->state, &state));
    return sr_kms_cmk_open_deferred(rq->srv->cmk, row->uri, row->org_id, row->version, state, out);
}

/* A CMK for the org's first key: generated in the provider, recorded active. */
static sr_err cmk_generate(struct sr_kms_req *rq, const char *org_id, int64_t version,
                           struct sr_kms_cmk **out)
{
    char id[SR_KMS_UUID_LEN];
    struct sr_store_cmk *row = sr_calloc(1, sizeof(*row));
    SR_CHECK(row != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_uuid(id);
    if (err == SR_OK) {
        err = sr_kms_uri_make(rq->srv->host, "cmk", id, row->uri);
    }
    if (err == SR_OK) {
        err = sr_kms_cmk_generate(rq->srv->cmk, row->uri, org_id, version, out);
    }
    if (err == SR_OK) {
        (void)snprintf(row->org_id, sizeof(row->org_id), "%s", org_id);
        (void)snprintf(row->provider, sizeof(row->provider), "%s", rq->srv->cmk->ops->name);
        (void)snprintf(row->state, sizeof(row->state), "active");
        row->version = version;
        row->created = row->state_changed = rq->now;
        err = sr_store_cmk_insert(rq->srv->store, row);
    }
    if (err != SR_OK) {
        sr_kms_cmk_free(*out);
        *out = NULL;
    }
    sr_free(row);
    return err;
}

/* The org's active CMK; SR_ERR_DENIED when the newest usable one is revoked. */
static sr_err cmk_active(struct sr_kms_req *rq, const char *org_id, struct sr_kms_cmk **out)
{
    struct sr_store_cmk *list = NULL;
    size_t n = 0;
    *out = NULL;
    SR_TRY(sr_store_cmk_list(rq->srv->store, org_id, &list, &n));
    sr_err err = SR_OK;
    int64_t top = 0;
    bool revoked = false;
    for (size_t i = 0; i < n && *out == NULL && err == SR_OK; i++) {
        top = list[i].version > top ? list[i].version : top;
        revoked = revoked || strcmp(list[i].state, "revoked") == 0;
        if (strcmp(list[i].state, "active") == 0) {
            err = cmk_open_row(rq, &list[i], out);
        }
    }
    sr_store_free(list);
    if (err == SR_OK && *out == NULL) {
        err = revoked ? SR_ERR_DENIED : cmk_generate(rq, org_id, top + 1, out);
    }
    return err;
}

/* The org's KEK that may wrap one more key now, made and inserted when there is none. */
static sr_err kek_current(struct sr_kms_req *rq, const char *org_id, struct sr_kms_cmk *cmk,
                          struct sr_store_kek *kek)
{
    char period[SR_KMS_KEK_PERIOD_LEN], id[SR_KMS_UUID_LEN];
    SR_TRY(sr_kms_kek_period(rq->now, period));
    sr_err err = sr_store_kek_current(rq->srv->store, org_id, period, sr_kms_cmk_uri(cmk), kek);
    if (err == SR_OK && sr_kms_kek_usable(kek, cmk, rq->now)) {
        return SR_OK;
    }
    SR_CHECK(err == SR_OK || err == SR_ERR_NOT_FOUND, err);
    SR_TRY(sr_kms_uuid(id));
    SR_TRY(sr_kms_keywrap_kek_new(rq->srv->keywrap, cmk, id, rq->now, kek));
    return sr_store_kek_insert(rq->srv->store, kek);
}

/* Wrap `ck` for `key_uri` under the org's current KEK into row's org, kek_id and wrapped. */
static sr_err wrap_for_org(struct sr_kms_req *rq, const char *org_id, const char *key_uri,
                           const uint8_t ck[SR_KMS_CK_LEN], struct sr_store_key *row)
{
    struct sr_kms_cmk *cmk = NULL;
    struct sr_store_kek *kek = sr_calloc(1, sizeof(*kek));
    SR_CHECK(kek != NULL, SR_ERR_NOMEM);
    sr_err err = cmk_active(rq, org_id, &cmk);
    if (err == SR_OK) {
        err = kek_current(rq, org_id, cmk, kek);
    }
    if (err == SR_OK) {
        err = sr_kms_keywrap_ck_wrap(rq->srv->keywrap, cmk, kek, key_uri, ck, rq->now,
                                     row->wrapped.p);
    }
    if (err == SR_OK) {
        err = sr_store_kek_add_wraps(rq->srv->store, kek->kek_id, 1);
    }
    if (err == SR_OK) {
        row->wrapped.present = true;
        row->wrapped.len = SR_KMS_CK_BLOB_LEN;
        (void)snprintf(row->org_id, sizeof(row->org_id), "%s", org_id);
        (void)snprintf(row->kek_id, sizeof(row->kek_id), "%s", kek->kek_id);
    }
    sr_kms_cmk_free(cmk);
    sr_free(kek);
    return err;
}

sr_err sr_kms_org_key_new(struct sr_kms_req *rq, const char *org_id, const char *key_uri,
                          struct sr_store_key *row, uint8_t ck[SR_KMS_CK_LEN])
{
    memset(row, 0, sizeof(*row));
    sr_err err = sr_rand_bytes(ck, SR_KMS_CK_LEN);
    if (err == SR_OK) {
        err = wrap_for_org(rq, org_id, key_uri, ck, row);
    }
    if (err != SR_OK) {
        sr_wipe(ck, SR_KMS_CK_LEN);
        return err;
    }
    (void)snprintf(row->uri, sizeof(row->uri), "%s", key_uri);
    (void)snprintf(row->created_by, sizeof(row->created_by), "%s", rq->who.user_id);
    (void)snprintf(row->client_id, sizeof(row->client_id), "%s", rq->client_id);
    row->created = rq->now;
    row->expires = rq->now + SR_KMS_UNBOUND_MS;
    return SR_OK;
}

sr_err sr_kms_org_key_open(struct sr_kms_req *rq, const struct sr_store_key *row,
                           uint8_t ck[SR_KMS_CK_LEN])
{
    struct sr_kms_cmk *cmk = NULL;
    struct sr_store_kek *kek = sr_calloc(1, sizeof(*kek));
    struct sr_store_cmk *crow = sr_calloc(1, sizeof(*crow));
    sr_err err = kek != NULL && crow != NULL ? SR_OK : SR_ERR_NOMEM;
    if (err == SR_OK) {
        err = row->wrapped.present ? sr_store_kek_get(rq->srv->store, row->kek_id, kek)
                                   : SR_ERR_NOT_FOUND;
    }
    if (err == SR_OK) {
        err = sr_store_cmk_get(rq->srv->store, kek->cmk_uri, crow);
    }
    if (err == SR_OK) {
        err = cmk_open_row(rq, crow, &cmk);
    }
    if (err == SR_OK) {
        err = sr_kms_keywrap_ck_unwrap(rq->srv->keywrap, cmk, kek, row->uri,
                                       sr_slice_of(row->wrapped.p, row->wrapped.len), rq->now, ck);
    }
    sr_kms_cmk_free(cmk);
    sr_free(kek);
    sr_free(crow);
    return err;
}

sr_err sr_kms_org_key_rewrap(struct sr_kms_req *rq, const struct sr_store_key *row,
                             const char *org_id, struct sr_store_key *out)
{
    uint8_t ck[SR_KMS_CK_LEN];
    *out = *row;
    sr_err err = sr_kms_org_key_open(rq, row, ck);
    if (err == SR_OK) {
        err = wrap_for_org(rq, org_id, row->uri, ck, out);
    }
    sr_wipe(ck, sizeof(ck));
    return err;
}
