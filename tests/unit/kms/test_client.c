/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS client against the real engine, in process: the transport callback hands each
 * request to sr_kms_server_details / sr_kms_server_messages (SQLite store in a temp dir,
 * `file` CMK). Covers discovery and the handshake, session reuse, renewal before expiry,
 * the 499 reset (the server's clock runs past the channel's life while the client's does
 * not), transport retries, keys and resources with a second user authorized and a third
 * refused, batched retrieves, and message and file encryption with tampering detected.
 */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjose/cjose.h>
#include <cmocka.h>

#include <sealroom/kms.h>

#include "cmk_fixture.h"
#include "core/alloc.h"
#include "kms/server.h"

#define HOST    "kms.example.org"
#define CLUSTER "kms://" HOST
#define KID     CLUSTER "/static/1"
#define ISS     "https://idp.example.org"
#define T0      ((int64_t)1772442000000) /* 2026-03-02T09:00:00Z */

static char dir[256];
static struct sr_store *st;
static struct sr_kms_cmk_provider *prov;
static struct sr_kms_keywrap *kw;
static struct sr_jose_key *static_key;
static struct sr_kms_authn *authn;
static struct sr_kms_server *srv;
static cjose_jwk_t *rs_key;
static int64_t server_now = T0, client_now = T0;
static int fail_next;     /* transport failures to inject */
static bool forge_answer; /* flip a ciphertext character in the next answer */
static char *published;   /* the static JWK with its kid, as /kms/v1/details shows it */

/* ---- transport and clock ------------------------------------------------------------------ */

static sr_err transport(void *arg, const char *path, struct sr_slice body, int *status,
                        struct sr_buf *out)
{
    struct sr_kms_http_reply r;
    (void)arg;
    if (fail_next > 0) {
        fail_next--;
        return SR_ERR_IO;
    }
    memset(&r, 0, sizeof(r));
    sr_err err = strcmp(path, "/kms/v1/details") == 0
                         ? sr_kms_server_details(srv, &r)
                         : sr_kms_server_messages(srv, body, server_now, &r);
    if (err == SR_OK && forge_answer && r.body.len > 200) {
        /* In {"kmsMessages":["h.e.iv.ct.tag"]}: a character well inside the ciphertext. */
        forge_answer = false;
        char *dot = memchr(r.body.p, '.', r.body.len);
        for (int i = 0; dot != NULL && i < 2; i++) {
            dot = memchr(dot + 1, '.', r.body.len - (size_t)((uint8_t *)dot + 1 - r.body.p));
        }
        assert_non_null(dot);
        if (dot != NULL) {
            dot[2] = (char)(dot[2] == 'A' ? 'B' : 'A');
        }
    }
    if (err == SR_OK) {
        *status = r.status;
        err = sr_buf_append(out, r.body.p, r.body.len);
    }
    sr_buf_cleanup(&r.body);
    return err;
}

static int64_t clock_ms(void *arg)
{
    (void)arg;
    return client_now;
}

static unsigned slept_ms;

static void nap(void *arg, unsigned ms)
{
    (void)arg;
    slept_ms += ms;
}

/* ---- JWTs ----------------------------------------------------------------------------- */

static void bearer_for(const char *user, char *out, size_t cap)
{
    json_t *hdr = json_pack("{s:s,s:s,s:s}", "alg", "RS256", "kid", "rs1", "typ", "JWT");
    json_t *claims =
            json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:[s]}", "iss", ISS, "sub", user, "aud", CLUSTER,
                      "org_id", "org-a", "exp", (json_int_t)(T0 / 1000 + 10 * 3600), "iat",
                      (json_int_t)(T0 / 1000), "roles", "kms.user");
    char *body = json_dumps(claims, JSON_COMPACT);
    cjose_jws_t *jws = cjose_jws_sign(rs_key, (cjose_header_t *)hdr, (const uint8_t *)body,
                                      strlen(body), NULL);
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

static struct sr_kms_client *client_pinned(const char *user, const char *cluster, const char *pin)
{
    char bearer[4096], cid[64];
    struct sr_kms_client *c = NULL;
    bearer_for(user, bearer, sizeof(bearer));
    (void)snprintf(cid, sizeof(cid), "dev-%s", user);
    struct sr_kms_client_config cfg = {
        .client_id = cid,
        .bearer = bearer,
        .transport = transport,
        .clock = clock_ms,
        .sleep = nap,
        .expect_cluster = cluster,
        .static_key_thumbprint = pin,
    };
    assert_int_equal(sr_kms_client_new(&cfg, &c), SR_OK);
    return c;
}

static struct sr_kms_client *client_in(const char *user, const char *cluster)
{
    return client_pinned(user, cluster, NULL);
}

static struct sr_kms_client *client_for(const char *user)
{
    return client_in(user, CLUSTER);
}

static struct sr_kms_client_stats stats_of(const struct sr_kms_client *c)
{
    struct sr_kms_client_stats s;
    sr_kms_client_get_stats(c, &s);
    return s;
}

/* ---- setup ------------------------------------------------------------------------------ */

static char *jwks_json(void)
{
    char *j = cjose_jwk_to_json(rs_key, false, NULL);
    json_t *doc = json_pack("{s:[o]}", "keys", json_loads(j, 0, NULL));
    char *s = json_dumps(doc, JSON_COMPACT);
    sr_free(j);
    json_decref(doc);
    return s;
}

/* The engine with the current static key, published under `kid`. */
static int start_server(const char *kid)
{
    static const uint8_t audit_key[SR_KMS_AUDIT_KEY_LEN] = { 7 };
    char *pub = NULL;
    if (sr_jose_key_export(static_key, false, &pub) != SR_OK) {
        return -1;
    }
    json_t *jwk = json_loads(pub, 0, NULL);
    sr_free(pub);
    json_object_set_new(jwk, "kid", json_string(kid));
    sr_free(published);
    published = json_dumps(jwk, JSON_COMPACT);
    json_decref(jwk);
    struct sr_kms_server_config cfg = {
        .host = HOST,
        .region = "eu",
        .store = st,
        .cmk = prov,
        .keywrap = kw,
        .authn = authn,
        .static_key = static_key,
        .static_kid = kid,
        .static_jwk = published,
        .audit_key = sr_slice_of(audit_key, sizeof(audit_key)),
        .audit_chain = "node-1",
    };
    return sr_kms_server_new(&cfg, &srv) == SR_OK ? 0 : -1;
}

static int setup(void **state)
{
    char url[400], cmkdir[300];
    (void)state;
    if (fx_tmpdir(dir, sizeof(dir)) != 0) {
        return -1;
    }
    (void)snprintf(url, sizeof(url), "sqlite:%s/kms.db", dir);
    (void)snprintf(cmkdir, sizeof(cmkdir), "%s/cmk", dir);
    rs_key = cjose_jwk_create_RSA_random(2048, (const uint8_t *)"\x01\x00\x01", 3, NULL);
    if (mkdir(cmkdir, 0700) != 0 || rs_key == NULL || !cjose_jwk_set_kid(rs_key, "rs1", 3, NULL) ||
        sr_store_open(url, &st) != SR_OK ||
        sr_kms_cmk_provider_new_file(cmkdir, true, &prov) != SR_OK ||
        sr_kms_keywrap_new(16, SR_KMS_KEK_CACHE_TTL_MS, &kw) != SR_OK ||
        sr_jose_key_rsa_generate(2048, &static_key) != SR_OK ||
        sr_kms_authn_new(CLUSTER, &authn) != SR_OK) {
        return -1;
    }
    char *jwks = jwks_json();
    sr_err err = sr_kms_authn_set_issuer(authn, ISS, jwks, strlen(jwks));
    sr_free(jwks);
    if (err != SR_OK) {
        return -1;
    }
    return start_server(KID) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sr_kms_server_free(srv);
    sr_free(published);
    sr_kms_authn_free(authn);
    sr_jose_key_free(static_key);
    sr_kms_keywrap_free(kw);
    sr_kms_cmk_provider_free(prov);
    sr_store_close(st);
    cjose_jwk_release(rs_key);
    fx_rmtree(dir);
    return 0;
}

/* ---- session ------------------------------------------------------------------------------ */

static void test_handshake_and_reuse(void **state)
{
    (void)state;
    struct sr_kms_client *a = client_for("alice");
    assert_string_equal(sr_kms_client_cluster(a), "");
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    assert_string_equal(sr_kms_client_cluster(a), CLUSTER);
    for (int i = 0; i < 4; i++) {
        client_now += 60 * 1000;
        assert_int_equal(sr_kms_client_ping(a), SR_OK);
    }
    struct sr_kms_client_stats s = stats_of(a);
    assert_int_equal(s.discoveries, 1);
    assert_int_equal(s.handshakes, 1); /* one channel for five requests */
    assert_int_equal(s.posts, 6);      /* the handshake and five pings */
    assert_int_equal(s.resets, 0);

    /* Renewal: within a minute of expiry the client handshakes before sending. */
    client_now = T0 + SR_KMS_CHANNEL_TTL_MS - 30 * 1000;
    server_now = client_now;
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    s = stats_of(a);
    assert_int_equal(s.handshakes, 2);
    assert_int_equal(s.resets, 0);
    sr_kms_client_free(a);
    client_now = server_now = T0;
}

static void test_reset_rehandshakes_once(void **state)
{
    (void)state;
    struct sr_kms_client *a = client_for("alice");
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    /* The server's clock passes the channel's end; the client still thinks it is live. */
    server_now = T0 + SR_KMS_CHANNEL_TTL_MS + 1000;
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    struct sr_kms_client_stats s = stats_of(a);
    assert_int_equal(s.resets, 1);
    assert_int_equal(s.handshakes, 2);
    /* The new channel runs on the server's clock; the client keeps using it. */
    client_now = server_now;
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    assert_int_equal(stats_of(a).handshakes, 2);
    sr_kms_client_free(a);
    client_now = server_now = T0;
}

static void test_close_forged_and_foreign(void **state)
{
    (void)state;
    struct sr_kms_client *a = client_for("alice");
    assert_int_equal(sr_kms_client_close(a), SR_OK); /* nothing live: nothing sent */
    assert_int_equal(stats_of(a).posts, 0);
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    size_t live = sr_kms_server_channels(srv, server_now);
    assert_int_equal(sr_kms_client_close(a), SR_OK);
    assert_int_equal(sr_kms_server_channels(srv, server_now), live - 1);
    assert_int_equal(sr_kms_client_ping(a), SR_OK); /* a new channel */
    assert_int_equal(stats_of(a).handshakes, 2);

    /* An answer changed on the way is refused, and the channel still works after. */
    forge_answer = true;
    assert_int_equal(sr_kms_client_ping(a), SR_ERR_AUTH);
    assert_int_equal(sr_kms_client_ping(a), SR_OK);

    /* Pinning the static key: the right thumbprint works, another stops at discovery. */
    char pin[64];
    (void)snprintf(pin, sizeof(pin), "%s", sr_kms_client_static_thumbprint(a));
    assert_int_equal(strlen(pin), 43);
    sr_kms_client_free(a);
    a = client_pinned("alice", CLUSTER, pin);
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    sr_kms_client_free(a);
    pin[5] = (char)(pin[5] == 'A' ? 'B' : 'A');
    a = client_pinned("alice", CLUSTER, pin);
    assert_int_equal(sr_kms_client_ping(a), SR_ERR_WRONG_GROUP);
    assert_int_equal(stats_of(a).posts, 0);
    sr_kms_client_free(a);

    /* A client that expects another KMS does not hand it a credential. */
    struct sr_kms_client *f = client_in("alice", "kms://other.example.org");
    assert_int_equal(sr_kms_client_ping(f), SR_ERR_WRONG_GROUP);
    assert_int_equal(stats_of(f).posts, 0);
    sr_kms_client_free(f);
}

static void test_transport_retries(void **state)
{
    (void)state;
    struct sr_kms_client *a = client_for("alice");
    slept_ms = 0;
    fail_next = 2; /* details fails twice, then works */
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    assert_int_equal(stats_of(a).retries, 2);
    assert_int_equal(slept_ms, 200 + 400);
    fail_next = 3; /* more than the retries: the error says so */
    assert_int_equal(sr_kms_client_ping(a), SR_ERR_IO);
    assert_true(strstr(sr_kms_client_last_error(a)->reason, "reached") != NULL);
    fail_next = 0;
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    sr_kms_client_free(a);
}

/* A restart with a new static key: the old channel's reset is signed by the new key. */
static void test_static_key_rotation(void **state)
{
    (void)state;
    struct sr_kms_client *a = client_for("alice");
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    sr_kms_server_free(srv);
    srv = NULL;
    sr_jose_key_free(static_key);
    static_key = NULL;
    assert_int_equal(sr_jose_key_rsa_generate(2048, &static_key), SR_OK);
    assert_int_equal(start_server(CLUSTER "/static/2"), 0);
    assert_int_equal(sr_kms_client_ping(a), SR_OK);
    struct sr_kms_client_stats s = stats_of(a);
    assert_int_equal(s.discoveries, 2);
    assert_int_equal(s.resets, 1);
    assert_int_equal(s.handshakes, 2);
    sr_kms_client_free(a);
}

/* ---- keys and resources ------------------------------------------------------------------- */

static void test_resource_flow(void **state)
{
    (void)state;
    struct sr_kms_client *a = client_for("alice"), *b = client_for("bob");
    struct sr_kms_client *c = client_for("carol");
    struct sr_kms_key_list keys, listed;
    struct sr_kms_resource res;
    struct sr_kms_key kb, kc, two[2];
    struct sr_kms_authorization_list added;
    struct sr_kms_authorization removed;

    assert_int_equal(sr_kms_client_keys_create(a, 2, &keys), SR_OK);
    assert_int_equal(keys.n, 2);
    assert_string_equal(keys.keys[0].resource_uri, "");
    assert_string_equal(keys.keys[0].user_id, "alice");
    const char *auth_ids[] = { "bob" };
    const char *key_uris[] = { keys.keys[0].uri, keys.keys[1].uri };
    struct sr_kms_resource_spec spec = { .kind = "meeting",
                                         .auth_ids = auth_ids,
                                         .n_auth_ids = 1,
                                         .key_uris = key_uris,
                                         .n_key_uris = 2 };
    assert_int_equal(sr_kms_client_resource_create(a, &spec, &res), SR_OK);
    assert_string_equal(res.kind, "meeting");
    assert_int_equal(res.n_keys, 2);
    assert_int_equal(res.n_authorizations, 2); /* alice and bob */

    /* Bob reads the key; the bytes are alice's. A second read comes from the cache. */
    assert_int_equal(sr_kms_client_key_retrieve(b, keys.keys[0].uri, &kb), SR_OK);
    assert_true(memcmp(kb.k, keys.keys[0].k, SR_KMS_KEY_LEN) == 0);
    assert_string_equal(kb.resource_uri, res.uri);
    unsigned long posts = stats_of(b).posts;
    sr_kms_key_cleanup(&kb);
    assert_int_equal(sr_kms_client_key_retrieve(b, keys.keys[0].uri, &kb), SR_OK);
    assert_int_equal(stats_of(b).posts, posts);
    assert_int_equal(stats_of(b).cache_hits, 1);

    /* Both keys, one cached and one not: a single POST. */
    assert_int_equal(sr_kms_client_keys_retrieve(b, key_uris, 2, two), SR_OK);
    assert_int_equal(stats_of(b).posts, posts + 1);
    assert_true(memcmp(two[1].k, keys.keys[1].k, SR_KMS_KEY_LEN) == 0);

    /* The resource's keys, newest bind first. */
    assert_int_equal(sr_kms_client_resource_keys(b, res.uri, 0, &listed), SR_OK);
    assert_int_equal(listed.n, 2);

    /* Carol is refused with a reason. */
    assert_int_equal(sr_kms_client_key_retrieve(c, keys.keys[0].uri, &kc), SR_ERR_DENIED);
    assert_int_equal(sr_kms_client_last_error(c)->status, 403);
    assert_string_equal(sr_kms_client_last_error(c)->code, "NOT_AUTHORIZED");
    for (size_t i = 0; i < SR_KMS_KEY_LEN; i++) {
        assert_int_equal(kc.k[i], 0);
    }

    /* Bob (viral model) authorizes carol; she reads; alice removes her; a fresh client of
     * carol's is refused again. */
    const char *carol[] = { "carol" };
    assert_int_equal(sr_kms_client_authorize(b, res.uri, carol, 1, NULL, &added), SR_OK);
    assert_int_equal(added.n, 1);
    assert_string_equal(added.items[0].auth_id, "carol");
    assert_int_equal(sr_kms_client_key_retrieve(c, keys.keys[0].uri, &kc), SR_OK);
    assert_true(memcmp(kc.k, keys.keys[0].k, SR_KMS_KEY_LEN) == 0);
    assert_int_equal(sr_kms_client_deauthorize(a, res.uri, "carol", &removed), SR_OK);
    assert_string_equal(removed.auth_id, "carol");
    struct sr_kms_client *c2 = client_for("carol");
    sr_kms_key_cleanup(&kc);
    assert_int_equal(sr_kms_client_key_retrieve(c2, keys.keys[1].uri, &kc), SR_ERR_DENIED);
    assert_int_equal(sr_kms_client_deauthorize(a, res.uri, "carol", NULL), SR_ERR_NOT_FOUND);

    /* Unknown key. */
    assert_int_equal(sr_kms_client_key_retrieve(b,
                                                CLUSTER "/keys/00000000-0000-4000-8000-"
                                                        "000000000000",
                                                &kc),
                     SR_ERR_NOT_FOUND);

    sr_kms_key_cleanup(&kb);
    sr_kms_key_cleanup(&kc);
    sr_kms_key_cleanup(&two[0]);
    sr_kms_key_cleanup(&two[1]);
    sr_kms_key_list_cleanup(&listed);
    sr_kms_key_list_cleanup(&keys);
    sr_kms_resource_cleanup(&res);
    sr_kms_authorization_list_cleanup(&added);
    sr_kms_client_free(a);
    sr_kms_client_free(b);
    sr_kms_client_free(c);
    sr_kms_client_free(c2);
}

static void test_bad_bearer(void **state)
{
    (void)state;
    struct sr_kms_client *a = client_for("alice");
    assert_int_equal(sr_kms_client_set_bearer(a, "not.a.jwt"), SR_OK);
    assert_int_equal(sr_kms_client_ping(a), SR_ERR_AUTH);
    assert_int_equal(sr_kms_client_last_error(a)->status, 401);
    assert_int_equal(stats_of(a).handshakes, 0);
    sr_kms_client_free(a);
}

/* ---- content ----------------------------------------------------------------------------- */

static void a_key(struct sr_kms_key *k, const char *uri, uint8_t fill)
{
    memset(k, 0, sizeof(*k));
    (void)snprintf(k->uri, sizeof(k->uri), "%s", uri);
    for (size_t i = 0; i < SR_KMS_KEY_LEN; i++) {
        k->k[i] = (uint8_t)(fill + i);
    }
}

static void test_message(void **state)
{
    (void)state;
    struct sr_kms_key k, other;
    struct sr_buf jwe, pt;
    char uri[SR_KMS_URI_MAX];
    static const char msg[] = "meet at noon";
    a_key(&k, CLUSTER "/keys/1", 1);
    a_key(&other, CLUSTER "/keys/2", 2);
    sr_buf_init(&jwe, 0, 0);
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    assert_int_equal(sr_kms_message_encrypt(&k, sr_slice_of(msg, strlen(msg)), &jwe), SR_OK);
    assert_int_equal(jwe.p[jwe.len], '\0');
    assert_int_equal(sr_kms_message_kid(sr_buf_slice(&jwe), uri), SR_OK);
    assert_string_equal(uri, k.uri);
    assert_int_equal(sr_kms_message_decrypt(&k, sr_buf_slice(&jwe), &pt), SR_OK);
    assert_int_equal(pt.len, strlen(msg));
    assert_memory_equal(pt.p, msg, pt.len);
    assert_int_equal(sr_kms_message_decrypt(&other, sr_buf_slice(&jwe), &pt), SR_ERR_NOT_FOUND);

    /* Every byte changed is refused, and nothing is output. */
    for (size_t i = 0; i < jwe.len; i++) {
        uint8_t save = jwe.p[i];
        jwe.p[i] = (uint8_t)(save == 'A' ? 'B' : 'A');
        sr_buf_reset(&pt);
        assert_int_not_equal(sr_kms_message_decrypt(&k, sr_buf_slice(&jwe), &pt), SR_OK);
        assert_int_equal(pt.len, 0);
        jwe.p[i] = save;
    }
    /* Truncated at every offset. */
    for (size_t n = 0; n < jwe.len; n++) {
        assert_int_not_equal(sr_kms_message_decrypt(&k, sr_slice_of(jwe.p, n), &pt), SR_OK);
    }
    /* Another key under the same URI fails the tag. */
    other = k;
    other.k[0] ^= 1;
    assert_int_equal(sr_kms_message_decrypt(&other, sr_buf_slice(&jwe), &pt), SR_ERR_AUTH);
    sr_buf_cleanup(&jwe);
    sr_buf_cleanup(&pt);
}

/* Encrypt `len` bytes fed in `step`-sized pieces; the whole file in *out. */
static void file_encrypt(const struct sr_kms_key *k, const uint8_t *data, size_t len, size_t step,
                         struct sr_buf *out)
{
    struct sr_kms_file_enc *enc = NULL;
    assert_int_equal(sr_kms_file_enc_new(k, out, &enc), SR_OK);
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        assert_int_equal(sr_kms_file_enc_update(enc, sr_slice_of(data + off, n), out), SR_OK);
    }
    assert_int_equal(sr_kms_file_enc_final(enc, out), SR_OK);
    assert_int_equal(sr_kms_file_enc_update(enc, sr_slice_of("x", 1), out), SR_ERR_STATE);
    sr_kms_file_enc_free(enc);
}

static sr_err file_decrypt(const struct sr_kms_key *k, struct sr_slice f, size_t step,
                           struct sr_buf *out)
{
    struct sr_kms_file_dec *dec = NULL;
    size_t hlen = 0;
    char uri[SR_KMS_URI_MAX];
    SR_TRY(sr_kms_file_header_len(f, &hlen));
    if (hlen > f.len) {
        return SR_ERR_DECODE;
    }
    SR_TRY(sr_kms_file_header_kid(sr_slice_of(f.p, hlen), uri));
    assert_string_equal(uri, k->uri);
    SR_TRY(sr_kms_file_dec_new(k, sr_slice_of(f.p, hlen), &dec));
    sr_err err = SR_OK;
    for (size_t off = hlen; err == SR_OK && off < f.len; off += step) {
        size_t n = f.len - off < step ? f.len - off : step;
        err = sr_kms_file_dec_update(dec, sr_slice_of(f.p + off, n), out);
    }
    if (err == SR_OK) {
        err = sr_kms_file_dec_final(dec, out);
    }
    sr_kms_file_dec_free(dec);
    return err;
}

static void test_file(void **state)
{
    (void)state;
    const size_t C = SR_KMS_FILE_CHUNK;
    const size_t sizes[] = { 0, 1, C - 1, C, C + 1, 3 * C + 17 };
    struct sr_kms_key k;
    struct sr_buf f, pt;
    a_key(&k, CLUSTER "/keys/f", 9);
    uint8_t *data = sr_malloc(3 * C + 17);
    assert_non_null(data);
    for (size_t i = 0; i < 3 * C + 17; i++) {
        data[i] = (uint8_t)(i * 31 + 7);
    }
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        sr_buf_init(&f, 0, 0);
        sr_buf_init(&pt, 0, SR_BUF_WIPE);
        file_encrypt(&k, data, sizes[s], 1000 + s, &f);
        assert_int_equal(file_decrypt(&k, sr_buf_slice(&f), 777 + s, &pt), SR_OK);
        assert_int_equal(pt.len, sizes[s]);
        assert_true(sizes[s] == 0 || memcmp(pt.p, data, sizes[s]) == 0);
        sr_buf_cleanup(&pt);
        sr_buf_cleanup(&f);
    }

    /* 3C+17 bytes: header, 3 full chunks, a final one. Tamper with each part in turn. */
    sr_buf_init(&f, 0, 0);
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    file_encrypt(&k, data, 3 * C + 17, 4096, &f);
    size_t hlen = 0;
    assert_int_equal(sr_kms_file_header_len(sr_buf_slice(&f), &hlen), SR_OK);
    size_t full = C + 16;
    assert_int_equal(f.len, hlen + 3 * full + 17 + 16);
    const size_t flips[] = { 5,        hlen + 3, hlen + 10, hlen + full + 100, hlen + 3 * full + 2,
                             f.len - 1 };
    for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
        f.p[flips[i]] ^= 0x40;
        sr_buf_reset(&pt);
        assert_int_not_equal(file_decrypt(&k, sr_buf_slice(&f), 65536, &pt), SR_OK);
        f.p[flips[i]] ^= 0x40;
    }
    /* Truncated at a chunk boundary, and by one byte. */
    sr_buf_reset(&pt);
    assert_int_not_equal(file_decrypt(&k, sr_slice_of(f.p, hlen + 3 * full), 9999, &pt), SR_OK);
    sr_buf_reset(&pt);
    assert_int_not_equal(file_decrypt(&k, sr_slice_of(f.p, f.len - 1), 9999, &pt), SR_OK);
    /* Two chunks swapped. */
    uint8_t *tmp = sr_malloc(full);
    memcpy(tmp, f.p + hlen, full);
    memcpy(f.p + hlen, f.p + hlen + full, full);
    memcpy(f.p + hlen + full, tmp, full);
    sr_buf_reset(&pt);
    assert_int_equal(file_decrypt(&k, sr_buf_slice(&f), 100000, &pt), SR_ERR_AUTH);
    /* A chunk appended after the final one. */
    sr_free(tmp);
    sr_buf_cleanup(&f);
    file_encrypt(&k, data, 10, 10, &f);
    assert_int_equal(sr_buf_append(&f, f.p + f.len - 26, 26), SR_OK);
    sr_buf_reset(&pt);
    assert_int_not_equal(file_decrypt(&k, sr_buf_slice(&f), 5, &pt), SR_OK);
    /* The wrong KMS key cannot open the reference. */
    k.k[3] ^= 1;
    sr_buf_reset(&pt);
    assert_int_equal(file_decrypt(&k, sr_slice_of(f.p, f.len - 26), 5, &pt), SR_ERR_AUTH);
    sr_buf_cleanup(&pt);
    sr_buf_cleanup(&f);
    sr_free(data);
}

/* Every allocation of the content functions failing in turn: an error, no leak, no output. */
static void test_content_alloc_failures(void **state)
{
    (void)state;
    struct sr_kms_key k;
    a_key(&k, CLUSTER "/keys/m", 3);
    uint8_t data[3000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)i;
    }
    bool done = false;
    for (long n = 0; !done; n++) {
        struct sr_buf jwe, pt, f;
        sr_buf_init(&jwe, 0, 0);
        sr_buf_init(&pt, 0, SR_BUF_WIPE);
        sr_buf_init(&f, 0, 0);
        sr_alloc_fail_at(n);
        sr_err e1 = sr_kms_message_encrypt(&k, sr_slice_of(data, sizeof(data)), &jwe);
        sr_err e2 = e1 == SR_OK ? sr_kms_message_decrypt(&k, sr_buf_slice(&jwe), &pt) : e1;
        struct sr_kms_file_enc *enc = NULL;
        struct sr_kms_file_dec *dec = NULL;
        size_t hlen = 0;
        sr_err e3 = sr_kms_file_enc_new(&k, &f, &enc);
        if (e3 == SR_OK) {
            e3 = sr_kms_file_enc_update(enc, sr_slice_of(data, sizeof(data)), &f);
        }
        if (e3 == SR_OK) {
            e3 = sr_kms_file_enc_final(enc, &f);
        }
        if (e3 == SR_OK) {
            e3 = sr_kms_file_header_len(sr_buf_slice(&f), &hlen);
        }
        if (e3 == SR_OK) {
            e3 = sr_kms_file_dec_new(&k, sr_slice_of(f.p, hlen), &dec);
        }
        if (e3 == SR_OK) {
            sr_buf_reset(&pt);
            e3 = sr_kms_file_dec_update(dec, sr_slice_of(f.p + hlen, f.len - hlen), &pt);
        }
        if (e3 == SR_OK) {
            e3 = sr_kms_file_dec_final(dec, &pt);
        }
        done = !sr_alloc_failed();
        sr_alloc_fail_at(-1);
        if (done) {
            assert_int_equal(e1, SR_OK);
            assert_int_equal(e2, SR_OK);
            assert_int_equal(e3, SR_OK);
            assert_int_equal(pt.len, sizeof(data));
        } else {
            assert_true(e1 != SR_OK || e2 != SR_OK || e3 != SR_OK);
        }
        sr_kms_file_enc_free(enc);
        sr_kms_file_dec_free(dec);
        sr_buf_cleanup(&jwe);
        sr_buf_cleanup(&pt);
        sr_buf_cleanup(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_and_reuse),
        cmocka_unit_test(test_reset_rehandshakes_once),
        cmocka_unit_test(test_transport_retries),
        cmocka_unit_test(test_close_forged_and_foreign),
        cmocka_unit_test(test_resource_flow),
        cmocka_unit_test(test_bad_bearer),
        cmocka_unit_test(test_message),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_content_alloc_failures),
        cmocka_unit_test(test_static_key_rotation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
