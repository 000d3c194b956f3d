/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The psk_secret of RFC 9420 §8.4: any number of pre-shared keys chained through
 * KDF.Extract, each bound to its encoded PreSharedKeyID (sr_mls_psk_id_encode in
 * wire_proposal.h) and its place in the list.
 */
#pragma once

#include <stddef.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"

/** One PSK as it enters the key schedule; both slices are borrowed. */
struct sr_mls_psk_input {
    struct sr_slice id;  /* the encoded PreSharedKeyID */
    struct sr_slice psk; /* the key itself (a resumption_psk, or the external secret) */
};

/**
 * psk_secret over `psks[0..n)` in the order given (the order of the Commit's proposals or
 * of GroupSecrets.psks). With n = 0 it is the all-zero vector of KDF.Nh bytes. SR_ERR_LIMIT
 * when n exceeds 65535 (PSKLabel counts in uint16), SR_ERR_NOMEM, SR_ERR_CRYPTO; `out` is
 * wiped on error.
 */
SR_MUST_USE sr_err sr_mls_psk_secret(const struct sr_suite *suite,
                                     const struct sr_mls_psk_input *psks, size_t n,
                                     struct sr_secret *out);
