/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the Welcome and GroupSecrets decoders. Oracle: whatever decodes must re-encode to the
 * same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "mls/wire_welcome.h"

static void same(const struct sr_buf *b, const uint8_t *data, size_t size)
{
    if (b->len != size || (size > 0 && memcmp(b->p, data, size) != 0)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sr_mls_welcome wl;
    struct sr_mls_group_secrets gs;
    struct sr_buf out = { 0 };
    if (sr_mls_welcome_decode(sr_slice_of(data, size), &wl) == SR_OK) {
        if (sr_mls_welcome_encode(&wl, &out) != SR_OK) {
            abort();
        }
        same(&out, data, size);
        sr_mls_welcome_cleanup(&wl);
    }
    sr_buf_reset(&out);
    if (sr_mls_group_secrets_decode(sr_slice_of(data, size), &gs) == SR_OK) {
        if (sr_mls_group_secrets_encode(&gs, &out) != SR_OK) {
            abort();
        }
        same(&out, data, size);
        sr_mls_group_secrets_cleanup(&gs);
    }
    sr_buf_cleanup(&out);
    return 0;
}
