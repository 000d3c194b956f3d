/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite backend, the embedded default (KMS.md §8): WAL journal so readers never block
 * the writer, synchronous=NORMAL, secure_delete=ON so shredded wrappings are overwritten in
 * the file, a busy timeout so a second handle waits instead of failing, and a small cache of
 * prepared statements keyed by the (static) SQL text. Write transactions start IMMEDIATE so
 * two writers queue on the busy timeout rather than deadlock on a lock upgrade.
 *
 * Group commit (store_flush.c): a transaction committed at synchronous=NORMAL is in the WAL
 * but not yet synced; lite_flush syncs the WAL file through a descriptor of its own, which
 * makes every such commit before it durable, exactly as synchronous=FULL would have at each
 * commit (SQLite replays the WAL's committed frames after a crash).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "store/store_int.h"

#define STMT_CACHE 48
#define BUSY_MS    5000

struct cached {
    const char *sql; /* the statement texts are static, so the pointer names the statement */
    sqlite3_stmt *stmt;
};

struct lite {
    sqlite3 *db;
    struct cached cache[STMT_CACHE];
    size_t n_cached;
    bool durable; /* the open transaction runs with synchronous=FULL */
    /* Only lite_flush touches these (one flusher at a time), and lite_close. */
    char *wal_path; /* NULL for an in-memory database */
    int wal_fd;     /* -1 until the first flush */
};

static sr_err map(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return SR_OK;
    case SQLITE_NOMEM:
        return SR_ERR_NOMEM;
    case SQLITE_TOOBIG:
        return SR_ERR_LIMIT;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
            return SR_ERR_EXISTS;
        }
        return SR_ERR_STORE;
    default:
        return SR_ERR_STORE;
    }
}

static sr_err simple(struct lite *l, const char *sql)
{
    return map(sqlite3_exec(l->db, sql, NULL, NULL, NULL));
}

static sr_err prepare(struct lite *l, const char *sql, sqlite3_stmt **stmt, bool *cached);

/*
 * BEGIN, COMMIT or ROLLBACK from the statement cache: sqlite3_exec would parse it again for
 * every transaction. Not for PRAGMA synchronous, which SQLite applies when it prepares the
 * statement, not when it steps it.
 */
static sr_err run_cached(struct lite *l, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    bool cached = false;
    SR_TRY(prepare(l, sql, &stmt, &cached));
    int rc = sqlite3_step(stmt);
    sr_err err = rc == SQLITE_DONE ? SR_OK : map(sqlite3_extended_errcode(l->db));
    err = rc != SQLITE_DONE && err == SR_OK ? SR_ERR_STORE : err;
    sqlite3_reset(stmt);
    if (!cached) {
        sqlite3_finalize(stmt);
    }
    return err;
}

/* Back to synchronous=NORMAL once a durable transaction has ended. */
static sr_err relax(struct lite *l)
{
    if (!l->durable) {
        return SR_OK;
    }
    l->durable = false;
    return simple(l, "PRAGMA synchronous=NORMAL");
}

static void lite_close(void *db)
{
    struct lite *l = db;
    for (size_t i = 0; i < l->n_cached; i++) {
        sqlite3_finalize(l->cache[i].stmt);
    }
    sqlite3_close_v2(l->db);
    if (l->wal_fd >= 0) {
        close(l->wal_fd);
    }
    sr_free(l->wal_path);
    sr_free(l);
}

/* The "-wal" file next to the database, or NULL for a database without one. */
static sr_err wal_path_of(struct lite *l)
{
    const char *main_path = sqlite3_db_filename(l->db, "main");
    if (main_path == NULL || main_path[0] == '\0') {
        return SR_OK;
    }
    size_t n = strlen(main_path);
    l->wal_path = sr_malloc(n + 5);
    SR_CHECK(l->wal_path != NULL, SR_ERR_NOMEM);
    memcpy(l->wal_path, main_path, n);
    memcpy(l->wal_path + n, "-wal", 5);
    return SR_OK;
}

/* The WAL's directory, synced once so the WAL's own name survives a crash. */
static sr_err sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    char *dir = sr_malloc(n + 1);
    SR_CHECK(dir != NULL, SR_ERR_NOMEM);
    memcpy(dir, slash == NULL ? "." : path, n);
    dir[n] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sr_free(dir);
    SR_CHECK(fd >= 0, SR_ERR_IO);
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? SR_OK : SR_ERR_IO;
}

/* Whether wal_fd is still the file at wal_path (SQLite deletes the WAL on last close). */
static bool wal_fd_current(const struct lite *l)
{
    struct stat a, b;
    return l->wal_fd >= 0 && fstat(l->wal_fd, &a) == 0 && stat(l->wal_path, &b) == 0 &&
           a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static sr_err lite_flush(void *db)
{
    struct lite *l = db;
    if (l->wal_path == NULL) {
        return SR_OK; /* nothing on disk to make durable */
    }
    if (!wal_fd_current(l)) {
        if (l->wal_fd >= 0) {
            close(l->wal_fd);
        }
        l->wal_fd = open(l->wal_path, O_RDONLY | O_CLOEXEC);
        SR_CHECK(l->wal_fd >= 0, SR_ERR_IO);
        SR_TRY(sync_dir_of(l->wal_path));
    }
    return fdatasync(l->wal_fd) == 0 ? SR_OK : SR_ERR_IO;
}

static sr_err lite_open(const char *path, void **out)
{
    struct lite *l = sr_calloc(1, sizeof(*l));
    SR_CHECK(l != NULL, SR_ERR_NOMEM);
    l->wal_fd = -1;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    sr_err err = map(sqlite3_open_v2(path, &l->db, flags, NULL));
    if (err == SR_OK) {
        sqlite3_extended_result_codes(l->db, 1);
        err = map(sqlite3_busy_timeout(l->db, BUSY_MS));
    }
    /* journal_mode answers with a row; sqlite3_exec ignores it, which is what we want. */
    static const char *const pragmas[] = {
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA secure_delete=ON",
        "PRAGMA foreign_keys=OFF",
    };
    for (size_t i = 0; err == SR_OK && i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
        err = simple(l, pragmas[i]);
    }
    if (err == SR_OK) {
        err = wal_path_of(l);
    }
    if (err != SR_OK) {
        lite_close(l);
        return err;
    }
    *out = l;
    return SR_OK;
}

static sr_err prepare(struct lite *l, const char *sql, sqlite3_stmt **stmt, bool *cached)
{
    for (size_t i = 0; i < l->n_cached; i++) {
        if (l->cache[i].sql == sql) {
            *stmt = l->cache[i].stmt;
            *cached = true;
            return SR_OK;
        }
    }
    SR_TRY(map(sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL)));
    *cached = l->n_cached < STMT_CACHE;
    if (*cached) {
        l->cache[l->n_cached].sql = sql;
        l->cache[l->n_cached].stmt = *stmt;
        l->n_cached++;
    }
    return SR_OK;
}

static sr_err bind(sqlite3_stmt *stmt, const struct sr_store_val *params, size_t n)
{
    SR_CHECK((int)n == sqlite3_bind_parameter_count(stmt), SR_ERR_ARG);
    for (size_t i = 0; i < n; i++) {
        int idx = (int)i + 1, rc;
        const struct sr_store_val *v = &params[i];
        switch (v->type) {
        case SR_SV_INT:
            rc = sqlite3_bind_int64(stmt, idx, v->i);
            break;
        case SR_SV_TEXT:
            rc = sqlite3_bind_text64(stmt, idx, (const char *)v->b.p, v->b.len, SQLITE_STATIC,
                                     SQLITE_UTF8);
            break;
        case SR_SV_BLOB:
            rc = sqlite3_bind_blob64(stmt, idx, v->b.p ? (const void *)v->b.p : "", v->b.len,
                                     SQLITE_STATIC);
            break;
        case SR_SV_NULL:
        default:
            rc = sqlite3_bind_null(stmt, idx);
            break;
        }
        SR_TRY(map(rc));
    }
    return SR_OK;
}

#define MAX_COLS 20

static sr_err row_out(sqlite3_stmt *stmt, sr_store_row_fn row, void *arg)
{
    struct sr_store_val cols[MAX_COLS];
    int n = sqlite3_column_count(stmt);
    SR_CHECK(n <= MAX_COLS, SR_ERR_STORE);
    for (int i = 0; i < n; i++) {
        struct sr_store_val *c = &cols[i];
        memset(c, 0, sizeof(*c));
        switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
            c->type = SR_SV_INT;
            c->i = sqlite3_column_int64(stmt, i);
            break;
        case SQLITE_TEXT:
            c->type = SR_SV_TEXT;
            c->b.p = sqlite3_column_text(stmt, i);
            c->b.len = (size_t)sqlite3_column_bytes(stmt, i);
            break;
        case SQLITE_BLOB:
            c->type = SR_SV_BLOB;
            c->b.p = sqlite3_column_blob(stmt, i);
            c->b.len = (size_t)sqlite3_column_bytes(stmt, i);
            break;
        case SQLITE_NULL:
            c->type = SR_SV_NULL;
            break;
        default:
            return SR_ERR_STORE; /* REAL: the schema has none */
        }
    }
    return row(arg, cols, (size_t)n);
}

static sr_err lite_exec(void *db, const char *sql, const struct sr_store_val *params, size_t n,
                        sr_store_row_fn row, void *arg, uint64_t *changes)
{
    struct lite *l = db;
    sqlite3_stmt *stmt = NULL;
    bool cached = false;
    SR_TRY(prepare(l, sql, &stmt, &cached));
    sr_err err = bind(stmt, params, n);
    while (err == SR_OK) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) {
            break;
        }
        if (rc != SQLITE_ROW) {
            err = map(sqlite3_extended_errcode(l->db));
            err = err == SR_OK ? SR_ERR_STORE : err;
            break;
        }
        if (row != NULL) {
            err = row_out(stmt, row, arg);
        }
    }
    if (err == SR_OK && changes != NULL) {
        *changes = (uint64_t)sqlite3_changes64(l->db);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (!cached) {
        sqlite3_finalize(stmt);
    }
    return err;
}

static sr_err lite_begin(void *db, bool durable)
{
    struct lite *l = db;
    /* An audit row must be on disk before the response leaves (KMS.md §8). In WAL mode
     * synchronous=FULL syncs the WAL at commit, NORMAL defers it to a checkpoint; SQLite
     * only lets the level change outside a transaction, hence here and not at commit. */
    if (durable) {
        SR_TRY(simple(l, "PRAGMA synchronous=FULL"));
        l->durable = true;
    }
    sr_err err = run_cached(l, "BEGIN IMMEDIATE");
    if (err != SR_OK) {
        (void)relax(l);
    }
    return err;
}

static sr_err lite_commit(void *db)
{
    struct lite *l = db;
    sr_err err = run_cached(l, "COMMIT");
    if (err == SR_OK) {
        err = relax(l);
    }
    return err;
}

static sr_err lite_rollback(void *db)
{
    struct lite *l = db;
    sr_err err = run_cached(l, "ROLLBACK");
    sr_err err2 = relax(l);
    return err != SR_OK ? err : err2;
}

static sr_err lite_migrate_lock(void *db)
{
    (void)db; /* BEGIN IMMEDIATE already holds the write lock */
    return SR_OK;
}

static sr_err lite_try_lock(void *db, int64_t id, bool *got)
{
    (void)db; /* an embedded database has one node: it always holds its own locks */
    (void)id;
    *got = true;
    return SR_OK;
}

const struct sr_store_ops sr_store_sqlite_ops = {
    .name = "sqlite",
    .open = lite_open,
    .close = lite_close,
    .exec = lite_exec,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .migrate_lock = lite_migrate_lock,
    .try_lock = lite_try_lock,
    .flush = lite_flush,
};
