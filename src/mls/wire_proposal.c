/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.1 Proposal, §8.4 PreSharedKeyID and §5.2 ProposalRef.
 *
 *   struct { ProposalType proposal_type;
 *            select (proposal_type) { case add: Add; case update: Update; case remove: Remove;
 *                case psk: PreSharedKey; case reinit: ReInit; case external_init: ExternalInit;
 *                case group_context_extensions: GroupContextExtensions; }; } Proposal;
 *
 *   struct { PSKType psktype;
 *            select (psktype) { case external: opaque psk_id<V>;
 *                case resumption: ResumptionPSKUsage usage; opaque psk_group_id<V>;
 *                                 uint64 psk_epoch; };
 *            opaque psk_nonce<V>; } PreSharedKeyID;
 */
#include "mls/wire_proposal.h"

#include <string.h>

#include "crypto/labels.h"
#include "mls/wire_limits.h"

static sr_err psk_fields(struct sr_reader *r, struct sr_mls_psk_id *p)
{
    SR_TRY(sr_read_u8(r, &p->type));
    switch (p->type) {
    case SR_MLS_PSK_EXTERNAL:
        SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_PSK_ID, &p->psk_id));
        break;
    case SR_MLS_PSK_RESUMPTION:
        SR_TRY(sr_read_u8(r, &p->usage));
        /* RFC 9420 §8.4: ResumptionPSKUsage is closed; 0 is reserved. */
        SR_CHECK(p->usage >= SR_MLS_RESUMPTION_APPLICATION && p->usage <= SR_MLS_RESUMPTION_BRANCH,
                 SR_ERR_DECODE);
        SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_GROUP_ID, &p->psk_group_id));
        SR_TRY(sr_read_u64(r, &p->psk_epoch));
        break;
    default:
        return SR_ERR_DECODE; /* RFC 9420 §8.4: PSKType is closed; 0 is reserved. */
    }
    return sr_read_opaque_v(r, SR_MLS_MAX_HASH, &p->psk_nonce);
}

sr_err sr_mls_psk_id_read(struct sr_reader *r, struct sr_mls_psk_id *out)
{
    struct sr_mls_psk_id p = { 0 };
    memset(out, 0, sizeof(*out));
    SR_TRY(psk_fields(r, &p));
    *out = p;
    return SR_OK;
}

sr_err sr_mls_psk_id_encode(const struct sr_mls_psk_id *psk, struct sr_buf *w)
{
    SR_TRY(sr_write_u8(w, psk->type));
    switch (psk->type) {
    case SR_MLS_PSK_EXTERNAL:
        SR_TRY(sr_write_slice_v(w, psk->psk_id));
        break;
    case SR_MLS_PSK_RESUMPTION:
        SR_TRY(sr_write_u8(w, psk->usage));
        SR_TRY(sr_write_slice_v(w, psk->psk_group_id));
        SR_TRY(sr_write_u64(w, psk->psk_epoch));
        break;
    default:
        return SR_ERR_ARG;
    }
    return sr_write_slice_v(w, psk->psk_nonce);
}

static sr_err reinit_read(struct sr_reader *r, struct sr_mls_reinit *ri)
{
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_GROUP_ID, &ri->group_id));
    SR_TRY(sr_read_u16(r, &ri->version));
    SR_TRY(sr_read_u16(r, &ri->cipher_suite));
    return sr_mls_extensions_read(r, SR_MLS_MAX_EXTENSIONS, &ri->extensions);
}

static sr_err reinit_encode(const struct sr_mls_reinit *ri, struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, ri->group_id));
    SR_TRY(sr_write_u16(w, ri->version));
    SR_TRY(sr_write_u16(w, ri->cipher_suite));
    return sr_mls_extensions_encode(&ri->extensions, w);
}

/* The body selected by p->type, which the caller has set. */
static sr_err body_read(struct sr_reader *r, struct sr_mls_proposal *p)
{
    switch (p->type) {
    case SR_MLS_PROPOSAL_ADD:
        return sr_mls_key_package_read(r, &p->u.add);
    case SR_MLS_PROPOSAL_UPDATE:
        return sr_mls_leaf_node_read(r, &p->u.update);
    case SR_MLS_PROPOSAL_REMOVE:
        return sr_read_u32(r, &p->u.remove);
    case SR_MLS_PROPOSAL_PSK:
        return sr_mls_psk_id_read(r, &p->u.psk);
    case SR_MLS_PROPOSAL_REINIT:
        return reinit_read(r, &p->u.reinit);
    case SR_MLS_PROPOSAL_EXTERNAL_INIT:
        return sr_read_opaque_v(r, SR_MLS_MAX_KEM_OUTPUT, &p->u.external_init);
    case SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
        return sr_mls_extensions_read(r, SR_MLS_MAX_EXTENSIONS, &p->u.group_context_extensions);
    default:
        return sr_read_opaque_v(r, SR_MLS_MAX_EXTENSION_DATA, &p->u.unknown);
    }
}

sr_err sr_mls_proposal_body_encode(const struct sr_mls_proposal *p, struct sr_buf *w)
{
    switch (p->type) {
    case SR_MLS_PROPOSAL_ADD:
        return sr_mls_key_package_encode(&p->u.add, w);
    case SR_MLS_PROPOSAL_UPDATE:
        return sr_mls_leaf_node_encode(&p->u.update, w);
    case SR_MLS_PROPOSAL_REMOVE:
        return sr_write_u32(w, p->u.remove);
    case SR_MLS_PROPOSAL_PSK:
        return sr_mls_psk_id_encode(&p->u.psk, w);
    case SR_MLS_PROPOSAL_REINIT:
        return reinit_encode(&p->u.reinit, w);
    case SR_MLS_PROPOSAL_EXTERNAL_INIT:
        return sr_write_slice_v(w, p->u.external_init);
    case SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
        return sr_mls_extensions_encode(&p->u.group_context_extensions, w);
    default:
        return sr_write_slice_v(w, p->u.unknown);
    }
}

void sr_mls_proposal_cleanup(struct sr_mls_proposal *p)
{
    switch (p->type) {
    case SR_MLS_PROPOSAL_ADD:
        sr_mls_key_package_cleanup(&p->u.add);
        break;
    case SR_MLS_PROPOSAL_UPDATE:
        sr_mls_leaf_node_cleanup(&p->u.update);
        break;
    case SR_MLS_PROPOSAL_REINIT:
        sr_mls_extensions_cleanup(&p->u.reinit.extensions);
        break;
    case SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
        sr_mls_extensions_cleanup(&p->u.group_context_extensions);
        break;
    default:
        break; /* the other bodies own nothing */
    }
    sr_buf_cleanup(&p->owned);
    memset(p, 0, sizeof(*p));
}

static sr_err read_with_type(struct sr_reader *r, uint16_t type, bool read_type,
                             struct sr_mls_proposal *out)
{
    memset(out, 0, sizeof(*out));
    if (read_type) {
        SR_TRY(sr_read_u16(r, &type));
    }
    out->type = type;
    sr_err err = body_read(r, out);
    if (err != SR_OK) {
        sr_mls_proposal_cleanup(out);
    }
    return err;
}

sr_err sr_mls_proposal_read(struct sr_reader *r, struct sr_mls_proposal *out)
{
    return read_with_type(r, 0, true, out);
}

static sr_err decode_all(struct sr_slice in, uint16_t type, bool read_type,
                         struct sr_mls_proposal *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(read_with_type(&r, type, read_type, out));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_proposal_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_mls_proposal_decode(struct sr_slice in, struct sr_mls_proposal *out)
{
    return decode_all(in, 0, true, out);
}

sr_err sr_mls_proposal_body_decode(struct sr_slice in, uint16_t type, struct sr_mls_proposal *out)
{
    return decode_all(in, type, false, out);
}

sr_err sr_mls_proposal_encode(const struct sr_mls_proposal *p, struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, p->type));
    return sr_mls_proposal_body_encode(p, w);
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_proposal_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_proposal_decode(in, out);
}

sr_err sr_mls_proposal_dup(const struct sr_mls_proposal *src, struct sr_mls_proposal *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}

sr_err sr_mls_proposal_ref(const struct sr_suite *suite, struct sr_slice authenticated_content,
                           uint8_t *out)
{
    return sr_mls_ref_hash(suite, "MLS 1.0 Proposal Reference", authenticated_content, out);
}
