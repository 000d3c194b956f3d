/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Method dispatch (KMS.md §3): a table of {method, URI shape, handler}; the shape is the
 * request URI with the object id replaced by "+", so "resources/+/keys" is "retrieve the keys
 * of a resource". Every request that reaches a handler is audited, denials included; a
 * handler that fails leaves no half-made transaction behind.
 */
#include <stdio.h>
#include <string.h>

#include "kms/authz.h"
#include "kms/server_int.h"

static sr_err ping(struct sr_kms_req *rq)
{
    return sr_kms_req_ok(rq, 200);
}

/* delete /ecdhe/{id}: only the channel itself; it is dropped once this answer is sealed. */
static sr_err channel_delete(struct sr_kms_req *rq)
{
    char uri[SR_STORE_ID_MAX];
    SR_TRY(sr_kms_uri_make(rq->srv->host, "ecdhe", rq->uri.id, uri));
    if (rq->ch == NULL || strcmp(uri, rq->ch->uri) != 0) {
        return sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "only a channel may delete itself");
    }
    return sr_kms_req_ok(rq, 204);
}

static const struct {
    const char *method;
    const char *shape;
    sr_kms_handler_fn fn;
} routes[] = {
    { "update", "ping", ping },
    { "delete", "ecdhe/+", channel_delete },
    { "create", "keys", sr_kms_keys_create },
    { "retrieve", "keys/+", sr_kms_keys_retrieve },
    { "update", "keys/+", sr_kms_keys_bind },
    { "create", "resources", sr_kms_resources_create },
    { "retrieve", "resources/+", sr_kms_resources_retrieve },
    { "retrieve", "resources/+/keys", sr_kms_resources_keys },
    { "retrieve", "resources/+/authorizations", sr_kms_authz_list },
    { "delete", "resources/+/authorizations", sr_kms_authz_delete_one },
    { "create", "authorizations", sr_kms_authz_create },
    { "delete", "authorizations/+", sr_kms_authz_delete_by_id },
    { "delete", "authorizations", sr_kms_authz_delete_bulk },
    { "delete", "keys/+", sr_kms_shred },
    { "delete", "resources/+", sr_kms_shred },
    { "create", "holds", sr_kms_holds },
    { "retrieve", "holds", sr_kms_holds },
    { "retrieve", "holds/+", sr_kms_holds },
    { "delete", "holds/+", sr_kms_holds },
    { "retrieve", "orgs/+/policy", sr_kms_policy },
    { "update", "orgs/+/policy", sr_kms_policy },
    { "retrieve", "audit", sr_kms_audit_export },
    { "retrieve", "publicKey", sr_kms_cmk_admin },
    { "create", "cmk", sr_kms_cmk_admin },
    { "retrieve", "cmk", sr_kms_cmk_admin },
    { "update", "cmk/+", sr_kms_cmk_admin },
};

static sr_kms_handler_fn route(const char *method, const char *shape)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].shape, shape) == 0) {
            return routes[i].fn;
        }
    }
    return NULL;
}

/* The slot of `user` in the table of principals recorded lately (FNV-1a of the id). */
static struct sr_kms_seen *seen_slot(struct sr_kms_server *srv, const char *user)
{
    uint32_t h = 2166136261u;
    for (const char *c = user; *c != '\0'; c++) {
        h = (h ^ (uint8_t)*c) * 16777619u;
    }
    return &srv->seen[h % SR_KMS_SEEN_SLOTS];
}

/*
 * Remember the principal and its org (KMS.md §6: users' orgs are learnt from their tokens).
 * Two writes per request would cost more than the request, so an unchanged principal is
 * written again only once its last_seen is a minute old.
 */
static sr_err touch(struct sr_kms_req *rq)
{
    struct sr_store_principal p;
    memset(&p, 0, sizeof(p));
    memcpy(p.user_id, rq->who.user_id, sizeof(p.user_id));
    memcpy(p.org_id, rq->who.org_id, sizeof(p.org_id));
    /* A service principal is kept with its kind (indexer, dlp, ...). */
    (void)snprintf(p.kind, sizeof(p.kind), "%s",
                   rq->who.service[0] != '\0' ? rq->who.service : "user");
    struct sr_kms_seen *seen = seen_slot(rq->srv, p.user_id);
    if (seen->at != 0 && rq->now >= seen->at && rq->now - seen->at < SR_KMS_SEEN_MS &&
        strcmp(seen->p.user_id, p.user_id) == 0 && strcmp(seen->p.org_id, p.org_id) == 0 &&
        strcmp(seen->p.kind, p.kind) == 0) {
        return SR_OK;
    }
    p.first_seen = p.last_seen = rq->now;
    sr_err err = sr_store_principal_touch(rq->srv->store, &p);
    seen->p = p;
    seen->at = err == SR_OK ? rq->now : 0;
    return err;
}

void sr_kms_dispatch(struct sr_kms_req *rq)
{
    sr_kms_handler_fn fn = route(rq->method, rq->uri.shape);
    if (fn == NULL) {
        (void)sr_kms_req_fail(rq, 404, "NOT_FOUND", "no method %s on %s", rq->method,
                              rq->uri.shape);
        return;
    }
    rq->audited = true;
    /* Keys and resources belong to their creator's org: a service serving any org has none. */
    if (rq->who.service[0] != '\0' && rq->who.org_id[0] == '\0' &&
        strcmp(rq->method, "create") == 0 &&
        (strcmp(rq->uri.shape, "keys") == 0 || strcmp(rq->uri.shape, "resources") == 0)) {
        (void)sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED",
                              "a service of no single organization cannot create %s",
                              rq->uri.shape);
        return;
    }
    sr_err err = touch(rq);
    if (err == SR_OK) {
        err = fn(rq);
    }
    if (err != SR_OK) {
        sr_store_rollback(rq->srv->store);
        sr_kms_req_fail_err(rq, err);
    }
}

/*
 * A service on resource R (KMS.md §1, §9): only when R's org enables the service's kind (and is
 * the service's own org, when its certificate names one); then by rules (1) and (2) like a
 * user, or by rule (4): retrieve, and for the meeting service also adding and removing
 * authorizations.
 */
static sr_err service_may_use(struct sr_kms_req *rq, const struct sr_store_resource *res, bool *ok)
{
    bool enabled = false, listed = false;
    if (rq->who.org_id[0] == '\0' || strcmp(rq->who.org_id, res->org_id) == 0) {
        SR_TRY(sr_kms_org_enables(rq, res->org_id, rq->who.service, &enabled));
    }
    if (!enabled) {
        return sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED",
                               "the resource's organization has not enabled the %s service",
                               rq->who.service);
    }
    SR_TRY(sr_kms_authz_allows(rq->srv->store, res->uri, rq->as_user, &listed));
    bool authz_op = strncmp(rq->uri.shape, "authorizations", 14) == 0 ||
                    strcmp(rq->uri.shape, "resources/+/authorizations") == 0;
    bool rule4 = strcmp(rq->method, "retrieve") == 0 ||
                 (strcmp(rq->who.service, "meeting") == 0 && authz_op);
    if (!listed && !rule4) {
        return sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED",
                               "a service may only retrieve from this resource");
    }
    *ok = true;
    return SR_OK;
}

sr_err sr_kms_require_resource(struct sr_kms_req *rq, const char *uri,
                               struct sr_store_resource *res, bool *ok)
{
    bool allowed = false;
    *ok = false;
    sr_err err = sr_store_resource_get(rq->srv->store, uri, res);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such resource");
    }
    SR_TRY(err);
    /* Past its ttl a resource is as good as shredded, even before the sweeper runs. */
    if (res->shredded_at != 0 || (res->expires != 0 && rq->now >= res->expires)) {
        return sr_kms_req_fail(rq, 410, "SHREDDED", "the resource was shredded");
    }
    if (rq->who.service[0] != '\0') {
        return service_may_use(rq, res, ok);
    }
    SR_TRY(sr_kms_authz_allows(rq->srv->store, uri, rq->as_user, &allowed));
    /* Rule (3): a compliance officer of R's org may retrieve, with a reason. */
    if (!allowed && rq->on_behalf_of == NULL && (rq->who.roles & SR_KMS_ROLE_ORG_AGENT) != 0 &&
        strcmp(rq->method, "retrieve") == 0 && strcmp(res->org_id, rq->who.org_id) == 0) {
        if (rq->reason_in == NULL) {
            return sr_kms_req_fail(rq, 400, "REASON_REQUIRED", "compliance access needs a reason");
        }
        allowed = rq->compliance = true;
    }
    if (!allowed) {
        return sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "not authorized on this resource");
    }
    *ok = true;
    return SR_OK;
}
