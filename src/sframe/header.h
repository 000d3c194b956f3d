/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SFrame header helpers shared by the context (RFC 9605 §4.3). The public encode and decode
 * live in <sealroom/sframe.h>; this adds the encoded size, which protect needs up front.
 */
#pragma once

#include <sealroom/sframe.h>

/** The length sr_sframe_header_encode writes for (kid, ctr): 1..SR_SFRAME_HEADER_MAX. */
size_t sr_sframe_header_size(uint64_t kid, uint64_t ctr);
