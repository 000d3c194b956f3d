/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proposal list validation (RFC 9420 §12.2) and application (§12.3) to a staged epoch:
 *
 *   check the list as a whole (duplicates, who may propose what, external-commit rules)
 *   GroupContextExtensions -> Updates -> Removes -> Adds (in order) -> PSKs -> ExternalInit
 *
 * Each individual proposal is checked as §12.1 asks as it is applied. Everything happens
 * on the staged tree and extensions, so a failure anywhere leaves the group untouched.
 */
#include <string.h>

#include "core/alloc.h"
#include "mls/group.h"
#include "mls/leaf_validate.h"
#include "mls/schedule_keys.h"
#include "mls/welcome.h"
#include "mls/wire_extension.h"
#include "mls/wire_limits.h"

struct counts {
    size_t by_type[8];
    size_t unknown;
};

static bool same_slice(struct sr_slice a, struct sr_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* The leaf an Update or Remove applies to, or UINT32_MAX. */
static uint32_t target_leaf(const struct sr_mls_group_prop *gp)
{
    if (gp->p->type == SR_MLS_PROPOSAL_UPDATE) {
        return gp->sender.index;
    }
    if (gp->p->type == SR_MLS_PROPOSAL_REMOVE) {
        return gp->p->u.remove;
    }
    return UINT32_MAX;
}

static bool psk_id_equal(const struct sr_mls_psk_id *a, const struct sr_mls_psk_id *b)
{
    return a->type == b->type && a->usage == b->usage && a->psk_epoch == b->psk_epoch &&
           same_slice(a->psk_id, b->psk_id) && same_slice(a->psk_group_id, b->psk_group_id) &&
           same_slice(a->psk_nonce, b->psk_nonce);
}

/* §12.2: pairwise rules (one Update/Remove per leaf, unique PSK ids and Add keys). */
static sr_err check_pairs(const struct sr_mls_group_prop *props, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct sr_mls_proposal *a = props[i].p;
        uint32_t la = target_leaf(&props[i]);
        for (size_t k = i + 1; k < n; k++) {
            const struct sr_mls_proposal *b = props[k].p;
            SR_CHECK(la == UINT32_MAX || la != target_leaf(&props[k]), SR_ERR_INVALID);
            if (a->type != b->type) {
                continue;
            }
            if (a->type == SR_MLS_PROPOSAL_PSK) {
                SR_CHECK(!psk_id_equal(&a->u.psk, &b->u.psk), SR_ERR_INVALID);
            }
            if (a->type == SR_MLS_PROPOSAL_ADD) {
                SR_CHECK(!same_slice(a->u.add.leaf_node.signature_key,
                                     b->u.add.leaf_node.signature_key),
                         SR_ERR_INVALID);
            }
        }
    }
    return SR_OK;
}

static sr_err count_types(const struct sr_mls_group_prop *props, size_t n, struct counts *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        uint16_t t = props[i].p->type;
        /* §13.5: GREASE values MUST NOT appear as a proposal_type. */
        SR_CHECK(!sr_mls_is_grease(t), SR_ERR_INVALID);
        if (t >= SR_MLS_PROPOSAL_ADD && t <= SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS) {
            c->by_type[t]++;
        } else {
            c->unknown++;
        }
    }
    return SR_OK;
}

/* §12.2 rules on the list as a whole. */
static sr_err check_list(const struct sr_mls_group_prop *props, size_t n,
                         const struct sr_mls_sender *committer, bool external)
{
    struct counts c;
    SR_TRY(count_types(props, n, &c));
    /* No proposal type beyond RFC 9420's is implemented, so none can be supported by all. */
    SR_CHECK(c.unknown == 0, SR_ERR_INVALID);
    SR_CHECK(c.by_type[SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS] <= 1, SR_ERR_INVALID);
    SR_CHECK(c.by_type[SR_MLS_PROPOSAL_REINIT] == 0 || n == 1, SR_ERR_INVALID);
    if (external) {
        /* §12.2: exactly one ExternalInit, at most one Remove, PSKs, nothing else. */
        SR_CHECK(c.by_type[SR_MLS_PROPOSAL_EXTERNAL_INIT] == 1, SR_ERR_INVALID);
        SR_CHECK(c.by_type[SR_MLS_PROPOSAL_REMOVE] <= 1, SR_ERR_INVALID);
        SR_CHECK(c.by_type[SR_MLS_PROPOSAL_EXTERNAL_INIT] + c.by_type[SR_MLS_PROPOSAL_REMOVE] +
                                 c.by_type[SR_MLS_PROPOSAL_PSK] ==
                         n,
                 SR_ERR_INVALID);
    } else {
        SR_CHECK(c.by_type[SR_MLS_PROPOSAL_EXTERNAL_INIT] == 0, SR_ERR_INVALID);
    }
    for (size_t i = 0; i < n && !external; i++) {
        /* §12.2: no Update from the committer, no Remove of the committer. */
        SR_CHECK(target_leaf(&props[i]) != committer->index, SR_ERR_INVALID);
        if (props[i].p->type == SR_MLS_PROPOSAL_UPDATE) {
            SR_CHECK(props[i].sender.type == SR_MLS_SENDER_MEMBER, SR_ERR_INVALID);
        }
    }
    return check_pairs(props, n);
}

/* The GroupContext's required_capabilities of the staged epoch, if any. */
static sr_err required_caps(const struct sr_mls_group_epoch *ne, struct sr_mls_extensions *exts,
                            struct sr_mls_required_capabilities *rc, bool *has)
{
    *has = false;
    if (ne->gc_ext.len == 0) {
        return SR_OK; /* an empty buffer has no memory to point a reader at */
    }
    SR_TRY(sr_mls_extensions_decode_body(sr_buf_slice(&ne->gc_ext), exts));
    const struct sr_mls_extension *e =
            sr_mls_extensions_find(exts, SR_MLS_EXT_REQUIRED_CAPABILITIES);
    if (e != NULL) {
        SR_TRY(sr_mls_required_capabilities_decode(e->data, rc));
        *has = true;
    }
    return SR_OK;
}

static void leaf_ctx(const struct sr_mls_group *g, const struct sr_mls_required_capabilities *rc,
                     uint8_t source, uint32_t leaf, struct sr_mls_leaf_validate_ctx *v)
{
    memset(v, 0, sizeof(*v));
    v->suite = g->suite;
    v->expected_source = source;
    v->group_id = sr_buf_slice(&g->group_id);
    v->leaf_index = leaf;
    v->now = g->now;
    v->check_lifetime = g->now != 0;
    v->required = rc;
    v->credential = sr_mls_group_cred(g);
}

/* §12.1.7: every member must support each new extension; required_capabilities checked. */
static sr_err apply_gce(struct sr_mls_group_epoch *ne, const struct sr_mls_proposal *p)
{
    SR_TRY(sr_mls_extensions_check_unique(&p->u.group_context_extensions));
    for (uint32_t i = 0; i < ne->tree.n_leaves; i++) {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(&ne->tree, i);
        for (size_t k = 0; ln != NULL && k < p->u.group_context_extensions.count; k++) {
            uint16_t type = p->u.group_context_extensions.items[k].type;
            SR_CHECK(sr_mls_capabilities_has_extension(&ln->capabilities, type), SR_ERR_INVALID);
        }
    }
    sr_buf_reset(&ne->gc_ext);
    /* The new list is re-encoded as the vector body GroupContext.extensions holds. */
    struct sr_buf tmp = { 0 };
    struct sr_reader r;
    struct sr_slice body;
    sr_err err = sr_mls_extensions_encode(&p->u.group_context_extensions, &tmp);
    if (err == SR_OK) {
        sr_reader_init(&r, sr_buf_slice(&tmp));
        err = sr_read_opaque_v(&r, SR_MLS_MAX_EXTENSIONS, &body);
    }
    if (err == SR_OK) {
        err = sr_buf_set(&ne->gc_ext, body.p, body.len);
    }
    sr_buf_cleanup(&tmp);
    return err;
}

/* §11.1: after a GroupContextExtensions, every member meets required_capabilities. */
static sr_err members_meet(const struct sr_mls_tree *t,
                           const struct sr_mls_required_capabilities *rc)
{
    for (uint32_t i = 0; i < t->n_leaves; i++) {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(t, i);
        if (ln == NULL) {
            continue;
        }
        for (size_t k = 0; k < sr_mls_u16_list_count(rc->extension_types); k++) {
            uint16_t e = sr_mls_u16_list_get(rc->extension_types, k);
            SR_CHECK(sr_mls_capabilities_has_extension(&ln->capabilities, e), SR_ERR_INVALID);
        }
        for (size_t k = 0; k < sr_mls_u16_list_count(rc->proposal_types); k++) {
            uint16_t pt = sr_mls_u16_list_get(rc->proposal_types, k);
            SR_CHECK(sr_mls_proposal_is_default(pt) ||
                             sr_mls_u16_list_has(ln->capabilities.proposals, pt),
                     SR_ERR_INVALID);
        }
        for (size_t k = 0; k < sr_mls_u16_list_count(rc->credential_types); k++) {
            uint16_t ct = sr_mls_u16_list_get(rc->credential_types, k);
            SR_CHECK(sr_mls_u16_list_has(ln->capabilities.credentials, ct), SR_ERR_INVALID);
        }
    }
    return SR_OK;
}

/* Our own Update, committed by another member: its private key becomes our leaf key. */
static sr_err own_update_key(const struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                             struct sr_slice pk)
{
    for (size_t i = 0; i < g->ep.n_own_updates; i++) {
        const struct sr_mls_group_own_update *u = &g->ep.own_updates[i];
        if (same_slice(sr_slice_of(u->pk, u->pk_len), pk)) {
            return sr_secret_set(&ne->priv.leaf_sk, u->sk.p, u->sk.len);
        }
    }
    return SR_ERR_INVALID; /* an Update in our name that we did not make */
}

static sr_err apply_update(struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                           const struct sr_mls_group_prop *gp,
                           const struct sr_mls_required_capabilities *rc)
{
    struct sr_mls_leaf_validate_ctx v;
    const struct sr_mls_leaf_node *cur = sr_mls_tree_get0_leaf(&ne->tree, gp->sender.index);
    SR_CHECK(cur != NULL, SR_ERR_INVALID);
    /* §12.1.2: the encryption_key MUST differ from the current leaf's. */
    SR_CHECK(!same_slice(cur->encryption_key, gp->p->u.update.encryption_key), SR_ERR_INVALID);
    leaf_ctx(g, rc, SR_MLS_LEAF_SOURCE_UPDATE, gp->sender.index, &v);
    SR_TRY(sr_mls_leaf_node_validate(&v, &gp->p->u.update, NULL));
    if (gp->sender.index == ne->own_leaf) {
        SR_TRY(own_update_key(g, ne, gp->p->u.update.encryption_key));
    }
    return sr_mls_tree_update_leaf(&ne->tree, gp->sender.index, &gp->p->u.update);
}

static sr_err apply_add(struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                        const struct sr_mls_group_prop *gp,
                        const struct sr_mls_required_capabilities *rc, uint32_t *leaf)
{
    const struct sr_mls_proposal *p = gp->p;
    struct sr_mls_leaf_validate_ctx v;
    uint32_t other;
    leaf_ctx(g, rc, SR_MLS_LEAF_SOURCE_KEY_PACKAGE, 0, &v);
    /* Every other check runs again: lifetime, capabilities and credential may judge
     * differently now, but signatures over the same bytes cannot. */
    v.signature_verified = gp->signatures_verified;
    SR_TRY(sr_mls_key_package_validate(&p->u.add, &v, NULL));
    /* §12.2: the client is not in the group already (after this commit's Removes). */
    SR_CHECK(sr_mls_tree_find_signature_key(&ne->tree, p->u.add.leaf_node.signature_key, &other) ==
                     SR_ERR_NOT_FOUND,
             SR_ERR_INVALID);
    SR_TRY(sr_mls_tree_add_leaf(&ne->tree, &p->u.add.leaf_node, leaf));
    SR_CHECK(ne->tree.n_leaves <= g->limits.max_leaves, SR_ERR_LIMIT);
    return SR_OK;
}

/* Updates, then Removes, then Adds in list order (§12.3). */
static sr_err apply_tree(struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                         const struct sr_mls_group_prop *props, size_t n,
                         const struct sr_mls_required_capabilities *rc,
                         struct sr_mls_group_applied *out)
{
    for (size_t i = 0; i < n; i++) {
        if (props[i].p->type == SR_MLS_PROPOSAL_UPDATE) {
            SR_TRY(apply_update(g, ne, &props[i], rc));
            out->path_required = true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (props[i].p->type == SR_MLS_PROPOSAL_REMOVE) {
            uint32_t leaf = props[i].p->u.remove;
            out->own_removed = out->own_removed || leaf == ne->own_leaf;
            SR_TRY(sr_mls_tree_remove_leaf(&ne->tree, leaf));
            out->path_required = true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (props[i].p->type == SR_MLS_PROPOSAL_ADD) {
            SR_TRY(apply_add(g, ne, &props[i], rc, &out->added[out->n_added]));
            out->n_added++;
        }
    }
    return SR_OK;
}

static sr_err psk_lookup(void *arg, const struct sr_mls_psk_id *id, struct sr_secret *psk)
{
    return sr_mls_group_psk_find(arg, id, psk);
}

/* §8.4: psk_secret over the PreSharedKey proposals in list order. */
static sr_err psk_secret(struct sr_mls_group *g, struct sr_mls_group_applied *out)
{
    size_t n = out->n_psks;
    if (n == 0) {
        return SR_OK;
    }
    struct sr_mls_group_secrets gs = { .psk_count = n };
    gs.psks = sr_calloc(n, sizeof(*gs.psks));
    SR_CHECK(gs.psks != NULL, SR_ERR_NOMEM);
    sr_err err = SR_OK;
    for (size_t i = 0; i < n; i++) {
        const struct sr_mls_psk_id *id = out->psk_ids[i];
        /* §8.4: psk_nonce is KDF.Nh bytes; §8.6: only application resumption in a commit,
         * §11.2: or reinit in the first commit of a ReInit's follow-on group. */
        bool reinit = id->usage == SR_MLS_RESUMPTION_REINIT && g->reinit_link != NULL;
        if (id->psk_nonce.len != g->suite->hash->len ||
            (id->type == SR_MLS_PSK_RESUMPTION && id->usage != SR_MLS_RESUMPTION_APPLICATION &&
             !reinit)) {
            err = SR_ERR_INVALID;
        }
        gs.psks[i] = *id;
    }
    if (err == SR_OK) {
        err = sr_mls_welcome_psk_secret(g->suite, &gs, psk_lookup, g, &out->psk_secret);
    }
    sr_free(gs.psks);
    return err;
}

/* §8.3: init_secret from the ExternalInit's kem_output and this epoch's external key. */
static sr_err external_init(struct sr_mls_group *g, const struct sr_mls_proposal *p,
                            struct sr_mls_group_applied *out)
{
    struct sr_secret sk = { 0 };
    uint8_t pk[SR_KEM_PK_MAX];
    if (g->ep.secrets.external.len == 0) {
        return SR_OK; /* the joiner itself: it made init_secret when it made kem_output */
    }
    sr_err err =
            sr_mls_external_key_pair(g->suite, sr_secret_slice(&g->ep.secrets.external), &sk, pk);
    if (err == SR_OK) {
        err = sr_mls_external_init_receive(g->suite, sr_secret_slice(&sk), p->u.external_init,
                                           &out->init_secret);
    }
    sr_secret_cleanup(&sk);
    out->external_init = err == SR_OK;
    return err;
}

static sr_err apply_rest(struct sr_mls_group *g, const struct sr_mls_group_prop *props, size_t n,
                         struct sr_mls_group_applied *out)
{
    for (size_t i = 0; i < n; i++) {
        const struct sr_mls_proposal *p = props[i].p;
        if (p->type == SR_MLS_PROPOSAL_PSK) {
            out->psk_ids[out->n_psks++] = &p->u.psk;
        } else if (p->type == SR_MLS_PROPOSAL_EXTERNAL_INIT) {
            SR_TRY(external_init(g, p, out));
            out->path_required = true;
        } else if (p->type == SR_MLS_PROPOSAL_REINIT) {
            /* §12.1.5: the version MUST NOT be older than the group's. */
            SR_CHECK(p->u.reinit.version >= SR_MLS_VERSION_MLS10, SR_ERR_INVALID);
            out->reinit = true;
        }
    }
    return psk_secret(g, out);
}

sr_err sr_mls_group_apply(struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                          const struct sr_mls_group_prop *props, size_t n,
                          const struct sr_mls_sender *committer, bool external,
                          struct sr_mls_group_applied *out)
{
    struct sr_mls_extensions exts = { 0 };
    struct sr_mls_required_capabilities rc;
    bool has_rc = false;
    memset(out, 0, sizeof(*out));
    SR_CHECK(n <= g->limits.max_proposals, SR_ERR_LIMIT);
    sr_err err = check_list(props, n, committer, external);
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        if (props[i].p->type == SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS) {
            err = apply_gce(ne, props[i].p);
            out->path_required = true;
        }
    }
    if (err == SR_OK) {
        /* §12.2: "The new extensions MUST be used when evaluating other proposals". */
        err = required_caps(ne, &exts, &rc, &has_rc);
    }
    if (err == SR_OK && has_rc && out->path_required) {
        err = members_meet(&ne->tree, &rc); /* only a GroupContextExtensions set it so far */
    }
    if (err == SR_OK) {
        err = apply_tree(g, ne, props, n, has_rc ? &rc : NULL, out);
    }
    if (err == SR_OK) {
        err = apply_rest(g, props, n, out);
    }
    sr_mls_extensions_cleanup(&exts);
    if (err != SR_OK) {
        sr_mls_group_applied_cleanup(out);
    }
    return err;
}

void sr_mls_group_applied_cleanup(struct sr_mls_group_applied *a)
{
    sr_secret_cleanup(&a->init_secret);
    sr_secret_cleanup(&a->psk_secret);
}
