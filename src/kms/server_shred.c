/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crypto-shredding on request (KMS.md §3 `delete /keys/{id}`, `delete /resources/{id}`): by
 * an org admin of the object's org or a KMS admin, always with a reason, refused with 409
 * LEGAL_HOLD while a hold covers it. The wrapped key becomes NULL and the row stays as a
 * tombstone (410 afterwards); each shred appends an `events` row for the content service in
 * the same transaction.
 */
#include <string.h>

#include "kms/server_int.h"

/* Org admins of `org` and KMS admins, with a reason; an error answer otherwise. */
static bool admin_of(struct sr_kms_req *rq, const char *org)
{
    bool ok = (rq->who.roles & SR_KMS_ROLE_KMS_ADMIN) != 0 ||
              ((rq->who.roles & SR_KMS_ROLE_ORG_ADMIN) != 0 && strcmp(org, rq->who.org_id) == 0);
    if (!ok) {
        (void)sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "shredding is for admins");
    } else if (rq->reason_in == NULL) {
        (void)sr_kms_req_fail(rq, 400, "REASON_REQUIRED", "shredding needs a reason");
        ok = false;
    }
    return ok;
}

static sr_err event(struct sr_kms_req *rq, const char *org, const char *kind, const char *uri)
{
    struct sr_store_event ev;
    int64_t seq;
    memset(&ev, 0, sizeof(ev));
    ev.ts = rq->now;
    memcpy(ev.org_id, org, strlen(org) + 1);
    memcpy(ev.kind, kind, strlen(kind) + 1);
    memcpy(ev.uri, uri, strlen(uri) + 1);
    return sr_store_event_append(rq->srv->store, &ev, &seq);
}

sr_err sr_kms_shred_key(struct sr_kms_req *rq, const struct sr_store_key *k)
{
    SR_TRY(sr_store_key_shred(rq->srv->store, k->uri, rq->now));
    return event(rq, k->org_id, "key.shredded", k->uri);
}

static sr_err keys_delete(struct sr_kms_req *rq)
{
    struct sr_store_key k;
    json_t *o = NULL;
    bool held;
    SR_TRY(sr_kms_uri_make(rq->srv->host, "keys", rq->uri.id, rq->audit_uri));
    sr_err err = sr_store_key_get(rq->srv->store, rq->audit_uri, &k);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such key");
    }
    SR_TRY(err);
    if (k.shredded_at != 0) {
        return sr_kms_req_fail(rq, 410, "SHREDDED", "the key was shredded");
    }
    if (!admin_of(rq, k.org_id)) {
        return SR_OK;
    }
    SR_TRY(sr_kms_hold_covers(rq, k.org_id, k.resource_uri, k.created_by, &held));
    if (held) {
        return sr_kms_req_fail(rq, 409, "LEGAL_HOLD", "a legal hold covers this key");
    }
    SR_TRY(sr_store_begin(rq->srv->store));
    SR_TRY(sr_kms_shred_key(rq, &k));
    SR_TRY(sr_store_commit(rq->srv->store));
    SR_TRY(sr_kms_key_json(rq, &k, NULL, &o));
    SR_TRY(sr_kms_json_put(rq->out, "key", o));
    return sr_kms_req_ok(rq, 200);
}

/* Shred every key bound to the resource, a page at a time, then the resource. */
sr_err sr_kms_shred_resource(struct sr_kms_req *rq, const struct sr_store_resource *res)
{
    struct sr_store_key *keys = NULL;
    size_t n = 0;
    do {
        SR_TRY(sr_store_key_list_by_resource(rq->srv->store, res->uri, 0, 0, SR_STORE_LIST_MAX,
                                             &keys, &n));
        sr_err err = SR_OK;
        for (size_t i = 0; i < n && err == SR_OK; i++) {
            err = sr_kms_shred_key(rq, &keys[i]);
        }
        sr_store_free(keys);
        SR_TRY(err);
    } while (n > 0);
    SR_TRY(sr_store_resource_shred(rq->srv->store, res->uri, rq->now));
    return event(rq, res->org_id, "resource.shredded", res->uri);
}

static sr_err resources_delete(struct sr_kms_req *rq)
{
    struct sr_store_resource res;
    bool held;
    SR_TRY(sr_kms_uri_make(rq->srv->host, "resources", rq->uri.id, rq->audit_uri));
    sr_err err = sr_store_resource_get(rq->srv->store, rq->audit_uri, &res);
    if (err == SR_ERR_NOT_FOUND) {
        return sr_kms_req_fail(rq, 404, "NOT_FOUND", "no such resource");
    }
    SR_TRY(err);
    if (res.shredded_at != 0) {
        return sr_kms_req_fail(rq, 410, "SHREDDED", "the resource was shredded");
    }
    if (!admin_of(rq, res.org_id)) {
        return SR_OK;
    }
    SR_TRY(sr_kms_hold_covers(rq, res.org_id, res.uri, res.created_by, &held));
    if (held) {
        return sr_kms_req_fail(rq, 409, "LEGAL_HOLD", "a legal hold covers this resource");
    }
    SR_TRY(sr_store_begin(rq->srv->store));
    SR_TRY(sr_kms_shred_resource(rq, &res));
    SR_TRY(sr_store_commit(rq->srv->store));
    SR_TRY(sr_kms_json_put(rq->out, "resource",
                           json_pack("{s:s,s:s}", "uri", res.uri, "kind", res.kind)));
    return sr_kms_req_ok(rq, 200);
}

sr_err sr_kms_shred(struct sr_kms_req *rq)
{
    return strcmp(rq->uri.col, "keys") == 0 ? keys_delete(rq) : resources_delete(rq);
}
