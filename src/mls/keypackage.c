/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §10 KeyPackages: creation and §10.1 validation.
 *
 *   KeyPackage = { version, cipher_suite, init_key, leaf_node, extensions, signature }
 *   leaf_node.signature = SignWithLabel(sig_priv, "LeafNodeTBS", LeafNodeTBS)
 *   signature           = SignWithLabel(sig_priv, "KeyPackageTBS", KeyPackageTBS)
 *
 * The creator lists every capability this library supports (§13: "A client that posts a
 * KeyPackage MUST support all parameters advertised in it") and may add GREASE (§13.5).
 */
#include "mls/keypackage.h"

#include <string.h>

#include "core/alloc.h"
#include "crypto/ct.h"
#include "crypto/labels.h"
#include "crypto/rand.h"
#include "crypto/sig.h"
#include "hpke/hpke.h"
#include "mls/wire_limits.h"

/* AppDataDictionary{ [ ComponentData{ last_resort_key_package, data = "" } ] }. */
static const uint8_t last_resort_body[] = { 0x03, 0x00, 0x04, 0x00 };

/* The capability lists of a new leaf, as uint16 list bodies. */
struct caps_bufs {
    struct sr_buf versions, suites, extensions, proposals, credentials;
    uint16_t grease_ext; /* 0 when no GREASE */
};

static void caps_cleanup(struct caps_bufs *c)
{
    sr_buf_cleanup(&c->versions);
    sr_buf_cleanup(&c->suites);
    sr_buf_cleanup(&c->extensions);
    sr_buf_cleanup(&c->proposals);
    sr_buf_cleanup(&c->credentials);
}

static sr_err grease_value(uint16_t *out)
{
    uint8_t r;
    SR_TRY(sr_rand_bytes(&r, 1));
    /* §13.5: 0x0A0A, 0x1A1A, ..., 0xEAEA. */
    uint16_t hi = (uint16_t)((r % 15u) * 0x10u + 0x0Au);
    *out = (uint16_t)(hi << 8 | hi);
    return SR_OK;
}

static sr_err add_grease(struct sr_buf *list, bool grease, uint16_t *chosen)
{
    uint16_t g = 0;
    if (grease) {
        SR_TRY(grease_value(&g));
        SR_TRY(sr_write_u16(list, g));
    }
    if (chosen != NULL) {
        *chosen = g;
    }
    return SR_OK;
}

static sr_err caps_build(bool grease, struct caps_bufs *c)
{
    SR_TRY(sr_write_u16(&c->versions, SR_MLS_VERSION_MLS10));
    SR_TRY(add_grease(&c->versions, grease, NULL));
    for (uint16_t id = 1; id <= 0xff; id++) {
        if (sr_suite_get(id) != NULL) {
            SR_TRY(sr_write_u16(&c->suites, id));
        }
    }
    SR_TRY(add_grease(&c->suites, grease, NULL));
    SR_TRY(sr_write_u16(&c->extensions, SR_MLS_EXT_APP_DATA_DICTIONARY));
    SR_TRY(add_grease(&c->extensions, grease, &c->grease_ext));
    /* Every proposal type we support is a default one and MUST NOT be listed (§7.2). */
    SR_TRY(add_grease(&c->proposals, grease, NULL));
    SR_TRY(sr_write_u16(&c->credentials, SR_MLS_CREDENTIAL_BASIC));
    SR_TRY(sr_write_u16(&c->credentials, SR_MLS_CREDENTIAL_X509));
    return add_grease(&c->credentials, grease, NULL);
}

static sr_err time_window(const struct sr_mls_key_package_params *p, struct sr_mls_lifetime *lt)
{
    lt->not_before = p->not_before;
    lt->not_after = p->not_after;
    if (lt->not_before == 0 && lt->not_after == 0) {
        SR_CHECK(p->now <= UINT64_MAX - SR_MLS_KP_LIFETIME, SR_ERR_ARG);
        lt->not_before = p->now > SR_MLS_KP_BACKDATE ? p->now - SR_MLS_KP_BACKDATE : 0;
        lt->not_after = p->now + SR_MLS_KP_LIFETIME;
    }
    SR_CHECK(lt->not_before <= lt->not_after, SR_ERR_ARG);
    SR_CHECK(lt->not_after - lt->not_before <= SR_MLS_KP_MAX_LIFETIME, SR_ERR_ARG);
    return SR_OK;
}

/* The key pairs: a given or fresh signature key, fresh HPKE init and encryption keys. */
static sr_err make_keys(const struct sr_mls_key_package_params *p,
                        struct sr_mls_key_package_priv *priv, struct sr_buf *sig_pub,
                        uint8_t *init_pub, uint8_t *enc_pub)
{
    const struct sr_suite *s = p->suite;
    if (p->signature_priv.len > 0) {
        SR_TRY(sr_secret_set(&priv->signature_priv, p->signature_priv.p, p->signature_priv.len));
        SR_TRY(sr_sig_public_from_private(s->sig, p->signature_priv, sig_pub));
    } else {
        SR_TRY(sr_sig_generate(s->sig, &priv->signature_priv, sig_pub));
    }
    SR_TRY(sr_hpke_generate_key_pair(s->kem, &priv->init_priv, init_pub));
    return sr_hpke_generate_key_pair(s->kem, &priv->encryption_priv, enc_pub);
}

struct build_state {
    struct caps_bufs caps;
    struct sr_buf sig_pub, leaf_sig, kp_sig, tbs;
    uint8_t init_pub[SR_KEM_PK_MAX], enc_pub[SR_KEM_PK_MAX];
};

static sr_err sign_tbs(const struct sr_suite *s, const struct sr_secret *priv, const char *label,
                       struct sr_buf *tbs, struct sr_buf *sig)
{
    return sr_mls_sign_with_label(s, sr_secret_slice(priv), label, sr_buf_slice(tbs), sig);
}

static sr_err build(const struct sr_mls_key_package_params *p, struct sr_mls_key_package_priv *priv,
                    struct build_state *b)
{
    const struct sr_suite *s = p->suite;
    struct sr_mls_extension kp_ext[2];
    struct sr_mls_key_package kp = { .version = SR_MLS_VERSION_MLS10, .cipher_suite = s->id };
    struct sr_mls_leaf_node *l = &kp.leaf_node;
    SR_TRY(time_window(p, &l->lifetime));
    SR_TRY(make_keys(p, priv, &b->sig_pub, b->init_pub, b->enc_pub));
    SR_TRY(caps_build(p->grease, &b->caps));
    l->encryption_key = sr_slice_of(b->enc_pub, s->kem->pk_len);
    l->signature_key = sr_buf_slice(&b->sig_pub);
    l->credential = p->credential;
    l->capabilities = (struct sr_mls_capabilities){ sr_buf_slice(&b->caps.versions),
                                                    sr_buf_slice(&b->caps.suites),
                                                    sr_buf_slice(&b->caps.extensions),
                                                    sr_buf_slice(&b->caps.proposals),
                                                    sr_buf_slice(&b->caps.credentials) };
    l->source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
    SR_TRY(sr_mls_leaf_node_tbs_encode(l, sr_slice_of(NULL, 0), 0, &b->tbs));
    SR_TRY(sign_tbs(s, &priv->signature_priv, "LeafNodeTBS", &b->tbs, &b->leaf_sig));
    l->signature = sr_buf_slice(&b->leaf_sig);
    kp.init_key = sr_slice_of(b->init_pub, s->kem->pk_len);
    kp.extensions.items = kp_ext;
    if (p->last_resort) {
        kp_ext[kp.extensions.count++] = (struct sr_mls_extension){
            SR_MLS_EXT_APP_DATA_DICTIONARY, sr_slice_of(last_resort_body, sizeof(last_resort_body))
        };
    }
    if (b->caps.grease_ext != 0) {
        /* §13.5: a GREASE extension, listed in capabilities like any other. */
        kp_ext[kp.extensions.count++] =
                (struct sr_mls_extension){ b->caps.grease_ext, sr_slice_of(NULL, 0) };
    }
    sr_buf_reset(&b->tbs);
    SR_TRY(sr_mls_key_package_tbs_encode(&kp, &b->tbs));
    SR_TRY(sign_tbs(s, &priv->signature_priv, "KeyPackageTBS", &b->tbs, &b->kp_sig));
    kp.signature = sr_buf_slice(&b->kp_sig);
    SR_TRY(sr_mls_key_package_encode(&kp, &priv->key_package));
    priv->ref_len = s->hash->len;
    return sr_mls_key_package_ref(s, &kp, priv->ref);
}

sr_err sr_mls_key_package_create(const struct sr_mls_key_package_params *p,
                                 struct sr_mls_key_package *kp,
                                 struct sr_mls_key_package_priv **priv)
{
    *priv = NULL;
    memset(kp, 0, sizeof(*kp));
    SR_CHECK(p != NULL && p->suite != NULL, SR_ERR_ARG);
    struct build_state b = { 0 };
    struct sr_mls_key_package tmp = { 0 };
    struct sr_mls_key_package_priv *pv = sr_calloc(1, sizeof(*pv));
    sr_err err = SR_ERR_NOMEM;
    if (pv == NULL) {
        goto out;
    }
    pv->cipher_suite = p->suite->id;
    err = build(p, pv, &b);
    if (err == SR_OK) {
        err = sr_mls_key_package_decode(sr_buf_slice(&pv->key_package), &tmp);
    }
    if (err == SR_OK) {
        err = sr_mls_key_package_dup(&tmp, kp);
    }
out:
    sr_mls_key_package_cleanup(&tmp);
    caps_cleanup(&b.caps);
    sr_buf_cleanup(&b.sig_pub);
    sr_buf_cleanup(&b.leaf_sig);
    sr_buf_cleanup(&b.kp_sig);
    sr_buf_cleanup(&b.tbs);
    if (err != SR_OK) {
        sr_mls_key_package_priv_free(pv);
        pv = NULL;
    }
    *priv = pv;
    return err;
}

bool sr_mls_key_package_is_last_resort(const struct sr_mls_key_package *kp)
{
    const struct sr_mls_extension *e =
            sr_mls_extensions_find(&kp->extensions, SR_MLS_EXT_APP_DATA_DICTIONARY);
    struct sr_reader r, dict;
    if (e == NULL) {
        return false;
    }
    sr_reader_init(&r, e->data);
    if (sr_read_vector_v(&r, SR_MLS_MAX_EXTENSION_DATA, &dict) != SR_OK) {
        return false;
    }
    while (sr_reader_left(&dict) > 0) {
        uint16_t id;
        struct sr_slice data;
        if (sr_read_u16(&dict, &id) != SR_OK ||
            sr_read_opaque_v(&dict, SR_MLS_MAX_EXTENSION_DATA, &data) != SR_OK) {
            return false;
        }
        if (id == SR_MLS_COMPONENT_LAST_RESORT) {
            return true;
        }
    }
    return false;
}

static sr_err check_kp_fields(const struct sr_mls_key_package *kp,
                              const struct sr_mls_leaf_validate_ctx *ctx)
{
    const struct sr_mls_leaf_node *l = &kp->leaf_node;
    /* §10.1: "cipher suite and protocol version of the KeyPackage match" the group's. */
    SR_CHECK(kp->version == SR_MLS_VERSION_MLS10, SR_ERR_INVALID);
    SR_CHECK(kp->cipher_suite == ctx->suite->id, SR_ERR_INVALID);
    /* §10.1: "leaf_node.encryption_key is different from the value of the init_key". */
    SR_CHECK(kp->init_key.len != l->encryption_key.len ||
                     !sr_ct_equal(kp->init_key.p, l->encryption_key.p, kp->init_key.len),
             SR_ERR_INVALID);
    /* §10: KeyPackage extensions MUST be in capabilities; GREASE ones are ignored (§13.5). */
    SR_TRY(sr_mls_extensions_check_unique(&kp->extensions));
    for (size_t i = 0; i < kp->extensions.count; i++) {
        uint16_t t = kp->extensions.items[i].type;
        SR_CHECK(sr_mls_is_grease(t) || sr_mls_capabilities_has_extension(&l->capabilities, t),
                 SR_ERR_INVALID);
    }
    return SR_OK;
}

static sr_err check_kp_signature(const struct sr_suite *s, const struct sr_mls_key_package *kp)
{
    struct sr_buf tbs = { 0 };
    sr_err err = sr_mls_key_package_tbs_encode(kp, &tbs);
    if (err == SR_OK) {
        err = sr_mls_verify_with_label(s, kp->leaf_node.signature_key, "KeyPackageTBS",
                                       sr_buf_slice(&tbs), kp->signature);
        err = err == SR_ERR_INVALID || err == SR_ERR_DECODE ? SR_ERR_AUTH : err;
    }
    sr_buf_cleanup(&tbs);
    return err;
}

sr_err sr_mls_key_package_validate(const struct sr_mls_key_package *kp,
                                   const struct sr_mls_leaf_validate_ctx *ctx,
                                   struct sr_mls_credential_result *res)
{
    if (res != NULL) {
        *res = (struct sr_mls_credential_result){ 0 };
    }
    SR_CHECK(kp != NULL && ctx != NULL && ctx->suite != NULL, SR_ERR_ARG);
    SR_TRY(check_kp_fields(kp, ctx));
    /* §10.1: "the signature on the KeyPackage is valid using the public key in leaf_node". */
    if (!ctx->signature_verified) {
        SR_TRY(check_kp_signature(ctx->suite, kp));
    }
    struct sr_mls_leaf_validate_ctx leaf_ctx = *ctx;
    leaf_ctx.expected_source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
    return sr_mls_leaf_node_validate(&leaf_ctx, &kp->leaf_node, res);
}
