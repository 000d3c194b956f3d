/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for official test-vector runners: locate and load a JSON file under
 * $SEALROOM_VECTORS (default: ../shared/vectors beside the source tree), read hex fields,
 * count cases and print `<file>: N passed, N failed, N skipped`.
 *
 * When the vector folder is missing, sr_vec_load exits 77 (ctest's skip code), or 1 when
 * CI=true, because CI must never pass by skipping conformance.
 */
#pragma once

#include <stdbool.h>

#include <jansson.h>

#include <sealroom/buf.h>

struct sr_vec_counts {
    unsigned passed;
    unsigned failed;
    unsigned skipped;
};

/** Load `relpath` (e.g. "mls/crypto-basics.json"); exits as above when it cannot. */
json_t *sr_vec_load(const char *relpath);

/** A missing file is not an error: sr_vec_load_ex returns NULL. */
#define SR_VEC_OPTIONAL 1u
/** Quote every bare number first, so values past 2^63 - 1 survive (read with sr_vec_u64). */
#define SR_VEC_NUMBERS_AS_STRINGS 2u

/** sr_vec_load with SR_VEC_* flags. */
json_t *sr_vec_load_ex(const char *relpath, unsigned flags);

/** The unsigned 64-bit member `key`, given as a JSON integer or a decimal string. */
bool sr_vec_u64(const json_t *obj, const char *key, uint64_t *out);

/** Decode the hex string member `key` of `obj` into `out` (reset first). False if absent/bad. */
bool sr_vec_hex(const json_t *obj, const char *key, struct sr_buf *out);

/** The integer member `key` of `obj`, or `dflt` when absent. */
long long sr_vec_int(const json_t *obj, const char *key, long long dflt);

/** The string member `key` of `obj`, or NULL. */
const char *sr_vec_str(const json_t *obj, const char *key);

/** Compare `got` with the hex member `key`; on mismatch print both with `what` and return false. */
bool sr_vec_expect(const json_t *obj, const char *key, const uint8_t *got, size_t got_len,
                   const char *what);

/** Record one case as passed or failed. */
void sr_vec_count(struct sr_vec_counts *c, bool ok);

/** Print the summary line for `file` and return the process exit status (1 on any failure). */
int sr_vec_report(const char *file, const struct sr_vec_counts *c);
