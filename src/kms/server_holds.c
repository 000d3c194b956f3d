/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Legal holds (KMS.md §3, §9): a compliance officer (kms.orgAgent) places holds on a resource
 * (also covering resources that name it as an authId), a user (covering resources where the
 * user is authorized or created the key) or the whole org, and releases them with a reason;
 * holds are never erased. Every shred path asks sr_kms_hold_covers first (409 LEGAL_HOLD).
 */
#include <stdio.h>
#include <string.h>

#include "kms/server_int.h"

static const char *const scopes[] = { "resource", "user", "org" };

/* Whether hold `h` covers a key of `resource_uri` (may be "") created by `creator`. */
static sr_err covers(struct sr_kms_req *rq, const struct sr_store_hold *h, const char *resource_uri,
                     const char *creator, bool *held)
{
    struct sr_store_authz a;
    *held = strcmp(h->scope, "org") == 0 || strcmp(h->target, resource_uri) == 0 ||
            (strcmp(h->scope, "user") == 0 && strcmp(h->target, creator) == 0);
    if (*held || resource_uri[0] == '\0') {
        return SR_OK;
    }
    /* A held user authorized on it, or a held resource it names as an authId. */
    sr_err err = sr_store_authz_find(rq->srv->store, resource_uri, h->target, &a);
    *held = err == SR_OK;
    return err == SR_ERR_NOT_FOUND ? SR_OK : err;
}

sr_err sr_kms_hold_covers(struct sr_kms_req *rq, const char *org_id, const char *resource_uri,
                          const char *creator, bool *held)
{
    struct sr_store_hold *list = NULL;
    size_t n = 0;
    *held = false;
    SR_TRY(sr_store_hold_list(rq->srv->store, org_id, true, &list, &n));
    sr_err err = SR_OK;
    for (size_t i = 0; i < n && !*held && err == SR_OK; i++) {
        err = covers(rq, &list[i], resource_uri, creator, held);
    }
    sr_store_free(list);
    return err;
}

static sr_err hold_json(const struct sr_store_hold *h, json_t **out)
{
    *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "uri", h->uri, "orgId", h->org_id, "scope",
                     h->scope, "target", h->target, "reason", h->reason, "createdBy",
                     h->created_by);
    SR_CHECK(*out != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_json_put_time(*out, "createDate", h->created);
    if (err == SR_OK) {
        err = sr_kms_json_put_time(*out, "releaseDate", h->released_at);
    }
    if (err == SR_OK && h->released_by[0] != '\0') {
        err = sr_kms_json_put_str(*out, "releasedBy", h->released_by);
    }
    if (err != SR_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

/* Compliance officers of `org` only; a 403 answer otherwise. */
static bool officer_of(struct sr_kms_req *rq, const char *org)
{
    if ((rq->who.roles & SR_KMS_ROLE_ORG_AGENT) != 0 && strcmp(org, rq->who.org_id) == 0) {
        rq->compliance = true;
        return true;
    }
    (void)sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "holds are for the org's compliance officers");
    return false;
}

static bool scope_known(const char *s)
{
    for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
        if (strcmp(scopes[i], s) == 0) {
            return true;
        }
    }
    return false;
}

/* The members of create /holds into `h`; false when answered with an error. */
static bool hold_parse(struct sr_kms_req *rq, struct sr_store_hold *h)
{
    const char *org = NULL, *scope = NULL, *target = NULL;
    if (sr_kms_json_str(rq->in, "orgId", SR_STORE_ID_MAX - 1, &org) != SR_OK ||
        sr_kms_json_str(rq->in, "scope", SR_STORE_NAME_MAX - 1, &scope) != SR_OK ||
        sr_kms_json_str(rq->in, "target", SR_STORE_ID_MAX - 1, &target) != SR_OK || scope == NULL ||
        !scope_known(scope)) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "scope is resource, user or org");
        return false;
    }
    org = org != NULL ? org : rq->who.org_id;
    target = target != NULL ? target : (strcmp(scope, "org") == 0 ? org : NULL);
    if (target == NULL) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "target is required");
        return false;
    }
    if (strcmp(scope, "resource") == 0 &&
        sr_kms_uri_canonical(rq->srv->host, "resources", target, h->target) != SR_OK) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "target is not a resource URI");
        return false;
    } else if (strcmp(scope, "resource") != 0) {
        (void)snprintf(h->target, sizeof(h->target), "%s", target);
    }
    (void)snprintf(h->org_id, sizeof(h->org_id), "%s", org);
    (void)snprintf(h->scope, sizeof(h->scope), "%s", scope);
    return true;
}

static sr_err holds_create(struct sr_kms_req *rq)
{
    struct sr_store_hold h;
    char id[SR_KMS_UUID_LEN];
    json_t *o = NULL;
    memset(&h, 0, sizeof(h));
    if (!hold_parse(rq, &h) || !officer_of(rq, h.org_id)) {
        return SR_OK;
    }
    if (rq->reason_in == NULL) {
        return sr_kms_req_fail(rq, 400, "REASON_REQUIRED", "a hold needs a reason");
    }
    SR_TRY(sr_kms_uuid(id));
    SR_TRY(sr_kms_uri_make(rq->srv->host, "holds", id, h.uri));
    memcpy(rq->audit_uri, h.uri, sizeof(h.uri));
    (void)snprintf(h.reason, sizeof(h.reason), "%s", rq->reason_in);
    memcpy(h.created_by, rq->who.user_id, sizeof(h.created_by));
    h.created = rq->now;
    SR_TRY(sr_kms_org_ensure(rq, h.org_id));
    SR_TRY(sr_store_hold_insert(rq->srv->store, &h));
    SR_TRY(hold_json(&h, &o));
    SR_TRY(sr_kms_json_put(rq->out, "hold", o));
    return sr_kms_req_ok(rq, 201);
}

static sr_err holds_list(struct sr_kms_req *rq)
{
    const char *org = NULL;
    struct sr_store_hold *list = NULL;
    size_t n = 0;
    if (sr_kms_json_str(rq->in, "orgId", SR_STORE_ID_MAX - 1, &org) != SR_OK) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "orgId must be a string");
    }
    if (!officer_of(rq, org != NULL ? org : rq->who.org_id)) {
        return SR_OK;
    }
    SR_TRY(sr_store_hold_list(rq->srv->store, rq->who.org_id, false, &list, &n));
    json_t *arr = json_array();
    sr_err err = arr != NULL ? SR_OK : SR_ERR_NOMEM;
    for (size_t i = 0; i < n && err == SR_OK; i++) {
        json_t *o = NULL;
        err = hold_json(&list[i], &o);
        if (err == SR_OK && json_array_append_new(arr, o) != 0) {
            err = SR_ERR_NOMEM;
        }
    }
    sr_store_free(list);
    if (err == SR_OK) {
        err = sr_kms_json_put(rq->out, "holds", json_incref(arr));
    }
    json_decref(arr);
    return err == SR_OK ? sr_kms_req_ok(rq, 200) : err;
}

/* retrieve or delete (release) /holds/{id}. */
static sr_err holds_one(struct sr_kms_req *rq)
{
    struct sr_store_hold h;
    json_t *o = NULL;
    bool release = strcmp(rq->method, "delete") == 0;
    SR_TRY(sr_kms_uri_make(rq->srv->host, "holds", rq->uri.id, rq->audit_uri));
    sr_err err = sr_store_hold_get(rq->srv->store, rq->audit_uri, &h);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such hold");
    }
    SR_TRY(err);
    if (!officer_of(rq, h.org_id)) {
        return SR_OK;
    }
    if (release && rq->reason_in == NULL) {
        return sr_kms_req_fail(rq, 400, "REASON_REQUIRED", "releasing a hold needs a reason");
    }
    if (release) {
        err = sr_store_hold_release(rq->srv->store, h.uri, rq->who.user_id, rq->now);
        if (err == SR_ERR_STATE) {
            return sr_kms_req_fail(rq, 409, "CONFLICT", "the hold is already released");
        }
        SR_TRY(err);
        SR_TRY(sr_store_hold_get(rq->srv->store, rq->audit_uri, &h));
    }
    SR_TRY(hold_json(&h, &o));
    SR_TRY(sr_kms_json_put(rq->out, "hold", o));
    return sr_kms_req_ok(rq, 200);
}

sr_err sr_kms_holds(struct sr_kms_req *rq)
{
    if (rq->uri.id[0] != '\0') {
        return holds_one(rq);
    }
    return strcmp(rq->method, "create") == 0 ? holds_create(rq) : holds_list(rq);
}
