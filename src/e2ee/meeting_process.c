/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the relay fans out, and what we send it: processing MLS messages, committing the
 * proposals of the epoch, merging our commit once the relay accepted it, and asking to leave.
 * Every path that moves the group to a new epoch goes through finish_commit, which reports
 * who joined and left and installs the new epoch's keys before returning.
 *
 *   relay ── Add/Remove proposal ──► sr_meeting_process   (cached, PROPOSAL)
 *   member ── sr_meeting_commit ──► relay ── accepted ──► sr_meeting_commit_merge
 *                                       └── fan-out ─────► sr_meeting_process (COMMIT)
 *                                       └── Welcome ─────► sr_meeting_join
 */
#include <string.h>

#include <sealroom/meeting.h>

#include "core/alloc.h"
#include "e2ee/meeting_int.h"

#define SENDER_MEMBER 1

void sr_meeting_event_cleanup(struct sr_meeting_event *ev)
{
    if (ev == NULL) {
        return;
    }
    sr_free(ev->joined);
    sr_free(ev->left);
    sr_buf_cleanup(&ev->data);
    memset(ev, 0, sizeof(*ev));
}

/* MLS checks KeyPackage lifetimes against the group's clock, in seconds. */
static void set_group_time(struct sr_meeting *m)
{
    sr_mls_group_set_time(m->group, sr_meeting_now(m) / 1000u);
}

/* The group is at a new epoch (or we were removed): report it and install its keys. */
static sr_err finish_commit(struct sr_meeting *m, struct sr_meeting_event *ev)
{
    if (ev->kind == SR_MEETING_EVENT_REMOVED) {
        /* The group keeps its old tree; we are the one who left. */
        ev->left = sr_calloc(1, sizeof(*ev->left));
        SR_CHECK(ev->left != NULL, SR_ERR_NOMEM);
        ev->left[0] = sr_mls_group_own_leaf(m->group);
        ev->left_count = 1;
        return SR_OK;
    }
    SR_TRY(sr_meeting_roster_diff(&m->roster, m->group, ev));
    uint64_t before = m->epoch;
    SR_TRY(sr_meeting_install(m));
    ev->epoch_changed = m->epoch != before;
    ev->epoch = m->epoch;
    return SR_OK;
}

sr_err sr_meeting_process(struct sr_meeting *m, struct sr_slice msg, struct sr_meeting_event *ev)
{
    SR_CHECK(m != NULL && ev != NULL, SR_ERR_ARG);
    SR_CHECK(sr_mls_group_active(m->group), SR_ERR_STATE);
    set_group_time(m);
    struct sr_mls_processed p = { 0 };
    size_t cached = sr_meeting_pending_count(m->group);
    SR_TRY(sr_mls_group_process(m->group, msg, &p));
    if (p.kind == SR_MLS_PROCESSED_PROPOSAL) {
        sr_err verdict = sr_meeting_vet_proposal(m->group, cached);
        if (verdict != SR_OK) {
            sr_mls_processed_cleanup(&p);
            return verdict;
        }
    }
    struct sr_meeting_event e = {
        .kind = (enum sr_meeting_event_kind)p.kind,
        .epoch = m->epoch,
        .sender = p.sender,
        .sender_type = p.sender_type,
        .data = p.data,
    };
    memset(&p.data, 0, sizeof(p.data));
    sr_mls_processed_cleanup(&p);
    sr_err err = SR_OK;
    if (e.kind == SR_MEETING_EVENT_COMMIT || e.kind == SR_MEETING_EVENT_REMOVED) {
        err = finish_commit(m, &e);
    }
    if (err != SR_OK) {
        sr_meeting_event_cleanup(&e);
        return err;
    }
    *ev = e;
    return SR_OK;
}

sr_err sr_meeting_commit(struct sr_meeting *m, struct sr_buf *commit, struct sr_buf *welcome)
{
    SR_CHECK(m != NULL && commit != NULL, SR_ERR_ARG);
    SR_CHECK(sr_mls_group_active(m->group), SR_ERR_STATE);
    /* §12.2: a commit cannot remove its committer; someone else must commit our removal. */
    SR_CHECK(!sr_meeting_pending_removes(m->group, sr_mls_group_own_leaf(m->group)), SR_ERR_STATE);
    set_group_time(m);
    /* The relay's Adds and Removes arrive as proposals, so commit them by reference; the
     * path gives the new epoch fresh secrets even for a Remove-only commit (§12.4). */
    struct sr_mls_commit_params p = { .by_reference = true, .path = true, .ratchet_tree = true };
    return sr_mls_group_commit(m->group, &p, commit, welcome);
}

sr_err sr_meeting_commit_merge(struct sr_meeting *m, struct sr_meeting_event *ev)
{
    SR_CHECK(m != NULL, SR_ERR_ARG);
    SR_TRY(sr_mls_group_commit_merge(m->group));
    struct sr_meeting_event e = {
        .kind = SR_MEETING_EVENT_COMMIT,
        .sender = sr_mls_group_own_leaf(m->group),
        .sender_type = SENDER_MEMBER,
    };
    sr_err err = finish_commit(m, &e);
    if (err == SR_OK && ev != NULL) {
        *ev = e;
    } else {
        sr_meeting_event_cleanup(&e);
    }
    return err;
}

void sr_meeting_commit_discard(struct sr_meeting *m)
{
    if (m != NULL) {
        sr_mls_group_commit_discard(m->group);
    }
}

sr_err sr_meeting_leave(struct sr_meeting *m, struct sr_buf *out)
{
    SR_CHECK(m != NULL && out != NULL, SR_ERR_ARG);
    SR_CHECK(sr_mls_group_active(m->group), SR_ERR_STATE);
    /* A PublicMessage, so the relay can see that we asked to go. */
    return sr_mls_group_propose_remove(m->group, sr_mls_group_own_leaf(m->group), false, out);
}
