/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Authorizations (KMS.md §1, §3): create (atomic; an existing authId comes back as it is),
 * list, delete one (by URI or by resource and authId) and bulk delete (atomic; one unknown
 * authId is a 404 and nothing is deleted). The model is viral: whoever may use a resource may
 * add or remove anyone's authorization on it. An authId that is a resource URI must name a
 * resource the requester may use, so inheritance cannot be granted from outside.
 */
#include <string.h>

#include "kms/authz.h"
#include "kms/server_int.h"

#define AUTH_IDS_MAX 1000

static const char *const role_names[] = { "participant", "cloudAgent", "orgAgent" };

sr_err sr_kms_authz_json(const struct sr_store_authz *a, json_t **out)
{
    *out = json_pack("{s:s,s:s,s:s,s:s}", "uri", a->uri, "authId", a->auth_id, "resourceUri",
                     a->resource_uri, "roleUri", a->role);
    SR_CHECK(*out != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_json_put_time(*out, "createDate", a->created);
    if (err != SR_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

sr_err sr_kms_authz_add(struct sr_kms_req *rq, const struct sr_store_resource *res,
                        const char *auth_id, const char *role, struct sr_store_authz *a, bool *ok)
{
    char id[SR_KMS_UUID_LEN];
    *ok = false;
    sr_err err = sr_store_authz_find(rq->srv->store, res->uri, auth_id, a);
    if (err != SR_ERR_NOT_FOUND) {
        *ok = err == SR_OK;
        return err;
    }
    if (strlen(auth_id) >= sizeof(a->auth_id)) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "an authId is too long");
    }
    memset(a, 0, sizeof(*a));
    SR_TRY(sr_kms_uuid(id));
    SR_TRY(sr_kms_uri_make(rq->srv->host, "authorizations", id, a->uri));
    memcpy(a->resource_uri, res->uri, sizeof(a->resource_uri));
    memcpy(a->auth_id, auth_id, strlen(auth_id) + 1);
    memcpy(a->role, role, strlen(role) + 1);
    memcpy(a->created_by, rq->who.user_id, sizeof(a->created_by));
    a->created = rq->now;
    SR_TRY(sr_store_authz_insert(rq->srv->store, a));
    *ok = true;
    return SR_OK;
}

/* An authId as stored: user ids as given, resources as absolute URIs the requester may use. */
static sr_err resolve(struct sr_kms_req *rq, const char *given, bool must_use,
                      char out[SR_STORE_ID_MAX], bool *ok)
{
    struct sr_store_resource res;
    *ok = false;
    if (strncmp(given, "kms://", 6) != 0 && strncmp(given, "/resources/", 11) != 0) {
        SR_CHECK(strlen(given) < SR_STORE_ID_MAX, SR_ERR_LIMIT);
        memcpy(out, given, strlen(given) + 1);
        *ok = true;
        return SR_OK;
    }
    sr_err err = sr_kms_uri_canonical(rq->srv->host, "resources", given, out);
    if (err == SR_ERR_WRONG_GROUP) {
        return sr_kms_req_fail(rq, 421, "WRONG_KMS", "this is %s", rq->srv->cluster);
    }
    if (err != SR_OK) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "an authId URI is not a resource");
    }
    if (!must_use) {
        *ok = true;
        return SR_OK;
    }
    return sr_kms_require_resource(rq, out, &res, ok);
}

sr_err sr_kms_authz_add_checked(struct sr_kms_req *rq, const struct sr_store_resource *res,
                                const char *given, bool *ok)
{
    char id[SR_STORE_ID_MAX];
    struct sr_store_authz a;
    SR_TRY(resolve(rq, given, true, id, ok));
    return *ok ? sr_kms_authz_add(rq, res, id, role_names[0], &a, ok) : SR_OK;
}

/* The role of the request (roleUri), "participant" by default; NULL answered 400. */
static const char *role_of(struct sr_kms_req *rq)
{
    const char *role = NULL;
    if (sr_kms_json_str(rq->in, "roleUri", SR_STORE_NAME_MAX - 1, &role) != SR_OK) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "roleUri must be a string");
        return NULL;
    }
    if (role == NULL) {
        return role_names[0];
    }
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
        if (strcmp(role, role_names[i]) == 0) {
            return role_names[i];
        }
    }
    (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "roleUri is participant, cloudAgent or orgAgent");
    return NULL;
}

/* resourceUri and authIds of a create or bulk delete, and access to the resource. */
static sr_err target(struct sr_kms_req *rq, struct sr_store_resource *res, const json_t **ids,
                     bool *ok)
{
    char uri[SR_STORE_ID_MAX];
    const char *given = NULL;
    *ok = false;
    if (sr_kms_json_str(rq->in, "resourceUri", SR_STORE_ID_MAX - 1, &given) != SR_OK ||
        given == NULL ||
        sr_kms_json_str_array(rq->in, "authIds", SR_STORE_ID_MAX - 1, ids) != SR_OK ||
        *ids == NULL || json_array_size(*ids) == 0) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "resourceUri and authIds are required");
    }
    if (json_array_size(*ids) > AUTH_IDS_MAX) {
        return sr_kms_req_fail(rq, 413, "TOO_LARGE", "at most 1000 authIds");
    }
    sr_err err = sr_kms_uri_canonical(rq->srv->host, "resources", given, uri);
    if (err == SR_ERR_WRONG_GROUP) {
        return sr_kms_req_fail(rq, 421, "WRONG_KMS", "this is %s", rq->srv->cluster);
    }
    if (err != SR_OK) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "resourceUri is not a resource URI");
    }
    memcpy(rq->audit_uri, uri, sizeof(uri));
    return sr_kms_require_resource(rq, uri, res, ok);
}

/* Apply `one` to every authId in one transaction; the answer is the list of rows. */
static sr_err each_auth_id(struct sr_kms_req *rq, const struct sr_store_resource *res,
                           const json_t *ids, bool create, const char *role, json_t *list)
{
    char id[SR_STORE_ID_MAX];
    struct sr_store_authz a;
    bool ok = true;
    for (size_t i = 0; i < json_array_size(ids) && ok; i++) {
        SR_TRY(resolve(rq, json_string_value(json_array_get(ids, i)), create, id, &ok));
        if (ok && create) {
            SR_TRY(sr_kms_authz_add(rq, res, id, role, &a, &ok));
        } else if (ok) {
            sr_err err = sr_store_authz_find(rq->srv->store, res->uri, id, &a);
            if (err == SR_ERR_NOT_FOUND) {
                return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no authorization for an authId");
            }
            SR_TRY(err);
            SR_TRY(sr_store_authz_delete(rq->srv->store, a.uri));
        }
        json_t *o = NULL;
        if (ok) {
            SR_TRY(sr_kms_authz_json(&a, &o));
            SR_CHECK(json_array_append_new(list, o) == 0, SR_ERR_NOMEM);
        }
    }
    return SR_OK;
}

static sr_err many(struct sr_kms_req *rq, bool create)
{
    struct sr_store_resource res;
    const json_t *ids = NULL;
    bool ok;
    const char *role = create ? role_of(rq) : role_names[0];
    if (role == NULL) {
        return SR_OK;
    }
    SR_TRY(target(rq, &res, &ids, &ok));
    if (!ok) {
        return SR_OK;
    }
    json_t *list = json_array();
    SR_CHECK(list != NULL, SR_ERR_NOMEM);
    sr_err err = sr_store_begin(rq->srv->store);
    if (err == SR_OK) {
        err = each_auth_id(rq, &res, ids, create, role, list);
    }
    if (err == SR_OK && rq->status != 0) {
        sr_store_rollback(rq->srv->store); /* one refusal leaves nothing */
    } else if (err == SR_OK) {
        err = sr_store_commit(rq->srv->store);
        if (err == SR_OK) {
            err = sr_kms_json_put(rq->out, "authorizations", json_incref(list));
        }
        if (err == SR_OK) {
            err = sr_kms_req_ok(rq, create ? 201 : 200);
        }
    }
    json_decref(list);
    return err;
}

sr_err sr_kms_authz_create(struct sr_kms_req *rq)
{
    return many(rq, true);
}

sr_err sr_kms_authz_delete_bulk(struct sr_kms_req *rq)
{
    return many(rq, false);
}

/* The resource named by the request URI (resources/{id}/...), with access checked. */
static sr_err uri_resource(struct sr_kms_req *rq, struct sr_store_resource *res, bool *ok)
{
    char uri[SR_STORE_ID_MAX];
    SR_TRY(sr_kms_uri_make(rq->srv->host, "resources", rq->uri.id, uri));
    memcpy(rq->audit_uri, uri, sizeof(uri));
    return sr_kms_require_resource(rq, uri, res, ok);
}

sr_err sr_kms_authz_list(struct sr_kms_req *rq)
{
    char want[SR_STORE_ID_MAX];
    struct sr_store_resource res;
    struct sr_store_authz *rows = NULL;
    size_t n = 0;
    bool ok;
    SR_TRY(uri_resource(rq, &res, &ok));
    if (ok && rq->uri.has_query) {
        SR_TRY(resolve(rq, rq->uri.auth_id, false, want, &ok));
    }
    if (!ok) {
        return SR_OK;
    }
    SR_TRY(sr_store_authz_list_by_resource(rq->srv->store, res.uri, &rows, &n));
    json_t *list = json_array();
    sr_err err = list != NULL ? SR_OK : SR_ERR_NOMEM;
    for (size_t i = 0; i < n && err == SR_OK; i++) {
        json_t *o = NULL;
        if (rq->uri.has_query && strcmp(rows[i].auth_id, want) != 0) {
            continue;
        }
        err = sr_kms_authz_json(&rows[i], &o);
        if (err == SR_OK && json_array_append_new(list, o) != 0) {
            err = SR_ERR_NOMEM;
        }
    }
    sr_store_free(rows);
    if (err == SR_OK) {
        err = sr_kms_json_put(rq->out, "authorizations", json_incref(list));
    }
    json_decref(list);
    return err == SR_OK ? sr_kms_req_ok(rq, 200) : err;
}

static sr_err delete_row(struct sr_kms_req *rq, const struct sr_store_authz *a)
{
    json_t *o = NULL;
    SR_TRY(sr_store_authz_delete(rq->srv->store, a->uri));
    SR_TRY(sr_kms_authz_json(a, &o));
    SR_TRY(sr_kms_json_put(rq->out, "authorization", o));
    return sr_kms_req_ok(rq, 200);
}

/* delete /resources/{id}/authorizations?authId=x */
sr_err sr_kms_authz_delete_one(struct sr_kms_req *rq)
{
    char id[SR_STORE_ID_MAX];
    struct sr_store_resource res;
    struct sr_store_authz a;
    bool ok;
    if (!rq->uri.has_query) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "authId is required");
    }
    SR_TRY(uri_resource(rq, &res, &ok));
    if (ok) {
        SR_TRY(resolve(rq, rq->uri.auth_id, false, id, &ok));
    }
    if (!ok) {
        return SR_OK;
    }
    sr_err err = sr_store_authz_find(rq->srv->store, res.uri, id, &a);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such authorization");
    }
    SR_TRY(err);
    return delete_row(rq, &a);
}

/* delete /authorizations/{id} */
sr_err sr_kms_authz_delete_by_id(struct sr_kms_req *rq)
{
    char uri[SR_STORE_ID_MAX];
    struct sr_store_resource res;
    struct sr_store_authz a;
    bool ok;
    SR_TRY(sr_kms_uri_make(rq->srv->host, "authorizations", rq->uri.id, uri));
    memcpy(rq->audit_uri, uri, sizeof(uri));
    sr_err err = sr_store_authz_get(rq->srv->store, uri, &a);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such authorization");
    }
    SR_TRY(err);
    SR_TRY(sr_kms_require_resource(rq, a.resource_uri, &res, &ok));
    return ok ? delete_row(rq, &a) : SR_OK;
}
