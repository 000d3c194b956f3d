/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §8.4:
 *
 *   psk_extracted_[i] = KDF.Extract(0, psk_[i])
 *   psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
 *   psk_secret_[0]    = 0
 *   psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
 *   psk_secret        = psk_secret_[n]
 *
 * with PSKLabel = struct { PreSharedKeyID id; uint16 index; uint16 count; }.
 */
#include "mls/schedule_psk.h"

#include <string.h>

#include "core/codec.h"
#include "crypto/hash.h"
#include "crypto/labels.h"

/* PreSharedKeyID fields are small: ids and nonces well under this. */
#define PSK_LABEL_MAX (1u << 16)

static const uint8_t zeros[SR_HASH_MAX];

/* psk_input_[i] into `input` (Nh bytes); `label` is scratch space for PSKLabel. */
static sr_err psk_input(const struct sr_suite *suite, const struct sr_mls_psk_input *psk,
                        uint16_t index, uint16_t count, struct sr_buf *label, uint8_t *input)
{
    uint8_t extracted[SR_HASH_MAX];
    size_t nh = suite->hash->len;
    sr_buf_reset(label);
    sr_err err = sr_buf_append(label, psk->id.p, psk->id.len);
    if (err == SR_OK) {
        err = sr_write_u16(label, index);
    }
    if (err == SR_OK) {
        err = sr_write_u16(label, count);
    }
    if (err == SR_OK) {
        err = sr_hkdf_extract(suite->hash, sr_slice_of(zeros, nh), psk->psk, extracted);
    }
    if (err == SR_OK) {
        err = sr_mls_expand_with_label(suite, sr_slice_of(extracted, nh), "derived psk",
                                       sr_buf_slice(label), input, nh);
    }
    sr_wipe(extracted, sizeof(extracted));
    return err;
}

sr_err sr_mls_psk_secret(const struct sr_suite *suite, const struct sr_mls_psk_input *psks,
                         size_t n, struct sr_secret *out)
{
    struct sr_buf label;
    uint8_t input[SR_HASH_MAX], acc[SR_HASH_MAX] = { 0 }, next[SR_HASH_MAX];
    size_t nh = suite != NULL ? suite->hash->len : 0;
    sr_err err = SR_ERR_ARG;
    sr_buf_init(&label, PSK_LABEL_MAX, 0);
    sr_secret_cleanup(out);
    if (suite == NULL || (n > 0 && psks == NULL)) {
        goto out;
    }
    err = SR_ERR_LIMIT;
    if (n > UINT16_MAX) {
        goto out;
    }
    err = SR_OK;
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        err = psk_input(suite, &psks[i], (uint16_t)i, (uint16_t)n, &label, input);
        if (err == SR_OK) {
            /* salt = psk_input_[i], ikm = psk_secret_[i] */
            err = sr_hkdf_extract(suite->hash, sr_slice_of(input, nh), sr_slice_of(acc, nh), next);
        }
        if (err == SR_OK) {
            memcpy(acc, next, nh);
        }
    }
    if (err == SR_OK) {
        err = sr_secret_set(out, acc, nh);
    }
out:
    sr_wipe(input, sizeof(input));
    sr_wipe(acc, sizeof(acc));
    sr_wipe(next, sizeof(next));
    sr_buf_cleanup(&label);
    return err;
}
