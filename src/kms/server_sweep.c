/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The retention sweeper (KMS.md §9 "Retention", §8), sans-IO: the daemon calls
 * sr_kms_server_sweep every 5 minutes with the time. Only the node holding the sweeper lock
 * works. It shreds bound keys whose expires + the retention of their resource's kind (org
 * policy, days; 0 or absent = keep) has passed, and resources past their ttl with their keys;
 * it drops unbound keys a day after their window and expired channels. Legal holds win: a
 * covered key or resource is skipped (and retried next sweep). Each shred commits with its
 * events row and its audit row (actor "kms-sweeper", role "system") in one durable
 * transaction. A page of at most 1000 rows per org and kind per sweep bounds the work.
 */
#include <stdio.h>
#include <string.h>

#include "kms/server_int.h"

#define ORG_PAGE   100
#define DAY_MS     ((int64_t)24 * 3600 * 1000)
#define SWEEPER_ID "kms-sweeper"

static const char *const kinds[] = { "space",     "meeting",        "file",
                                     "voicemail", "org-recordings", "other" };

/* A request made by the KMS itself, so the shred and audit helpers serve the sweeper too. */
static sr_err sys_init(struct sr_kms_req *rq, struct sr_kms_server *srv, int64_t now)
{
    memset(rq, 0, sizeof(*rq));
    rq->srv = srv;
    rq->now = now;
    rq->system = true;
    rq->method = "delete";
    rq->request_id = "sweep";
    rq->status = 200;
    memcpy(rq->who.user_id, SWEEPER_ID, sizeof(SWEEPER_ID));
    rq->out = json_object();
    rq->released = json_array();
    return rq->out != NULL && rq->released != NULL ? SR_OK : SR_ERR_NOMEM;
}

/* One shred, its event and its audit row, committed together or not at all. */
static sr_err commit_shred(struct sr_kms_req *rq, const char *org, const char *uri,
                           const struct sr_store_key *key, const struct sr_store_resource *res)
{
    (void)snprintf(rq->who.org_id, sizeof(rq->who.org_id), "%s", org);
    (void)snprintf(rq->audit_uri, sizeof(rq->audit_uri), "%s", uri);
    SR_TRY(sr_store_begin_durable(rq->srv->store));
    sr_err err = key != NULL ? sr_kms_shred_key(rq, key) : sr_kms_shred_resource(rq, res);
    if (err == SR_OK) {
        err = sr_kms_audit_write(rq);
    }
    if (err == SR_OK) {
        err = sr_store_commit(rq->srv->store);
    }
    if (err != SR_OK) {
        sr_store_rollback(rq->srv->store);
    }
    return err;
}

/* Keys of `org` and `kind` whose retention has run out. */
static sr_err sweep_kind(struct sr_kms_req *rq, const char *org, const char *kind, int64_t days,
                         size_t *shredded)
{
    struct sr_store_key *keys = NULL;
    size_t n = 0;
    bool held;
    SR_TRY(sr_store_key_list_expired(rq->srv->store, org, kind, rq->now - days * DAY_MS,
                                     SR_STORE_LIST_MAX, &keys, &n));
    sr_err err = SR_OK;
    rq->reason_in = "retention";
    for (size_t i = 0; i < n && err == SR_OK; i++) {
        err = sr_kms_hold_covers(rq, org, keys[i].resource_uri, keys[i].created_by, &held);
        if (err == SR_OK && !held) {
            err = commit_shred(rq, org, keys[i].uri, &keys[i], NULL);
            *shredded += err == SR_OK;
        }
    }
    sr_store_free(keys);
    return err;
}

static sr_err sweep_org(struct sr_kms_req *rq, const struct sr_store_org *org, size_t *shredded)
{
    json_t *policy = json_loads(org->policy, 0, NULL);
    const json_t *ret = json_object_get(policy, "retention");
    sr_err err = SR_OK;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && err == SR_OK; i++) {
        const json_t *d = json_object_get(ret, kinds[i]);
        bool pinned = false;
        if (strcmp(kinds[i], "org-recordings") == 0) {
            /* KMS.md §9: any active hold in an org pins all its recordings versions. */
            err = sr_kms_hold_covers(rq, org->org_id, "", "", &pinned);
        }
        if (err == SR_OK && !pinned && json_is_integer(d) && json_integer_value(d) > 0) {
            err = sweep_kind(rq, org->org_id, kinds[i], (int64_t)json_integer_value(d), shredded);
        }
    }
    json_decref(policy);
    return err;
}

static sr_err sweep_orgs(struct sr_kms_req *rq, size_t *shredded)
{
    char after[SR_STORE_ID_MAX] = "";
    struct sr_store_org *orgs = NULL;
    size_t n = 0;
    do {
        SR_TRY(sr_store_org_list(rq->srv->store, after, ORG_PAGE, &orgs, &n));
        sr_err err = SR_OK;
        for (size_t i = 0; i < n && err == SR_OK; i++) {
            err = sweep_org(rq, &orgs[i], shredded);
        }
        if (n > 0) {
            memcpy(after, orgs[n - 1].org_id, sizeof(after));
        }
        sr_store_free(orgs);
        SR_TRY(err);
    } while (n == ORG_PAGE);
    return SR_OK;
}

/* Resources past their ttl, with their keys. */
static sr_err sweep_ttl(struct sr_kms_req *rq, size_t *shredded)
{
    struct sr_store_resource *res = NULL;
    size_t n = 0;
    bool held;
    SR_TRY(sr_store_resource_list_expired(rq->srv->store, rq->now, SR_STORE_LIST_MAX, &res, &n));
    sr_err err = SR_OK;
    rq->reason_in = "ttl";
    for (size_t i = 0; i < n && err == SR_OK; i++) {
        err = sr_kms_hold_covers(rq, res[i].org_id, res[i].uri, res[i].created_by, &held);
        if (err == SR_OK && !held) {
            err = commit_shred(rq, res[i].org_id, res[i].uri, NULL, &res[i]);
            *shredded += err == SR_OK;
        }
    }
    sr_store_free(res);
    return err;
}

sr_err sr_kms_server_sweep(struct sr_kms_server *srv, int64_t now_ms, size_t *shredded)
{
    struct sr_kms_req rq;
    bool mine = false;
    uint64_t dropped = 0;
    size_t count = 0;
    if (shredded != NULL) {
        *shredded = 0;
    }
    SR_TRY(sr_store_sweeper_try_acquire(srv->store, &mine));
    if (!mine) {
        return SR_OK;
    }
    sr_err err = sys_init(&rq, srv, now_ms);
    if (err == SR_OK) {
        err = sweep_orgs(&rq, &count);
    }
    if (err == SR_OK) {
        err = sweep_ttl(&rq, &count);
    }
    if (err == SR_OK) {
        err = sr_store_key_delete_unbound(srv->store, now_ms - DAY_MS, &dropped);
    }
    if (err == SR_OK) {
        err = sr_store_channel_delete_expired(srv->store, now_ms, &dropped);
    }
    for (size_t i = 0; err == SR_OK && i < srv->n_channels;) {
        if (srv->channels[i].expires <= now_ms) {
            sr_kms_channel_remove(srv, &srv->channels[i]);
        } else {
            i++;
        }
    }
    sr_kms_req_cleanup(&rq);
    if (shredded != NULL) {
        *shredded = count;
    }
    return err;
}
