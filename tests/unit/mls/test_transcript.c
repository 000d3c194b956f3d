/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transcript hashes and confirmation tags (RFC 9420 §8.2, §6.1): the chain of hashes over a
 * commit, tag verification with every byte flipped and every length, and non-commit input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hash.h"
#include "mls/transcript.h"

static void commit_content(struct sr_mls_authenticated_content *ac, const uint8_t *tag)
{
    memset(ac, 0, sizeof(*ac));
    ac->wire_format = SR_MLS_WIRE_PUBLIC_MESSAGE;
    ac->content.group_id = sr_slice_of("g", 1);
    ac->content.epoch = 3;
    ac->content.sender.type = SR_MLS_SENDER_MEMBER;
    ac->content.content_type = SR_MLS_CONTENT_COMMIT;
    ac->auth.signature = sr_slice_of("sig", 3);
    ac->auth.confirmation_tag = sr_slice_of(tag, 32);
}

static void hash_chain(void **state)
{
    (void)state;
    const struct sr_suite *suite = sr_suite_get(1);
    uint8_t tag[32], key[32], confirmed[32], interim[32], want[32], before[32];
    memset(key, 7, sizeof(key));
    memset(before, 9, sizeof(before));
    memset(tag, 0, sizeof(tag));
    struct sr_mls_authenticated_content ac;
    commit_content(&ac, tag);
    assert_int_equal(
            sr_mls_transcript_update(suite, sr_slice_of(before, 32), &ac, confirmed, interim),
            SR_OK);
    /* confirmed = H(before || u16 wire_format || FramedContent || signature<V>) */
    static const uint8_t input[] = { 0, 1, 1, 'g', 0, 0, 0, 0, 0, 0,   0,   3,  1,
                                     0, 0, 0, 0,   0, 3, 0, 0, 3, 's', 'i', 'g' };
    const struct sr_slice parts[] = { sr_slice_of(before, 32), sr_slice_of(input, sizeof(input)) };
    assert_int_equal(sr_hash_parts(suite->hash, parts, 2, want), SR_OK);
    assert_memory_equal(confirmed, want, 32);
    /* interim = H(confirmed || MAC<V>) */
    uint8_t len = 32;
    const struct sr_slice iparts[] = { sr_slice_of(confirmed, 32), sr_slice_of(&len, 1),
                                       sr_slice_of(tag, 32) };
    assert_int_equal(sr_hash_parts(suite->hash, iparts, 3, want), SR_OK);
    assert_memory_equal(interim, want, 32);
    /* epoch 0: an empty interim hash */
    assert_int_equal(sr_mls_transcript_confirmed(suite, sr_slice_of(NULL, 0), &ac, confirmed),
                     SR_OK);
    assert_int_equal(sr_hash(suite->hash, sr_slice_of(input, sizeof(input)), want), SR_OK);
    assert_memory_equal(confirmed, want, 32);
    /* only commits enter the transcript */
    ac.content.content_type = SR_MLS_CONTENT_PROPOSAL;
    assert_int_equal(sr_mls_transcript_confirmed(suite, sr_slice_of(before, 32), &ac, confirmed),
                     SR_ERR_INVALID);
}

static void confirmation_tag(void **state)
{
    (void)state;
    const struct sr_suite *suite = sr_suite_get(1);
    uint8_t key[32], confirmed[32], tag[32];
    memset(key, 5, sizeof(key));
    memset(confirmed, 6, sizeof(confirmed));
    struct sr_slice k = sr_slice_of(key, 32), c = sr_slice_of(confirmed, 32);
    assert_int_equal(sr_mls_confirmation_tag_compute(suite, k, c, tag), SR_OK);
    assert_int_equal(sr_mls_confirmation_tag_verify(suite, k, c, sr_slice_of(tag, 32)), SR_OK);
    for (size_t i = 0; i < 32; i++) {
        for (int bit = 0; bit < 8; bit++) {
            tag[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(sr_mls_confirmation_tag_verify(suite, k, c, sr_slice_of(tag, 32)),
                             SR_ERR_AUTH);
            tag[i] ^= (uint8_t)(1u << bit);
        }
    }
    for (size_t n = 0; n < 32; n++) {
        assert_int_equal(sr_mls_confirmation_tag_verify(suite, k, c, sr_slice_of(tag, n)),
                         SR_ERR_AUTH);
    }
    confirmed[0] ^= 1;
    assert_int_equal(sr_mls_confirmation_tag_verify(suite, k, c, sr_slice_of(tag, 32)),
                     SR_ERR_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_chain),
        cmocka_unit_test(confirmation_tag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
