/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test-only view into an HPKE context: the key schedule outputs that the RFC 9180 test
 * vectors list (key, base_nonce, exporter_secret). Library code never calls this.
 */
#pragma once

#include <sealroom/common.h>

#include "hpke/hpke.h"

/** Borrowed views of the context's key[Nk], base_nonce[Nn] and exporter_secret[Nh]. */
void sr_hpke_ctx_get0_schedule(const struct sr_hpke_ctx *ctx, struct sr_slice *key,
                               struct sr_slice *base_nonce, struct sr_slice *exporter_secret);
