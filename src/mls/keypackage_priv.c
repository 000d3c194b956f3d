/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stored form of a KeyPackage's private bundle, for the group store. Version 1:
 *
 *   uint8  format = 1;
 *   uint16 cipher_suite;
 *   opaque key_package_ref<V>;
 *   opaque init_priv<V>;
 *   opaque encryption_priv<V>;
 *   opaque signature_priv<V>;
 *   opaque key_package<V>;      (the encoded KeyPackage)
 *
 * Decoding re-derives what it can (the KeyPackageRef, the signature public key) and refuses
 * a bundle whose parts do not belong together, so a corrupted store cannot make us answer
 * a Welcome with the wrong keys.
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/ct.h"
#include "crypto/sig.h"
#include "mls/keypackage.h"

#define PRIV_FORMAT_V1 1u

void sr_mls_key_package_priv_free(struct sr_mls_key_package_priv *priv)
{
    if (priv == NULL) {
        return;
    }
    sr_buf_cleanup(&priv->key_package);
    sr_wipe(priv, sizeof(*priv));
    sr_free(priv);
}

sr_err sr_mls_key_package_priv_encode(const struct sr_mls_key_package_priv *priv, struct sr_buf *w)
{
    SR_TRY(sr_write_u8(w, PRIV_FORMAT_V1));
    SR_TRY(sr_write_u16(w, priv->cipher_suite));
    SR_TRY(sr_write_opaque_v(w, priv->ref, priv->ref_len));
    SR_TRY(sr_write_slice_v(w, sr_secret_slice(&priv->init_priv)));
    SR_TRY(sr_write_slice_v(w, sr_secret_slice(&priv->encryption_priv)));
    SR_TRY(sr_write_slice_v(w, sr_secret_slice(&priv->signature_priv)));
    return sr_write_slice_v(w, sr_buf_slice(&priv->key_package));
}

static sr_err read_secret(struct sr_reader *r, struct sr_secret *s)
{
    struct sr_slice v;
    SR_TRY(sr_read_opaque_v(r, SR_SECRET_MAX, &v));
    return sr_secret_set(s, v.p, v.len);
}

static sr_err read_fields(struct sr_reader *r, struct sr_mls_key_package_priv *pv)
{
    uint8_t format;
    struct sr_slice ref, kp;
    SR_TRY(sr_read_u8(r, &format));
    SR_TRY(sr_read_u16(r, &pv->cipher_suite));
    SR_TRY(sr_read_opaque_v(r, SR_HASH_MAX, &ref));
    SR_TRY(read_secret(r, &pv->init_priv));
    SR_TRY(read_secret(r, &pv->encryption_priv));
    SR_TRY(read_secret(r, &pv->signature_priv));
    SR_TRY(sr_read_opaque_v(r, SR_VARINT_MAX, &kp));
    SR_TRY(sr_reader_done(r));
    SR_CHECK(format == PRIV_FORMAT_V1, SR_ERR_UNSUPPORTED);
    memcpy(pv->ref, ref.p, ref.len);
    pv->ref_len = ref.len;
    return sr_buf_set(&pv->key_package, kp.p, kp.len);
}

/* The stored keys and reference must belong to the stored KeyPackage. */
static sr_err check_consistent(const struct sr_mls_key_package_priv *pv)
{
    const struct sr_suite *s = sr_suite_get(pv->cipher_suite);
    SR_CHECK(s != NULL, SR_ERR_UNSUPPORTED);
    struct sr_mls_key_package kp;
    uint8_t ref[SR_HASH_MAX];
    struct sr_buf pub = { 0 };
    SR_TRY(sr_mls_key_package_decode(sr_buf_slice(&pv->key_package), &kp));
    sr_err err = SR_ERR_INVALID;
    if (kp.cipher_suite != s->id || pv->ref_len != s->hash->len ||
        pv->init_priv.len != s->kem->sk_len || pv->encryption_priv.len != s->kem->sk_len) {
        goto out;
    }
    err = sr_mls_key_package_ref(s, &kp, ref);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_sig_public_from_private(s->sig, sr_secret_slice(&pv->signature_priv), &pub);
    if (err != SR_OK) {
        err = err == SR_ERR_NOMEM ? err : SR_ERR_INVALID;
        goto out;
    }
    bool ok = sr_ct_equal(ref, pv->ref, pv->ref_len) && pub.len == kp.leaf_node.signature_key.len &&
              sr_ct_equal(pub.p, kp.leaf_node.signature_key.p, pub.len);
    err = ok ? SR_OK : SR_ERR_INVALID;
out:
    sr_buf_cleanup(&pub);
    sr_mls_key_package_cleanup(&kp);
    return err;
}

sr_err sr_mls_key_package_priv_decode(struct sr_slice in, struct sr_mls_key_package_priv **out)
{
    *out = NULL;
    struct sr_reader r;
    struct sr_mls_key_package_priv *pv = sr_calloc(1, sizeof(*pv));
    if (pv == NULL) {
        return SR_ERR_NOMEM;
    }
    sr_reader_init(&r, in);
    sr_err err = read_fields(&r, pv);
    if (err == SR_OK) {
        err = check_consistent(pv);
    }
    if (err != SR_OK) {
        sr_mls_key_package_priv_free(pv);
        return err;
    }
    *out = pv;
    return SR_OK;
}
