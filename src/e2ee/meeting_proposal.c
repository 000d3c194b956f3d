/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vetting proposals when they arrive. The MLS group caches a proposal as it comes and judges
 * it only when a commit carries it (RFC 9420 §12.2), and a commit that carries an invalid
 * proposal is invalid as a whole. A meeting commits every cached proposal by reference, so
 * one bad KeyPackage handed to the relay (a certificate that does not bind the leaf's key,
 * an expired one, a guest under the require-verified policy) would block every commit of
 * the epoch. So the meeting checks each new Add and Remove exactly as the commit will, and
 * takes a refused one out of the cache again: the message is then refused and nothing
 * changes. Every member runs the same checks on the same state, so all drop the same ones.
 */
#include <string.h>

#include <sealroom/meeting.h>

#include "e2ee/meeting_int.h"
#include "mls/group.h"
#include "mls/leaf_validate.h"
#include "mls/wire_common.h"
#include "mls/wire_extension.h"

size_t sr_meeting_pending_count(const struct sr_mls_group *g)
{
    return g->ep.n_pending;
}

bool sr_meeting_pending_removes(const struct sr_mls_group *g, uint32_t leaf)
{
    for (size_t i = 0; i < g->ep.n_pending; i++) {
        const struct sr_mls_proposal *p = &g->ep.pending[i].ac.content.proposal;
        if (p->type == SR_MLS_PROPOSAL_REMOVE && p->u.remove == leaf) {
            return true;
        }
    }
    return false;
}

static bool same_key(struct sr_slice a, struct sr_slice b)
{
    return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* The KeyPackage checks of a commit's Add (§12.2), as the group applies them. */
static sr_err check_add(const struct sr_mls_group *g, const struct sr_mls_key_package *kp)
{
    struct sr_mls_extensions exts = { 0 };
    struct sr_mls_required_capabilities rc;
    const struct sr_mls_required_capabilities *required = NULL;
    SR_TRY(sr_mls_extensions_decode_body(sr_buf_slice(&g->ep.gc_ext), &exts));
    const struct sr_mls_extension *e =
            sr_mls_extensions_find(&exts, SR_MLS_EXT_REQUIRED_CAPABILITIES);
    sr_err err = SR_OK;
    if (e != NULL) {
        err = sr_mls_required_capabilities_decode(e->data, &rc);
        required = &rc;
    }
    struct sr_mls_leaf_validate_ctx v = {
        .suite = g->suite,
        .expected_source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE,
        .group_id = sr_buf_slice(&g->group_id),
        .now = g->now,
        .check_lifetime = g->now != 0,
        .required = required,
        .credential = sr_mls_group_cred(g),
    };
    if (err == SR_OK) {
        err = sr_mls_key_package_validate(kp, &v, NULL);
    }
    uint32_t other;
    /* §12.2: the client must not be a member already. */
    if (err == SR_OK && sr_mls_tree_find_signature_key(&g->ep.tree, kp->leaf_node.signature_key,
                                                       &other) != SR_ERR_NOT_FOUND) {
        err = SR_ERR_INVALID;
    }
    sr_mls_extensions_cleanup(&exts);
    return err;
}

/* Whether an earlier cached proposal already does what `p` does. */
static bool repeats(const struct sr_mls_group *g, const struct sr_mls_proposal *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct sr_mls_proposal *q = &g->ep.pending[i].ac.content.proposal;
        if (q->type != p->type) {
            continue;
        }
        if (p->type == SR_MLS_PROPOSAL_REMOVE && q->u.remove == p->u.remove) {
            return true;
        }
        if (p->type == SR_MLS_PROPOSAL_ADD &&
            same_key(q->u.add.leaf_node.signature_key, p->u.add.leaf_node.signature_key)) {
            return true;
        }
    }
    return false;
}

static void drop_last(struct sr_mls_group *g)
{
    struct sr_mls_group_epoch *ep = &g->ep;
    sr_mls_authenticated_content_cleanup(&ep->pending[ep->n_pending - 1].ac);
    memset(&ep->pending[ep->n_pending - 1], 0, sizeof(ep->pending[0]));
    ep->n_pending--;
}

sr_err sr_meeting_vet_proposal(struct sr_mls_group *g, size_t n_before)
{
    if (g->ep.n_pending != n_before + 1) {
        return SR_OK; /* the same proposal again: the cache did not grow */
    }
    const struct sr_mls_proposal *p = &g->ep.pending[n_before].ac.content.proposal;
    sr_err err = SR_OK;
    switch (p->type) {
    case SR_MLS_PROPOSAL_ADD:
        err = check_add(g, &p->u.add);
        break;
    case SR_MLS_PROPOSAL_REMOVE:
        err = sr_mls_tree_get0_leaf(&g->ep.tree, p->u.remove) != NULL ? SR_OK : SR_ERR_INVALID;
        break;
    default:
        break;
    }
    /* The relay's Remove and a member's own leave request often name the same leaf; a commit
     * may carry only one of them (§12.2), so the second is dropped without complaint. */
    if (err != SR_OK || repeats(g, p, n_before)) {
        drop_last(g);
    } else if (p->type == SR_MLS_PROPOSAL_ADD) {
        /* check_add verified its signatures: the commit need not verify them again. */
        g->ep.pending[n_before].signatures_verified = true;
    }
    return err;
}
