/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.1 Proposal with every RFC proposal type, §8.4 PreSharedKeyID and §5.2
 * ProposalRef. A decoded proposal borrows from its input (see wire_common.h) unless it was made
 * by sr_mls_proposal_dup.
 *
 * RFC 9420 gives no body format for proposal types it does not define, and Proposal has no
 * length field. Like other implementations' "custom proposals" we carry an unknown type as one
 * opaque<V> body (`u.unknown`), so validation can reject it by type (GREASE values MUST NOT
 * appear in proposal_type, §13.5).
 */
#pragma once

#include "crypto/suite.h"
#include "mls/wire_key_package.h"

struct sr_mls_psk_id {
    uint8_t type;                 /* SR_MLS_PSK_EXTERNAL or SR_MLS_PSK_RESUMPTION */
    struct sr_slice psk_id;       /* external */
    uint8_t usage;                /* resumption: SR_MLS_RESUMPTION_* */
    struct sr_slice psk_group_id; /* resumption */
    uint64_t psk_epoch;           /* resumption */
    struct sr_slice psk_nonce;
};

struct sr_mls_reinit {
    struct sr_slice group_id;
    uint16_t version;
    uint16_t cipher_suite;
    struct sr_mls_extensions extensions;
};

struct sr_mls_proposal {
    uint16_t type; /* SR_MLS_PROPOSAL_*, or any other value for an opaque body */
    union {
        struct sr_mls_key_package add;
        struct sr_mls_leaf_node update;
        uint32_t remove;
        struct sr_mls_psk_id psk;
        struct sr_mls_reinit reinit;
        struct sr_slice external_init; /* kem_output */
        struct sr_mls_extensions group_context_extensions;
        struct sr_slice unknown;
    } u;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

SR_MUST_USE sr_err sr_mls_psk_id_read(struct sr_reader *r, struct sr_mls_psk_id *out);
SR_MUST_USE sr_err sr_mls_psk_id_encode(const struct sr_mls_psk_id *psk, struct sr_buf *w);

/** Proposal: proposal_type followed by its body. */
SR_MUST_USE sr_err sr_mls_proposal_read(struct sr_reader *r, struct sr_mls_proposal *out);
SR_MUST_USE sr_err sr_mls_proposal_decode(struct sr_slice in, struct sr_mls_proposal *out);
SR_MUST_USE sr_err sr_mls_proposal_encode(const struct sr_mls_proposal *p, struct sr_buf *w);
void sr_mls_proposal_cleanup(struct sr_mls_proposal *p);
SR_MUST_USE sr_err sr_mls_proposal_dup(const struct sr_mls_proposal *src,
                                       struct sr_mls_proposal *dst);

/** Only the body (Add, Update, Remove, ...) of a proposal of the given type. */
SR_MUST_USE sr_err sr_mls_proposal_body_decode(struct sr_slice in, uint16_t type,
                                               struct sr_mls_proposal *out);
SR_MUST_USE sr_err sr_mls_proposal_body_encode(const struct sr_mls_proposal *p, struct sr_buf *w);

/**
 * ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent) (RFC 9420 §5.2),
 * where `authenticated_content` is the encoded AuthenticatedContent that carried the proposal.
 * `out` receives suite->hash->len bytes.
 */
SR_MUST_USE sr_err sr_mls_proposal_ref(const struct sr_suite *suite,
                                       struct sr_slice authenticated_content, uint8_t *out);
