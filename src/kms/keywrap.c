/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Content keys under KEKs under the CMK (keywrap.h, KMS.md §7). KEKs are opened through the
 * CMK's provider only on a cache miss; content keys are sealed and opened here in software
 * with AES-256-GCM. Every entry point checks the CMK's state first (the kill switch).
 */
#include "kms/keywrap.h"

#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "crypto/aead.h"
#include "crypto/rand.h"
#include "crypto/suite.h"
#include "kms/keywrap_int.h"

#define AES_256_GCM 0x0002

static const char ck_label[] = "sealroom-ck-v1";
static const char channel_label[] = "sealroom-channel-v1";

struct sr_kms_keywrap {
    struct sr_kms_kek_cache cache;
};

sr_err sr_kms_keywrap_new(size_t max_entries, int64_t ttl_ms, struct sr_kms_keywrap **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_kms_keywrap *kw = sr_calloc(1, sizeof(*kw));
    SR_CHECK(kw != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_kek_cache_init(&kw->cache, max_entries, ttl_ms);
    if (err != SR_OK) {
        sr_free(kw);
        return err;
    }
    *out = kw;
    return SR_OK;
}

void sr_kms_keywrap_free(struct sr_kms_keywrap *kw)
{
    if (kw != NULL) {
        sr_kms_kek_cache_cleanup(&kw->cache);
        sr_free(kw);
    }
}

sr_err sr_kms_kek_period(int64_t now_ms, char out[SR_KMS_KEK_PERIOD_LEN])
{
    struct tm tm;
    time_t t = (time_t)(now_ms / 1000);

    SR_CHECK(now_ms >= 0 && gmtime_r(&t, &tm) != NULL, SR_ERR_ARG);
    SR_CHECK(tm.tm_year + 1900 <= 9999, SR_ERR_ARG);
    SR_CHECK(strftime(out, SR_KMS_KEK_PERIOD_LEN, "%Y-%m", &tm) == 7, SR_ERR_ARG);
    return SR_OK;
}

bool sr_kms_kek_usable(const struct sr_store_kek *kek, const struct sr_kms_cmk *cmk, int64_t now_ms)
{
    char period[SR_KMS_KEK_PERIOD_LEN];

    if (kek == NULL || !kek->wrapped.present || kek->wraps >= SR_KMS_KEK_MAX_WRAPS ||
        sr_kms_kek_period(now_ms, period) != SR_OK) {
        return false;
    }
    return strcmp(kek->period, period) == 0 && strcmp(kek->org_id, sr_kms_cmk_org(cmk)) == 0 &&
           strcmp(kek->cmk_uri, sr_kms_cmk_uri(cmk)) == 0;
}

static struct sr_kms_kek_name kek_name(const char *kek_id, const struct sr_kms_cmk *cmk)
{
    struct sr_kms_kek_name n = { kek_id, sr_kms_cmk_org(cmk), sr_kms_cmk_uri(cmk),
                                 sr_kms_cmk_generation(cmk) };
    return n;
}

static sr_err set_str(char dst[SR_STORE_ID_MAX], const char *src)
{
    size_t n = strlen(src);
    SR_CHECK(n < SR_STORE_ID_MAX, SR_ERR_LIMIT);
    memcpy(dst, src, n + 1);
    return SR_OK;
}

sr_err sr_kms_keywrap_kek_new(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk, const char *kek_id,
                              int64_t now_ms, struct sr_store_kek *out)
{
    uint8_t kek[SR_KMS_KEK_LEN];
    sr_err err;

    SR_CHECK(kw != NULL && cmk != NULL && kek_id != NULL && out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_TRY(sr_kms_cmk_check_usable(cmk, true));
    err = set_str(out->kek_id, kek_id);
    if (err == SR_OK) {
        err = set_str(out->org_id, sr_kms_cmk_org(cmk));
    }
    if (err == SR_OK) {
        err = set_str(out->cmk_uri, sr_kms_cmk_uri(cmk));
    }
    if (err == SR_OK) {
        err = sr_kms_kek_period(now_ms, out->period);
    }
    if (err == SR_OK) {
        err = sr_rand_bytes(kek, sizeof(kek));
    }
    if (err == SR_OK) {
        err = sr_kms_cmk_wrap_kek(cmk, kek_id, kek, out->wrapped.p);
    }
    if (err == SR_OK) {
        struct sr_kms_kek_name name = kek_name(kek_id, cmk);
        out->wrapped.present = true;
        out->wrapped.len = SR_KMS_KEK_BLOB_LEN;
        out->created = now_ms;
        sr_kms_kek_cache_put(&kw->cache, &name, now_ms, kek);
    } else {
        memset(out, 0, sizeof(*out));
    }
    sr_wipe(kek, sizeof(kek));
    return err;
}

/* The KEK of a record, from the cache or else through the CMK (and then cached). */
static sr_err kek_open(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                       const struct sr_store_kek *rec, bool for_wrap, int64_t now_ms,
                       uint8_t kek[SR_KMS_KEK_LEN])
{
    SR_TRY(sr_kms_cmk_check_usable(cmk, for_wrap));
    SR_CHECK(strcmp(rec->cmk_uri, sr_kms_cmk_uri(cmk)) == 0 &&
                     strcmp(rec->org_id, sr_kms_cmk_org(cmk)) == 0,
             SR_ERR_ARG);
    SR_CHECK(rec->wrapped.present, SR_ERR_NOT_FOUND);
    struct sr_kms_kek_name name = kek_name(rec->kek_id, cmk);
    if (sr_kms_kek_cache_get(&kw->cache, &name, now_ms, kek)) {
        return SR_OK;
    }
    SR_TRY(sr_kms_cmk_unwrap_kek(cmk, rec->kek_id, sr_slice_of(rec->wrapped.p, rec->wrapped.len),
                                 kek));
    sr_kms_kek_cache_put(&kw->cache, &name, now_ms, kek);
    return SR_OK;
}

static sr_err ck_aad(const char *key_uri, const struct sr_store_kek *kek, struct sr_buf *aad)
{
    const char *fields[] = { ck_label, key_uri, kek->org_id, kek->kek_id };
    return sr_kms_aad_encode(fields, 4, aad);
}

static sr_err channel_aad(const char *channel_uri, const struct sr_store_kek *kek,
                          struct sr_buf *aad)
{
    const char *fields[] = { channel_label, channel_uri };
    (void)kek;
    return sr_kms_aad_encode(fields, 2, aad);
}

typedef sr_err (*aad_fn)(const char *uri, const struct sr_store_kek *kek, struct sr_buf *aad);

/* Seal a 32-byte key under the KEK of `kek` with the AAD `aad_of` builds. */
static sr_err seal_under(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                         const struct sr_store_kek *kek, aad_fn aad_of, const char *uri,
                         const uint8_t key[SR_KMS_CK_LEN], int64_t now_ms,
                         uint8_t blob[SR_KMS_CK_BLOB_LEN])
{
    uint8_t k[SR_KMS_KEK_LEN];
    struct sr_buf aad;
    size_t n;
    sr_err err;

    SR_CHECK(kw != NULL && cmk != NULL && kek != NULL && uri != NULL && key != NULL && blob != NULL,
             SR_ERR_ARG);
    sr_buf_init(&aad, 0, 0);
    err = kek_open(kw, cmk, kek, true, now_ms, k);
    if (err == SR_OK) {
        err = aad_of(uri, kek, &aad);
    }
    if (err == SR_OK) {
        err = sr_rand_bytes(blob, SR_KMS_GCM_IV_LEN);
    }
    if (err == SR_OK) {
        err = sr_aead_seal_once(sr_aead_get(AES_256_GCM), sr_slice_of(k, sizeof(k)), blob,
                                sr_buf_slice(&aad), sr_slice_of(key, SR_KMS_CK_LEN),
                                blob + SR_KMS_GCM_IV_LEN, SR_KMS_CK_BLOB_LEN - SR_KMS_GCM_IV_LEN,
                                &n);
    }
    sr_wipe(k, sizeof(k));
    sr_buf_cleanup(&aad);
    return err;
}

static sr_err open_under(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                         const struct sr_store_kek *kek, aad_fn aad_of, const char *uri,
                         struct sr_slice blob, int64_t now_ms, uint8_t key[SR_KMS_CK_LEN])
{
    uint8_t k[SR_KMS_KEK_LEN];
    struct sr_buf aad;
    size_t n;
    sr_err err;

    SR_CHECK(kw != NULL && cmk != NULL && kek != NULL && uri != NULL && key != NULL, SR_ERR_ARG);
    sr_wipe(key, SR_KMS_CK_LEN);
    sr_buf_init(&aad, 0, 0);
    err = kek_open(kw, cmk, kek, false, now_ms, k);
    if (err == SR_OK && (blob.p == NULL || blob.len != SR_KMS_CK_BLOB_LEN)) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        err = aad_of(uri, kek, &aad);
    }
    if (err == SR_OK) {
        err = sr_aead_open_once(
                sr_aead_get(AES_256_GCM), sr_slice_of(k, sizeof(k)), blob.p, sr_buf_slice(&aad),
                sr_slice_of(blob.p + SR_KMS_GCM_IV_LEN, blob.len - SR_KMS_GCM_IV_LEN), key,
                SR_KMS_CK_LEN, &n);
    }
    if (err != SR_OK) {
        sr_wipe(key, SR_KMS_CK_LEN);
    }
    sr_wipe(k, sizeof(k));
    sr_buf_cleanup(&aad);
    return err;
}

sr_err sr_kms_keywrap_ck_wrap(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                              const struct sr_store_kek *kek, const char *key_uri,
                              const uint8_t ck[SR_KMS_CK_LEN], int64_t now_ms,
                              uint8_t blob[SR_KMS_CK_BLOB_LEN])
{
    return seal_under(kw, cmk, kek, ck_aad, key_uri, ck, now_ms, blob);
}

sr_err sr_kms_keywrap_ck_unwrap(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                const struct sr_store_kek *kek, const char *key_uri,
                                struct sr_slice blob, int64_t now_ms, uint8_t ck[SR_KMS_CK_LEN])
{
    return open_under(kw, cmk, kek, ck_aad, key_uri, blob, now_ms, ck);
}

sr_err sr_kms_keywrap_channel_wrap(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                   const struct sr_store_kek *kek, const char *channel_uri,
                                   const uint8_t key[SR_KMS_CK_LEN], int64_t now_ms,
                                   uint8_t blob[SR_KMS_CK_BLOB_LEN])
{
    return seal_under(kw, cmk, kek, channel_aad, channel_uri, key, now_ms, blob);
}

sr_err sr_kms_keywrap_channel_unwrap(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                                     const struct sr_store_kek *kek, const char *channel_uri,
                                     struct sr_slice blob, int64_t now_ms,
                                     uint8_t key[SR_KMS_CK_LEN])
{
    return open_under(kw, cmk, kek, channel_aad, channel_uri, blob, now_ms, key);
}

sr_err sr_kms_keywrap_ck_new(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk,
                             const struct sr_store_kek *current, const char *new_kek_id,
                             const char *key_uri, int64_t now_ms, uint8_t ck[SR_KMS_CK_LEN],
                             uint8_t blob[SR_KMS_CK_BLOB_LEN], struct sr_store_kek *new_kek,
                             bool *made_kek, const struct sr_store_kek **kek_used)
{
    const struct sr_store_kek *kek = current;
    sr_err err;

    SR_CHECK(made_kek != NULL && kek_used != NULL && ck != NULL, SR_ERR_ARG);
    *made_kek = false;
    *kek_used = NULL;
    SR_TRY(sr_kms_cmk_check_usable(cmk, true));
    if (!sr_kms_kek_usable(current, cmk, now_ms)) {
        SR_TRY(sr_kms_keywrap_kek_new(kw, cmk, new_kek_id, now_ms, new_kek));
        kek = new_kek;
        *made_kek = true;
    }
    err = sr_rand_bytes(ck, SR_KMS_CK_LEN);
    if (err == SR_OK) {
        err = sr_kms_keywrap_ck_wrap(kw, cmk, kek, key_uri, ck, now_ms, blob);
    }
    if (err != SR_OK) {
        sr_wipe(ck, SR_KMS_CK_LEN);
        *made_kek = false;
        return err;
    }
    *kek_used = kek;
    return SR_OK;
}

static sr_err rewrap_one(struct sr_kms_cmk *old, struct sr_kms_cmk *new_cmk,
                         const struct sr_store_kek *rec, uint8_t out[SR_KMS_KEK_BLOB_LEN])
{
    uint8_t k[SR_KMS_KEK_LEN];
    sr_err err;

    SR_CHECK(strcmp(rec->org_id, sr_kms_cmk_org(new_cmk)) == 0 &&
                     strcmp(rec->cmk_uri, sr_kms_cmk_uri(old)) == 0,
             SR_ERR_ARG);
    if (!rec->wrapped.present) {
        memset(out, 0, SR_KMS_KEK_BLOB_LEN);
        return SR_OK;
    }
    /* The cache is bypassed on purpose: each KEK is checked against its stored form. */
    err = sr_kms_cmk_unwrap_kek(old, rec->kek_id, sr_slice_of(rec->wrapped.p, rec->wrapped.len), k);
    if (err == SR_OK) {
        err = sr_kms_cmk_wrap_kek(new_cmk, rec->kek_id, k, out);
    }
    sr_wipe(k, sizeof(k));
    return err;
}

sr_err sr_kms_keywrap_rotate(struct sr_kms_keywrap *kw, struct sr_kms_cmk *old,
                             struct sr_kms_cmk *new_cmk, const struct sr_store_kek *keks, size_t n,
                             uint8_t (*out)[SR_KMS_KEK_BLOB_LEN])
{
    sr_err err = SR_OK;

    SR_CHECK(kw != NULL && old != NULL && new_cmk != NULL && (n == 0 || (keks && out)), SR_ERR_ARG);
    SR_CHECK(strcmp(sr_kms_cmk_org(old), sr_kms_cmk_org(new_cmk)) == 0, SR_ERR_ARG);
    SR_TRY(sr_kms_cmk_check_usable(old, false));
    SR_TRY(sr_kms_cmk_check_usable(new_cmk, true));
    for (size_t i = 0; i < n && err == SR_OK; i++) {
        err = rewrap_one(old, new_cmk, &keks[i], out[i]);
    }
    if (err != SR_OK) {
        sr_wipe(out, n * sizeof(out[0]));
    }
    return err;
}

sr_err sr_kms_keywrap_revoke(struct sr_kms_keywrap *kw, struct sr_kms_cmk *cmk)
{
    SR_CHECK(kw != NULL && cmk != NULL, SR_ERR_ARG);
    SR_TRY(sr_kms_cmk_set_state(cmk, SR_KMS_CMK_REVOKED));
    sr_kms_kek_cache_flush_org(&kw->cache, sr_kms_cmk_org(cmk));
    return SR_OK;
}

void sr_kms_keywrap_flush_org(struct sr_kms_keywrap *kw, const char *org)
{
    if (kw != NULL && org != NULL) {
        sr_kms_kek_cache_flush_org(&kw->cache, org);
    }
}

size_t sr_kms_keywrap_cached(struct sr_kms_keywrap *kw)
{
    return sr_kms_kek_cache_count(&kw->cache);
}
