/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys (KMS.md §1, §3): create (1-100 fresh AES-256 keys, each wrapped under the org's KEK
 * in one transaction), retrieve (an unbound key only by its creator, a bound key by anyone
 * authorized on its resource) and bind (one conditional update; a key bound to another org's
 * resource is re-wrapped under that org's KEK). Every key handed out is listed for the audit
 * row, which is written before the answer is sealed.
 */
#include <string.h>

#include "kms/jose_int.h"
#include "kms/server_int.h"

#define COUNT_MAX 100

sr_err sr_kms_key_json(const struct sr_kms_req *rq, const struct sr_store_key *row,
                       const uint8_t *ck, json_t **out)
{
    struct sr_buf k;
    (void)rq;
    *out = json_pack("{s:s,s:s,s:s}", "uri", row->uri, "userId", row->created_by, "clientId",
                     row->client_id);
    SR_CHECK(*out != NULL, SR_ERR_NOMEM);
    sr_buf_init(&k, 0, SR_BUF_WIPE);
    sr_err err = sr_kms_json_put_time(*out, "createDate", row->created);
    if (err == SR_OK) {
        err = sr_kms_json_put_time(*out, "expirationDate", row->expires);
    }
    if (err == SR_OK && row->resource_uri[0] != '\0') {
        err = sr_kms_json_put_str(*out, "resourceUri", row->resource_uri);
    }
    if (err == SR_OK) {
        err = sr_kms_json_put_time(*out, "bindDate", row->bound_at);
    }
    if (err == SR_OK && ck != NULL) {
        err = sr_jose_b64_encode(sr_slice_of(ck, SR_KMS_CK_LEN), &k);
        if (err == SR_OK) {
            err = sr_buf_append(&k, "", 1);
        }
        if (err == SR_OK) {
            err = sr_kms_json_put(
                    *out, "jwk",
                    json_pack("{s:s,s:s,s:s}", "kty", "oct", "k", (char *)k.p, "kid", row->uri));
        }
    }
    sr_buf_cleanup(&k);
    if (err != SR_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

/* Append the key object (with its material) to `arr` and its URI to the released list. */
static sr_err release(struct sr_kms_req *rq, const struct sr_store_key *row, const uint8_t *ck,
                      json_t *arr, const char *member)
{
    json_t *o = NULL;
    SR_TRY(sr_kms_key_json(rq, row, ck, &o));
    if (arr != NULL) {
        SR_CHECK(json_array_append_new(arr, o) == 0, SR_ERR_NOMEM);
    } else {
        SR_TRY(sr_kms_json_put(rq->out, member, o));
    }
    SR_CHECK(json_array_append_new(rq->released, json_string(row->uri)) == 0, SR_ERR_NOMEM);
    return SR_OK;
}

static sr_err create_one(struct sr_kms_req *rq, json_t *keys)
{
    char id[SR_KMS_UUID_LEN], uri[SR_STORE_ID_MAX];
    uint8_t ck[SR_KMS_CK_LEN];
    struct sr_store_key row;
    SR_TRY(sr_kms_uuid(id));
    SR_TRY(sr_kms_uri_make(rq->srv->host, "keys", id, uri));
    SR_TRY(sr_kms_org_key_new(rq, rq->who.org_id, uri, &row, ck));
    sr_err err = sr_store_key_insert(rq->srv->store, &row);
    if (err == SR_OK) {
        err = release(rq, &row, ck, keys, NULL);
    }
    sr_wipe(ck, sizeof(ck));
    return err;
}

sr_err sr_kms_keys_create(struct sr_kms_req *rq)
{
    int64_t count = 1;
    bool present;
    if (sr_kms_json_int(rq->in, "count", &count, &present) != SR_OK) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "count must be an integer");
    }
    count = present ? count : 1;
    if (count > COUNT_MAX) {
        return sr_kms_req_fail(rq, 413, "TOO_LARGE", "count is at most 100");
    }
    if (count < 1) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "count is 1-100");
    }
    json_t *keys = json_array();
    SR_CHECK(keys != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_org_ensure(rq, rq->who.org_id);
    if (err == SR_OK) {
        err = sr_store_begin(rq->srv->store);
    }
    for (int64_t i = 0; i < count && err == SR_OK; i++) {
        err = create_one(rq, keys);
    }
    if (err == SR_OK) {
        err = sr_store_commit(rq->srv->store);
    }
    if (err == SR_OK) {
        err = sr_kms_json_put(rq->out, "keys", json_incref(keys));
    }
    json_decref(keys);
    return err == SR_OK ? sr_kms_req_ok(rq, 201) : err;
}

/* The key named by the request URI, with 404 and 410 answers; *ok when it may be used. */
static sr_err load_key(struct sr_kms_req *rq, struct sr_store_key *row, bool *ok)
{
    char uri[SR_STORE_ID_MAX];
    *ok = false;
    SR_TRY(sr_kms_uri_make(rq->srv->host, "keys", rq->uri.id, uri));
    memcpy(rq->audit_uri, uri, sizeof(uri));
    sr_err err = sr_store_key_get(rq->srv->store, uri, row);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such key");
    }
    SR_TRY(err);
    if (row->shredded_at != 0 || !row->wrapped.present) {
        return sr_kms_req_fail(rq, 410, "SHREDDED", "the key was shredded");
    }
    *ok = true;
    return SR_OK;
}

static bool is_creator(const struct sr_kms_req *rq, const struct sr_store_key *row)
{
    return strcmp(row->created_by, rq->who.user_id) == 0 &&
           strcmp(row->client_id, rq->client_id) == 0;
}

/* Open the key and put it in the answer as `key`. */
static sr_err answer_key(struct sr_kms_req *rq, const struct sr_store_key *row, int status)
{
    uint8_t ck[SR_KMS_CK_LEN];
    sr_err err = sr_kms_org_key_open(rq, row, ck);
    if (err == SR_OK) {
        err = release(rq, row, ck, NULL, "key");
    }
    sr_wipe(ck, sizeof(ck));
    return err == SR_OK ? sr_kms_req_ok(rq, status) : err;
}

sr_err sr_kms_keys_retrieve(struct sr_kms_req *rq)
{
    struct sr_store_key row;
    struct sr_store_resource res;
    bool ok;
    SR_TRY(load_key(rq, &row, &ok));
    if (!ok) {
        return SR_OK;
    }
    if (row.resource_uri[0] == '\0') {
        /* KMS.md §1: an unbound key is its creator's alone (same userId and clientId). */
        if (!is_creator(rq, &row)) {
            return sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "an unbound key is its creator's");
        }
    } else {
        SR_TRY(sr_kms_require_resource(rq, row.resource_uri, &res, &ok));
        if (!ok) {
            return SR_OK;
        }
    }
    return answer_key(rq, &row, 200);
}

static sr_err bind_fail(struct sr_kms_req *rq, enum sr_store_bind_result r, bool *ok)
{
    *ok = r == SR_STORE_BIND_DONE || r == SR_STORE_BIND_ALREADY;
    switch (r) {
    case SR_STORE_BIND_DONE:
    case SR_STORE_BIND_ALREADY:
        return SR_OK;
    case SR_STORE_BIND_ELSEWHERE:
        return sr_kms_req_fail(rq, 409, "ALREADY_BOUND", "the key is bound to another resource");
    case SR_STORE_BIND_EXPIRED:
        return sr_kms_req_fail(rq, 422, "KEY_EXPIRED", "the unbound window has closed");
    case SR_STORE_BIND_SHREDDED:
        return sr_kms_req_fail(rq, 410, "SHREDDED", "the key was shredded");
    case SR_STORE_BIND_NOT_OWNER:
    default:
        return sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "only the key's creator may bind it");
    }
}

sr_err sr_kms_key_bind_to(struct sr_kms_req *rq, const char *key_uri,
                          const struct sr_store_resource *res, bool *ok)
{
    struct sr_store_key row, moved;
    enum sr_store_bind_result r = SR_STORE_BIND_NOT_OWNER;
    *ok = false;
    sr_err err = sr_store_key_get(rq->srv->store, key_uri, &row);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such key");
    }
    SR_TRY(err);
    int64_t lifetime = 0;
    SR_TRY(sr_kms_org_key_lifetime(rq, res->org_id, &lifetime));
    struct sr_store_bind b = { key_uri,       res->uri, rq->who.user_id,
                               rq->client_id, rq->now,  rq->now + lifetime,
                               NULL,          NULL,     NULL };
    /* A key bound to another org's resource moves to that org's KEK (KMS.md §3). */
    if (row.resource_uri[0] == '\0' && row.wrapped.present && is_creator(rq, &row) &&
        rq->now < row.expires && strcmp(row.org_id, res->org_id) != 0) {
        SR_TRY(sr_kms_org_key_rewrap(rq, &row, res->org_id, &moved));
        b.org_id = moved.org_id;
        b.kek_id = moved.kek_id;
        b.rewrapped = &moved.wrapped;
    }
    SR_TRY(sr_store_key_bind(rq->srv->store, &b, &r));
    return bind_fail(rq, r, ok);
}

sr_err sr_kms_keys_bind(struct sr_kms_req *rq)
{
    char res_uri[SR_STORE_ID_MAX];
    const char *given = NULL;
    struct sr_store_key row;
    struct sr_store_resource res;
    bool ok;
    SR_TRY(load_key(rq, &row, &ok));
    if (!ok) {
        return SR_OK;
    }
    if (sr_kms_json_str(rq->in, "resourceUri", SR_STORE_ID_MAX - 1, &given) != SR_OK ||
        given == NULL) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "resourceUri is required");
    }
    sr_err err = sr_kms_uri_canonical(rq->srv->host, "resources", given, res_uri);
    if (err == SR_ERR_WRONG_GROUP) {
        return sr_kms_req_fail(rq, 421, "WRONG_KMS", "this is %s", rq->srv->cluster);
    }
    if (err != SR_OK) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "resourceUri is not a resource URI");
    }
    SR_TRY(sr_kms_require_resource(rq, res_uri, &res, &ok));
    if (!ok) {
        return SR_OK;
    }
    SR_TRY(sr_store_begin(rq->srv->store));
    SR_TRY(sr_kms_key_bind_to(rq, row.uri, &res, &ok));
    if (!ok) {
        sr_store_rollback(rq->srv->store);
        return SR_OK;
    }
    SR_TRY(sr_store_commit(rq->srv->store));
    char key_uri[SR_STORE_ID_MAX];
    memcpy(key_uri, row.uri, sizeof(key_uri)); /* the store clears its output first */
    SR_TRY(sr_store_key_get(rq->srv->store, key_uri, &row));
    return answer_key(rq, &row, 200);
}
