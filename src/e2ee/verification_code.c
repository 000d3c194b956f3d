/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Security Verification Code: a human-comparable rendering of the MLS epoch authenticator.
 * Five bytes per group give 40 bits, so reducing modulo 100000 is close to uniform (the
 * bias is below 2^-23 per group), and 30 digits keep about 99 bits of the authenticator.
 */
#include <stdint.h>

#include <sealroom/e2ee.h>

sr_err sr_e2ee_verification_code(struct sr_slice epoch_authenticator,
                                 char out[SR_E2EE_CODE_STR_LEN])
{
    SR_CHECK(epoch_authenticator.p != NULL, SR_ERR_ARG);
    SR_CHECK(epoch_authenticator.len >= SR_E2EE_CODE_INPUT_LEN, SR_ERR_ARG);
    char *o = out;
    for (size_t group = 0; group < 6; group++) {
        uint64_t v = 0;
        for (size_t i = 0; i < 5; i++) {
            v = v << 8 | epoch_authenticator.p[5 * group + i];
        }
        v %= 100000;
        for (int d = 4; d >= 0; d--) {
            o[d] = (char)('0' + v % 10);
            v /= 10;
        }
        o += 5;
        *o++ = group < 5 ? ' ' : '\0';
    }
    return SR_OK;
}
