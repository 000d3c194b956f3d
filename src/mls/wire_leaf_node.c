/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §7.2 LeafNode and LeafNodeTBS.
 *
 *   struct {
 *       HPKEPublicKey encryption_key;
 *       SignaturePublicKey signature_key;
 *       Credential credential;
 *       Capabilities capabilities;
 *       LeafNodeSource leaf_node_source;
 *       select (leaf_node_source) { case key_package: Lifetime lifetime;
 *                                   case update:      struct{};
 *                                   case commit:      opaque parent_hash<V>; };
 *       Extension extensions<V>;
 *       opaque signature<V>;       (absent from LeafNodeTBS, which instead ends with
 *   } LeafNode;                     group_id<V> and uint32 leaf_index for update/commit)
 */
#include "mls/wire_leaf_node.h"

#include <string.h>

#include "mls/wire_limits.h"

static sr_err leaf_fields(struct sr_reader *r, struct sr_mls_leaf_node *l)
{
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_PUBKEY, &l->encryption_key));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_PUBKEY, &l->signature_key));
    SR_TRY(sr_mls_credential_read(r, &l->credential));
    SR_TRY(sr_mls_capabilities_read(r, &l->capabilities));
    SR_TRY(sr_read_u8(r, &l->source));
    switch (l->source) {
    case SR_MLS_LEAF_SOURCE_KEY_PACKAGE:
        SR_TRY(sr_mls_lifetime_read(r, &l->lifetime));
        break;
    case SR_MLS_LEAF_SOURCE_UPDATE:
        break;
    case SR_MLS_LEAF_SOURCE_COMMIT:
        SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &l->parent_hash));
        break;
    default:
        /* RFC 9420 §7.2: LeafNodeSource is a closed enum; 0 is reserved. */
        return SR_ERR_DECODE;
    }
    SR_TRY(sr_mls_extensions_read(r, SR_MLS_MAX_EXTENSIONS, &l->extensions));
    return sr_read_opaque_v(r, SR_MLS_MAX_SIGNATURE, &l->signature);
}

sr_err sr_mls_leaf_node_read(struct sr_reader *r, struct sr_mls_leaf_node *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = leaf_fields(r, out);
    if (err != SR_OK) {
        sr_mls_leaf_node_cleanup(out);
    }
    return err;
}

sr_err sr_mls_leaf_node_decode(struct sr_slice in, struct sr_mls_leaf_node *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_leaf_node_read(&r, out));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_leaf_node_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

/* Everything up to and including the extensions: the common prefix of LeafNode and its TBS. */
static sr_err leaf_body_encode(const struct sr_mls_leaf_node *l, struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, l->encryption_key));
    SR_TRY(sr_write_slice_v(w, l->signature_key));
    SR_TRY(sr_mls_credential_encode(&l->credential, w));
    SR_TRY(sr_mls_capabilities_encode(&l->capabilities, w));
    SR_TRY(sr_write_u8(w, l->source));
    switch (l->source) {
    case SR_MLS_LEAF_SOURCE_KEY_PACKAGE:
        SR_TRY(sr_mls_lifetime_encode(&l->lifetime, w));
        break;
    case SR_MLS_LEAF_SOURCE_UPDATE:
        break;
    case SR_MLS_LEAF_SOURCE_COMMIT:
        SR_TRY(sr_write_slice_v(w, l->parent_hash));
        break;
    default:
        return SR_ERR_ARG;
    }
    return sr_mls_extensions_encode(&l->extensions, w);
}

sr_err sr_mls_leaf_node_encode(const struct sr_mls_leaf_node *l, struct sr_buf *w)
{
    SR_TRY(leaf_body_encode(l, w));
    return sr_write_slice_v(w, l->signature);
}

sr_err sr_mls_leaf_node_tbs_encode(const struct sr_mls_leaf_node *l, struct sr_slice group_id,
                                   uint32_t leaf_index, struct sr_buf *w)
{
    SR_TRY(leaf_body_encode(l, w));
    if (l->source == SR_MLS_LEAF_SOURCE_KEY_PACKAGE) {
        return SR_OK;
    }
    SR_TRY(sr_write_slice_v(w, group_id));
    return sr_write_u32(w, leaf_index);
}

void sr_mls_leaf_node_cleanup(struct sr_mls_leaf_node *l)
{
    sr_mls_credential_cleanup(&l->credential);
    sr_mls_extensions_cleanup(&l->extensions);
    sr_buf_cleanup(&l->owned);
    memset(l, 0, sizeof(*l));
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_leaf_node_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_leaf_node_decode(in, out);
}

sr_err sr_mls_leaf_node_dup(const struct sr_mls_leaf_node *src, struct sr_mls_leaf_node *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}
