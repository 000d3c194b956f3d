/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the store: the backend table (one file per backend, STYLE.md §1), the values that
 * cross it, and helpers the typed operations share. The SQL is portable (KMS.md §8): `?`
 * placeholders, INTEGER and BLOB types; the PostgreSQL backend rewrites the placeholders to
 * `$n`, INTEGER to BIGINT and BLOB to BYTEA, so one text serves both databases.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

enum sr_store_vtype {
    SR_SV_NULL = 0,
    SR_SV_INT = 1,
    SR_SV_TEXT = 2, /* b holds the UTF-8 bytes, not NUL-terminated */
    SR_SV_BLOB = 3,
};

/** A parameter or a result column; borrowed for the duration of one call. */
struct sr_store_val {
    enum sr_store_vtype type;
    int64_t i;
    struct sr_slice b;
};

/** Called once per result row; a non-SR_OK return stops the statement and is passed on. */
typedef sr_err (*sr_store_row_fn)(void *arg, const struct sr_store_val *cols, size_t n);

struct sr_store_ops {
    const char *name;
    /** Open the database named by `target` (the URL without "sqlite:" for SQLite). */
    sr_err (*open)(const char *target, void **db);
    void (*close)(void *db);
    /**
     * Run one statement. Rows go to `row` (may be NULL); *changes (may be NULL) gets the rows
     * an INSERT/UPDATE/DELETE touched. Unique and primary key violations are SR_ERR_EXISTS.
     */
    sr_err (*exec)(void *db, const char *sql, const struct sr_store_val *params, size_t n,
                   sr_store_row_fn row, void *arg, uint64_t *changes);
    /** Begin; `durable`: its commit must reach stable storage before returning. */
    sr_err (*begin)(void *db, bool durable);
    sr_err (*commit)(void *db);
    sr_err (*rollback)(void *db);
    /** Called first inside the migration transaction so concurrent openers take turns. */
    sr_err (*migrate_lock)(void *db);
    /** Try the node-wide lock named `id`, held until close; *got tells whether it is ours. */
    sr_err (*try_lock)(void *db, int64_t id, bool *got);
    /**
     * Put every transaction committed so far on stable storage. Called by one thread at a
     * time, possibly while another thread uses `db`, so it touches nothing the statements
     * use. NULL: every commit is durable already.
     */
    sr_err (*flush)(void *db);
};

extern const struct sr_store_ops sr_store_sqlite_ops;
extern const struct sr_store_ops sr_store_pg_ops;

/* Group commit (store_flush.c): commits counted, and how many of them are durable. */
struct sr_store_flusher {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t committed, flushed;
    bool flushing;
    sr_err failed; /* sticky: after a failed flush nothing more is called durable */
};

struct sr_store {
    const struct sr_store_ops *ops;
    void *db;
    bool in_txn;
    bool txn_durable; /* begun with sr_store_begin_durable: audit rows may join it */
    struct sr_store_flusher flusher;
};

/** Set up and tear down st->flusher (store_flush.c). */
void sr_store_flusher_init(struct sr_store_flusher *f);
void sr_store_flusher_cleanup(struct sr_store_flusher *f);
/** Count one commit that a flush must cover; its ticket for sr_store_flush_wait. */
uint64_t sr_store_flusher_note(struct sr_store *st);

/** The numbered migrations: migration i (1-based) is the statements sr_store_migrations[i-1]. */
struct sr_store_migration {
    const char *const *stmts;
    size_t n;
};
extern const struct sr_store_migration sr_store_migrations[];
extern const size_t sr_store_migration_count;

/* Parameter constructors. A NULL or "" string and a 0 time become SQL NULL where noted. */
struct sr_store_val sr_sv_int(int64_t v);
struct sr_store_val sr_sv_text(const char *s);                 /* NULL: SQL NULL */
struct sr_store_val sr_sv_text_opt(const char *s);             /* NULL or "": SQL NULL */
struct sr_store_val sr_sv_time(int64_t ms);                    /* 0: SQL NULL */
struct sr_store_val sr_sv_blob(const struct sr_store_blob *b); /* absent: SQL NULL */
struct sr_store_val sr_sv_bytes(const uint8_t *p, size_t n);

/** SR_ERR_LIMIT when `s` (not NULL) does not fit `cap` bytes with its NUL; SR_ERR_ARG for NULL. */
sr_err sr_store_check_str(const char *s, size_t cap);

/* Column readers: SR_ERR_STORE when the type is wrong or the value does not fit. */
sr_err sr_store_col_text(const struct sr_store_val *c, char *dst, size_t cap); /* NULL: "" */
sr_err sr_store_col_int(const struct sr_store_val *c, int64_t *out);           /* NULL: 0 */
sr_err sr_store_col_blob(const struct sr_store_val *c, struct sr_store_blob *out);
sr_err sr_store_col_fixed(const struct sr_store_val *c, uint8_t *dst, size_t len);

/** Run a statement in the handle's transaction or on its own. */
sr_err sr_store_exec(struct sr_store *st, const char *sql, const struct sr_store_val *params,
                     size_t n, sr_store_row_fn row, void *arg, uint64_t *changes);

/** Run a statement that must touch exactly one row; SR_ERR_NOT_FOUND when it touched none. */
sr_err sr_store_exec_one(struct sr_store *st, const char *sql, const struct sr_store_val *params,
                         size_t n);

/** Decode one row into the record at `out`. */
typedef sr_err (*sr_store_decode_fn)(const struct sr_store_val *cols, size_t n, void *out);

/** Fetch one row into `out` (zeroed first); SR_ERR_NOT_FOUND when there is none. */
sr_err sr_store_get_one(struct sr_store *st, const char *sql, const struct sr_store_val *params,
                        size_t n, sr_store_decode_fn decode, void *out, size_t size);

/** Fetch up to `limit` rows into a new array of records of `size` bytes each. */
sr_err sr_store_get_list(struct sr_store *st, const char *sql, const struct sr_store_val *params,
                         size_t n, sr_store_decode_fn decode, size_t size, size_t limit, void **out,
                         size_t *count);

/** Expect exactly `want` columns. */
#define SR_STORE_COLS(n, want) SR_CHECK((n) == (want), SR_ERR_STORE)

/* Argument checks: a NUL-terminated string that fits its field, else SR_ERR_LIMIT. */
#define SR_STORE_FIELD(s) SR_TRY(sr_store_check_str((s), sizeof(s)))
#define SR_STORE_ID(s)    SR_TRY(sr_store_check_str((s), SR_STORE_ID_MAX))
#define SR_STORE_NAME(s)  SR_TRY(sr_store_check_str((s), SR_STORE_NAME_MAX))
