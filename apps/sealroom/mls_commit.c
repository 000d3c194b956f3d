/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom mls add | commit | process`: moving the group from epoch to epoch. The
 * committer merges its own commit at once (this tool has no delivery service to confirm it),
 * and saves its new state before the commit file is written, so a sender generation is never
 * used twice even if writing the files fails.
 */
#include <stdio.h>
#include <string.h>

#include "mls_cli.h"

/* Create the commit `p`, merge it, save the state, then write the commit and Welcome. */
static int commit_and_write(struct mls_opts *o, struct mls_state *st,
                            const struct sr_mls_commit_params *p)
{
    struct sr_buf c, w;
    int rc = MLS_EXIT_FAIL;
    sr_buf_init(&c, 0, 0);
    sr_buf_init(&w, 0, 0);
    sr_err err = sr_mls_group_commit(st->g, p, &c, o->welcome_out != NULL ? &w : NULL);
    if (err != SR_OK) {
        rc = mls_fail(o, "cannot create the commit", err);
        goto out;
    }
    if ((err = sr_mls_group_commit_merge(st->g)) != SR_OK ||
        (err = mls_state_save(o->dir, st)) != SR_OK) {
        rc = mls_fail(o, "cannot merge and save the commit", err);
        goto out;
    }
    if ((err = mls_write_file(o->commit_out, sr_buf_slice(&c), 0644)) != SR_OK) {
        rc = mls_fail(o, "cannot write --commit-out", err);
        goto out;
    }
    if (o->welcome_out != NULL &&
        (err = mls_write_file(o->welcome_out, sr_buf_slice(&w), 0644)) != SR_OK) {
        rc = mls_fail(o, "cannot write --welcome-out", err);
        goto out;
    }
    rc = mls_print(json_pack("{s:I, s:s, s:I}", "epoch", (json_int_t)sr_mls_group_epoch(st->g),
                             "wire_format", p->private_message ? "private" : "public",
                             "members_added", (json_int_t)p->add_count));
out:
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&w);
    return rc;
}

int mls_cmd_add(struct mls_opts *o)
{
    struct sr_buf kps[MLS_MAX_MULTI];
    struct sr_slice add[MLS_MAX_MULTI];
    struct mls_state st = { 0 };
    size_t n = 0;
    int rc = MLS_EXIT_FAIL;
    sr_err err;
    for (; n < o->n_keypackages; n++) {
        if ((err = mls_read_file(o->keypackages[n], 0, &kps[n])) != SR_OK) {
            char what[512];
            (void)snprintf(what, sizeof(what), "cannot read --keypackage %s", o->keypackages[n]);
            rc = mls_fail(o, what, err);
            goto out;
        }
        add[n] = sr_buf_slice(&kps[n]);
    }
    if ((err = mls_state_load(o->dir, &st)) != SR_OK) {
        rc = mls_fail(o, "cannot load the state", err);
        goto out;
    }
    struct sr_mls_commit_params p = {
        .add = add,
        .add_count = n,
        .private_message = !o->public_msg,
        .ratchet_tree = !o->no_tree_ext,
    };
    rc = commit_and_write(o, &st, &p);
out:
    for (size_t i = 0; i < n; i++) {
        sr_buf_cleanup(&kps[i]);
    }
    mls_state_cleanup(&st);
    return rc;
}

int mls_cmd_commit(struct mls_opts *o)
{
    struct mls_state st = { 0 };
    sr_err err = mls_state_load(o->dir, &st);
    if (err != SR_OK) {
        return mls_fail(o, "cannot load the state", err);
    }
    struct sr_mls_commit_params p = {
        .remove = o->removes,
        .remove_count = o->n_removes,
        .path = true,
        .private_message = !o->public_msg,
    };
    int rc = commit_and_write(o, &st, &p);
    mls_state_cleanup(&st);
    return rc;
}

/* The JSON line for a processed message. */
static int print_processed(const struct mls_state *st, const struct sr_mls_processed *pr)
{
    json_t *j = NULL;
    switch (pr->kind) {
    case SR_MLS_PROCESSED_APPLICATION: {
        json_t *text = mls_text_or_null(pr->data.p, pr->data.len);
        j = json_pack("{s:s, s:I, s:I, s:I}", "kind", "application", "epoch", (json_int_t)pr->epoch,
                      "sender", (json_int_t)pr->sender, "length", (json_int_t)pr->data.len);
        if (j != NULL && text != NULL) {
            json_object_set_new(j, "text", text);
        } else if (j != NULL) {
            json_object_set_new(j, "hex", mls_hex(pr->data.p, pr->data.len));
        } else {
            json_decref(text);
        }
        break;
    }
    case SR_MLS_PROCESSED_PROPOSAL:
    case SR_MLS_PROCESSED_COMMIT:
    case SR_MLS_PROCESSED_REMOVED:
        j = json_pack("{s:s, s:s, s:I, s:I, s:b}", "kind", "handshake", "content",
                      pr->kind == SR_MLS_PROCESSED_PROPOSAL ? "proposal" : "commit", "epoch",
                      (json_int_t)sr_mls_group_epoch(st->g), "sender", (json_int_t)pr->sender,
                      "removed", pr->kind == SR_MLS_PROCESSED_REMOVED);
        break;
    default:
        break;
    }
    return mls_print(j);
}

int mls_cmd_process(struct mls_opts *o)
{
    struct sr_buf msg;
    struct mls_state st = { 0 };
    struct sr_mls_processed pr = { 0 };
    int rc = MLS_EXIT_FAIL;
    sr_err err = mls_read_file(o->in, 0, &msg);
    if (err != SR_OK) {
        return mls_fail(o, "cannot read --in", err);
    }
    if ((err = mls_state_load(o->dir, &st)) != SR_OK) {
        rc = mls_fail(o, "cannot load the state", err);
        goto out;
    }
    if ((err = sr_mls_group_process(st.g, sr_buf_slice(&msg), &pr)) != SR_OK) {
        rc = mls_fail(o, "message refused", err);
        goto out;
    }
    if (pr.kind != SR_MLS_PROCESSED_APPLICATION && (err = mls_state_save(o->dir, &st)) != SR_OK) {
        rc = mls_fail(o, "cannot save the state", err);
        goto out;
    }
    if (pr.kind == SR_MLS_PROCESSED_APPLICATION && o->out != NULL &&
        (err = mls_write_file(o->out, sr_buf_slice(&pr.data), 0600)) != SR_OK) {
        rc = mls_fail(o, "cannot write --out", err);
        goto out;
    }
    rc = print_processed(&st, &pr);
out:
    sr_mls_processed_cleanup(&pr);
    mls_state_cleanup(&st);
    sr_buf_cleanup(&msg);
    return rc;
}
