/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom mls keypackage | create | join | external-join`: how a member comes to be in a
 * group. KeyPackages keep their private bundle in the state directory until a Welcome for
 * them arrives; create and external-join make a fresh KeyPackage of their own for the leaf.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/rand.h"
#include "mls_cli.h"

#define MLS_DEFAULT_SUITE 1u
#define WIRE_GROUP_INFO   4u /* RFC 9420 §6: WireFormat mls_group_info */

static uint16_t suite_of(const struct mls_opts *o)
{
    return (uint16_t)(o->suite != 0 ? o->suite : MLS_DEFAULT_SUITE);
}

static uint64_t now_s(void)
{
    time_t t = time(NULL);
    return t > 0 ? (uint64_t)t : 0;
}

/* --identity, or --cert with --key: exactly one credential. 0 or MLS_EXIT_USAGE. */
static int check_credential_opts(const struct mls_opts *o)
{
    const char *why = NULL;
    if ((o->cert != NULL) != (o->key != NULL)) {
        why = "--cert and --key go together";
    } else if (o->cert != NULL && o->identity != NULL) {
        why = "--identity and --cert exclude each other (the certificate names the member)";
    } else if (o->cert == NULL && o->identity == NULL) {
        why = "--identity (or --cert with --key) is required";
    }
    if (why != NULL) {
        fprintf(stderr, "sealroom mls %s: %s\n", o->cmd, why);
        return MLS_EXIT_USAGE;
    }
    return 0;
}

/*
 * A fresh KeyPackage: a basic credential of `o->identity`, or the X.509 chain of --cert. The
 * bundle goes to `priv` (a wiping buffer), the member's display identity to `identity`.
 * 0 or the exit status of a failure already reported.
 */
static int new_key_package(const struct mls_opts *o, uint16_t suite, struct sr_buf *kp,
                           struct sr_buf *priv, char *identity, size_t cap)
{
    sr_buf_init(kp, 0, 0);
    sr_buf_init(priv, 0, SR_BUF_WIPE);
    if (o->cert != NULL) {
        return mls_x509_key_package(o, suite, now_s(), kp, priv, identity, cap);
    }
    snprintf(identity, cap, "%s", o->identity);
    sr_err err = sr_mls_key_package_new(suite, sr_slice_of(o->identity, strlen(o->identity)),
                                        now_s(), kp, priv);
    return err == SR_OK ? 0 : mls_fail(o, "cannot create the KeyPackage", err);
}

/* The trust of a new member from its options: `*saved` to keep, `*trust` to use. */
static int new_trust(const struct mls_opts *o, json_t **saved, struct sr_mls_trust **trust)
{
    *trust = NULL;
    int rc = mls_trust_from_opts(o, saved);
    if (rc != 0 || *saved == NULL) {
        return rc;
    }
    sr_err err = mls_trust_build(*saved, trust);
    return err == SR_OK ? 0
                        : mls_fail(o, "a --ca-internal/--ca-external certificate is unusable", err);
}

/* Why a join failed, for the errors the member's credential checks give. */
static const char *join_failure(sr_err err, const char *dflt)
{
    switch (err) {
    case SR_ERR_DENIED:
        return "a member's credential is refused (expired, or unverified under "
               "--require-verified)";
    case SR_ERR_INVALID:
        return "the group is invalid (a member's certificate may not match its key)";
    default:
        return dflt;
    }
}

/* A new group can only go to a directory that has none. */
static int prepare_new_member(const struct mls_opts *o)
{
    sr_err err = mls_dir_prepare(o->dir);
    if (err != SR_OK) {
        return mls_fail(o, "cannot create the state directory", err);
    }
    if (mls_group_exists(o->dir)) {
        return mls_fail(o, "the directory already holds a group", SR_ERR_EXISTS);
    }
    return 0;
}

int mls_cmd_keypackage(struct mls_opts *o)
{
    struct sr_buf kp, priv;
    char name[64], identity[SR_MLS_IDENTITY_TEXT_MAX] = { 0 };
    int rc = check_credential_opts(o);
    if (rc != 0) {
        return rc;
    }
    sr_err err = mls_dir_prepare(o->dir);
    if (err != SR_OK) {
        return mls_fail(o, "cannot create the state directory", err);
    }
    if ((rc = new_key_package(o, suite_of(o), &kp, &priv, identity, sizeof(identity))) != 0) {
        goto out;
    }
    rc = MLS_EXIT_FAIL;
    if ((err = mls_identity_save(o->dir, identity)) != SR_OK ||
        (err = mls_bundle_save(o->dir, sr_buf_slice(&priv), name, sizeof(name))) != SR_OK) {
        rc = mls_fail(o, "cannot save the private bundle", err);
        goto out;
    }
    if ((err = mls_write_file(o->out, sr_buf_slice(&kp), 0644)) != SR_OK) {
        rc = mls_fail(o, "cannot write --out", err);
        goto out;
    }
    rc = mls_print(json_pack("{s:i, s:s, s:s, s:s}", "suite", (int)suite_of(o), "bundle", name,
                             "credential", o->cert != NULL ? "x509" : "basic", "identity",
                             identity));
out:
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    return rc;
}

int mls_cmd_create(struct mls_opts *o)
{
    struct sr_buf kp, priv, gid;
    struct mls_state st = { 0 };
    json_t *saved = NULL;
    uint8_t rnd[16];
    char identity[SR_MLS_IDENTITY_TEXT_MAX] = { 0 };
    int rc = check_credential_opts(o);
    if (rc != 0 || (rc = prepare_new_member(o)) != 0) {
        return rc;
    }
    sr_buf_init(&gid, 0, 0);
    sr_buf_init(&kp, 0, 0);
    sr_buf_init(&priv, 0, SR_BUF_WIPE);
    if ((rc = new_trust(o, &saved, &st.trust)) != 0 ||
        (rc = new_key_package(o, suite_of(o), &kp, &priv, identity, sizeof(identity))) != 0) {
        goto out;
    }
    rc = MLS_EXIT_FAIL;
    sr_err err = SR_OK;
    if (o->group_id != NULL) {
        err = sr_buf_append(&gid, o->group_id, strlen(o->group_id));
    } else if ((err = sr_rand_bytes(rnd, sizeof(rnd))) == SR_OK) {
        err = sr_buf_append(&gid, rnd, sizeof(rnd));
    }
    struct sr_mls_group_create_params cp = {
        .key_package_priv = sr_buf_slice(&priv),
        .group_id = sr_buf_slice(&gid),
    };
    if (err == SR_OK) {
        err = sr_mls_group_create(&cp, &st.g);
    }
    if (err != SR_OK) {
        rc = mls_fail(o, "cannot create the group", err);
        goto out;
    }
    sr_mls_group_set_trust(st.g, st.trust);
    if ((err = mls_identity_save(o->dir, identity)) != SR_OK ||
        (err = mls_trust_save(o->dir, saved)) != SR_OK ||
        (err = mls_state_save(o->dir, &st)) != SR_OK) {
        rc = mls_fail(o, "cannot save the state", err);
        goto out;
    }
    rc = mls_print(json_pack("{s:I, s:i, s:o}", "epoch", (json_int_t)sr_mls_group_epoch(st.g),
                             "suite", (int)sr_mls_group_suite(st.g), "group_id",
                             mls_hex(gid.p, gid.len)));
out:
    json_decref(saved);
    mls_state_cleanup(&st);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&gid);
    return rc;
}

/* Try the Welcome with the pending bundle `name`; SR_ERR_NOT_FOUND when it is not for it. */
static sr_err join_with(const struct mls_opts *o, const char *name, struct sr_slice welcome,
                        struct sr_slice tree, struct mls_state *st)
{
    char path[4096];
    struct sr_buf priv;
    SR_TRY(mls_path(o->dir, name, path, sizeof(path)));
    SR_TRY(mls_read_file(path, SR_BUF_WIPE, &priv));
    struct sr_mls_group_join_params jp = {
        .welcome = welcome,
        .key_package_priv = sr_buf_slice(&priv),
        .ratchet_tree = tree,
        .now = now_s(),
        .trust = st->trust,
    };
    sr_err err = sr_mls_group_join(&jp, &st->g);
    sr_buf_cleanup(&priv);
    return err;
}

/* Find the pending bundle the Welcome is for; `used` receives its name. */
static sr_err join_any(const struct mls_opts *o, struct sr_slice welcome, struct sr_slice tree,
                       struct mls_state *st, char *used, size_t cap)
{
    sr_err err = SR_ERR_NOT_FOUND;
    DIR *d = opendir(o->dir);
    struct dirent *e;
    if (d == NULL) {
        return SR_ERR_NOT_FOUND;
    }
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "kp-", 3) != 0 || n < 8 || n >= cap ||
            strcmp(e->d_name + n - 5, ".priv") != 0) {
            continue;
        }
        err = join_with(o, e->d_name, welcome, tree, st);
        if (err != SR_ERR_NOT_FOUND) {
            memcpy(used, e->d_name, n + 1);
            break;
        }
    }
    closedir(d);
    return err;
}

int mls_cmd_join(struct mls_opts *o)
{
    struct sr_buf w, tree;
    struct mls_state st = { 0 };
    json_t *saved = NULL;
    char used[256] = { 0 }, path[4096];
    int rc = MLS_EXIT_FAIL;
    sr_buf_init(&tree, 0, 0);
    if (mls_group_exists(o->dir)) {
        return mls_fail(o, "the directory already holds a group", SR_ERR_EXISTS);
    }
    sr_err err = mls_read_file(o->welcome, 0, &w);
    if (err != SR_OK) {
        return mls_fail(o, "cannot read --welcome", err);
    }
    if (o->tree != NULL && (err = mls_read_file(o->tree, 0, &tree)) != SR_OK) {
        rc = mls_fail(o, "cannot read --tree", err);
        goto out;
    }
    if ((rc = new_trust(o, &saved, &st.trust)) != 0) {
        goto out;
    }
    rc = MLS_EXIT_FAIL;
    err = join_any(o, sr_buf_slice(&w), sr_buf_slice(&tree), &st, used, sizeof(used));
    if (err == SR_ERR_NOT_FOUND) {
        rc = mls_fail(o, "no KeyPackage of this directory is in the Welcome (or a PSK is missing)",
                      err);
        goto out;
    }
    if (err != SR_OK) {
        rc = mls_fail(o, join_failure(err, "cannot join from the Welcome"), err);
        goto out;
    }
    if ((err = mls_trust_save(o->dir, saved)) != SR_OK ||
        (err = mls_state_save(o->dir, &st)) != SR_OK) {
        rc = mls_fail(o, "cannot save the state", err);
        goto out;
    }
    /* The bundle is used up: its keys now live in the group state. */
    if (mls_path(o->dir, used, path, sizeof(path)) == SR_OK) {
        (void)unlink(path);
    }
    rc = mls_print(json_pack("{s:I, s:I, s:i}", "epoch", (json_int_t)sr_mls_group_epoch(st.g),
                             "own_index", (json_int_t)sr_mls_group_own_leaf(st.g), "suite",
                             (int)sr_mls_group_suite(st.g)));
out:
    json_decref(saved);
    mls_state_cleanup(&st);
    sr_buf_cleanup(&w);
    sr_buf_cleanup(&tree);
    return rc;
}

/* The cipher suite of an MLSMessage(GroupInfo): version, wire_format, then GroupContext
 * (version, cipher_suite) (RFC 9420 §6, §8.1). */
static sr_err group_info_suite(struct sr_slice gi, uint16_t *suite)
{
    SR_CHECK(gi.len >= 8, SR_ERR_DECODE);
    SR_CHECK(((unsigned)gi.p[2] << 8 | gi.p[3]) == WIRE_GROUP_INFO, SR_ERR_DECODE);
    *suite = (uint16_t)((unsigned)gi.p[6] << 8 | gi.p[7]);
    return SR_OK;
}

int mls_cmd_external_join(struct mls_opts *o)
{
    struct sr_buf gi, tree, kp, priv, commit;
    struct mls_state st = { 0 };
    json_t *saved = NULL;
    uint16_t suite = 0;
    char identity[SR_MLS_IDENTITY_TEXT_MAX] = { 0 };
    int rc = check_credential_opts(o);
    if (rc != 0 || (rc = prepare_new_member(o)) != 0) {
        return rc;
    }
    rc = MLS_EXIT_FAIL;
    sr_buf_init(&tree, 0, 0);
    sr_buf_init(&kp, 0, 0);
    sr_buf_init(&priv, 0, SR_BUF_WIPE);
    sr_buf_init(&commit, 0, 0);
    sr_err err = mls_read_file(o->groupinfo, 0, &gi);
    if (err != SR_OK) {
        rc = mls_fail(o, "cannot read --groupinfo", err);
        goto out;
    }
    if (o->tree != NULL && (err = mls_read_file(o->tree, 0, &tree)) != SR_OK) {
        rc = mls_fail(o, "cannot read --tree", err);
        goto out;
    }
    if ((err = group_info_suite(sr_buf_slice(&gi), &suite)) != SR_OK) {
        rc = mls_fail(o, "--groupinfo is not an MLSMessage(GroupInfo)", err);
        goto out;
    }
    if (o->suite != 0 && o->suite != suite) {
        rc = mls_fail(o, "--suite differs from the group's cipher suite", SR_ERR_ARG);
        goto out;
    }
    if ((rc = new_trust(o, &saved, &st.trust)) != 0 ||
        (rc = new_key_package(o, suite, &kp, &priv, identity, sizeof(identity))) != 0) {
        goto out;
    }
    rc = MLS_EXIT_FAIL;
    struct sr_mls_external_join_params jp = {
        .group_info = sr_buf_slice(&gi),
        .key_package_priv = sr_buf_slice(&priv),
        .ratchet_tree = sr_buf_slice(&tree),
        .now = now_s(),
        .trust = st.trust,
    };
    if ((err = sr_mls_group_join_external(&jp, &st.g, &commit)) != SR_OK) {
        rc = mls_fail(o, join_failure(err, "cannot join by external commit"), err);
        goto out;
    }
    if ((err = mls_identity_save(o->dir, identity)) != SR_OK ||
        (err = mls_trust_save(o->dir, saved)) != SR_OK ||
        (err = mls_state_save(o->dir, &st)) != SR_OK) {
        rc = mls_fail(o, "cannot save the state", err);
        goto out;
    }
    if ((err = mls_write_file(o->commit_out, sr_buf_slice(&commit), 0644)) != SR_OK) {
        rc = mls_fail(o, "cannot write --commit-out", err);
        goto out;
    }
    rc = mls_print(json_pack("{s:I, s:I, s:i}", "epoch", (json_int_t)sr_mls_group_epoch(st.g),
                             "own_index", (json_int_t)sr_mls_group_own_leaf(st.g), "suite",
                             (int)suite));
out:
    json_decref(saved);
    mls_state_cleanup(&st);
    sr_buf_cleanup(&gi);
    sr_buf_cleanup(&tree);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&commit);
    return rc;
}
