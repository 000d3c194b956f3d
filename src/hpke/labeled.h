/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The suite identifiers and labelled KDF steps of RFC 9180 §4: LabeledExtract and
 * LabeledExpand prefix every input with "HPKE-v1" and a suite_id, so that keys derived for
 * one KEM or suite can never collide with those of another. Private to hpke/.
 */
#pragma once

#include <sealroom/common.h>
#include <sealroom/err.h>

#include "crypto/suite.h"

/* "HPKE" plus three 2-byte ids is the longest suite_id. */
#define SR_HPKE_SUITE_ID_MAX 10

/** A suite_id: "KEM" || I2OSP(kem_id, 2) or "HPKE" || kem_id || kdf_id || aead_id (§4.1, §5.1). */
struct sr_hpke_suite_id {
    uint8_t p[SR_HPKE_SUITE_ID_MAX];
    size_t len;
};

/** The KEM's suite_id (§4.1). */
void sr_hpke_kem_suite_id(const struct sr_kem_alg *kem, struct sr_hpke_suite_id *out);

/** The HPKE suite_id of the key schedule (§5.1). */
void sr_hpke_full_suite_id(uint16_t kem_id, uint16_t kdf_id, uint16_t aead_id,
                           struct sr_hpke_suite_id *out);

/** prk[kdf->len] = LabeledExtract(salt, label, ikm) (§4). */
SR_MUST_USE sr_err sr_hpke_labeled_extract(const struct sr_hash_alg *kdf,
                                           const struct sr_hpke_suite_id *sid, struct sr_slice salt,
                                           const char *label, struct sr_slice ikm, uint8_t *prk);

/** out[len] = LabeledExpand(prk, label, info, len) (§4); SR_ERR_ARG past 255 * Nh or 65535. */
SR_MUST_USE sr_err sr_hpke_labeled_expand(const struct sr_hash_alg *kdf,
                                          const struct sr_hpke_suite_id *sid, struct sr_slice prk,
                                          const char *label, struct sr_slice info, uint8_t *out,
                                          size_t len);
