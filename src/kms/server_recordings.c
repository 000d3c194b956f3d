/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The organization recordings key (KMS.md §9): one `org-recordings` resource per org, made by
 * the KMS at first use and named in the policy's read-only `recordingsResource`. Its keys are
 * the versions of one org key: at the first request of each period (`recordingsPeriod`,
 * default month) the KMS binds exactly one new version, expiring at the period's end, and
 * records it in org_key_versions; `retrieve …/keys {count: 1}` then gives the current one,
 * and older versions stay bound and keep decrypting.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/server_int.h"

#define KMS_ACTOR "kms"
#define PURPOSE   "recordings"

/* The org's stored policy object (an empty one when unset); the caller json_decrefs it. */
static sr_err load(struct sr_kms_req *rq, const char *org, json_t **out)
{
    struct sr_store_org *o = sr_calloc(1, sizeof(*o));
    SR_CHECK(o != NULL, SR_ERR_NOMEM);
    sr_err err = sr_store_org_get(rq->srv->store, org, o);
    *out = err == SR_OK ? json_loads(o->policy, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = json_object();
    }
    sr_free(o);
    SR_TRY(err);
    return *out != NULL ? SR_OK : SR_ERR_NOMEM;
}

static sr_err make_resource(struct sr_kms_req *rq, const char *org, json_t *policy,
                            char uri[SR_STORE_ID_MAX])
{
    char id[SR_KMS_UUID_LEN];
    struct sr_store_resource res;
    memset(&res, 0, sizeof(res));
    SR_TRY(sr_kms_uuid(id));
    SR_TRY(sr_kms_uri_make(rq->srv->host, "resources", id, res.uri));
    (void)snprintf(res.org_id, sizeof(res.org_id), "%s", org);
    (void)snprintf(res.kind, sizeof(res.kind), "org-recordings");
    (void)snprintf(res.created_by, sizeof(res.created_by), KMS_ACTOR);
    res.created = rq->now;
    SR_TRY(sr_kms_json_put_str(policy, "recordingsResource", res.uri));
    char *text = json_dumps(policy, JSON_COMPACT | JSON_SORT_KEYS);
    SR_CHECK(text != NULL, SR_ERR_NOMEM);
    sr_err err = sr_store_begin(rq->srv->store);
    if (err == SR_OK) {
        err = sr_store_resource_insert(rq->srv->store, &res);
    }
    if (err == SR_OK) {
        err = sr_store_org_set_policy(rq->srv->store, org, text);
    }
    if (err == SR_OK) {
        err = sr_store_commit(rq->srv->store);
    }
    sr_free(text);
    if (err == SR_OK) {
        memcpy(uri, res.uri, sizeof(res.uri));
    }
    return err;
}

sr_err sr_kms_recordings_resource(struct sr_kms_req *rq, const char *org, char uri[SR_STORE_ID_MAX])
{
    json_t *policy = NULL;
    SR_TRY(sr_kms_org_ensure(rq, org));
    SR_TRY(load(rq, org, &policy));
    const char *have = json_string_value(json_object_get(policy, "recordingsResource"));
    sr_err err = SR_OK;
    if (have != NULL && strlen(have) < SR_STORE_ID_MAX) {
        memcpy(uri, have, strlen(have) + 1);
    } else {
        err = make_resource(rq, org, policy, uri);
    }
    json_decref(policy);
    return err;
}

/* Bind this period's version to `res` unless it exists (one per period: the store's key). */
static sr_err new_version(struct sr_kms_req *rq, const struct sr_store_resource *res,
                          const char *period, int64_t end)
{
    char id[SR_KMS_UUID_LEN], uri[SR_STORE_ID_MAX];
    uint8_t ck[SR_KMS_CK_LEN];
    struct sr_store_key row;
    struct sr_store_key_version v;
    memset(&v, 0, sizeof(v));
    SR_TRY(sr_kms_uuid(id));
    SR_TRY(sr_kms_uri_make(rq->srv->host, "keys", id, uri));
    SR_TRY(sr_store_begin(rq->srv->store));
    SR_TRY(sr_kms_org_key_new(rq, res->org_id, uri, &row, ck));
    sr_wipe(ck, sizeof(ck)); /* only the wrapped form is kept */
    (void)snprintf(row.created_by, sizeof(row.created_by), KMS_ACTOR);
    (void)snprintf(row.client_id, sizeof(row.client_id), KMS_ACTOR);
    memcpy(row.resource_uri, res->uri, sizeof(row.resource_uri));
    row.bound_at = rq->now;
    row.expires = end;
    SR_TRY(sr_store_key_insert(rq->srv->store, &row));
    (void)snprintf(v.org_id, sizeof(v.org_id), "%s", res->org_id);
    (void)snprintf(v.purpose, sizeof(v.purpose), PURPOSE);
    (void)snprintf(v.period, sizeof(v.period), "%s", period);
    memcpy(v.key_uri, uri, sizeof(v.key_uri));
    SR_TRY(sr_store_key_version_insert(rq->srv->store, &v));
    return sr_store_commit(rq->srv->store);
}

sr_err sr_kms_recordings_current(struct sr_kms_req *rq, const struct sr_store_resource *res)
{
    char period[SR_KMS_PERIOD_LEN];
    int64_t end = 0;
    json_t *policy = NULL;
    struct sr_store_key_version v;
    SR_TRY(load(rq, res->org_id, &policy));
    const char *unit = json_string_value(json_object_get(policy, "recordingsPeriod"));
    sr_err err = sr_kms_period(rq->now, unit != NULL ? unit : "month", period, &end);
    json_decref(policy);
    SR_TRY(err);
    err = sr_store_key_version_get(rq->srv->store, res->org_id, PURPOSE, period, &v);
    if (err != SR_ERR_NOT_FOUND) {
        return err;
    }
    err = new_version(rq, res, period, end);
    if (err != SR_OK) {
        sr_store_rollback(rq->srv->store);
    }
    return err;
}
