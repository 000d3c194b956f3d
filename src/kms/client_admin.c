/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's compliance operations (KMS.md §3, §9): legal holds (create, list, release),
 * compliance retrieves (reason, onBehalfOf), crypto-shred and the audit export, one page per call
 * with the KMS's cursor. Each builds one request, sends it on the channel and reads the answer into
 * the plain structs of kms.h.
 */
#include <string.h>

#include "core/alloc.h"
#include "kms/client_int.h"
#include "kms/proto.h"

bool sr_kms_client_set_str(json_t *o, const char *name, const char *v)
{
    return o != NULL && (v == NULL || json_object_set_new(o, name, json_string(v)) == 0);
}

static sr_err parse_hold(const json_t *o, struct sr_kms_hold *h)
{
    memset(h, 0, sizeof(*h));
    SR_CHECK(json_is_object(o), SR_ERR_DECODE);
    SR_TRY(sr_kms_client_str(o, "uri", true, h->uri, sizeof(h->uri)));
    SR_TRY(sr_kms_client_str(o, "orgId", false, h->org_id, sizeof(h->org_id)));
    SR_TRY(sr_kms_client_str(o, "scope", true, h->scope, sizeof(h->scope)));
    SR_TRY(sr_kms_client_str(o, "target", false, h->target, sizeof(h->target)));
    SR_TRY(sr_kms_client_str(o, "reason", false, h->reason, sizeof(h->reason)));
    SR_TRY(sr_kms_client_str(o, "createdBy", false, h->created_by, sizeof(h->created_by)));
    SR_TRY(sr_kms_client_str(o, "releasedBy", false, h->released_by, sizeof(h->released_by)));
    SR_TRY(sr_kms_client_time(o, "createDate", &h->create_ms));
    return sr_kms_client_time(o, "releaseDate", &h->release_ms);
}

static sr_err hold_item(const json_t *o, void *out)
{
    return parse_hold(o, out);
}

/* Send `req` (consumed), expect `want`, and read member "hold" into *out. */
static sr_err hold_call(struct sr_kms_client *c, json_t *req, int want, struct sr_kms_hold *out)
{
    json_t *ans = NULL;
    sr_err err = sr_kms_client_call(c, req, want, &ans);
    if (err == SR_OK) {
        err = parse_hold(json_object_get(ans, "hold"), out);
    }
    if (err != SR_OK) {
        memset(out, 0, sizeof(*out));
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

sr_err sr_kms_client_hold_create(struct sr_kms_client *c, const char *org_id, const char *scope,
                                 const char *target, const char *reason, struct sr_kms_hold *out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL && scope != NULL && reason != NULL, SR_ERR_ARG);
    json_t *req = sr_kms_client_request("create", "/holds");
    if (!sr_kms_client_set_str(req, "scope", scope) ||
        !sr_kms_client_set_str(req, "target", target) ||
        !sr_kms_client_set_str(req, "orgId", org_id) ||
        !sr_kms_client_set_str(req, "reason", reason)) {
        json_decref(req);
        req = NULL;
    }
    return hold_call(c, req, 201, out);
}

sr_err sr_kms_client_hold_release(struct sr_kms_client *c, const char *uri, const char *reason,
                                  struct sr_kms_hold *out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL && uri != NULL && reason != NULL, SR_ERR_ARG);
    json_t *req = sr_kms_client_request("delete", uri);
    if (!sr_kms_client_set_str(req, "reason", reason)) {
        json_decref(req);
        req = NULL;
    }
    return hold_call(c, req, 200, out);
}

sr_err sr_kms_client_holds_list(struct sr_kms_client *c, const char *org_id,
                                struct sr_kms_hold_list *out)
{
    json_t *ans = NULL;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL, SR_ERR_ARG);
    json_t *req = sr_kms_client_request("retrieve", "/holds");
    if (!sr_kms_client_set_str(req, "orgId", org_id)) {
        json_decref(req);
        req = NULL;
    }
    sr_err err = sr_kms_client_call(c, req, 200, &ans);
    if (err == SR_OK) {
        void *items = NULL;
        err = sr_kms_client_parse_list(json_object_get(ans, "holds"), sizeof(*out->items),
                                       hold_item, &items, &out->n);
        out->items = items;
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

void sr_kms_hold_list_cleanup(struct sr_kms_hold_list *list)
{
    if (list != NULL) {
        sr_free(list->items);
        memset(list, 0, sizeof(*list));
    }
}

sr_err sr_kms_client_shred(struct sr_kms_client *c, const char *uri, const char *reason)
{
    json_t *ans = NULL;
    SR_CHECK(c != NULL && uri != NULL && reason != NULL, SR_ERR_ARG);
    json_t *req = sr_kms_client_request("delete", uri);
    if (!sr_kms_client_set_str(req, "reason", reason)) {
        json_decref(req);
        req = NULL;
    }
    sr_err err = sr_kms_client_call(c, req, 200, &ans);
    json_decref(ans);
    json_decref(req);
    return err;
}

sr_err sr_kms_client_key_retrieve_compliance(struct sr_kms_client *c, const char *uri,
                                             const char *on_behalf_of, const char *reason,
                                             struct sr_kms_key *out)
{
    json_t *ans = NULL;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL && uri != NULL && reason != NULL, SR_ERR_ARG);
    json_t *req = sr_kms_client_request("retrieve", uri);
    if (!sr_kms_client_set_str(req, "reason", reason) ||
        (on_behalf_of != NULL &&
         json_object_set_new(req, "client", json_pack("{s:s}", "onBehalfOf", on_behalf_of)))) {
        json_decref(req);
        req = NULL;
    }
    sr_err err = sr_kms_client_call(c, req, 200, &ans);
    if (err == SR_OK) {
        err = sr_kms_client_parse_key(json_object_get(ans, "key"), out);
    }
    if (err != SR_OK) {
        sr_kms_key_cleanup(out);
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

static sr_err parse_entry(const json_t *o, struct sr_kms_audit_entry *e)
{
    char *released = NULL;
    memset(e, 0, sizeof(*e));
    SR_CHECK(json_is_object(o), SR_ERR_DECODE);
    json_int_t seq = json_integer_value(json_object_get(o, "seq"));
    json_int_t status = json_integer_value(json_object_get(o, "status"));
    SR_CHECK(json_is_integer(json_object_get(o, "seq")) && seq > 0, SR_ERR_DECODE);
    SR_CHECK(json_is_integer(json_object_get(o, "status")) && status >= 0 && status < 1000,
             SR_ERR_DECODE);
    e->seq = (int64_t)seq;
    e->status = (int)status;
    SR_TRY(sr_kms_client_str(o, "chain", true, e->chain, sizeof(e->chain)));
    SR_TRY(sr_kms_client_time(o, "ts", &e->ts_ms));
    SR_TRY(sr_kms_client_str(o, "orgId", false, e->org_id, sizeof(e->org_id)));
    SR_TRY(sr_kms_client_str(o, "actor", false, e->actor, sizeof(e->actor)));
    SR_TRY(sr_kms_client_str(o, "actorRole", false, e->actor_role, sizeof(e->actor_role)));
    SR_TRY(sr_kms_client_str(o, "onBehalfOf", false, e->on_behalf_of, sizeof(e->on_behalf_of)));
    SR_TRY(sr_kms_client_str(o, "method", false, e->method, sizeof(e->method)));
    SR_TRY(sr_kms_client_str(o, "uri", false, e->uri, sizeof(e->uri)));
    SR_TRY(sr_kms_client_str(o, "errorCode", false, e->error_code, sizeof(e->error_code)));
    SR_TRY(sr_kms_client_str(o, "requestId", false, e->request_id, sizeof(e->request_id)));
    SR_TRY(sr_kms_client_str(o, "reason", false, e->reason, sizeof(e->reason)));
    SR_TRY(sr_kms_client_str(o, "mac", false, e->mac, sizeof(e->mac)));
    const json_t *rel = json_object_get(o, "released");
    if (rel != NULL) {
        SR_CHECK(json_is_array(rel), SR_ERR_DECODE);
        /* json_dumpb writes into our own allocation, so sr_free releases it. */
        size_t len = json_dumpb(rel, NULL, 0, JSON_COMPACT);
        SR_CHECK(len > 0, SR_ERR_NOMEM);
        released = sr_malloc(len + 1);
        SR_CHECK(released != NULL, SR_ERR_NOMEM);
        (void)json_dumpb(rel, released, len, JSON_COMPACT);
        released[len] = '\0';
        e->released = released;
    }
    return SR_OK;
}

static json_t *audit_request(const struct sr_kms_audit_query *q)
{
    json_t *req = sr_kms_client_request("retrieve", "/audit");
    bool ok = sr_kms_client_set_str(req, "orgId", q->org_id) &&
              sr_kms_client_set_str(req, "cursor", q->cursor) &&
              sr_kms_client_set_str(req, "reason", q->reason);
    if (ok && q->limit > 0) {
        ok = json_object_set_new(req, "limit", json_integer((json_int_t)q->limit)) == 0;
    }
    if (ok && q->since_ms > 0) {
        char since[SR_KMS_TIME_LEN];
        ok = sr_kms_time_format(q->since_ms, since) == SR_OK &&
             sr_kms_client_set_str(req, "since", since);
    }
    if (!ok) {
        json_decref(req);
        return NULL;
    }
    return req;
}

sr_err sr_kms_client_audit_export(struct sr_kms_client *c, const struct sr_kms_audit_query *q,
                                  struct sr_kms_audit_page *out)
{
    json_t *ans = NULL;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL && q != NULL && q->limit <= 1000, SR_ERR_ARG);
    json_t *req = audit_request(q);
    sr_err err = sr_kms_client_call(c, req, 200, &ans);
    const json_t *arr = json_object_get(ans, "entries");
    if (err == SR_OK && !json_is_array(arr)) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(ans, "nextCursor", false, out->next_cursor,
                                sizeof(out->next_cursor));
    }
    if (err == SR_OK && json_array_size(arr) > 0) {
        out->entries = sr_calloc(json_array_size(arr), sizeof(*out->entries));
        err = out->entries != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    for (size_t i = 0; err == SR_OK && i < json_array_size(arr); i++) {
        out->n++; /* counted first so a half-read entry's `released` is freed too */
        err = parse_entry(json_array_get(arr, i), &out->entries[i]);
    }
    if (err != SR_OK) {
        sr_kms_audit_page_cleanup(out);
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

void sr_kms_audit_page_cleanup(struct sr_kms_audit_page *page)
{
    if (page == NULL) {
        return;
    }
    for (size_t i = 0; i < page->n; i++) {
        sr_free(page->entries[i].released);
    }
    sr_free(page->entries);
    memset(page, 0, sizeof(*page));
}
