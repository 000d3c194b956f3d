/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the Commit decoder (ProposalOrRef, every Proposal type, UpdatePath) and the bare
 * Proposal decoder. Oracle: whatever decodes must re-encode to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "mls/wire_commit.h"

static void same(const struct sr_buf *b, const uint8_t *data, size_t size)
{
    if (b->len != size || (size > 0 && memcmp(b->p, data, size) != 0)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sr_mls_commit c;
    struct sr_mls_proposal p;
    struct sr_buf out = { 0 };
    if (sr_mls_commit_decode(sr_slice_of(data, size), &c) == SR_OK) {
        if (sr_mls_commit_encode(&c, &out) != SR_OK) {
            abort();
        }
        same(&out, data, size);
        sr_mls_commit_cleanup(&c);
    }
    sr_buf_reset(&out);
    if (sr_mls_proposal_decode(sr_slice_of(data, size), &p) == SR_OK) {
        if (sr_mls_proposal_encode(&p, &out) != SR_OK) {
            abort();
        }
        same(&out, data, size);
        sr_mls_proposal_cleanup(&p);
    }
    sr_buf_cleanup(&out);
    return 0;
}
