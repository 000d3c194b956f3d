/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backend-neutral half of the store: choosing a backend from the URL, transactions,
 * applying the numbered migrations at open (version kept in schema_meta), and the helpers
 * the typed operations use to bind parameters and decode rows.
 */
#include <string.h>

#include "core/alloc.h"
#include "store/store_int.h"

struct scheme {
    const char *prefix;
    bool keep_prefix; /* libpq wants the whole URL; SQLite wants only the path */
    const struct sr_store_ops *ops;
};

static const struct scheme schemes[] = {
    { "sqlite://", false, &sr_store_sqlite_ops },
    { "sqlite:", false, &sr_store_sqlite_ops },
    { "postgres://", true, &sr_store_pg_ops },
    { "postgresql://", true, &sr_store_pg_ops },
};

static const char *const meta_create =
        "CREATE TABLE IF NOT EXISTS schema_meta(id INTEGER PRIMARY KEY, version INTEGER NOT NULL)";
static const char *const meta_seed =
        "INSERT INTO schema_meta(id, version) VALUES(1, 0) ON CONFLICT DO NOTHING";
static const char *const meta_get = "SELECT version FROM schema_meta WHERE id = 1";
static const char *const meta_set = "UPDATE schema_meta SET version = ? WHERE id = 1";

static sr_err read_version(void *arg, const struct sr_store_val *cols, size_t n)
{
    SR_STORE_COLS(n, 1);
    return sr_store_col_int(&cols[0], arg);
}

sr_err sr_store_schema_version(struct sr_store *st, int64_t *out)
{
    *out = 0;
    return sr_store_exec(st, meta_get, NULL, 0, read_version, out, NULL);
}

/* One transaction: take the migration lock, re-read the version, apply what is missing. */
static sr_err migrate(struct sr_store *st)
{
    int64_t version = 0;
    sr_err err = sr_store_begin(st);
    if (err != SR_OK) {
        return err;
    }
    err = st->ops->migrate_lock(st->db);
    if (err == SR_OK) {
        err = sr_store_exec(st, meta_create, NULL, 0, NULL, NULL, NULL);
    }
    if (err == SR_OK) {
        err = sr_store_exec(st, meta_seed, NULL, 0, NULL, NULL, NULL);
    }
    if (err == SR_OK) {
        err = sr_store_schema_version(st, &version);
    }
    if (err == SR_OK && version > (int64_t)sr_store_migration_count) {
        err = SR_ERR_STORE; /* written by a newer release: refuse rather than guess */
    }
    for (size_t m = (size_t)version; err == SR_OK && m < sr_store_migration_count; m++) {
        for (size_t i = 0; err == SR_OK && i < sr_store_migrations[m].n; i++) {
            err = sr_store_exec(st, sr_store_migrations[m].stmts[i], NULL, 0, NULL, NULL, NULL);
        }
        struct sr_store_val v = sr_sv_int((int64_t)m + 1);
        if (err == SR_OK) {
            err = sr_store_exec(st, meta_set, &v, 1, NULL, NULL, NULL);
        }
    }
    if (err != SR_OK) {
        sr_store_rollback(st);
        return err == SR_ERR_EXISTS ? SR_ERR_STORE : err;
    }
    return sr_store_commit(st);
}

sr_err sr_store_open(const char *url, struct sr_store **out)
{
    SR_CHECK(url != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    const struct scheme *sc = NULL;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]) && !sc; i++) {
        if (strncmp(url, schemes[i].prefix, strlen(schemes[i].prefix)) == 0) {
            sc = &schemes[i];
        }
    }
    SR_CHECK(sc != NULL, SR_ERR_ARG);
    const char *target = sc->keep_prefix ? url : url + strlen(sc->prefix);
    SR_CHECK(*target != '\0', SR_ERR_ARG);

    struct sr_store *st = sr_calloc(1, sizeof(*st));
    SR_CHECK(st != NULL, SR_ERR_NOMEM);
    st->ops = sc->ops;
    sr_store_flusher_init(&st->flusher);
    sr_err err = st->ops->open(target, &st->db);
    if (err == SR_OK) {
        err = migrate(st);
    }
    if (err != SR_OK) {
        sr_store_close(st);
        return err;
    }
    *out = st;
    return SR_OK;
}

void sr_store_close(struct sr_store *st)
{
    if (st == NULL) {
        return;
    }
    if (st->in_txn) {
        sr_store_rollback(st);
    }
    if (st->db != NULL) {
        st->ops->close(st->db);
    }
    sr_store_flusher_cleanup(&st->flusher);
    sr_free(st);
}

/* The lock id of the sweeper election; any constant every node shares. */
#define SWEEPER_LOCK 0x7372737765657070LL

sr_err sr_store_sweeper_try_acquire(struct sr_store *st, bool *acquired)
{
    *acquired = false;
    return st->ops->try_lock(st->db, SWEEPER_LOCK, acquired);
}

const char *sr_store_backend(const struct sr_store *st)
{
    return st->ops->name;
}

static sr_err begin(struct sr_store *st, bool durable)
{
    SR_CHECK(!st->in_txn, SR_ERR_STATE);
    SR_TRY(st->ops->begin(st->db, durable));
    st->in_txn = true;
    st->txn_durable = durable;
    return SR_OK;
}

bool sr_store_in_txn(const struct sr_store *st)
{
    return st->in_txn;
}

sr_err sr_store_begin(struct sr_store *st)
{
    return begin(st, false);
}

sr_err sr_store_begin_durable(struct sr_store *st)
{
    return begin(st, true);
}

sr_err sr_store_commit(struct sr_store *st)
{
    SR_CHECK(st->in_txn, SR_ERR_STATE);
    sr_err err = st->ops->commit(st->db);
    if (err != SR_OK) {
        /* A failed COMMIT may leave the transaction open; end it so the handle is usable. */
        (void)st->ops->rollback(st->db);
    }
    st->in_txn = false;
    st->txn_durable = false;
    return err;
}

void sr_store_rollback(struct sr_store *st)
{
    if (!st->in_txn) {
        return;
    }
    (void)st->ops->rollback(st->db);
    st->in_txn = false;
    st->txn_durable = false;
}

sr_err sr_store_exec(struct sr_store *st, const char *sql, const struct sr_store_val *params,
                     size_t n, sr_store_row_fn row, void *arg, uint64_t *changes)
{
    return st->ops->exec(st->db, sql, params, n, row, arg, changes);
}

sr_err sr_store_exec_one(struct sr_store *st, const char *sql, const struct sr_store_val *params,
                         size_t n)
{
    uint64_t changes = 0;
    SR_TRY(sr_store_exec(st, sql, params, n, NULL, NULL, &changes));
    return changes == 0 ? SR_ERR_NOT_FOUND : SR_OK;
}

struct one {
    sr_store_decode_fn decode;
    void *out;
    bool seen;
};

static sr_err take_one(void *arg, const struct sr_store_val *cols, size_t n)
{
    struct one *o = arg;
    SR_CHECK(!o->seen, SR_ERR_STORE); /* the queries select by a key */
    o->seen = true;
    return o->decode(cols, n, o->out);
}

sr_err sr_store_get_one(struct sr_store *st, const char *sql, const struct sr_store_val *params,
                        size_t n, sr_store_decode_fn decode, void *out, size_t size)
{
    struct one o = { decode, out, false };
    memset(out, 0, size);
    sr_err err = sr_store_exec(st, sql, params, n, take_one, &o, NULL);
    if (err == SR_OK && !o.seen) {
        err = SR_ERR_NOT_FOUND;
    }
    if (err != SR_OK) {
        memset(out, 0, size);
    }
    return err;
}

struct many {
    sr_store_decode_fn decode;
    uint8_t *items;
    size_t count, cap, size, limit;
};

static sr_err take_many(void *arg, const struct sr_store_val *cols, size_t n)
{
    struct many *m = arg;
    SR_CHECK(m->count < m->limit, SR_ERR_STORE); /* every list query has a LIMIT */
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        size_t bytes;
        SR_CHECK(sr_size_mul(cap, m->size, &bytes), SR_ERR_LIMIT);
        uint8_t *p = sr_realloc(m->items, bytes);
        SR_CHECK(p != NULL, SR_ERR_NOMEM);
        m->items = p;
        m->cap = cap;
    }
    uint8_t *item = m->items + m->count * m->size;
    memset(item, 0, m->size);
    SR_TRY(m->decode(cols, n, item));
    m->count++;
    return SR_OK;
}

sr_err sr_store_get_list(struct sr_store *st, const char *sql, const struct sr_store_val *params,
                         size_t n, sr_store_decode_fn decode, size_t size, size_t limit, void **out,
                         size_t *count)
{
    struct many m = { decode, NULL, 0, 0, size, limit };
    *out = NULL;
    *count = 0;
    sr_err err = sr_store_exec(st, sql, params, n, take_many, &m, NULL);
    if (err != SR_OK) {
        sr_free(m.items);
        return err;
    }
    *out = m.items;
    *count = m.count;
    return SR_OK;
}

void sr_store_free(void *list)
{
    sr_free(list);
}
