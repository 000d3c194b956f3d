/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resources and content keys (KMS.md §1, §3, §8). A key row holds only the key wrapped under
 * its org's KEK. Binding is one conditional UPDATE, so two binds racing on two nodes cannot
 * both win; crypto-shredding sets the wrapping to NULL and keeps the row as a tombstone.
 */
#include <string.h>

#include "store/store_int.h"

#define RES_COLS "uri, org_id, kind, created_by, created, ttl, expires, shredded_at"
#define KEY_COLS                                                                           \
    "uri, org_id, kek_id, wrapped, created_by, client_id, created, expires, resource_uri," \
    " bound_at, shredded_at"

static const char *const res_insert_sql =
        "INSERT INTO resources(" RES_COLS ") VALUES(?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const res_get_sql = "SELECT " RES_COLS " FROM resources WHERE uri = ?";
static const char *const res_shred_sql =
        "UPDATE resources SET shredded_at = ? WHERE uri = ? AND shredded_at IS NULL";
static const char *const res_expired_sql =
        "SELECT " RES_COLS " FROM resources"
        " WHERE expires IS NOT NULL AND expires <= ? AND shredded_at IS NULL"
        " ORDER BY expires, uri LIMIT ?";

static sr_err read_resource(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_resource *r = out;
    SR_STORE_COLS(n, 8);
    SR_TRY(sr_store_col_text(&c[0], r->uri, sizeof(r->uri)));
    SR_TRY(sr_store_col_text(&c[1], r->org_id, sizeof(r->org_id)));
    SR_TRY(sr_store_col_text(&c[2], r->kind, sizeof(r->kind)));
    SR_TRY(sr_store_col_text(&c[3], r->created_by, sizeof(r->created_by)));
    SR_TRY(sr_store_col_int(&c[4], &r->created));
    SR_TRY(sr_store_col_int(&c[5], &r->ttl));
    SR_TRY(sr_store_col_int(&c[6], &r->expires));
    return sr_store_col_int(&c[7], &r->shredded_at);
}

sr_err sr_store_resource_insert(struct sr_store *st, const struct sr_store_resource *r)
{
    SR_STORE_FIELD(r->uri);
    SR_STORE_FIELD(r->org_id);
    SR_STORE_FIELD(r->kind);
    SR_STORE_FIELD(r->created_by);
    SR_CHECK(r->ttl >= 0, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(r->uri),     sr_sv_text(r->org_id),
                                sr_sv_text(r->kind),    sr_sv_text(r->created_by),
                                sr_sv_int(r->created),  sr_sv_int(r->ttl),
                                sr_sv_time(r->expires), sr_sv_time(r->shredded_at) };
    return sr_store_exec(st, res_insert_sql, p, 8, NULL, NULL, NULL);
}

sr_err sr_store_resource_get(struct sr_store *st, const char *uri, struct sr_store_resource *out)
{
    SR_STORE_ID(uri);
    struct sr_store_val p[] = { sr_sv_text(uri) };
    return sr_store_get_one(st, res_get_sql, p, 1, read_resource, out, sizeof(*out));
}

sr_err sr_store_resource_shred(struct sr_store *st, const char *uri, int64_t now)
{
    SR_STORE_ID(uri);
    SR_CHECK(now != 0, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_int(now), sr_sv_text(uri) };
    sr_err err = sr_store_exec_one(st, res_shred_sql, p, 2);
    if (err == SR_ERR_NOT_FOUND) {
        struct sr_store_resource r;
        err = sr_store_resource_get(st, uri, &r);
        return err == SR_OK ? SR_ERR_STATE : err;
    }
    return err;
}

sr_err sr_store_resource_list_expired(struct sr_store *st, int64_t now, size_t limit,
                                      struct sr_store_resource **out, size_t *n)
{
    SR_CHECK(limit > 0 && limit <= SR_STORE_LIST_MAX, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_int(now), sr_sv_int((int64_t)limit) };
    return sr_store_get_list(st, res_expired_sql, p, 2, read_resource, sizeof(**out), limit,
                             (void **)out, n);
}

static const char *const key_insert_sql =
        "INSERT INTO keys(" KEY_COLS ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const key_get_sql = "SELECT " KEY_COLS " FROM keys WHERE uri = ?";
/* KMS.md §3: "one conditional update (... WHERE resource_uri IS NULL AND created_by = ? AND
 * client_id = ? AND expires > ?)". The org, KEK and wrapping change only for a re-wrap. */
static const char *const key_bind_sql =
        "UPDATE keys SET resource_uri = ?, bound_at = ?,"
        " expires = ?, org_id = COALESCE(?, org_id), kek_id = COALESCE(?, kek_id),"
        " wrapped = COALESCE(?, wrapped) WHERE uri = ? AND resource_uri IS NULL"
        " AND shredded_at IS NULL AND created_by = ? AND client_id = ? AND expires > ?";
static const char *const key_by_res_sql =
        "SELECT " KEY_COLS " FROM keys"
        " WHERE resource_uri = ? AND shredded_at IS NULL AND bound_at >= ? AND bound_at < ?"
        " ORDER BY bound_at DESC, uri DESC LIMIT ?";
static const char *const key_shred_sql = "UPDATE keys SET wrapped = NULL, shredded_at = ?"
                                         " WHERE uri = ? AND shredded_at IS NULL";
/* Retention (KMS.md §9): bound, unshredded keys of one org's resources of one kind whose
 * expires is at or before the cut-off; the caller adds the kind's retention to the cut-off. */
static const char *const key_expired_sql =
        "SELECT k.uri, k.org_id, k.kek_id, k.wrapped,"
        " k.created_by, k.client_id, k.created, k.expires, k.resource_uri, k.bound_at,"
        " k.shredded_at FROM keys k JOIN resources r ON r.uri = k.resource_uri"
        " WHERE r.org_id = ? AND r.kind = ? AND k.shredded_at IS NULL AND k.expires <= ?"
        " ORDER BY k.expires, k.uri LIMIT ?";
static const char *const key_drop_sql =
        "DELETE FROM keys WHERE resource_uri IS NULL AND expires < ?";

static sr_err read_key(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_key *k = out;
    SR_STORE_COLS(n, 11);
    SR_TRY(sr_store_col_text(&c[0], k->uri, sizeof(k->uri)));
    SR_TRY(sr_store_col_text(&c[1], k->org_id, sizeof(k->org_id)));
    SR_TRY(sr_store_col_text(&c[2], k->kek_id, sizeof(k->kek_id)));
    SR_TRY(sr_store_col_blob(&c[3], &k->wrapped));
    SR_TRY(sr_store_col_text(&c[4], k->created_by, sizeof(k->created_by)));
    SR_TRY(sr_store_col_text(&c[5], k->client_id, sizeof(k->client_id)));
    SR_TRY(sr_store_col_int(&c[6], &k->created));
    SR_TRY(sr_store_col_int(&c[7], &k->expires));
    SR_TRY(sr_store_col_text(&c[8], k->resource_uri, sizeof(k->resource_uri)));
    SR_TRY(sr_store_col_int(&c[9], &k->bound_at));
    return sr_store_col_int(&c[10], &k->shredded_at);
}

sr_err sr_store_key_insert(struct sr_store *st, const struct sr_store_key *k)
{
    SR_STORE_FIELD(k->uri);
    SR_STORE_FIELD(k->org_id);
    SR_STORE_FIELD(k->kek_id);
    SR_STORE_FIELD(k->created_by);
    SR_STORE_FIELD(k->client_id);
    SR_STORE_FIELD(k->resource_uri);
    SR_CHECK(k->wrapped.present && k->wrapped.len <= sizeof(k->wrapped.p), SR_ERR_ARG);
    struct sr_store_val p[] = {
        sr_sv_text(k->uri),      sr_sv_text(k->org_id),     sr_sv_text(k->kek_id),
        sr_sv_blob(&k->wrapped), sr_sv_text(k->created_by), sr_sv_text(k->client_id),
        sr_sv_int(k->created),   sr_sv_int(k->expires),     sr_sv_text_opt(k->resource_uri),
        sr_sv_time(k->bound_at), sr_sv_time(k->shredded_at)
    };
    return sr_store_exec(st, key_insert_sql, p, 11, NULL, NULL, NULL);
}

sr_err sr_store_key_get(struct sr_store *st, const char *uri, struct sr_store_key *out)
{
    SR_STORE_ID(uri);
    struct sr_store_val p[] = { sr_sv_text(uri) };
    return sr_store_get_one(st, key_get_sql, p, 1, read_key, out, sizeof(*out));
}

/* Why the conditional update touched nothing, read back from the row. */
static enum sr_store_bind_result why_not(const struct sr_store_key *k,
                                         const struct sr_store_bind *b)
{
    if (k->shredded_at != 0) {
        return SR_STORE_BIND_SHREDDED;
    }
    if (k->resource_uri[0] != '\0') {
        return strcmp(k->resource_uri, b->resource_uri) == 0 ? SR_STORE_BIND_ALREADY
                                                             : SR_STORE_BIND_ELSEWHERE;
    }
    if (strcmp(k->created_by, b->created_by) != 0 || strcmp(k->client_id, b->client_id) != 0) {
        return SR_STORE_BIND_NOT_OWNER;
    }
    return SR_STORE_BIND_EXPIRED;
}

sr_err sr_store_key_bind(struct sr_store *st, const struct sr_store_bind *b,
                         enum sr_store_bind_result *result)
{
    SR_STORE_ID(b->key_uri);
    SR_STORE_ID(b->resource_uri);
    SR_STORE_ID(b->created_by);
    SR_STORE_ID(b->client_id);
    SR_CHECK(b->org_id == NULL || sr_store_check_str(b->org_id, SR_STORE_ID_MAX) == SR_OK,
             SR_ERR_LIMIT);
    SR_CHECK(b->kek_id == NULL || sr_store_check_str(b->kek_id, SR_STORE_ID_MAX) == SR_OK,
             SR_ERR_LIMIT);
    SR_CHECK(b->rewrapped == NULL || b->rewrapped->len <= sizeof(b->rewrapped->p), SR_ERR_LIMIT);
    SR_CHECK(b->now != 0 && b->resource_uri[0] != '\0', SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(b->resource_uri), sr_sv_int(b->now),
                                sr_sv_int(b->expires),       sr_sv_text(b->org_id),
                                sr_sv_text(b->kek_id),       sr_sv_blob(b->rewrapped),
                                sr_sv_text(b->key_uri),      sr_sv_text(b->created_by),
                                sr_sv_text(b->client_id),    sr_sv_int(b->now) };
    uint64_t changed = 0;
    SR_TRY(sr_store_exec(st, key_bind_sql, p, 10, NULL, NULL, &changed));
    if (changed == 1) {
        *result = SR_STORE_BIND_DONE;
        return SR_OK;
    }
    struct sr_store_key k;
    SR_TRY(sr_store_key_get(st, b->key_uri, &k));
    *result = why_not(&k, b);
    return SR_OK;
}

sr_err sr_store_key_list_by_resource(struct sr_store *st, const char *resource_uri,
                                     int64_t bound_after, int64_t bound_before, size_t count,
                                     struct sr_store_key **out, size_t *n)
{
    SR_STORE_ID(resource_uri);
    SR_CHECK(count > 0 && count <= SR_STORE_LIST_MAX, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(resource_uri), sr_sv_int(bound_after),
                                sr_sv_int(bound_before != 0 ? bound_before : INT64_MAX),
                                sr_sv_int((int64_t)count) };
    return sr_store_get_list(st, key_by_res_sql, p, 4, read_key, sizeof(**out), count, (void **)out,
                             n);
}

sr_err sr_store_key_list_expired(struct sr_store *st, const char *org_id, const char *kind,
                                 int64_t before, size_t limit, struct sr_store_key **out, size_t *n)
{
    SR_STORE_ID(org_id);
    SR_STORE_NAME(kind);
    SR_CHECK(limit > 0 && limit <= SR_STORE_LIST_MAX, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(org_id), sr_sv_text(kind), sr_sv_int(before),
                                sr_sv_int((int64_t)limit) };
    return sr_store_get_list(st, key_expired_sql, p, 4, read_key, sizeof(**out), limit,
                             (void **)out, n);
}

sr_err sr_store_key_shred(struct sr_store *st, const char *uri, int64_t now)
{
    SR_STORE_ID(uri);
    SR_CHECK(now != 0, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_int(now), sr_sv_text(uri) };
    sr_err err = sr_store_exec_one(st, key_shred_sql, p, 2);
    if (err == SR_ERR_NOT_FOUND) {
        struct sr_store_key k;
        err = sr_store_key_get(st, uri, &k);
        return err == SR_OK ? SR_ERR_STATE : err;
    }
    return err;
}

sr_err sr_store_key_delete_unbound(struct sr_store *st, int64_t before, uint64_t *n)
{
    struct sr_store_val p[] = { sr_sv_int(before) };
    return sr_store_exec(st, key_drop_sql, p, 1, NULL, NULL, n);
}
