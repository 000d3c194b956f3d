/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS engine end to end, sans-IO: a real client built from jose.h (handshake to the
 * static key, then dir+A256GCM requests under K) drives sr_kms_server_messages against a
 * SQLite store in a temp dir and the `file` CMK provider, with JWTs signed here (RS256 and
 * ES256 through cjose). Authorized users get keys; others get 403; bad tokens 401; tampered
 * or unknown-kid messages a signed 499 reset; replays 409; and after every refusal the
 * store's tables are as they were (only denials that reached a method add an audit row).
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjose/cjose.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "cmk_fixture.h"
#include "core/alloc.h"
#include "kms/jose_int.h"
#include "kms/proto.h"
#include "kms/server.h"

#define HOST    "kms.example.org"
#define CLUSTER "kms://" HOST
#define KID     CLUSTER "/static/1"
#define ISS     "https://idp.example.org"
#define T0      ((int64_t)1772442000000) /* 2026-03-02T09:00:00Z */

static char dir[256], db[300];
static struct sr_store *st;
static struct sr_kms_cmk_provider *prov;
static struct sr_kms_keywrap *kw;
static struct sr_jose_key *static_key, *static_pub;
static struct sr_kms_authn *authn;
static struct sr_kms_server *srv;
static cjose_jwk_t *rs_key, *ec_key, *rogue_key;
static int64_t now = T0;

/* One client: its bearer, clientId, channel URI and K. */
struct client {
    const char *user;
    char bearer[4096];
    char client_id[64];
    char ch_uri[SR_STORE_ID_MAX];
    struct sr_jose_key *k;
    char last[SR_JOSE_COMPACT_MAX]; /* the last sealed request, for replays */
};

static struct client alice, bob, carol, dave;

/* ---- JWTs ---------------------------------------------------------------------------- */

static void sign_jwt(const cjose_jwk_t *key, const char *alg, const char *kid, json_t *claims,
                     char *out, size_t cap)
{
    json_t *hdr = json_pack("{s:s,s:s,s:s}", "alg", alg, "kid", kid, "typ", "JWT");
    char *body = json_dumps(claims, JSON_COMPACT);
    cjose_jws_t *jws =
            cjose_jws_sign(key, (cjose_header_t *)hdr, (const uint8_t *)body, strlen(body), NULL);
    const char *ser = NULL;
    assert_non_null(jws);
    assert_true(cjose_jws_export(jws, &ser, NULL));
    assert_true(strlen(ser) < cap);
    memcpy(out, ser, strlen(ser) + 1);
    cjose_jws_release(jws);
    sr_free(body);
    json_decref(hdr);
    json_decref(claims);
}

static json_t *claims_for(const char *user, const char *aud, int64_t exp_s)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:[s]}", "iss", ISS, "sub", user, "aud", aud,
                     "org_id", "org-a", "exp", (json_int_t)exp_s, "iat", (json_int_t)(now / 1000),
                     "roles", "kms.user");
}

static void token(struct client *c, bool ec)
{
    sign_jwt(ec ? ec_key : rs_key, ec ? "ES256" : "RS256", ec ? "ec1" : "rs1",
             claims_for(c->user, CLUSTER, now / 1000 + 3600), c->bearer, sizeof(c->bearer));
}

static char *jwks_json(void)
{
    json_t *keys = json_array();
    const cjose_jwk_t *ks[] = { rs_key, ec_key };
    for (size_t i = 0; i < 2; i++) {
        char *j = cjose_jwk_to_json(ks[i], false, NULL);
        json_array_append_new(keys, json_loads(j, 0, NULL));
        sr_free(j);
    }
    json_t *doc = json_pack("{s:o}", "keys", keys);
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return s;
}

/* ---- store snapshot -------------------------------------------------------------------- */

struct counts {
    long keys, resources, authz, keks, audit;
};

static long count(sqlite3 *h, const char *table)
{
    char sql[128];
    sqlite3_stmt *q = NULL;
    (void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static struct counts snapshot(void)
{
    sqlite3 *h = NULL;
    struct counts c;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    c.keys = count(h, "keys");
    c.resources = count(h, "resources");
    c.authz = count(h, "authorizations");
    c.keks = count(h, "keks");
    c.audit = count(h, "audit");
    sqlite3_close(h);
    return c;
}

static void assert_unchanged(struct counts a, long audit_added)
{
    struct counts b = snapshot();
    assert_int_equal(a.keys, b.keys);
    assert_int_equal(a.resources, b.resources);
    assert_int_equal(a.authz, b.authz);
    assert_int_equal(a.keks, b.keks);
    assert_int_equal(a.audit + audit_added, b.audit);
}

/* ---- the client ------------------------------------------------------------------------ */

/* POST one compact message and return the compact answer (sr_free it). */
static char *post(const char *compact)
{
    struct sr_kms_http_reply r;
    json_t *body = json_pack("{s:s,s:[s]}", "destination", CLUSTER, "kmsMessages", compact);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_int_equal(sr_kms_server_messages(srv, sr_slice_of(text, strlen(text)), now, &r), SR_OK);
    sr_free(text);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loadb((const char *)r.body.p, r.body.len, 0, NULL);
    assert_non_null(doc);
    const char *ans = json_string_value(json_array_get(json_object_get(doc, "kmsMessages"), 0));
    assert_non_null(ans);
    char *copy = sr_malloc(strlen(ans) + 1);
    memcpy(copy, ans, strlen(ans) + 1);
    json_decref(doc);
    sr_buf_cleanup(&r.body);
    return copy;
}

/* The answer as JSON: a channel JWE under K, else a signed reset (status 499). */
static json_t *open_answer(struct client *c, const char *ans)
{
    json_t *p = NULL;
    if (c->k != NULL &&
        sr_jose_open(SR_JOSE_CHANNEL, ans, strlen(ans), c->k, c->ch_uri, &p, NULL) == SR_OK) {
        return p;
    }
    assert_int_equal(sr_jose_open(SR_JOSE_RESET, ans, strlen(ans), static_pub, KID, &p, NULL),
                     SR_OK);
    return p;
}

static void add_client(struct client *c, json_t *req)
{
    json_object_set_new(req, "client",
                        json_pack("{s:s,s:{s:s}}", "clientId", c->client_id, "credential", "bearer",
                                  c->bearer));
}

static void handshake(struct client *c)
{
    struct sr_jose_ec_pair pair;
    struct sr_secret k;
    char *pub = NULL, *msg = NULL;
    json_t *p = NULL;
    assert_int_equal(sr_jose_ecdh_generate(&pair), SR_OK);
    assert_int_equal(sr_jose_ecdh_public_jwk(&pair, &pub), SR_OK);
    json_t *req = json_pack("{s:s,s:s,s:s,s:o}", "method", "create", "uri", "/ecdhe", "requestId",
                            "hs-1", "jwk", json_loads(pub, 0, NULL));
    add_client(c, req);
    char *text = json_dumps(req, JSON_COMPACT);
    assert_int_equal(sr_jose_seal(SR_JOSE_HANDSHAKE_REQUEST, static_pub, KID,
                                  sr_slice_of(text, strlen(text)), &msg, NULL),
                     SR_OK);
    char *ans = post(msg);
    assert_int_equal(
            sr_jose_open(SR_JOSE_HANDSHAKE_RESPONSE, ans, strlen(ans), static_pub, KID, &p, NULL),
            SR_OK);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 201);
    const json_t *key = json_object_get(p, "key");
    assert_string_equal(json_string_value(json_object_get(key, "userId")), c->user);
    const char *uri = json_string_value(json_object_get(key, "uri"));
    assert_non_null(uri);
    memcpy(c->ch_uri, uri, strlen(uri) + 1);
    assert_int_equal(sr_jose_ecdh_derive(&pair, json_object_get(key, "jwk"), &k), SR_OK);
    sr_jose_key_free(c->k);
    assert_int_equal(sr_jose_key_oct(sr_secret_slice(&k), &c->k), SR_OK);
    sr_secret_cleanup(&k);
    sr_jose_ec_pair_cleanup(&pair);
    json_decref(p);
    json_decref(req);
    sr_free(text);
    sr_free(pub);
    sr_free(msg);
    sr_free(ans);
}

/* Send `req` (consumed) on c's channel; returns the answer payload. */
static json_t *call(struct client *c, json_t *req)
{
    char *msg = NULL;
    if (json_object_get(req, "client") == NULL) {
        add_client(c, req);
    }
    char *text = json_dumps(req, JSON_COMPACT);
    assert_int_equal(sr_jose_seal(SR_JOSE_CHANNEL, c->k, c->ch_uri, sr_slice_of(text, strlen(text)),
                                  &msg, NULL),
                     SR_OK);
    assert_true(strlen(msg) < sizeof(c->last));
    memcpy(c->last, msg, strlen(msg) + 1);
    char *ans = post(msg);
    json_t *p = open_answer(c, ans);
    sr_free(ans);
    sr_free(msg);
    sr_free(text);
    json_decref(req);
    return p;
}

static int64_t status_of(const json_t *p)
{
    if (json_object_get(p, "errorCode") != NULL) {
        char *t = json_dumps(p, JSON_COMPACT);
        print_message("answer: %s\n", t);
        sr_free(t);
    }
    return json_integer_value(json_object_get(p, "status"));
}

static const char *code_of(const json_t *p)
{
    const char *s = json_string_value(json_object_get(p, "errorCode"));
    return s != NULL ? s : "";
}

static json_t *retrieve(struct client *c, const char *uri)
{
    return call(c,
                json_pack("{s:s,s:s,s:s}", "method", "retrieve", "uri", uri, "requestId", "r-1"));
}

/* ---- setup ------------------------------------------------------------------------------ */

static void client_init(struct client *c, const char *user)
{
    memset(c, 0, sizeof(*c));
    c->user = user;
    (void)snprintf(c->client_id, sizeof(c->client_id), "dev-%s", user);
    token(c, false);
}

static int setup(void **state)
{
    static const uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN] = { 7 };
    char url[400], cmkdir[300], *pub = NULL;
    (void)state;
    if (fx_tmpdir(dir, sizeof(dir)) != 0) {
        return -1;
    }
    (void)snprintf(db, sizeof(db), "%s/kms.db", dir);
    (void)snprintf(url, sizeof(url), "sqlite:%s", db);
    (void)snprintf(cmkdir, sizeof(cmkdir), "%s/cmk", dir);
    rs_key = cjose_jwk_create_RSA_random(2048, (const uint8_t *)"\x01\x00\x01", 3, NULL);
    ec_key = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    rogue_key = cjose_jwk_create_RSA_random(2048, (const uint8_t *)"\x01\x00\x01", 3, NULL);
    if (mkdir(cmkdir, 0700) != 0 || rs_key == NULL || ec_key == NULL || rogue_key == NULL ||
        !cjose_jwk_set_kid(rs_key, "rs1", 3, NULL) || !cjose_jwk_set_kid(ec_key, "ec1", 3, NULL) ||
        sr_store_open(url, &st) != SR_OK ||
        sr_kms_cmk_provider_new_file(cmkdir, true, &prov) != SR_OK ||
        sr_kms_keywrap_new(16, SR_KMS_KEK_CACHE_TTL_MS, &kw) != SR_OK ||
        sr_jose_key_rsa_generate(2048, &static_key) != SR_OK ||
        sr_jose_key_export(static_key, false, &pub) != SR_OK ||
        sr_jose_key_import(pub, strlen(pub), &static_pub) != SR_OK ||
        sr_kms_authn_new(CLUSTER, &authn) != SR_OK) {
        return -1;
    }
    sr_free(pub);
    char *jwks = jwks_json();
    if (sr_kms_authn_set_issuer(authn, ISS, jwks, strlen(jwks)) != SR_OK) {
        return -1;
    }
    sr_free(jwks);
    struct sr_kms_server_config cfg = {
        .host = HOST,
        .region = "eu",
        .store = st,
        .cmk = prov,
        .keywrap = kw,
        .authn = authn,
        .static_key = static_key,
        .static_kid = KID,
        .audit_key = sr_slice_of(audit_key, sizeof(audit_key)),
        .audit_chain = "node-1",
        .handshakes_per_min = 100000,
        .requests_per_s = 100000,
    };
    if (sr_kms_server_new(&cfg, &srv) != SR_OK) {
        return -1;
    }
    client_init(&alice, "alice");
    client_init(&bob, "bob");
    client_init(&carol, "carol");
    client_init(&dave, "dave");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    struct client *cs[] = { &alice, &bob, &carol, &dave };
    for (size_t i = 0; i < 4; i++) {
        sr_jose_key_free(cs[i]->k);
    }
    sr_kms_server_free(srv);
    sr_kms_authn_free(authn);
    sr_jose_key_free(static_key);
    sr_jose_key_free(static_pub);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_provider_free(prov);
    sr_store_close(st);
    cjose_jwk_release(rs_key);
    cjose_jwk_release(ec_key);
    cjose_jwk_release(rogue_key);
    fx_rmtree(dir);
    return 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_details(void **state)
{
    struct sr_kms_http_reply r;
    (void)state;
    assert_int_equal(sr_kms_server_details(srv, &r), SR_OK);
    assert_int_equal(r.status, 200);
    json_t *d = json_loadb((const char *)r.body.p, r.body.len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(d, "kmsCluster")), CLUSTER);
    assert_string_equal(json_string_value(json_object_get(d, "cmkProvider")), "file");
    json_t *jwk = json_loads(json_string_value(json_object_get(d, "rsaPublicKey")), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "RSA");
    assert_null(json_object_get(jwk, "d"));
    json_decref(jwk);
    json_decref(d);
    sr_buf_cleanup(&r.body);
}

static json_t *create_keys(struct client *c, int n)
{
    json_t *p = call(c, json_pack("{s:s,s:s,s:s,s:i}", "method", "create", "uri", "/keys",
                                  "requestId", "k-1", "count", n));
    assert_int_equal(status_of(p), 201);
    assert_int_equal(json_array_size(json_object_get(p, "keys")), (size_t)n);
    return p;
}

static const char *key_uri(const json_t *keys, size_t i)
{
    return json_string_value(
            json_object_get(json_array_get(json_object_get(keys, "keys"), i), "uri"));
}

static const char *key_k(const json_t *key)
{
    return json_string_value(json_object_get(json_object_get(key, "jwk"), "k"));
}

static json_t *create_resource(struct client *c, const char *kind, json_t *auth_ids,
                               json_t *key_uris)
{
    return call(c, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "method", "create", "uri", "/resources",
                             "requestId", "res-1", "kind", kind, "authIds", auth_ids, "keyUris",
                             key_uris));
}

static const char *res_uri(const json_t *p)
{
    return json_string_value(json_object_get(json_object_get(p, "resource"), "uri"));
}

static void expect(json_t *p, int64_t status, const char *code)
{
    assert_int_equal(status_of(p), status);
    assert_string_equal(code_of(p), code);
    json_decref(p);
}

static void test_keys_and_resources(void **state)
{
    (void)state;
    handshake(&alice);
    handshake(&bob);
    handshake(&carol);
    json_t *keys = create_keys(&alice, 2);
    const char *k1 = key_uri(keys, 0), *k2 = key_uri(keys, 1);
    assert_true(strncmp(k1, CLUSTER "/keys/", strlen(CLUSTER "/keys/")) == 0);

    /* The creator reads an unbound key; nobody else does, and the refusal is audited. */
    json_t *p = retrieve(&alice, k1);
    assert_int_equal(status_of(p), 200);
    assert_string_equal(key_k(json_object_get(p, "key")),
                        key_k(json_array_get(json_object_get(keys, "keys"), 0)));
    json_decref(p);
    struct counts before = snapshot();
    expect(retrieve(&bob, k1), 403, "NOT_AUTHORIZED");
    assert_unchanged(before, 1);

    /* A meeting for bob binds k1; bob reads it, carol does not. */
    p = create_resource(&alice, "meeting", json_pack("[s]", "bob"), json_pack("[s]", k1));
    assert_int_equal(status_of(p), 201);
    char meeting[SR_STORE_ID_MAX];
    memcpy(meeting, res_uri(p), strlen(res_uri(p)) + 1);
    assert_int_equal(
            json_array_size(json_object_get(json_object_get(p, "resource"), "authorizationUris")),
            2);
    json_decref(p);
    p = retrieve(&bob, k1);
    assert_int_equal(status_of(p), 200);
    assert_string_equal(
            json_string_value(json_object_get(json_object_get(p, "key"), "resourceUri")), meeting);
    json_decref(p);
    before = snapshot();
    expect(retrieve(&carol, k1), 403, "NOT_AUTHORIZED");
    expect(retrieve(&carol, meeting), 403, "NOT_AUTHORIZED");
    assert_unchanged(before, 2);

    /* Bob (viral model) adds carol; carol reads; carol's authorization is removed again. */
    p = call(&bob,
             json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "method", "create", "uri", "/authorizations",
                       "requestId", "a-1", "resourceUri", meeting, "authIds", "carol"));
    assert_int_equal(status_of(p), 201);
    json_decref(p);
    p = retrieve(&carol, k1);
    assert_int_equal(status_of(p), 200);
    json_decref(p);
    char path[600];
    (void)snprintf(path, sizeof(path), "%s/authorizations?authId=carol", meeting);
    p = call(&carol,
             json_pack("{s:s,s:s,s:s}", "method", "delete", "uri", path, "requestId", "d-1"));
    assert_int_equal(status_of(p), 200);
    json_decref(p);
    expect(retrieve(&carol, k1), 403, "NOT_AUTHORIZED");

    /* Bind k2 with update; again is 200 unchanged; the resource lists both keys. */
    for (int i = 0; i < 2; i++) {
        p = call(&alice, json_pack("{s:s,s:s,s:s,s:s}", "method", "update", "uri", k2, "requestId",
                                   "b-1", "resourceUri", meeting));
        assert_int_equal(status_of(p), 200);
        json_decref(p);
    }
    (void)snprintf(path, sizeof(path), "%s/keys", meeting);
    p = call(&bob, json_pack("{s:s,s:s,s:s,s:i}", "method", "retrieve", "uri", path, "requestId",
                             "l-1", "count", 10));
    assert_int_equal(status_of(p), 200);
    assert_int_equal(json_array_size(json_object_get(p, "keys")), 2);
    assert_non_null(key_k(json_array_get(json_object_get(p, "keys"), 0)));
    json_decref(p);
    p = retrieve(&bob, meeting);
    assert_int_equal(status_of(p), 200);
    assert_int_equal(json_array_size(json_object_get(json_object_get(p, "resource"), "keyUris")),
                     2);
    json_decref(p);
    json_decref(keys);
}

static void test_inheritance_and_bulk(void **state)
{
    (void)state;
    handshake(&dave);
    json_t *space = create_resource(&alice, "space", json_pack("[s]", "dave"), json_array());
    assert_int_equal(status_of(space), 201);
    json_t *keys = create_keys(&alice, 1);
    json_t *p = create_resource(&alice, "meeting", json_pack("[s]", res_uri(space)),
                                json_pack("[s]", key_uri(keys, 0)));
    assert_int_equal(status_of(p), 201);
    char meeting[SR_STORE_ID_MAX];
    memcpy(meeting, res_uri(p), strlen(res_uri(p)) + 1);
    json_decref(p);
    /* Dave is in the space, and the meeting lists the space. */
    p = retrieve(&dave, key_uri(keys, 0));
    assert_int_equal(status_of(p), 200);
    json_decref(p);
    /* Bulk delete is atomic: one unknown authId deletes nothing. */
    struct counts before = snapshot();
    expect(call(&alice, json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "method", "delete", "uri",
                                  "/authorizations", "requestId", "bd-1", "resourceUri", meeting,
                                  "authIds", res_uri(space), "nobody")),
           404, "NOT_FOUND");
    assert_unchanged(before, 1);
    p = call(&alice,
             json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "method", "delete", "uri", "/authorizations",
                       "requestId", "bd-2", "resourceUri", meeting, "authIds", res_uri(space)));
    assert_int_equal(status_of(p), 200);
    json_decref(p);
    expect(retrieve(&dave, key_uri(keys, 0)), 403, "NOT_AUTHORIZED");
    /* A resource one may not use cannot be granted as an authId; nothing is made. */
    before = snapshot();
    expect(create_resource(&carol, "meeting", json_pack("[s]", res_uri(space)), json_array()), 403,
           "NOT_AUTHORIZED");
    assert_unchanged(before, 1);
    /* A key bound elsewhere fails the whole create. */
    before = snapshot();
    expect(create_resource(&alice, "meeting", json_pack("[s]", "bob"),
                           json_pack("[s]", key_uri(keys, 0))),
           409, "ALREADY_BOUND");
    assert_unchanged(before, 1);
    json_decref(keys);
    json_decref(space);
}

static json_t *ping(struct client *c)
{
    return call(c,
                json_pack("{s:s,s:s,s:s}", "method", "update", "uri", "/ping", "requestId", "p-1"));
}

static void test_tokens(void **state)
{
    (void)state;
    handshake(&alice);
    struct counts before = snapshot();
    char good[sizeof(alice.bearer)];
    memcpy(good, alice.bearer, sizeof(good));
    /* Expired, forged (a key the IdP never published, same kid), wrong audience. */
    sign_jwt(rs_key, "RS256", "rs1", claims_for("alice", CLUSTER, now / 1000 - 10), alice.bearer,
             sizeof(alice.bearer));
    expect(ping(&alice), 401, "TOKEN_EXPIRED");
    sign_jwt(rogue_key, "RS256", "rs1", claims_for("alice", CLUSTER, now / 1000 + 60), alice.bearer,
             sizeof(alice.bearer));
    expect(ping(&alice), 401, "TOKEN_INVALID");
    sign_jwt(rs_key, "RS256", "rs1", claims_for("alice", "kms://other", now / 1000 + 60),
             alice.bearer, sizeof(alice.bearer));
    expect(ping(&alice), 401, "TOKEN_INVALID");
    /* ES256 is accepted; another user's token on alice's channel is not. */
    token(&alice, true);
    expect(ping(&alice), 200, "");
    memcpy(alice.bearer, carol.bearer, sizeof(good));
    expect(ping(&alice), 401, "CHANNEL_MISMATCH");
    memcpy(alice.bearer, good, sizeof(good));
    assert_unchanged(before, 1);
    /* A handshake with a bad token gets a signed 401 and no channel. */
    size_t live = sr_kms_server_channels(srv, now);
    struct client eve;
    client_init(&eve, "eve");
    sign_jwt(rogue_key, "RS256", "rs1", claims_for("eve", CLUSTER, now / 1000 + 60), eve.bearer,
             sizeof(eve.bearer));
    struct sr_jose_ec_pair pair;
    char *pub = NULL, *msg = NULL;
    json_t *p = NULL;
    assert_int_equal(sr_jose_ecdh_generate(&pair), SR_OK);
    assert_int_equal(sr_jose_ecdh_public_jwk(&pair, &pub), SR_OK);
    json_t *req = json_pack("{s:s,s:s,s:s,s:o}", "method", "create", "uri", "/ecdhe", "requestId",
                            "hs-x", "jwk", json_loads(pub, 0, NULL));
    add_client(&eve, req);
    char *text = json_dumps(req, JSON_COMPACT);
    assert_int_equal(sr_jose_seal(SR_JOSE_HANDSHAKE_REQUEST, static_pub, KID,
                                  sr_slice_of(text, strlen(text)), &msg, NULL),
                     SR_OK);
    char *ans = post(msg);
    assert_int_equal(
            sr_jose_open(SR_JOSE_HANDSHAKE_RESPONSE, ans, strlen(ans), static_pub, KID, &p, NULL),
            SR_OK);
    expect(p, 401, "TOKEN_INVALID");
    assert_int_equal(sr_kms_server_channels(srv, now), live);
    sr_jose_ec_pair_cleanup(&pair);
    json_decref(req);
    sr_free(pub);
    sr_free(msg);
    sr_free(text);
    sr_free(ans);
}

static void test_channel_refusals(void **state)
{
    (void)state;
    handshake(&alice);
    expect(ping(&alice), 200, "");
    struct counts before = snapshot();
    /* Replay the exact message: 409 REPLAY under K. */
    char *ans = post(alice.last);
    expect(open_answer(&alice, ans), 409, "REPLAY");
    sr_free(ans);
    /* Flip a ciphertext character: the tag fails, a signed reset. */
    char tampered[sizeof(alice.last)];
    memcpy(tampered, alice.last, sizeof(tampered));
    char *ct = strrchr(tampered, '.') - 3;
    *ct = *ct == 'A' ? 'B' : 'A';
    ans = post(tampered);
    expect(open_answer(&alice, ans), 499, "RESET");
    sr_free(ans);
    /* A kid no channel has: reset. */
    struct client ghost = alice;
    uint8_t k[32] = { 1 };
    ghost.k = NULL;
    assert_int_equal(sr_jose_key_oct(sr_slice_of(k, sizeof(k)), &ghost.k), SR_OK);
    (void)snprintf(ghost.ch_uri, sizeof(ghost.ch_uri), "%s/ecdhe/unknown", CLUSTER);
    expect(ping(&ghost), 499, "RESET");
    sr_jose_key_free(ghost.k);
    /* Not JOSE at all: reset. */
    ans = post("not-a-jwe");
    expect(open_answer(&alice, ans), 499, "RESET");
    sr_free(ans);
    assert_unchanged(before, 0);
    /* An expired channel: reset; a new handshake works. */
    now += SR_KMS_CHANNEL_TTL_MS + 1;
    token(&alice, false);
    expect(ping(&alice), 499, "RESET");
    handshake(&alice);
    expect(ping(&alice), 200, "");
    /* delete /ecdhe/{id}: 204, then the channel is gone. */
    expect(call(&alice, json_pack("{s:s,s:s,s:s}", "method", "delete", "uri", alice.ch_uri,
                                  "requestId", "x-1")),
           204, "");
    expect(ping(&alice), 499, "RESET");
}

static void test_request_errors(void **state)
{
    (void)state;
    handshake(&alice);
    struct counts before = snapshot();
    expect(call(&alice, json_pack("{s:s,s:s,s:s,s:i}", "method", "create", "uri", "/keys",
                                  "requestId", "c-1", "count", 101)),
           413, "TOO_LARGE");
    expect(call(&alice, json_pack("{s:s,s:s,s:s,s:s}", "method", "create", "uri", "/keys",
                                  "requestId", "c-2", "count", "2")),
           400, "BAD_REQUEST");
    expect(call(&alice, json_pack("{s:s,s:s,s:s,s:i}", "method", "create", "uri", "/resources",
                                  "requestId", "c-3", "ttl", 5)),
           400, "TTL_RANGE");
    expect(call(&alice, json_pack("{s:s,s:s,s:s}", "method", "retrieve", "uri",
                                  "kms://other.example.org/keys/x", "requestId", "c-4")),
           421, "WRONG_KMS");
    expect(call(&alice, json_pack("{s:s,s:s,s:s}", "method", "frobnicate", "uri", "/keys",
                                  "requestId", "c-5")),
           400, "BAD_REQUEST");
    expect(retrieve(&alice, "/keys/00000000-0000-4000-8000-000000000000"), 404, "NOT_FOUND");
    assert_unchanged(before, 4);
    /* Binding after the unbound window: 422. */
    json_t *keys = create_keys(&alice, 1);
    json_t *res = create_resource(&alice, "space", json_array(), json_array());
    now += SR_KMS_UNBOUND_MS + 1;
    token(&alice, false);
    expect(call(&alice, json_pack("{s:s,s:s,s:s,s:s}", "method", "update", "uri", key_uri(keys, 0),
                                  "requestId", "b-9", "resourceUri", res_uri(res))),
           422, "KEY_EXPIRED");
    json_decref(keys);
    json_decref(res);
}

static void test_envelope(void **state)
{
    struct sr_kms_http_reply r;
    (void)state;
    static const char *const bodies[] = {
        "not json",
        "{\"destination\":\"kms://other\",\"kmsMessages\":[]}",
        "{\"destination\":\"" CLUSTER "\",\"kmsMessages\":[1]}",
        "{\"destination\":\"" CLUSTER "\",\"destination\":\"" CLUSTER "\",\"kmsMessages\":[]}",
    };
    static const int want[] = { 400, 421, 400, 400 };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_int_equal(
                sr_kms_server_messages(srv, sr_slice_of(bodies[i], strlen(bodies[i])), now, &r),
                SR_OK);
        assert_int_equal(r.status, want[i]);
        sr_buf_cleanup(&r.body);
    }
    json_t *many = json_array();
    for (int i = 0; i < SR_KMS_BATCH_MAX + 1; i++) {
        json_array_append_new(many, json_string("x"));
    }
    json_t *doc = json_pack("{s:s,s:o}", "destination", CLUSTER, "kmsMessages", many);
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_int_equal(sr_kms_server_messages(srv, sr_slice_of(text, strlen(text)), now, &r), SR_OK);
    assert_int_equal(r.status, 413);
    sr_buf_cleanup(&r.body);
    sr_free(text);
    json_decref(doc);
}

static void token_roles(struct client *c, const char *role)
{
    json_t *cl = claims_for(c->user, CLUSTER, now / 1000 + 3600);
    json_object_set_new(cl, "roles", json_pack("[s]", role));
    sign_jwt(rs_key, "RS256", "rs1", cl, c->bearer, sizeof(c->bearer));
}

static char *last_audit(const char *col)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    char sql[128];
    static char out[256];
    (void)snprintf(sql, sizeof(sql), "SELECT %s FROM audit ORDER BY ts DESC, seq DESC LIMIT 1",
                   col);
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    const unsigned char *v = sqlite3_column_text(q, 0);
    (void)snprintf(out, sizeof(out), "%s", v != NULL ? (const char *)v : "");
    sqlite3_finalize(q);
    sqlite3_close(h);
    return out;
}

static json_t *req4(struct client *c, const char *method, const char *uri, const char *reason)
{
    json_t *r = json_pack("{s:s,s:s,s:s}", "method", method, "uri", uri, "requestId", "z-1");
    if (reason != NULL) {
        json_object_set_new(r, "reason", json_string(reason));
    }
    return call(c, r);
}

static void test_compliance_holds_shred(void **state)
{
    struct client olga, adam;
    (void)state;
    client_init(&olga, "olga");
    client_init(&adam, "adam");
    token_roles(&olga, "kms.orgAgent");
    token_roles(&adam, "kms.orgAdmin");
    token(&alice, false);
    token(&bob, false);
    handshake(&alice);
    handshake(&bob);
    handshake(&olga);
    handshake(&adam);
    json_t *keys = create_keys(&alice, 1);
    const char *k = key_uri(keys, 0);
    json_t *res = create_resource(&alice, "space", json_pack("[s]", "bob"), json_pack("[s]", k));
    assert_int_equal(status_of(res), 201);
    json_decref(ping(&bob)); /* bob is now a known user of org-a */

    /* Rule (3): the org's compliance officer retrieves with a reason, audited as such. */
    expect(req4(&olga, "retrieve", k, NULL), 400, "REASON_REQUIRED");
    expect(req4(&olga, "retrieve", k, "case 12"), 200, "");
    assert_string_equal(last_audit("actor_role"), "compliance");
    /* onBehalfOf: as bob, retrieve only, and only for an orgAgent. */
    json_t *r = json_pack("{s:s,s:s,s:s,s:s}", "method", "retrieve", "uri", k, "requestId", "o-1",
                          "reason", "case 12");
    add_client(&olga, r);
    json_object_set_new(json_object_get(r, "client"), "onBehalfOf", json_string("bob"));
    char *text = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    expect(call(&olga, json_loads(text, 0, NULL)), 200, "");
    assert_string_equal(last_audit("on_behalf_of"), "bob");
    /* Not for others: bob cannot act on behalf of alice. */
    json_t *nb = json_loads(text, 0, NULL);
    add_client(&bob, nb);
    json_object_set_new(json_object_get(nb, "client"), "onBehalfOf", json_string("alice"));
    expect(call(&bob, nb), 403, "NOT_AUTHORIZED");
    sr_free(text);

    /* A resource hold blocks shredding its key until released. */
    json_t *h = call(&olga, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "method", "create", "uri",
                                      "/holds", "requestId", "h-1", "scope", "resource", "target",
                                      res_uri(res), "reason", "litigation"));
    assert_int_equal(status_of(h), 201);
    const char *hold = json_string_value(json_object_get(json_object_get(h, "hold"), "uri"));
    expect(req4(&bob, "delete", k, "cleanup"), 403, "NOT_AUTHORIZED");
    expect(req4(&adam, "delete", k, NULL), 400, "REASON_REQUIRED");
    struct counts before = snapshot();
    expect(req4(&adam, "delete", k, "cleanup"), 409, "LEGAL_HOLD");
    assert_unchanged(before, 1);
    expect(req4(&olga, "delete", hold, "settled"), 200, "");
    expect(req4(&olga, "delete", hold, "settled"), 409, "CONFLICT");
    json_decref(h);
    expect(req4(&adam, "delete", k, "cleanup"), 200, "");
    expect(retrieve(&bob, k), 410, "SHREDDED");
    expect(req4(&adam, "delete", res_uri(res), "cleanup"), 200, "");
    expect(retrieve(&bob, res_uri(res)), 410, "SHREDDED");
    json_decref(res);
    json_decref(keys);
    sr_jose_key_free(olga.k);
    sr_jose_key_free(adam.k);
}

static void set_cmk(const char *from, const char *to)
{
    struct sr_store_cmk *list = NULL;
    size_t n = 0;
    assert_int_equal(sr_store_cmk_list(st, "org-a", &list, &n), SR_OK);
    assert_true(n >= 1);
    assert_int_equal(sr_store_cmk_set_state(st, list[0].uri, from, to, now), SR_OK);
    sr_store_free(list);
}

static void test_revoked_cmk(void **state)
{
    (void)state;
    handshake(&alice);
    json_t *keys = create_keys(&alice, 1);
    set_cmk("active", "revoked");
    expect(retrieve(&alice, key_uri(keys, 0)), 503, "CMK_REVOKED");
    expect(call(&alice,
                json_pack("{s:s,s:s,s:s}", "method", "create", "uri", "/keys", "requestId", "k-9")),
           503, "CMK_REVOKED");
    expect(ping(&alice), 200, "");
    set_cmk("revoked", "active");
    expect(retrieve(&alice, key_uri(keys, 0)), 200, "");
    json_decref(keys);
}

static json_t *policy_call(struct client *c, const char *method, json_t *policy)
{
    json_t *r = json_pack("{s:s,s:s,s:s}", "method", method, "uri", "/orgs/org-a/policy",
                          "requestId", "pol-1");
    if (policy != NULL) {
        json_object_set_new(r, "policy", policy);
    }
    return call(c, r);
}

static void test_policy_and_audit(void **state)
{
    struct client olga, adam;
    (void)state;
    client_init(&olga, "olga");
    client_init(&adam, "adam");
    token_roles(&olga, "kms.orgAgent");
    token_roles(&adam, "kms.orgAdmin");
    token(&alice, false);
    token(&bob, false);
    handshake(&olga);
    handshake(&adam);
    handshake(&alice);
    handshake(&bob);
    json_t *p = policy_call(&adam, "retrieve", NULL);
    assert_int_equal(status_of(p), 200);
    assert_int_equal(
            json_integer_value(json_object_get(json_object_get(p, "policy"), "keyLifetime")),
            86400);
    json_decref(p);
    p = policy_call(&adam, "update",
                    json_pack("{s:I,s:[s],s:{s:i}}", "keyLifetime", (json_int_t)7200, "services",
                              "indexer", "retention", "meeting", 30));
    assert_int_equal(status_of(p), 200);
    json_decref(p);
    struct counts before = snapshot();
    expect(policy_call(&adam, "update", json_pack("{s:[s]}", "services", "bogus")), 400,
           "BAD_REQUEST");
    expect(policy_call(&adam, "update", json_pack("{s:i}", "keyLifetime", 1)), 400, "BAD_REQUEST");
    expect(policy_call(&bob, "update", json_pack("{s:i}", "keyLifetime", 3600)), 403,
           "NOT_AUTHORIZED");
    expect(policy_call(&olga, "update", json_pack("{s:i}", "keyLifetime", 3600)), 403,
           "NOT_AUTHORIZED");
    assert_unchanged(before, 4);
    p = policy_call(&olga, "retrieve", NULL);
    assert_int_equal(
            json_integer_value(json_object_get(json_object_get(p, "policy"), "keyLifetime")), 7200);
    json_decref(p);

    /* A bind now lasts the policy's key lifetime. */
    json_t *keys = create_keys(&alice, 1);
    json_t *res =
            create_resource(&alice, "meeting", json_array(), json_pack("[s]", key_uri(keys, 0)));
    p = retrieve(&alice, key_uri(keys, 0));
    const json_t *key = json_object_get(p, "key");
    int64_t bound = 0, expires = 0;
    assert_int_equal(sr_kms_time_parse(json_string_value(json_object_get(key, "bindDate")), &bound),
                     SR_OK);
    assert_int_equal(
            sr_kms_time_parse(json_string_value(json_object_get(key, "expirationDate")), &expires),
            SR_OK);
    assert_int_equal(expires - bound, 7200 * 1000);
    json_decref(p);
    json_decref(res);
    json_decref(keys);

    /* The audit export pages with a cursor and never carries key material. */
    expect(call(&bob, json_pack("{s:s,s:s,s:s}", "method", "retrieve", "uri", "/audit", "requestId",
                                "au-0")),
           403, "NOT_AUTHORIZED");
    expect(call(&olga, json_pack("{s:s,s:s,s:s,s:i}", "method", "retrieve", "uri", "/audit",
                                 "requestId", "au-1", "limit", 1001)),
           413, "TOO_LARGE");
    p = call(&olga, json_pack("{s:s,s:s,s:s,s:i}", "method", "retrieve", "uri", "/audit",
                              "requestId", "au-2", "limit", 5));
    assert_int_equal(status_of(p), 200);
    assert_int_equal(json_array_size(json_object_get(p, "entries")), 5);
    const char *cursor = json_string_value(json_object_get(p, "nextCursor"));
    assert_non_null(cursor);
    json_t *q =
            call(&olga, json_pack("{s:s,s:s,s:s,s:i,s:s}", "method", "retrieve", "uri", "/audit",
                                  "requestId", "au-3", "limit", 1000, "cursor", cursor));
    assert_int_equal(status_of(q), 200);
    size_t rest = json_array_size(json_object_get(q, "entries"));
    assert_true(rest > 20);
    assert_int_not_equal(json_integer_value(json_object_get(
                                 json_array_get(json_object_get(q, "entries"), 0), "seq")),
                         json_integer_value(json_object_get(
                                 json_array_get(json_object_get(p, "entries"), 0), "seq")));
    char *text = json_dumps(q, JSON_COMPACT);
    assert_null(strstr(text, "\"jwk\""));
    assert_null(strstr(text, "eyJ")); /* no token either */
    sr_free(text);
    json_decref(p);
    json_decref(q);
    sr_jose_key_free(olga.k);
    sr_jose_key_free(adam.k);
}

static json_t *cmk_call(struct client *c, const char *method, const char *uri, json_t *extra)
{
    json_t *r = json_pack("{s:s,s:s,s:s,s:s}", "method", method, "uri", uri, "requestId", "cmk-1",
                          "assignedOrgId", "org-a");
    if (extra != NULL) {
        json_object_update(r, extra);
        json_decref(extra);
    }
    return call(c, r);
}

static const char *cmk_uri_of(const json_t *p)
{
    return json_string_value(json_object_get(json_object_get(p, "customerMasterKey"), "uri"));
}

/* The customer's side of BYOK: RSA-OAEP-SHA-256 of a 32-byte key to /publicKey, base64url. */
static char *byok_upload(const json_t *jwk)
{
    struct sr_buf n, e, ct, b64;
    struct sr_rsa_key *pub = NULL;
    uint8_t cmk[32];
    memset(cmk, 0x5a, sizeof(cmk));
    sr_buf_init(&n, 0, 0);
    sr_buf_init(&e, 0, 0);
    sr_buf_init(&ct, 0, 0);
    sr_buf_init(&b64, 0, 0);
    const char *ns = json_string_value(json_object_get(jwk, "n"));
    const char *es = json_string_value(json_object_get(jwk, "e"));
    assert_int_equal(sr_jose_b64_decode(sr_slice_of(ns, strlen(ns)), &n), SR_OK);
    assert_int_equal(sr_jose_b64_decode(sr_slice_of(es, strlen(es)), &e), SR_OK);
    assert_int_equal(sr_rsa_public_from_ne(sr_buf_slice(&n), sr_buf_slice(&e), &pub), SR_OK);
    assert_int_equal(sr_rsa_oaep_sha256_encrypt(pub, sr_slice_of(cmk, sizeof(cmk)), &ct), SR_OK);
    assert_int_equal(sr_jose_b64_encode(sr_buf_slice(&ct), &b64), SR_OK);
    assert_int_equal(sr_buf_append(&b64, "", 1), SR_OK);
    char *out = sr_malloc(b64.len);
    memcpy(out, b64.p, b64.len);
    sr_rsa_key_free(pub);
    sr_buf_cleanup(&n);
    sr_buf_cleanup(&e);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&b64);
    return out;
}

static void test_cmk_admin(void **state)
{
    struct client adam;
    (void)state;
    client_init(&adam, "adam");
    token_roles(&adam, "kms.orgAdmin");
    token(&alice, false);
    token(&bob, false);
    handshake(&adam);
    handshake(&alice);
    handshake(&bob);
    json_t *keys = create_keys(&alice, 1);
    const char *k = key_uri(keys, 0);
    expect(cmk_call(&bob, "create", "/cmk", NULL), 403, "NOT_AUTHORIZED");

    /* Rotation: a generated CMK is active at once; the old one's KEKs are re-wrapped. */
    json_t *p = cmk_call(&adam, "create", "/cmk", NULL);
    assert_int_equal(status_of(p), 201);
    char gen[SR_STORE_ID_MAX];
    memcpy(gen, cmk_uri_of(p), strlen(cmk_uri_of(p)) + 1);
    json_decref(p);
    p = cmk_call(&adam, "retrieve", "/cmk", NULL);
    const json_t *list = json_object_get(p, "customerMasterKeys");
    assert_true(json_array_size(list) >= 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "state")),
                        "active");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "state")),
                        "retired");
    char retired[SR_STORE_ID_MAX];
    const char *ru = json_string_value(json_object_get(json_array_get(list, 1), "uri"));
    memcpy(retired, ru, strlen(ru) + 1);
    json_decref(p);
    expect(retrieve(&alice, k), 200, "");

    /* The kill switch and back. */
    expect(cmk_call(&adam, "update", gen, json_pack("{s:s}", "state", "revoked")), 200, "");
    expect(retrieve(&alice, k), 503, "CMK_REVOKED");
    expect(cmk_call(&adam, "update", gen, json_pack("{s:s}", "keyState", "active")), 200, "");
    expect(retrieve(&alice, k), 200, "");
    expect(cmk_call(&adam, "update", gen, json_pack("{s:s}", "state", "bogus")), 409, "CONFLICT");

    /* BYOK: upload to /publicKey, pending until activated; one pending at a time. */
    p = cmk_call(&adam, "retrieve", "/publicKey", NULL);
    assert_int_equal(status_of(p), 200);
    char *upload = byok_upload(json_object_get(p, "publicKey"));
    json_decref(p);
    expect(cmk_call(&adam, "create", "/cmk", json_pack("{s:s}", "customerMasterKey", "AAAA")), 400,
           "BAD_REQUEST");
    p = cmk_call(&adam, "create", "/cmk", json_pack("{s:s}", "customerMasterKey", upload));
    assert_int_equal(status_of(p), 201);
    assert_string_equal(
            json_string_value(json_object_get(json_object_get(p, "customerMasterKey"), "state")),
            "pending");
    char byok[SR_STORE_ID_MAX];
    memcpy(byok, cmk_uri_of(p), strlen(cmk_uri_of(p)) + 1);
    json_decref(p);
    expect(cmk_call(&adam, "create", "/cmk", json_pack("{s:s}", "customerMasterKey", upload)), 409,
           "CONFLICT");
    expect(cmk_call(&adam, "update", byok, json_pack("{s:s}", "state", "active")), 200, "");
    expect(retrieve(&alice, k), 200, "");
    json_t *more = create_keys(&alice, 1);
    expect(retrieve(&alice, key_uri(more, 0)), 200, "");
    /* A retired CMK may be deleted. */
    expect(cmk_call(&adam, "update", retired, json_pack("{s:s}", "state", "deleted")), 200, "");
    sr_free(upload);
    json_decref(more);
    json_decref(keys);
    sr_jose_key_free(adam.k);
}

/* Seal `req` (consumed) on c's channel into a batch body (sr_free it). */
static char *sealed_body(struct client *c, json_t *req)
{
    char *msg = NULL;
    add_client(c, req);
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    assert_int_equal(sr_jose_seal(SR_JOSE_CHANNEL, c->k, c->ch_uri, sr_slice_of(text, strlen(text)),
                                  &msg, NULL),
                     SR_OK);
    json_t *body = json_pack("{s:s,s:[s]}", "destination", CLUSTER, "kmsMessages", msg);
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    sr_free(text);
    sr_free(msg);
    return out;
}

/* Each allocation of a request failing in turn: no crash, no leak, a clean answer or NOMEM. */
static void test_alloc_failures(void **state)
{
    (void)state;
    token(&alice, false);
    handshake(&alice);
    json_t *keys = create_keys(&alice, 1);
    json_t *res = create_resource(&alice, "space", json_pack("[s]", "bob"),
                                  json_pack("[s]", key_uri(keys, 0)));
    const char *ops[][2] = { { "create", "/keys" },
                             { "retrieve", key_uri(keys, 0) },
                             { "retrieve", res_uri(res) } };
    for (size_t op = 0; op < 3; op++) {
        bool hit = true;
        for (long i = 0; hit && i < 2000; i++) {
            char *body = sealed_body(&alice, json_pack("{s:s,s:s,s:s}", "method", ops[op][0], "uri",
                                                       ops[op][1], "requestId", "af"));
            struct sr_kms_http_reply r;
            sr_alloc_fail_at(i);
            sr_err err = sr_kms_server_messages(srv, sr_slice_of(body, strlen(body)), now, &r);
            hit = sr_alloc_failed();
            sr_alloc_fail_at(-1);
            assert_true(err == SR_OK || err == SR_ERR_NOMEM);
            if (err == SR_OK) {
                assert_int_equal(r.status, 200);
                sr_buf_cleanup(&r.body);
            }
            sr_free(body);
        }
        assert_false(hit);
    }
    expect(ping(&alice), 200, "");
    /* The handshake too: a failed one leaves no channel behind. */
    bool hit = true;
    for (long i = 0; hit && i < 2000; i++) {
        struct sr_jose_ec_pair pair;
        char *pub = NULL, *msg = NULL;
        assert_int_equal(sr_jose_ecdh_generate(&pair), SR_OK);
        assert_int_equal(sr_jose_ecdh_public_jwk(&pair, &pub), SR_OK);
        json_t *req = json_pack("{s:s,s:s,s:s,s:o}", "method", "create", "uri", "/ecdhe",
                                "requestId", "hs-af", "jwk", json_loads(pub, 0, NULL));
        add_client(&alice, req);
        char *text = json_dumps(req, JSON_COMPACT);
        assert_int_equal(sr_jose_seal(SR_JOSE_HANDSHAKE_REQUEST, static_pub, KID,
                                      sr_slice_of(text, strlen(text)), &msg, NULL),
                         SR_OK);
        size_t live = sr_kms_server_channels(srv, now);
        char *ans = NULL;
        sr_alloc_fail_at(i);
        sr_err err = sr_kms_server_message(srv, msg, strlen(msg), now, &ans);
        hit = sr_alloc_failed();
        sr_alloc_fail_at(-1);
        assert_true(err == SR_OK || err == SR_ERR_NOMEM);
        if (err != SR_OK) {
            assert_int_equal(sr_kms_server_channels(srv, now), live);
        }
        sr_free(ans);
        sr_jose_ec_pair_cleanup(&pair);
        json_decref(req);
        sr_free(pub);
        sr_free(msg);
        sr_free(text);
    }
    assert_false(hit);
    json_decref(res);
    json_decref(keys);
}

/* A second engine on the same store with tight limits: the 3rd handshake in a minute and the
 * 3rd request in a second get 429; the windows reopen. */
static void test_rate_limits(void **state)
{
    static const uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN] = { 7 };
    struct sr_kms_server *main_srv = srv;
    struct sr_kms_server_config cfg = {
        .host = HOST,
        .region = "eu",
        .store = st,
        .cmk = prov,
        .keywrap = kw,
        .authn = authn,
        .static_key = static_key,
        .static_kid = KID,
        .audit_key = sr_slice_of(audit_key, sizeof(audit_key)),
        .audit_chain = "node-1",
        .handshakes_per_min = 2,
        .requests_per_s = 2,
    };
    (void)state;
    assert_int_equal(sr_kms_server_new(&cfg, &srv), SR_OK);
    token(&alice, false);
    handshake(&alice);
    handshake(&alice);
    expect(ping(&alice), 200, "");
    expect(ping(&alice), 200, "");
    expect(ping(&alice), 429, "RATE_LIMITED");
    now += 1000;
    expect(ping(&alice), 200, "");
    /* The third handshake: a signed 429. */
    struct sr_jose_ec_pair pair;
    char *pub = NULL, *msg = NULL;
    json_t *p = NULL;
    assert_int_equal(sr_jose_ecdh_generate(&pair), SR_OK);
    assert_int_equal(sr_jose_ecdh_public_jwk(&pair, &pub), SR_OK);
    json_t *req = json_pack("{s:s,s:s,s:s,s:o}", "method", "create", "uri", "/ecdhe", "requestId",
                            "hs-3", "jwk", json_loads(pub, 0, NULL));
    add_client(&alice, req);
    char *text = json_dumps(req, JSON_COMPACT);
    assert_int_equal(sr_jose_seal(SR_JOSE_HANDSHAKE_REQUEST, static_pub, KID,
                                  sr_slice_of(text, strlen(text)), &msg, NULL),
                     SR_OK);
    char *ans = post(msg);
    assert_int_equal(
            sr_jose_open(SR_JOSE_HANDSHAKE_RESPONSE, ans, strlen(ans), static_pub, KID, &p, NULL),
            SR_OK);
    expect(p, 429, "RATE_LIMITED");
    now += 60 * 1000;
    token(&alice, false);
    handshake(&alice);
    sr_jose_ec_pair_cleanup(&pair);
    json_decref(req);
    sr_free(pub);
    sr_free(msg);
    sr_free(text);
    sr_free(ans);
    sr_kms_server_free(srv);
    srv = main_srv;
    handshake(&alice);
}

static void test_sweep(void **state)
{
    struct client adam, olga;
    (void)state;
    client_init(&adam, "adam");
    client_init(&olga, "olga");
    token_roles(&adam, "kms.orgAdmin");
    token_roles(&olga, "kms.orgAgent");
    token(&alice, false);
    token(&bob, false);
    handshake(&adam);
    handshake(&olga);
    handshake(&alice);
    handshake(&bob);
    expect(policy_call(&adam, "update",
                       json_pack("{s:{s:i},s:i}", "retention", "meeting", 1, "keyLifetime", 3600)),
           200, "");
    json_t *keys = create_keys(&alice, 3);
    json_t *m1 = create_resource(&alice, "meeting", json_pack("[s]", "bob"),
                                 json_pack("[s]", key_uri(keys, 0)));
    json_t *m2 = create_resource(&alice, "meeting", json_pack("[s]", "bob"),
                                 json_pack("[s]", key_uri(keys, 1)));
    json_t *t = call(&alice, json_pack("{s:s,s:s,s:s,s:s,s:i,s:[s]}", "method", "create", "uri",
                                       "/resources", "requestId", "ttl-1", "kind", "file", "ttl",
                                       60, "keyUris", key_uri(keys, 2)));
    assert_int_equal(status_of(t), 201);
    expect(call(&olga, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "method", "create", "uri", "/holds",
                                 "requestId", "h-9", "scope", "resource", "target", res_uri(m2),
                                 "reason", "litigation")),
           201, "");
    size_t n = 0;
    assert_int_equal(sr_kms_server_sweep(srv, now, &n), SR_OK);
    assert_int_equal(n, 0);
    /* Past the key lifetime and one day of meeting retention; past the file's ttl. */
    now += 3600 * 1000 + 24 * 3600 * 1000 + 1000;
    struct counts before = snapshot();
    assert_int_equal(sr_kms_server_sweep(srv, now, &n), SR_OK);
    assert_true(n >= 2);
    struct counts after = snapshot();
    assert_true(after.audit >= before.audit + 2);
    assert_string_equal(last_audit("actor"), "kms-sweeper");
    token(&alice, false);
    token(&bob, false);
    handshake(&alice);
    handshake(&bob);
    expect(retrieve(&bob, key_uri(keys, 0)), 410, "SHREDDED");
    expect(retrieve(&alice, res_uri(t)), 410, "SHREDDED");
    expect(retrieve(&bob, key_uri(keys, 1)), 200, ""); /* held */
    json_decref(t);
    json_decref(m1);
    json_decref(m2);
    json_decref(keys);
    sr_jose_key_free(adam.k);
    sr_jose_key_free(olga.k);
}

static void exec_sql(const char *sql)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

/* KMS.md §8: no key leaves without its audit row; a failed audit write is a 500. */
static void test_audit_failure_withholds_keys(void **state)
{
    (void)state;
    token(&alice, false);
    handshake(&alice);
    json_t *keys = create_keys(&alice, 1);
    exec_sql("CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'x'); END");
    json_t *p = retrieve(&alice, key_uri(keys, 0));
    assert_int_equal(status_of(p), 500);
    assert_string_equal(code_of(p), "INTERNAL");
    assert_null(json_object_get(p, "key"));
    json_decref(p);
    p = call(&alice,
             json_pack("{s:s,s:s,s:s}", "method", "create", "uri", "/keys", "requestId", "k-a"));
    assert_int_equal(status_of(p), 500);
    assert_null(json_object_get(p, "keys"));
    json_decref(p);
    exec_sql("DROP TRIGGER no_audit");
    expect(retrieve(&alice, key_uri(keys, 0)), 200, "");
    json_decref(keys);
}

/*
 * Group commit (KMS.md §8): when the flush that makes audit rows durable fails (here the
 * WAL is taken away), answers that would release keys become 500 without them, and so do
 * all later ones. On an engine and store of its own, as the failure is for good.
 */
static void test_flush_failure_withholds_keys(void **state)
{
    static const uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN] = { 7 };
    struct sr_kms_server *main_srv = srv;
    struct sr_store *st2 = NULL;
    char url[600], path[400], wal[420];
    (void)state;
    (void)snprintf(path, sizeof(path), "%s/flush.db", dir);
    (void)snprintf(wal, sizeof(wal), "%s-wal", path);
    (void)snprintf(url, sizeof(url), "sqlite:%s", path);
    assert_int_equal(sr_store_open(url, &st2), SR_OK);
    struct sr_kms_server_config cfg = {
        .host = HOST,
        .region = "eu",
        .store = st2,
        .cmk = prov,
        .keywrap = kw,
        .authn = authn,
        .static_key = static_key,
        .static_kid = KID,
        .audit_key = sr_slice_of(audit_key, sizeof(audit_key)),
        .audit_chain = "node-1",
        .handshakes_per_min = 1000,
        .requests_per_s = 1000,
    };
    assert_int_equal(sr_kms_server_new(&cfg, &srv), SR_OK);
    token(&alice, false);
    handshake(&alice);
    json_t *keys = create_keys(&alice, 1);
    expect(retrieve(&alice, key_uri(keys, 0)), 200, "");
    assert_int_equal(unlink(wal), 0);
    for (int i = 0; i < 2; i++) {
        json_t *p = retrieve(&alice, key_uri(keys, 0));
        assert_int_equal(status_of(p), 500);
        assert_string_equal(code_of(p), "INTERNAL");
        assert_string_equal(json_string_value(json_object_get(p, "requestId")), "r-1");
        assert_null(json_object_get(p, "key"));
        json_decref(p);
    }
    json_t *p = call(&alice, json_pack("{s:s,s:s,s:s}", "method", "create", "uri", "/keys",
                                       "requestId", "k"));
    assert_int_equal(status_of(p), 500);
    assert_null(json_object_get(p, "keys"));
    json_decref(p);
    json_decref(keys);
    sr_kms_server_free(srv);
    srv = main_srv;
    sr_store_close(st2);
}

/* KMS.md §2: a new static key takes the next kid; the old one answers handshakes for 24 h. */
static void test_static_key_rotation(void **state)
{
    static const uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN] = { 7 };
    struct sr_kms_server *main_srv = srv;
    struct sr_jose_key *new_key = NULL, *new_pub = NULL, *old_pub = static_pub;
    char *pub = NULL;
    (void)state;
    assert_int_equal(sr_jose_key_rsa_generate(2048, &new_key), SR_OK);
    assert_int_equal(sr_jose_key_export(new_key, false, &pub), SR_OK);
    assert_int_equal(sr_jose_key_import(pub, strlen(pub), &new_pub), SR_OK);
    sr_free(pub);
    struct sr_kms_server_config cfg = {
        .host = HOST,
        .region = "eu",
        .store = st,
        .cmk = prov,
        .keywrap = kw,
        .authn = authn,
        .static_key = new_key,
        .static_kid = CLUSTER "/static/2",
        .previous_key = static_key,
        .previous_kid = KID,
        .previous_until = now + 24 * 3600 * 1000,
        .audit_key = sr_slice_of(audit_key, sizeof(audit_key)),
        .audit_chain = "node-1",
        .handshakes_per_min = 1000,
        .requests_per_s = 1000,
    };
    assert_int_equal(sr_kms_server_new(&cfg, &srv), SR_OK);
    token(&alice, false);
    handshake(&alice); /* to static/1, answered by static/1 */
    expect(ping(&alice), 200, "");
    /* A day later static/1 is gone: a reset signed by static/2. */
    now += 24 * 3600 * 1000;
    token(&alice, false);
    struct sr_jose_ec_pair pair;
    char *msg = NULL;
    assert_int_equal(sr_jose_ecdh_generate(&pair), SR_OK);
    assert_int_equal(sr_jose_ecdh_public_jwk(&pair, &pub), SR_OK);
    json_t *req = json_pack("{s:s,s:s,s:s,s:o}", "method", "create", "uri", "/ecdhe", "requestId",
                            "hs-r", "jwk", json_loads(pub, 0, NULL));
    add_client(&alice, req);
    char *text = json_dumps(req, JSON_COMPACT);
    assert_int_equal(sr_jose_seal(SR_JOSE_HANDSHAKE_REQUEST, old_pub, KID,
                                  sr_slice_of(text, strlen(text)), &msg, NULL),
                     SR_OK);
    char *ans = post(msg);
    json_t *p = NULL;
    assert_int_equal(
            sr_jose_open(SR_JOSE_RESET, ans, strlen(ans), new_pub, CLUSTER "/static/2", &p, NULL),
            SR_OK);
    expect(p, 499, "RESET");
    sr_jose_ec_pair_cleanup(&pair);
    json_decref(req);
    sr_free(pub);
    sr_free(msg);
    sr_free(text);
    sr_free(ans);
    sr_kms_server_free(srv);
    srv = main_srv;
    sr_jose_key_free(new_pub);
    sr_jose_key_free(new_key);
    handshake(&alice);
}

static struct sr_kms_server *node(const uint8_t *channel_kek)
{
    static const uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN] = { 7 };
    struct sr_kms_server *n = NULL;
    struct sr_kms_server_config cfg = {
        .host = HOST,
        .region = "eu",
        .store = st,
        .cmk = prov,
        .keywrap = kw,
        .authn = authn,
        .static_key = static_key,
        .static_kid = KID,
        .audit_key = sr_slice_of(audit_key, sizeof(audit_key)),
        .audit_chain = "node-1",
        .channel_kek = sr_slice_of(channel_kek, 32),
        .handshakes_per_min = 1000,
        .requests_per_s = 1000,
    };
    assert_int_equal(sr_kms_server_new(&cfg, &n), SR_OK);
    return n;
}

/* KMS.md §8: with a channel KEK, a channel made on one node serves on another. */
static void test_shared_channels(void **state)
{
    static const uint8_t kek[32] = { 9 }, other[32] = { 10 };
    struct sr_kms_server *main_srv = srv, *a = node(kek), *b = node(kek), *c = node(other);
    (void)state;
    token(&alice, false);
    srv = a;
    handshake(&alice);
    expect(ping(&alice), 200, "");
    srv = b;
    expect(ping(&alice), 200, "");
    srv = c; /* a node with another channel KEK cannot open the stored K */
    expect(ping(&alice), 499, "RESET");
    srv = b;
    expect(call(&alice, json_pack("{s:s,s:s,s:s}", "method", "delete", "uri", alice.ch_uri,
                                  "requestId", "x-2")),
           204, "");
    expect(ping(&alice), 499, "RESET");
    sr_kms_server_free(c);
    c = node(kek); /* a fresh node finds nothing in the store either */
    srv = c;
    expect(ping(&alice), 499, "RESET");
    sr_kms_server_free(a);
    sr_kms_server_free(b);
    sr_kms_server_free(c);
    srv = main_srv;
    handshake(&alice);
}

static json_t *rec_keys(struct client *c, const char *rec, int count)
{
    char path[400];
    (void)snprintf(path, sizeof(path), "%s/keys", rec);
    return call(c, json_pack("{s:s,s:s,s:s,s:i,s:s}", "method", "retrieve", "uri", path,
                             "requestId", "rk-1", "count", count, "reason", "ediscovery"));
}

/* KMS.md §9: one org-recordings resource, one key version per period. */
static void test_recordings_key(void **state)
{
    struct client olga;
    (void)state;
    client_init(&olga, "olga");
    token_roles(&olga, "kms.orgAgent");
    handshake(&olga);
    json_t *p = call(&olga, json_pack("{s:s,s:s,s:s}", "method", "retrieve", "uri",
                                      "/orgs/org-a/policy", "requestId", "rp-1"));
    const char *r =
            json_string_value(json_object_get(json_object_get(p, "policy"), "recordingsResource"));
    assert_non_null(r);
    char rec[SR_STORE_ID_MAX];
    memcpy(rec, r, strlen(r) + 1);
    json_decref(p);
    json_t *v1 = rec_keys(&olga, rec, 1);
    assert_int_equal(status_of(v1), 200);
    assert_int_equal(json_array_size(json_object_get(v1, "keys")), 1);
    const char *k1 = key_uri(v1, 0);
    json_t *again = rec_keys(&olga, rec, 1);
    assert_string_equal(key_uri(again, 0), k1);
    json_decref(again);
    /* Next month: a new version is current, the old one still listed. */
    now += (int64_t)32 * 24 * 3600 * 1000;
    token_roles(&olga, "kms.orgAgent");
    handshake(&olga);
    json_t *v2 = rec_keys(&olga, rec, 1);
    assert_int_equal(status_of(v2), 200);
    assert_string_not_equal(key_uri(v2, 0), k1);
    json_t *all = rec_keys(&olga, rec, 10);
    assert_int_equal(json_array_size(json_object_get(all, "keys")), 2);
    token(&bob, false);
    handshake(&bob);
    expect(retrieve(&bob, k1), 403, "NOT_AUTHORIZED");
    json_decref(all);
    json_decref(v2);
    json_decref(v1);
    sr_jose_key_free(olga.k);
}

static char *db_text(const char *sql, const char *arg)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    static char out[256];
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    (void)snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(h);
    return out;
}

/* KMS.md §3: a key bound to another org's resource moves to that org's KEK. */
static void test_cross_org_bind(void **state)
{
    struct client zed;
    (void)state;
    client_init(&zed, "zed");
    json_t *cl = claims_for("zed", CLUSTER, now / 1000 + 3600);
    json_object_set_new(cl, "org_id", json_string("org-b"));
    sign_jwt(rs_key, "RS256", "rs1", cl, zed.bearer, sizeof(zed.bearer));
    token(&alice, false);
    handshake(&zed);
    handshake(&alice);
    json_t *res = create_resource(&zed, "space", json_pack("[s]", "alice"), json_array());
    assert_int_equal(status_of(res), 201);
    json_t *keys = create_keys(&alice, 1);
    const char *k = key_uri(keys, 0);
    assert_string_equal(db_text("SELECT org_id FROM keys WHERE uri = ?", k), "org-a");
    char kek_a[SR_STORE_ID_MAX];
    (void)snprintf(kek_a, sizeof(kek_a), "%s", db_text("SELECT kek_id FROM keys WHERE uri = ?", k));
    json_t *p = call(&alice, json_pack("{s:s,s:s,s:s,s:s}", "method", "update", "uri", k,
                                       "requestId", "xb-1", "resourceUri", res_uri(res)));
    assert_int_equal(status_of(p), 200);
    const char *k_alice = key_k(json_object_get(p, "key"));
    assert_string_equal(db_text("SELECT org_id FROM keys WHERE uri = ?", k), "org-b");
    assert_string_not_equal(db_text("SELECT kek_id FROM keys WHERE uri = ?", k), kek_a);
    json_t *q = retrieve(&zed, k);
    assert_int_equal(status_of(q), 200);
    assert_string_equal(key_k(json_object_get(q, "key")), k_alice);
    json_decref(q);
    json_decref(p);
    json_decref(keys);
    json_decref(res);
    sr_jose_key_free(zed.k);
}

/* KMS.md §5: one answer per message, in order, whatever each one's fate. */
static void test_batch_order(void **state)
{
    (void)state;
    token(&alice, false);
    handshake(&alice);
    char *msgs[3] = { NULL, NULL, NULL };
    for (int i = 0; i < 3; i++) {
        char id[8];
        (void)snprintf(id, sizeof(id), "b-%d", i);
        json_t *r = json_pack("{s:s,s:s,s:s}", "method", i == 1 ? "frobnicate" : "update", "uri",
                              "/ping", "requestId", id);
        add_client(&alice, r);
        char *text = json_dumps(r, JSON_COMPACT);
        json_decref(r);
        assert_int_equal(sr_jose_seal(SR_JOSE_CHANNEL, alice.k, alice.ch_uri,
                                      sr_slice_of(text, strlen(text)), &msgs[i], NULL),
                         SR_OK);
        sr_free(text);
    }
    json_t *body = json_pack("{s:s,s:[s,s,s,s]}", "destination", CLUSTER, "kmsMessages", msgs[0],
                             msgs[1], "garbage", msgs[2]);
    char *text = json_dumps(body, JSON_COMPACT);
    struct sr_kms_http_reply r;
    assert_int_equal(sr_kms_server_messages(srv, sr_slice_of(text, strlen(text)), now, &r), SR_OK);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loadb((const char *)r.body.p, r.body.len, 0, NULL);
    const json_t *ans = json_object_get(doc, "kmsMessages");
    assert_int_equal(json_array_size(ans), 4);
    static const int64_t want[] = { 200, 400, 499, 200 };
    for (size_t i = 0; i < 4; i++) {
        json_t *p = open_answer(&alice, json_string_value(json_array_get(ans, i)));
        assert_int_equal(status_of(p), want[i]);
        json_decref(p);
    }
    json_decref(doc);
    json_decref(body);
    sr_buf_cleanup(&r.body);
    sr_free(text);
    for (int i = 0; i < 3; i++) {
        sr_free(msgs[i]);
    }
}

/* Cached bearers (KMS.md §6) end with exp and with a JWKS reload that drops their key. */
static void test_token_cache(void **state)
{
    (void)state;
    sign_jwt(rs_key, "RS256", "rs1", claims_for("alice", CLUSTER, now / 1000 + 2), alice.bearer,
             sizeof(alice.bearer));
    handshake(&alice);
    expect(ping(&alice), 200, "");
    expect(ping(&alice), 200, "");
    now += 2000;
    expect(ping(&alice), 401, "TOKEN_EXPIRED");
    token(&alice, false);
    handshake(&alice);
    expect(ping(&alice), 200, "");
    json_t *keys = json_array();
    char *j = cjose_jwk_to_json(ec_key, false, NULL);
    json_array_append_new(keys, json_loads(j, 0, NULL));
    sr_free(j);
    json_t *doc = json_pack("{s:o}", "keys", keys);
    char *only_ec = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    assert_int_equal(sr_kms_authn_set_issuer(authn, ISS, only_ec, strlen(only_ec)), SR_OK);
    expect(ping(&alice), 401, "TOKEN_INVALID");
    char *both = jwks_json();
    assert_int_equal(sr_kms_authn_set_issuer(authn, ISS, both, strlen(both)), SR_OK);
    expect(ping(&alice), 200, "");
    sr_free(only_ec);
    sr_free(both);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_keys_and_resources),
        cmocka_unit_test(test_inheritance_and_bulk),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_channel_refusals),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_compliance_holds_shred),
        cmocka_unit_test(test_revoked_cmk),
        cmocka_unit_test(test_policy_and_audit),
        cmocka_unit_test(test_cmk_admin),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_rate_limits),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_audit_failure_withholds_keys),
        cmocka_unit_test(test_flush_failure_withholds_keys),
        cmocka_unit_test(test_static_key_rotation),
        cmocka_unit_test(test_shared_channels),
        cmocka_unit_test(test_recordings_key),
        cmocka_unit_test(test_cross_org_bind),
        cmocka_unit_test(test_batch_order),
        cmocka_unit_test(test_token_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
