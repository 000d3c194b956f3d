/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the GroupInfo decoder, the ratchet_tree decoder (on the input, and on any ratchet_tree
 * extension of a decoded GroupInfo) and the §17.3 extension bodies. Oracle: whatever decodes
 * must re-encode to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "mls/wire_group_info.h"
#include "mls/wire_ratchet_tree.h"

static void same(const struct sr_buf *b, struct sr_slice in)
{
    if (b->len != in.len || (in.len > 0 && memcmp(b->p, in.p, in.len) != 0)) {
        abort();
    }
}

static void check_tree(struct sr_slice in)
{
    struct sr_mls_ratchet_tree t;
    struct sr_buf out = { 0 };
    if (sr_mls_ratchet_tree_decode(in, 0, &t) != SR_OK) {
        return;
    }
    if (sr_mls_ratchet_tree_encode(&t, &out) != SR_OK) {
        abort();
    }
    same(&out, in);
    sr_mls_ratchet_tree_cleanup(&t);
    sr_buf_cleanup(&out);
}

static void check_bodies(const struct sr_mls_extensions *e)
{
    for (size_t i = 0; i < e->count; i++) {
        struct sr_buf out = { 0 };
        struct sr_slice data = e->items[i].data;
        struct sr_mls_external_senders es;
        struct sr_mls_required_capabilities rc;
        if (e->items[i].type == SR_MLS_EXT_RATCHET_TREE) {
            check_tree(data);
        } else if (e->items[i].type == SR_MLS_EXT_EXTERNAL_SENDERS &&
                   sr_mls_external_senders_decode(data, &es) == SR_OK) {
            if (sr_mls_external_senders_encode(&es, &out) != SR_OK) {
                abort();
            }
            same(&out, data);
            sr_mls_external_senders_cleanup(&es);
        } else if (e->items[i].type == SR_MLS_EXT_REQUIRED_CAPABILITIES &&
                   sr_mls_required_capabilities_decode(data, &rc) == SR_OK) {
            if (sr_mls_required_capabilities_encode(&rc, &out) != SR_OK) {
                abort();
            }
            same(&out, data);
        }
        sr_buf_cleanup(&out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sr_slice in = sr_slice_of(data, size);
    struct sr_mls_group_info gi;
    struct sr_buf out = { 0 };
    check_tree(in);
    if (sr_mls_group_info_decode(in, &gi) != SR_OK) {
        return 0;
    }
    if (sr_mls_group_info_encode(&gi, &out) != SR_OK) {
        abort();
    }
    same(&out, in);
    check_bodies(&gi.extensions);
    check_bodies(&gi.group_context_extensions);
    sr_mls_group_info_cleanup(&gi);
    sr_buf_cleanup(&out);
    return 0;
}
