/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PostgreSQL backend over libpq, for several nodes sharing one database (KMS.md §8).
 * The portable SQL is rewritten once per statement (`?` to `$n`, INTEGER to BIGINT, BLOB to
 * BYTEA) and cached. Parameters and results travel in binary form, so integers and blobs
 * need no text parsing. PostgreSQL aborts a whole transaction on any error, where SQLite
 * fails only the statement; an INSERT inside a transaction therefore runs under a savepoint,
 * so a unique violation (SR_ERR_EXISTS) leaves the transaction usable, as with SQLite.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/alloc.h"
#include "store/store_int.h"

#define SQL_CACHE       64
#define MAX_PARAMS      20
#define MAX_COLS        20
#define MIGRATE_LOCK_ID "727365616c" /* any constant shared by every node */

/* PostgreSQL type OIDs (src/include/catalog/pg_type.dat); stable across releases. */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_VARCHAR = 1043
};

struct rewritten {
    const char *sql; /* the static portable text names the statement */
    char *pg;
};

struct pg {
    PGconn *conn;
    struct rewritten cache[SQL_CACHE];
    size_t n_cached;
    bool in_txn;
};

static void quiet(void *arg, const char *msg)
{
    (void)arg; /* NOTICEs ("relation exists, skipping") are not errors; keep stderr clean */
    (void)msg;
}

static void pg_close(void *db)
{
    struct pg *p = db;
    for (size_t i = 0; i < p->n_cached; i++) {
        sr_free(p->cache[i].pg);
    }
    PQfinish(p->conn);
    sr_free(p);
}

static sr_err pg_open(const char *url, void **out)
{
    struct pg *p = sr_calloc(1, sizeof(*p));
    SR_CHECK(p != NULL, SR_ERR_NOMEM);
    p->conn = PQconnectdb(url);
    if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
        pg_close(p);
        return SR_ERR_STORE;
    }
    PQsetNoticeProcessor(p->conn, quiet, NULL);
    *out = p;
    return SR_OK;
}

static bool word_at(const char *s, size_t i, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(s + i, w, n) != 0) {
        return false;
    }
    char before = i > 0 ? s[i - 1] : ' ', after = s[i + n];
    bool bw = (before >= 'A' && before <= 'Z') || (before >= 'a' && before <= 'z') || before == '_';
    bool aw = (after >= 'A' && after <= 'Z') || (after >= 'a' && after <= 'z') || after == '_';
    return !bw && !aw;
}

static const struct {
    const char *from, *to;
} words[] = {
    { "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY" },
    { "INTEGER", "BIGINT" },
    { "BLOB", "BYTEA" },
};

/* The portable text in PostgreSQL's dialect; quoted literals are copied as they are. */
static sr_err rewrite(const char *sql, char **out)
{
    size_t len = strlen(sql), cap;
    SR_CHECK(sr_size_mul(len, 4, &cap) && sr_size_add(cap, 1, &cap), SR_ERR_LIMIT);
    char *o = sr_malloc(cap);
    SR_CHECK(o != NULL, SR_ERR_NOMEM);
    size_t j = 0, n = 0;
    bool quoted = false;
    for (size_t i = 0; i < len;) {
        if (sql[i] == '\'') {
            quoted = !quoted;
        }
        size_t w = quoted ? sizeof(words) / sizeof(words[0]) : 0;
        for (; w < sizeof(words) / sizeof(words[0]) && !word_at(sql, i, words[w].from); w++) {
        }
        if (w < sizeof(words) / sizeof(words[0])) {
            memcpy(o + j, words[w].to, strlen(words[w].to));
            j += strlen(words[w].to);
            i += strlen(words[w].from);
        } else if (!quoted && sql[i] == '?') {
            n++; /* at most MAX_PARAMS, so "$nn" fits the 4x budget */
            o[j++] = '$';
            if (n >= 10) {
                o[j++] = (char)('0' + n / 10);
            }
            o[j++] = (char)('0' + n % 10);
            i++;
        } else {
            o[j++] = sql[i++];
        }
    }
    o[j] = '\0';
    *out = o;
    return SR_OK;
}

/* The rewritten text; cached when there is room, else *tmp owns a copy the caller frees. */
static sr_err dialect(struct pg *p, const char *sql, const char **pg_sql, char **tmp)
{
    *tmp = NULL;
    for (size_t i = 0; i < p->n_cached; i++) {
        if (p->cache[i].sql == sql) {
            *pg_sql = p->cache[i].pg;
            return SR_OK;
        }
    }
    char *r = NULL;
    SR_TRY(rewrite(sql, &r));
    if (p->n_cached < SQL_CACHE) {
        p->cache[p->n_cached].sql = sql;
        p->cache[p->n_cached].pg = r;
        p->n_cached++;
    } else {
        *tmp = r;
    }
    *pg_sql = r;
    return SR_OK;
}

static sr_err map_result(PGresult *res)
{
    switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
        return SR_OK;
    case PGRES_FATAL_ERROR: {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        /* 23505 unique_violation; other integrity errors are bugs or bad schema use. */
        return state != NULL && strcmp(state, "23505") == 0 ? SR_ERR_EXISTS : SR_ERR_STORE;
    }
    default:
        return SR_ERR_STORE;
    }
}

static sr_err simple(struct pg *p, const char *sql)
{
    PGresult *res = PQexec(p->conn, sql);
    sr_err err = res == NULL ? SR_ERR_STORE : map_result(res);
    PQclear(res);
    return err;
}

static uint64_t be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | b[i];
    }
    return v;
}

static sr_err column(PGresult *res, int row, int col, struct sr_store_val *c)
{
    memset(c, 0, sizeof(*c));
    if (PQgetisnull(res, row, col)) {
        return SR_OK;
    }
    const uint8_t *v = (const uint8_t *)PQgetvalue(res, row, col);
    size_t len = (size_t)PQgetlength(res, row, col);
    switch (PQftype(res, col)) {
    case OID_INT8:
    case OID_INT4:
    case OID_INT2:
    case OID_BOOL: {
        SR_CHECK(len >= 1 && len <= 8, SR_ERR_STORE);
        uint8_t b[8];
        /* Sign-extend the big-endian value to 64 bits. */
        memset(b, (v[0] & 0x80) && len > 1 ? 0xff : 0, sizeof(b));
        memcpy(b + 8 - len, v, len);
        c->type = SR_SV_INT;
        c->i = (int64_t)be64(b);
        return SR_OK;
    }
    case OID_TEXT:
    case OID_VARCHAR:
        c->type = SR_SV_TEXT;
        c->b = sr_slice_of(v, len);
        return SR_OK;
    case OID_BYTEA:
        c->type = SR_SV_BLOB;
        c->b = sr_slice_of(v, len);
        return SR_OK;
    default:
        return SR_ERR_STORE;
    }
}

static sr_err rows_out(PGresult *res, sr_store_row_fn row, void *arg)
{
    int nrows = PQntuples(res), ncols = PQnfields(res);
    SR_CHECK(ncols <= MAX_COLS, SR_ERR_STORE);
    struct sr_store_val cols[MAX_COLS];
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            SR_TRY(column(res, r, c, &cols[c]));
        }
        SR_TRY(row(arg, cols, (size_t)ncols));
    }
    return SR_OK;
}

struct params {
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    unsigned int types[MAX_PARAMS];
    uint8_t ints[MAX_PARAMS][8];
};

static void encode(const struct sr_store_val *v, size_t n, struct params *pp)
{
    for (size_t i = 0; i < n; i++) {
        pp->formats[i] = 1;
        pp->types[i] = 0; /* NULL: let the server infer it from the context */
        pp->values[i] = NULL;
        pp->lengths[i] = 0;
        if (v[i].type == SR_SV_INT) {
            uint64_t x = (uint64_t)v[i].i;
            for (int b = 7; b >= 0; b--, x >>= 8) {
                pp->ints[i][b] = (uint8_t)x;
            }
            pp->types[i] = OID_INT8;
            pp->values[i] = (const char *)pp->ints[i];
            pp->lengths[i] = 8;
        } else if (v[i].type == SR_SV_TEXT || v[i].type == SR_SV_BLOB) {
            pp->types[i] = v[i].type == SR_SV_TEXT ? OID_TEXT : OID_BYTEA;
            pp->values[i] = v[i].b.p ? (const char *)v[i].b.p : "";
            pp->lengths[i] = (int)v[i].b.len;
        }
    }
}

static sr_err changes_of(PGresult *res, uint64_t *changes)
{
    const char *t = PQcmdTuples(res);
    char *end = NULL;
    unsigned long long v = strtoull(t, &end, 10);
    *changes = *t != '\0' && end != NULL && *end == '\0' ? (uint64_t)v : 0;
    return SR_OK;
}

static sr_err run(struct pg *p, const char *sql, const struct sr_store_val *params, size_t n,
                  sr_store_row_fn row, void *arg, uint64_t *changes)
{
    SR_CHECK(n <= MAX_PARAMS, SR_ERR_ARG);
    for (size_t i = 0; i < n; i++) {
        SR_CHECK(params[i].b.len <= (size_t)1 << 30, SR_ERR_LIMIT);
    }
    struct params pp;
    encode(params, n, &pp);
    PGresult *res =
            PQexecParams(p->conn, sql, (int)n, pp.types, pp.values, pp.lengths, pp.formats, 1);
    sr_err err = res == NULL ? SR_ERR_NOMEM : map_result(res);
    if (err == SR_OK && row != NULL) {
        err = rows_out(res, row, arg);
    }
    if (err == SR_OK && changes != NULL) {
        err = changes_of(res, changes);
    }
    PQclear(res);
    return err;
}

static sr_err pg_exec(void *db, const char *sql, const struct sr_store_val *params, size_t n,
                      sr_store_row_fn row, void *arg, uint64_t *changes)
{
    struct pg *p = db;
    const char *pg_sql = NULL;
    char *tmp = NULL;
    SR_TRY(dialect(p, sql, &pg_sql, &tmp));
    bool guard = p->in_txn && strncmp(sql, "INSERT", 6) == 0;
    sr_err err = guard ? simple(p, "SAVEPOINT sr_stmt") : SR_OK;
    if (err == SR_OK) {
        err = run(p, pg_sql, params, n, row, arg, changes);
        if (guard) {
            sr_err g = simple(p, err == SR_OK ? "RELEASE SAVEPOINT sr_stmt"
                                              : "ROLLBACK TO SAVEPOINT sr_stmt");
            err = err != SR_OK ? err : g;
        }
    }
    sr_free(tmp);
    return err;
}

static sr_err pg_begin(void *db, bool durable)
{
    struct pg *p = db;
    (void)durable; /* synchronous_commit is on by default: every COMMIT is flushed */
    SR_TRY(simple(p, "BEGIN"));
    p->in_txn = true;
    return SR_OK;
}

static sr_err pg_commit(void *db)
{
    struct pg *p = db;
    PGresult *res = PQexec(p->conn, "COMMIT");
    sr_err err = res == NULL ? SR_ERR_STORE : map_result(res);
    /* COMMIT of an aborted transaction "succeeds" with the status ROLLBACK. */
    if (err == SR_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        err = SR_ERR_STORE;
    }
    PQclear(res);
    p->in_txn = false;
    return err;
}

static sr_err pg_rollback(void *db)
{
    struct pg *p = db;
    p->in_txn = false;
    return simple(p, "ROLLBACK");
}

static sr_err pg_migrate_lock(void *db)
{
    /* Released at the end of the migration transaction; other openers wait here. */
    return simple(db, "SELECT pg_advisory_xact_lock(x'" MIGRATE_LOCK_ID "'::bigint)");
}

static sr_err read_bool(void *arg, const struct sr_store_val *c, size_t n)
{
    int64_t v = 0;
    SR_STORE_COLS(n, 1);
    SR_TRY(sr_store_col_int(&c[0], &v));
    *(bool *)arg = v != 0;
    return SR_OK;
}

static sr_err pg_try_lock(void *db, int64_t id, bool *got)
{
    /* A session lock: it stays with this connection, and so with this node, until close. */
    static const char *const sql = "SELECT pg_try_advisory_lock($1)";
    struct sr_store_val v = sr_sv_int(id);
    *got = false;
    return run(db, sql, &v, 1, read_bool, got, NULL);
}

const struct sr_store_ops sr_store_pg_ops = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .migrate_lock = pg_migrate_lock,
    .try_lock = pg_try_lock,
};
