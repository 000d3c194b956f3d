/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who a commit added and removed. MLS reports only that the epoch moved on, so the meeting
 * compares the leaves before and after. A LeafNode's signature is unique to that signed leaf:
 * a leaf whose signature changed was either updated (source update or commit, RFC 9420
 * §7.2) or refilled by an Add (source key_package) after a Remove freed the slot in the same
 * commit (§12.3: Adds take the leftmost blank leaves after Removes are applied).
 */
#include <string.h>

#include <sealroom/meeting.h>

#include "core/alloc.h"
#include "e2ee/meeting_int.h"
#include "mls/group.h"
#include "mls/wire_common.h"

sr_err sr_meeting_roster_take(const struct sr_mls_group *g, struct sr_meeting_roster *r)
{
    const struct sr_mls_tree *t = &g->ep.tree;
    memset(r, 0, sizeof(*r));
    r->n = t->n_leaves;
    r->sig_off = sr_calloc(r->n ? r->n : 1, sizeof(*r->sig_off));
    r->sig_len = sr_calloc(r->n ? r->n : 1, sizeof(*r->sig_len));
    sr_err err = r->sig_off && r->sig_len ? SR_OK : SR_ERR_NOMEM;
    for (uint32_t i = 0; err == SR_OK && i < r->n; i++) {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(t, i);
        if (ln == NULL) {
            continue;
        }
        r->sig_off[i] = (uint32_t)r->sigs.len;
        r->sig_len[i] = (uint32_t)ln->signature.len;
        err = sr_buf_append(&r->sigs, ln->signature.p, ln->signature.len);
    }
    if (err != SR_OK) {
        sr_meeting_roster_cleanup(r);
    }
    return err;
}

void sr_meeting_roster_cleanup(struct sr_meeting_roster *r)
{
    sr_free(r->sig_off);
    sr_free(r->sig_len);
    sr_buf_cleanup(&r->sigs);
    memset(r, 0, sizeof(*r));
}

static bool same_leaf(const struct sr_meeting_roster *r, uint32_t i,
                      const struct sr_mls_leaf_node *ln)
{
    return ln->signature.len == r->sig_len[i] &&
           memcmp(r->sigs.p + r->sig_off[i], ln->signature.p, ln->signature.len) == 0;
}

sr_err sr_meeting_roster_diff(const struct sr_meeting_roster *before, const struct sr_mls_group *g,
                              struct sr_meeting_event *ev)
{
    const struct sr_mls_tree *t = &g->ep.tree;
    uint32_t n = before->n > t->n_leaves ? before->n : t->n_leaves;
    uint32_t *joined = sr_calloc(n ? n : 1, sizeof(*joined));
    uint32_t *left = sr_calloc(n ? n : 1, sizeof(*left));
    if (joined == NULL || left == NULL) {
        sr_free(joined);
        sr_free(left);
        return SR_ERR_NOMEM;
    }
    size_t nj = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool was = i < before->n && before->sig_len[i] > 0;
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(t, i);
        bool refilled = was && ln != NULL && !same_leaf(before, i, ln) &&
                        ln->source == SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
        if (was && (ln == NULL || refilled)) {
            left[nl++] = i;
        }
        if (ln != NULL && (!was || refilled)) {
            joined[nj++] = i;
        }
    }
    sr_free(ev->joined);
    sr_free(ev->left);
    ev->joined = joined;
    ev->joined_count = nj;
    ev->left = left;
    ev->left_count = nl;
    return SR_OK;
}
