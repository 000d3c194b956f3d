/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §10 KeyPackage and §5.2 KeyPackageRef.
 *
 *   struct {
 *       ProtocolVersion version;
 *       CipherSuite cipher_suite;
 *       HPKEPublicKey init_key;
 *       LeafNode leaf_node;
 *       Extension extensions<V>;
 *       opaque signature<V>;    (absent from KeyPackageTBS)
 *   } KeyPackage;
 */
#include "mls/wire_key_package.h"

#include <string.h>

#include "crypto/labels.h"
#include "mls/wire_limits.h"

static sr_err kp_fields(struct sr_reader *r, struct sr_mls_key_package *kp)
{
    /* version and cipher_suite are kept as sent; §10.1 validation checks them. */
    SR_TRY(sr_read_u16(r, &kp->version));
    SR_TRY(sr_read_u16(r, &kp->cipher_suite));
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_PUBKEY, &kp->init_key));
    SR_TRY(sr_mls_leaf_node_read(r, &kp->leaf_node));
    SR_TRY(sr_mls_extensions_read(r, SR_MLS_MAX_EXTENSIONS, &kp->extensions));
    return sr_read_opaque_v(r, SR_MLS_MAX_SIGNATURE, &kp->signature);
}

sr_err sr_mls_key_package_read(struct sr_reader *r, struct sr_mls_key_package *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = kp_fields(r, out);
    if (err != SR_OK) {
        sr_mls_key_package_cleanup(out);
    }
    return err;
}

sr_err sr_mls_key_package_decode(struct sr_slice in, struct sr_mls_key_package *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_key_package_read(&r, out));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_key_package_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_mls_key_package_tbs_encode(const struct sr_mls_key_package *kp, struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, kp->version));
    SR_TRY(sr_write_u16(w, kp->cipher_suite));
    SR_TRY(sr_write_slice_v(w, kp->init_key));
    SR_TRY(sr_mls_leaf_node_encode(&kp->leaf_node, w));
    return sr_mls_extensions_encode(&kp->extensions, w);
}

sr_err sr_mls_key_package_encode(const struct sr_mls_key_package *kp, struct sr_buf *w)
{
    SR_TRY(sr_mls_key_package_tbs_encode(kp, w));
    return sr_write_slice_v(w, kp->signature);
}

void sr_mls_key_package_cleanup(struct sr_mls_key_package *kp)
{
    sr_mls_leaf_node_cleanup(&kp->leaf_node);
    sr_mls_extensions_cleanup(&kp->extensions);
    sr_buf_cleanup(&kp->owned);
    memset(kp, 0, sizeof(*kp));
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_key_package_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_key_package_decode(in, out);
}

sr_err sr_mls_key_package_dup(const struct sr_mls_key_package *src, struct sr_mls_key_package *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}

sr_err sr_mls_key_package_ref(const struct sr_suite *suite, const struct sr_mls_key_package *kp,
                              uint8_t *out)
{
    struct sr_buf enc = { 0 };
    sr_err err = sr_mls_key_package_encode(kp, &enc);
    if (err == SR_OK) {
        err = sr_mls_ref_hash(suite, "MLS 1.0 KeyPackage Reference", sr_buf_slice(&enc), out);
    }
    sr_buf_cleanup(&enc);
    return err;
}
