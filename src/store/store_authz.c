/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Authorizations (one per resource and authId, KMS.md §1) and legal holds (KMS.md §9). Holds
 * are released, never erased, so the audit trail keeps who held what and when it ended.
 */
#include "store/store_int.h"

#define AUTHZ_COLS "uri, resource_uri, auth_id, role, created_by, created"
#define HOLD_COLS \
    "uri, org_id, scope, target, reason, created_by, created, released_at, released_by"

static const char *const authz_insert_sql =
        "INSERT INTO authorizations(" AUTHZ_COLS ") VALUES(?, ?, ?, ?, ?, ?)";
static const char *const authz_get_sql = "SELECT " AUTHZ_COLS " FROM authorizations WHERE uri = ?";
static const char *const authz_find_sql =
        "SELECT " AUTHZ_COLS " FROM authorizations WHERE resource_uri = ? AND auth_id = ?";
static const char *const authz_by_res_sql = "SELECT " AUTHZ_COLS " FROM authorizations"
                                            " WHERE resource_uri = ? ORDER BY created, uri LIMIT ?";
static const char *const authz_by_id_sql = "SELECT " AUTHZ_COLS " FROM authorizations"
                                           " WHERE auth_id = ? ORDER BY created, uri LIMIT ?";
static const char *const authz_delete_sql = "DELETE FROM authorizations WHERE uri = ?";

static sr_err read_authz(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_authz *a = out;
    SR_STORE_COLS(n, 6);
    SR_TRY(sr_store_col_text(&c[0], a->uri, sizeof(a->uri)));
    SR_TRY(sr_store_col_text(&c[1], a->resource_uri, sizeof(a->resource_uri)));
    SR_TRY(sr_store_col_text(&c[2], a->auth_id, sizeof(a->auth_id)));
    SR_TRY(sr_store_col_text(&c[3], a->role, sizeof(a->role)));
    SR_TRY(sr_store_col_text(&c[4], a->created_by, sizeof(a->created_by)));
    return sr_store_col_int(&c[5], &a->created);
}

sr_err sr_store_authz_insert(struct sr_store *st, const struct sr_store_authz *a)
{
    SR_STORE_FIELD(a->uri);
    SR_STORE_FIELD(a->resource_uri);
    SR_STORE_FIELD(a->auth_id);
    SR_STORE_FIELD(a->role);
    SR_STORE_FIELD(a->created_by);
    struct sr_store_val p[] = { sr_sv_text(a->uri),        sr_sv_text(a->resource_uri),
                                sr_sv_text(a->auth_id),    sr_sv_text(a->role),
                                sr_sv_text(a->created_by), sr_sv_int(a->created) };
    return sr_store_exec(st, authz_insert_sql, p, 6, NULL, NULL, NULL);
}

sr_err sr_store_authz_get(struct sr_store *st, const char *uri, struct sr_store_authz *out)
{
    SR_STORE_ID(uri);
    struct sr_store_val p[] = { sr_sv_text(uri) };
    return sr_store_get_one(st, authz_get_sql, p, 1, read_authz, out, sizeof(*out));
}

sr_err sr_store_authz_find(struct sr_store *st, const char *resource_uri, const char *auth_id,
                           struct sr_store_authz *out)
{
    SR_STORE_ID(resource_uri);
    SR_STORE_ID(auth_id);
    struct sr_store_val p[] = { sr_sv_text(resource_uri), sr_sv_text(auth_id) };
    return sr_store_get_one(st, authz_find_sql, p, 2, read_authz, out, sizeof(*out));
}

static sr_err authz_list(struct sr_store *st, const char *sql, const char *arg,
                         struct sr_store_authz **out, size_t *n)
{
    SR_STORE_ID(arg);
    struct sr_store_val p[] = { sr_sv_text(arg), sr_sv_int(SR_STORE_LIST_MAX) };
    return sr_store_get_list(st, sql, p, 2, read_authz, sizeof(**out), SR_STORE_LIST_MAX,
                             (void **)out, n);
}

sr_err sr_store_authz_list_by_resource(struct sr_store *st, const char *resource_uri,
                                       struct sr_store_authz **out, size_t *n)
{
    return authz_list(st, authz_by_res_sql, resource_uri, out, n);
}

sr_err sr_store_authz_list_by_auth_id(struct sr_store *st, const char *auth_id,
                                      struct sr_store_authz **out, size_t *n)
{
    return authz_list(st, authz_by_id_sql, auth_id, out, n);
}

sr_err sr_store_authz_delete(struct sr_store *st, const char *uri)
{
    SR_STORE_ID(uri);
    struct sr_store_val p[] = { sr_sv_text(uri) };
    return sr_store_exec_one(st, authz_delete_sql, p, 1);
}

static const char *const hold_insert_sql =
        "INSERT INTO holds(" HOLD_COLS ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const hold_get_sql = "SELECT " HOLD_COLS " FROM holds WHERE uri = ?";
static const char *const hold_list_sql =
        "SELECT " HOLD_COLS " FROM holds WHERE org_id = ?"
        " AND (released_at IS NULL OR ? = 0) ORDER BY created, uri LIMIT ?";
static const char *const hold_release_sql = "UPDATE holds SET released_at = ?, released_by = ?"
                                            " WHERE uri = ? AND released_at IS NULL";

static sr_err read_hold(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_hold *h = out;
    SR_STORE_COLS(n, 9);
    SR_TRY(sr_store_col_text(&c[0], h->uri, sizeof(h->uri)));
    SR_TRY(sr_store_col_text(&c[1], h->org_id, sizeof(h->org_id)));
    SR_TRY(sr_store_col_text(&c[2], h->scope, sizeof(h->scope)));
    SR_TRY(sr_store_col_text(&c[3], h->target, sizeof(h->target)));
    SR_TRY(sr_store_col_text(&c[4], h->reason, sizeof(h->reason)));
    SR_TRY(sr_store_col_text(&c[5], h->created_by, sizeof(h->created_by)));
    SR_TRY(sr_store_col_int(&c[6], &h->created));
    SR_TRY(sr_store_col_int(&c[7], &h->released_at));
    return sr_store_col_text(&c[8], h->released_by, sizeof(h->released_by));
}

sr_err sr_store_hold_insert(struct sr_store *st, const struct sr_store_hold *h)
{
    SR_STORE_FIELD(h->uri);
    SR_STORE_FIELD(h->org_id);
    SR_STORE_FIELD(h->scope);
    SR_STORE_FIELD(h->target);
    SR_STORE_FIELD(h->reason);
    SR_STORE_FIELD(h->created_by);
    SR_STORE_FIELD(h->released_by);
    struct sr_store_val p[] = {
        sr_sv_text(h->uri),    sr_sv_text(h->org_id),      sr_sv_text(h->scope),
        sr_sv_text(h->target), sr_sv_text(h->reason),      sr_sv_text(h->created_by),
        sr_sv_int(h->created), sr_sv_time(h->released_at), sr_sv_text_opt(h->released_by)
    };
    return sr_store_exec(st, hold_insert_sql, p, 9, NULL, NULL, NULL);
}

sr_err sr_store_hold_get(struct sr_store *st, const char *uri, struct sr_store_hold *out)
{
    SR_STORE_ID(uri);
    struct sr_store_val p[] = { sr_sv_text(uri) };
    return sr_store_get_one(st, hold_get_sql, p, 1, read_hold, out, sizeof(*out));
}

sr_err sr_store_hold_list(struct sr_store *st, const char *org_id, bool active_only,
                          struct sr_store_hold **out, size_t *n)
{
    SR_STORE_ID(org_id);
    struct sr_store_val p[] = { sr_sv_text(org_id), sr_sv_int(active_only ? 1 : 0),
                                sr_sv_int(SR_STORE_LIST_MAX) };
    return sr_store_get_list(st, hold_list_sql, p, 3, read_hold, sizeof(**out), SR_STORE_LIST_MAX,
                             (void **)out, n);
}

sr_err sr_store_hold_release(struct sr_store *st, const char *uri, const char *released_by,
                             int64_t now)
{
    SR_STORE_ID(uri);
    SR_STORE_ID(released_by);
    SR_CHECK(now != 0, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_int(now), sr_sv_text(released_by), sr_sv_text(uri) };
    sr_err err = sr_store_exec_one(st, hold_release_sql, p, 3);
    if (err == SR_ERR_NOT_FOUND) {
        struct sr_store_hold h;
        err = sr_store_hold_get(st, uri, &h);
        return err == SR_OK ? SR_ERR_STATE : err;
    }
    return err;
}
