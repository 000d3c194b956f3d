/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's session layer (KMS.md §2, §5):
 *
 *   discovery   GET /kms/v1/details -> kmsCluster, the static RSA key and its kid
 *   handshake   fresh P-256 pair; JWE RSA-OAEP {create /ecdhe, jwk, client{bearer}}
 *               -> JWS PS256 by the static key {201, key{uri, jwk, expirationDate}}
 *               K = HKDF-SHA-256(Z) (jose_ecdh.c)
 *   requests    JWE dir+A256GCM under K, kid = channel URI, several per POST
 *   reset       a PS256 JWS with status 499: drop K and unbound cached keys, handshake
 *               again and resend the batch once; a reset under another static kid (a new
 *               static key) makes the client fetch the details again before verifying it
 *
 * The channel is reused until renew_before_ms before its expirationDate. Transport errors
 * (and HTTP 429, 502, 503) are retried with doubling backoff; each resend is sealed afresh,
 * so the KMS never sees an IV twice. Other transport errors (a certificate that does not
 * verify) are not retried.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "kms/client_int.h"
#include "kms/jose_int.h"
#include "kms/jwk.h"
#include "kms/proto.h"

#define DETAILS_PATH  "/kms/v1/details"
#define MESSAGES_PATH "/kms/v1/messages"

static bool retryable_status(int status)
{
    return status == 429 || status == 502 || status == 503;
}

/* One HTTP exchange with retries; *doc is the JSON body of a 200 answer. */
static sr_err exchange(struct sr_kms_client *c, const char *path, struct sr_slice body,
                       json_t **doc)
{
    struct sr_buf out;
    int status = 0;
    unsigned delay = c->backoff_ms;
    sr_err err = SR_ERR_IO;
    *doc = NULL;
    sr_buf_init(&out, 0, 0);
    for (unsigned attempt = 0; attempt <= c->retries; attempt++) {
        if (attempt > 0) {
            c->stats.retries++;
            if (c->sleep != NULL) {
                c->sleep(c->sleep_arg, delay);
            }
            delay *= 2;
        }
        sr_buf_reset(&out);
        status = 0;
        err = c->transport(c->transport_arg, path, body, &status, &out);
        if ((err == SR_OK && !retryable_status(status)) || (err != SR_OK && err != SR_ERR_IO)) {
            break; /* only unreachable or busy servers are worth another try */
        }
    }
    if (err == SR_ERR_AUTH) {
        (void)sr_kms_client_fail(c, err, 0, "", "the server's TLS certificate did not verify");
    } else if (err != SR_OK) {
        (void)sr_kms_client_fail(c, err, 0, "", "the KMS could not be reached");
    } else if (status != 200) {
        err = sr_kms_client_fail(c, sr_kms_client_err_of(status), status, "",
                                 "the KMS refused the HTTP request");
    } else if (sr_jose_json_parse(sr_buf_slice(&out), doc, NULL) != SR_OK) {
        err = sr_kms_client_fail(c, SR_ERR_DECODE, status, "", "the KMS answer is not JSON");
    }
    sr_buf_cleanup(&out);
    return err;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* GET /kms/v1/details: the cluster name and the static key, whose kid must be its own. */
static sr_err discover(struct sr_kms_client *c)
{
    json_t *doc = NULL, *jwk = NULL;
    char want[SR_KMS_URI_MAX + 16];
    const char *jwk_text = NULL;
    SR_TRY(exchange(c, DETAILS_PATH, sr_slice_of(NULL, 0), &doc));
    sr_err err = sr_kms_client_str(doc, "kmsCluster", true, c->cluster, sizeof(c->cluster));
    if (err == SR_OK) {
        jwk_text = json_string_value(json_object_get(doc, "rsaPublicKey"));
        err = jwk_text != NULL ? SR_OK : SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        err = sr_jose_json_parse(sr_slice_of(jwk_text, strlen(jwk_text)), &jwk, NULL);
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(jwk, "kid", false, c->static_kid, sizeof(c->static_kid));
    }
    if (err == SR_OK && c->static_kid[0] == '\0') {
        /* KMS.md §5 publishes the kid; an engine given no published JWK exports the bare
         * key, whose kid is then the first static key's. */
        int n = snprintf(c->static_kid, sizeof(c->static_kid), "%s/static/1", c->cluster);
        err = n > 0 && (size_t)n < sizeof(c->static_kid) ? SR_OK : SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        err = sr_kms_jwk_thumbprint_b64(jwk, c->thumb);
    }
    if (err != SR_OK) {
        err = sr_kms_client_fail(c, SR_ERR_DECODE, 0, "", "malformed /kms/v1/details");
        goto out;
    }
    err = sr_kms_client_check_x5c(c, jwk, c->static_kid);
    if (err != SR_OK) {
        goto out;
    }
    if (c->pin[0] != '\0' && strcmp(c->pin, c->thumb) != 0) {
        err = sr_kms_client_fail(c, SR_ERR_WRONG_GROUP, 0, "",
                                 "the KMS static key does not have the pinned thumbprint");
        goto out;
    }
    (void)snprintf(want, sizeof(want), "%s/static/", c->cluster);
    if (!has_prefix(c->cluster, "kms://") || !has_prefix(c->static_kid, want) ||
        (c->expect_cluster[0] != '\0' && strcmp(c->expect_cluster, c->cluster) != 0)) {
        err = sr_kms_client_fail(c, SR_ERR_WRONG_GROUP, 0, "",
                                 "the KMS names another cluster or a foreign static key");
        goto out;
    }
    sr_jose_key_free(c->static_pub);
    c->static_pub = NULL;
    err = sr_jose_key_import(jwk_text, strlen(jwk_text), &c->static_pub);
    if (err != SR_OK) {
        err = sr_kms_client_fail(c, err, 0, "", "the static key is not an RSA JWK");
        goto out;
    }
    c->stats.discoveries++;
out:
    json_decref(jwk);
    json_decref(doc);
    if (err != SR_OK) {
        c->cluster[0] = '\0';
        c->thumb[0] = '\0';
    }
    return err;
}

/* A copy of `req` with "client" and a fresh "requestId", as JSON text (sr_free it). */
static sr_err payload_text(struct sr_kms_client *c, json_t *req, char *rid, size_t rid_cap,
                           char **out)
{
    *out = NULL;
    (void)snprintf(rid, rid_cap, "c-%lu", ++c->next_id);
    json_t *p = json_copy(req);
    json_t *client = json_pack("{s:s,s:{s:s}}", "clientId", c->client_id, "credential", "bearer",
                               (const char *)c->bearer.p);
    sr_err err = p != NULL && client != NULL ? SR_OK : SR_ERR_NOMEM;
    /* A compliance request names the user it acts for in req's own "client" (KMS.md §6). */
    const char *obo =
            json_string_value(json_object_get(json_object_get(req, "client"), "onBehalfOf"));
    if (err == SR_OK && obo != NULL) {
        err = sr_kms_json_put_str(client, "onBehalfOf", obo);
    }
    if (err == SR_OK) {
        err = sr_kms_json_put(p, "client", client);
        client = NULL;
    }
    if (err == SR_OK) {
        err = sr_kms_json_put_str(p, "requestId", rid);
    }
    if (err == SR_OK) {
        *out = json_dumps(p, JSON_COMPACT);
        err = *out != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    json_decref(client);
    json_decref(p);
    return err;
}

/* Seal text, wiping it (it carries the bearer). */
static sr_err seal_wipe(enum sr_jose_kind kind, const struct sr_jose_key *key, const char *kid,
                        char *text, char **out)
{
    sr_err err = sr_jose_seal(kind, key, kid, sr_slice_of(text, strlen(text)), out, NULL);
    sr_wipe(text, strlen(text));
    sr_free(text);
    return err;
}

/* POST the sealed messages; *doc holds "kmsMessages" with exactly n strings. */
static sr_err post(struct sr_kms_client *c, char *const *msgs, size_t n, json_t **doc)
{
    json_t *arr = json_array();
    json_t *env = NULL;
    char *text = NULL;
    *doc = NULL;
    sr_err err = arr != NULL ? SR_OK : SR_ERR_NOMEM;
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        err = json_array_append_new(arr, json_string(msgs[i])) == 0 ? SR_OK : SR_ERR_NOMEM;
    }
    if (err == SR_OK) {
        env = json_pack("{s:s,s:O}", "destination", c->cluster, "kmsMessages", arr);
        text = env != NULL ? json_dumps(env, JSON_COMPACT) : NULL;
        err = text != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    if (err == SR_OK) {
        c->stats.posts++;
        c->stats.messages += n;
        err = exchange(c, MESSAGES_PATH, sr_slice_of(text, strlen(text)), doc);
    }
    if (err == SR_OK) {
        const json_t *ans = json_object_get(*doc, "kmsMessages");
        bool ok = json_is_array(ans) && json_array_size(ans) == n;
        for (size_t i = 0; ok && i < n; i++) {
            ok = json_is_string(json_array_get(ans, i));
        }
        if (!ok) {
            err = sr_kms_client_fail(c, SR_ERR_DECODE, 200, "",
                                     "the KMS answered a different number of messages");
            json_decref(*doc);
            *doc = NULL;
        }
    }
    sr_free(text);
    json_decref(env);
    json_decref(arr);
    return err;
}

static const char *answer_at(const json_t *doc, size_t i)
{
    return json_string_value(json_array_get(json_object_get(doc, "kmsMessages"), i));
}

/* Record a refused handshake or request from its payload. */
static sr_err refused(struct sr_kms_client *c, const json_t *p, int status)
{
    return sr_kms_client_fail(c, sr_kms_client_err_of(status), status,
                              json_string_value(json_object_get(p, "errorCode")),
                              json_string_value(json_object_get(p, "reason")));
}

static sr_err finish_handshake(struct sr_kms_client *c, const struct sr_jose_ec_pair *pair,
                               const json_t *p, const char *rid)
{
    struct sr_secret k;
    char uri[SR_KMS_URI_MAX], exp[64], want[SR_KMS_URI_MAX + 16];
    int64_t expires = 0;
    int status = (int)json_integer_value(json_object_get(p, "status"));
    if (status != 201) {
        return refused(c, p, status);
    }
    const json_t *key = json_object_get(p, "key");
    const char *echo = json_string_value(json_object_get(p, "requestId"));
    (void)snprintf(want, sizeof(want), "%s/ecdhe/", c->cluster);
    if (echo == NULL || strcmp(echo, rid) != 0 ||
        sr_kms_client_str(key, "uri", true, uri, sizeof(uri)) != SR_OK || !has_prefix(uri, want) ||
        sr_kms_client_str(key, "expirationDate", true, exp, sizeof(exp)) != SR_OK ||
        sr_kms_time_parse(exp, &expires) != SR_OK) {
        return sr_kms_client_fail(c, SR_ERR_DECODE, status, "", "malformed handshake answer");
    }
    sr_err err = sr_jose_ecdh_derive(pair, json_object_get(key, "jwk"), &k);
    if (err == SR_OK) {
        sr_jose_key_free(c->k);
        c->k = NULL;
        err = sr_jose_key_oct(sr_secret_slice(&k), &c->k);
    }
    sr_secret_cleanup(&k);
    if (err != SR_OK) {
        return sr_kms_client_fail(c, err, status, "", "the KMS ECDHE key is not usable");
    }
    memcpy(c->ch_uri, uri, sizeof(uri));
    c->ch_expires = expires;
    c->stats.handshakes++;
    return SR_OK;
}

static sr_err handshake(struct sr_kms_client *c)
{
    struct sr_jose_ec_pair pair;
    char rid[32], *pub = NULL, *text = NULL, *msg = NULL;
    json_t *req = NULL, *doc = NULL, *p = NULL;
    memset(&pair, 0, sizeof(pair));
    if (c->cluster[0] == '\0') {
        SR_TRY(discover(c));
    }
    sr_err err = sr_jose_ecdh_generate(&pair);
    if (err == SR_OK) {
        err = sr_jose_ecdh_public_jwk(&pair, &pub);
    }
    if (err == SR_OK) {
        req = json_pack("{s:s,s:s,s:o?}", "method", "create", "uri", "/ecdhe", "jwk",
                        json_loads(pub, 0, NULL));
        err = req != NULL && json_object_get(req, "jwk") != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    if (err == SR_OK) {
        err = payload_text(c, req, rid, sizeof(rid), &text);
    }
    if (err == SR_OK) {
        err = seal_wipe(SR_JOSE_HANDSHAKE_REQUEST, c->static_pub, c->static_kid, text, &msg);
    }
    if (err == SR_OK) {
        err = post(c, &msg, 1, &doc);
    }
    if (err == SR_OK) {
        const char *ans = answer_at(doc, 0);
        err = sr_jose_open(SR_JOSE_HANDSHAKE_RESPONSE, ans, strlen(ans), c->static_pub,
                           c->static_kid, &p, NULL);
        if (err != SR_OK) {
            err = sr_kms_client_fail(c, SR_ERR_AUTH, 0, "",
                                     "the handshake answer is not signed by the static key");
        }
    }
    if (err == SR_OK) {
        err = finish_handshake(c, &pair, p, rid);
    }
    json_decref(p);
    json_decref(doc);
    json_decref(req);
    sr_free(msg);
    sr_free(pub);
    sr_jose_ec_pair_cleanup(&pair);
    return err;
}

static void drop_channel(struct sr_kms_client *c)
{
    sr_jose_key_free(c->k);
    c->k = NULL;
    c->ch_uri[0] = '\0';
    c->ch_expires = 0;
}

static sr_err ensure_channel(struct sr_kms_client *c)
{
    int64_t now = c->clock(c->clock_arg);
    if (c->k != NULL && now < c->ch_expires - c->renew_before_ms) {
        return SR_OK;
    }
    drop_channel(c);
    return handshake(c);
}

/*
 * Open answer i: a channel JWE under K, or a signed reset (*reset set). The request id
 * must be echoed.
 */
static sr_err open_answer(struct sr_kms_client *c, const char *ans, const char *rid, json_t **out,
                          bool *reset)
{
    struct sr_jose_header hdr;
    json_t *p = NULL;
    *out = NULL;
    sr_err err = sr_jose_inspect(ans, strlen(ans), &hdr, NULL);
    if (err == SR_OK && hdr.kind == SR_JOSE_CHANNEL) {
        err = sr_jose_open(SR_JOSE_CHANNEL, ans, strlen(ans), c->k, c->ch_uri, &p, NULL);
    } else if (err == SR_OK) {
        if (strcmp(hdr.kid, c->static_kid) != 0) {
            /* The KMS has a new static key (KMS.md §2): learn it from details first. */
            err = discover(c);
        }
        if (err == SR_OK) {
            err = sr_jose_open(SR_JOSE_RESET, ans, strlen(ans), c->static_pub, c->static_kid, &p,
                               NULL);
        }
        if (err == SR_OK && json_integer_value(json_object_get(p, "status")) == 499) {
            *reset = true;
            json_decref(p);
            return SR_OK;
        }
    }
    if (err != SR_OK) {
        json_decref(p);
        return sr_kms_client_fail(c, SR_ERR_AUTH, 0, "", "a KMS answer did not verify");
    }
    const char *echo = json_string_value(json_object_get(p, "requestId"));
    if (echo == NULL || strcmp(echo, rid) != 0) {
        json_decref(p);
        return sr_kms_client_fail(c, SR_ERR_DECODE, 0, "", "a KMS answer has another requestId");
    }
    *out = p;
    return SR_OK;
}

/* One attempt: seal, post, open. *reset when the KMS reset the channel. */
static sr_err send_once(struct sr_kms_client *c, json_t *const *reqs, size_t n, json_t **answers,
                        bool *reset)
{
    char **msgs = sr_calloc(n, sizeof(char *));
    char(*rids)[32] = sr_calloc(n, sizeof(*rids));
    json_t *doc = NULL;
    sr_err err = msgs != NULL && rids != NULL ? SR_OK : SR_ERR_NOMEM;
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        char *text = NULL;
        err = payload_text(c, reqs[i], rids[i], sizeof(rids[i]), &text);
        if (err == SR_OK) {
            err = seal_wipe(SR_JOSE_CHANNEL, c->k, c->ch_uri, text, &msgs[i]);
        }
    }
    if (err == SR_OK) {
        err = post(c, msgs, n, &doc);
    }
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        err = open_answer(c, answer_at(doc, i), rids[i], &answers[i], reset);
    }
    if (err != SR_OK || *reset) {
        for (size_t i = 0; i < n; i++) {
            json_decref(answers[i]);
            answers[i] = NULL;
        }
    }
    for (size_t i = 0; msgs != NULL && i < n; i++) {
        sr_free(msgs[i]);
    }
    sr_free(msgs);
    sr_free(rids);
    json_decref(doc);
    return err;
}

sr_err sr_kms_client_send(struct sr_kms_client *c, json_t *const *reqs, size_t n, json_t **answers)
{
    SR_CHECK(c != NULL && n > 0 && n <= SR_KMS_BATCH_LIMIT, SR_ERR_ARG);
    for (size_t i = 0; i < n; i++) {
        answers[i] = NULL;
    }
    (void)sr_kms_client_fail(c, SR_OK, 0, "", "");
    for (int attempt = 0; attempt < 2; attempt++) {
        bool reset = false;
        SR_TRY(ensure_channel(c));
        SR_TRY(send_once(c, reqs, n, answers, &reset));
        if (!reset) {
            return SR_OK;
        }
        c->stats.resets++;
        drop_channel(c);
        sr_kms_client_cache_drop_unbound(c);
    }
    return sr_kms_client_fail(c, SR_ERR_IO, 499, "RESET",
                              "the KMS reset the channel again after a new handshake");
}

sr_err sr_kms_client_check(struct sr_kms_client *c, const json_t *answer, int want)
{
    int status = (int)json_integer_value(json_object_get(answer, "status"));
    if (status == want) {
        return SR_OK;
    }
    return refused(c, answer, status);
}

sr_err sr_kms_client_call(struct sr_kms_client *c, json_t *req, int want, json_t **answer)
{
    *answer = NULL;
    SR_CHECK(req != NULL, SR_ERR_NOMEM);
    SR_TRY(sr_kms_client_send(c, &req, 1, answer));
    sr_err err = sr_kms_client_check(c, *answer, want);
    if (err != SR_OK) {
        json_decref(*answer);
        *answer = NULL;
    }
    return err;
}

sr_err sr_kms_client_close(struct sr_kms_client *c)
{
    json_t *ans = NULL;
    SR_CHECK(c != NULL, SR_ERR_ARG);
    if (c->k == NULL || c->clock(c->clock_arg) >= c->ch_expires - c->renew_before_ms) {
        drop_channel(c);
        return SR_OK;
    }
    char uri[SR_KMS_URI_MAX];
    memcpy(uri, c->ch_uri, sizeof(uri));
    json_t *req = json_pack("{s:s,s:s}", "method", "delete", "uri", uri);
    sr_err err = req != NULL ? SR_OK : SR_ERR_NOMEM;
    if (err == SR_OK) {
        err = sr_kms_client_send(c, &req, 1, &ans);
    }
    /* After a reset the old channel is gone already, whatever the new one answered. */
    if (err == SR_OK && strcmp(uri, c->ch_uri) == 0) {
        err = sr_kms_client_check(c, ans, 204);
    }
    drop_channel(c);
    json_decref(ans);
    json_decref(req);
    return err;
}
