/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS client object (include/sealroom/kms.h): configuration, the last error, counters,
 * and the local key cache by URI. The cache is a small ring; every slot is wiped when it is
 * replaced, when unbound keys are dropped after a reset (KMS.md §2) and when the client is
 * freed.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/client_int.h"

#define DEFAULT_RETRIES    2
#define DEFAULT_BACKOFF_MS 200
#define DEFAULT_RENEW_MS   ((int64_t)60 * 1000)
#define DEFAULT_CACHE_MAX  64

static bool copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

sr_err sr_kms_client_set_bearer(struct sr_kms_client *c, const char *bearer)
{
    SR_CHECK(c != NULL && bearer != NULL && bearer[0] != '\0', SR_ERR_ARG);
    sr_buf_reset(&c->bearer);
    return sr_buf_append(&c->bearer, bearer, strlen(bearer) + 1);
}

sr_err sr_kms_client_new(const struct sr_kms_client_config *cfg, struct sr_kms_client **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(cfg != NULL && cfg->transport != NULL && cfg->clock != NULL, SR_ERR_ARG);
    SR_CHECK(cfg->client_id != NULL && cfg->client_id[0] != '\0' && strlen(cfg->client_id) <= 128,
             SR_ERR_ARG);
    SR_CHECK(cfg->bearer != NULL && cfg->bearer[0] != '\0', SR_ERR_ARG);
    struct sr_kms_client *c = sr_calloc(1, sizeof(*c));
    SR_CHECK(c != NULL, SR_ERR_NOMEM);
    sr_buf_init(&c->bearer, 0, SR_BUF_WIPE);
    (void)copy_str(c->client_id, sizeof(c->client_id), cfg->client_id);
    c->transport = cfg->transport;
    c->transport_arg = cfg->transport_arg;
    c->clock = cfg->clock;
    c->clock_arg = cfg->clock_arg;
    c->sleep = cfg->sleep;
    c->sleep_arg = cfg->sleep_arg;
    c->retries = cfg->retries != 0 ? cfg->retries : DEFAULT_RETRIES;
    c->backoff_ms = cfg->backoff_ms != 0 ? cfg->backoff_ms : DEFAULT_BACKOFF_MS;
    c->renew_before_ms = cfg->renew_before_ms > 0 ? cfg->renew_before_ms : DEFAULT_RENEW_MS;
    c->cache_max = cfg->key_cache_max != 0 ? cfg->key_cache_max : DEFAULT_CACHE_MAX;
    sr_err err = SR_OK;
    if (cfg->expect_cluster != NULL &&
        !copy_str(c->expect_cluster, sizeof(c->expect_cluster), cfg->expect_cluster)) {
        err = SR_ERR_ARG;
    }
    if (cfg->static_key_thumbprint != NULL &&
        !copy_str(c->pin, sizeof(c->pin), cfg->static_key_thumbprint)) {
        err = SR_ERR_ARG;
    }
    if (err == SR_OK && cfg->static_key_anchors != NULL) {
        err = sr_crypto_x509_trust_new(&c->anchors);
        if (err == SR_OK) {
            err = sr_crypto_x509_trust_add_pem(
                    c->anchors,
                    sr_slice_of(cfg->static_key_anchors, strlen(cfg->static_key_anchors)), NULL,
                    NULL);
        }
    }
    if (err == SR_OK) {
        c->cache = sr_calloc(c->cache_max, sizeof(*c->cache));
        err = c->cache != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    if (err == SR_OK) {
        err = sr_kms_client_set_bearer(c, cfg->bearer);
    }
    if (err != SR_OK) {
        sr_kms_client_free(c);
        return err;
    }
    *out = c;
    return SR_OK;
}

void sr_kms_client_free(struct sr_kms_client *c)
{
    if (c == NULL) {
        return;
    }
    if (c->cache != NULL) {
        sr_wipe(c->cache, c->cache_max * sizeof(*c->cache));
        sr_free(c->cache);
    }
    sr_jose_key_free(c->k);
    sr_jose_key_free(c->static_pub);
    sr_crypto_x509_trust_free(c->anchors);
    sr_buf_cleanup(&c->bearer);
    sr_wipe(c, sizeof(*c));
    sr_free(c);
}

void sr_kms_client_get_stats(const struct sr_kms_client *c, struct sr_kms_client_stats *out)
{
    *out = c->stats;
}

const struct sr_kms_client_error *sr_kms_client_last_error(const struct sr_kms_client *c)
{
    return &c->last;
}

const char *sr_kms_client_static_thumbprint(const struct sr_kms_client *c)
{
    return c->thumb;
}

const char *sr_kms_client_cluster(const struct sr_kms_client *c)
{
    return c->cluster;
}

sr_err sr_kms_client_fail(struct sr_kms_client *c, sr_err err, int status, const char *code,
                          const char *reason)
{
    c->last.status = status;
    (void)snprintf(c->last.code, sizeof(c->last.code), "%s", code != NULL ? code : "");
    (void)snprintf(c->last.reason, sizeof(c->last.reason), "%s", reason != NULL ? reason : "");
    return err;
}

sr_err sr_kms_client_err_of(int status)
{
    switch (status) {
    case 400:
    case 422:
        return SR_ERR_INVALID;
    case 401:
        return SR_ERR_AUTH;
    case 403:
        return SR_ERR_DENIED;
    case 404:
    case 410:
        return SR_ERR_NOT_FOUND;
    case 409:
        return SR_ERR_EXISTS;
    case 413:
    case 429:
        return SR_ERR_LIMIT;
    case 421:
        return SR_ERR_WRONG_GROUP;
    case 501:
        return SR_ERR_UNSUPPORTED;
    default:
        return SR_ERR_IO;
    }
}

/* ---- the key cache ----------------------------------------------------------------------- */

bool sr_kms_client_cache_get(struct sr_kms_client *c, const char *uri, struct sr_kms_key *out)
{
    for (size_t i = 0; i < c->cache_n; i++) {
        if (strcmp(c->cache[i].uri, uri) == 0) {
            *out = c->cache[i];
            c->stats.cache_hits++;
            return true;
        }
    }
    return false;
}

void sr_kms_client_cache_put(struct sr_kms_client *c, const struct sr_kms_key *key)
{
    if (c->cache_max == 0) {
        return;
    }
    for (size_t i = 0; i < c->cache_n; i++) {
        if (strcmp(c->cache[i].uri, key->uri) == 0) {
            c->cache[i] = *key; /* a bind updates resourceUri and dates */
            return;
        }
    }
    size_t slot = c->cache_n < c->cache_max ? c->cache_n++ : c->cache_next;
    c->cache_next = (slot + 1) % c->cache_max;
    sr_kms_key_cleanup(&c->cache[slot]);
    c->cache[slot] = *key;
}

void sr_kms_client_cache_drop_unbound(struct sr_kms_client *c)
{
    size_t w = 0;
    for (size_t i = 0; i < c->cache_n; i++) {
        if (c->cache[i].resource_uri[0] != '\0') {
            if (w != i) {
                c->cache[w] = c->cache[i];
            }
            w++;
        }
    }
    for (size_t i = w; i < c->cache_n; i++) {
        sr_kms_key_cleanup(&c->cache[i]);
    }
    c->cache_n = w;
    c->cache_next = c->cache_max != 0 ? w % c->cache_max : 0;
}

/* ---- result cleanup -------------------------------------------------------------------- */

void sr_kms_key_cleanup(struct sr_kms_key *key)
{
    if (key != NULL) {
        sr_wipe(key, sizeof(*key));
    }
}

void sr_kms_key_list_cleanup(struct sr_kms_key_list *list)
{
    if (list == NULL) {
        return;
    }
    if (list->keys != NULL) {
        sr_wipe(list->keys, list->n * sizeof(*list->keys));
        sr_free(list->keys);
    }
    list->keys = NULL;
    list->n = 0;
}

void sr_kms_resource_cleanup(struct sr_kms_resource *res)
{
    if (res == NULL) {
        return;
    }
    sr_free(res->key_uris);
    sr_free(res->authorization_uris);
    memset(res, 0, sizeof(*res));
}

void sr_kms_authorization_list_cleanup(struct sr_kms_authorization_list *list)
{
    if (list == NULL) {
        return;
    }
    sr_free(list->items);
    list->items = NULL;
    list->n = 0;
}
