/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One request's common members and its answer (KMS.md §2, §4): the request payload's method,
 * uri, requestId, client and reason are checked before anything else, the bearer is verified
 * on every request and held to the channel's identity, and errors carry a status, a stable
 * errorCode and a `reason` for people.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/server_int.h"

#define REQUEST_ID_MAX 128

static const char *const methods[] = { "create", "retrieve", "update", "delete" };

sr_err sr_kms_req_fail(struct sr_kms_req *rq, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(rq->reason, sizeof(rq->reason), fmt, ap);
    va_end(ap);
    rq->status = status;
    rq->error_code = code;
    /* An error answer carries no objects, and releases no key. */
    json_object_clear(rq->out);
    json_array_clear(rq->released);
    return SR_OK;
}

sr_err sr_kms_req_ok(struct sr_kms_req *rq, int status)
{
    rq->status = status;
    rq->error_code = NULL;
    rq->reason[0] = '\0';
    return SR_OK;
}

void sr_kms_req_fail_err(struct sr_kms_req *rq, sr_err err)
{
    switch (err) {
    case SR_ERR_DENIED:
        (void)sr_kms_req_fail(rq, 503, "CMK_REVOKED", "the organization's CMK is revoked");
        break;
    case SR_ERR_IO:
        (void)sr_kms_req_fail(rq, 502, "HSM_UNAVAILABLE", "the key token cannot be reached");
        break;
    default:
        (void)sr_kms_req_fail(rq, 500, "INTERNAL", "internal error (%s)", sr_err_name(err));
        break;
    }
}

sr_err sr_kms_req_payload(const struct sr_kms_req *rq, char **text)
{
    *text = NULL;
    json_t *o = json_object();
    sr_err err = SR_ERR_NOMEM;
    if (o == NULL || json_object_update(o, rq->out) != 0 ||
        sr_kms_json_put(o, "status", json_integer(rq->status)) != SR_OK ||
        (rq->request_id != NULL && sr_kms_json_put_str(o, "requestId", rq->request_id) != SR_OK) ||
        (rq->error_code != NULL && (sr_kms_json_put_str(o, "errorCode", rq->error_code) != SR_OK ||
                                    sr_kms_json_put_str(o, "reason", rq->reason) != SR_OK))) {
        goto out;
    }
    *text = json_dumps(o, JSON_COMPACT);
    err = *text != NULL ? SR_OK : SR_ERR_NOMEM;
out:
    json_decref(o);
    return err;
}

static sr_err parse_client(struct sr_kms_req *rq)
{
    const json_t *client = json_object_get(rq->in, "client");
    if (!json_is_object(client)) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "client must be an object");
    }
    if (sr_kms_json_str(client, "clientId", SR_STORE_ID_MAX - 1, &rq->client_id) != SR_OK ||
        rq->client_id == NULL) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "client.clientId must be a string");
    }
    const json_t *cred = json_object_get(client, "credential");
    if (!json_is_object(cred)) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "client.credential must be an object");
    }
    const json_t *jwk = json_object_get(cred, "jwk");
    if (jwk != NULL && (!json_is_object(jwk) || json_object_get(cred, "bearer") != NULL)) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST",
                               "client.credential is a bearer or a service jwk object");
    }
    if (sr_kms_json_str(client, "onBehalfOf", SR_STORE_ID_MAX - 1, &rq->on_behalf_of) != SR_OK) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "client.onBehalfOf must be a string");
    }
    return SR_OK;
}

static bool method_known(const char *m)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(methods[i], m) == 0) {
            return true;
        }
    }
    return false;
}

sr_err sr_kms_req_parse(struct sr_kms_req *rq)
{
    if (sr_kms_json_str(rq->in, "requestId", REQUEST_ID_MAX, &rq->request_id) != SR_OK ||
        rq->request_id == NULL) {
        rq->request_id = NULL;
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "requestId must be 1-128 characters");
    }
    if (sr_kms_json_str(rq->in, "method", SR_STORE_NAME_MAX, &rq->method) != SR_OK ||
        rq->method == NULL || !method_known(rq->method)) {
        rq->method = NULL;
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST",
                               "method must be create, retrieve, "
                               "update or delete");
    }
    if (sr_kms_json_str(rq->in, "uri", SR_STORE_ID_MAX - 1, &rq->raw_uri) != SR_OK ||
        rq->raw_uri == NULL) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "uri must be a string");
    }
    sr_err err = sr_kms_uri_parse(rq->srv->host, rq->raw_uri, &rq->uri);
    if (err == SR_ERR_WRONG_GROUP) {
        return sr_kms_req_fail(rq, 421, "WRONG_KMS", "this is %s", rq->srv->cluster);
    }
    if (err != SR_OK) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "uri is not a KMS URI");
    }
    if (sr_kms_json_str(rq->in, "reason", SR_STORE_TEXT_MAX - 1, &rq->reason_in) != SR_OK) {
        return sr_kms_req_fail(rq, 400, "BAD_REQUEST", "reason must be a string");
    }
    return parse_client(rq);
}

/*
 * KMS.md §6: onBehalfOf is honoured only for kms.orgAgent, only on retrieve, only for a user
 * of the same org (learnt from that user's tokens) and only with a reason. Refusals are
 * audited, as they reached the KMS's judgement of a compliance request.
 */
static bool on_behalf(struct sr_kms_req *rq)
{
    struct sr_store_principal p;
    rq->audited = true;
    if ((rq->who.roles & SR_KMS_ROLE_ORG_AGENT) == 0 || strcmp(rq->method, "retrieve") != 0) {
        (void)sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED", "onBehalfOf is for compliance retrieves");
        return false;
    }
    if (rq->reason_in == NULL) {
        (void)sr_kms_req_fail(rq, 400, "REASON_REQUIRED", "compliance access needs a reason");
        return false;
    }
    sr_err err = sr_store_principal_get(rq->srv->store, rq->on_behalf_of, &p);
    if (err == SR_OK && strcmp(p.kind, "user") != 0) {
        err = SR_ERR_NOT_FOUND; /* a service is nobody's behalf */
    }
    if (err != SR_OK || strcmp(p.org_id, rq->who.org_id) != 0) {
        (void)sr_kms_req_fail(rq, err == SR_OK || err == SR_ERR_NOT_FOUND ? 403 : 500,
                              err == SR_OK || err == SR_ERR_NOT_FOUND ? "NOT_AUTHORIZED"
                                                                      : "INTERNAL",
                              "onBehalfOf names no user of this organization");
        return false;
    }
    memcpy(rq->as_user, p.user_id, sizeof(rq->as_user));
    rq->compliance = true;
    return true;
}

/* A user's bearer; a token may not claim a service's name. */
static bool bearer_ok(struct sr_kms_req *rq, const json_t *bearer, enum sr_kms_authn_fail *why)
{
    return json_is_string(bearer) &&
           sr_kms_bearer_check(rq->srv, json_string_value(bearer), rq->now, &rq->who, why) ==
                   SR_OK &&
           strncmp(rq->who.user_id, SR_KMS_SERVICE_PREFIX, strlen(SR_KMS_SERVICE_PREFIX)) != 0;
}

/*
 * KMS.md §9: services get keys only from orgs whose policy.services lists their kind. A
 * service limited to one org is judged here, on every request; one serving any org is judged
 * per resource (sr_kms_require_resource). The refusal is audited: the service is known.
 */
static bool service_enabled(struct sr_kms_req *rq)
{
    bool on = false;
    if (rq->who.org_id[0] == '\0') {
        return true;
    }
    sr_err err = sr_kms_org_enables(rq, rq->who.org_id, rq->who.service, &on);
    if (err != SR_OK) {
        sr_kms_req_fail_err(rq, err);
        return false;
    }
    if (!on) {
        rq->audited = true;
        (void)sr_kms_req_fail(rq, 403, "NOT_AUTHORIZED",
                              "the organization has not enabled the %s service", rq->who.service);
    }
    return on;
}

bool sr_kms_req_authenticate(struct sr_kms_req *rq)
{
    const json_t *cred = json_object_get(json_object_get(rq->in, "client"), "credential");
    bool service = json_object_get(cred, "jwk") != NULL;
    enum sr_kms_authn_fail why = SR_KMS_AUTHN_INVALID;
    /* A service proves possession of its key at the handshake only (KMS.md §6). */
    struct sr_kms_proof_expect proof = { rq->srv->cluster, rq->request_id,
                                         json_object_get(rq->in, "jwk") };
    sr_err err = SR_OK;
    if (service) {
        err = sr_kms_service_verify(rq->srv->services, cred, rq->ch == NULL ? &proof : NULL,
                                    rq->now, &rq->who, rq->thumb, &why);
    } else if (!bearer_ok(rq, json_object_get(cred, "bearer"), &why)) {
        err = SR_ERR_AUTH;
    }
    if (err != SR_OK) {
        memset(&rq->who, 0, sizeof(rq->who));
        if (err != SR_ERR_AUTH) {
            sr_kms_req_fail_err(rq, err);
        } else if (why == SR_KMS_AUTHN_EXPIRED) {
            (void)sr_kms_req_fail(rq, 401, "TOKEN_EXPIRED", "the %s has expired",
                                  service ? "service certificate or proof" : "bearer token");
        } else {
            (void)sr_kms_req_fail(rq, 401, "TOKEN_INVALID", "the credential is not valid");
        }
        return false;
    }
    /* KMS.md §2: the identity of the handshake is bound to the channel, a service's by the
     * thumbprint of its JWK. */
    if (rq->ch != NULL && (strcmp(rq->ch->user_id, rq->who.user_id) != 0 ||
                           (rq->ch->has_thumb && (!service || memcmp(rq->ch->thumb, rq->thumb,
                                                                     sizeof(rq->thumb)) != 0)))) {
        (void)sr_kms_req_fail(rq, 401, "CHANNEL_MISMATCH", "not the identity of this channel");
        return false;
    }
    if (service && !service_enabled(rq)) {
        return false;
    }
    memcpy(rq->as_user, rq->who.user_id, sizeof(rq->as_user));
    return rq->on_behalf_of == NULL || on_behalf(rq);
}

void sr_kms_req_cleanup(struct sr_kms_req *rq)
{
    json_decref(rq->out);
    json_decref(rq->released);
    rq->out = NULL;
    rq->released = NULL;
}
