/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CMK records and KEKs (KMS.md §7). A CMK row names the token object and tracks its state;
 * state changes are conditional updates (from -> to) so two nodes cannot both activate. A KEK
 * row holds the KEK wrapped inside the token; shredding sets the wrapping to NULL.
 */
#include "store/store_int.h"

#define CMK_COLS \
    "uri, org_id, version, provider, token_label, state, backup, created, state_changed"
#define KEK_COLS "kek_id, org_id, cmk_uri, period, wrapped, wraps, created"

static const char *const cmk_insert_sql =
        "INSERT INTO cmks(" CMK_COLS ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const cmk_get_sql = "SELECT " CMK_COLS " FROM cmks WHERE uri = ?";
static const char *const cmk_list_sql =
        "SELECT " CMK_COLS " FROM cmks"
        " WHERE COALESCE(org_id, '') = ? ORDER BY version DESC LIMIT ?";
static const char *const cmk_state_sql =
        "UPDATE cmks SET state = ?, state_changed = ? WHERE uri = ? AND state = ?";
static const char *const cmk_exists_sql = "SELECT 1 FROM cmks WHERE uri = ?";

static sr_err read_cmk(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_cmk *k = out;
    SR_STORE_COLS(n, 9);
    SR_TRY(sr_store_col_text(&c[0], k->uri, sizeof(k->uri)));
    SR_TRY(sr_store_col_text(&c[1], k->org_id, sizeof(k->org_id)));
    SR_TRY(sr_store_col_int(&c[2], &k->version));
    SR_TRY(sr_store_col_text(&c[3], k->provider, sizeof(k->provider)));
    SR_TRY(sr_store_col_text(&c[4], k->token_label, sizeof(k->token_label)));
    SR_TRY(sr_store_col_text(&c[5], k->state, sizeof(k->state)));
    SR_TRY(sr_store_col_blob(&c[6], &k->backup));
    SR_TRY(sr_store_col_int(&c[7], &k->created));
    return sr_store_col_int(&c[8], &k->state_changed);
}

sr_err sr_store_cmk_insert(struct sr_store *st, const struct sr_store_cmk *k)
{
    SR_STORE_FIELD(k->uri);
    SR_STORE_FIELD(k->org_id);
    SR_STORE_FIELD(k->provider);
    SR_STORE_FIELD(k->token_label);
    SR_STORE_FIELD(k->state);
    SR_CHECK(k->backup.len <= sizeof(k->backup.p), SR_ERR_LIMIT);
    struct sr_store_val p[] = { sr_sv_text(k->uri),         sr_sv_text_opt(k->org_id),
                                sr_sv_int(k->version),      sr_sv_text(k->provider),
                                sr_sv_text(k->token_label), sr_sv_text(k->state),
                                sr_sv_blob(&k->backup),     sr_sv_int(k->created),
                                sr_sv_int(k->state_changed) };
    return sr_store_exec(st, cmk_insert_sql, p, 9, NULL, NULL, NULL);
}

sr_err sr_store_cmk_get(struct sr_store *st, const char *uri, struct sr_store_cmk *out)
{
    SR_STORE_ID(uri);
    struct sr_store_val p[] = { sr_sv_text(uri) };
    return sr_store_get_one(st, cmk_get_sql, p, 1, read_cmk, out, sizeof(*out));
}

sr_err sr_store_cmk_list(struct sr_store *st, const char *org_id, struct sr_store_cmk **out,
                         size_t *n)
{
    const char *org = org_id != NULL ? org_id : "";
    SR_STORE_ID(org);
    struct sr_store_val p[] = { sr_sv_text(org), sr_sv_int(SR_STORE_LIST_MAX) };
    return sr_store_get_list(st, cmk_list_sql, p, 2, read_cmk, sizeof(**out), SR_STORE_LIST_MAX,
                             (void **)out, n);
}

static sr_err seen(void *arg, const struct sr_store_val *c, size_t n)
{
    (void)c;
    (void)n;
    *(bool *)arg = true;
    return SR_OK;
}

sr_err sr_store_cmk_set_state(struct sr_store *st, const char *uri, const char *from,
                              const char *to, int64_t now)
{
    SR_STORE_ID(uri);
    SR_STORE_NAME(from);
    SR_STORE_NAME(to);
    struct sr_store_val p[] = { sr_sv_text(to), sr_sv_int(now), sr_sv_text(uri), sr_sv_text(from) };
    sr_err err = sr_store_exec_one(st, cmk_state_sql, p, 4);
    if (err != SR_ERR_NOT_FOUND) {
        return err;
    }
    /* Nothing changed: tell "no such CMK" from "not in state `from`". */
    bool exists = false;
    SR_TRY(sr_store_exec(st, cmk_exists_sql, &p[2], 1, seen, &exists, NULL));
    return exists ? SR_ERR_STATE : SR_ERR_NOT_FOUND;
}

static const char *const kek_insert_sql =
        "INSERT INTO keks(" KEK_COLS ") VALUES(?, ?, ?, ?, ?, ?, ?)";
static const char *const kek_get_sql = "SELECT " KEK_COLS " FROM keks WHERE kek_id = ?";
static const char *const kek_current_sql =
        "SELECT " KEK_COLS " FROM keks"
        " WHERE org_id = ? AND period = ? AND cmk_uri = ? AND wrapped IS NOT NULL"
        " ORDER BY created DESC, kek_id DESC LIMIT 1";
static const char *const kek_wraps_sql = "UPDATE keks SET wraps = wraps + ? WHERE kek_id = ?";
static const char *const kek_rewrap_sql = "UPDATE keks SET cmk_uri = ?, wrapped = ?"
                                          " WHERE kek_id = ? AND wrapped IS NOT NULL";
static const char *const kek_by_cmk_sql =
        "SELECT " KEK_COLS " FROM keks"
        " WHERE cmk_uri = ? AND wrapped IS NOT NULL ORDER BY kek_id LIMIT ?";
static const char *const kek_live_sql =
        "SELECT COUNT(*) FROM keys WHERE kek_id = ? AND wrapped IS NOT NULL";
static const char *const kek_shred_sql = "UPDATE keks SET wrapped = NULL WHERE kek_id = ?";

static sr_err read_kek(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_kek *k = out;
    SR_STORE_COLS(n, 7);
    SR_TRY(sr_store_col_text(&c[0], k->kek_id, sizeof(k->kek_id)));
    SR_TRY(sr_store_col_text(&c[1], k->org_id, sizeof(k->org_id)));
    SR_TRY(sr_store_col_text(&c[2], k->cmk_uri, sizeof(k->cmk_uri)));
    SR_TRY(sr_store_col_text(&c[3], k->period, sizeof(k->period)));
    SR_TRY(sr_store_col_blob(&c[4], &k->wrapped));
    SR_TRY(sr_store_col_int(&c[5], &k->wraps));
    return sr_store_col_int(&c[6], &k->created);
}

sr_err sr_store_kek_insert(struct sr_store *st, const struct sr_store_kek *k)
{
    SR_STORE_FIELD(k->kek_id);
    SR_STORE_FIELD(k->org_id);
    SR_STORE_FIELD(k->cmk_uri);
    SR_STORE_FIELD(k->period);
    SR_CHECK(k->wrapped.present && k->wrapped.len <= sizeof(k->wrapped.p), SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(k->kek_id),   sr_sv_text(k->org_id),
                                sr_sv_text(k->cmk_uri),  sr_sv_text(k->period),
                                sr_sv_blob(&k->wrapped), sr_sv_int(k->wraps),
                                sr_sv_int(k->created) };
    return sr_store_exec(st, kek_insert_sql, p, 7, NULL, NULL, NULL);
}

sr_err sr_store_kek_get(struct sr_store *st, const char *kek_id, struct sr_store_kek *out)
{
    SR_STORE_ID(kek_id);
    struct sr_store_val p[] = { sr_sv_text(kek_id) };
    return sr_store_get_one(st, kek_get_sql, p, 1, read_kek, out, sizeof(*out));
}

sr_err sr_store_kek_current(struct sr_store *st, const char *org_id, const char *period,
                            const char *cmk_uri, struct sr_store_kek *out)
{
    SR_STORE_ID(org_id);
    SR_STORE_NAME(period);
    SR_STORE_ID(cmk_uri);
    struct sr_store_val p[] = { sr_sv_text(org_id), sr_sv_text(period), sr_sv_text(cmk_uri) };
    return sr_store_get_one(st, kek_current_sql, p, 3, read_kek, out, sizeof(*out));
}

sr_err sr_store_kek_add_wraps(struct sr_store *st, const char *kek_id, int64_t n)
{
    SR_STORE_ID(kek_id);
    SR_CHECK(n >= 0, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_int(n), sr_sv_text(kek_id) };
    return sr_store_exec_one(st, kek_wraps_sql, p, 2);
}

sr_err sr_store_kek_rewrap(struct sr_store *st, const char *kek_id, const char *cmk_uri,
                           const struct sr_store_blob *wrapped)
{
    SR_STORE_ID(kek_id);
    SR_STORE_ID(cmk_uri);
    SR_CHECK(wrapped != NULL && wrapped->present && wrapped->len <= sizeof(wrapped->p), SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(cmk_uri), sr_sv_blob(wrapped), sr_sv_text(kek_id) };
    return sr_store_exec_one(st, kek_rewrap_sql, p, 3);
}

sr_err sr_store_kek_list_by_cmk(struct sr_store *st, const char *cmk_uri, size_t limit,
                                struct sr_store_kek **out, size_t *n)
{
    SR_STORE_ID(cmk_uri);
    SR_CHECK(limit > 0 && limit <= SR_STORE_LIST_MAX, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(cmk_uri), sr_sv_int((int64_t)limit) };
    return sr_store_get_list(st, kek_by_cmk_sql, p, 2, read_kek, sizeof(**out), limit, (void **)out,
                             n);
}

sr_err sr_store_kek_shred(struct sr_store *st, const char *kek_id)
{
    SR_STORE_ID(kek_id);
    struct sr_store_val p[] = { sr_sv_text(kek_id) };
    return sr_store_exec_one(st, kek_shred_sql, p, 1);
}

static sr_err read_count(void *arg, const struct sr_store_val *c, size_t n)
{
    SR_STORE_COLS(n, 1);
    return sr_store_col_int(&c[0], arg);
}

sr_err sr_store_kek_live_keys(struct sr_store *st, const char *kek_id, int64_t *count)
{
    SR_STORE_ID(kek_id);
    struct sr_store_val p[] = { sr_sv_text(kek_id) };
    *count = 0;
    return sr_store_exec(st, kek_live_sql, p, 1, read_count, count, NULL);
}
