/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the LeafNode decoder (all three leaf_node_sources). Oracle: whatever decodes must
 * re-encode to the same bytes, and its TBS must start with the encoding minus the signature.
 */
#include <stdlib.h>
#include <string.h>

#include "mls/wire_leaf_node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sr_mls_leaf_node leaf;
    struct sr_buf out = { 0 }, tbs = { 0 };
    if (sr_mls_leaf_node_decode(sr_slice_of(data, size), &leaf) != SR_OK) {
        return 0;
    }
    if (sr_mls_leaf_node_encode(&leaf, &out) != SR_OK || out.len != size ||
        memcmp(out.p, data, size) != 0) {
        abort();
    }
    size_t body = size - (size_t)sr_varint_size(leaf.signature.len) - leaf.signature.len;
    static const uint8_t gid[] = { 0x67, 0x69, 0x64 };
    if (sr_mls_leaf_node_tbs_encode(&leaf, sr_slice_of(gid, sizeof(gid)), 7, &tbs) != SR_OK ||
        tbs.len < body || memcmp(tbs.p, data, body) != 0) {
        abort();
    }
    bool with_group = leaf.source != SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
    if (tbs.len != body + (with_group ? 1 + sizeof(gid) + 4 : 0)) {
        abort();
    }
    sr_mls_leaf_node_cleanup(&leaf);
    sr_buf_cleanup(&out);
    sr_buf_cleanup(&tbs);
    return 0;
}
