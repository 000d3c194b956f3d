/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provider-neutral CMK logic (KMS.md §7): handles, the state machine, and KEK wrapping with
 * the "sealroom-kek-v1" AAD. The providers only seal and open; every state check that makes
 * revocation a kill switch happens here, before the provider is asked anything.
 */
#include "kms/cmk.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "crypto/rand.h"
#include "crypto/suite.h"
#include "kms/cmk_int.h"

static const char kek_label[] = "sealroom-kek-v1";

static const char *const state_names[] = {
    [SR_KMS_CMK_PENDING] = "pending",   [SR_KMS_CMK_ACTIVE] = "active",
    [SR_KMS_CMK_ROTATING] = "rotating", [SR_KMS_CMK_RETIRED] = "retired",
    [SR_KMS_CMK_REVOKED] = "revoked",   [SR_KMS_CMK_DELETED] = "deleted",
};

#define STATE_COUNT (sizeof(state_names) / sizeof(state_names[0]))

/* KMS.md §7 "States": allowed[from][to]. */
static const bool allowed[STATE_COUNT][STATE_COUNT] = {
    [SR_KMS_CMK_PENDING] = { [SR_KMS_CMK_ACTIVE] = true, [SR_KMS_CMK_DELETED] = true },
    [SR_KMS_CMK_ACTIVE] = { [SR_KMS_CMK_ROTATING] = true, [SR_KMS_CMK_REVOKED] = true },
    [SR_KMS_CMK_ROTATING] = { [SR_KMS_CMK_RETIRED] = true },
    [SR_KMS_CMK_RETIRED] = { [SR_KMS_CMK_DELETED] = true },
    [SR_KMS_CMK_REVOKED] = { [SR_KMS_CMK_ACTIVE] = true, [SR_KMS_CMK_DELETED] = true },
};

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sr_malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

void sr_kms_cmk_provider_free(struct sr_kms_cmk_provider *prov)
{
    if (prov == NULL) {
        return;
    }
    prov->ops->free(prov->be);
    sr_free(prov);
}

static sr_err handle_new(struct sr_kms_cmk_provider *prov, const char *uri, const char *org,
                         int64_t version, enum sr_kms_cmk_state state, struct sr_kms_cmk **out)
{
    struct sr_kms_cmk *c = sr_calloc(1, sizeof(*c));
    if (c == NULL) {
        return SR_ERR_NOMEM;
    }
    c->prov = prov;
    c->uri = dupstr(uri);
    c->org = dupstr(org);
    if (c->uri == NULL || c->org == NULL) {
        sr_kms_cmk_free(c);
        return SR_ERR_NOMEM;
    }
    if (pthread_rwlock_init(&c->lock, NULL) != 0) {
        sr_kms_cmk_free(c);
        return SR_ERR_NOMEM;
    }
    c->lock_init = true;
    c->version = version;
    c->state = state;
    *out = c;
    return SR_OK;
}

typedef sr_err (*make_fn)(struct sr_kms_cmk *c, struct sr_slice wrapped);

static sr_err make_generate(struct sr_kms_cmk *c, struct sr_slice wrapped)
{
    (void)wrapped;
    return c->prov->ops->generate(c->prov->be, c->uri, &c->key);
}

static sr_err make_import(struct sr_kms_cmk *c, struct sr_slice wrapped)
{
    return c->prov->ops->import_wrapped(c->prov->be, c->uri, c->org, wrapped, &c->key);
}

static sr_err make_find(struct sr_kms_cmk *c, struct sr_slice wrapped)
{
    (void)wrapped;
    if (c->state == SR_KMS_CMK_DELETED) {
        return SR_OK;
    }
    return c->prov->ops->find(c->prov->be, c->uri, &c->key);
}

static sr_err make(struct sr_kms_cmk_provider *prov, const char *uri, const char *org,
                   int64_t version, enum sr_kms_cmk_state state, make_fn fn,
                   struct sr_slice wrapped, struct sr_kms_cmk **out)
{
    struct sr_kms_cmk *c = NULL;
    sr_err err;

    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(prov != NULL && uri != NULL && org != NULL && (size_t)state < STATE_COUNT, SR_ERR_ARG);
    err = handle_new(prov, uri, org, version, state, &c);
    if (err != SR_OK) {
        goto out;
    }
    err = fn(c, wrapped);
    if (err != SR_OK) {
        goto out;
    }
    *out = c;
    c = NULL;
out:
    sr_kms_cmk_free(c);
    return err;
}

sr_err sr_kms_cmk_generate(struct sr_kms_cmk_provider *prov, const char *uri, const char *org,
                           int64_t version, struct sr_kms_cmk **out)
{
    return make(prov, uri, org, version, SR_KMS_CMK_ACTIVE, make_generate, sr_slice_of(NULL, 0),
                out);
}

sr_err sr_kms_cmk_import(struct sr_kms_cmk_provider *prov, const char *uri, const char *org,
                         int64_t version, struct sr_slice wrapped, struct sr_kms_cmk **out)
{
    SR_CHECK(wrapped.p != NULL || wrapped.len == 0, SR_ERR_ARG);
    return make(prov, uri, org, version, SR_KMS_CMK_PENDING, make_import, wrapped, out);
}

sr_err sr_kms_cmk_open(struct sr_kms_cmk_provider *prov, const char *uri, const char *org,
                       int64_t version, enum sr_kms_cmk_state state, struct sr_kms_cmk **out)
{
    return make(prov, uri, org, version, state, make_find, sr_slice_of(NULL, 0), out);
}

static sr_err make_deferred(struct sr_kms_cmk *c, struct sr_slice wrapped)
{
    (void)wrapped;
    c->deferred = c->state != SR_KMS_CMK_DELETED;
    return SR_OK;
}

sr_err sr_kms_cmk_open_deferred(struct sr_kms_cmk_provider *prov, const char *uri, const char *org,
                                int64_t version, enum sr_kms_cmk_state state,
                                struct sr_kms_cmk **out)
{
    return make(prov, uri, org, version, state, make_deferred, sr_slice_of(NULL, 0), out);
}

void sr_kms_cmk_free(struct sr_kms_cmk *cmk)
{
    if (cmk == NULL) {
        return;
    }
    if (cmk->key != NULL) {
        cmk->prov->ops->release(cmk->prov->be, cmk->key);
    }
    if (cmk->lock_init) {
        (void)pthread_rwlock_destroy(&cmk->lock);
    }
    sr_free(cmk->uri);
    sr_free(cmk->org);
    sr_free(cmk);
}

sr_err sr_kms_cmk_public_key(struct sr_kms_cmk_provider *prov, const char *org, struct sr_buf *n,
                             struct sr_buf *e)
{
    SR_CHECK(prov != NULL && org != NULL && n != NULL && e != NULL, SR_ERR_ARG);
    return prov->ops->public_key(prov->be, org, n, e);
}

/*
 * The write lock waits for wraps and unwraps in flight; every one that starts afterwards sees
 * the new state. That is what makes a revoke take effect at once, and a delete safe.
 */
static sr_err set_state_locked(struct sr_kms_cmk *cmk, enum sr_kms_cmk_state to)
{
    SR_CHECK(allowed[cmk->state][to], SR_ERR_STATE);
    if (to == SR_KMS_CMK_DELETED && cmk->key != NULL) {
        SR_TRY(cmk->prov->ops->destroy(cmk->prov->be, cmk->key));
        cmk->key = NULL;
    }
    cmk->state = to;
    cmk->generation++;
    return SR_OK;
}

sr_err sr_kms_cmk_set_state(struct sr_kms_cmk *cmk, enum sr_kms_cmk_state to)
{
    SR_CHECK(cmk != NULL && (size_t)to < STATE_COUNT, SR_ERR_ARG);
    (void)pthread_rwlock_wrlock(&cmk->lock);
    sr_err err = set_state_locked(cmk, to);
    (void)pthread_rwlock_unlock(&cmk->lock);
    return err;
}

enum sr_kms_cmk_state sr_kms_cmk_state(const struct sr_kms_cmk *cmk)
{
    struct sr_kms_cmk *c = (struct sr_kms_cmk *)(uintptr_t)cmk;
    (void)pthread_rwlock_rdlock(&c->lock);
    enum sr_kms_cmk_state s = c->state;
    (void)pthread_rwlock_unlock(&c->lock);
    return s;
}

const char *sr_kms_cmk_uri(const struct sr_kms_cmk *cmk)
{
    return cmk->uri;
}

const char *sr_kms_cmk_org(const struct sr_kms_cmk *cmk)
{
    return cmk->org;
}

int64_t sr_kms_cmk_version(const struct sr_kms_cmk *cmk)
{
    return cmk->version;
}

uint64_t sr_kms_cmk_generation(const struct sr_kms_cmk *cmk)
{
    struct sr_kms_cmk *c = (struct sr_kms_cmk *)(uintptr_t)cmk;
    (void)pthread_rwlock_rdlock(&c->lock);
    uint64_t g = c->generation;
    (void)pthread_rwlock_unlock(&c->lock);
    return g;
}

const char *sr_kms_cmk_state_name(enum sr_kms_cmk_state s)
{
    return (size_t)s < STATE_COUNT ? state_names[s] : "invalid";
}

sr_err sr_kms_cmk_state_parse(const char *name, enum sr_kms_cmk_state *out)
{
    SR_CHECK(name != NULL && out != NULL, SR_ERR_ARG);
    for (size_t i = 0; i < STATE_COUNT; i++) {
        if (strcmp(name, state_names[i]) == 0) {
            *out = (enum sr_kms_cmk_state)i;
            return SR_OK;
        }
    }
    return SR_ERR_INVALID;
}

sr_err sr_kms_aad_encode(const char *const *fields, size_t n, struct sr_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(fields[i]);
        SR_CHECK(len <= 0xffff, SR_ERR_LIMIT);
        uint8_t be[2] = { (uint8_t)(len >> 8), (uint8_t)len };
        SR_TRY(sr_buf_append(out, be, 2));
        SR_TRY(sr_buf_append(out, fields[i], len));
    }
    return SR_OK;
}

/* The kill switch is checked first so a revoked CMK never reaches the provider. */
static sr_err usable_locked(const struct sr_kms_cmk *cmk, bool for_wrap)
{
    SR_CHECK(cmk->state != SR_KMS_CMK_REVOKED, SR_ERR_DENIED);
    if (cmk->state == SR_KMS_CMK_ACTIVE) {
        return SR_OK;
    }
    SR_CHECK(!for_wrap && cmk->state == SR_KMS_CMK_ROTATING, SR_ERR_STATE);
    return SR_OK;
}

sr_err sr_kms_cmk_check_usable(const struct sr_kms_cmk *cmk, bool for_wrap)
{
    SR_CHECK(cmk != NULL, SR_ERR_ARG);
    struct sr_kms_cmk *c = (struct sr_kms_cmk *)(uintptr_t)cmk;
    (void)pthread_rwlock_rdlock(&c->lock);
    sr_err err = usable_locked(c, for_wrap);
    (void)pthread_rwlock_unlock(&c->lock);
    return err;
}

/*
 * A deferred handle looks its key up before its first use, under the write lock and only when
 * the state allows the use (a revoked CMK still never reaches the provider).
 */
static sr_err key_ready(struct sr_kms_cmk *cmk, bool for_wrap)
{
    (void)pthread_rwlock_wrlock(&cmk->lock);
    sr_err err = SR_OK;
    if (cmk->deferred && usable_locked(cmk, for_wrap) == SR_OK) {
        err = cmk->prov->ops->find(cmk->prov->be, cmk->uri, &cmk->key);
        cmk->deferred = err != SR_OK;
    }
    (void)pthread_rwlock_unlock(&cmk->lock);
    return err;
}

static sr_err kek_aad(const struct sr_kms_cmk *cmk, const char *kek_id, struct sr_buf *aad)
{
    const char *fields[] = { kek_label, cmk->org, kek_id, cmk->uri };
    return sr_kms_aad_encode(fields, 4, aad);
}

sr_err sr_kms_cmk_wrap_kek(struct sr_kms_cmk *cmk, const char *kek_id,
                           const uint8_t kek[SR_KMS_KEK_LEN], uint8_t out[SR_KMS_KEK_BLOB_LEN])
{
    struct sr_buf aad;
    sr_err err;

    SR_CHECK(cmk != NULL && kek_id != NULL && kek != NULL && out != NULL, SR_ERR_ARG);
    SR_TRY(key_ready(cmk, true));
    sr_buf_init(&aad, 0, 0);
    (void)pthread_rwlock_rdlock(&cmk->lock);
    err = usable_locked(cmk, true);
    if (err == SR_OK) {
        err = kek_aad(cmk, kek_id, &aad);
    }
    if (err == SR_OK) {
        err = sr_rand_bytes(out, SR_KMS_GCM_IV_LEN);
    }
    if (err == SR_OK) {
        err = cmk->prov->ops->seal(cmk->prov->be, cmk->key, out, sr_buf_slice(&aad),
                                   sr_slice_of(kek, SR_KMS_KEK_LEN), out + SR_KMS_GCM_IV_LEN);
    }
    (void)pthread_rwlock_unlock(&cmk->lock);
    sr_buf_cleanup(&aad);
    return err;
}

sr_err sr_kms_cmk_unwrap_kek(struct sr_kms_cmk *cmk, const char *kek_id, struct sr_slice blob,
                             uint8_t kek[SR_KMS_KEK_LEN])
{
    struct sr_buf aad;
    sr_err err;

    SR_CHECK(cmk != NULL && kek_id != NULL && kek != NULL, SR_ERR_ARG);
    sr_wipe(kek, SR_KMS_KEK_LEN);
    SR_TRY(key_ready(cmk, false));
    sr_buf_init(&aad, 0, 0);
    (void)pthread_rwlock_rdlock(&cmk->lock);
    err = usable_locked(cmk, false);
    if (err == SR_OK && (blob.p == NULL || blob.len != SR_KMS_KEK_BLOB_LEN)) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        err = kek_aad(cmk, kek_id, &aad);
    }
    if (err == SR_OK) {
        err = cmk->prov->ops->open(
                cmk->prov->be, cmk->key, blob.p, sr_buf_slice(&aad),
                sr_slice_of(blob.p + SR_KMS_GCM_IV_LEN, blob.len - SR_KMS_GCM_IV_LEN), kek);
    }
    (void)pthread_rwlock_unlock(&cmk->lock);
    if (err != SR_OK) {
        sr_wipe(kek, SR_KMS_KEK_LEN);
    }
    sr_buf_cleanup(&aad);
    return err;
}

sr_err sr_kms_cmk_path(const char *dir, const char *prefix, const char *name, const char *suffix,
                       char **out)
{
    uint8_t h[32];
    char hex[65];
    size_t n;
    char *p;

    *out = NULL;
    SR_TRY(sr_hash(&sr_hash_sha256, sr_slice_of(name, strlen(name)), h));
    SR_TRY(sr_hex_encode(h, sizeof(h), hex, sizeof(hex)));
    n = strlen(dir) + 1 + strlen(prefix) + 64 + strlen(suffix) + 1;
    p = sr_malloc(n);
    SR_CHECK(p != NULL, SR_ERR_NOMEM);
    (void)snprintf(p, n, "%s/%s%s%s", dir, prefix, hex, suffix);
    *out = p;
    return SR_OK;
}
