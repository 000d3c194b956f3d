/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §5.3 Credential, §7.2 Capabilities and Lifetime: the identity-related parts of a
 * LeafNode. Decoded values borrow from the input (see wire_common.h).
 *
 * Credential types other than basic and x509 have no body format in RFC 9420; like other
 * implementations we carry them as one opaque<V> (the body of a custom credential), so a
 * message that names an unsupported credential still decodes and validation can reject it.
 */
#pragma once

#include "mls/wire_common.h"

/** Credential: `identity` for basic (and the opaque body of unknown types), `certs` for x509. */
struct sr_mls_credential {
    uint16_t type;
    struct sr_slice identity;
    struct sr_slice *certs; /* x509: at least one non-empty DER certificate, end-entity first */
    size_t cert_count;
};

/** Capabilities: each field is the body of a uint16 list (see sr_mls_u16_list_get). */
struct sr_mls_capabilities {
    struct sr_slice versions;
    struct sr_slice cipher_suites;
    struct sr_slice extensions;
    struct sr_slice proposals;
    struct sr_slice credentials;
};

struct sr_mls_lifetime {
    uint64_t not_before;
    uint64_t not_after;
};

SR_MUST_USE sr_err sr_mls_credential_read(struct sr_reader *r, struct sr_mls_credential *out);
SR_MUST_USE sr_err sr_mls_credential_encode(const struct sr_mls_credential *c, struct sr_buf *w);
void sr_mls_credential_cleanup(struct sr_mls_credential *c);

SR_MUST_USE sr_err sr_mls_capabilities_read(struct sr_reader *r, struct sr_mls_capabilities *out);
SR_MUST_USE sr_err sr_mls_capabilities_encode(const struct sr_mls_capabilities *c,
                                              struct sr_buf *w);

SR_MUST_USE sr_err sr_mls_lifetime_read(struct sr_reader *r, struct sr_mls_lifetime *out);
SR_MUST_USE sr_err sr_mls_lifetime_encode(const struct sr_mls_lifetime *l, struct sr_buf *w);
