/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit row of each request that reached a method (KMS.md §8): appended to this node's
 * chain with mac = HMAC-SHA-256(K_chain, prev_mac | row), the bytes of the row being the
 * store's (sr_store_audit_mac_input), so `sealroomd kms audit verify` agrees. Outside a
 * transaction the row is committed at once and made durable by a group commit that the
 * answer waits for before it is sealed (server_msg.c), which is what lets a key leave only
 * after its row is on disk. Keys, tokens and proofs never enter a row.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "kms/server_int.h"

static void put(char *dst, size_t cap, const char *src)
{
    if (src != NULL) {
        (void)snprintf(dst, cap, "%s", src);
    }
}

static sr_err fill(const struct sr_kms_req *rq, struct sr_store_audit *row)
{
    const struct sr_kms_server *srv = rq->srv;
    put(row->chain, sizeof(row->chain), srv->audit_chain);
    row->ts = rq->now;
    put(row->org_id, sizeof(row->org_id), rq->who.org_id);
    put(row->actor, sizeof(row->actor), rq->who.user_id);
    put(row->actor_role, sizeof(row->actor_role),
        rq->system                   ? "system"
        : rq->compliance             ? "compliance"
        : rq->who.service[0] != '\0' ? "service"
                                     : "user");
    if (rq->on_behalf_of != NULL && rq->as_user[0] != '\0') {
        put(row->on_behalf_of, sizeof(row->on_behalf_of), rq->as_user);
    }
    put(row->method, sizeof(row->method), rq->method);
    put(row->uri, sizeof(row->uri), rq->audit_uri[0] != '\0' ? rq->audit_uri : rq->raw_uri);
    row->status = rq->status;
    put(row->error_code, sizeof(row->error_code), rq->error_code);
    put(row->request_id, sizeof(row->request_id), rq->request_id);
    put(row->reason, sizeof(row->reason), rq->reason_in);
    if (json_array_size(rq->released) > 0) {
        row->released = json_dumps(rq->released, JSON_COMPACT);
        SR_CHECK(row->released != NULL, SR_ERR_NOMEM);
    }
    return SR_OK;
}

/* The chain's tip: remembered after our own committed appends, else read from the store. */
static sr_err tip(struct sr_kms_server *srv, struct sr_store_audit *row)
{
    if (srv->audit_tip_known) {
        row->seq = srv->audit_tip_seq;
        memcpy(row->prev_mac, srv->audit_tip_mac, SR_STORE_MAC_LEN);
        return SR_OK;
    }
    return sr_store_audit_last(srv->store, row->chain, &row->seq, row->prev_mac);
}

/* Chain `row` onto the tip, MAC it and append it. */
static sr_err chain_and_append(struct sr_kms_req *rq, struct sr_store_audit *row)
{
    struct sr_kms_server *srv = rq->srv;
    struct sr_buf mac_in;
    sr_buf_init(&mac_in, 0, 0);
    sr_err err = tip(srv, row);
    if (err == SR_OK) {
        row->seq++;
        err = sr_store_audit_mac_input(row, &mac_in);
    }
    if (err == SR_OK) {
        err = sr_hmac(&sr_hash_sha256, sr_slice_of(srv->audit_key, SR_KMS_AUDIT_KEY_LEN),
                      sr_buf_slice(&mac_in), row->mac);
    }
    bool in_txn = sr_store_in_txn(srv->store);
    if (err == SR_OK && in_txn) {
        err = sr_store_audit_append(srv->store, row);
    } else if (err == SR_OK) {
        err = sr_store_audit_append_deferred(srv->store, row, &rq->audit_ticket);
    }
    /* A row inside a transaction may yet be rolled back: only a committed one is the tip. */
    srv->audit_tip_known = err == SR_OK && !in_txn;
    if (srv->audit_tip_known) {
        srv->audit_tip_seq = row->seq;
        memcpy(srv->audit_tip_mac, row->mac, SR_STORE_MAC_LEN);
    }
    sr_buf_cleanup(&mac_in);
    return err;
}

sr_err sr_kms_audit_write(struct sr_kms_req *rq)
{
    struct sr_store_audit *row = sr_calloc(1, sizeof(*row));
    SR_CHECK(row != NULL, SR_ERR_NOMEM);
    bool cached = rq->srv->audit_tip_known;
    sr_err err = fill(rq, row);
    if (err == SR_OK) {
        err = chain_and_append(rq, row);
    }
    if (err == SR_ERR_STATE && cached) {
        err = chain_and_append(rq, row); /* the remembered tip was stale: read it again */
    }
    sr_free(row->released);
    sr_free(row);
    return err;
}

/* One audit row as exported: every column, the MAC in hex, never any key material. */
static sr_err entry_json(const struct sr_store_audit *row, json_t **out)
{
    char mac[2 * SR_STORE_MAC_LEN + 1];
    SR_TRY(sr_hex_encode(row->mac, sizeof(row->mac), mac, sizeof(mac)));
    *out = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s}", "chain", row->chain, "seq",
                     (json_int_t)row->seq, "orgId", row->org_id, "actor", row->actor, "actorRole",
                     row->actor_role, "method", row->method, "uri", row->uri, "status",
                     (json_int_t)row->status, "requestId", row->request_id, "mac", mac);
    SR_CHECK(*out != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_json_put_time(*out, "ts", row->ts);
    const char *opt[][2] = { { "onBehalfOf", row->on_behalf_of },
                             { "errorCode", row->error_code },
                             { "reason", row->reason } };
    for (size_t i = 0; i < 3 && err == SR_OK; i++) {
        if (opt[i][1][0] != '\0') {
            err = sr_kms_json_put_str(*out, opt[i][0], opt[i][1]);
        }
    }
    if (err == SR_OK && row->released != NULL) {
        err = sr_kms_json_put(*out, "released", json_loads(row->released, 0, NULL));
    }
    if (err != SR_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

/* The cursor "<ts>:<seq>:<chain>" of the last row given out. */
static bool cursor_parse(const char *c, int64_t *ts, int64_t *seq, char *chain)
{
    char *end = NULL;
    long long t = strtoll(c, &end, 10);
    if (end == c || *end != ':') {
        return false;
    }
    const char *s = end + 1;
    long long q = strtoll(s, &end, 10);
    if (end == s || *end != ':' || strlen(end + 1) == 0 || strlen(end + 1) >= SR_STORE_ID_MAX) {
        return false;
    }
    *ts = t;
    *seq = q;
    memcpy(chain, end + 1, strlen(end + 1) + 1);
    return true;
}

struct export_in {
    const char *org;
    int64_t since, limit, cur_ts, cur_seq;
    char cur_chain[SR_STORE_ID_MAX];
    bool has_cursor;
};

/* orgId, since, cursor and limit; false when answered with an error. */
static bool export_parse(struct sr_kms_req *rq, struct export_in *in)
{
    const char *since = NULL, *cursor = NULL;
    bool has_limit;
    memset(in, 0, sizeof(*in));
    if (sr_kms_json_str(rq->in, "orgId", SR_STORE_ID_MAX - 1, &in->org) != SR_OK ||
        sr_kms_json_str(rq->in, "since", 64, &since) != SR_OK ||
        sr_kms_json_str(rq->in, "cursor", SR_STORE_ID_MAX + 64, &cursor) != SR_OK ||
        sr_kms_json_int(rq->in, "limit", &in->limit, &has_limit) != SR_OK ||
        (since != NULL && sr_kms_time_parse(since, &in->since) != SR_OK) ||
        (cursor != NULL && !cursor_parse(cursor, &in->cur_ts, &in->cur_seq, in->cur_chain))) {
        (void)sr_kms_req_fail(rq, 400, "BAD_REQUEST", "orgId/since/cursor/limit");
        return false;
    }
    in->org = in->org != NULL ? in->org : rq->who.org_id;
    in->limit = has_limit ? in->limit : 100;
    in->has_cursor = cursor != NULL;
    if (in->limit < 1 || in->limit > SR_STORE_LIST_MAX) {
        (void)sr_kms_req_fail(rq, in->limit < 1 ? 400 : 413,
                              in->limit < 1 ? "BAD_REQUEST" : "TOO_LARGE", "limit is 1-1000");
        return false;
    }
    bool officer =
            (rq->who.roles & SR_KMS_ROLE_ORG_AGENT) != 0 && strcmp(in->org, rq->who.org_id) == 0;
    if (!officer && (rq->who.roles & SR_KMS_ROLE_KMS_ADMIN) == 0) {
        (void)sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "the audit is for compliance officers");
        return false;
    }
    rq->compliance = officer;
    return true;
}

static sr_err export_rows(struct sr_kms_req *rq, const struct sr_store_audit *rows, size_t n,
                          size_t limit)
{
    json_t *arr = json_array();
    SR_CHECK(arr != NULL, SR_ERR_NOMEM);
    SR_TRY(sr_kms_json_put(rq->out, "entries", arr));
    for (size_t i = 0; i < n; i++) {
        json_t *o = NULL;
        SR_TRY(entry_json(&rows[i], &o));
        SR_CHECK(json_array_append_new(arr, o) == 0, SR_ERR_NOMEM);
    }
    if (n == limit && n > 0) {
        char cursor[SR_STORE_ID_MAX + 64];
        const struct sr_store_audit *last = &rows[n - 1];
        (void)snprintf(cursor, sizeof(cursor), "%" PRId64 ":%" PRId64 ":%s", last->ts, last->seq,
                       last->chain);
        SR_TRY(sr_kms_json_put_str(rq->out, "nextCursor", cursor));
    }
    return sr_kms_req_ok(rq, 200);
}

sr_err sr_kms_audit_export(struct sr_kms_req *rq)
{
    struct export_in in;
    struct sr_store_audit *rows = NULL;
    size_t n = 0;
    if (!export_parse(rq, &in)) {
        return SR_OK;
    }
    SR_TRY(sr_store_audit_list_org(rq->srv->store, in.org, in.since, in.cur_ts,
                                   in.has_cursor ? in.cur_chain : NULL, in.cur_seq,
                                   (size_t)in.limit, &rows, &n));
    sr_err err = export_rows(rq, rows, n, (size_t)in.limit);
    sr_store_audit_free(rows, n);
    return err;
}
