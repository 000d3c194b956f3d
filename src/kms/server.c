/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS engine's HTTP surface (KMS.md §5): the discovery document and the message batch.
 * Envelope faults are HTTP errors; each message of a well-formed batch gets its own answer
 * (server_msg.c), in order, even when it failed. A batch is served in two steps: under the
 * caller's lock every message is served and its audit row committed; then, without the
 * lock, the rows' group commit is awaited and the answers are sealed.
 */
#include "kms/server.h"

#include <string.h>

#include "core/alloc.h"
#include "kms/server_int.h"

static bool copy(char *dst, size_t cap, const char *src)
{
    size_t n = src != NULL ? strlen(src) : 0;
    if (n == 0 || n >= cap) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

static sr_err check_config(const struct sr_kms_server_config *cfg)
{
    SR_CHECK(cfg != NULL && cfg->store != NULL && cfg->cmk != NULL && cfg->keywrap != NULL &&
                     cfg->authn != NULL && cfg->static_key != NULL &&
                     cfg->audit_key.len == SR_KMS_AUDIT_KEY_LEN,
             SR_ERR_ARG);
    int64_t ttl = cfg->channel_ttl_ms;
    SR_CHECK(ttl == 0 || (ttl >= 5 * 60 * 1000 && ttl <= 24 * SR_KMS_CHANNEL_TTL_MS), SR_ERR_ARG);
    return SR_OK;
}

/* The JWK published in details: the configured one, else the static key's public half. */
static sr_err published_jwk(const struct sr_kms_server_config *cfg, char **out)
{
    if (cfg->static_jwk == NULL) {
        return sr_jose_key_export(cfg->static_key, false, out);
    }
    size_t n = strlen(cfg->static_jwk);
    *out = sr_malloc(n + 1);
    SR_CHECK(*out != NULL, SR_ERR_NOMEM);
    memcpy(*out, cfg->static_jwk, n + 1);
    return SR_OK;
}

sr_err sr_kms_server_new(const struct sr_kms_server_config *cfg, struct sr_kms_server **out)
{
    *out = NULL;
    SR_TRY(check_config(cfg));
    struct sr_kms_server *srv = sr_calloc(1, sizeof(*srv));
    SR_CHECK(srv != NULL, SR_ERR_NOMEM);
    sr_err err = SR_ERR_ARG;
    if (!copy(srv->host, sizeof(srv->host), cfg->host) ||
        !copy(srv->region, sizeof(srv->region), cfg->region) ||
        !copy(srv->static_kid, sizeof(srv->static_kid), cfg->static_kid) ||
        !copy(srv->audit_chain, sizeof(srv->audit_chain), cfg->audit_chain) ||
        strlen(cfg->host) + 7 >= sizeof(srv->cluster)) {
        goto out;
    }
    memcpy(srv->cluster, "kms://", 6);
    memcpy(srv->cluster + 6, srv->host, strlen(srv->host) + 1);
    memcpy(srv->audit_key, cfg->audit_key.p, SR_KMS_AUDIT_KEY_LEN);
    srv->store = cfg->store;
    srv->cmk = cfg->cmk;
    srv->keywrap = cfg->keywrap;
    srv->authn = cfg->authn;
    srv->services = cfg->services;
    srv->static_key = cfg->static_key;
    if (cfg->previous_key != NULL &&
        !copy(srv->prev_kid, sizeof(srv->prev_kid), cfg->previous_kid)) {
        goto out;
    }
    if (cfg->channel_kek.len == sizeof(srv->channel_kek)) {
        memcpy(srv->channel_kek, cfg->channel_kek.p, sizeof(srv->channel_kek));
        srv->has_channel_kek = true;
    } else if (cfg->channel_kek.len != 0) {
        goto out;
    }
    srv->prev_key = cfg->previous_key;
    srv->prev_until = cfg->previous_until;
    srv->channel_ttl_ms = cfg->channel_ttl_ms != 0 ? cfg->channel_ttl_ms : SR_KMS_CHANNEL_TTL_MS;
    srv->channels_max = cfg->channels_max != 0 ? cfg->channels_max : 4096;
    err = SR_ERR_NOMEM;
    srv->handshakes_per_min = cfg->handshakes_per_min != 0 ? cfg->handshakes_per_min : 60;
    srv->requests_per_s = cfg->requests_per_s != 0 ? cfg->requests_per_s : 100;
    srv->rates_max = 1024;
    srv->channels = sr_calloc(srv->channels_max, sizeof(*srv->channels));
    srv->rates = sr_calloc(srv->rates_max, sizeof(*srv->rates));
    srv->tokens_max = 1024;
    srv->tokens = sr_calloc(srv->tokens_max, sizeof(*srv->tokens));
    if (srv->channels == NULL || srv->rates == NULL || srv->tokens == NULL) {
        goto out;
    }
    err = published_jwk(cfg, &srv->static_jwk);
out:
    if (err != SR_OK) {
        sr_kms_server_free(srv);
        return err;
    }
    *out = srv;
    return SR_OK;
}

void sr_kms_server_free(struct sr_kms_server *srv)
{
    if (srv == NULL) {
        return;
    }
    for (size_t i = 0; i < srv->n_channels; i++) {
        sr_kms_channel_cleanup(&srv->channels[i]);
    }
    sr_free(srv->channels);
    sr_free(srv->rates);
    sr_free(srv->tokens);
    sr_free(srv->static_jwk);
    sr_wipe(srv->audit_key, sizeof(srv->audit_key));
    sr_wipe(srv->channel_kek, sizeof(srv->channel_kek));
    sr_free(srv);
}

size_t sr_kms_server_channels(struct sr_kms_server *srv, int64_t now_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < srv->n_channels; i++) {
        n += srv->channels[i].expires > now_ms;
    }
    return n;
}

/* Set the reply to `status` and the JSON text of `o`, consuming `o`. */
static sr_err reply_json(struct sr_kms_http_reply *out, int status, json_t *o)
{
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    SR_CHECK(text != NULL, SR_ERR_NOMEM);
    sr_err err = sr_buf_append(&out->body, text, strlen(text));
    sr_free(text);
    out->status = status;
    return err;
}

static sr_err reply_error(struct sr_kms_http_reply *out, int status, const char *code,
                          const char *reason)
{
    return reply_json(
            out, status,
            json_pack("{s:i,s:s,s:s}", "status", status, "errorCode", code, "reason", reason));
}

sr_err sr_kms_server_details(struct sr_kms_server *srv, struct sr_kms_http_reply *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = reply_json(out, 200,
                            json_pack("{s:s,s:s,s:s,s:s}", "kmsCluster", srv->cluster,
                                      "rsaPublicKey", srv->static_jwk, "region", srv->region,
                                      "cmkProvider", srv->cmk->ops->name));
    if (err != SR_OK) {
        sr_buf_cleanup(&out->body);
    }
    return err;
}

/* A batch served but not yet sealed, one answer per message in order. */
struct sr_kms_batch {
    size_t n;
    struct sr_kms_answer ans[SR_KMS_BATCH_MAX];
};

static void batch_free(struct sr_kms_batch *b)
{
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        sr_kms_answer_cleanup(&b->ans[i]);
    }
    sr_free(b);
}

static sr_err run_batch(struct sr_kms_server *srv, const json_t *msgs, int64_t now,
                        struct sr_kms_batch **out)
{
    struct sr_kms_batch *b = sr_calloc(1, sizeof(*b));
    SR_CHECK(b != NULL, SR_ERR_NOMEM);
    sr_err err = SR_OK;
    for (size_t i = 0; err == SR_OK && i < json_array_size(msgs); i++) {
        const json_t *m = json_array_get(msgs, i);
        err = sr_kms_answer_make(srv, json_string_value(m), json_string_length(m), now, &b->ans[i]);
        b->n = i + 1;
    }
    if (err != SR_OK) {
        batch_free(b);
        return err;
    }
    *out = b;
    return SR_OK;
}

/* The envelope checks of KMS.md §5; SR_OK with out->status 0 when the batch may run. */
static sr_err check_envelope(struct sr_kms_server *srv, const json_t *doc,
                             struct sr_kms_http_reply *out)
{
    const json_t *dest = json_object_get(doc, "destination");
    const json_t *msgs = json_object_get(doc, "kmsMessages");
    if (!json_is_string(dest) || !json_is_array(msgs)) {
        return reply_error(out, 400, "BAD_REQUEST", "destination and kmsMessages are required");
    }
    if (strcmp(json_string_value(dest), srv->cluster) != 0) {
        return reply_error(out, 421, "WRONG_KMS", srv->cluster);
    }
    if (json_array_size(msgs) > SR_KMS_BATCH_MAX) {
        return reply_error(out, 413, "TOO_LARGE", "at most 50 messages");
    }
    for (size_t i = 0; i < json_array_size(msgs); i++) {
        const json_t *m = json_array_get(msgs, i);
        if (!json_is_string(m) || json_string_length(m) > SR_JOSE_COMPACT_MAX) {
            return reply_error(out, 400, "BAD_REQUEST", "kmsMessages holds compact strings");
        }
    }
    return SR_OK;
}

sr_err sr_kms_server_messages_stage(struct sr_kms_server *srv, struct sr_slice body, int64_t now_ms,
                                    struct sr_kms_batch **batch, struct sr_kms_http_reply *out)
{
    json_t *doc = NULL;
    memset(out, 0, sizeof(*out));
    *batch = NULL;
    if (body.len > SR_KMS_BODY_MAX) {
        return reply_error(out, 413, "TOO_LARGE", "the body is too large");
    }
    json_error_t jerr;
    doc = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, &jerr);
    sr_err err;
    if (!json_is_object(doc)) {
        err = reply_error(out, 400, "BAD_REQUEST", "the body is not a JSON object");
        goto out;
    }
    err = check_envelope(srv, doc, out);
    if (err == SR_OK && out->status == 0) {
        err = run_batch(srv, json_object_get(doc, "kmsMessages"), now_ms, batch);
    }
out:
    json_decref(doc);
    if (err != SR_OK) {
        sr_buf_cleanup(&out->body);
        out->status = 0;
    }
    return err;
}

/*
 * Append one compact JOSE answer as a JSON string. Its characters are base64url and dots,
 * none of which JSON escapes, so the answers are written as they are rather than through a
 * JSON tree (which costs more than the rest of the envelope).
 */
static sr_err append_compact(struct sr_buf *b, const char *compact, bool comma)
{
    size_t n = strlen(compact);
    for (size_t i = 0; i < n; i++) {
        char c = compact[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        SR_CHECK(ok, SR_ERR_STATE);
    }
    SR_TRY(sr_buf_append(b, comma ? ",\"" : "\"", comma ? 2 : 1));
    SR_TRY(sr_buf_append(b, compact, n));
    return sr_buf_append(b, "\"", 1);
}

sr_err sr_kms_server_messages_finish(struct sr_kms_server *srv, struct sr_kms_batch *batch,
                                     struct sr_kms_http_reply *out)
{
    uint64_t ticket = 0;
    memset(out, 0, sizeof(*out));
    SR_CHECK(batch != NULL, SR_ERR_ARG);
    for (size_t i = 0; i < batch->n; i++) {
        ticket = batch->ans[i].ticket > ticket ? batch->ans[i].ticket : ticket;
    }
    /* Tickets grow with each commit: the newest one durable makes them all durable. */
    sr_err durable = sr_store_flush_wait(srv->store, ticket);
    sr_buf_init(&out->body, 0, 0);
    sr_err err = sr_buf_append(&out->body, "{\"kmsMessages\":[", 16);
    for (size_t i = 0; err == SR_OK && i < batch->n; i++) {
        char *ans = NULL;
        err = sr_kms_answer_seal(&batch->ans[i], durable, &ans);
        if (err == SR_OK) {
            err = append_compact(&out->body, ans, i > 0);
        }
        sr_free(ans);
    }
    if (err == SR_OK) {
        err = sr_buf_append(&out->body, "]}", 2);
    }
    out->status = 200;
    batch_free(batch);
    if (err != SR_OK) {
        sr_buf_cleanup(&out->body);
        out->status = 0;
    }
    return err;
}

sr_err sr_kms_server_messages(struct sr_kms_server *srv, struct sr_slice body, int64_t now_ms,
                              struct sr_kms_http_reply *out)
{
    struct sr_kms_batch *batch = NULL;
    SR_TRY(sr_kms_server_messages_stage(srv, body, now_ms, &batch, out));
    return batch != NULL ? sr_kms_server_messages_finish(srv, batch, out) : SR_OK;
}
