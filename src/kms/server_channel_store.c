/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Channels shared between nodes (KMS.md §7, §8): with a deployment channel KEK configured, a
 * handshake also writes its channel to the store with K wrapped in AES-256-GCM under that
 * KEK, AAD = "sealroom-channel-v1" | channel_uri, blob = IV || ciphertext || tag. A node that
 * gets a message for a channel it does not hold loads it from there, so any node serves any
 * client and a restart loses nothing. Seen IVs stay per node (KMS.md §2 "Each node remembers
 * the IVs seen per channel").
 */
#include <string.h>

#include "crypto/aead.h"
#include "crypto/rand.h"
#include "kms/server_int.h"

#define CH_KEY_LEN  32
#define CH_BLOB_LEN (SR_JOSE_IV_LEN + CH_KEY_LEN + SR_JOSE_TAG_LEN)

static sr_err aad_of(const char *uri, struct sr_buf *aad)
{
    const char *fields[] = { "sealroom-channel-v1", uri };
    return sr_kms_aad_encode(fields, 2, aad);
}

sr_err sr_kms_channel_persist(struct sr_kms_server *srv, const struct sr_kms_channel *ch,
                              struct sr_slice k)
{
    struct sr_store_channel row;
    struct sr_buf aad;
    size_t n = 0;
    if (!srv->has_channel_kek) {
        return SR_OK;
    }
    SR_CHECK(k.len == CH_KEY_LEN, SR_ERR_ARG);
    memset(&row, 0, sizeof(row));
    memcpy(row.uri, ch->uri, sizeof(row.uri));
    memcpy(row.user_id, ch->user_id, sizeof(row.user_id));
    memcpy(row.org_id, ch->org_id, sizeof(row.org_id));
    memcpy(row.client_id, ch->client_id, sizeof(row.client_id));
    row.created = ch->created;
    row.expires = ch->expires;
    sr_buf_init(&aad, 0, 0);
    sr_err err = aad_of(ch->uri, &aad);
    if (err == SR_OK) {
        err = sr_rand_bytes(row.wrapped_key.p, SR_JOSE_IV_LEN);
    }
    if (err == SR_OK) {
        err = sr_aead_seal_once(
                &sr_aead_aes256gcm, sr_slice_of(srv->channel_kek, sizeof(srv->channel_kek)),
                row.wrapped_key.p, sr_buf_slice(&aad), k, row.wrapped_key.p + SR_JOSE_IV_LEN,
                sizeof(row.wrapped_key.p) - SR_JOSE_IV_LEN, &n);
    }
    if (err == SR_OK) {
        row.wrapped_key.present = true;
        row.wrapped_key.len = SR_JOSE_IV_LEN + n;
        err = sr_store_channel_insert(srv->store, &row);
    }
    sr_buf_cleanup(&aad);
    return err;
}

struct sr_kms_channel *sr_kms_channel_load(struct sr_kms_server *srv, const char *uri, int64_t now)
{
    struct sr_store_channel row;
    struct sr_buf aad;
    struct sr_kms_channel *ch = NULL;
    uint8_t k[CH_KEY_LEN + SR_JOSE_TAG_LEN];
    size_t n = 0;
    if (!srv->has_channel_kek || sr_store_channel_get(srv->store, uri, &row) != SR_OK ||
        now >= row.expires || !row.wrapped_key.present || row.wrapped_key.len != CH_BLOB_LEN) {
        return NULL;
    }
    sr_buf_init(&aad, 0, 0);
    if (aad_of(row.uri, &aad) == SR_OK &&
        sr_aead_open_once(&sr_aead_aes256gcm,
                          sr_slice_of(srv->channel_kek, sizeof(srv->channel_kek)),
                          row.wrapped_key.p, sr_buf_slice(&aad),
                          sr_slice_of(row.wrapped_key.p + SR_JOSE_IV_LEN,
                                      row.wrapped_key.len - SR_JOSE_IV_LEN),
                          k, sizeof(k), &n) == SR_OK &&
        n == CH_KEY_LEN) {
        if (sr_kms_channel_put(srv, &row, sr_slice_of(k, CH_KEY_LEN), now, &ch) != SR_OK) {
            ch = NULL;
        }
    }
    sr_wipe(k, sizeof(k));
    sr_buf_cleanup(&aad);
    return ch;
}

void sr_kms_channel_forget(struct sr_kms_server *srv, const char *uri)
{
    if (srv->has_channel_kek && sr_store_channel_delete(srv->store, uri) != SR_OK) {
        /* Already gone, or the sweeper drops it when it expires. */
        return;
    }
}
