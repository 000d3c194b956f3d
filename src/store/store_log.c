/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Channels shared between nodes (so any node can serve any client) and the events outbox the
 * content service reads to delete blobs after a shred (KMS.md §8, §9). The audit log is in
 * store_audit.c.
 */
#include "store/store_int.h"

#define CHAN_COLS "uri, user_id, org_id, client_id, wrapped_key, created, expires"

static const char *const chan_insert_sql =
        "INSERT INTO channels(" CHAN_COLS ") VALUES(?, ?, ?, ?, ?, ?, ?)";
static const char *const chan_get_sql = "SELECT " CHAN_COLS " FROM channels WHERE uri = ?";
static const char *const chan_delete_sql = "DELETE FROM channels WHERE uri = ?";
static const char *const chan_expire_sql = "DELETE FROM channels WHERE expires <= ?";

static sr_err read_channel(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_channel *ch = out;
    SR_STORE_COLS(n, 7);
    SR_TRY(sr_store_col_text(&c[0], ch->uri, sizeof(ch->uri)));
    SR_TRY(sr_store_col_text(&c[1], ch->user_id, sizeof(ch->user_id)));
    SR_TRY(sr_store_col_text(&c[2], ch->org_id, sizeof(ch->org_id)));
    SR_TRY(sr_store_col_text(&c[3], ch->client_id, sizeof(ch->client_id)));
    SR_TRY(sr_store_col_blob(&c[4], &ch->wrapped_key));
    SR_TRY(sr_store_col_int(&c[5], &ch->created));
    return sr_store_col_int(&c[6], &ch->expires);
}

sr_err sr_store_channel_insert(struct sr_store *st, const struct sr_store_channel *c)
{
    SR_STORE_FIELD(c->uri);
    SR_STORE_FIELD(c->user_id);
    SR_STORE_FIELD(c->org_id);
    SR_STORE_FIELD(c->client_id);
    SR_CHECK(c->wrapped_key.present && c->wrapped_key.len <= sizeof(c->wrapped_key.p), SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_text(c->uri),          sr_sv_text(c->user_id),
                                sr_sv_text(c->org_id),       sr_sv_text(c->client_id),
                                sr_sv_blob(&c->wrapped_key), sr_sv_int(c->created),
                                sr_sv_int(c->expires) };
    return sr_store_exec(st, chan_insert_sql, p, 7, NULL, NULL, NULL);
}

sr_err sr_store_channel_get(struct sr_store *st, const char *uri, struct sr_store_channel *out)
{
    SR_STORE_ID(uri);
    struct sr_store_val p[] = { sr_sv_text(uri) };
    return sr_store_get_one(st, chan_get_sql, p, 1, read_channel, out, sizeof(*out));
}

sr_err sr_store_channel_delete(struct sr_store *st, const char *uri)
{
    SR_STORE_ID(uri);
    struct sr_store_val p[] = { sr_sv_text(uri) };
    return sr_store_exec_one(st, chan_delete_sql, p, 1);
}

sr_err sr_store_channel_delete_expired(struct sr_store *st, int64_t now, uint64_t *n)
{
    struct sr_store_val p[] = { sr_sv_int(now) };
    return sr_store_exec(st, chan_expire_sql, p, 1, NULL, NULL, n);
}

static const char *const event_insert_sql =
        "INSERT INTO events(ts, org_id, kind, uri) VALUES(?, ?, ?, ?) RETURNING seq";
static const char *const event_list_sql = "SELECT seq, ts, org_id, kind, uri FROM events"
                                          " WHERE seq > ? ORDER BY seq LIMIT ?";

static sr_err read_event(const struct sr_store_val *c, size_t n, void *out)
{
    struct sr_store_event *e = out;
    SR_STORE_COLS(n, 5);
    SR_TRY(sr_store_col_int(&c[0], &e->seq));
    SR_TRY(sr_store_col_int(&c[1], &e->ts));
    SR_TRY(sr_store_col_text(&c[2], e->org_id, sizeof(e->org_id)));
    SR_TRY(sr_store_col_text(&c[3], e->kind, sizeof(e->kind)));
    return sr_store_col_text(&c[4], e->uri, sizeof(e->uri));
}

static sr_err read_seq(void *arg, const struct sr_store_val *c, size_t n)
{
    SR_STORE_COLS(n, 1);
    return sr_store_col_int(&c[0], arg);
}

sr_err sr_store_event_append(struct sr_store *st, const struct sr_store_event *ev, int64_t *seq)
{
    SR_STORE_FIELD(ev->org_id);
    SR_STORE_FIELD(ev->kind);
    SR_STORE_FIELD(ev->uri);
    struct sr_store_val p[] = { sr_sv_int(ev->ts), sr_sv_text(ev->org_id), sr_sv_text(ev->kind),
                                sr_sv_text(ev->uri) };
    int64_t s = 0;
    SR_TRY(sr_store_exec(st, event_insert_sql, p, 4, read_seq, &s, NULL));
    SR_CHECK(s > 0, SR_ERR_STORE);
    *seq = s;
    return SR_OK;
}

sr_err sr_store_event_list(struct sr_store *st, int64_t after, size_t limit,
                           struct sr_store_event **out, size_t *n)
{
    SR_CHECK(limit > 0 && limit <= SR_STORE_LIST_MAX, SR_ERR_ARG);
    struct sr_store_val p[] = { sr_sv_int(after), sr_sv_int((int64_t)limit) };
    return sr_store_get_list(st, event_list_sql, p, 2, read_event, sizeof(**out), limit,
                             (void **)out, n);
}
