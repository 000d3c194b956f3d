/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The labelled derivations of RFC 9420 that every MLS layer uses:
 *
 *   §5.1.3  ExpandWithLabel(Secret, Label, Context, Length) =
 *               KDF.Expand(Secret, KDFLabel, Length)
 *           struct { uint16 length; opaque label<V> = "MLS 1.0 " + Label;
 *                    opaque context<V>; } KDFLabel;
 *           DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh)
 *   §9      DeriveTreeSecret(Secret, Label, Generation, Length) =
 *               ExpandWithLabel(Secret, Label, uint32 Generation, Length)
 *   §5.2    RefHash(label, value) = Hash(RefHashInput{ opaque label<V>; opaque value<V>; })
 *   §5.1.2  SignWithLabel(SignatureKey, Label, Content) =
 *               Signature.Sign(SignatureKey, SignContent{ opaque label<V> = "MLS 1.0 " + Label;
 *                                                          opaque content<V>; })
 *
 * Expansion feeds the KDFLabel to HKDF in pieces, so a large context is never copied and
 * these functions allocate nothing; only SignWithLabel builds its (arbitrary) content.
 */
#include "crypto/labels.h"

#include <string.h>

#include "core/codec.h"
#include "crypto/hash.h"
#include "crypto/sig.h"

static const char prefix[] = "MLS 1.0 ";
#define PREFIX_LEN (sizeof(prefix) - 1)

/* The MLS varint of RFC 9420 §2.1.2 into out[4]; returns its length (0 if too large). */
static size_t put_varint(uint8_t *out, size_t v)
{
    if (v < 0x40) {
        out[0] = (uint8_t)v;
        return 1;
    }
    if (v < 0x4000) {
        out[0] = (uint8_t)(0x40 | (v >> 8));
        out[1] = (uint8_t)v;
        return 2;
    }
    if (v <= SR_VARINT_MAX) {
        out[0] = (uint8_t)(0x80 | (v >> 24));
        out[1] = (uint8_t)(v >> 16);
        out[2] = (uint8_t)(v >> 8);
        out[3] = (uint8_t)v;
        return 4;
    }
    return 0;
}

sr_err sr_mls_expand_with_label_bytes(const struct sr_suite *suite, struct sr_slice secret,
                                      struct sr_slice label, struct sr_slice context, uint8_t *out,
                                      size_t len)
{
    SR_CHECK(suite != NULL && (label.p != NULL || label.len == 0), SR_ERR_ARG);
    SR_CHECK(secret.p != NULL || secret.len == 0, SR_ERR_ARG);
    SR_CHECK(context.p != NULL || context.len == 0, SR_ERR_ARG);
    /* KDFLabel.length is a uint16. */
    SR_CHECK(len <= UINT16_MAX, SR_ERR_ARG);
    size_t label_len = label.len;
    SR_CHECK(label_len <= SR_VARINT_MAX - PREFIX_LEN && context.len <= SR_VARINT_MAX, SR_ERR_ARG);

    /* uint16 length || varint(label) || "MLS 1.0 " */
    uint8_t head[2 + 4 + PREFIX_LEN];
    head[0] = (uint8_t)(len >> 8);
    head[1] = (uint8_t)len;
    size_t h = 2 + put_varint(head + 2, PREFIX_LEN + label_len);
    memcpy(head + h, prefix, PREFIX_LEN);
    h += PREFIX_LEN;
    uint8_t ctx_len[4];
    size_t c = put_varint(ctx_len, context.len);

    const struct sr_slice info[] = {
        sr_slice_of(head, h),
        label,
        sr_slice_of(ctx_len, c),
        context,
    };
    return sr_hkdf_expand_parts(suite->hash, secret, info, 4, out, len);
}

sr_err sr_mls_expand_with_label(const struct sr_suite *suite, struct sr_slice secret,
                                const char *label, struct sr_slice context, uint8_t *out,
                                size_t len)
{
    SR_CHECK(label != NULL, SR_ERR_ARG);
    return sr_mls_expand_with_label_bytes(suite, secret, sr_slice_of(label, strlen(label)), context,
                                          out, len);
}

sr_err sr_mls_derive_secret(const struct sr_suite *suite, struct sr_slice secret, const char *label,
                            uint8_t *out)
{
    SR_CHECK(suite != NULL, SR_ERR_ARG);
    return sr_mls_expand_with_label(suite, secret, label, sr_slice_of(NULL, 0), out,
                                    suite->hash->len);
}

sr_err sr_mls_derive_tree_secret(const struct sr_suite *suite, struct sr_slice secret,
                                 const char *label, uint32_t generation, uint8_t *out, size_t len)
{
    const uint8_t gen[4] = {
        (uint8_t)(generation >> 24),
        (uint8_t)(generation >> 16),
        (uint8_t)(generation >> 8),
        (uint8_t)generation,
    };
    return sr_mls_expand_with_label(suite, secret, label, sr_slice_of(gen, sizeof(gen)), out, len);
}

sr_err sr_mls_ref_hash(const struct sr_suite *suite, const char *label, struct sr_slice value,
                       uint8_t *out)
{
    SR_CHECK(suite != NULL && label != NULL && out != NULL, SR_ERR_ARG);
    SR_CHECK(value.p != NULL || value.len == 0, SR_ERR_ARG);
    size_t label_len = strlen(label);
    uint8_t label_v[4];
    uint8_t value_v[4];
    size_t a = put_varint(label_v, label_len);
    size_t b = put_varint(value_v, value.len);
    SR_CHECK(a > 0 && b > 0, SR_ERR_ARG);
    const struct sr_slice parts[] = {
        sr_slice_of(label_v, a),
        sr_slice_of(label, label_len),
        sr_slice_of(value_v, b),
        value,
    };
    return sr_hash_parts(suite->hash, parts, 4, out);
}

/* SignContent{ "MLS 1.0 " + label, content } into `tbs`. */
static sr_err sign_content(const char *label, struct sr_slice content, struct sr_buf *tbs)
{
    SR_CHECK(label != NULL, SR_ERR_ARG);
    SR_CHECK(content.p != NULL || content.len == 0, SR_ERR_ARG);
    struct sr_vec_mark mark;
    SR_TRY(sr_write_vector_begin(tbs, &mark));
    SR_TRY(sr_write_bytes(tbs, prefix, PREFIX_LEN));
    SR_TRY(sr_write_bytes(tbs, label, strlen(label)));
    SR_TRY(sr_write_vector_end(tbs, &mark));
    return sr_write_opaque_v(tbs, content.p, content.len);
}

sr_err sr_mls_sign_with_label(const struct sr_suite *suite, struct sr_slice priv, const char *label,
                              struct sr_slice content, struct sr_buf *sig)
{
    SR_CHECK(suite != NULL && sig != NULL, SR_ERR_ARG);
    struct sr_buf tbs;
    sr_buf_init(&tbs, 0, 0);
    sr_err err = sign_content(label, content, &tbs);
    if (err == SR_OK) {
        err = sr_sig_sign(suite->sig, priv, sr_buf_slice(&tbs), sig);
    }
    sr_buf_cleanup(&tbs);
    return err;
}

sr_err sr_mls_verify_with_label(const struct sr_suite *suite, struct sr_slice pub,
                                const char *label, struct sr_slice content, struct sr_slice sig)
{
    SR_CHECK(suite != NULL, SR_ERR_ARG);
    struct sr_buf tbs;
    sr_buf_init(&tbs, 0, 0);
    sr_err err = sign_content(label, content, &tbs);
    if (err == SR_OK) {
        err = sr_sig_verify(suite->sig, pub, sr_buf_slice(&tbs), sig);
    }
    sr_buf_cleanup(&tbs);
    return err;
}
