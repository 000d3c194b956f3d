/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared inside the JOSE wrapper: strict base64url (RFC 7515 §2: no padding, no whitespace,
 * unused bits zero, so each value has one encoding), the split of a compact serialization,
 * and the key-free checks that sr_jose_inspect and sr_jose_open both run.
 */
#pragma once

#include <stdbool.h>

#include <sealroom/buf.h>

#include "kms/jose.h"

/** Append the strict base64url decoding of `in` to `out`; SR_ERR_DECODE on any fault. */
sr_err sr_jose_b64_decode(struct sr_slice in, struct sr_buf *out);
/** Validate `in` as decode would and give the decoded length, without decoding. */
sr_err sr_jose_b64_len(struct sr_slice in, size_t *len);
/** Append the base64url encoding of `in` (no padding, no NUL) to `out`. */
sr_err sr_jose_b64_encode(struct sr_slice in, struct sr_buf *out);

/** The pinned algorithms of one message kind (KMS.md §2). */
struct sr_jose_rule {
    bool jwe;
    const char *alg;
    const char *enc; /* NULL for JWS */
};

const struct sr_jose_rule *sr_jose_rule_of(enum sr_jose_kind kind);

/** A compact serialization cut at its dots: 5 parts for JWE, 3 for JWS. */
struct sr_jose_parts {
    struct sr_slice part[5];
    size_t n;
};

/**
 * The key-free checks, in the order of jose.h, for a message that must be of `kind`; when
 * `any_kind`, the kind is found from alg instead and written to hdr->kind. On success `hdr`
 * has the kind and kid and `parts` the pieces.
 */
sr_err sr_jose_check(const char *compact, size_t len, enum sr_jose_kind kind, bool any_kind,
                     struct sr_jose_header *hdr, struct sr_jose_parts *parts,
                     enum sr_jose_reason *why);

/** The sr_err that goes with a reason (see the table in jose.h). */
sr_err sr_jose_err_of(enum sr_jose_reason why);

/** Set *why (when not NULL) and return the matching sr_err. */
sr_err sr_jose_fail(enum sr_jose_reason *why, enum sr_jose_reason r);
