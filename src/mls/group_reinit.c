/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The group that follows a ReInit (RFC 9420 §11.2, §12.4.3.1):
 *
 *   old group, epoch n-1 --commit(ReInit)--> epoch n: frozen, keeps the ReInit body
 *   one member:  new group (ReInit's group_id, suite, extensions) at epoch 0
 *                -> first commit: Add every other member's new KeyPackage
 *                                 + PreSharedKey(resumption, reinit, old group_id, n)
 *                -> epoch 1, Welcome
 *   the others:  join from the Welcome with the old group at hand, which alone answers the
 *                reinit PSK; then check epoch 1, the ReInit's parameters and the members
 *
 * While the first commit is made, or the Welcome processed, a struct sr_mls_group_reinit_link
 * names the old group: the commit builder adds its PSK, the proposal rules accept usage
 * reinit, and PSK look-ups reach its resumption_psk. Nothing else can name that PSK
 * (§11.2: "Resumption PSKs with usage reinit MUST NOT be used in other contexts").
 */
#include <string.h>

#include "mls/group.h"
#include "mls/wire_extension.h"
#include "mls/wire_proposal.h"

static bool same_bytes(struct sr_slice a, struct sr_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

sr_err sr_mls_group_reinit_parse(struct sr_slice body, struct sr_mls_group_reinit_params *out)
{
    struct sr_reader r;
    sr_reader_init(&r, body);
    SR_TRY(sr_read_opaque_v(&r, body.len, &out->group_id));
    SR_TRY(sr_read_u16(&r, &out->version));
    SR_TRY(sr_read_u16(&r, &out->suite));
    SR_TRY(sr_read_opaque_v(&r, body.len, &out->extensions));
    return sr_reader_done(&r);
}

sr_err sr_mls_group_reinit_keep(struct sr_buf *dst, const struct sr_mls_group_prop *props, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (props[i].p->type != SR_MLS_PROPOSAL_REINIT) {
            continue;
        }
        struct sr_buf body = { 0 };
        sr_err err = sr_mls_proposal_body_encode(props[i].p, &body);
        if (err != SR_OK) {
            sr_buf_cleanup(&body);
            return err;
        }
        sr_buf_cleanup(dst);
        *dst = body;
        return SR_OK;
    }
    return SR_ERR_INVALID;
}

sr_err sr_mls_group_reinit_psk(struct sr_mls_group_reinit_link *link,
                               const struct sr_mls_psk_id *id, struct sr_secret *out)
{
    const struct sr_mls_group *old = link->old;
    /* §11.2: "group_id field matches the old group and the epoch field indicates the epoch
     * after the Commit covering the ReInit": the epoch the frozen group stays in. */
    SR_CHECK(id->type == SR_MLS_PSK_RESUMPTION && id->usage == SR_MLS_RESUMPTION_REINIT,
             SR_ERR_NOT_FOUND);
    SR_CHECK(same_bytes(id->psk_group_id, sr_buf_slice(&old->group_id)) &&
                     id->psk_epoch == old->ep.epoch,
             SR_ERR_NOT_FOUND);
    struct sr_slice psk = sr_secret_slice(&old->ep.secrets.resumption_psk);
    SR_TRY(sr_secret_set(out, psk.p, psk.len));
    link->used = true;
    return SR_OK;
}

/* The ReInit that froze `old`; SR_ERR_STATE when none did. */
static sr_err reinit_of(const struct sr_mls_group *old, struct sr_mls_group_reinit_params *rp)
{
    SR_CHECK(old != NULL && old->reinit && old->reinit_proposal.len > 0, SR_ERR_STATE);
    return sr_mls_group_reinit_parse(sr_buf_slice(&old->reinit_proposal), rp);
}

/* Whether leaf `ln` of the old group has a basic credential that no leaf of `t` carries. */
static bool missing(const struct sr_mls_leaf_node *ln, const struct sr_mls_tree *t)
{
    if (ln->credential.type != SR_MLS_CREDENTIAL_BASIC) {
        return false; /* X.509 identities are the application's to compare (trust, check) */
    }
    for (uint32_t i = 0; i < t->n_leaves; i++) {
        const struct sr_mls_leaf_node *m = sr_mls_tree_get0_leaf(t, i);
        if (m != NULL && m->credential.type == SR_MLS_CREDENTIAL_BASIC &&
            same_bytes(m->credential.identity, ln->credential.identity)) {
            return false;
        }
    }
    return true;
}

/*
 * §12.4.3.1 for usage reinit: epoch 1, the group_id, version, cipher_suite and extensions
 * of the ReInit, and "all the members of the old group are also members of the new group".
 */
static sr_err check_follow_on(const struct sr_mls_group *old,
                              const struct sr_mls_group_reinit_params *rp,
                              const struct sr_mls_group *g)
{
    SR_CHECK(g->ep.epoch == 1 && rp->version == SR_MLS_VERSION_MLS10, SR_ERR_INVALID);
    SR_CHECK(same_bytes(sr_buf_slice(&g->group_id), rp->group_id), SR_ERR_INVALID);
    SR_CHECK(g->suite->id == rp->suite, SR_ERR_INVALID);
    SR_CHECK(same_bytes(sr_buf_slice(&g->ep.gc_ext), rp->extensions), SR_ERR_INVALID);
    for (uint32_t i = 0; i < old->ep.tree.n_leaves; i++) {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(&old->ep.tree, i);
        SR_CHECK(ln == NULL || !missing(ln, &g->ep.tree), SR_ERR_INVALID);
    }
    return SR_OK;
}

/* The first commit of the follow-on group `g` (epoch 0), merged at once. */
static sr_err first_commit(struct sr_mls_group *g, const struct sr_mls_group *old,
                           const struct sr_mls_reinit_create_params *p, struct sr_buf *welcome)
{
    struct sr_mls_group_reinit_link link = { .old = old };
    struct sr_mls_commit_params cp = {
        .add = p->add,
        .add_count = p->add_count,
        .ratchet_tree = p->ratchet_tree,
    };
    struct sr_buf commit = { 0 };
    g->reinit_link = &link;
    sr_err err = sr_mls_group_commit(g, &cp, &commit, welcome);
    g->reinit_link = NULL;
    sr_buf_cleanup(&commit); /* nobody else is in epoch 0: the Welcome is what they need */
    if (err == SR_OK) {
        err = link.used ? sr_mls_group_commit_merge(g) : SR_ERR_INVALID;
    }
    return err;
}

sr_err sr_mls_group_reinit_create(const struct sr_mls_group *old,
                                  const struct sr_mls_reinit_create_params *p,
                                  struct sr_mls_group **out, struct sr_buf *welcome)
{
    SR_CHECK(p != NULL && out != NULL && welcome != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_mls_group_reinit_params rp;
    struct sr_mls_key_package_priv *kpp = NULL;
    struct sr_mls_group *g = NULL;
    size_t welcome_len = welcome->len;
    SR_TRY(reinit_of(old, &rp));
    SR_CHECK(rp.version == SR_MLS_VERSION_MLS10, SR_ERR_UNSUPPORTED);
    SR_CHECK(p->key_package_priv.len > 0, SR_ERR_DECODE);
    SR_TRY(sr_mls_key_package_priv_decode(p->key_package_priv, &kpp));
    /* §11.2: the GroupContext's version, cipher_suite, group_id and extensions are the
     * ReInit's. */
    sr_err err = kpp->cipher_suite == rp.suite ? SR_OK : SR_ERR_INVALID;
    if (err == SR_OK) {
        err = sr_mls_group_create_priv(kpp, rp.group_id, rp.extensions, p->limits, &g);
    }
    sr_mls_key_package_priv_free(kpp);
    if (err == SR_OK) {
        err = first_commit(g, old, p, welcome);
    }
    if (err == SR_OK) {
        err = check_follow_on(old, &rp, g);
    }
    if (err != SR_OK) {
        sr_mls_group_free(g);
        welcome->len = welcome_len;
        return err;
    }
    *out = g;
    return SR_OK;
}

sr_err sr_mls_group_reinit_join(const struct sr_mls_group *old,
                                const struct sr_mls_group_join_params *p, struct sr_mls_group **out)
{
    SR_CHECK(p != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    struct sr_mls_group_reinit_params rp;
    struct sr_mls_group_reinit_link link = { .old = old };
    struct sr_mls_group *g = NULL;
    SR_TRY(reinit_of(old, &rp));
    SR_TRY(sr_mls_group_join_linked(p, &link, &g));
    /* §12.4.3.1: a follow-on Welcome MUST name the old group's reinit PSK. */
    sr_err err = link.used ? SR_OK : SR_ERR_NOT_FOUND;
    if (err == SR_OK) {
        err = check_follow_on(old, &rp, g);
    }
    if (err != SR_OK) {
        sr_mls_group_free(g);
        return err;
    }
    *out = g;
    return SR_OK;
}
