/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The labelled derivations of RFC 9420 §5.1.3, §5.2, §5.1.2 and §8 that every MLS layer
 * uses. Labels are given without the "MLS 1.0 " prefix, which these functions add.
 * EncryptWithLabel/DecryptWithLabel need HPKE and live in hpke/labels.h.
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "crypto/suite.h"

/** out[len] = ExpandWithLabel(secret, label, context, len). */
SR_MUST_USE sr_err sr_mls_expand_with_label(const struct sr_suite *suite, struct sr_slice secret,
                                            const char *label, struct sr_slice context,
                                            uint8_t *out, size_t len);

/**
 * ExpandWithLabel with the label as bytes rather than a C string (exporter labels are
 * opaque<V> and may hold any byte).
 */
SR_MUST_USE sr_err sr_mls_expand_with_label_bytes(const struct sr_suite *suite,
                                                  struct sr_slice secret, struct sr_slice label,
                                                  struct sr_slice context, uint8_t *out,
                                                  size_t len);

/** out[Nh] = DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh). */
SR_MUST_USE sr_err sr_mls_derive_secret(const struct sr_suite *suite, struct sr_slice secret,
                                        const char *label, uint8_t *out);

/** out[len] = DeriveTreeSecret(secret, label, generation, len). */
SR_MUST_USE sr_err sr_mls_derive_tree_secret(const struct sr_suite *suite, struct sr_slice secret,
                                             const char *label, uint32_t generation, uint8_t *out,
                                             size_t len);

/** out[Nh] = RefHash(label, value) = H(RefHashInput{label, value}); label used as given. */
SR_MUST_USE sr_err sr_mls_ref_hash(const struct sr_suite *suite, const char *label,
                                   struct sr_slice value, uint8_t *out);

/** Append SignWithLabel(priv, label, content) to `sig`. */
SR_MUST_USE sr_err sr_mls_sign_with_label(const struct sr_suite *suite, struct sr_slice priv,
                                          const char *label, struct sr_slice content,
                                          struct sr_buf *sig);

/** SR_OK when `sig` = SignWithLabel(., label, content) verifies under `pub`; else SR_ERR_AUTH. */
SR_MUST_USE sr_err sr_mls_verify_with_label(const struct sr_suite *suite, struct sr_slice pub,
                                            const char *label, struct sr_slice content,
                                            struct sr_slice sig);
