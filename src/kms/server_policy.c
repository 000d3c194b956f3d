/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Org policy (KMS.md §3 "Policy") and the audit export (`retrieve /audit`, KMS.md §8).
 *
 *   policy {retention: {<kind>: days, 0 = keep}, services: [<service kinds>], keyLifetime (s),
 *           recordingsPeriod: week|month|quarter, recordingsResource (read-only), region (ro)}
 *
 * Org admins update their org's policy (KMS admins any); compliance officers may also read it.
 * Only the editable members are stored, each checked; read-only and unknown members are
 * ignored. The export gives compliance officers and KMS admins the org's audit rows in
 * (ts, chain, seq) order with a cursor.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/server_int.h"

#define LIFETIME_MIN_S ((int64_t)60)
#define LIFETIME_MAX_S ((int64_t)10 * 366 * 24 * 3600)
#define AUDIT_DEFAULT  100

static const char *const retention_kinds[] = { "space",     "meeting",        "file",
                                               "voicemail", "org-recordings", "other" };
static const char *const periods[] = { "week", "month", "quarter" };

static bool in(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (strcmp(set[i], s) == 0) {
            return true;
        }
    }
    return false;
}
#define IN(s, set) in((s), (set), sizeof(set) / sizeof((set)[0]))

/* The stored policy of `org` as JSON (an empty object when unset). */
static sr_err policy_load(struct sr_kms_req *rq, const char *org, json_t **out)
{
    struct sr_store_org *o = sr_calloc(1, sizeof(*o));
    SR_CHECK(o != NULL, SR_ERR_NOMEM);
    sr_err err = sr_store_org_get(rq->srv->store, org, o);
    *out = NULL;
    if (err == SR_OK && o->policy[0] != '\0') {
        *out = json_loads(o->policy, JSON_REJECT_DUPLICATES, NULL);
    }
    if (err == SR_OK || err == SR_ERR_NOT_FOUND) {
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = json_object();
        }
        err = *out != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    sr_free(o);
    return err;
}

sr_err sr_kms_org_key_lifetime(struct sr_kms_req *rq, const char *org, int64_t *ms)
{
    json_t *p = NULL;
    SR_TRY(policy_load(rq, org, &p));
    const json_t *v = json_object_get(p, "keyLifetime");
    *ms = json_is_integer(v) ? (int64_t)json_integer_value(v) * 1000 : SR_KMS_KEY_LIFETIME_MS;
    json_decref(p);
    return SR_OK;
}

sr_err sr_kms_org_enables(struct sr_kms_req *rq, const char *org, const char *kind, bool *on)
{
    json_t *p = NULL;
    size_t i;
    json_t *v;
    *on = false;
    SR_TRY(policy_load(rq, org, &p));
    json_array_foreach(json_object_get(p, "services"), i, v)
    {
        *on = *on || (json_is_string(v) && strcmp(json_string_value(v), kind) == 0);
    }
    json_decref(p);
    return SR_OK;
}

/* The policy as answered: stored members over the defaults, plus the read-only ones. */
static sr_err policy_answer(struct sr_kms_req *rq, const char *org, json_t *stored)
{
    json_t *p = json_pack("{s:{},s:[],s:I,s:s,s:s}", "retention", "services", "keyLifetime",
                          (json_int_t)(SR_KMS_KEY_LIFETIME_MS / 1000), "recordingsPeriod", "month",
                          "region", rq->srv->region);
    SR_CHECK(p != NULL, SR_ERR_NOMEM);
    if (json_object_update(p, stored) != 0) {
        json_decref(p);
        return SR_ERR_NOMEM;
    }
    SR_TRY(sr_kms_json_put(rq->out, "policy", p));
    SR_TRY(sr_kms_json_put_str(rq->out, "orgId", org));
    return sr_kms_req_ok(rq, 200);
}

/* Check the editable members of `in` and copy them into `out`; false: answered 400. */
static bool policy_check(struct sr_kms_req *rq, const json_t *in_p, json_t *out)
{
    json_t *ret = json_object_get(in_p, "retention");
    json_t *svc = json_object_get(in_p, "services");
    json_t *life = json_object_get(in_p, "keyLifetime");
    json_t *per = json_object_get(in_p, "recordingsPeriod");
    const char *k;
    json_t *v;
    size_t i;
    bool ok =
            (ret == NULL || json_is_object(ret)) && (svc == NULL || json_is_array(svc)) &&
            (life == NULL || (json_is_integer(life) && json_integer_value(life) >= LIFETIME_MIN_S &&
                              json_integer_value(life) <= LIFETIME_MAX_S)) &&
            (per == NULL || IN(json_string_value(per), periods));
    json_object_foreach(ret, k, v)
    {
        ok = ok && IN(k, retention_kinds) && json_is_integer(v) && json_integer_value(v) >= 0;
    }
    json_array_foreach(svc, i, v)
    {
        ok = ok && sr_kms_service_kind_known(json_string_value(v));
    }
    if (!ok) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "policy has a member out of range");
        return false;
    }
    const char *names[] = { "retention", "services", "keyLifetime", "recordingsPeriod" };
    json_t *vals[] = { ret, svc, life, per };
    for (i = 0; i < 4; i++) {
        if (vals[i] != NULL && json_object_set(out, names[i], vals[i]) != 0) {
            (void)sr_kms_req_fail(rq, 500, "INTERNAL", "out of memory");
            return false;
        }
    }
    return true;
}

/* Who may read (admins and compliance) or write (admins) the policy of `org`. */
static bool policy_allowed(struct sr_kms_req *rq, const char *org, bool write)
{
    unsigned roles = rq->who.roles;
    bool own = strcmp(org, rq->who.org_id) == 0;
    bool ok = (roles & SR_KMS_ROLE_KMS_ADMIN) != 0 ||
              (own && (roles & SR_KMS_ROLE_ORG_ADMIN) != 0) ||
              (own && !write && (roles & SR_KMS_ROLE_ORG_AGENT) != 0);
    if (!ok) {
        (void)sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "the policy is for the org's admins");
    }
    return ok;
}

sr_err sr_kms_policy(struct sr_kms_req *rq)
{
    const char *org = rq->uri.id;
    bool write = strcmp(rq->method, "update") == 0;
    json_t *stored = NULL;
    int n = snprintf(rq->audit_uri, sizeof(rq->audit_uri), "%s/orgs/%s/policy", rq->srv->cluster,
                     org);
    SR_CHECK(n > 0 && (size_t)n < sizeof(rq->audit_uri), SR_ERR_LIMIT);
    if (!policy_allowed(rq, org, write)) {
        return SR_OK;
    }
    char rec[SR_STORE_ID_MAX];
    SR_TRY(sr_kms_recordings_resource(rq, org, rec)); /* so the policy names it */
    SR_TRY(policy_load(rq, org, &stored));
    sr_err err = SR_OK;
    const json_t *given = json_object_get(rq->in, "policy");
    if (write && !json_is_object(given)) {
        err = sr_kms_req_fail(rq, 400, "BAD_REQUEST", "policy must be an object");
    } else if (write && policy_check(rq, given, stored)) {
        char *text = json_dumps(stored, JSON_COMPACT | JSON_SORT_KEYS);
        err = text == NULL ? SR_ERR_NOMEM
              : strlen(text) >= SR_STORE_POLICY_MAX
                      ? sr_kms_req_fail(rq, 413, "TOO_LARGE", "the policy is too large")
                      : sr_store_org_set_policy(rq->srv->store, org, text);
        sr_free(text);
    }
    if (err == SR_OK && rq->status == 0) {
        err = policy_answer(rq, org, stored);
    }
    json_decref(stored);
    return err;
}
