/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to e2ee/: the keyring's per-sender key derivation, which messages and file
 * streams share, and the big-endian helpers of the fixed-layout formats.
 */
#pragma once

#include <stdint.h>

#include <sealroom/e2ee.h>

#include "crypto/aead.h"

/**
 * Key the keyring's AEAD context with the sender key of (epoch, type, sender) and return it
 * in `*ctx` (borrowed from the keyring, valid until its next call). SR_ERR_EPOCH when the
 * epoch is not held, SR_ERR_ARG for an unknown type.
 */
SR_MUST_USE sr_err sr_e2ee_keyring_sender_ctx(struct sr_e2ee_keyring *kr, uint64_t epoch,
                                              enum sr_e2ee_content type, uint32_t sender,
                                              struct sr_aead_ctx **ctx);

static inline void sr_e2ee_put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[n - 1 - i] = (uint8_t)(v >> (8 * i));
    }
}

static inline uint64_t sr_e2ee_get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}
