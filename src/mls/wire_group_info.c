/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4.3 GroupInfo.
 *
 *   struct {
 *       GroupContext group_context;
 *       Extension extensions<V>;
 *       MAC confirmation_tag;
 *       uint32 signer;
 *       opaque signature<V>;   (absent from GroupInfoTBS)
 *   } GroupInfo;
 */
#include "mls/wire_group_info.h"

#include <string.h>

#include "mls/wire_limits.h"

static sr_err gi_fields(struct sr_reader *r, struct sr_mls_group_info *gi)
{
    SR_TRY(sr_mls_group_context_read(r, &gi->group_context));
    SR_TRY(sr_mls_extensions_decode_body(gi->group_context.extensions,
                                         &gi->group_context_extensions));
    /* The ratchet_tree extension makes this list as large as the tree. */
    SR_TRY(sr_mls_extensions_read(r, SR_MLS_MAX_TREE_BYTES, &gi->extensions));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &gi->confirmation_tag));
    SR_TRY(sr_read_u32(r, &gi->signer));
    return sr_read_opaque_v(r, SR_MLS_MAX_SIGNATURE, &gi->signature);
}

sr_err sr_mls_group_info_read(struct sr_reader *r, struct sr_mls_group_info *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = gi_fields(r, out);
    if (err != SR_OK) {
        sr_mls_group_info_cleanup(out);
    }
    return err;
}

sr_err sr_mls_group_info_decode(struct sr_slice in, struct sr_mls_group_info *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_group_info_read(&r, out));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_group_info_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_mls_group_info_tbs_encode(const struct sr_mls_group_info *gi, struct sr_buf *w)
{
    SR_TRY(sr_mls_group_context_encode(&gi->group_context, w));
    SR_TRY(sr_mls_extensions_encode(&gi->extensions, w));
    SR_TRY(sr_write_slice_v(w, gi->confirmation_tag));
    return sr_write_u32(w, gi->signer);
}

sr_err sr_mls_group_info_encode(const struct sr_mls_group_info *gi, struct sr_buf *w)
{
    SR_TRY(sr_mls_group_info_tbs_encode(gi, w));
    return sr_write_slice_v(w, gi->signature);
}

void sr_mls_group_info_cleanup(struct sr_mls_group_info *gi)
{
    sr_mls_extensions_cleanup(&gi->group_context_extensions);
    sr_mls_extensions_cleanup(&gi->extensions);
    sr_buf_cleanup(&gi->owned);
    memset(gi, 0, sizeof(*gi));
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_group_info_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_group_info_decode(in, out);
}

sr_err sr_mls_group_info_dup(const struct sr_mls_group_info *src, struct sr_mls_group_info *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}
