/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4 Commit and ProposalOrRef, §7.6 UpdatePath, UpdatePathNode and HPKECiphertext.
 * A decoded Commit borrows from its input (see wire_common.h) unless made by sr_mls_commit_dup.
 */
#pragma once

#include "mls/wire_proposal.h"

struct sr_mls_hpke_ciphertext {
    struct sr_slice kem_output;
    struct sr_slice ciphertext;
};

struct sr_mls_update_path_node {
    struct sr_slice encryption_key; /* HPKEPublicKey */
    struct sr_mls_hpke_ciphertext *encrypted_path_secret;
    size_t encrypted_path_secret_count;
};

struct sr_mls_update_path {
    struct sr_mls_leaf_node leaf_node;
    struct sr_mls_update_path_node *nodes;
    size_t node_count;
};

struct sr_mls_proposal_or_ref {
    uint8_t type;                    /* SR_MLS_PROPOSAL_OR_REF_* */
    struct sr_mls_proposal proposal; /* type proposal */
    struct sr_slice reference;       /* type reference: a ProposalRef */
};

struct sr_mls_commit {
    struct sr_mls_proposal_or_ref *proposals;
    size_t proposal_count;
    bool has_path;
    struct sr_mls_update_path path;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

SR_MUST_USE sr_err sr_mls_hpke_ciphertext_read(struct sr_reader *r,
                                               struct sr_mls_hpke_ciphertext *out);
SR_MUST_USE sr_err sr_mls_hpke_ciphertext_encode(const struct sr_mls_hpke_ciphertext *ct,
                                                 struct sr_buf *w);

SR_MUST_USE sr_err sr_mls_update_path_read(struct sr_reader *r, struct sr_mls_update_path *out);
SR_MUST_USE sr_err sr_mls_update_path_encode(const struct sr_mls_update_path *path,
                                             struct sr_buf *w);
void sr_mls_update_path_cleanup(struct sr_mls_update_path *path);

SR_MUST_USE sr_err sr_mls_commit_read(struct sr_reader *r, struct sr_mls_commit *out);
SR_MUST_USE sr_err sr_mls_commit_decode(struct sr_slice in, struct sr_mls_commit *out);
SR_MUST_USE sr_err sr_mls_commit_encode(const struct sr_mls_commit *c, struct sr_buf *w);
void sr_mls_commit_cleanup(struct sr_mls_commit *c);
SR_MUST_USE sr_err sr_mls_commit_dup(const struct sr_mls_commit *src, struct sr_mls_commit *dst);
