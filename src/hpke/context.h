/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private glue between the key schedule (key_schedule.c) and the encryption context
 * (context.c): the three values KeySchedule<ROLE>() hands to a context (RFC 9180 §5.1),
 * and setup steps that stop before a context is allocated, so the single-shot APIs (§6)
 * can run without one.
 */
#pragma once

#include <stdbool.h>

#include <sealroom/err.h>

#include "crypto/suite.h"
#include "hpke/hpke.h"

/* RFC 9180 §7.3: the export-only AEAD id. */
#define SR_HPKE_AEAD_EXPORT_ONLY 0xffff

enum sr_hpke_role {
    SR_HPKE_ROLE_SENDER,
    SR_HPKE_ROLE_RECIPIENT,
};

/** key[Nk], base_nonce[Nn] and exporter_secret[Nh] of one context; wiped by its owner. */
struct sr_hpke_schedule {
    uint8_t key[SR_AEAD_KEY_MAX];
    uint8_t base_nonce[SR_AEAD_NONCE_MAX];
    uint8_t exporter_secret[SR_HASH_MAX];
};

static inline bool sr_hpke_is_export_only(const struct sr_hpke_suite *suite)
{
    return suite->aead->hpke_id == SR_HPKE_AEAD_EXPORT_ONLY;
}

/** Encap (or AuthEncap) then KeyScheduleS: enc and the schedule, no context. */
SR_MUST_USE sr_err sr_hpke_sender_schedule(const struct sr_hpke_suite *suite,
                                           enum sr_hpke_mode mode, struct sr_slice pk_r,
                                           struct sr_slice info,
                                           const struct sr_hpke_mode_args *args,
                                           struct sr_slice ikm_e, uint8_t *enc,
                                           struct sr_hpke_schedule *ks);

/** sr_hpke_sender_schedule with `info` given as info_hash[kdf->len] (sr_hpke_info_hash). */
SR_MUST_USE sr_err sr_hpke_sender_schedule_hashed(const struct sr_hpke_suite *suite,
                                                  enum sr_hpke_mode mode, struct sr_slice pk_r,
                                                  const uint8_t *info_hash,
                                                  const struct sr_hpke_mode_args *args,
                                                  struct sr_slice ikm_e, uint8_t *enc,
                                                  struct sr_hpke_schedule *ks);

/** Decap (or AuthDecap) then KeyScheduleR: the schedule, no context. */
SR_MUST_USE sr_err sr_hpke_recipient_schedule(const struct sr_hpke_suite *suite,
                                              enum sr_hpke_mode mode, struct sr_slice enc,
                                              struct sr_slice sk_r, struct sr_slice info,
                                              const struct sr_hpke_mode_args *args,
                                              struct sr_hpke_schedule *ks);

/** A context for `role` over a copy of `ks`, with its AEAD keyed once for all messages. */
SR_MUST_USE sr_err sr_hpke_ctx_new(const struct sr_hpke_suite *suite, enum sr_hpke_role role,
                                   const struct sr_hpke_schedule *ks, struct sr_hpke_ctx **out);
