/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Joining a group from a Welcome (RFC 9420 §12.4.3.1):
 *
 *   welcome.c: GroupSecrets, PSKs, GroupInfo, signature (key from the tree below),
 *              key schedule from joiner_secret, confirmation tag
 *   here:      ratchet tree from the GroupInfo extension or out of band (§12.4.3.3),
 *              tree validation against group_context.tree_hash, our own leaf, the key of
 *              the lowest common ancestor with the signer from path_secret, then the epoch:
 *              interim transcript hash, secret tree, protection context.
 */
#include <string.h>

#include "mls/group.h"
#include "mls/group_info.h"
#include "mls/leaf_validate.h"
#include "mls/welcome.h"
#include "mls/wire_extension.h"
#include "mls/wire_message.h"

struct join_ctx {
    const struct sr_mls_group_join_args *a;
    const struct sr_suite *suite;
    struct sr_mls_tree tree;
    uint32_t max_leaves;
};

/* The GroupInfo signer's key comes from the ratchet tree, which we import here. */
static sr_err signer_key(void *arg, const struct sr_mls_group_info *gi, struct sr_buf *pub)
{
    struct join_ctx *jc = arg;
    struct sr_slice rt = jc->a->ratchet_tree;
    if (rt.len == 0) {
        /* §12.4.3.3: without a tree out of band, the GroupInfo MUST carry it. */
        SR_CHECK(sr_mls_group_info_ratchet_tree(gi, &rt) == SR_OK, SR_ERR_INVALID);
    }
    sr_mls_tree_cleanup(&jc->tree);
    SR_TRY(sr_mls_tree_import(&jc->tree, jc->suite, rt));
    SR_CHECK(jc->tree.n_leaves <= jc->max_leaves, SR_ERR_LIMIT);
    const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(&jc->tree, gi->signer);
    SR_CHECK(ln != NULL, SR_ERR_INVALID);
    return sr_buf_append(pub, ln->signature_key.p, ln->signature_key.len);
}

static sr_err psk_lookup(void *arg, const struct sr_mls_psk_id *id, struct sr_secret *psk)
{
    const struct join_ctx *jc = arg;
    if (id->type == SR_MLS_PSK_RESUMPTION && jc->a->reinit != NULL) {
        return sr_mls_group_reinit_psk(jc->a->reinit, id, psk); /* §11.2 */
    }
    SR_CHECK(id->type == SR_MLS_PSK_EXTERNAL, SR_ERR_NOT_FOUND);
    for (size_t i = 0; i < jc->a->psk_count; i++) {
        struct sr_slice pid = jc->a->psks[i].id;
        if (pid.len == id->psk_id.len && memcmp(pid.p, id->psk_id.p, pid.len) == 0) {
            struct sr_slice s = jc->a->psks[i].secret;
            return sr_secret_set(psk, s.p, s.len);
        }
    }
    return SR_ERR_NOT_FOUND;
}

/* §12.4.3.1: "Identify a leaf ... whose LeafNode is identical to the one in the KeyPackage". */
static sr_err find_own_leaf(const struct sr_mls_tree *t, const struct sr_mls_leaf_node *mine,
                            uint32_t *out)
{
    struct sr_buf want = { 0 }, have = { 0 };
    sr_err err = sr_mls_leaf_node_encode(mine, &want);
    for (uint32_t i = 0; err == SR_OK && i < t->n_leaves; i++) {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(t, i);
        if (ln == NULL) {
            continue;
        }
        sr_buf_reset(&have);
        err = sr_mls_leaf_node_encode(ln, &have);
        if (err == SR_OK && have.len == want.len && memcmp(have.p, want.p, want.len) == 0) {
            *out = i;
            goto out;
        }
    }
    err = err == SR_OK ? SR_ERR_INVALID : err;
out:
    sr_buf_cleanup(&want);
    sr_buf_cleanup(&have);
    return err;
}

/* §12.4.3.1: extensions of the GroupContext MUST be supported by the joiner. */
static sr_err check_support(const struct sr_mls_group_info *gi, const struct sr_mls_leaf_node *me)
{
    for (size_t i = 0; i < gi->group_context_extensions.count; i++) {
        uint16_t type = gi->group_context_extensions.items[i].type;
        SR_CHECK(sr_mls_capabilities_has_extension(&me->capabilities, type), SR_ERR_INVALID);
    }
    return SR_OK;
}

/*
 * §12.4.3.1: "Validate the LeafNode of every non-blank leaf (§7.3)": source, capabilities
 * against required_capabilities, lifetime (with a clock), credential (application check).
 * The signatures are not verified again: the caller has run sr_mls_tree_validate on `t`, which
 * verifies every leaf's signature with the same group_id and leaf index (half a join's cost).
 */
sr_err sr_mls_group_validate_leaves(const struct sr_mls_group *g, const struct sr_mls_tree *t,
                                    const struct sr_mls_group_info *gi)
{
    struct sr_mls_required_capabilities rc;
    const struct sr_mls_extension *e =
            sr_mls_extensions_find(&gi->group_context_extensions, SR_MLS_EXT_REQUIRED_CAPABILITIES);
    if (e != NULL) {
        SR_TRY(sr_mls_required_capabilities_decode(e->data, &rc));
    }
    for (uint32_t i = 0; i < t->n_leaves; i++) {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(t, i);
        if (ln == NULL) {
            continue;
        }
        struct sr_mls_leaf_validate_ctx v = {
            .suite = g->suite,
            .expected_source = ln->source,
            .group_id = sr_buf_slice(&g->group_id),
            .leaf_index = i,
            .now = g->now,
            .check_lifetime = g->now != 0 && ln->source == SR_MLS_LEAF_SOURCE_KEY_PACKAGE,
            .required = e != NULL ? &rc : NULL,
            .credential = sr_mls_group_cred(g),
            .signature_verified = true,
        };
        SR_TRY(sr_mls_leaf_node_validate(&v, ln, NULL));
    }
    return SR_OK;
}

/* The state of the epoch we join, into g->ep. */
static sr_err build_epoch(struct sr_mls_group *g, struct join_ctx *jc,
                          struct sr_mls_welcome_joined *j, const struct sr_mls_key_package *kp)
{
    const struct sr_mls_group_info *gi = &j->group_info;
    const struct sr_mls_group_context *gc = &gi->group_context;
    struct sr_mls_group_epoch *ep = &g->ep;
    const struct sr_mls_key_package_priv *kpp = jc->a->key_package;
    SR_TRY(sr_mls_tree_validate(&jc->tree, gc->group_id, gc->tree_hash, g->limits.verify_threads));
    SR_TRY(sr_mls_group_validate_leaves(g, &jc->tree, gi));
    SR_TRY(check_support(gi, &kp->leaf_node));
    sr_mls_tree_swap(&ep->tree, &jc->tree);
    SR_TRY(find_own_leaf(&ep->tree, &kp->leaf_node, &ep->own_leaf));
    SR_TRY(sr_mls_treekem_priv_init(&ep->priv, ep->own_leaf,
                                    sr_secret_slice(&kpp->encryption_priv)));
    if (j->group_secrets.has_path_secret) {
        uint32_t lca;
        SR_CHECK(gi->signer != ep->own_leaf, SR_ERR_INVALID);
        SR_TRY(sr_mls_tree_common_ancestor(sr_mls_tree_leaf_to_node(ep->own_leaf),
                                           sr_mls_tree_leaf_to_node(gi->signer), ep->tree.n_leaves,
                                           &lca));
        SR_TRY(sr_mls_treekem_priv_set_path_secret(&ep->priv, &ep->tree, lca,
                                                   j->group_secrets.path_secret, true));
    }
    SR_CHECK(gc->confirmed_transcript_hash.len <= SR_HASH_MAX, SR_ERR_INVALID);
    ep->epoch = gc->epoch;
    ep->confirmed_len = gc->confirmed_transcript_hash.len;
    if (ep->confirmed_len > 0) {
        memcpy(ep->confirmed, gc->confirmed_transcript_hash.p, ep->confirmed_len);
    }
    memcpy(ep->confirmation_tag, gi->confirmation_tag.p, g->suite->hash->len);
    SR_TRY(sr_buf_set(&ep->gc_ext, gc->extensions.p, gc->extensions.len));
    ep->secrets = j->epoch;
    sr_mls_epoch_secrets_cleanup(&j->epoch);
    SR_TRY(sr_mls_group_epoch_encode_gc(g, ep));
    return sr_mls_group_epoch_finish(g, ep);
}

static sr_err join_group(struct join_ctx *jc, const struct sr_mls_welcome *wl,
                         const struct sr_mls_key_package *kp, struct sr_mls_group **out)
{
    const struct sr_mls_group_join_args *a = jc->a;
    struct sr_mls_welcome_joined j = { 0 };
    struct sr_mls_group *g = NULL;
    struct sr_mls_welcome_join_args ja = {
        .welcome = wl,
        .key_package = a->key_package,
        .psk_lookup = psk_lookup,
        .psk_arg = jc,
        .signer_key = signer_key,
        .signer_arg = jc,
    };
    sr_err err = sr_mls_welcome_join(&ja, &j);
    if (err == SR_OK) {
        err = sr_mls_group_info_check(jc->suite, &j.group_info);
    }
    if (err == SR_OK) {
        err = sr_mls_group_alloc(jc->suite, j.group_info.group_context.group_id, a->limits, &g);
    }
    if (err == SR_OK) {
        g->now = a->now;
        sr_mls_group_set_trust(g, a->trust); /* before the tree's leaves are validated */
        if (a->id_fn != NULL) {
            sr_mls_group_set_identity_check(g, a->id_fn, a->id_arg);
        }
        err = sr_secret_set(&g->sig_priv, a->key_package->signature_priv.p,
                            a->key_package->signature_priv.len);
    }
    for (size_t i = 0; err == SR_OK && i < a->psk_count; i++) {
        err = sr_mls_group_psk_store(g, a->psks[i].id, a->psks[i].secret);
    }
    if (err == SR_OK) {
        err = build_epoch(g, jc, &j, kp);
    }
    sr_mls_welcome_joined_cleanup(&j);
    if (err != SR_OK) {
        sr_mls_group_free(g);
        return err;
    }
    *out = g;
    return SR_OK;
}

/*
 * A NIST-curve HPKE private key may come without its leading zero bytes (other stacks, and
 * the official vectors, write a P-521 scalar in 65 bytes); HPKE wants exactly Nsk.
 */
static void pad_scalar(const struct sr_suite *suite, struct sr_secret *s)
{
    size_t nsk = suite->kem->sk_len;
    if (!suite->kem->is_nist || s->len >= nsk || nsk > SR_SECRET_MAX) {
        return;
    }
    size_t lead = nsk - s->len;
    memmove(s->p + lead, s->p, s->len);
    memset(s->p, 0, lead);
    s->len = nsk;
}

sr_err sr_mls_group_join_priv(const struct sr_mls_group_join_args *a, struct sr_mls_group **out)
{
    SR_CHECK(a != NULL && out != NULL && a->key_package != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_mls_group_join_args args = *a;
    struct sr_mls_key_package_priv kpp = *a->key_package;
    struct join_ctx jc = { .a = &args };
    struct sr_mls_message msg = { 0 };
    struct sr_mls_key_package kp = { 0 };
    jc.suite = sr_suite_get(a->key_package->cipher_suite);
    SR_CHECK(jc.suite != NULL, SR_ERR_UNSUPPORTED);
    pad_scalar(jc.suite, &kpp.init_priv);
    pad_scalar(jc.suite, &kpp.encryption_priv);
    args.key_package = &kpp;
    jc.max_leaves = a->limits != NULL && a->limits->max_leaves != 0
                            ? a->limits->max_leaves
                            : SR_MLS_GROUP_DEFAULT_MAX_LEAVES;
    sr_mls_tree_init(&jc.tree, jc.suite);
    sr_err err = a->welcome.len > 0 ? sr_mls_message_decode(a->welcome, &msg) : SR_ERR_DECODE;
    if (err == SR_OK && msg.wire_format != SR_MLS_WIRE_WELCOME) {
        err = SR_ERR_INVALID;
    }
    if (err == SR_OK) {
        err = sr_mls_key_package_decode(sr_buf_slice(&kpp.key_package), &kp);
    }
    if (err == SR_OK) {
        err = join_group(&jc, &msg.u.welcome, &kp, out);
    }
    sr_mls_key_package_cleanup(&kp);
    sr_mls_message_cleanup(&msg);
    sr_mls_tree_cleanup(&jc.tree);
    /* The copy shares key_package's memory with the caller's bundle: wipe only the keys. */
    sr_secret_cleanup(&kpp.init_priv);
    sr_secret_cleanup(&kpp.encryption_priv);
    sr_secret_cleanup(&kpp.signature_priv);
    return err;
}

sr_err sr_mls_group_join_linked(const struct sr_mls_group_join_params *p,
                                struct sr_mls_group_reinit_link *reinit, struct sr_mls_group **out)
{
    SR_CHECK(p != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_mls_key_package_priv *kpp = NULL;
    SR_CHECK(p->key_package_priv.len > 0, SR_ERR_DECODE);
    SR_TRY(sr_mls_key_package_priv_decode(p->key_package_priv, &kpp));
    struct sr_mls_group_join_args a = {
        .welcome = p->welcome,
        .key_package = kpp,
        .ratchet_tree = p->ratchet_tree,
        .psks = p->psks,
        .psk_count = p->psk_count,
        .limits = p->limits,
        .now = p->now,
        .id_fn = p->identity_check,
        .id_arg = p->identity_arg,
        .trust = p->trust,
        .reinit = reinit,
    };
    sr_err err = sr_mls_group_join_priv(&a, out);
    sr_mls_key_package_priv_free(kpp);
    return err;
}

sr_err sr_mls_group_join(const struct sr_mls_group_join_params *p, struct sr_mls_group **out)
{
    return sr_mls_group_join_linked(p, NULL, out);
}
