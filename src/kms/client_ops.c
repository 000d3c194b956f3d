/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's operations (KMS.md §3): each builds one request (method, uri, fields), sends
 * it on the channel (client_session.c) and reads the answer into a plain struct. Keys are
 * cached by URI; a batch retrieve sends every key the cache lacks in as few POSTs as the
 * batch limit allows.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/client_int.h"

json_t *sr_kms_client_request(const char *method, const char *uri)
{
    return json_pack("{s:s,s:s}", "method", method, "uri", uri);
}

static json_t *str_array(const char *const *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        if (v[i] == NULL || json_array_append_new(arr, json_string(v[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

sr_err sr_kms_client_ping(struct sr_kms_client *c)
{
    json_t *ans = NULL;
    SR_CHECK(c != NULL, SR_ERR_ARG);
    json_t *req = sr_kms_client_request("update", "/ping");
    sr_err err = sr_kms_client_call(c, req, 200, &ans);
    json_decref(ans);
    json_decref(req);
    return err;
}

sr_err sr_kms_client_keys_create(struct sr_kms_client *c, size_t count, struct sr_kms_key_list *out)
{
    json_t *ans = NULL;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL && count >= 1 && count <= 100, SR_ERR_ARG);
    json_t *req = sr_kms_client_request("create", "/keys");
    if (req != NULL && json_object_set_new(req, "count", json_integer((json_int_t)count)) != 0) {
        json_decref(req);
        req = NULL;
    }
    sr_err err = sr_kms_client_call(c, req, 201, &ans);
    if (err == SR_OK) {
        err = sr_kms_client_parse_keys(json_object_get(ans, "keys"), out);
    }
    if (err == SR_OK && out->n != count) {
        sr_kms_key_list_cleanup(out);
        err = SR_ERR_DECODE;
    }
    for (size_t i = 0; err == SR_OK && i < out->n; i++) {
        sr_kms_client_cache_put(c, &out->keys[i]);
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

sr_err sr_kms_client_key_retrieve(struct sr_kms_client *c, const char *uri, struct sr_kms_key *out)
{
    return sr_kms_client_keys_retrieve(c, &uri, 1, out);
}

/* Retrieve `n` (<= the batch limit) keys in one POST into out[idx[i]]. */
static sr_err retrieve_batch(struct sr_kms_client *c, const char *const *uris, const size_t *idx,
                             size_t n, struct sr_kms_key *out)
{
    json_t *reqs[SR_KMS_BATCH_LIMIT] = { 0 }, *ans[SR_KMS_BATCH_LIMIT] = { 0 };
    sr_err err = SR_OK;
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        reqs[i] = sr_kms_client_request("retrieve", uris[idx[i]]);
        err = reqs[i] != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    if (err == SR_OK) {
        err = sr_kms_client_send(c, reqs, n, ans);
    }
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        err = sr_kms_client_check(c, ans[i], 200);
        if (err == SR_OK) {
            err = sr_kms_client_parse_key(json_object_get(ans[i], "key"), &out[idx[i]]);
        }
        if (err == SR_OK && strcmp(out[idx[i]].uri, uris[idx[i]]) != 0 &&
            strstr(uris[idx[i]], "://") != NULL) {
            err = sr_kms_client_fail(c, SR_ERR_DECODE, 200, "", "the KMS sent another key");
        }
        if (err == SR_OK) {
            sr_kms_client_cache_put(c, &out[idx[i]]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        json_decref(reqs[i]);
        json_decref(ans[i]);
    }
    return err;
}

sr_err sr_kms_client_keys_retrieve(struct sr_kms_client *c, const char *const *uris, size_t n,
                                   struct sr_kms_key *out)
{
    size_t idx[SR_KMS_BATCH_LIMIT], m = 0;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, n * sizeof(*out));
    SR_CHECK(c != NULL && uris != NULL, SR_ERR_ARG);
    sr_err err = SR_OK;
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        if (uris[i] == NULL || strlen(uris[i]) >= SR_KMS_URI_MAX) {
            err = SR_ERR_ARG;
        } else if (!sr_kms_client_cache_get(c, uris[i], &out[i])) {
            idx[m++] = i;
        }
        if (err == SR_OK && (m == SR_KMS_BATCH_LIMIT || (i + 1 == n && m > 0))) {
            err = retrieve_batch(c, uris, idx, m, out);
            m = 0;
        }
    }
    if (err != SR_OK) {
        sr_wipe(out, n * sizeof(*out));
    }
    return err;
}

sr_err sr_kms_client_resource_create(struct sr_kms_client *c,
                                     const struct sr_kms_resource_spec *spec,
                                     struct sr_kms_resource *out)
{
    json_t *ans = NULL;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL && spec != NULL && spec->ttl_s >= 0, SR_ERR_ARG);
    json_t *req = json_pack("{s:s,s:s,s:s,s:I,s:o?,s:o?}", "method", "create", "uri", "/resources",
                            "kind", spec->kind != NULL ? spec->kind : "other", "ttl",
                            (json_int_t)spec->ttl_s, "authIds",
                            str_array(spec->auth_ids, spec->n_auth_ids), "keyUris",
                            str_array(spec->key_uris, spec->n_key_uris));
    sr_err err = sr_kms_client_call(c, req, 201, &ans);
    if (err == SR_OK) {
        err = sr_kms_client_parse_resource(json_object_get(ans, "resource"), out);
    }
    /* The keys are bound now: refresh them in the cache on the next retrieve. */
    for (size_t i = 0; err == SR_OK && i < spec->n_key_uris; i++) {
        struct sr_kms_key k;
        if (sr_kms_client_cache_get(c, spec->key_uris[i], &k)) {
            c->stats.cache_hits--;
            memcpy(k.resource_uri, out->uri, sizeof(k.resource_uri));
            sr_kms_client_cache_put(c, &k);
            sr_kms_key_cleanup(&k);
        }
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

sr_err sr_kms_client_resource_retrieve(struct sr_kms_client *c, const char *uri,
                                       struct sr_kms_resource *out)
{
    json_t *ans = NULL;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL && uri != NULL, SR_ERR_ARG);
    json_t *req = sr_kms_client_request("retrieve", uri);
    sr_err err = sr_kms_client_call(c, req, 200, &ans);
    if (err == SR_OK) {
        err = sr_kms_client_parse_resource(json_object_get(ans, "resource"), out);
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

/* "<resource>/<sub>" into out. */
static sr_err sub_uri(const char *res, const char *sub, char out[SR_KMS_URI_MAX + 32])
{
    SR_CHECK(res != NULL && strlen(res) < SR_KMS_URI_MAX, SR_ERR_ARG);
    int n = snprintf(out, SR_KMS_URI_MAX + 32, "%s/%s", res, sub);
    SR_CHECK(n > 0 && n < SR_KMS_URI_MAX + 32, SR_ERR_ARG);
    return SR_OK;
}

sr_err sr_kms_client_resource_keys(struct sr_kms_client *c, const char *resource_uri, size_t count,
                                   struct sr_kms_key_list *out)
{
    char uri[SR_KMS_URI_MAX + 32];
    json_t *ans = NULL;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL, SR_ERR_ARG);
    SR_TRY(sub_uri(resource_uri, "keys", uri));
    json_t *req = sr_kms_client_request("retrieve", uri);
    if (req != NULL && count > 0 &&
        json_object_set_new(req, "count", json_integer((json_int_t)count)) != 0) {
        json_decref(req);
        req = NULL;
    }
    sr_err err = sr_kms_client_call(c, req, 200, &ans);
    if (err == SR_OK) {
        err = sr_kms_client_parse_keys(json_object_get(ans, "keys"), out);
    }
    for (size_t i = 0; err == SR_OK && i < out->n; i++) {
        sr_kms_client_cache_put(c, &out->keys[i]);
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

static sr_err authz_item(const json_t *o, void *out)
{
    return sr_kms_client_parse_authz(o, out);
}

sr_err sr_kms_client_authorize(struct sr_kms_client *c, const char *resource_uri,
                               const char *const *auth_ids, size_t n, const char *role_uri,
                               struct sr_kms_authorization_list *out)
{
    json_t *ans = NULL;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(c != NULL && resource_uri != NULL && n > 0, SR_ERR_ARG);
    json_t *req = json_pack("{s:s,s:s,s:s,s:o?}", "method", "create", "uri", "/authorizations",
                            "resourceUri", resource_uri, "authIds", str_array(auth_ids, n));
    if (req != NULL && role_uri != NULL &&
        json_object_set_new(req, "roleUri", json_string(role_uri)) != 0) {
        json_decref(req);
        req = NULL;
    }
    sr_err err = sr_kms_client_call(c, req, 201, &ans);
    if (err == SR_OK) {
        void *items = NULL;
        err = sr_kms_client_parse_list(json_object_get(ans, "authorizations"), sizeof(*out->items),
                                       authz_item, &items, &out->n);
        out->items = items;
    }
    json_decref(ans);
    json_decref(req);
    return err;
}

sr_err sr_kms_client_deauthorize(struct sr_kms_client *c, const char *resource_uri,
                                 const char *auth_id, struct sr_kms_authorization *out)
{
    char uri[SR_KMS_URI_MAX + 32], full[SR_KMS_URI_MAX + 40 + SR_KMS_ID_MAX];
    struct sr_kms_authorization tmp;
    json_t *ans = NULL;
    struct sr_kms_authorization *dst = out != NULL ? out : &tmp;
    memset(dst, 0, sizeof(*dst));
    SR_CHECK(c != NULL && auth_id != NULL && strlen(auth_id) < SR_KMS_ID_MAX, SR_ERR_ARG);
    SR_TRY(sub_uri(resource_uri, "authorizations", uri));
    /* The query form ?authId=x is part of the URI (KMS.md §3). */
    int n = snprintf(full, sizeof(full), "%s?authId=%s", uri, auth_id);
    SR_CHECK(n > 0 && (size_t)n < sizeof(full), SR_ERR_ARG);
    json_t *req = sr_kms_client_request("delete", full);
    sr_err err = sr_kms_client_call(c, req, 200, &ans);
    if (err == SR_OK) {
        err = sr_kms_client_parse_authz(json_object_get(ans, "authorization"), dst);
    }
    json_decref(ans);
    json_decref(req);
    return err;
}
