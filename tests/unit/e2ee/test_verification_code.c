/* SPDX-License-Identifier: Apache-2.0 */
/* Security Verification Code: digit grouping, known values, input checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/e2ee.h>

#include "testutil.h"

static void known_group(void **state)
{
    (void)state;
    /* 0xaabbccddee = 733295205870, so the first group is 05870. */
    uint8_t auth[32] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
    char code[SR_E2EE_CODE_STR_LEN];
    assert_int_equal(sr_e2ee_verification_code(sr_slice_of(auth, sizeof(auth)), code), SR_OK);
    assert_string_equal(code, "05870 00000 00000 00000 00000 00000");
}

static void every_group_and_layout(void **state)
{
    (void)state;
    uint8_t auth[30];
    memset(auth, 0xff, sizeof(auth));
    /* 2^40 - 1 = 1099511627775 -> 27775 */
    char code[SR_E2EE_CODE_STR_LEN];
    assert_int_equal(sr_e2ee_verification_code(sr_slice_of(auth, sizeof(auth)), code), SR_OK);
    assert_string_equal(code, "27775 27775 27775 27775 27775 27775");
    assert_int_equal(strlen(code), SR_E2EE_CODE_STR_LEN - 1);
    /* Only the first 30 bytes count. */
    uint8_t longer[64];
    memset(longer, 0xff, sizeof(longer));
    longer[40] = 0;
    char code2[SR_E2EE_CODE_STR_LEN];
    assert_int_equal(sr_e2ee_verification_code(sr_slice_of(longer, 64), code2), SR_OK);
    assert_string_equal(code, code2);
}

static void one_bit_changes_the_code(void **state)
{
    (void)state;
    uint8_t auth[32] = { 0 };
    char before[SR_E2EE_CODE_STR_LEN], after[SR_E2EE_CODE_STR_LEN];
    for (size_t i = 0; i < 30; i++) {
        assert_int_equal(sr_e2ee_verification_code(sr_slice_of(auth, 32), before), SR_OK);
        auth[i] ^= 1;
        assert_int_equal(sr_e2ee_verification_code(sr_slice_of(auth, 32), after), SR_OK);
        assert_string_not_equal(before, after);
        auth[i] ^= 1;
    }
}

static void short_input_rejected(void **state)
{
    (void)state;
    uint8_t auth[29] = { 0 };
    char code[SR_E2EE_CODE_STR_LEN];
    assert_int_equal(sr_e2ee_verification_code(sr_slice_of(auth, 29), code), SR_ERR_ARG);
    assert_int_equal(sr_e2ee_verification_code(sr_slice_of(NULL, 0), code), SR_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_group),
        cmocka_unit_test(every_group_and_layout),
        cmocka_unit_test(one_bit_changes_the_code),
        cmocka_unit_test(short_input_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
