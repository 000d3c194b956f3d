/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transcript hashes and the confirmation tag (RFC 9420 §8.2, §6.1):
 *
 *   confirmed_transcript_hash = Hash(interim_transcript_hash_before ||
 *                                    ConfirmedTranscriptHashInput{wire_format, content,
 *                                                                 signature})
 *   interim_transcript_hash   = Hash(confirmed_transcript_hash ||
 *                                    InterimTranscriptHashInput{confirmation_tag})
 *   confirmation_tag          = MAC(confirmation_key, confirmed_transcript_hash)
 *
 * Outputs are KDF.Nh bytes (at most SR_HASH_MAX) written to caller buffers.
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "crypto/suite.h"
#include "mls/wire_framing.h"

/**
 * out[Nh] = the confirmed transcript hash after the commit in `ac` (its content_type must be
 * commit: SR_ERR_INVALID otherwise), from `interim_before` (empty for epoch 0).
 */
SR_MUST_USE sr_err sr_mls_transcript_confirmed(const struct sr_suite *suite,
                                               struct sr_slice interim_before,
                                               const struct sr_mls_authenticated_content *ac,
                                               uint8_t *out);

/** out[Nh] = the interim transcript hash from `confirmed` and `confirmation_tag`. */
SR_MUST_USE sr_err sr_mls_transcript_interim(const struct sr_suite *suite,
                                             struct sr_slice confirmed,
                                             struct sr_slice confirmation_tag, uint8_t *out);

/** Both hashes for the commit in `ac`: confirmed[Nh] and interim[Nh]. */
SR_MUST_USE sr_err sr_mls_transcript_update(const struct sr_suite *suite,
                                            struct sr_slice interim_before,
                                            const struct sr_mls_authenticated_content *ac,
                                            uint8_t *confirmed, uint8_t *interim);

/** tag[Nh] = MAC(confirmation_key, confirmed) (§6.1). */
SR_MUST_USE sr_err sr_mls_confirmation_tag_compute(const struct sr_suite *suite,
                                                   struct sr_slice confirmation_key,
                                                   struct sr_slice confirmed, uint8_t *tag);

/** SR_OK when `tag` is MAC(confirmation_key, confirmed), compared in constant time; else AUTH. */
SR_MUST_USE sr_err sr_mls_confirmation_tag_verify(const struct sr_suite *suite,
                                                  struct sr_slice confirmation_key,
                                                  struct sr_slice confirmed, struct sr_slice tag);
