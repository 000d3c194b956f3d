/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log (KMS.md §8): append-only, one MAC chain per node. The caller computes each
 * row's MAC, HMAC-SHA-256(K_chain, prev_mac | row), because K_chain comes from the token,
 * above this layer. The store only checks that a row extends its chain's tip (seq = last + 1,
 * prev_mac = last mac) and makes the append durable before it returns: a row that releases
 * key material must commit before the response is encrypted. The deferred form leaves the
 * wait for durability to sr_store_flush_wait, so concurrent requests share one fsync.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "store/store_int.h"

#define AUDIT_COLS                                                                              \
    "chain, seq, ts, org_id, actor, actor_role, on_behalf_of, method, uri, status, error_code," \
    " request_id, reason, released, prev_mac, mac"

static const char *const tip_sql =
        "SELECT seq, mac FROM audit WHERE chain = ? ORDER BY seq DESC LIMIT 1";
static const char *const insert_sql = "INSERT INTO audit(" AUDIT_COLS ")"
                                      " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const chain_sql = "SELECT " AUDIT_COLS " FROM audit"
                                     " WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?";
static const char *const org_sql =
        "SELECT " AUDIT_COLS " FROM audit"
        " WHERE org_id = ? AND ts >= ?"
        " AND (ts > ? OR (ts = ? AND (chain > ? OR (chain = ? AND seq > ?))))"
        " ORDER BY ts, chain, seq LIMIT ?";

struct tip {
    int64_t seq;
    uint8_t mac[SR_STORE_MAC_LEN];
};

static sr_err read_tip(void *arg, const struct sr_store_val *c, size_t n)
{
    struct tip *t = arg;
    SR_STORE_COLS(n, 2);
    SR_TRY(sr_store_col_int(&c[0], &t->seq));
    return sr_store_col_fixed(&c[1], t->mac, sizeof(t->mac));
}

sr_err sr_store_audit_last(struct sr_store *st, const char *chain, int64_t *seq,
                           uint8_t mac[SR_STORE_MAC_LEN])
{
    SR_STORE_ID(chain);
    struct tip t = { 0, { 0 } }; /* KMS.md §8: "the first prev_mac = 32 zero bytes" */
    struct sr_store_val p[] = { sr_sv_text(chain) };
    SR_TRY(sr_store_exec(st, tip_sql, p, 1, read_tip, &t, NULL));
    *seq = t.seq;
    memcpy(mac, t.mac, sizeof(t.mac));
    return SR_OK;
}

static bool same_mac(const uint8_t *a, const uint8_t *b)
{
    uint8_t d = 0;
    for (size_t i = 0; i < SR_STORE_MAC_LEN; i++) {
        d |= (uint8_t)(a[i] ^ b[i]);
    }
    return d == 0;
}

static sr_err check_row(const struct sr_store_audit *r)
{
    SR_STORE_FIELD(r->chain);
    SR_STORE_FIELD(r->org_id);
    SR_STORE_FIELD(r->actor);
    SR_STORE_FIELD(r->actor_role);
    SR_STORE_FIELD(r->on_behalf_of);
    SR_STORE_FIELD(r->method);
    SR_STORE_FIELD(r->uri);
    SR_STORE_FIELD(r->error_code);
    SR_STORE_FIELD(r->request_id);
    SR_STORE_FIELD(r->reason);
    SR_CHECK(r->seq > 0, SR_ERR_ARG);
    return SR_OK;
}

/* Check the tip and insert; runs inside a durable transaction. */
static sr_err append(struct sr_store *st, const struct sr_store_audit *r)
{
    int64_t last = 0;
    uint8_t mac[SR_STORE_MAC_LEN];
    SR_TRY(sr_store_audit_last(st, r->chain, &last, mac));
    SR_CHECK(r->seq == last + 1 && same_mac(r->prev_mac, mac), SR_ERR_STATE);
    struct sr_store_val p[] = { sr_sv_text(r->chain),
                                sr_sv_int(r->seq),
                                sr_sv_int(r->ts),
                                sr_sv_text(r->org_id),
                                sr_sv_text(r->actor),
                                sr_sv_text(r->actor_role),
                                sr_sv_text_opt(r->on_behalf_of),
                                sr_sv_text(r->method),
                                sr_sv_text(r->uri),
                                sr_sv_int(r->status),
                                sr_sv_text_opt(r->error_code),
                                sr_sv_text(r->request_id),
                                sr_sv_text_opt(r->reason),
                                sr_sv_text(r->released),
                                sr_sv_bytes(r->prev_mac, SR_STORE_MAC_LEN),
                                sr_sv_bytes(r->mac, SR_STORE_MAC_LEN) };
    sr_err err = sr_store_exec(st, insert_sql, p, 16, NULL, NULL, NULL);
    /* Another node appended the same seq between our read and insert: the chain moved. */
    return err == SR_ERR_EXISTS ? SR_ERR_STATE : err;
}

sr_err sr_store_audit_append(struct sr_store *st, const struct sr_store_audit *row)
{
    SR_TRY(check_row(row));
    if (st->in_txn) {
        SR_CHECK(st->txn_durable, SR_ERR_STATE);
        return append(st, row);
    }
    SR_TRY(sr_store_begin_durable(st));
    sr_err err = append(st, row);
    if (err != SR_OK) {
        sr_store_rollback(st);
        return err;
    }
    return sr_store_commit(st);
}

sr_err sr_store_audit_append_deferred(struct sr_store *st, const struct sr_store_audit *row,
                                      uint64_t *ticket)
{
    *ticket = 0;
    SR_CHECK(!st->in_txn, SR_ERR_STATE);
    if (st->ops->flush == NULL) {
        return sr_store_audit_append(st, row);
    }
    SR_TRY(check_row(row));
    SR_TRY(sr_store_begin(st));
    sr_err err = append(st, row);
    if (err != SR_OK) {
        sr_store_rollback(st);
        return err;
    }
    SR_TRY(sr_store_commit(st));
    *ticket = sr_store_flusher_note(st);
    return SR_OK;
}

static sr_err read_audit(const struct sr_store_val *c, size_t n, struct sr_store_audit *a)
{
    SR_STORE_COLS(n, 16);
    SR_TRY(sr_store_col_text(&c[0], a->chain, sizeof(a->chain)));
    SR_TRY(sr_store_col_int(&c[1], &a->seq));
    SR_TRY(sr_store_col_int(&c[2], &a->ts));
    SR_TRY(sr_store_col_text(&c[3], a->org_id, sizeof(a->org_id)));
    SR_TRY(sr_store_col_text(&c[4], a->actor, sizeof(a->actor)));
    SR_TRY(sr_store_col_text(&c[5], a->actor_role, sizeof(a->actor_role)));
    SR_TRY(sr_store_col_text(&c[6], a->on_behalf_of, sizeof(a->on_behalf_of)));
    SR_TRY(sr_store_col_text(&c[7], a->method, sizeof(a->method)));
    SR_TRY(sr_store_col_text(&c[8], a->uri, sizeof(a->uri)));
    SR_TRY(sr_store_col_int(&c[9], &a->status));
    SR_TRY(sr_store_col_text(&c[10], a->error_code, sizeof(a->error_code)));
    SR_TRY(sr_store_col_text(&c[11], a->request_id, sizeof(a->request_id)));
    SR_TRY(sr_store_col_text(&c[12], a->reason, sizeof(a->reason)));
    SR_TRY(sr_store_col_fixed(&c[14], a->prev_mac, sizeof(a->prev_mac)));
    SR_TRY(sr_store_col_fixed(&c[15], a->mac, sizeof(a->mac)));
    if (c[13].type == SR_SV_NULL) {
        return SR_OK;
    }
    SR_CHECK(c[13].type == SR_SV_TEXT, SR_ERR_STORE);
    a->released = sr_malloc(c[13].b.len + 1);
    SR_CHECK(a->released != NULL, SR_ERR_NOMEM);
    return sr_store_col_text(&c[13], a->released, c[13].b.len + 1);
}

struct rows {
    struct sr_store_audit *v;
    size_t n, cap, limit;
};

static sr_err take_row(void *arg, const struct sr_store_val *c, size_t n)
{
    struct rows *r = arg;
    SR_CHECK(r->n < r->limit, SR_ERR_STORE);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct sr_store_audit *v = sr_realloc(r->v, cap * sizeof(*v));
        SR_CHECK(v != NULL, SR_ERR_NOMEM);
        r->v = v;
        r->cap = cap;
    }
    memset(&r->v[r->n], 0, sizeof(r->v[0]));
    r->n++; /* counted before decoding so a half-read row's `released` is freed too */
    return read_audit(c, n, &r->v[r->n - 1]);
}

static sr_err list(struct sr_store *st, const char *sql, const struct sr_store_val *p, size_t np,
                   size_t limit, struct sr_store_audit **out, size_t *n)
{
    SR_CHECK(limit > 0 && limit <= SR_STORE_LIST_MAX, SR_ERR_ARG);
    struct rows r = { NULL, 0, 0, limit };
    *out = NULL;
    *n = 0;
    sr_err err = sr_store_exec(st, sql, p, np, take_row, &r, NULL);
    if (err != SR_OK) {
        sr_store_audit_free(r.v, r.n);
        return err;
    }
    *out = r.v;
    *n = r.n;
    return SR_OK;
}

sr_err sr_store_audit_list_chain(struct sr_store *st, const char *chain, int64_t after_seq,
                                 size_t limit, struct sr_store_audit **out, size_t *n)
{
    SR_STORE_ID(chain);
    struct sr_store_val p[] = { sr_sv_text(chain), sr_sv_int(after_seq),
                                sr_sv_int((int64_t)limit) };
    return list(st, chain_sql, p, 3, limit, out, n);
}

sr_err sr_store_audit_list_org(struct sr_store *st, const char *org_id, int64_t since,
                               int64_t cursor_ts, const char *cursor_chain, int64_t cursor_seq,
                               size_t limit, struct sr_store_audit **out, size_t *n)
{
    SR_STORE_ID(org_id);
    if (cursor_chain == NULL) {
        /* No cursor: a position before every row. */
        cursor_ts = INT64_MIN;
        cursor_chain = "";
        cursor_seq = 0;
    }
    SR_STORE_ID(cursor_chain);
    struct sr_store_val p[] = { sr_sv_text(org_id),       sr_sv_int(since),
                                sr_sv_int(cursor_ts),     sr_sv_int(cursor_ts),
                                sr_sv_text(cursor_chain), sr_sv_text(cursor_chain),
                                sr_sv_int(cursor_seq),    sr_sv_int((int64_t)limit) };
    return list(st, org_sql, p, 8, limit, out, n);
}

void sr_store_audit_free(struct sr_store_audit *rows, size_t n)
{
    if (rows == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        sr_free(rows[i].released);
    }
    sr_free(rows);
}

static sr_err put_text(struct sr_buf *out, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    SR_CHECK(n <= UINT32_MAX, SR_ERR_LIMIT);
    SR_TRY(sr_write_u32(out, (uint32_t)n));
    return sr_write_bytes(out, s, n);
}

static sr_err put_int(struct sr_buf *out, int64_t v)
{
    SR_TRY(sr_write_u32(out, 8));
    return sr_write_u64(out, (uint64_t)v);
}

sr_err sr_store_audit_mac_input(const struct sr_store_audit *r, struct sr_buf *out)
{
    SR_TRY(check_row(r));
    size_t start = out->len;
    sr_err err = sr_write_bytes(out, r->prev_mac, SR_STORE_MAC_LEN);
    const char *const texts[] = { r->org_id,       r->actor,  r->actor_role,
                                  r->on_behalf_of, r->method, r->uri };
    const char *const tail[] = { r->error_code, r->request_id, r->reason, r->released };
    if (err == SR_OK) {
        err = put_text(out, r->chain);
    }
    if (err == SR_OK) {
        err = put_int(out, r->seq);
    }
    if (err == SR_OK) {
        err = put_int(out, r->ts);
    }
    for (size_t i = 0; err == SR_OK && i < sizeof(texts) / sizeof(texts[0]); i++) {
        err = put_text(out, texts[i]);
    }
    if (err == SR_OK) {
        err = put_int(out, r->status);
    }
    for (size_t i = 0; err == SR_OK && i < sizeof(tail) / sizeof(tail[0]); i++) {
        err = put_text(out, tail[i]);
    }
    if (err != SR_OK) {
        out->len = start;
    }
    return err;
}
