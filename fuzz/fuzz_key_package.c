/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the KeyPackage decoder. Oracle: whatever decodes must re-encode to the same bytes, its
 * TBS must be the encoding minus the signature, and its _dup copy must encode identically.
 */
#include <stdlib.h>
#include <string.h>

#include "mls/wire_key_package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sr_mls_key_package kp, copy;
    struct sr_buf out = { 0 }, tbs = { 0 };
    if (sr_mls_key_package_decode(sr_slice_of(data, size), &kp) != SR_OK) {
        return 0;
    }
    if (sr_mls_key_package_encode(&kp, &out) != SR_OK || out.len != size ||
        memcmp(out.p, data, size) != 0) {
        abort();
    }
    /* The TBS is a prefix of the KeyPackage: everything before signature<V>. */
    if (sr_mls_key_package_tbs_encode(&kp, &tbs) != SR_OK || tbs.len >= size ||
        memcmp(tbs.p, data, tbs.len) != 0) {
        abort();
    }
    if (sr_mls_key_package_dup(&kp, &copy) == SR_OK) {
        sr_mls_key_package_cleanup(&kp);
        sr_buf_reset(&out);
        if (sr_mls_key_package_encode(&copy, &out) != SR_OK || out.len != size ||
            memcmp(out.p, data, size) != 0) {
            abort();
        }
        sr_mls_key_package_cleanup(&copy);
    }
    sr_mls_key_package_cleanup(&kp);
    sr_buf_cleanup(&out);
    sr_buf_cleanup(&tbs);
    return 0;
}
