/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Orgs (policy, CMK mode and the generation the kill switch bumps), principals as first and
 * last seen, and the org key versions of the recordings key (one row per org, purpose and
 * period; KMS.md §9).
 */
#include "store/store_int.h"

static const char *const org_insert_sql =
        "INSERT INTO orgs(org_id, region, cmk_mode, policy, generation) VALUES(?, ?, ?, ?, ?)";
static const char *const org_get_sql =
        "SELECT org_id, region, cmk_mode, policy, generation FROM orgs WHERE org_id = ?";
static const char *const org_list_sql =
        "SELECT org_id, region, cmk_mode, policy, generation FROM orgs WHERE org_id > ?"
        " ORDER BY org_id LIMIT ?";
static const char *const org_policy_sql = "UPDATE orgs SET policy = ? WHERE org_id = ?";
static const char *const org_bump_sql =
        "UPDATE orgs SET generation = generation + 1 WHERE org_id = ? RETURNING generation";

static sr_err read_org(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_org *o = out;
    SR_STORE_COLS(n, 5);
    SR_TRY(sr_store_col_text(&c[0], o->org_id, sizeof(o->org_id)));
    SR_TRY(sr_store_col_text(&c[1], o->region, sizeof(o->region)));
    SR_TRY(sr_store_col_text(&c[2], o->cmk_mode, sizeof(o->cmk_mode)));
    SR_TRY(sr_store_col_text(&c[3], o->policy, sizeof(o->policy)));
    return sr_store_col_int(&c[4], &o->generation);
}

sr_err sr_store_org_insert(struct sr_store *st, const struct sr_store_org *org)
{
    SR_STORE_FIELD(org->org_id);
    SR_STORE_FIELD(org->region);
    SR_STORE_FIELD(org->cmk_mode);
    SR_STORE_FIELD(org->policy);
    struct sr_store_val p[] = { sr_sv_text(org->org_id), sr_sv_text(org->region),
                                sr_sv_text(org->cmk_mode), sr_sv_text(org->policy),
                                sr_sv_int(org->generation) };
    return sr_store_exec(st, org_insert_sql, p, 5, NULL, NULL, NULL);
}

sr_err sr_store_org_get(struct sr_store *st, const char *org_id, struct sr_store_org *out)
{
    SR_STORE_ID(org_id);
    struct sr_store_val p[] = { sr_sv_text(org_id) };
    return sr_store_get_one(st, org_get_sql, p, 1, read_org, out, sizeof(*out));
}

sr_err sr_store_org_list(struct sr_store *st, const char *after, size_t limit,
                         struct sr_store_org **out, size_t *n)
{
    SR_STORE_ID(after);
    SR_CHECK(limit > 0 && limit <= SR_STORE_LIST_MAX, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(after), sr_sv_int((int64_t)limit) };
    return sr_store_get_list(st, org_list_sql, p, 2, read_org, sizeof(**out), limit, (void **)out,
                             n);
}

sr_err sr_store_org_set_policy(struct sr_store *st, const char *org_id, const char *policy)
{
    SR_STORE_ID(org_id);
    SR_TRY(sr_store_check_str(policy, SR_STORE_POLICY_MAX));
    struct sr_store_val p[] = { sr_sv_text(policy), sr_sv_text(org_id) };
    return sr_store_exec_one(st, org_policy_sql, p, 2);
}

static sr_err read_int(void *arg, const struct sr_store_val *c, size_t n)
{
    SR_STORE_COLS(n, 1);
    return sr_store_col_int(&c[0], arg);
}

sr_err sr_store_org_bump_generation(struct sr_store *st, const char *org_id, int64_t *generation)
{
    SR_STORE_ID(org_id);
    struct sr_store_val p[] = { sr_sv_text(org_id) };
    int64_t g = -1;
    SR_TRY(sr_store_exec(st, org_bump_sql, p, 1, read_int, &g, NULL));
    SR_CHECK(g >= 0, SR_ERR_NOT_FOUND);
    *generation = g;
    return SR_OK;
}

static const char *const principal_touch_sql =
        "INSERT INTO principals(user_id, org_id, kind, first_seen, last_seen)"
        " VALUES(?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
static const char *const principal_seen_sql =
        "UPDATE principals SET org_id = ?, kind = ?, last_seen = ? WHERE user_id = ?";
static const char *const principal_get_sql =
        "SELECT user_id, org_id, kind, first_seen, last_seen FROM principals WHERE user_id = ?";

static sr_err read_principal(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_principal *p = out;
    SR_STORE_COLS(n, 5);
    SR_TRY(sr_store_col_text(&c[0], p->user_id, sizeof(p->user_id)));
    SR_TRY(sr_store_col_text(&c[1], p->org_id, sizeof(p->org_id)));
    SR_TRY(sr_store_col_text(&c[2], p->kind, sizeof(p->kind)));
    SR_TRY(sr_store_col_int(&c[3], &p->first_seen));
    return sr_store_col_int(&c[4], &p->last_seen);
}

sr_err sr_store_principal_touch(struct sr_store *st, const struct sr_store_principal *pr)
{
    SR_STORE_FIELD(pr->user_id);
    SR_STORE_FIELD(pr->org_id);
    SR_STORE_FIELD(pr->kind);
    /* ON CONFLICT DO NOTHING is the only upsert both databases share (KMS.md §8). */
    struct sr_store_val ins[] = { sr_sv_text(pr->user_id), sr_sv_text(pr->org_id),
                                  sr_sv_text(pr->kind), sr_sv_int(pr->first_seen),
                                  sr_sv_int(pr->last_seen) };
    uint64_t added = 0;
    SR_TRY(sr_store_exec(st, principal_touch_sql, ins, 5, NULL, NULL, &added));
    if (added == 1) {
        return SR_OK;
    }
    struct sr_store_val upd[] = { sr_sv_text(pr->org_id), sr_sv_text(pr->kind),
                                  sr_sv_int(pr->last_seen), sr_sv_text(pr->user_id) };
    return sr_store_exec_one(st, principal_seen_sql, upd, 4);
}

sr_err sr_store_principal_get(struct sr_store *st, const char *user_id,
                              struct sr_store_principal *out)
{
    SR_STORE_ID(user_id);
    struct sr_store_val p[] = { sr_sv_text(user_id) };
    return sr_store_get_one(st, principal_get_sql, p, 1, read_principal, out, sizeof(*out));
}

static const char *const version_insert_sql =
        "INSERT INTO org_key_versions(org_id, purpose, period, key_uri) VALUES(?, ?, ?, ?)";
static const char *const version_get_sql =
        "SELECT org_id, purpose, period, key_uri FROM org_key_versions"
        " WHERE org_id = ? AND purpose = ? AND period = ?";

static sr_err read_version(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_key_version *v = out;
    SR_STORE_COLS(n, 4);
    SR_TRY(sr_store_col_text(&c[0], v->org_id, sizeof(v->org_id)));
    SR_TRY(sr_store_col_text(&c[1], v->purpose, sizeof(v->purpose)));
    SR_TRY(sr_store_col_text(&c[2], v->period, sizeof(v->period)));
    return sr_store_col_text(&c[3], v->key_uri, sizeof(v->key_uri));
}

sr_err sr_store_key_version_insert(struct sr_store *st, const struct sr_store_key_version *v)
{
    SR_STORE_FIELD(v->org_id);
    SR_STORE_FIELD(v->purpose);
    SR_STORE_FIELD(v->period);
    SR_STORE_FIELD(v->key_uri);
    struct sr_store_val p[] = { sr_sv_text(v->org_id), sr_sv_text(v->purpose),
                                sr_sv_text(v->period), sr_sv_text(v->key_uri) };
    return sr_store_exec(st, version_insert_sql, p, 4, NULL, NULL, NULL);
}

sr_err sr_store_key_version_get(struct sr_store *st, const char *org_id, const char *purpose,
                                const char *period, struct sr_store_key_version *out)
{
    SR_STORE_ID(org_id);
    SR_STORE_NAME(purpose);
    SR_STORE_NAME(period);
    struct sr_store_val p[] = { sr_sv_text(org_id), sr_sv_text(purpose), sr_sv_text(period) };
    return sr_store_get_one(st, version_get_sql, p, 3, read_version, out, sizeof(*out));
}
