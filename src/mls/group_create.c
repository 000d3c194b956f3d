/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating a group (RFC 9420 §11); the public KeyPackage constructors are in keypackage_new.c.
 *
 *   tree = [ creator's leaf ]                 epoch 0, confirmed_transcript_hash = ""
 *   init_secret = random(Nh), commit_secret = 0, no PSK -> epoch secrets
 *   confirmation_tag = MAC(confirmation_key, "") -> interim_transcript_hash
 */
#include <string.h>

#include "crypto/rand.h"
#include "mls/group.h"
#include "mls/leaf_validate.h"
#include "mls/transcript.h"
#include "mls/wire_extension.h"

/* §11: the creator's leaf MUST support every GroupContext extension (and required caps). */
static sr_err check_extensions(struct sr_slice body, const struct sr_mls_leaf_node *me)
{
    struct sr_mls_extensions exts = { 0 };
    if (body.len == 0) {
        return SR_OK;
    }
    SR_TRY(sr_mls_extensions_decode_body(body, &exts));
    sr_err err = sr_mls_extensions_check_unique(&exts);
    for (size_t i = 0; err == SR_OK && i < exts.count; i++) {
        if (!sr_mls_capabilities_has_extension(&me->capabilities, exts.items[i].type)) {
            err = SR_ERR_INVALID;
        }
    }
    sr_mls_extensions_cleanup(&exts);
    return err;
}

static sr_err first_epoch(struct sr_mls_group *g, const struct sr_mls_key_package_priv *kpp,
                          const struct sr_mls_key_package *kp, struct sr_slice extensions)
{
    struct sr_mls_group_epoch *ep = &g->ep;
    size_t nh = g->suite->hash->len;
    struct sr_secret init = { .len = nh };
    uint32_t leaf;
    SR_TRY(check_extensions(extensions, &kp->leaf_node));
    SR_TRY(sr_buf_set(&ep->gc_ext, extensions.p, extensions.len));
    SR_TRY(sr_mls_tree_add_leaf(&ep->tree, &kp->leaf_node, &leaf));
    ep->own_leaf = leaf;
    SR_TRY(sr_mls_treekem_priv_init(&ep->priv, leaf, sr_secret_slice(&kpp->encryption_priv)));
    SR_TRY(sr_secret_set(&g->sig_priv, kpp->signature_priv.p, kpp->signature_priv.len));
    SR_TRY(sr_mls_group_epoch_encode_gc(g, ep));
    sr_err err = sr_rand_bytes(init.p, nh);
    if (err == SR_OK) {
        err = sr_mls_key_schedule_advance(g->suite, sr_secret_slice(&init), sr_slice_of(NULL, 0),
                                          sr_slice_of(NULL, 0), sr_buf_slice(&ep->gc_bytes),
                                          &ep->secrets);
    }
    sr_secret_cleanup(&init);
    SR_TRY(err);
    SR_TRY(sr_mls_confirmation_tag_compute(g->suite, sr_secret_slice(&ep->secrets.confirmation_key),
                                           sr_slice_of(NULL, 0), ep->confirmation_tag));
    return sr_mls_group_epoch_finish(g, ep);
}

sr_err sr_mls_group_create_priv(const struct sr_mls_key_package_priv *kpp, struct sr_slice group_id,
                                struct sr_slice extensions,
                                const struct sr_mls_group_limits *limits, struct sr_mls_group **out)
{
    SR_CHECK(kpp != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_mls_key_package kp = { 0 };
    struct sr_mls_group *g = NULL;
    SR_TRY(sr_mls_key_package_decode(sr_buf_slice(&kpp->key_package), &kp));
    sr_err err = sr_mls_group_alloc(sr_suite_get(kpp->cipher_suite), group_id, limits, &g);
    if (err == SR_OK) {
        err = first_epoch(g, kpp, &kp, extensions);
    }
    sr_mls_key_package_cleanup(&kp);
    if (err != SR_OK) {
        sr_mls_group_free(g);
        return err;
    }
    *out = g;
    return SR_OK;
}

sr_err sr_mls_group_create(const struct sr_mls_group_create_params *p, struct sr_mls_group **out)
{
    SR_CHECK(p != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_mls_key_package_priv *kpp = NULL;
    SR_CHECK(p->key_package_priv.len > 0, SR_ERR_DECODE);
    SR_TRY(sr_mls_key_package_priv_decode(p->key_package_priv, &kpp));
    sr_err err = sr_mls_group_create_priv(kpp, p->group_id, p->extensions, p->limits, out);
    sr_mls_key_package_priv_free(kpp);
    return err;
}
