/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One KMS message (KMS.md §2):
 *
 *   inspect header ──kind──► handshake: open with the static key ─► authenticate ─► ECDHE
 *        │                    └─► answer JWS PS256 (201 key = channel, or the error)
 *        ├──────────────► channel: find kid ─► open with K ─► IV seen? ─► parse,
 *        │                    authenticate, dispatch, audit ─► answer JWE under K
 *        └─ anything that cannot be tied to a live channel ─► reset JWS PS256, status 499
 *
 * The audit row of a request is durable before its answer is sealed; when it cannot be
 * written the answer becomes 500 and carries no key. Serving (sr_kms_answer_make) needs the
 * engine; waiting for the row's group commit and sealing (sr_kms_answer_seal) do not, so
 * the caller can let other requests in meanwhile and their rows share one fsync.
 */
#include <string.h>

#include "core/alloc.h"
#include "kms/jose_int.h"
#include "kms/server_int.h"

static void free_text(char *text)
{
    if (text != NULL) {
        sr_wipe(text, strlen(text)); /* the payload may hold content keys */
        sr_free(text);
    }
}

void sr_kms_answer_cleanup(struct sr_kms_answer *ans)
{
    free_text(ans->text);
    sr_free(ans->sealed);
    sr_jose_key_free(ans->own_key);
    memset(ans, 0, sizeof(*ans));
}

/* The answer is sealed with `key` as `kind` under `kid` (copied). */
static sr_err answer_set(struct sr_kms_answer *ans, enum sr_jose_kind kind,
                         const struct sr_jose_key *key, const char *kid, char *text)
{
    size_t n = strlen(kid);
    ans->kind = kind;
    ans->key = key;
    ans->text = text;
    SR_CHECK(n < sizeof(ans->kid), SR_ERR_LIMIT);
    memcpy(ans->kid, kid, n + 1);
    return SR_OK;
}

/* KMS.md §8: a row that cannot be made durable withholds the answer's keys. */
static sr_err audit_failed(struct sr_kms_answer *ans)
{
    json_t *o = json_pack("{s:i,s:s,s:s}", "status", 500, "errorCode", "INTERNAL", "reason",
                          "the audit row could not be written");
    if (o != NULL && ans->request_id[0] != '\0' &&
        sr_kms_json_put_str(o, "requestId", ans->request_id) != SR_OK) {
        json_decref(o);
        o = NULL;
    }
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    SR_CHECK(text != NULL, SR_ERR_NOMEM);
    free_text(ans->text);
    ans->text = text;
    return SR_OK;
}

sr_err sr_kms_answer_seal(struct sr_kms_answer *ans, sr_err durable, char **out)
{
    *out = NULL;
    SR_CHECK((ans->text != NULL || ans->sealed != NULL) && ans->key != NULL, SR_ERR_STATE);
    if (durable != SR_OK && ans->ticket != 0) {
        SR_TRY(audit_failed(ans));
    } else if (ans->sealed != NULL) {
        *out = ans->sealed;
        ans->sealed = NULL;
        return SR_OK;
    }
    sr_err err = sr_jose_seal(ans->kind, ans->key, ans->kid,
                              sr_slice_of(ans->text, strlen(ans->text)), out, NULL);
    free_text(ans->text);
    ans->text = NULL;
    return err;
}

/* The signed reset (status 499) with the request's id, or a fresh one when unreadable. */
static sr_err reset(struct sr_kms_server *srv, const char *request_id, const char *why,
                    struct sr_kms_answer *ans)
{
    char id[SR_KMS_UUID_LEN];
    if (request_id == NULL) {
        SR_TRY(sr_kms_uuid(id));
        request_id = id;
    }
    json_t *o = json_pack("{s:i,s:s,s:s,s:s}", "status", 499, "requestId", request_id, "errorCode",
                          "RESET", "reason", why);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    SR_CHECK(text != NULL, SR_ERR_NOMEM);
    return answer_set(ans, SR_JOSE_RESET, srv->static_key, srv->static_kid, text);
}

static sr_err req_init(struct sr_kms_req *rq, struct sr_kms_server *srv, int64_t now,
                       const json_t *in, struct sr_kms_channel *ch)
{
    memset(rq, 0, sizeof(*rq));
    rq->srv = srv;
    rq->now = now;
    rq->in = in;
    rq->ch = ch;
    rq->out = json_object();
    rq->released = json_array();
    SR_CHECK(rq->out != NULL && rq->released != NULL, SR_ERR_NOMEM);
    return SR_OK;
}

/* The audit row, then the answer's text; a failed audit write withholds every key. */
static sr_err finish(struct sr_kms_req *rq, char **text)
{
    if (rq->audited) {
        sr_err err = sr_kms_audit_write(rq);
        if (err != SR_OK) {
            (void)sr_kms_req_fail(rq, 500, "INTERNAL", "the audit row could not be written");
        }
    }
    return sr_kms_req_payload(rq, text);
}

/* create /ecdhe: the channel and its key object (KMS.md §2 "Handshake"). */
static sr_err handshake(struct sr_kms_req *rq)
{
    struct sr_jose_ec_pair pair;
    struct sr_secret k;
    struct sr_kms_channel *ch = NULL;
    char *pub = NULL;
    json_t *key = NULL;
    memset(&pair, 0, sizeof(pair));
    memset(&k, 0, sizeof(k));
    const json_t *peer = json_object_get(rq->in, "jwk");
    rq->audited = true;
    sr_err err = sr_jose_ecdh_generate(&pair);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_jose_ecdh_derive(&pair, peer, &k);
    if (err == SR_ERR_DECODE || err == SR_ERR_INVALID) {
        err = sr_kms_req_fail(rq, 400, "BAD_REQUEST", "jwk must be a P-256 public key");
        goto out;
    }
    if (err == SR_OK) {
        err = sr_jose_ecdh_public_jwk(&pair, &pub);
    }
    if (err == SR_OK) {
        err = sr_kms_channel_add(rq->srv, rq, sr_secret_slice(&k), &ch);
        if (err == SR_OK) {
            err = sr_kms_channel_persist(rq->srv, ch, sr_secret_slice(&k));
            if (err != SR_OK) {
                sr_kms_channel_remove(rq->srv, ch);
                ch = NULL;
            }
        }
    }
    if (err == SR_ERR_LIMIT) {
        err = sr_kms_req_fail(rq, 429, "RATE_LIMITED", "too many channels");
        goto out;
    }
    if (err != SR_OK) {
        goto out;
    }
    key = json_pack("{s:s,s:o?,s:s,s:s}", "uri", ch->uri, "jwk",
                    json_loads(pub, JSON_REJECT_DUPLICATES, NULL), "userId", ch->user_id,
                    "clientId", ch->client_id);
    memcpy(rq->audit_uri, ch->uri, strlen(ch->uri) + 1);
    memcpy(rq->srv->made, ch->uri, strlen(ch->uri) + 1);
    err = key != NULL ? SR_OK : SR_ERR_NOMEM;
    if (err == SR_OK) {
        err = sr_kms_json_put_time(key, "createDate", ch->created);
    }
    if (err == SR_OK) {
        err = sr_kms_json_put_time(key, "expirationDate", ch->expires);
    }
    if (err == SR_OK) {
        err = sr_kms_json_put(rq->out, "key", json_incref(key));
    }
    if (err == SR_OK) {
        err = sr_kms_req_ok(rq, 201);
    } else {
        sr_kms_channel_remove(rq->srv, ch);
    }
out:
    json_decref(key);
    sr_free(pub);
    sr_secret_cleanup(&k);
    sr_jose_ec_pair_cleanup(&pair);
    return err;
}

sr_err sr_kms_serve(struct sr_kms_server *srv, struct sr_kms_channel *ch, const json_t *in,
                    int64_t now, char **text, int *status, uint64_t *ticket)
{
    struct sr_kms_req rq;
    *text = NULL;
    *status = 0;
    *ticket = 0;
    sr_err err = req_init(&rq, srv, now, in, ch);
    if (err == SR_OK) {
        err = sr_kms_req_parse(&rq);
    }
    if (err == SR_OK && rq.status == 0 && sr_kms_req_authenticate(&rq)) {
        if (!sr_kms_rate_allow(srv, rq.who.user_id, ch == NULL, now)) {
            err = sr_kms_req_fail(&rq, 429, "RATE_LIMITED", "too many %s",
                                  ch == NULL ? "handshakes" : "requests");
        } else if (ch != NULL) {
            sr_kms_dispatch(&rq);
        } else if (strcmp(rq.method, "create") != 0 || strcmp(rq.uri.shape, "ecdhe") != 0) {
            err = sr_kms_req_fail(&rq, 400, "BAD_REQUEST", "a handshake is create /ecdhe");
        } else {
            err = handshake(&rq);
        }
    }
    if (err != SR_OK && err != SR_ERR_NOMEM) {
        sr_kms_req_fail_err(&rq, err);
        err = SR_OK;
    }
    if (err == SR_OK) {
        err = finish(&rq, text);
        *status = rq.status;
        *ticket = rq.audit_ticket;
    }
    sr_kms_req_cleanup(&rq);
    return err;
}

/* Drop the channel a failed handshake made. */
static void forget_made(struct sr_kms_server *srv, int64_t now)
{
    struct sr_kms_channel *ch = sr_kms_channel_find(srv, srv->made, now);
    if (ch != NULL) {
        sr_kms_channel_forget(srv, ch->uri);
        sr_kms_channel_remove(srv, ch);
    }
    srv->made[0] = '\0';
}

/* The 12-byte IV of a checked channel JWE. */
static sr_err channel_iv(const char *compact, size_t len, uint8_t iv[SR_JOSE_IV_LEN])
{
    struct sr_jose_header hdr;
    struct sr_jose_parts parts;
    struct sr_buf b;
    SR_TRY(sr_jose_check(compact, len, SR_JOSE_CHANNEL, false, &hdr, &parts, NULL));
    sr_buf_init(&b, 64, 0);
    sr_err err = sr_jose_b64_decode(parts.part[2], &b);
    if (err == SR_OK && b.len != SR_JOSE_IV_LEN) {
        err = SR_ERR_INVALID;
    }
    if (err == SR_OK) {
        memcpy(iv, b.p, SR_JOSE_IV_LEN);
    }
    sr_buf_cleanup(&b);
    return err;
}

/* 409 REPLAY (or a spent channel) for a request whose IV this channel has seen. */
static sr_err refuse_iv(struct sr_kms_server *srv, struct sr_kms_channel *ch, const json_t *in,
                        sr_err why, int64_t now, char **text)
{
    struct sr_kms_req rq;
    sr_err err = req_init(&rq, srv, now, in, ch);
    if (err == SR_OK && sr_kms_json_str(in, "requestId", 128, &rq.request_id) != SR_OK) {
        rq.request_id = NULL;
    }
    if (err == SR_OK) {
        (void)(why == SR_ERR_REPLAY ? sr_kms_req_fail(&rq, 409, "REPLAY", "a repeated IV")
                                    : sr_kms_req_fail(&rq, 413, "TOO_LARGE",
                                                      "the channel is spent: handshake "
                                                      "again"));
        err = sr_kms_req_payload(&rq, text);
    }
    sr_kms_req_cleanup(&rq);
    return err;
}

/* The requestId of `in`, for an answer rewritten after its audit row failed. */
static void keep_request_id(const json_t *in, struct sr_kms_answer *ans)
{
    const char *id = NULL;
    if (sr_kms_json_str(in, "requestId", 128, &id) == SR_OK && id != NULL) {
        memcpy(ans->request_id, id, strlen(id) + 1);
    }
}

static sr_err serve_channel(struct sr_kms_server *srv, struct sr_kms_channel *ch, const json_t *in,
                            const uint8_t iv[SR_JOSE_IV_LEN], int64_t now,
                            struct sr_kms_answer *ans)
{
    char *text = NULL;
    int status = 0;
    sr_err err = sr_kms_channel_see_iv(ch, iv);
    if (err == SR_ERR_REPLAY || err == SR_ERR_LIMIT) {
        err = refuse_iv(srv, ch, in, err, now, &text);
    } else if (err == SR_OK) {
        err = sr_kms_serve(srv, ch, in, now, &text, &status, &ans->ticket);
    }
    if (err == SR_OK) {
        err = sr_jose_key_copy(ch->key, &ans->own_key);
    }
    if (err == SR_OK) {
        err = answer_set(ans, SR_JOSE_CHANNEL, ans->own_key, ch->uri, text);
        text = NULL;
        keep_request_id(in, ans);
    }
    free_text(text);
    if (err == SR_OK && status == 204) {
        sr_kms_channel_forget(srv, ch->uri);
        sr_kms_channel_remove(srv, ch); /* delete /ecdhe/{id}: K is no longer needed */
    }
    return err;
}

static sr_err serve_handshake(struct sr_kms_server *srv, const struct sr_jose_header *hdr,
                              const char *compact, size_t len, int64_t now_ms,
                              struct sr_kms_answer *ans)
{
    json_t *in = NULL;
    /* KMS.md §2: after a rotation the previous static key answers for a while. */
    bool prev = srv->prev_key != NULL && now_ms < srv->prev_until &&
                strcmp(hdr->kid, srv->prev_kid) == 0;
    const struct sr_jose_key *key = prev ? srv->prev_key : srv->static_key;
    const char *kid = prev ? srv->prev_kid : srv->static_kid;
    if (strcmp(hdr->kid, kid) != 0 ||
        sr_jose_open(SR_JOSE_HANDSHAKE_REQUEST, compact, len, key, kid, &in, NULL) != SR_OK) {
        return reset(srv, NULL, "the handshake does not open under the static key", ans);
    }
    char *text = NULL;
    int status;
    srv->made[0] = '\0';
    sr_err err = sr_kms_serve(srv, NULL, in, now_ms, &text, &status, &ans->ticket);
    if (err == SR_OK) {
        err = answer_set(ans, SR_JOSE_HANDSHAKE_RESPONSE, key, kid, text);
        keep_request_id(in, ans);
    }
    /* Sealed now, while a failure can still take the new channel back: the answer carries
     * no content key (KMS.md §8 asks for a durable row first only for those), and should its
     * row not become durable it is replaced by a 500 anyway. */
    if (err == SR_OK) {
        err = sr_jose_seal(ans->kind, key, kid, sr_slice_of(ans->text, strlen(ans->text)),
                           &ans->sealed, NULL);
    }
    json_decref(in);
    if (err != SR_OK && srv->made[0] != '\0') {
        forget_made(srv, now_ms); /* the client never learns of it */
    }
    return err;
}

sr_err sr_kms_answer_make(struct sr_kms_server *srv, const char *compact, size_t len,
                          int64_t now_ms, struct sr_kms_answer *ans)
{
    struct sr_jose_header hdr;
    json_t *in = NULL;
    uint8_t iv[SR_JOSE_IV_LEN];
    memset(ans, 0, sizeof(*ans));
    SR_CHECK(srv != NULL && compact != NULL, SR_ERR_ARG);
    if (sr_jose_inspect(compact, len, &hdr, NULL) != SR_OK) {
        return reset(srv, NULL, "the message is not a KMS JOSE object", ans);
    }
    if (hdr.kind == SR_JOSE_HANDSHAKE_REQUEST) {
        return serve_handshake(srv, &hdr, compact, len, now_ms, ans);
    }
    struct sr_kms_channel *ch =
            hdr.kind == SR_JOSE_CHANNEL ? sr_kms_channel_find(srv, hdr.kid, now_ms) : NULL;
    if (ch == NULL && hdr.kind == SR_JOSE_CHANNEL) {
        ch = sr_kms_channel_load(srv, hdr.kid, now_ms); /* made by another node */
    }
    if (ch == NULL || channel_iv(compact, len, iv) != SR_OK ||
        sr_jose_open(SR_JOSE_CHANNEL, compact, len, ch->key, ch->uri, &in, NULL) != SR_OK) {
        return reset(srv, NULL, "no live channel for this message", ans);
    }
    sr_err err = serve_channel(srv, ch, in, iv, now_ms, ans);
    json_decref(in);
    return err;
}

sr_err sr_kms_server_message(struct sr_kms_server *srv, const char *compact, size_t len,
                             int64_t now_ms, char **out)
{
    struct sr_kms_answer ans;
    *out = NULL;
    sr_err err = sr_kms_answer_make(srv, compact, len, now_ms, &ans);
    if (err == SR_OK) {
        err = sr_kms_answer_seal(&ans, sr_store_flush_wait(srv->store, ans.ticket), out);
    }
    sr_kms_answer_cleanup(&ans);
    return err;
}
