/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the KMS engine behind the JOSE layer: arbitrary bytes are taken as a decrypted request
 * payload (strict JSON), given a valid credential when they carry none, and served through
 * sr_kms_serve on a live channel (or as a handshake when they carry a `jwk`), against a SQLite
 * store in a temp dir and the file CMK provider. The same bytes also go through the HTTP
 * envelope. Oracles: nothing crashes or leaks; every served request yields a JSON object
 * whose status is the one reported; only SR_ERR_NOMEM fails a call.
 */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjose/cjose.h>

#include "core/alloc.h"
#include "kms/server_int.h"

#define HOST    "kms.example.org"
#define CLUSTER "kms://" HOST
#define NOW     ((int64_t)1772442000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static struct sr_store *st;
static struct sr_kms_cmk_provider *prov;
static struct sr_kms_keywrap *kw;
static struct sr_jose_key *static_key;
static struct sr_kms_authn *authn;
static struct sr_kms_server *srv;
static struct sr_kms_channel *ch;
static char *bearer;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    sr_kms_server_free(srv);
    sr_kms_authn_free(authn);
    sr_jose_key_free(static_key);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_provider_free(prov);
    sr_store_close(st);
    sr_free(bearer);
    (void)nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* An ES256 IdP key, its JWKS, and alice's token valid until 2100 (org admin and compliance
 * officer, so the admin methods are reached too). */
static int make_identity(void)
{
    cjose_jwk_t *ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    if (ec == NULL || !cjose_jwk_set_kid(ec, "ec1", 3, NULL)) {
        return -1;
    }
    char *pub = cjose_jwk_to_json(ec, false, NULL);
    json_t *jwks = json_pack("{s:[o]}", "keys", json_loads(pub, 0, NULL));
    char *jwks_text = json_dumps(jwks, JSON_COMPACT);
    json_t *claims = json_pack("{s:s,s:s,s:s,s:s,s:I,s:[s,s]}", "iss", "https://idp", "sub",
                               "alice", "aud", CLUSTER, "org_id", "org-a", "exp",
                               (json_int_t)4102444800, "roles", "kms.orgAdmin", "kms.orgAgent");
    char *body = json_dumps(claims, JSON_COMPACT);
    json_t *hdr = json_pack("{s:s,s:s}", "alg", "ES256", "kid", "ec1");
    cjose_jws_t *jws =
            cjose_jws_sign(ec, (cjose_header_t *)hdr, (const uint8_t *)body, strlen(body), NULL);
    const char *ser = NULL;
    int rc = jws != NULL && cjose_jws_export(jws, &ser, NULL) &&
                             sr_kms_authn_new(CLUSTER, &authn) == SR_OK &&
                             sr_kms_authn_set_issuer(authn, "https://idp", jwks_text,
                                                     strlen(jwks_text)) == SR_OK
                     ? 0
                     : -1;
    if (rc == 0) {
        bearer = sr_malloc(strlen(ser) + 1);
        rc = bearer != NULL ? (memcpy(bearer, ser, strlen(ser) + 1), 0) : -1;
    }
    cjose_jws_release(jws);
    cjose_jwk_release(ec);
    json_decref(hdr);
    json_decref(claims);
    json_decref(jwks);
    sr_free(body);
    sr_free(jwks_text);
    sr_free(pub);
    return rc;
}

static int make_channel(void)
{
    static const uint8_t k[32] = { 0x42 };
    struct sr_kms_req rq;
    memset(&rq, 0, sizeof(rq));
    rq.now = NOW;
    memcpy(rq.who.user_id, "alice", 6);
    memcpy(rq.who.org_id, "org-a", 6);
    rq.client_id = "dev-a";
    return sr_kms_channel_add(srv, &rq, sr_slice_of(k, sizeof(k)), &ch) == SR_OK ? 0 : -1;
}

static int setup(void)
{
    static const uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN] = { 1 };
    char url[128], cmkdir[96];
    (void)snprintf(dir, sizeof(dir), "/tmp/sealroom-fuzz-kms-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    atexit(cleanup);
    (void)snprintf(url, sizeof(url), "sqlite:%s/kms.db", dir);
    (void)snprintf(cmkdir, sizeof(cmkdir), "%s/cmk", dir);
    if (mkdir(cmkdir, 0700) != 0 || sr_store_open(url, &st) != SR_OK ||
        sr_kms_cmk_provider_new_file(cmkdir, true, &prov) != SR_OK ||
        sr_kms_keywrap_new(16, SR_KMS_KEK_CACHE_TTL_MS, &kw) != SR_OK ||
        sr_jose_key_rsa_generate(2048, &static_key) != SR_OK || make_identity() != 0) {
        return -1;
    }
    struct sr_kms_server_config cfg = {
        .host = HOST,
        .region = "eu",
        .store = st,
        .cmk = prov,
        .keywrap = kw,
        .authn = authn,
        .static_key = static_key,
        .static_kid = CLUSTER "/static/1",
        .audit_key = sr_slice_of(audit_key, sizeof(audit_key)),
        .audit_chain = "fuzz",
        .channels_max = 64,
    };
    return sr_kms_server_new(&cfg, &srv) == SR_OK ? make_channel() : -1;
}

static void serve_payload(const uint8_t *data, size_t size)
{
    json_t *in = NULL;
    char *text = NULL;
    int status = 0;
    if (sr_jose_json_parse(sr_slice_of(data, size), &in, NULL) != SR_OK) {
        return;
    }
    if (json_object_get(in, "client") == NULL) {
        json_object_set_new(
                in, "client",
                json_pack("{s:s,s:{s:s}}", "clientId", "dev-a", "credential", "bearer", bearer));
    }
    bool handshake = json_object_get(in, "jwk") != NULL;
    uint64_t ticket = 0;
    sr_err err = sr_kms_serve(srv, handshake ? NULL : ch, in, NOW, &text, &status, &ticket);
    if (err == SR_OK) {
        err = sr_store_flush_wait(st, ticket);
    }
    if (err != SR_OK && err != SR_ERR_NOMEM) {
        abort();
    }
    if (err == SR_OK) {
        json_t *ans = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(ans) || json_integer_value(json_object_get(ans, "status")) != status ||
            status < 200 || status > 599) {
            abort();
        }
        json_decref(ans);
        sr_wipe(text, strlen(text));
        sr_free(text);
    }
    json_decref(in);
}

static void serve_envelope(const uint8_t *data, size_t size)
{
    struct sr_kms_http_reply r;
    if (size > 4096) {
        return;
    }
    sr_err err = sr_kms_server_messages(srv, sr_slice_of(data, size), NOW, &r);
    if (err != SR_OK && err != SR_ERR_NOMEM) {
        abort();
    }
    if (err == SR_OK && (r.status < 200 || r.status > 599 || r.body.len == 0)) {
        abort();
    }
    sr_buf_cleanup(&r.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (ready == 0) {
        ready = setup() == 0 ? 1 : -1;
    }
    if (ready < 0) {
        abort();
    }
    serve_payload(data, size);
    serve_envelope(data, size);
    return 0;
}
