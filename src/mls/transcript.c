/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §8.2 transcript hashes and the §6.1 confirmation tag.
 *
 *   struct { WireFormat wire_format; FramedContent content;  (a commit)
 *            opaque signature<V>; } ConfirmedTranscriptHashInput;
 *   struct { MAC confirmation_tag; } InterimTranscriptHashInput;
 *
 *        interim_[n-1] --+
 *                        +--> Hash --> confirmed_[n] --+--> MAC(confirmation_key_[n]) = tag
 *   ConfirmedInput_[n] --+                             |
 *                                         tag --> Hash +--> interim_[n]
 *
 * Commits are cold: the input is encoded into a temporary buffer.
 */
#include "mls/transcript.h"

#include <stdbool.h>

#include "crypto/ct.h"
#include "crypto/hash.h"

static sr_err args_ok(const struct sr_suite *suite, struct sr_slice s)
{
    SR_CHECK(suite != NULL, SR_ERR_ARG);
    SR_CHECK(s.p != NULL || s.len == 0, SR_ERR_ARG);
    return SR_OK;
}

static sr_err confirmed_input(const struct sr_mls_authenticated_content *ac, struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, ac->wire_format));
    SR_TRY(sr_mls_framed_content_encode(&ac->content, w));
    return sr_write_slice_v(w, ac->auth.signature);
}

sr_err sr_mls_transcript_confirmed(const struct sr_suite *suite, struct sr_slice interim_before,
                                   const struct sr_mls_authenticated_content *ac, uint8_t *out)
{
    SR_TRY(args_ok(suite, interim_before));
    SR_CHECK(ac != NULL && out != NULL, SR_ERR_ARG);
    /* §8.2: ConfirmedTranscriptHashInput holds a FramedContent "with content_type == commit" */
    SR_CHECK(ac->content.content_type == SR_MLS_CONTENT_COMMIT, SR_ERR_INVALID);
    struct sr_buf in;
    sr_buf_init(&in, 0, 0);
    sr_err err = confirmed_input(ac, &in);
    if (err == SR_OK) {
        const struct sr_slice parts[2] = { interim_before, sr_buf_slice(&in) };
        err = sr_hash_parts(suite->hash, parts, 2, out);
    }
    sr_buf_cleanup(&in);
    return err;
}

sr_err sr_mls_transcript_interim(const struct sr_suite *suite, struct sr_slice confirmed,
                                 struct sr_slice confirmation_tag, uint8_t *out)
{
    SR_TRY(args_ok(suite, confirmed));
    SR_TRY(args_ok(suite, confirmation_tag));
    SR_CHECK(out != NULL, SR_ERR_ARG);
    uint8_t prefix[4];
    struct sr_buf w;
    sr_buf_init_fixed(&w, prefix, sizeof(prefix));
    SR_TRY(sr_write_varint(&w, confirmation_tag.len)); /* MAC is opaque<V> */
    const struct sr_slice parts[3] = { confirmed, sr_buf_slice(&w), confirmation_tag };
    return sr_hash_parts(suite->hash, parts, 3, out);
}

sr_err sr_mls_transcript_update(const struct sr_suite *suite, struct sr_slice interim_before,
                                const struct sr_mls_authenticated_content *ac, uint8_t *confirmed,
                                uint8_t *interim)
{
    SR_CHECK(suite != NULL && ac != NULL && confirmed != NULL && interim != NULL, SR_ERR_ARG);
    SR_TRY(sr_mls_transcript_confirmed(suite, interim_before, ac, confirmed));
    return sr_mls_transcript_interim(suite, sr_slice_of(confirmed, suite->hash->len),
                                     ac->auth.confirmation_tag, interim);
}

sr_err sr_mls_confirmation_tag_compute(const struct sr_suite *suite,
                                       struct sr_slice confirmation_key, struct sr_slice confirmed,
                                       uint8_t *tag)
{
    SR_TRY(args_ok(suite, confirmed));
    SR_CHECK(tag != NULL && confirmation_key.p != NULL, SR_ERR_ARG);
    return sr_hmac(suite->hash, confirmation_key, confirmed, tag);
}

sr_err sr_mls_confirmation_tag_verify(const struct sr_suite *suite,
                                      struct sr_slice confirmation_key, struct sr_slice confirmed,
                                      struct sr_slice tag)
{
    uint8_t want[SR_HASH_MAX];
    SR_TRY(sr_mls_confirmation_tag_compute(suite, confirmation_key, confirmed, want));
    size_t nh = suite->hash->len;
    /* §6.1: the confirmation tag is a MAC; compare without leaking where it differs */
    bool ok = tag.len == nh && tag.p != NULL && sr_ct_equal(want, tag.p, nh);
    sr_wipe(want, sizeof(want));
    return ok ? SR_OK : SR_ERR_AUTH;
}
