/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IVs a channel has seen (KMS.md §2: a repeat is 409 REPLAY): every repeat is caught,
 * also after the set has grown and for the all-zero IV, new IVs are taken until the
 * channel's limit, and a full channel refuses more without forgetting any.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "kms/server_int.h"

/* The i-th IV: the index in the first four bytes, the rest fixed and non-zero. */
static void iv_of(uint32_t i, uint8_t iv[SR_JOSE_IV_LEN])
{
    memset(iv, 0xa5, SR_JOSE_IV_LEN);
    iv[0] = (uint8_t)(i >> 24);
    iv[1] = (uint8_t)(i >> 16);
    iv[2] = (uint8_t)(i >> 8);
    iv[3] = (uint8_t)i;
}

static void test_repeats_and_limit(void **state)
{
    struct sr_kms_channel ch;
    uint8_t iv[SR_JOSE_IV_LEN], zero[SR_JOSE_IV_LEN] = { 0 };
    (void)state;
    memset(&ch, 0, sizeof(ch));
    ch.iv_key = 0x0123456789abcdefu;
    assert_int_equal(sr_kms_channel_see_iv(&ch, zero), SR_OK);
    assert_int_equal(sr_kms_channel_see_iv(&ch, zero), SR_ERR_REPLAY);
    for (uint32_t i = 1; i < SR_KMS_IVS_MAX; i++) {
        iv_of(i, iv);
        assert_int_equal(sr_kms_channel_see_iv(&ch, iv), SR_OK);
        if (i % 4099 == 0) { /* a few repeats of older IVs as the set grows */
            iv_of(i / 2, iv);
            assert_int_equal(sr_kms_channel_see_iv(&ch, iv), SR_ERR_REPLAY);
        }
    }
    /* Full: a new IV is refused, and every IV seen is still known. */
    iv_of(SR_KMS_IVS_MAX, iv);
    assert_int_equal(sr_kms_channel_see_iv(&ch, iv), SR_ERR_LIMIT);
    for (uint32_t i = 1; i < SR_KMS_IVS_MAX; i++) {
        iv_of(i, iv);
        assert_int_equal(sr_kms_channel_see_iv(&ch, iv), SR_ERR_REPLAY);
    }
    assert_int_equal(sr_kms_channel_see_iv(&ch, zero), SR_ERR_REPLAY);
    assert_int_equal(ch.n_ivs, SR_KMS_IVS_MAX);
    sr_kms_channel_cleanup(&ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeats_and_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
