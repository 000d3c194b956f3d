/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom mls info | tree | groupinfo | encrypt`: reading the current epoch (what every
 * member must agree on), handing out what joiners need, and sending application data.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "mls_cli.h"

#define DEFAULT_EXPORTER_LENGTH 32u

/* One member: index, credential, level under this member's trust, identity (X.509: the
 * email SAN or subject, and the number of certificates; basic: the identity, or identity_hex
 * when it is not printable). */
static json_t *member(const struct sr_mls_group *g, uint32_t i)
{
    struct sr_mls_member_identity id;
    struct sr_buf raw;
    json_t *m = NULL;
    if (sr_mls_group_member_identity(g, i, &id) != SR_OK) {
        return NULL;
    }
    if (id.credential_type == 2) {
        return json_pack("{s:I, s:s, s:s, s:s, s:I}", "index", (json_int_t)i, "credential", "x509",
                         "level", mls_level_name(id.level), "identity", id.identity, "certificates",
                         (json_int_t)id.cert_count);
    }
    sr_buf_init(&raw, 0, 0);
    if (sr_mls_group_member(g, i, &raw) == SR_OK) {
        json_t *text = mls_text_or_null(raw.p, raw.len);
        m = json_pack("{s:I, s:s, s:s, s:o}", "index", (json_int_t)i, "credential", "basic",
                      "level", mls_level_name(id.level), text != NULL ? "identity" : "identity_hex",
                      text != NULL ? text : mls_hex(raw.p, raw.len));
    }
    sr_buf_cleanup(&raw);
    return m;
}

/* [{"index":i,...}...] over the non-blank leaves. */
static json_t *members(const struct sr_mls_group *g)
{
    json_t *arr = json_array();
    uint32_t n = sr_mls_group_leaf_count(g);
    for (uint32_t i = 0; arr != NULL && i < n; i++) {
        struct sr_mls_member_identity id;
        if (sr_mls_group_member_identity(g, i, &id) == SR_ERR_NOT_FOUND) {
            continue; /* a blank leaf */
        }
        json_t *m = member(g, i);
        if (m == NULL || json_array_append_new(arr, m) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* Add "exporter" to `j` when --exporter-label was given. */
static sr_err exporter(const struct mls_opts *o, const struct sr_mls_group *g, json_t *j)
{
    struct sr_buf ctx;
    uint8_t *out = NULL;
    size_t len = o->exp_length != 0 ? o->exp_length : DEFAULT_EXPORTER_LENGTH;
    sr_err err = SR_OK;
    if (o->exp_label == NULL) {
        return SR_OK;
    }
    sr_buf_init(&ctx, 0, 0);
    if (o->exp_context != NULL) {
        SR_TRY(sr_hex_decode(o->exp_context, strlen(o->exp_context), &ctx));
    }
    out = sr_malloc(len);
    if (out == NULL) {
        err = SR_ERR_NOMEM;
        goto out;
    }
    err = sr_mls_group_export(g, sr_slice_of(o->exp_label, strlen(o->exp_label)),
                              sr_buf_slice(&ctx), len, out);
    if (err == SR_OK && json_object_set_new(j, "exporter", mls_hex(out, len)) != 0) {
        err = SR_ERR_NOMEM;
    }
    sr_wipe(out, len);
out:
    sr_free(out);
    sr_buf_cleanup(&ctx);
    return err;
}

int mls_cmd_info(struct mls_opts *o)
{
    struct mls_state st = { 0 };
    struct sr_buf auth, th, gid;
    json_t *j = NULL;
    int rc = MLS_EXIT_FAIL;
    sr_buf_init(&auth, 0, 0);
    sr_buf_init(&th, 0, 0);
    sr_buf_init(&gid, 0, 0);
    sr_err err = mls_state_load(o->dir, &st);
    if (err != SR_OK) {
        rc = mls_fail(o, "cannot load the state", err);
        goto out;
    }
    if ((err = sr_mls_group_epoch_authenticator(st.g, &auth)) != SR_OK ||
        (err = sr_mls_group_tree_hash(st.g, &th)) != SR_OK ||
        (err = sr_mls_group_id(st.g, &gid)) != SR_OK) {
        rc = mls_fail(o, "cannot read the group", err);
        goto out;
    }
    j = json_pack("{s:I, s:o, s:o, s:o, s:I, s:i, s:o, s:b}", "epoch",
                  (json_int_t)sr_mls_group_epoch(st.g), "epoch_authenticator",
                  mls_hex(auth.p, auth.len), "tree_hash", mls_hex(th.p, th.len), "members",
                  members(st.g), "own_index", (json_int_t)sr_mls_group_own_leaf(st.g), "suite",
                  (int)sr_mls_group_suite(st.g), "group_id", mls_hex(gid.p, gid.len), "active",
                  sr_mls_group_active(st.g));
    if (j == NULL) {
        rc = mls_fail(o, "out of memory", SR_ERR_NOMEM);
        goto out;
    }
    if ((err = exporter(o, st.g, j)) != SR_OK) {
        rc = mls_fail(o, err == SR_ERR_DECODE ? "--exporter-context is not hex" : "cannot export",
                      err);
        goto out;
    }
    rc = mls_print(j);
    j = NULL;
out:
    json_decref(j);
    mls_state_cleanup(&st);
    sr_buf_cleanup(&auth);
    sr_buf_cleanup(&th);
    sr_buf_cleanup(&gid);
    return rc;
}

/* Load the state, fill `b` with `what` (tree or GroupInfo) and write it to --out. */
static int write_export(struct mls_opts *o, bool group_info)
{
    struct mls_state st = { 0 };
    struct sr_buf b;
    int rc = MLS_EXIT_FAIL;
    sr_buf_init(&b, 0, 0);
    sr_err err = mls_state_load(o->dir, &st);
    if (err != SR_OK) {
        rc = mls_fail(o, "cannot load the state", err);
        goto out;
    }
    err = group_info ? sr_mls_group_get_group_info(st.g, !o->no_tree_ext, &b)
                     : sr_mls_group_export_tree(st.g, &b);
    if (err != SR_OK) {
        rc = mls_fail(o, group_info ? "cannot make the GroupInfo" : "cannot export the tree", err);
        goto out;
    }
    if ((err = mls_write_file(o->out, sr_buf_slice(&b), 0644)) != SR_OK) {
        rc = mls_fail(o, "cannot write --out", err);
        goto out;
    }
    rc = mls_print(json_pack("{s:I, s:I}", "epoch", (json_int_t)sr_mls_group_epoch(st.g), "bytes",
                             (json_int_t)b.len));
out:
    mls_state_cleanup(&st);
    sr_buf_cleanup(&b);
    return rc;
}

int mls_cmd_tree(struct mls_opts *o)
{
    return write_export(o, false);
}

int mls_cmd_groupinfo(struct mls_opts *o)
{
    return write_export(o, true);
}

int mls_cmd_encrypt(struct mls_opts *o)
{
    struct mls_state st = { 0 };
    struct sr_buf data, ct;
    int rc = MLS_EXIT_FAIL;
    sr_err err = SR_OK;
    sr_buf_init(&data, 0, SR_BUF_WIPE);
    sr_buf_init(&ct, 0, 0);
    if ((o->text == NULL) == (o->in == NULL)) {
        fprintf(stderr, "sealroom mls encrypt: give exactly one of --text and --in\n");
        return MLS_EXIT_USAGE;
    }
    if (o->text != NULL) {
        err = sr_buf_append(&data, o->text, strlen(o->text));
    } else {
        err = mls_read_file(o->in, SR_BUF_WIPE, &data);
    }
    if (err != SR_OK) {
        rc = mls_fail(o, "cannot read the plaintext", err);
        goto out;
    }
    if ((err = mls_state_load(o->dir, &st)) != SR_OK) {
        rc = mls_fail(o, "cannot load the state", err);
        goto out;
    }
    if ((err = sr_mls_group_protect(st.g, sr_slice_of(NULL, 0), sr_buf_slice(&data), &ct)) !=
        SR_OK) {
        rc = mls_fail(o, "cannot encrypt", err);
        goto out;
    }
    /* Save the generation as used before the message can leave. */
    if ((err = mls_state_save(o->dir, &st)) != SR_OK) {
        rc = mls_fail(o, "cannot save the state", err);
        goto out;
    }
    if ((err = mls_write_file(o->out, sr_buf_slice(&ct), 0644)) != SR_OK) {
        rc = mls_fail(o, "cannot write --out", err);
        goto out;
    }
    rc = mls_print(json_pack("{s:I, s:I, s:I}", "epoch", (json_int_t)sr_mls_group_epoch(st.g),
                             "sender", (json_int_t)sr_mls_group_own_leaf(st.g), "bytes",
                             (json_int_t)ct.len));
out:
    mls_state_cleanup(&st);
    sr_buf_cleanup(&data);
    sr_buf_cleanup(&ct);
    return rc;
}
