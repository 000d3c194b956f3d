/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Meeting content keys (DESIGN.md, zero-trust flow step 4): after each epoch change, one
 * AES-256-GCM key per content type from the MLS exporter (RFC 9420 §8.5), each under its own
 * label, kept for the current epoch and, during a grace window, the previous one.
 */
#include <string.h>

#include <sealroom/buf.h>
#include <sealroom/e2ee.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "crypto/suite.h"
#include "e2ee/e2ee_int.h"
#include "mls/schedule_keys.h"

#define N_TYPES 4

/* Indexed by type - 1; documented in include/sealroom/e2ee.h. */
static const char *const export_labels[N_TYPES] = {
    "Sealroom chat key",
    "Sealroom file transfer key",
    "Sealroom whiteboard key",
    "Sealroom annotation key",
};

static const char sender_label[] = "Sealroom sender key";

struct epoch_keys {
    int present;
    uint64_t epoch;
    uint8_t key[N_TYPES][SR_E2EE_CONTENT_KEY_LEN];
};

struct sr_e2ee_keyring {
    struct epoch_keys cur;
    struct epoch_keys prev;
    struct sr_aead_ctx *aead; /* rekeyed for each sender key */
};

static int type_ok(enum sr_e2ee_content type)
{
    return type >= SR_E2EE_CONTENT_CHAT && type <= SR_E2EE_CONTENT_ANNOTATION;
}

sr_err sr_e2ee_keyring_new(struct sr_e2ee_keyring **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_e2ee_keyring *kr = sr_calloc(1, sizeof(*kr));
    SR_CHECK(kr != NULL, SR_ERR_NOMEM);
    /* A placeholder key: the context is always rekeyed before use. */
    static const uint8_t zero[SR_E2EE_CONTENT_KEY_LEN] = { 0 };
    sr_err err = sr_aead_ctx_new(&sr_aead_aes256gcm, sr_slice_of(zero, sizeof(zero)), &kr->aead);
    if (err != SR_OK) {
        sr_free(kr);
        return err;
    }
    *out = kr;
    return SR_OK;
}

void sr_e2ee_keyring_free(struct sr_e2ee_keyring *kr)
{
    if (kr == NULL) {
        return;
    }
    sr_aead_ctx_free(kr->aead);
    sr_wipe(kr, sizeof(*kr));
    sr_free(kr);
}

sr_err sr_e2ee_keyring_add_epoch(struct sr_e2ee_keyring *kr, uint64_t epoch,
                                 sr_e2ee_exporter_fn exporter, void *arg)
{
    SR_CHECK(kr != NULL && exporter != NULL, SR_ERR_ARG);
    SR_CHECK(!kr->cur.present || epoch > kr->cur.epoch, SR_ERR_EPOCH);
    struct epoch_keys next = { .present = 1, .epoch = epoch };
    sr_err err = SR_OK;
    for (size_t i = 0; i < N_TYPES; i++) {
        struct sr_slice label = sr_slice_of(export_labels[i], strlen(export_labels[i]));
        err = exporter(arg, label, sr_slice_of(NULL, 0), next.key[i], SR_E2EE_CONTENT_KEY_LEN);
        if (err != SR_OK) {
            goto out;
        }
    }
    /* Stage, then swap: a failed derivation above leaves the keyring as it was. */
    sr_wipe(&kr->prev, sizeof(kr->prev));
    kr->prev = kr->cur;
    kr->cur = next;
out:
    sr_wipe(&next, sizeof(next));
    return err;
}

struct secret_exporter {
    const struct sr_suite *suite;
    struct sr_slice secret;
};

static sr_err export_from_secret(void *arg, struct sr_slice label, struct sr_slice context,
                                 uint8_t *out, size_t len)
{
    const struct secret_exporter *e = arg;
    return sr_mls_exporter(e->suite, e->secret, label, context, out, len);
}

sr_err sr_e2ee_keyring_add_epoch_secret(struct sr_e2ee_keyring *kr, uint64_t epoch,
                                        uint16_t suite_id, struct sr_slice exporter_secret)
{
    struct secret_exporter e = { sr_suite_get(suite_id), exporter_secret };
    SR_CHECK(e.suite != NULL, SR_ERR_UNSUPPORTED);
    SR_CHECK(exporter_secret.p != NULL && exporter_secret.len > 0, SR_ERR_ARG);
    return sr_e2ee_keyring_add_epoch(kr, epoch, export_from_secret, &e);
}

void sr_e2ee_keyring_end_grace(struct sr_e2ee_keyring *kr)
{
    if (kr != NULL) {
        sr_wipe(&kr->prev, sizeof(kr->prev));
    }
}

sr_err sr_e2ee_keyring_epoch(const struct sr_e2ee_keyring *kr, uint64_t *epoch)
{
    SR_CHECK(kr != NULL && epoch != NULL, SR_ERR_ARG);
    SR_CHECK(kr->cur.present, SR_ERR_STATE);
    *epoch = kr->cur.epoch;
    return SR_OK;
}

static const uint8_t *find_key(const struct sr_e2ee_keyring *kr, uint64_t epoch,
                               enum sr_e2ee_content type)
{
    const struct epoch_keys *held[2] = { &kr->cur, &kr->prev };
    for (size_t i = 0; i < 2; i++) {
        if (held[i]->present && held[i]->epoch == epoch) {
            return held[i]->key[type - 1];
        }
    }
    return NULL;
}

sr_err sr_e2ee_keyring_export_key(const struct sr_e2ee_keyring *kr, uint64_t epoch,
                                  enum sr_e2ee_content type, uint8_t out[SR_E2EE_CONTENT_KEY_LEN])
{
    SR_CHECK(kr != NULL && out != NULL && type_ok(type), SR_ERR_ARG);
    const uint8_t *key = find_key(kr, epoch, type);
    SR_CHECK(key != NULL, SR_ERR_EPOCH);
    memcpy(out, key, SR_E2EE_CONTENT_KEY_LEN);
    return SR_OK;
}

sr_err sr_e2ee_keyring_sender_ctx(struct sr_e2ee_keyring *kr, uint64_t epoch,
                                  enum sr_e2ee_content type, uint32_t sender,
                                  struct sr_aead_ctx **ctx)
{
    SR_CHECK(kr != NULL && ctx != NULL && type_ok(type), SR_ERR_ARG);
    const uint8_t *key = find_key(kr, epoch, type);
    SR_CHECK(key != NULL, SR_ERR_EPOCH);
    /* The content key is uniform, so it serves as the HKDF PRK directly (RFC 5869 §3.3). */
    uint8_t tail[5];
    tail[0] = (uint8_t)type;
    sr_e2ee_put_be(tail + 1, sender, 4);
    struct sr_slice info[2] = { sr_slice_of(sender_label, sizeof(sender_label) - 1),
                                sr_slice_of(tail, sizeof(tail)) };
    uint8_t sender_key[SR_E2EE_CONTENT_KEY_LEN];
    sr_err err = sr_hkdf_expand_parts(&sr_hash_sha256, sr_slice_of(key, SR_E2EE_CONTENT_KEY_LEN),
                                      info, 2, sender_key, sizeof(sender_key));
    if (err == SR_OK) {
        err = sr_aead_ctx_set_key(kr->aead, sr_slice_of(sender_key, sizeof(sender_key)));
    }
    sr_wipe(sender_key, sizeof(sender_key));
    *ctx = err == SR_OK ? kr->aead : NULL;
    return err;
}
