/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's readers of KMS objects (KMS.md §1) into the plain structs of
 * include/sealroom/kms.h. A key's jwk must be {"kty":"oct","k":<32 bytes>} with kid = uri;
 * anything else in an answer is SR_ERR_DECODE.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/client_int.h"
#include "kms/jose_int.h"
#include "kms/proto.h"

sr_err sr_kms_client_str(const json_t *o, const char *name, bool required, char *out, size_t cap)
{
    const json_t *v = json_object_get(o, name);
    out[0] = '\0';
    if (v == NULL) {
        return required ? SR_ERR_DECODE : SR_OK;
    }
    const char *s = json_string_value(v);
    SR_CHECK(s != NULL && strlen(s) < cap, SR_ERR_DECODE);
    memcpy(out, s, strlen(s) + 1);
    return SR_OK;
}

sr_err sr_kms_client_time(const json_t *o, const char *name, int64_t *ms)
{
    char s[64];
    *ms = 0;
    SR_TRY(sr_kms_client_str(o, name, false, s, sizeof(s)));
    return s[0] != '\0' ? sr_kms_time_parse(s, ms) : SR_OK;
}

static sr_err key_bytes(const json_t *jwk, const char *uri, uint8_t k[SR_KMS_KEY_LEN])
{
    struct sr_buf b;
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *kid = json_string_value(json_object_get(jwk, "kid"));
    const char *kb = json_string_value(json_object_get(jwk, "k"));
    SR_CHECK(kty != NULL && strcmp(kty, "oct") == 0 && kb != NULL, SR_ERR_DECODE);
    SR_CHECK(kid == NULL || strcmp(kid, uri) == 0, SR_ERR_DECODE);
    sr_buf_init(&b, 64, SR_BUF_WIPE);
    sr_err err = sr_jose_b64_decode(sr_slice_of(kb, strlen(kb)), &b);
    if (err == SR_OK && b.len != SR_KMS_KEY_LEN) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        memcpy(k, b.p, SR_KMS_KEY_LEN);
    }
    sr_buf_cleanup(&b);
    /* jansson frees without wiping: clear the key's text in the answer now. */
    sr_wipe((char *)(uintptr_t)kb, strlen(kb));
    return err;
}

sr_err sr_kms_client_parse_key(const json_t *o, struct sr_kms_key *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = json_is_object(o) ? SR_OK : SR_ERR_DECODE;
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "uri", true, out->uri, sizeof(out->uri));
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "resourceUri", false, out->resource_uri,
                                sizeof(out->resource_uri));
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "userId", false, out->user_id, sizeof(out->user_id));
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "clientId", false, out->client_id, sizeof(out->client_id));
    }
    if (err == SR_OK) {
        err = sr_kms_client_time(o, "createDate", &out->create_ms);
    }
    if (err == SR_OK) {
        err = sr_kms_client_time(o, "expirationDate", &out->expiration_ms);
    }
    if (err == SR_OK) {
        err = sr_kms_client_time(o, "bindDate", &out->bind_ms);
    }
    if (err == SR_OK) {
        err = key_bytes(json_object_get(o, "jwk"), out->uri, out->k);
    }
    if (err != SR_OK) {
        sr_kms_key_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_kms_client_parse_keys(const json_t *arr, struct sr_kms_key_list *out)
{
    memset(out, 0, sizeof(*out));
    SR_CHECK(json_is_array(arr), SR_ERR_DECODE);
    size_t n = json_array_size(arr);
    if (n == 0) {
        return SR_OK;
    }
    out->keys = sr_calloc(n, sizeof(*out->keys));
    SR_CHECK(out->keys != NULL, SR_ERR_NOMEM);
    out->n = n;
    sr_err err = SR_OK;
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        err = sr_kms_client_parse_key(json_array_get(arr, i), &out->keys[i]);
    }
    if (err != SR_OK) {
        sr_kms_key_list_cleanup(out);
    }
    return err;
}

/* A string array member into a fresh array of URIs. */
static sr_err uri_array(const json_t *o, const char *name, char (**out)[SR_KMS_URI_MAX], size_t *n)
{
    const json_t *arr = json_object_get(o, name);
    *out = NULL;
    *n = 0;
    if (arr == NULL || json_array_size(arr) == 0) {
        return SR_OK;
    }
    SR_CHECK(json_is_array(arr), SR_ERR_DECODE);
    *out = sr_calloc(json_array_size(arr), sizeof(**out));
    SR_CHECK(*out != NULL, SR_ERR_NOMEM);
    *n = json_array_size(arr);
    for (size_t i = 0; i < *n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        SR_CHECK(s != NULL && strlen(s) < SR_KMS_URI_MAX, SR_ERR_DECODE);
        memcpy((*out)[i], s, strlen(s) + 1);
    }
    return SR_OK;
}

sr_err sr_kms_client_parse_resource(const json_t *o, struct sr_kms_resource *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = json_is_object(o) ? SR_OK : SR_ERR_DECODE;
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "uri", true, out->uri, sizeof(out->uri));
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "kind", false, out->kind, sizeof(out->kind));
    }
    if (err == SR_OK) {
        out->ttl_s = json_integer_value(json_object_get(o, "ttl"));
        err = uri_array(o, "keyUris", &out->key_uris, &out->n_keys);
    }
    if (err == SR_OK) {
        err = uri_array(o, "authorizationUris", &out->authorization_uris, &out->n_authorizations);
    }
    if (err != SR_OK) {
        sr_kms_resource_cleanup(out);
    }
    return err;
}

sr_err sr_kms_client_parse_authz(const json_t *o, struct sr_kms_authorization *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = json_is_object(o) ? SR_OK : SR_ERR_DECODE;
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "uri", true, out->uri, sizeof(out->uri));
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "authId", true, out->auth_id, sizeof(out->auth_id));
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "resourceUri", false, out->resource_uri,
                                sizeof(out->resource_uri));
    }
    if (err == SR_OK) {
        err = sr_kms_client_str(o, "roleUri", false, out->role_uri, sizeof(out->role_uri));
    }
    if (err == SR_OK) {
        err = sr_kms_client_time(o, "createDate", &out->create_ms);
    }
    return err;
}

sr_err sr_kms_client_parse_list(const json_t *arr, size_t size, sr_kms_client_item_fn fn,
                                void **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    SR_CHECK(json_is_array(arr), SR_ERR_DECODE);
    size_t count = json_array_size(arr);
    if (count == 0) {
        return SR_OK;
    }
    uint8_t *v = sr_calloc(count, size);
    SR_CHECK(v != NULL, SR_ERR_NOMEM);
    for (size_t i = 0; i < count; i++) {
        sr_err err = fn(json_array_get(arr, i), v + i * size);
        if (err != SR_OK) {
            sr_free(v);
            return err;
        }
    }
    *items = v;
    *n = count;
    return SR_OK;
}
