/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service principals through the KMS engine, sans-IO (KMS.md §6, §9): a service handshakes
 * with {jwk + x5c, proof} and gets keys only from an org whose policy.services lists its kind,
 * judged on every request; it may only retrieve by rule (4); its channel is held to its JWK's
 * thumbprint; a user token may not claim a service's name. Every refusal leaves the store's
 * tables and the channel table as they were; the refusals of a known service are audited with
 * actor_role "service", failed credentials are not (they reach no method).
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
#include "kms/authn_service.h"
#include "kms/jose_int.h"
#include "kms/server.h"
#include "pki_fixture.h"

#define HOST    "kms.example.org"
#define CLUSTER "kms://" HOST
#define KID     CLUSTER "/static/1"
#define ISS     "https://idp.example.org"
#define T0      ((int64_t)1772442000) /* 2026-03-02T09:00:00Z, seconds */
#define DAY     ((int64_t)86400)
#define NOW     (T0 * 1000)

static char dir[256], db[300];
static struct sr_store *st;
static struct sr_kms_cmk_provider *prov;
static struct sr_kms_keywrap *kw;
static struct sr_jose_key *static_key, *static_pub;
static struct sr_kms_authn *authn;
static struct sr_kms_services *svcs;
static struct sr_kms_server *srv;
static cjose_jwk_t *idp_key;
static EVP_PKEY *ca_key, *rogue_key, *svc_key, *other_key;
static X509 *ca, *rogue, *indexer, *dlp, *expired, *untrusted;

/* One party: its credential, channel and K. */
struct party {
    json_t *cred;  /* the service credential (jwk + x5c), or {"bearer"} */
    X509 *cert;    /* a service's leaf, or NULL for a user */
    EVP_PKEY *key; /* what signs a service's proof */
    char ch_uri[SR_STORE_ID_MAX];
    struct sr_jose_key *k;
};

static struct party alice, idx, dlp_svc;

/* ---- users, services and the store ------------------------------------------------------ */

static char *bearer(const char *sub, const char *roles)
{
    json_t *hdr = json_pack("{s:s,s:s}", "alg", "RS256", "kid", "idp1");
    json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:[s]}", "iss", ISS, "sub", sub, "aud", CLUSTER,
                          "org_id", "org-a", "exp", (json_int_t)(T0 + 3600), "iat", (json_int_t)T0,
                          "roles", roles);
    char *body = json_dumps(c, JSON_COMPACT);
    cjose_jws_t *jws = cjose_jws_sign(idp_key, (cjose_header_t *)hdr, (const uint8_t *)body,
                                      strlen(body), NULL);
    const char *ser = NULL;
    assert_true(jws != NULL && cjose_jws_export(jws, &ser, NULL));
    char *out = sr_malloc(strlen(ser) + 1);
    memcpy(out, ser, strlen(ser) + 1);
    cjose_jws_release(jws);
    sr_free(body);
    json_decref(hdr);
    json_decref(c);
    return out;
}

static void user(struct party *p, const char *sub, const char *roles)
{
    char *b = bearer(sub, roles);
    p->cred = json_pack("{s:s}", "bearer", b);
    sr_free(b);
}

static void service(struct party *p, X509 *cert, EVP_PKEY *key)
{
    p->cert = cert;
    p->key = key;
    p->cred = json_pack("{s:o}", "jwk", jwk_of(svc_key, false, &cert, 1));
}

struct counts {
    long keys, resources, authz, audit, channels;
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
    c.audit = count(h, "audit");
    sqlite3_close(h);
    c.channels = (long)sr_kms_server_channels(srv, NOW);
    return c;
}

static void assert_unchanged(struct counts a, long audit_added)
{
    struct counts b = snapshot();
    assert_int_equal(a.keys, b.keys);
    assert_int_equal(a.resources, b.resources);
    assert_int_equal(a.authz, b.authz);
    assert_int_equal(a.channels, b.channels);
    assert_int_equal(a.audit + audit_added, b.audit);
}

/* The last audit row's actor, role and status. */
static void last_audit(char *actor, char *role, long *status)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT actor, actor_role, status FROM audit "
                                        "ORDER BY ts DESC, seq DESC LIMIT 1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    (void)snprintf(actor, SR_STORE_ID_MAX, "%s", (const char *)sqlite3_column_text(q, 0));
    (void)snprintf(role, SR_STORE_NAME_MAX, "%s", (const char *)sqlite3_column_text(q, 1));
    *status = (long)sqlite3_column_int64(q, 2);
    sqlite3_finalize(q);
    sqlite3_close(h);
}

/* ---- the wire --------------------------------------------------------------------------- */

static char *post(const char *compact)
{
    struct sr_kms_http_reply r;
    json_t *body = json_pack("{s:s,s:[s]}", "destination", CLUSTER, "kmsMessages", compact);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_int_equal(sr_kms_server_messages(srv, sr_slice_of(text, strlen(text)), NOW, &r), SR_OK);
    sr_free(text);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loadb((const char *)r.body.p, r.body.len, 0, NULL);
    const char *ans = json_string_value(json_array_get(json_object_get(doc, "kmsMessages"), 0));
    assert_non_null(ans);
    char *copy = sr_malloc(strlen(ans) + 1);
    memcpy(copy, ans, strlen(ans) + 1);
    json_decref(doc);
    sr_buf_cleanup(&r.body);
    return copy;
}

static json_t *client_of(const struct party *p, const json_t *epk, const char *rid, int64_t iat)
{
    json_t *cred = json_deep_copy(p->cred);
    if (p->cert != NULL && epk != NULL) {
        char th[SR_KMS_THUMB_B64];
        assert_int_equal(sr_kms_jwk_thumbprint_b64(epk, th), SR_OK);
        json_t *c = json_pack("{s:s,s:s,s:I,s:s}", "aud", CLUSTER, "requestId", rid, "iat",
                              (json_int_t)iat, "epk", th);
        char *proof = sign(p->key, json_pack("{s:s}", "alg", "ES256"), c);
        json_object_set_new(cred, "proof", json_string(proof));
        sr_free(proof);
    }
    return json_pack("{s:s,s:o}", "clientId", "dev-1", "credential", cred);
}

/* A handshake; returns the answer and, on 201, sets up p's channel. */
static json_t *handshake_at(struct party *p, int64_t iat)
{
    struct sr_jose_ec_pair pair;
    struct sr_secret k;
    char *pub = NULL, *msg = NULL;
    json_t *ans = NULL;
    assert_int_equal(sr_jose_ecdh_generate(&pair), SR_OK);
    assert_int_equal(sr_jose_ecdh_public_jwk(&pair, &pub), SR_OK);
    json_t *epk = json_loads(pub, 0, NULL);
    json_t *req =
            json_pack("{s:s,s:s,s:s,s:O,s:o}", "method", "create", "uri", "/ecdhe", "requestId",
                      "hs-1", "jwk", epk, "client", client_of(p, epk, "hs-1", iat));
    char *text = json_dumps(req, JSON_COMPACT);
    assert_int_equal(sr_jose_seal(SR_JOSE_HANDSHAKE_REQUEST, static_pub, KID,
                                  sr_slice_of(text, strlen(text)), &msg, NULL),
                     SR_OK);
    char *a = post(msg);
    assert_int_equal(
            sr_jose_open(SR_JOSE_HANDSHAKE_RESPONSE, a, strlen(a), static_pub, KID, &ans, NULL),
            SR_OK);
    if (json_integer_value(json_object_get(ans, "status")) == 201) {
        const json_t *key = json_object_get(ans, "key");
        const char *uri = json_string_value(json_object_get(key, "uri"));
        memcpy(p->ch_uri, uri, strlen(uri) + 1);
        assert_int_equal(sr_jose_ecdh_derive(&pair, json_object_get(key, "jwk"), &k), SR_OK);
        sr_jose_key_free(p->k);
        assert_int_equal(sr_jose_key_oct(sr_secret_slice(&k), &p->k), SR_OK);
        sr_secret_cleanup(&k);
    }
    sr_jose_ec_pair_cleanup(&pair);
    json_decref(epk);
    json_decref(req);
    sr_free(text);
    sr_free(pub);
    sr_free(msg);
    sr_free(a);
    return ans;
}

static json_t *handshake(struct party *p)
{
    return handshake_at(p, T0);
}

/* Send `req` (consumed) on p's channel as `as` (p itself when NULL). */
static json_t *call_as(struct party *p, const struct party *as, json_t *req)
{
    char *msg = NULL;
    json_t *ans = NULL;
    json_object_set_new(req, "client", client_of(as != NULL ? as : p, NULL, NULL, 0));
    json_object_set_new(req, "requestId", json_string("r-1"));
    char *text = json_dumps(req, JSON_COMPACT);
    assert_int_equal(sr_jose_seal(SR_JOSE_CHANNEL, p->k, p->ch_uri, sr_slice_of(text, strlen(text)),
                                  &msg, NULL),
                     SR_OK);
    char *a = post(msg);
    assert_int_equal(sr_jose_open(SR_JOSE_CHANNEL, a, strlen(a), p->k, p->ch_uri, &ans, NULL),
                     SR_OK);
    sr_free(a);
    sr_free(msg);
    sr_free(text);
    json_decref(req);
    return ans;
}

static json_t *call(struct party *p, json_t *req)
{
    return call_as(p, NULL, req);
}

/* Check status and errorCode of `ans` (consumed). */
static void expect(json_t *ans, int status, const char *code)
{
    if (json_integer_value(json_object_get(ans, "status")) != status) {
        char *t = json_dumps(ans, JSON_COMPACT);
        print_message("answer: %s\n", t);
        sr_free(t);
    }
    assert_int_equal(json_integer_value(json_object_get(ans, "status")), status);
    if (code != NULL) {
        assert_string_equal(json_string_value(json_object_get(ans, "errorCode")), code);
    }
    json_decref(ans);
}

static void set_services(const char *kinds)
{
    json_t *req = json_pack("{s:s,s:s,s:{s:o}}", "method", "update", "uri", "/orgs/org-a/policy",
                            "policy", "services", json_loads(kinds, 0, NULL));
    expect(call(&alice, req), 200, NULL);
}

/* ---- fixture ---------------------------------------------------------------------------- */

static X509 *svc_cert(const char *san, int64_t from, int64_t to, long serial, X509 *issuer,
                      EVP_PKEY *issuer_key)
{
    struct spec s = { "svc", san, "clientAuth", NULL, false, from, to, serial };
    return issue(&s, serial == 9 ? other_key : svc_key, issuer, issuer_key);
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
    idp_key = cjose_jwk_create_RSA_random(2048, (const uint8_t *)"\x01\x00\x01", 3, NULL);
    if (mkdir(cmkdir, 0700) != 0 || idp_key == NULL ||
        !cjose_jwk_set_kid(idp_key, "idp1", 4, NULL) || sr_store_open(url, &st) != SR_OK ||
        sr_kms_cmk_provider_new_file(cmkdir, true, &prov) != SR_OK ||
        sr_kms_keywrap_new(16, SR_KMS_KEK_CACHE_TTL_MS, &kw) != SR_OK ||
        sr_jose_key_rsa_generate(2048, &static_key) != SR_OK ||
        sr_jose_key_export(static_key, false, &pub) != SR_OK ||
        sr_jose_key_import(pub, strlen(pub), &static_pub) != SR_OK ||
        sr_kms_authn_new(CLUSTER, &authn) != SR_OK) {
        return -1;
    }
    sr_free(pub);
    char *j = cjose_jwk_to_json(idp_key, false, NULL);
    char jwks[4096];
    (void)snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", j);
    sr_free(j);
    if (sr_kms_authn_set_issuer(authn, ISS, jwks, strlen(jwks)) != SR_OK) {
        return -1;
    }
    ca_key = p256();
    rogue_key = p256();
    svc_key = p256();
    other_key = p256();
    struct spec c = { "Service CA", NULL, NULL, NULL, true, T0 - 30 * DAY, T0 + 365 * DAY, 1 };
    ca = issue(&c, ca_key, NULL, ca_key);
    rogue = issue(&c, rogue_key, NULL, rogue_key);
    const char *org = ",URI:urn:sealroom:org:org-a";
    char san[128];
    (void)snprintf(san, sizeof(san), "URI:urn:sealroom:service:indexer%s", org);
    indexer = svc_cert(san, T0 - DAY, T0 + DAY, 2, ca, ca_key);
    expired = svc_cert(san, T0 - 9 * DAY, T0 - DAY, 3, ca, ca_key);
    untrusted = svc_cert(san, T0 - DAY, T0 + DAY, 4, rogue, rogue_key);
    (void)snprintf(san, sizeof(san), "URI:urn:sealroom:service:dlp%s", org);
    dlp = svc_cert(san, T0 - DAY, T0 + DAY, 5, ca, ca_key);
    char *ca_pem = pem_of(ca, NULL);
    sr_err err = sr_kms_services_new(&svcs);
    if (err == SR_OK) {
        err = sr_kms_services_add_pem(svcs, sr_slice_of(ca_pem, strlen(ca_pem)));
    }
    sr_free(ca_pem);
    struct sr_kms_server_config cfg = {
        .host = HOST,
        .region = "eu",
        .store = st,
        .cmk = prov,
        .keywrap = kw,
        .authn = authn,
        .services = svcs,
        .static_key = static_key,
        .static_kid = KID,
        .audit_key = sr_slice_of(audit_key, sizeof(audit_key)),
        .audit_chain = "node-1",
        .handshakes_per_min = 100000,
        .requests_per_s = 100000,
    };
    if (err != SR_OK || sr_kms_server_new(&cfg, &srv) != SR_OK) {
        return -1;
    }
    user(&alice, "alice", "kms.orgAdmin");
    service(&idx, indexer, svc_key);
    service(&dlp_svc, dlp, svc_key);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    struct party *ps[] = { &alice, &idx, &dlp_svc };
    for (size_t i = 0; i < 3; i++) {
        sr_jose_key_free(ps[i]->k);
        json_decref(ps[i]->cred);
    }
    sr_kms_server_free(srv);
    sr_kms_services_free(svcs);
    sr_kms_authn_free(authn);
    sr_jose_key_free(static_key);
    sr_jose_key_free(static_pub);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_provider_free(prov);
    sr_store_close(st);
    cjose_jwk_release(idp_key);
    X509 *xs[] = { ca, rogue, indexer, dlp, expired, untrusted };
    for (size_t i = 0; i < 6; i++) {
        X509_free(xs[i]);
    }
    EVP_PKEY *ks[] = { ca_key, rogue_key, svc_key, other_key };
    for (size_t i = 0; i < 4; i++) {
        EVP_PKEY_free(ks[i]);
    }
    fx_rmtree(dir);
    return 0;
}

/* ---- the walk --------------------------------------------------------------------------- */

static void services_walk(void **state)
{
    char actor[SR_STORE_ID_MAX], role[SR_STORE_NAME_MAX];
    long status = 0;
    (void)state;
    expect(handshake(&alice), 201, NULL);
    json_t *ans = call(&alice,
                       json_pack("{s:s,s:s,s:i}", "method", "create", "uri", "/keys", "count", 1));
    json_t *key = json_deep_copy(json_array_get(json_object_get(ans, "keys"), 0));
    json_decref(ans);
    const char *key_uri = json_string_value(json_object_get(key, "uri"));
    ans = call(&alice, json_pack("{s:s,s:s,s:s,s:[s]}", "method", "create", "uri", "/resources",
                                 "kind", "space", "keyUris", key_uri));
    char res_uri[SR_STORE_ID_MAX];
    (void)snprintf(res_uri, sizeof(res_uri), "%s",
                   json_string_value(json_object_get(json_object_get(ans, "resource"), "uri")));
    expect(ans, 201, NULL);

    /* Before org-a enables indexing: refused, audited as the service, nothing else. */
    struct counts before = snapshot();
    expect(handshake(&idx), 403, "NOT_AUTHORIZED");
    assert_unchanged(before, 1);
    last_audit(actor, role, &status);
    assert_string_equal(actor, "urn:sealroom:service:indexer");
    assert_string_equal(role, "service");
    assert_int_equal(status, 403);

    /* Failed credentials: refused, nothing changed, no audit row (no method was reached). */
    struct party bad;
    memset(&bad, 0, sizeof(bad));
    before = snapshot();
    service(&bad, expired, svc_key);
    expect(handshake(&bad), 401, "TOKEN_EXPIRED");
    json_decref(bad.cred);
    service(&bad, untrusted, svc_key);
    expect(handshake(&bad), 401, "TOKEN_INVALID");
    json_decref(bad.cred);
    service(&bad, indexer, other_key); /* the proof is by another key */
    expect(handshake(&bad), 401, "TOKEN_INVALID");
    json_decref(bad.cred);
    service(&bad, indexer, svc_key);
    expect(handshake_at(&bad, T0 - 400), 401, "TOKEN_EXPIRED"); /* a stale proof */
    json_decref(bad.cred);
    user(&bad, "urn:sealroom:service:indexer", "kms.orgAdmin"); /* a token claiming it */
    expect(handshake(&bad), 401, "TOKEN_INVALID");
    json_decref(bad.cred);
    bad.cred = json_pack("{s:o,s:s}", "jwk", jwk_of(svc_key, false, &indexer, 1), "bearer", "x");
    expect(handshake(&bad), 400, "BAD_REQUEST");
    json_decref(bad.cred);
    assert_unchanged(before, 0);

    /* Enabled: the indexer retrieves by rule (4), and only retrieves. */
    set_services("[\"indexer\"]");
    expect(handshake(&idx), 201, NULL);
    ans = call(&idx, json_pack("{s:s,s:s}", "method", "retrieve", "uri", key_uri));
    const char *got = json_string_value(
            json_object_get(json_object_get(json_object_get(ans, "key"), "jwk"), "k"));
    assert_non_null(got);
    assert_string_equal(got, json_string_value(json_object_get(json_object_get(key, "jwk"), "k")));
    expect(ans, 200, NULL);
    last_audit(actor, role, &status);
    assert_string_equal(role, "service");
    assert_int_equal(status, 200);
    before = snapshot();
    expect(call(&idx, json_pack("{s:s,s:s,s:s,s:[s]}", "method", "create", "uri", "/authorizations",
                                "resourceUri", res_uri, "authIds", "eve")),
           403, "NOT_AUTHORIZED");
    expect(call(&idx, json_pack("{s:s,s:s,s:i}", "method", "create", "uri", "/keys", "count", 1)),
           201, NULL); /* an org-bound service may make keys in its org, like any principal */
    before = snapshot();

    /* The channel is the indexer's JWK's: another key, or a user, is a mismatch. */
    struct party other;
    memset(&other, 0, sizeof(other));
    X509 *other_cert = /* serial 9: the same indexer, another key */
            svc_cert("URI:urn:sealroom:service:indexer,URI:urn:sealroom:org:org-a", T0 - DAY,
                     T0 + DAY, 9, ca, ca_key);
    other.cert = other_cert;
    other.cred = json_pack("{s:o}", "jwk", jwk_of(other_key, false, &other_cert, 1));
    expect(call_as(&idx, &other, json_pack("{s:s,s:s}", "method", "update", "uri", "/ping")), 401,
           "CHANNEL_MISMATCH");
    expect(call_as(&idx, &alice, json_pack("{s:s,s:s}", "method", "update", "uri", "/ping")), 401,
           "CHANNEL_MISMATCH");
    json_decref(other.cred);
    X509_free(other_cert);
    assert_unchanged(before, 0);

    /* Disabled again: the next request of the live channel is refused and audited. */
    set_services("[]");
    before = snapshot();
    expect(call(&idx, json_pack("{s:s,s:s}", "method", "retrieve", "uri", key_uri)), 403,
           "NOT_AUTHORIZED");
    assert_unchanged(before, 1);

    /* A service not enabled by its org at all. */
    before = snapshot();
    expect(handshake(&dlp_svc), 403, "NOT_AUTHORIZED");
    assert_unchanged(before, 1);
    json_decref(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(services_walk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
