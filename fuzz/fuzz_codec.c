/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the TLS/MLS codec. Oracle: whatever decodes strictly must re-encode to the very
 * same bytes (canonical form), both for a run of varints and for a vector of opaque items.
 */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"

static void check_varints(const uint8_t *data, size_t size)
{
    struct sr_reader r;
    struct sr_buf out = { 0 };
    sr_reader_init(&r, sr_slice_of(data, size));
    uint32_t v;
    while (sr_read_varint(&r, &v) == SR_OK) {
        if (sr_write_varint(&out, v) != SR_OK) {
            abort();
        }
    }
    size_t used = (size_t)(r.p - data);
    if (out.len != used || (used && memcmp(out.p, data, used) != 0)) {
        abort();
    }
    sr_buf_cleanup(&out);
}

static void check_vector(const uint8_t *data, size_t size)
{
    struct sr_reader r, sub;
    sr_reader_init(&r, sr_slice_of(data, size));
    if (sr_read_vector_v(&r, 1 << 20, &sub) != SR_OK) {
        return;
    }
    struct sr_buf out = { 0 };
    struct sr_vec_mark mark;
    if (sr_write_vector_begin(&out, &mark) != SR_OK) {
        abort();
    }
    struct sr_slice item;
    while (sr_reader_left(&sub) > 0) {
        if (sr_read_opaque_v(&sub, 1 << 20, &item) != SR_OK) {
            sr_buf_cleanup(&out);
            return;
        }
        if (sr_write_slice_v(&out, item) != SR_OK) {
            abort();
        }
    }
    if (sr_write_vector_end(&out, &mark) != SR_OK) {
        abort();
    }
    size_t used = (size_t)(r.p - data);
    if (out.len != used || memcmp(out.p, data, used) != 0) {
        abort();
    }
    sr_buf_cleanup(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_varints(data, size);
    check_vector(data, size);
    return 0;
}
