/* SPDX-License-Identifier: Apache-2.0 */
/* GroupContext codec (RFC 9420 §8.1): fields in wire order, decode and encode side by side. */
#include "mls/wire_group_context.h"

#include <string.h>

sr_err sr_mls_group_context_encode(const struct sr_mls_group_context *gc, struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, gc->version));
    SR_TRY(sr_write_u16(w, gc->cipher_suite));
    SR_TRY(sr_write_slice_v(w, gc->group_id));
    SR_TRY(sr_write_u64(w, gc->epoch));
    SR_TRY(sr_write_slice_v(w, gc->tree_hash));
    SR_TRY(sr_write_slice_v(w, gc->confirmed_transcript_hash));
    return sr_write_slice_v(w, gc->extensions);
}

static sr_err read_fields(struct sr_reader *r, struct sr_mls_group_context *gc)
{
    struct sr_reader ext;
    SR_TRY(sr_read_u16(r, &gc->version));
    SR_TRY(sr_read_u16(r, &gc->cipher_suite));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_GROUP_ID, &gc->group_id));
    SR_TRY(sr_read_u64(r, &gc->epoch));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &gc->tree_hash));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &gc->confirmed_transcript_hash));
    SR_TRY(sr_read_vector_v(r, SR_MLS_MAX_EXTENSIONS, &ext));
    gc->extensions = sr_slice_of(ext.p, sr_reader_left(&ext));
    return SR_OK;
}

sr_err sr_mls_group_context_read(struct sr_reader *r, struct sr_mls_group_context *out)
{
    struct sr_reader start = *r;
    sr_err err = read_fields(r, out);
    if (err != SR_OK) {
        *r = start;
        memset(out, 0, sizeof(*out));
    }
    return err;
}

sr_err sr_mls_group_context_decode(struct sr_slice in, struct sr_mls_group_context *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_group_context_read(&r, out));
    sr_err err = sr_reader_done(&r);
    if (err != SR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}
