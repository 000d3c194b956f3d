/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deserialization.json (RFC 9420 test vectors, "Vector Deserialization"): each vlbytes_header
 * is a varint vector length that decodes to `length` and re-encodes to the same bytes. Each
 * header is also read as the length prefix of an opaque<V> whose body is present, as the
 * wire codecs read it.
 */
#include <stdio.h>
#include <string.h>

#include "core/codec.h"
#include "vectors.h"

/* The header as a length prefix: followed by `length` bytes it reads as one opaque<V>. */
static bool check_as_vector(const struct sr_buf *hdr, uint32_t length)
{
    struct sr_buf msg = { 0 };
    struct sr_slice body;
    struct sr_reader r;
    bool ok =
            sr_buf_append(&msg, hdr->p, hdr->len) == SR_OK && sr_buf_reserve(&msg, length) == SR_OK;
    if (ok) {
        memset(msg.p + msg.len, 0, length);
        msg.len += length;
        sr_reader_init(&r, sr_buf_slice(&msg));
        ok = sr_read_opaque_v(&r, SR_VARINT_MAX, &body) == SR_OK && body.len == length &&
             sr_reader_done(&r) == SR_OK;
    }
    sr_buf_cleanup(&msg);
    return ok;
}

static bool check_case(const json_t *tc, size_t index, struct sr_buf *hdr, struct sr_buf *out)
{
    long long want = sr_vec_int(tc, "length", -1);
    if (!sr_vec_hex(tc, "vlbytes_header", hdr) || want < 0) {
        fprintf(stderr, "case %zu: bad fields\n", index);
        return false;
    }
    struct sr_reader r;
    uint32_t v = 0;
    sr_reader_init(&r, sr_buf_slice(hdr));
    if (sr_read_varint(&r, &v) != SR_OK || sr_reader_done(&r) != SR_OK || v != want) {
        fprintf(stderr, "case %zu: header does not decode to %lld\n", index, want);
        return false;
    }
    sr_buf_reset(out);
    if (sr_write_varint(out, v) != SR_OK) {
        return false;
    }
    if (!sr_vec_expect(tc, "vlbytes_header", out->p, out->len, "re-encoded header")) {
        return false;
    }
    /* Skip the 1 GiB body of the largest header: the varint check above covers it. */
    return v > (1u << 20) || check_as_vector(hdr, v);
}

int main(void)
{
    json_t *root = sr_vec_load("mls/deserialization.json");
    struct sr_vec_counts counts = { 0 };
    struct sr_buf hdr = { 0 }, out = { 0 };
    size_t index;
    json_t *tc;
    json_array_foreach(root, index, tc)
    {
        sr_vec_count(&counts, check_case(tc, index, &hdr, &out));
    }
    sr_buf_cleanup(&hdr);
    sr_buf_cleanup(&out);
    json_decref(root);
    return sr_vec_report("deserialization.json", &counts);
}
