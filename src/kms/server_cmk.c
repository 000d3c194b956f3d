/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CMK administration (KMS.md §3, §7): `retrieve /publicKey` (the org's BYOK RSA key as a JWK),
 * `create /cmk` (an upload becomes `pending`; without one the provider generates a CMK that is
 * `active` at once, rotating the old one), `update /cmk/{id}` (state or keyState) and
 * `retrieve /cmk`. By org admins of the CMK's org and KMS admins; the service CMK (no
 * assignedOrgId) by KMS admins only.
 *
 *   pending ──► active ◄──► revoked        activation rotates: old active ──► rotating,
 *      │          │            │           its KEKs are re-wrapped 100 at a time, ──► retired
 *      └──────► deleted ◄── retired        revoked ──► deleted is refused while a hold is active
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/jose_int.h"
#include "kms/server_int.h"

#define REWRAP_BATCH 100

/* assignedOrgId ("" for the service CMK) and who may touch its CMKs; false: answered. */
static bool cmk_org(struct sr_kms_req *rq, const char *org, bool *service)
{
    *service = org[0] == '\0';
    unsigned roles = rq->who.roles;
    bool ok =
            (roles & SR_KMS_ROLE_KMS_ADMIN) != 0 ||
            (!*service && (roles & SR_KMS_ROLE_ORG_ADMIN) != 0 && strcmp(org, rq->who.org_id) == 0);
    if (!ok) {
        (void)sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "CMKs are for admins");
    }
    return ok;
}

static bool org_member(struct sr_kms_req *rq, const char **org)
{
    bool service;
    if (sr_kms_json_str(rq->in, "assignedOrgId", SR_STORE_ID_MAX - 1, org) != SR_OK) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "assignedOrgId must be a string");
        return false;
    }
    *org = *org != NULL ? *org : "";
    return cmk_org(rq, *org, &service);
}

static sr_err cmk_json(const struct sr_store_cmk *c, json_t **out)
{
    *out = json_pack("{s:s,s:s,s:I,s:s}", "uri", c->uri, "state", c->state, "version",
                     (json_int_t)c->version, "provider", c->provider);
    SR_CHECK(*out != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_json_put_time(*out, "createDate", c->created);
    if (err != SR_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

/* base64url of a big-endian integer into obj[name]. */
static sr_err put_b64(json_t *obj, const char *name, const struct sr_buf *v)
{
    struct sr_buf b;
    sr_buf_init(&b, 0, 0);
    sr_err err = sr_jose_b64_encode(sr_buf_slice(v), &b);
    if (err == SR_OK) {
        err = sr_buf_append(&b, "", 1);
    }
    if (err == SR_OK) {
        err = sr_kms_json_put_str(obj, name, (const char *)b.p);
    }
    sr_buf_cleanup(&b);
    return err;
}

static sr_err public_key(struct sr_kms_req *rq)
{
    const char *org = NULL;
    struct sr_buf n, e;
    if (!org_member(rq, &org)) {
        return SR_OK;
    }
    if (org[0] == '\0') {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "assignedOrgId is required");
    }
    sr_buf_init(&n, 0, 0);
    sr_buf_init(&e, 0, 0);
    json_t *jwk = json_pack("{s:s,s:s}", "kty", "RSA", "alg", "RSA-OAEP-256");
    sr_err err = jwk != NULL ? sr_kms_cmk_public_key(rq->srv->cmk, org, &n, &e) : SR_ERR_NOMEM;
    if (err == SR_OK) {
        err = put_b64(jwk, "n", &n);
    }
    if (err == SR_OK) {
        err = put_b64(jwk, "e", &e);
    }
    if (err == SR_OK) {
        err = sr_kms_json_put(rq->out, "publicKey", json_incref(jwk));
    }
    json_decref(jwk);
    sr_buf_cleanup(&n);
    sr_buf_cleanup(&e);
    return err == SR_OK ? sr_kms_req_ok(rq, 200) : err;
}

/* The org's CMK rows (newest first) and the one in `state`, if any (index or n). */
static size_t find_state(const struct sr_store_cmk *list, size_t n, const char *state)
{
    size_t i = 0;
    while (i < n && strcmp(list[i].state, state) != 0) {
        i++;
    }
    return i;
}

static sr_err open_row(struct sr_kms_req *rq, const struct sr_store_cmk *row,
                       struct sr_kms_cmk **out)
{
    enum sr_kms_cmk_state state;
    SR_TRY(sr_kms_cmk_state_parse(row->state, &state));
    return sr_kms_cmk_open(rq->srv->cmk, row->uri, row->org_id, row->version, state, out);
}

/* Re-wrap every KEK of `old` under `new_cmk`, a batch per transaction (KMS.md §7). */
static sr_err rewrap_all(struct sr_kms_req *rq, struct sr_kms_cmk *old, struct sr_kms_cmk *nw)
{
    uint8_t(*blobs)[SR_KMS_KEK_BLOB_LEN] = sr_calloc(REWRAP_BATCH, SR_KMS_KEK_BLOB_LEN);
    SR_CHECK(blobs != NULL, SR_ERR_NOMEM);
    sr_err err = SR_OK;
    for (;;) {
        struct sr_store_kek *keks = NULL;
        size_t n = 0;
        err = sr_store_kek_list_by_cmk(rq->srv->store, sr_kms_cmk_uri(old), REWRAP_BATCH, &keks,
                                       &n);
        if (err == SR_OK && n > 0) {
            err = sr_kms_keywrap_rotate(rq->srv->keywrap, old, nw, keks, n, blobs);
        }
        if (err == SR_OK && n > 0) {
            err = sr_store_begin(rq->srv->store);
        }
        for (size_t i = 0; i < n && err == SR_OK; i++) {
            struct sr_store_blob b = { true, SR_KMS_KEK_BLOB_LEN, { 0 } };
            memcpy(b.p, blobs[i], SR_KMS_KEK_BLOB_LEN);
            err = sr_store_kek_rewrap(rq->srv->store, keks[i].kek_id, sr_kms_cmk_uri(nw), &b);
        }
        if (err == SR_OK && n > 0) {
            err = sr_store_commit(rq->srv->store);
        }
        sr_store_free(keks);
        if (err != SR_OK || n == 0) {
            break;
        }
    }
    sr_wipe(blobs, REWRAP_BATCH * SR_KMS_KEK_BLOB_LEN);
    sr_free(blobs);
    return err;
}

/* Make `uri` (state pending) the org's active CMK, rotating the current one out. */
static sr_err activate(struct sr_kms_req *rq, const struct sr_store_cmk *row, const char *from)
{
    struct sr_store_cmk *list = NULL;
    size_t n = 0;
    struct sr_kms_cmk *old = NULL, *nw = NULL;
    SR_TRY(sr_store_cmk_list(rq->srv->store, row->org_id, &list, &n));
    size_t cur = find_state(list, n, "active");
    sr_err err = SR_OK;
    if (cur < n) {
        err = sr_store_cmk_set_state(rq->srv->store, list[cur].uri, "active", "rotating", rq->now);
    }
    if (err == SR_OK) {
        err = sr_store_cmk_set_state(rq->srv->store, row->uri, from, "active", rq->now);
    }
    if (err == SR_OK && cur < n) {
        (void)snprintf(list[cur].state, sizeof(list[cur].state), "rotating");
        struct sr_store_cmk now_active = *row;
        (void)snprintf(now_active.state, sizeof(now_active.state), "active");
        err = open_row(rq, &list[cur], &old);
        if (err == SR_OK) {
            err = open_row(rq, &now_active, &nw);
        }
        if (err == SR_OK) {
            err = rewrap_all(rq, old, nw);
        }
        if (err == SR_OK) {
            err = sr_store_cmk_set_state(rq->srv->store, list[cur].uri, "rotating", "retired",
                                         rq->now);
        }
    }
    sr_kms_keywrap_flush_org(rq->srv->keywrap, row->org_id);
    sr_kms_cmk_free(old);
    sr_kms_cmk_free(nw);
    sr_store_free(list);
    return err;
}

/* Decode a base64url member into `out`; false: answered 400. */
static bool b64_member(struct sr_kms_req *rq, const char *name, struct sr_store_blob *out)
{
    const char *s = NULL;
    struct sr_buf b;
    memset(out, 0, sizeof(*out));
    if (sr_kms_json_str(rq->in, name, 4 * SR_STORE_BLOB_MAX, &s) != SR_OK) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "%s must be base64url", name);
        return false;
    }
    if (s == NULL) {
        return true;
    }
    sr_buf_init(&b, SR_STORE_BLOB_MAX, 0);
    bool ok = sr_jose_b64_decode(sr_slice_of(s, strlen(s)), &b) == SR_OK && b.len > 0;
    if (ok) {
        memcpy(out->p, b.p, b.len);
        out->len = b.len;
        out->present = true;
    } else {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "%s must be base64url", name);
    }
    sr_buf_cleanup(&b);
    return ok;
}

/* Make the provider key for a new row: imported (pending) or generated. */
static sr_err make_key(struct sr_kms_req *rq, struct sr_store_cmk *row,
                       const struct sr_store_blob *upload)
{
    struct sr_kms_cmk *cmk = NULL;
    sr_err err =
            upload->present
                    ? sr_kms_cmk_import(rq->srv->cmk, row->uri, row->org_id, row->version,
                                        sr_slice_of(upload->p, upload->len), &cmk)
                    : sr_kms_cmk_generate(rq->srv->cmk, row->uri, row->org_id, row->version, &cmk);
    sr_kms_cmk_free(cmk);
    if (err == SR_ERR_AUTH || err == SR_ERR_DECODE || err == SR_ERR_INVALID) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "customerMasterKey does not decrypt");
    }
    if (err == SR_ERR_UNSUPPORTED) {
        return sr_kms_req_fail(rq, 501, "NOT_SUPPORTED", "BYOK needs a token provider");
    }
    return err;
}

static sr_err cmk_create(struct sr_kms_req *rq)
{
    const char *org = NULL;
    struct sr_store_blob upload;
    struct sr_store_cmk *list = NULL, *row = sr_calloc(1, sizeof(*row));
    size_t n = 0;
    char id[SR_KMS_UUID_LEN];
    SR_CHECK(row != NULL, SR_ERR_NOMEM);
    sr_err err = SR_OK;
    if (!org_member(rq, &org) || !b64_member(rq, "customerMasterKeyBackup", &row->backup) ||
        !b64_member(rq, "customerMasterKey", &upload)) {
        goto out;
    }
    err = sr_store_cmk_list(rq->srv->store, org, &list, &n);
    if (err == SR_OK && upload.present && find_state(list, n, "pending") < n) {
        err = sr_kms_req_fail(rq, 409, "CONFLICT", "the org already has a pending CMK");
        goto out;
    }
    if (err == SR_OK && org[0] != '\0') {
        err = sr_kms_org_ensure(rq, org);
    }
    if (err == SR_OK) {
        err = sr_kms_uuid(id);
    }
    if (err == SR_OK) {
        err = sr_kms_uri_make(rq->srv->host, "cmk", id, row->uri);
    }
    if (err != SR_OK) {
        goto out;
    }
    (void)snprintf(row->org_id, sizeof(row->org_id), "%s", org);
    (void)snprintf(row->provider, sizeof(row->provider), "%s", rq->srv->cmk->ops->name);
    (void)snprintf(row->state, sizeof(row->state), "pending");
    row->version = (n > 0 ? list[0].version : 0) + 1;
    row->created = row->state_changed = rq->now;
    memcpy(rq->audit_uri, row->uri, sizeof(row->uri));
    err = make_key(rq, row, &upload);
    if (err == SR_OK && rq->status == 0) {
        err = sr_store_cmk_insert(rq->srv->store, row);
    }
    /* KMS.md §3: without an upload the new CMK is active at once (a rotation). */
    if (err == SR_OK && rq->status == 0 && !upload.present) {
        err = activate(rq, row, "pending");
        (void)snprintf(row->state, sizeof(row->state), "active");
    }
    if (err == SR_OK && rq->status == 0) {
        json_t *o = NULL;
        err = cmk_json(row, &o);
        err = err == SR_OK ? sr_kms_json_put(rq->out, "customerMasterKey", o) : err;
        err = err == SR_OK ? sr_kms_req_ok(rq, 201) : err;
    }
out:
    sr_store_free(list);
    sr_free(row);
    return err;
}

static sr_err set_revoked(struct sr_kms_req *rq, const struct sr_store_cmk *row, const char *from,
                          const char *to)
{
    int64_t gen;
    SR_TRY(sr_store_cmk_set_state(rq->srv->store, row->uri, from, to, rq->now));
    /* The kill switch: every node drops its cached KEKs of the org. */
    if (row->org_id[0] != '\0') {
        SR_TRY(sr_store_org_bump_generation(rq->srv->store, row->org_id, &gen));
    }
    sr_kms_keywrap_flush_org(rq->srv->keywrap, row->org_id);
    return SR_OK;
}

static sr_err destroy(struct sr_kms_req *rq, const struct sr_store_cmk *row)
{
    struct sr_kms_cmk *cmk = NULL;
    bool held = false;
    if (strcmp(row->state, "revoked") == 0 && row->org_id[0] != '\0') {
        SR_TRY(sr_kms_hold_covers(rq, row->org_id, "", "", &held));
    }
    if (held) {
        return sr_kms_req_fail(rq, 409, "LEGAL_HOLD", "the org has an active legal hold");
    }
    SR_TRY(open_row(rq, row, &cmk));
    sr_err err = sr_kms_cmk_set_state(cmk, SR_KMS_CMK_DELETED);
    sr_kms_cmk_free(cmk);
    SR_TRY(err);
    return sr_store_cmk_set_state(rq->srv->store, row->uri, row->state, "deleted", rq->now);
}

/* One allowed move of KMS.md §7, or 409 CONFLICT. */
static sr_err move(struct sr_kms_req *rq, const struct sr_store_cmk *row, const char *to)
{
    const char *from = row->state;
    if (strcmp(to, "active") == 0 && strcmp(from, "pending") == 0) {
        return activate(rq, row, "pending");
    }
    if ((strcmp(to, "active") == 0 && strcmp(from, "revoked") == 0) ||
        (strcmp(to, "revoked") == 0 && strcmp(from, "active") == 0)) {
        return set_revoked(rq, row, from, to);
    }
    if (strcmp(to, "deleted") == 0 &&
        (strcmp(from, "pending") == 0 || strcmp(from, "retired") == 0 ||
         strcmp(from, "revoked") == 0)) {
        return destroy(rq, row);
    }
    return sr_kms_req_fail(rq, 409, "CONFLICT", "a CMK cannot go from %s to %s", from, to);
}

static sr_err cmk_update(struct sr_kms_req *rq)
{
    struct sr_store_cmk row;
    const char *to = NULL, *alias = NULL;
    bool service;
    json_t *o = NULL;
    SR_TRY(sr_kms_uri_make(rq->srv->host, "cmk", rq->uri.id, rq->audit_uri));
    if (sr_kms_json_str(rq->in, "state", SR_STORE_NAME_MAX - 1, &to) != SR_OK ||
        sr_kms_json_str(rq->in, "keyState", SR_STORE_NAME_MAX - 1, &alias) != SR_OK ||
        (to == NULL && alias == NULL)) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "state is required");
    }
    sr_err err = sr_store_cmk_get(rq->srv->store, rq->audit_uri, &row);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such CMK");
    }
    SR_TRY(err);
    if (!cmk_org(rq, row.org_id, &service)) {
        return SR_OK;
    }
    SR_TRY(move(rq, &row, to != NULL ? to : alias));
    if (rq->status != 0) {
        return SR_OK;
    }
    SR_TRY(sr_store_cmk_get(rq->srv->store, rq->audit_uri, &row));
    SR_TRY(cmk_json(&row, &o));
    SR_TRY(sr_kms_json_put(rq->out, "customerMasterKey", o));
    return sr_kms_req_ok(rq, 200);
}

static sr_err cmk_list(struct sr_kms_req *rq)
{
    const char *org = NULL;
    struct sr_store_cmk *list = NULL;
    size_t n = 0;
    if (!org_member(rq, &org)) {
        return SR_OK;
    }
    SR_TRY(sr_store_cmk_list(rq->srv->store, org, &list, &n));
    json_t *arr = json_array();
    sr_err err = arr != NULL ? SR_OK : SR_ERR_NOMEM;
    for (size_t i = 0; i < n && err == SR_OK; i++) {
        json_t *o = NULL;
        err = cmk_json(&list[i], &o);
        if (err == SR_OK && json_array_append_new(arr, o) != 0) {
            err = SR_ERR_NOMEM;
        }
    }
    sr_store_free(list);
    if (err == SR_OK) {
        err = sr_kms_json_put(rq->out, "customerMasterKeys", json_incref(arr));
    }
    json_decref(arr);
    return err == SR_OK ? sr_kms_req_ok(rq, 200) : err;
}

sr_err sr_kms_cmk_admin(struct sr_kms_req *rq)
{
    if (strcmp(rq->uri.col, "publicKey") == 0) {
        return public_key(rq);
    }
    if (strcmp(rq->method, "create") == 0) {
        return cmk_create(rq);
    }
    return strcmp(rq->method, "update") == 0 ? cmk_update(rq) : cmk_list(rq);
}
