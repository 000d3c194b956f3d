/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resources (KMS.md §1, §3): create in one transaction (the resource, the creator's
 * authorization, every authId, every key bound by the bind rules; any refusal leaves
 * nothing), retrieve, and the resource's keys, newest bindDate first with boundAfter
 * (inclusive), boundBefore (exclusive) and count.
 */
#include <string.h>

#include "kms/server_int.h"

#define LIST_MAX 1000

static const char *const kinds[] = { "space",     "meeting",        "file",
                                     "voicemail", "org-recordings", "other" };

/* o[name] = an empty array, returned borrowed for the caller to fill. */
static sr_err new_list(json_t *o, const char *name, json_t **arr)
{
    *arr = json_array();
    SR_TRY(sr_kms_json_put(o, name, *arr));
    return SR_OK;
}

static sr_err push(json_t *arr, const char *s)
{
    return json_array_append_new(arr, json_string(s)) == 0 ? SR_OK : SR_ERR_NOMEM;
}

/* keyUris and authorizationUris of the resource. */
static sr_err member_lists(struct sr_kms_req *rq, const struct sr_store_resource *res, json_t *o)
{
    struct sr_store_key *keys = NULL;
    struct sr_store_authz *auths = NULL;
    size_t nk = 0, na = 0;
    json_t *ku = NULL, *au = NULL;
    sr_err err =
            sr_store_key_list_by_resource(rq->srv->store, res->uri, 0, 0, LIST_MAX, &keys, &nk);
    if (err == SR_OK) {
        err = sr_store_authz_list_by_resource(rq->srv->store, res->uri, &auths, &na);
    }
    if (err == SR_OK) {
        err = new_list(o, "keyUris", &ku);
    }
    if (err == SR_OK) {
        err = new_list(o, "authorizationUris", &au);
    }
    for (size_t i = 0; i < nk && err == SR_OK; i++) {
        err = push(ku, keys[i].uri);
    }
    for (size_t i = 0; i < na && err == SR_OK; i++) {
        err = push(au, auths[i].uri);
    }
    sr_store_free(keys);
    sr_store_free(auths);
    return err;
}

/* The resource object with its key and authorization URIs. */
static sr_err resource_json(struct sr_kms_req *rq, const struct sr_store_resource *res,
                            json_t **out)
{
    *out = json_pack("{s:s,s:s,s:I}", "uri", res->uri, "kind", res->kind, "ttl",
                     (json_int_t)res->ttl);
    SR_CHECK(*out != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_json_put_time(*out, "expirationDate", res->expires);
    if (err == SR_OK) {
        err = member_lists(rq, res, *out);
    }
    if (err != SR_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

struct create_in {
    const char *kind;
    int64_t ttl;
    const json_t *auth_ids[2]; /* authIds and its alias userIds */
    const json_t *key_uris;
};

static bool kind_known(const char *k)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i], k) == 0) {
            return true;
        }
    }
    return false;
}

/* The members of create /resources; false when answered with an error. */
static bool create_parse(struct sr_kms_req *rq, struct create_in *in)
{
    int64_t anonymous = 0;
    bool has_ttl, has_anon;
    memset(in, 0, sizeof(*in));
    if (sr_kms_json_str(rq->in, "kind", SR_STORE_NAME_MAX - 1, &in->kind) != SR_OK ||
        sr_kms_json_int(rq->in, "ttl", &in->ttl, &has_ttl) != SR_OK ||
        sr_kms_json_int(rq->in, "anonymous", &anonymous, &has_anon) != SR_OK ||
        sr_kms_json_str_array(rq->in, "authIds", SR_STORE_ID_MAX - 1, &in->auth_ids[0]) != SR_OK ||
        sr_kms_json_str_array(rq->in, "userIds", SR_STORE_ID_MAX - 1, &in->auth_ids[1]) != SR_OK ||
        sr_kms_json_str_array(rq->in, "keyUris", SR_STORE_ID_MAX - 1, &in->key_uris) != SR_OK) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "a member has the wrong type");
        return false;
    }
    in->kind = in->kind != NULL ? in->kind : "other";
    if (!kind_known(in->kind)) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "unknown kind");
        return false;
    }
    if (anonymous > 0) {
        (void)sr_kms_req_fail(rq, 501, "NOT_SUPPORTED", "anonymous authorizations");
        return false;
    }
    if (in->ttl != 0 && (in->ttl < SR_KMS_TTL_MIN_S || in->ttl > SR_KMS_TTL_MAX_S)) {
        (void)sr_kms_req_fail(rq, 400, "TTL_RANGE", "ttl is 0 or %d-%lld seconds", SR_KMS_TTL_MIN_S,
                              (long long)SR_KMS_TTL_MAX_S);
        return false;
    }
    if (json_array_size(in->auth_ids[0]) + json_array_size(in->auth_ids[1]) > LIST_MAX ||
        json_array_size(in->key_uris) > LIST_MAX) {
        (void)sr_kms_req_fail(rq, 413, "TOO_LARGE", "at most 1000 authIds and keyUris");
        return false;
    }
    return true;
}

/* Authorize every authId (the creator first), then bind every key; stops at a refusal. */
static sr_err create_members(struct sr_kms_req *rq, const struct sr_store_resource *res,
                             const struct create_in *in)
{
    struct sr_store_authz a;
    char uri[SR_STORE_ID_MAX];
    bool ok = true;
    SR_TRY(sr_kms_authz_add(rq, res, rq->who.user_id, "participant", &a, &ok));
    for (size_t l = 0; l < 2 && ok; l++) {
        for (size_t i = 0; i < json_array_size(in->auth_ids[l]) && ok; i++) {
            SR_TRY(sr_kms_authz_add_checked(
                    rq, res, json_string_value(json_array_get(in->auth_ids[l], i)), &ok));
        }
    }
    for (size_t i = 0; i < json_array_size(in->key_uris) && ok; i++) {
        const char *given = json_string_value(json_array_get(in->key_uris, i));
        sr_err err = sr_kms_uri_canonical(rq->srv->host, "keys", given, uri);
        if (err != SR_OK) {
            return err == SR_ERR_WRONG_GROUP
                           ? sr_kms_req_fail(rq, 421, "WRONG_KMS", "this is %s", rq->srv->cluster)
                           : sr_kms_req_fail(rq, 400, "BAD_REQUEST", "a keyUri is not a key URI");
        }
        SR_TRY(sr_kms_key_bind_to(rq, uri, res, &ok));
    }
    return SR_OK;
}

static sr_err create_tx(struct sr_kms_req *rq, struct sr_store_resource *res,
                        const struct create_in *in)
{
    json_t *o = NULL;
    SR_TRY(sr_store_begin(rq->srv->store));
    SR_TRY(sr_store_resource_insert(rq->srv->store, res));
    SR_TRY(create_members(rq, res, in));
    if (rq->status != 0) {
        sr_store_rollback(rq->srv->store); /* KMS.md §3: any failure leaves nothing */
        return SR_OK;
    }
    SR_TRY(sr_store_commit(rq->srv->store));
    SR_TRY(resource_json(rq, res, &o));
    SR_TRY(sr_kms_json_put(rq->out, "resource", o));
    return sr_kms_req_ok(rq, 201);
}

sr_err sr_kms_resources_create(struct sr_kms_req *rq)
{
    struct create_in in;
    struct sr_store_resource res;
    char id[SR_KMS_UUID_LEN];
    if (!create_parse(rq, &in)) {
        return SR_OK;
    }
    memset(&res, 0, sizeof(res));
    SR_TRY(sr_kms_uuid(id));
    SR_TRY(sr_kms_uri_make(rq->srv->host, "resources", id, res.uri));
    memcpy(rq->audit_uri, res.uri, sizeof(res.uri));
    memcpy(res.org_id, rq->who.org_id, sizeof(res.org_id));
    memcpy(res.kind, in.kind, strlen(in.kind) + 1);
    memcpy(res.created_by, rq->who.user_id, sizeof(res.created_by));
    res.created = rq->now;
    res.ttl = in.ttl;
    res.expires = in.ttl != 0 ? rq->now + in.ttl * 1000 : 0;
    SR_TRY(sr_kms_org_ensure(rq, rq->who.org_id));
    return create_tx(rq, &res, &in);
}

/* The resource named by the request URI, with access checked. */
static sr_err this_resource(struct sr_kms_req *rq, struct sr_store_resource *res, bool *ok)
{
    char uri[SR_STORE_ID_MAX];
    SR_TRY(sr_kms_uri_make(rq->srv->host, "resources", rq->uri.id, uri));
    memcpy(rq->audit_uri, uri, sizeof(uri));
    return sr_kms_require_resource(rq, uri, res, ok);
}

sr_err sr_kms_resources_retrieve(struct sr_kms_req *rq)
{
    struct sr_store_resource res;
    json_t *o = NULL;
    bool ok;
    SR_TRY(this_resource(rq, &res, &ok));
    if (!ok) {
        return SR_OK;
    }
    SR_TRY(resource_json(rq, &res, &o));
    SR_TRY(sr_kms_json_put(rq->out, "resource", o));
    return sr_kms_req_ok(rq, 200);
}

/* boundAfter, boundBefore and count of a key listing; false when answered with an error. */
static bool list_parse(struct sr_kms_req *rq, int64_t *after, int64_t *before, int64_t *count)
{
    const char *a = NULL, *b = NULL;
    bool has_count;
    *after = *before = 0;
    if (sr_kms_json_str(rq->in, "boundAfter", 64, &a) != SR_OK ||
        sr_kms_json_str(rq->in, "boundBefore", 64, &b) != SR_OK ||
        sr_kms_json_int(rq->in, "count", count, &has_count) != SR_OK ||
        (a != NULL && sr_kms_time_parse(a, after) != SR_OK) ||
        (b != NULL && sr_kms_time_parse(b, before) != SR_OK)) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "boundAfter/boundBefore/count");
        return false;
    }
    *count = has_count ? *count : LIST_MAX;
    if (*count > LIST_MAX) {
        (void)sr_kms_req_fail(rq, 413, "TOO_LARGE", "count is at most 1000");
        return false;
    }
    if (*count < 1) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "count is 1-1000");
        return false;
    }
    return true;
}

/* Open each listed key into the answer's `keys`. */
static sr_err release_keys(struct sr_kms_req *rq, const struct sr_store_key *rows, size_t n)
{
    json_t *arr = NULL;
    uint8_t ck[SR_KMS_CK_LEN];
    SR_TRY(new_list(rq->out, "keys", &arr));
    sr_err err = SR_OK;
    for (size_t i = 0; i < n && err == SR_OK; i++) {
        json_t *o = NULL;
        err = sr_kms_org_key_open(rq, &rows[i], ck);
        if (err == SR_OK) {
            err = sr_kms_key_json(rq, &rows[i], ck, &o);
        }
        if (err == SR_OK && json_array_append_new(arr, o) != 0) {
            err = SR_ERR_NOMEM;
        }
        if (err == SR_OK) {
            err = push(rq->released, rows[i].uri);
        }
    }
    sr_wipe(ck, sizeof(ck));
    return err;
}

sr_err sr_kms_resources_keys(struct sr_kms_req *rq)
{
    struct sr_store_resource res;
    struct sr_store_key *rows = NULL;
    size_t n = 0;
    int64_t after, before, count;
    bool ok;
    SR_TRY(this_resource(rq, &res, &ok));
    if (!ok || !list_parse(rq, &after, &before, &count)) {
        return SR_OK;
    }
    if (strcmp(res.kind, "org-recordings") == 0) {
        SR_TRY(sr_kms_recordings_current(rq, &res));
    }
    SR_TRY(sr_store_key_list_by_resource(rq->srv->store, res.uri, after, before, (size_t)count,
                                         &rows, &n));
    sr_err err = release_keys(rq, rows, n);
    sr_store_free(rows);
    return err == SR_OK ? sr_kms_req_ok(rq, 200) : err;
}
