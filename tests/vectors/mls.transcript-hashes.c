/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 transcript-hashes.json (test-vectors.md "Transcript Hashes"): the authenticated
 * content is a commit whose confirmation tag verifies under confirmation_key over
 * confirmed_transcript_hash_after, and both transcript hashes follow from
 * interim_transcript_hash_before (§8.2).
 */
#include <stdio.h>

#include <jansson.h>

#include "mls/transcript.h"
#include "vectors.h"

static bool check_case(const json_t *tc)
{
    const struct sr_suite *suite = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    struct sr_buf key, acb, before, after;
    struct sr_mls_authenticated_content ac = { 0 };
    uint8_t confirmed[SR_HASH_MAX], interim[SR_HASH_MAX];
    sr_buf_init(&key, 0, SR_BUF_WIPE);
    sr_buf_init(&acb, 0, 0);
    sr_buf_init(&before, 0, 0);
    sr_buf_init(&after, 0, 0);
    bool ok = suite != NULL && sr_vec_hex(tc, "confirmation_key", &key) &&
              sr_vec_hex(tc, "authenticated_content", &acb) &&
              sr_vec_hex(tc, "interim_transcript_hash_before", &before) &&
              sr_vec_hex(tc, "confirmed_transcript_hash_after", &after) &&
              sr_mls_authenticated_content_decode(sr_buf_slice(&acb), &ac) == SR_OK &&
              ac.content.content_type == SR_MLS_CONTENT_COMMIT;
    ok = ok && sr_mls_confirmation_tag_verify(suite, sr_buf_slice(&key), sr_buf_slice(&after),
                                              ac.auth.confirmation_tag) == SR_OK;
    ok = ok &&
         sr_mls_transcript_update(suite, sr_buf_slice(&before), &ac, confirmed, interim) == SR_OK;
    ok = ok &&
         sr_vec_expect(tc, "confirmed_transcript_hash_after", confirmed, suite->hash->len,
                       "confirmed transcript hash") &&
         sr_vec_expect(tc, "interim_transcript_hash_after", interim, suite->hash->len,
                       "interim transcript hash");
    sr_mls_authenticated_content_cleanup(&ac);
    sr_buf_cleanup(&key);
    sr_buf_cleanup(&acb);
    sr_buf_cleanup(&before);
    sr_buf_cleanup(&after);
    return ok;
}

int main(void)
{
    json_t *root = sr_vec_load("mls/transcript-hashes.json");
    struct sr_vec_counts counts = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        bool ok = check_case(json_array_get(root, i));
        if (!ok) {
            fprintf(stderr, "case %zu failed\n", i);
        }
        sr_vec_count(&counts, ok);
    }
    json_decref(root);
    return sr_vec_report("transcript-hashes.json", &counts);
}
