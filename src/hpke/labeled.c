/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9180 §4 labelled HKDF:
 *
 *   LabeledExtract(salt, label, ikm) =
 *       Extract(salt, "HPKE-v1" || suite_id || label || ikm)
 *   LabeledExpand(prk, label, info, L) =
 *       Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)
 *
 * The labelled input is assembled in a stack buffer; only an unusually long info, psk or
 * exporter context (setup and export, never seal/open) falls back to the heap. Either copy
 * may hold secret input keying material, so it is wiped.
 */
#include "hpke/labeled.h"

#include <string.h>

#include <sealroom/buf.h>

#include "core/alloc.h"
#include "crypto/hash.h"

static const char version_label[] = "HPKE-v1";
#define VERSION_LEN (sizeof(version_label) - 1)

/* Big enough for every KEM step: an AuthEncap kem_context is 3 * 133 bytes. */
#define STACK_INPUT 512

/* The concatenation prefix || "HPKE-v1" || suite_id || label || tail, on stack or heap. */
struct labeled_input {
    uint8_t stack[STACK_INPUT];
    uint8_t *p;
    size_t len;
};

static sr_err build(struct labeled_input *in, const uint8_t *prefix, size_t prefix_len,
                    const struct sr_hpke_suite_id *sid, const char *label, struct sr_slice tail)
{
    size_t label_len = strlen(label);
    size_t n = prefix_len + VERSION_LEN + sid->len + label_len;
    SR_CHECK(sr_size_add(n, tail.len, &n), SR_ERR_LIMIT);
    in->p = in->stack;
    if (n > sizeof(in->stack)) {
        in->p = sr_malloc(n);
        SR_CHECK(in->p != NULL, SR_ERR_NOMEM);
    }
    uint8_t *w = in->p;
    if (prefix_len) {
        memcpy(w, prefix, prefix_len);
        w += prefix_len;
    }
    memcpy(w, version_label, VERSION_LEN);
    w += VERSION_LEN;
    memcpy(w, sid->p, sid->len);
    w += sid->len;
    memcpy(w, label, label_len);
    w += label_len;
    if (tail.len) {
        memcpy(w, tail.p, tail.len);
    }
    in->len = n;
    return SR_OK;
}

static void release(struct labeled_input *in)
{
    if (in->p == NULL) {
        return;
    }
    sr_wipe(in->p, in->len);
    if (in->p != in->stack) {
        sr_free(in->p);
    }
    in->p = NULL;
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void sr_hpke_kem_suite_id(const struct sr_kem_alg *kem, struct sr_hpke_suite_id *out)
{
    memcpy(out->p, "KEM", 3);
    put_u16(out->p + 3, kem->hpke_id);
    out->len = 5;
}

void sr_hpke_full_suite_id(uint16_t kem_id, uint16_t kdf_id, uint16_t aead_id,
                           struct sr_hpke_suite_id *out)
{
    memcpy(out->p, "HPKE", 4);
    put_u16(out->p + 4, kem_id);
    put_u16(out->p + 6, kdf_id);
    put_u16(out->p + 8, aead_id);
    out->len = 10;
}

sr_err sr_hpke_labeled_extract(const struct sr_hash_alg *kdf, const struct sr_hpke_suite_id *sid,
                               struct sr_slice salt, const char *label, struct sr_slice ikm,
                               uint8_t *prk)
{
    struct labeled_input in = { .p = NULL };
    sr_err err = build(&in, NULL, 0, sid, label, ikm);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_hkdf_extract(kdf, salt, sr_slice_of(in.p, in.len), prk);
out:
    release(&in);
    return err;
}

sr_err sr_hpke_labeled_expand(const struct sr_hash_alg *kdf, const struct sr_hpke_suite_id *sid,
                              struct sr_slice prk, const char *label, struct sr_slice info,
                              uint8_t *out, size_t len)
{
    /* I2OSP(L, 2) must not truncate, and HKDF-Expand stops at 255 * Nh (RFC 5869 §2.3). */
    SR_CHECK(len <= 0xffff && len <= 255 * kdf->len, SR_ERR_ARG);
    uint8_t l2[2];
    put_u16(l2, (uint16_t)len);
    struct labeled_input in = { .p = NULL };
    sr_err err = build(&in, l2, sizeof(l2), sid, label, info);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_hkdf_expand(kdf, prk, sr_slice_of(in.p, in.len), out, len);
out:
    release(&in);
    return err;
}
