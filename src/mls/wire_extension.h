/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §7.2 Extension lists and the §17.3 extension bodies: application_id,
 * required_capabilities (§11.1), external_pub (§12.4.3.2) and external_senders (§12.1.8.1).
 * The ratchet_tree body lives in wire_ratchet_tree.h. Unknown and GREASE extension types are
 * kept opaquely (RFC 9420 §13.5). Decoded values borrow from the input (see wire_common.h).
 */
#pragma once

#include "mls/wire_credential.h"

struct sr_mls_extension {
    uint16_t type;
    struct sr_slice data;
};

struct sr_mls_extensions {
    struct sr_mls_extension *items;
    size_t count;
};

/** Read `Extension extensions<V>` of at most `max` bytes (SR_MLS_MAX_EXTENSIONS usually). */
SR_MUST_USE sr_err sr_mls_extensions_read(struct sr_reader *r, size_t max,
                                          struct sr_mls_extensions *out);
/** Parse the body of an extension list (no length prefix), e.g. GroupContext.extensions. */
SR_MUST_USE sr_err sr_mls_extensions_decode_body(struct sr_slice body,
                                                 struct sr_mls_extensions *out);
SR_MUST_USE sr_err sr_mls_extensions_encode(const struct sr_mls_extensions *e, struct sr_buf *w);
void sr_mls_extensions_cleanup(struct sr_mls_extensions *e);

/** The first extension of `type`, or NULL. */
const struct sr_mls_extension *sr_mls_extensions_find(const struct sr_mls_extensions *e,
                                                      uint16_t type);

/** RFC 9420 §13.4: SR_ERR_INVALID when two extensions share a type. */
SR_MUST_USE sr_err sr_mls_extensions_check_unique(const struct sr_mls_extensions *e);

/* application_id: opaque application_id<V>. */
SR_MUST_USE sr_err sr_mls_ext_application_id_decode(struct sr_slice data, struct sr_slice *id);
SR_MUST_USE sr_err sr_mls_ext_application_id_encode(struct sr_slice id, struct sr_buf *w);

/* external_pub: struct { HPKEPublicKey external_pub; } ExternalPub. */
SR_MUST_USE sr_err sr_mls_ext_external_pub_decode(struct sr_slice data, struct sr_slice *key);
SR_MUST_USE sr_err sr_mls_ext_external_pub_encode(struct sr_slice key, struct sr_buf *w);

/** RequiredCapabilities: three uint16 lists (see sr_mls_u16_list_get). */
struct sr_mls_required_capabilities {
    struct sr_slice extension_types;
    struct sr_slice proposal_types;
    struct sr_slice credential_types;
};

SR_MUST_USE sr_err sr_mls_required_capabilities_decode(struct sr_slice data,
                                                       struct sr_mls_required_capabilities *out);
SR_MUST_USE sr_err sr_mls_required_capabilities_encode(
        const struct sr_mls_required_capabilities *rc, struct sr_buf *w);

/** ExternalSender and the external_senders body `ExternalSender external_senders<V>`. */
struct sr_mls_external_sender {
    struct sr_slice signature_key;
    struct sr_mls_credential credential;
};

struct sr_mls_external_senders {
    struct sr_mls_external_sender *items;
    size_t count;
};

SR_MUST_USE sr_err sr_mls_external_senders_decode(struct sr_slice data,
                                                  struct sr_mls_external_senders *out);
SR_MUST_USE sr_err sr_mls_external_senders_encode(const struct sr_mls_external_senders *es,
                                                  struct sr_buf *w);
void sr_mls_external_senders_cleanup(struct sr_mls_external_senders *es);
