/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building blocks shared by the RFC 9420 wire codecs (src/mls/wire_*.c): a generic reader and
 * writer for vectors of structs, lists of uint16/uint32 kept as borrowed slices, and the enum
 * values the RFC fixes (§6, §7.2, §8.4, §12.4).
 *
 * Conventions of every wire codec in this folder (STYLE.md §5, §6):
 *   sr_mls_<x>_read(r, out)    reads one <x> from a reader; on error `out` is zeroed and
 *                              everything it allocated is freed.
 *   sr_mls_<x>_decode(in, out) reads one <x> that must span the whole of `in` exactly.
 *   sr_mls_<x>_encode(x, w)    appends the canonical encoding of `x` to `w`.
 *   sr_mls_<x>_cleanup(x)      frees the item arrays of a decoded <x> and zeroes it; a zeroed
 *                              struct is a valid empty value.
 * Decoded structs BORROW: every struct sr_slice points into the decoder's input, which must
 * outlive the struct. Arrays of items are allocated with sr_calloc/sr_realloc and released by
 * _cleanup. The top-level types also have _dup, which makes a copy owning its bytes.
 * Decode-then-encode gives back the input byte for byte.
 */
#pragma once

#include <stdbool.h>

#include "core/codec.h"

/* RFC 9420 §6: WireFormat values (IANA "MLS Wire Formats"). */
#define SR_MLS_WIRE_PUBLIC_MESSAGE  1u
#define SR_MLS_WIRE_PRIVATE_MESSAGE 2u
#define SR_MLS_WIRE_WELCOME         3u
#define SR_MLS_WIRE_GROUP_INFO      4u
#define SR_MLS_WIRE_KEY_PACKAGE     5u

/* RFC 9420 §6: ProtocolVersion. */
#define SR_MLS_VERSION_MLS10 1u

/* RFC 9420 §6: ContentType. */
#define SR_MLS_CONTENT_APPLICATION 1u
#define SR_MLS_CONTENT_PROPOSAL    2u
#define SR_MLS_CONTENT_COMMIT      3u

/* RFC 9420 §6: SenderType. */
#define SR_MLS_SENDER_MEMBER              1u
#define SR_MLS_SENDER_EXTERNAL            2u
#define SR_MLS_SENDER_NEW_MEMBER_PROPOSAL 3u
#define SR_MLS_SENDER_NEW_MEMBER_COMMIT   4u

/* RFC 9420 §7.2: LeafNodeSource. */
#define SR_MLS_LEAF_SOURCE_KEY_PACKAGE 1u
#define SR_MLS_LEAF_SOURCE_UPDATE      2u
#define SR_MLS_LEAF_SOURCE_COMMIT      3u

/* RFC 9420 §7.8: NodeType. */
#define SR_MLS_NODE_LEAF   1u
#define SR_MLS_NODE_PARENT 2u

/* RFC 9420 §5.3 and §17.5: CredentialType. */
#define SR_MLS_CREDENTIAL_BASIC 1u
#define SR_MLS_CREDENTIAL_X509  2u

/* RFC 9420 §12.1 and §17.4: ProposalType. */
#define SR_MLS_PROPOSAL_ADD                      1u
#define SR_MLS_PROPOSAL_UPDATE                   2u
#define SR_MLS_PROPOSAL_REMOVE                   3u
#define SR_MLS_PROPOSAL_PSK                      4u
#define SR_MLS_PROPOSAL_REINIT                   5u
#define SR_MLS_PROPOSAL_EXTERNAL_INIT            6u
#define SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS 7u

/* RFC 9420 §12.4: ProposalOrRefType. */
#define SR_MLS_PROPOSAL_OR_REF_PROPOSAL  1u
#define SR_MLS_PROPOSAL_OR_REF_REFERENCE 2u

/* RFC 9420 §8.4: PSKType and ResumptionPSKUsage. */
#define SR_MLS_PSK_EXTERNAL           1u
#define SR_MLS_PSK_RESUMPTION         2u
#define SR_MLS_RESUMPTION_APPLICATION 1u
#define SR_MLS_RESUMPTION_REINIT      2u
#define SR_MLS_RESUMPTION_BRANCH      3u

/* RFC 9420 §17.3: ExtensionType. */
#define SR_MLS_EXT_APPLICATION_ID        1u
#define SR_MLS_EXT_RATCHET_TREE          2u
#define SR_MLS_EXT_REQUIRED_CAPABILITIES 3u
#define SR_MLS_EXT_EXTERNAL_PUB          4u
#define SR_MLS_EXT_EXTERNAL_SENDERS      5u

/* How the generic vector codec reads, writes and frees one item of a vector of structs. */
typedef sr_err (*sr_mls_item_read_fn)(struct sr_reader *r, void *item);
typedef sr_err (*sr_mls_item_write_fn)(const void *item, struct sr_buf *w);
typedef void (*sr_mls_item_cleanup_fn)(void *item);

struct sr_mls_item_ops {
    size_t size;
    sr_mls_item_read_fn read;
    sr_mls_item_write_fn write;
    sr_mls_item_cleanup_fn cleanup; /* NULL when items own nothing */
    size_t max_items;               /* more items is SR_ERR_LIMIT; bounds memory per input byte */
};

/**
 * Read a vector of at most `max` bytes whose body is a run of at most ops->max_items items
 * (SR_ERR_LIMIT beyond either). `*items` receives an sr_realloc'd array (NULL when the vector is
 * empty) and `*count` its length. On error both are zeroed and every item read so far is
 * released.
 */
SR_MUST_USE sr_err sr_mls_vec_read(struct sr_reader *r, size_t max,
                                   const struct sr_mls_item_ops *ops, void **items, size_t *count);

/** Like sr_mls_vec_read, for items that fill all of `sub` (a vector body read earlier). */
SR_MUST_USE sr_err sr_mls_vec_read_body(struct sr_reader *sub, const struct sr_mls_item_ops *ops,
                                        void **items, size_t *count);

/** Write `count` items as one vector. */
SR_MUST_USE sr_err sr_mls_vec_write(struct sr_buf *w, const struct sr_mls_item_ops *ops,
                                    const void *items, size_t count);

/** Clean up every item and free the array (NULL is fine). */
void sr_mls_vec_free(const struct sr_mls_item_ops *ops, void *items, size_t count);

/**
 * uint16 and uint32 lists (Capabilities, RequiredCapabilities, unmerged_leaves) are kept as the
 * borrowed body of their vector, whose length must be a multiple of the item size.
 */
SR_MUST_USE sr_err sr_mls_u16_list_read(struct sr_reader *r, size_t max, struct sr_slice *out);
SR_MUST_USE sr_err sr_mls_u32_list_read(struct sr_reader *r, size_t max, struct sr_slice *out);
size_t sr_mls_u16_list_count(struct sr_slice list);
uint16_t sr_mls_u16_list_get(struct sr_slice list, size_t i);
bool sr_mls_u16_list_has(struct sr_slice list, uint16_t v);
size_t sr_mls_u32_list_count(struct sr_slice list);
uint32_t sr_mls_u32_list_get(struct sr_slice list, size_t i);

/** RFC 9420 §13.5: true for the fifteen GREASE values 0x0A0A, 0x1A1A, ..., 0xEAEA. */
bool sr_mls_is_grease(uint16_t v);

/**
 * Encode `src` into a new buffer and decode that into `dst`, then store the buffer in `owned`
 * (the sr_buf member of `dst`, which the decoder zeroes), so `dst` owns its bytes: the _dup
 * helpers. On error `dst` is zeroed.
 */
SR_MUST_USE sr_err sr_mls_dup_via(const void *src, void *dst, size_t dst_size, struct sr_buf *owned,
                                  sr_mls_item_write_fn encode,
                                  sr_err (*decode)(struct sr_slice in, void *out));
