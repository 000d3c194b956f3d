/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the MLSMessage decoder (all five wire formats), the AuthenticatedContent decoder and the
 * PrivateMessageContent decoder (first byte = content type). Oracle: whatever decodes must
 * re-encode to the same bytes, and so must its _dup copy.
 */
#include <stdlib.h>
#include <string.h>

#include "mls/wire_message.h"

static void same(const struct sr_buf *b, const uint8_t *data, size_t size)
{
    if (b->len != size || (size > 0 && memcmp(b->p, data, size) != 0)) {
        abort();
    }
}

static void check_message(const uint8_t *data, size_t size)
{
    struct sr_mls_message m, copy;
    struct sr_buf out = { 0 };
    if (sr_mls_message_decode(sr_slice_of(data, size), &m) != SR_OK) {
        return;
    }
    if (sr_mls_message_encode(&m, &out) != SR_OK) {
        abort();
    }
    same(&out, data, size);
    sr_err err = sr_mls_message_dup(&m, &copy);
    sr_mls_message_cleanup(&m);
    if (err == SR_OK) {
        sr_buf_reset(&out);
        if (sr_mls_message_encode(&copy, &out) != SR_OK) {
            abort();
        }
        same(&out, data, size);
        sr_mls_message_cleanup(&copy);
    } else if (err != SR_ERR_NOMEM) {
        abort();
    }
    sr_buf_cleanup(&out);
}

static void check_authenticated_content(const uint8_t *data, size_t size)
{
    struct sr_mls_authenticated_content ac;
    struct sr_buf out = { 0 };
    if (sr_mls_authenticated_content_decode(sr_slice_of(data, size), &ac) != SR_OK) {
        return;
    }
    if (sr_mls_authenticated_content_encode(&ac, &out) != SR_OK) {
        abort();
    }
    same(&out, data, size);
    sr_mls_authenticated_content_cleanup(&ac);
    sr_buf_cleanup(&out);
}

static void check_private_content(const uint8_t *data, size_t size)
{
    struct sr_mls_private_content pc;
    struct sr_buf out = { 0 };
    if (size == 0 ||
        sr_mls_private_content_decode(sr_slice_of(data + 1, size - 1), data[0], &pc) != SR_OK) {
        return;
    }
    if (sr_mls_private_content_encode(&pc, &out) != SR_OK) {
        abort();
    }
    same(&out, data + 1, size - 1);
    sr_mls_private_content_cleanup(&pc);
    sr_buf_cleanup(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_message(data, size);
    check_authenticated_content(data, size);
    check_private_content(data, size);
    return 0;
}
