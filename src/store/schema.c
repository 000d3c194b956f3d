/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The numbered schema migrations (KMS.md §8), in portable SQL: TEXT, INTEGER (64-bit), BLOB,
 * times in ms since the epoch. The PostgreSQL backend rewrites INTEGER to BIGINT, BLOB to
 * BYTEA and "INTEGER PRIMARY KEY AUTOINCREMENT" to "BIGSERIAL PRIMARY KEY". A migration is
 * never edited once released: later changes are new entries at the end.
 */
#include "store/store_int.h"

static const char *const v1[] = {
    "CREATE TABLE orgs(org_id TEXT PRIMARY KEY, region TEXT NOT NULL, cmk_mode TEXT NOT NULL,"
    " policy TEXT NOT NULL, generation INTEGER NOT NULL)",

    "CREATE TABLE principals(user_id TEXT PRIMARY KEY, org_id TEXT NOT NULL,"
    " kind TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL)",

    "CREATE TABLE cmks(uri TEXT PRIMARY KEY, org_id TEXT NULL, version INTEGER NOT NULL,"
    " provider TEXT NOT NULL, token_label TEXT NOT NULL, state TEXT NOT NULL,"
    " backup BLOB NULL, created INTEGER NOT NULL, state_changed INTEGER NOT NULL,"
    " UNIQUE(org_id, version))",

    /* KMS.md §7: exactly one active and at most one pending CMK per org (service CMK: ""). */
    "CREATE UNIQUE INDEX cmks_one_active ON cmks(COALESCE(org_id, '')) WHERE state = 'active'",
    "CREATE UNIQUE INDEX cmks_one_pending ON cmks(COALESCE(org_id, '')) WHERE state = 'pending'",

    "CREATE TABLE keks(kek_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, cmk_uri TEXT NOT NULL,"
    " period TEXT NOT NULL, wrapped BLOB NULL, wraps INTEGER NOT NULL, created INTEGER NOT NULL)",
    "CREATE INDEX keks_org_period ON keks(org_id, period)",
    "CREATE INDEX keks_cmk ON keks(cmk_uri)",

    "CREATE TABLE resources(uri TEXT PRIMARY KEY, org_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " created_by TEXT NOT NULL, created INTEGER NOT NULL, ttl INTEGER NOT NULL,"
    " expires INTEGER NULL, shredded_at INTEGER NULL)",
    "CREATE INDEX resources_expires ON resources(expires)",

    "CREATE TABLE keys(uri TEXT PRIMARY KEY, org_id TEXT NOT NULL, kek_id TEXT NOT NULL,"
    " wrapped BLOB NULL, created_by TEXT NOT NULL, client_id TEXT NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL, resource_uri TEXT NULL,"
    " bound_at INTEGER NULL, shredded_at INTEGER NULL)",
    "CREATE INDEX keys_resource ON keys(resource_uri, bound_at)",

    "CREATE TABLE authorizations(uri TEXT PRIMARY KEY, resource_uri TEXT NOT NULL,"
    " auth_id TEXT NOT NULL, role TEXT NOT NULL, created_by TEXT NOT NULL,"
    " created INTEGER NOT NULL, UNIQUE(resource_uri, auth_id))",
    "CREATE INDEX authorizations_auth_id ON authorizations(auth_id)",

    "CREATE TABLE org_key_versions(org_id TEXT NOT NULL, purpose TEXT NOT NULL,"
    " period TEXT NOT NULL, key_uri TEXT NOT NULL, PRIMARY KEY(org_id, purpose, period))",

    "CREATE TABLE holds(uri TEXT PRIMARY KEY, org_id TEXT NOT NULL, scope TEXT NOT NULL,"
    " target TEXT NOT NULL, reason TEXT NOT NULL, created_by TEXT NOT NULL,"
    " created INTEGER NOT NULL, released_at INTEGER NULL, released_by TEXT NULL)",
    "CREATE INDEX holds_org ON holds(org_id)",

    "CREATE TABLE channels(uri TEXT PRIMARY KEY, user_id TEXT NOT NULL, org_id TEXT NOT NULL,"
    " client_id TEXT NOT NULL, wrapped_key BLOB NOT NULL, created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL)",

    "CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
    " org_id TEXT NOT NULL, kind TEXT NOT NULL, uri TEXT NOT NULL)",

    "CREATE TABLE audit(chain TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " org_id TEXT NOT NULL, actor TEXT NOT NULL, actor_role TEXT NOT NULL,"
    " on_behalf_of TEXT NULL, method TEXT NOT NULL, uri TEXT NOT NULL, status INTEGER NOT NULL,"
    " error_code TEXT NULL, request_id TEXT NOT NULL, reason TEXT NULL, released TEXT NULL,"
    " prev_mac BLOB NOT NULL, mac BLOB NOT NULL, PRIMARY KEY(chain, seq))",
    "CREATE INDEX audit_org_ts ON audit(org_id, ts)",
};

const struct sr_store_migration sr_store_migrations[] = {
    { v1, sizeof(v1) / sizeof(v1[0]) },
};

const size_t sr_store_migration_count =
        sizeof(sr_store_migrations) / sizeof(sr_store_migrations[0]);
