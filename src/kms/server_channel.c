/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-memory channel table (KMS.md §2): channel URI -> K, the identity bound at the
 * handshake, the expiry, and the IVs seen so far (a repeat is 409 REPLAY), kept in a hash
 * set so the check costs the same for the first request and the 65536th. Expired channels
 * are dropped when their slot is needed; a full table refuses new handshakes.
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/rand.h"
#include "kms/server_int.h"

void sr_kms_channel_cleanup(struct sr_kms_channel *ch)
{
    sr_jose_key_free(ch->key);
    sr_free(ch->ivs);
    memset(ch, 0, sizeof(*ch));
}

struct sr_kms_channel *sr_kms_channel_find(struct sr_kms_server *srv, const char *uri, int64_t now)
{
    for (size_t i = 0; i < srv->n_channels; i++) {
        struct sr_kms_channel *ch = &srv->channels[i];
        if (strcmp(ch->uri, uri) == 0) {
            return now < ch->expires ? ch : NULL;
        }
    }
    return NULL;
}

void sr_kms_channel_remove(struct sr_kms_server *srv, struct sr_kms_channel *ch)
{
    size_t i = (size_t)(ch - srv->channels);
    sr_kms_channel_cleanup(ch);
    srv->n_channels--;
    if (i != srv->n_channels) {
        srv->channels[i] = srv->channels[srv->n_channels];
        memset(&srv->channels[srv->n_channels], 0, sizeof(*ch));
    }
}

static void drop_expired(struct sr_kms_server *srv, int64_t now)
{
    size_t i = 0;
    while (i < srv->n_channels) {
        if (srv->channels[i].expires <= now) {
            sr_kms_channel_remove(srv, &srv->channels[i]);
        } else {
            i++;
        }
    }
}

static bool copy_id(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n >= SR_STORE_ID_MAX) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

sr_err sr_kms_channel_put(struct sr_kms_server *srv, const struct sr_store_channel *row,
                          struct sr_slice k, int64_t now, struct sr_kms_channel **out)
{
    struct sr_kms_channel ch;
    memset(&ch, 0, sizeof(ch));
    *out = NULL;
    if (srv->n_channels == srv->channels_max) {
        drop_expired(srv, now);
    }
    SR_CHECK(srv->n_channels < srv->channels_max, SR_ERR_LIMIT);
    SR_CHECK(copy_id(ch.uri, row->uri) && copy_id(ch.user_id, row->user_id) &&
                     copy_id(ch.org_id, row->org_id) && copy_id(ch.client_id, row->client_id),
             SR_ERR_LIMIT);
    SR_TRY(sr_rand_bytes((uint8_t *)&ch.iv_key, sizeof(ch.iv_key)));
    SR_TRY(sr_jose_key_oct(k, &ch.key));
    ch.created = row->created;
    ch.expires = row->expires;
    srv->channels[srv->n_channels] = ch;
    *out = &srv->channels[srv->n_channels++];
    return SR_OK;
}

sr_err sr_kms_channel_add(struct sr_kms_server *srv, const struct sr_kms_req *rq, struct sr_slice k,
                          struct sr_kms_channel **out)
{
    char id[SR_KMS_UUID_LEN];
    struct sr_store_channel row;
    memset(&row, 0, sizeof(row));
    *out = NULL;
    SR_TRY(sr_kms_uuid(id));
    SR_TRY(sr_kms_uri_make(srv->host, "ecdhe", id, row.uri));
    SR_CHECK(copy_id(row.user_id, rq->who.user_id) && copy_id(row.org_id, rq->who.org_id) &&
                     copy_id(row.client_id, rq->client_id),
             SR_ERR_LIMIT);
    row.created = rq->now;
    row.expires = rq->now + srv->channel_ttl_ms;
    SR_TRY(sr_kms_channel_put(srv, &row, k, rq->now, out));
    /* A service channel is held to the handshake's JWK (KMS.md §2 "Channel checks"). */
    if (rq->who.service[0] != '\0') {
        memcpy((*out)->thumb, rq->thumb, sizeof(rq->thumb));
        (*out)->has_thumb = true;
    }
    return SR_OK;
}

static size_t iv_slot(const struct sr_kms_channel *ch, const uint8_t *iv)
{
    uint64_t a, b = 0;
    memcpy(&a, iv, 8);
    memcpy(&b, iv + 8, 4);
    uint64_t h = (a ^ ch->iv_key) * 0x9E3779B97F4A7C15u;
    h ^= (b ^ (h >> 29)) * 0xBF58476D1CE4E5B9u;
    return (size_t)(h ^ (h >> 32)) & (ch->cap_ivs - 1);
}

static bool iv_zero(const uint8_t *iv)
{
    uint8_t any = 0;
    for (size_t i = 0; i < SR_JOSE_IV_LEN; i++) {
        any |= iv[i];
    }
    return any == 0;
}

/* The slot holding `iv`, or the free slot where it belongs. */
static uint8_t *iv_find(const struct sr_kms_channel *ch, const uint8_t *iv)
{
    size_t i = iv_slot(ch, iv);
    while (!iv_zero(ch->ivs[i]) && memcmp(ch->ivs[i], iv, SR_JOSE_IV_LEN) != 0) {
        i = (i + 1) & (ch->cap_ivs - 1);
    }
    return ch->ivs[i];
}

/* Double the set (or make its first 64 slots) and put every IV back. */
static sr_err iv_grow(struct sr_kms_channel *ch)
{
    struct sr_kms_channel bigger = *ch;
    bigger.cap_ivs = ch->cap_ivs == 0 ? 64 : ch->cap_ivs * 2;
    bigger.ivs = sr_calloc(bigger.cap_ivs, SR_JOSE_IV_LEN);
    SR_CHECK(bigger.ivs != NULL, SR_ERR_NOMEM);
    for (size_t i = 0; i < ch->cap_ivs; i++) {
        if (!iv_zero(ch->ivs[i])) {
            memcpy(iv_find(&bigger, ch->ivs[i]), ch->ivs[i], SR_JOSE_IV_LEN);
        }
    }
    sr_free(ch->ivs);
    ch->ivs = bigger.ivs;
    ch->cap_ivs = bigger.cap_ivs;
    return SR_OK;
}

sr_err sr_kms_channel_see_iv(struct sr_kms_channel *ch, const uint8_t iv[SR_JOSE_IV_LEN])
{
    if (iv_zero(iv)) {
        SR_CHECK(!ch->zero_iv_seen, SR_ERR_REPLAY);
    } else if (ch->cap_ivs != 0 && !iv_zero(iv_find(ch, iv))) {
        return SR_ERR_REPLAY;
    }
    SR_CHECK(ch->n_ivs < SR_KMS_IVS_MAX, SR_ERR_LIMIT);
    if (iv_zero(iv)) {
        ch->zero_iv_seen = true;
    } else {
        if ((ch->n_ivs + 1) * 2 > ch->cap_ivs) {
            SR_TRY(iv_grow(ch));
        }
        memcpy(iv_find(ch, iv), iv, SR_JOSE_IV_LEN);
    }
    ch->n_ivs++;
    return SR_OK;
}
