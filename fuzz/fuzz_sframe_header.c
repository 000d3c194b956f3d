/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the SFrame header decoder (RFC 9605 §4.3). Oracles: whatever decodes re-encodes to
 * exactly the bytes it was read from (one header per KID and CTR), never reads past the
 * input, and any (KID, CTR) taken from the input encodes to a header that decodes back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sealroom/sframe.h>

#include "sframe/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t load_be(const uint8_t *p)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void check_decode(const uint8_t *data, size_t size)
{
    /* a private copy, so ASan sees any read beyond `size` */
    uint8_t *in = malloc(size == 0 ? 1 : size);
    if (in == NULL) {
        return;
    }
    memcpy(in, data, size);
    struct sr_sframe_header h;
    if (sr_sframe_header_decode(sr_slice_of(in, size), &h) == SR_OK) {
        uint8_t out[SR_SFRAME_HEADER_MAX];
        size_t len = 0;
        if (h.len == 0 || h.len > size || h.len != sr_sframe_header_size(h.kid, h.ctr) ||
            sr_sframe_header_encode(h.kid, h.ctr, out, sizeof(out), &len) != SR_OK ||
            len != h.len || memcmp(out, in, len) != 0) {
            abort();
        }
    } else if (h.kid != 0 || h.ctr != 0 || h.len != 0) {
        abort();
    }
    free(in);
}

static void check_encode(const uint8_t *data, size_t size)
{
    if (size < 16) {
        return;
    }
    uint64_t kid = load_be(data), ctr = load_be(data + 8);
    uint8_t out[SR_SFRAME_HEADER_MAX];
    size_t len = 0;
    struct sr_sframe_header h;
    if (sr_sframe_header_encode(kid, ctr, out, sizeof(out), &len) != SR_OK ||
        sr_sframe_header_decode(sr_slice_of(out, len), &h) != SR_OK || h.kid != kid ||
        h.ctr != ctr || h.len != len) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_decode(data, size);
    check_encode(data, size);
    return 0;
}
