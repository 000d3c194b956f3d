/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 message-protection.json (test-vectors.md "Message Protection"): for the proposal,
 * the commit and the application data of each suite, unprotect the given PublicMessage and
 * PrivateMessage, then protect the raw value ourselves and unprotect the result again. The
 * sender is leaf 1 of a two-leaf group; a PublicMessage of application data must be refused.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mls/protect.h"
#include "mls/wire_group_context.h"
#include "vectors.h"

struct fixture {
    const struct sr_suite *suite;
    struct sr_buf f[12]; /* the hex fields below, decoded */
    struct sr_buf gc;
    uint64_t epoch;
};

enum {
    GROUP_ID,
    TREE_HASH,
    CTH,
    SIG_PRIV,
    SIG_PUB,
    ENC_SECRET,
    SD_SECRET,
    MEMBERSHIP,
    PROPOSAL,
    COMMIT,
    APPLICATION,
    N_FIELDS
};
static const char *const names[N_FIELDS] = { "group_id",
                                             "tree_hash",
                                             "confirmed_transcript_hash",
                                             "signature_priv",
                                             "signature_pub",
                                             "encryption_secret",
                                             "sender_data_secret",
                                             "membership_key",
                                             "proposal",
                                             "commit",
                                             "application" };

/* Leaf 1 signs everything; leaf 0 is someone we know nothing about. */
static sr_err sig_key(void *arg, const struct sr_mls_sender *sender,
                      const struct sr_mls_framed_content *content, struct sr_slice *pub)
{
    (void)content;
    const struct fixture *fx = arg;
    if (sender->type != SR_MLS_SENDER_MEMBER || sender->index != 1) {
        return SR_ERR_NOT_FOUND;
    }
    *pub = sr_buf_slice(&fx->f[SIG_PUB]);
    return SR_OK;
}

/* A context as leaf `own` over a fresh secret tree (returned in `tree`). */
static sr_err make_ctx(struct fixture *fx, uint32_t own, struct sr_mls_secret_tree **tree,
                       struct sr_mls_protect_ctx **ctx)
{
    SR_TRY(sr_mls_secret_tree_new(fx->suite, sr_buf_slice(&fx->f[ENC_SECRET]), 2, NULL, tree));
    struct sr_mls_protect_params p = {
        .suite = fx->suite,
        .group_context = sr_buf_slice(&fx->gc),
        .membership_key = sr_buf_slice(&fx->f[MEMBERSHIP]),
        .sender_data_secret = sr_buf_slice(&fx->f[SD_SECRET]),
        .secret_tree = *tree,
        .n_leaves = 2,
        .own_leaf = own,
        .signature_priv = own == 1 ? sr_buf_slice(&fx->f[SIG_PRIV]) : sr_slice_of(NULL, 0),
        .signature_key = sig_key,
        .signature_key_arg = fx,
    };
    return sr_mls_protect_ctx_new(&p, ctx);
}

/* The raw body of `fc` re-encoded equals the vector's raw value. */
static bool body_matches(const struct sr_mls_framed_content *fc, uint8_t type,
                         const struct sr_buf *want)
{
    struct sr_buf got;
    sr_buf_init(&got, 0, 0);
    sr_err err = SR_ERR_INVALID;
    if (fc->content_type == type && type == SR_MLS_CONTENT_APPLICATION) {
        err = sr_buf_append(&got, fc->application_data.p, fc->application_data.len);
    } else if (fc->content_type == type && type == SR_MLS_CONTENT_PROPOSAL) {
        err = sr_mls_proposal_encode(&fc->proposal, &got);
    } else if (fc->content_type == type) {
        err = sr_mls_commit_encode(&fc->commit, &got);
    }
    bool ok = err == SR_OK && got.len == want->len && memcmp(got.p, want->p, got.len) == 0 &&
              fc->sender.type == SR_MLS_SENDER_MEMBER && fc->sender.index == 1;
    sr_buf_cleanup(&got);
    return ok;
}

/* Unprotect `msg` (public or private) with a fresh receiver and compare the body. */
static bool unprotect_check(struct fixture *fx, struct sr_slice msg, bool private, uint8_t type,
                            const struct sr_buf *want)
{
    struct sr_mls_secret_tree *tree = NULL;
    struct sr_mls_protect_ctx *ctx = NULL;
    struct sr_mls_authenticated_content ac;
    struct sr_buf pt;
    memset(&ac, 0, sizeof(ac));
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    sr_err err = make_ctx(fx, 0, &tree, &ctx);
    if (err == SR_OK) {
        err = private ? sr_mls_private_message_unprotect(ctx, msg, &pt, &ac)
                      : sr_mls_public_message_unprotect(ctx, msg, &ac);
    }
    bool ok = err == SR_OK && body_matches(&ac.content, type, want);
    if (!ok) {
        fprintf(stderr, "  unprotect %s type %u: %s\n", private ? "private" : "public", type,
                sr_err_name(err));
    }
    sr_mls_authenticated_content_cleanup(&ac);
    sr_buf_cleanup(&pt);
    sr_mls_protect_ctx_free(ctx);
    sr_mls_secret_tree_free(tree);
    return ok;
}

/* Sign and protect the raw value as leaf 1; write the MLSMessage into `out`. */
static sr_err protect(struct fixture *fx, uint8_t type, bool private, struct sr_buf *out)
{
    struct sr_mls_secret_tree *tree = NULL;
    struct sr_mls_protect_ctx *ctx = NULL;
    struct sr_mls_framed_content fc = { 0 };
    uint8_t tag[SR_HASH_MAX] = { 0 };
    struct sr_buf sig;
    sr_buf_init(&sig, 0, 0);
    fc.group_id = sr_buf_slice(&fx->f[GROUP_ID]);
    fc.epoch = fx->epoch;
    sr_err err = SR_OK;
    fc.sender = (struct sr_mls_sender){ SR_MLS_SENDER_MEMBER, 1 };
    fc.content_type = type;
    if (err == SR_OK && type == SR_MLS_CONTENT_APPLICATION) {
        fc.application_data = sr_buf_slice(&fx->f[APPLICATION]);
    } else if (err == SR_OK && type == SR_MLS_CONTENT_PROPOSAL) {
        err = sr_mls_proposal_decode(sr_buf_slice(&fx->f[PROPOSAL]), &fc.proposal);
    } else if (err == SR_OK) {
        err = sr_mls_commit_decode(sr_buf_slice(&fx->f[COMMIT]), &fc.commit);
    }
    err = err == SR_OK ? make_ctx(fx, 1, &tree, &ctx) : err;
    uint16_t wf = private ? SR_MLS_WIRE_PRIVATE_MESSAGE : SR_MLS_WIRE_PUBLIC_MESSAGE;
    err = err == SR_OK ? sr_mls_content_sign(ctx, wf, &fc, &sig) : err;
    /* any confirmation tag will do: only the next epoch could check it */
    struct sr_mls_auth_data auth = {
        sr_buf_slice(&sig),
        sr_slice_of(tag, type == SR_MLS_CONTENT_COMMIT ? fx->suite->hash->len : 0)
    };
    if (err == SR_OK) {
        err = private ? sr_mls_private_message_protect(ctx, &fc, &auth, out)
                      : sr_mls_public_message_protect(ctx, &fc, &auth, out);
    }
    sr_mls_framed_content_cleanup(&fc);
    sr_buf_cleanup(&sig);
    sr_mls_protect_ctx_free(ctx);
    sr_mls_secret_tree_free(tree);
    return err;
}

static bool check_kind(struct fixture *fx, const json_t *tc, const char *kind, uint8_t type,
                       int raw)
{
    char key[32];
    bool ok = true;
    struct sr_buf msg;
    sr_buf_init(&msg, 0, 0);
    for (int private = 0; private <= 1; private ++) {
        snprintf(key, sizeof(key), "%s_%s", kind, private ? "priv" : "pub");
        if (sr_vec_hex(tc, key, &msg)) {
            ok &= unprotect_check(fx, sr_buf_slice(&msg), private, type, &fx->f[raw]);
        } else if (type != SR_MLS_CONTENT_APPLICATION || private) {
            ok = false;
        }
        sr_buf_reset(&msg);
        sr_err err = protect(fx, type, private, &msg);
        if (!private && type == SR_MLS_CONTENT_APPLICATION) {
            ok &= err == SR_ERR_INVALID; /* application data is never a PublicMessage */
            continue;
        }
        if (err != SR_OK) {
            fprintf(stderr, "  protect %s: %s\n", key, sr_err_name(err));
        }
        ok &= err == SR_OK && unprotect_check(fx, sr_buf_slice(&msg), private, type, &fx->f[raw]);
    }
    sr_buf_cleanup(&msg);
    return ok;
}

static bool check_case(struct fixture *fx, const json_t *tc)
{
    fx->suite = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    if (fx->suite == NULL) {
        return false;
    }
    for (int i = 0; i < N_FIELDS; i++) {
        if (!sr_vec_hex(tc, names[i], &fx->f[i])) {
            return false;
        }
    }
    fx->epoch = (uint64_t)sr_vec_int(tc, "epoch", 0);
    struct sr_mls_group_context gc = {
        .version = SR_MLS_VERSION_10,
        .cipher_suite = fx->suite->id,
        .group_id = sr_buf_slice(&fx->f[GROUP_ID]),
        .epoch = fx->epoch,
        .tree_hash = sr_buf_slice(&fx->f[TREE_HASH]),
        .confirmed_transcript_hash = sr_buf_slice(&fx->f[CTH]),
        .extensions = sr_slice_of(NULL, 0),
    };
    sr_buf_reset(&fx->gc);
    if (sr_mls_group_context_encode(&gc, &fx->gc) != SR_OK) {
        return false;
    }
    bool ok = check_kind(fx, tc, "proposal", SR_MLS_CONTENT_PROPOSAL, PROPOSAL);
    ok &= check_kind(fx, tc, "commit", SR_MLS_CONTENT_COMMIT, COMMIT);
    ok &= check_kind(fx, tc, "application", SR_MLS_CONTENT_APPLICATION, APPLICATION);
    return ok;
}

int main(void)
{
    json_t *root = sr_vec_load("mls/message-protection.json");
    struct sr_vec_counts counts = { 0 };
    struct fixture fx;
    memset(&fx, 0, sizeof(fx));
    for (int i = 0; i < N_FIELDS; i++) {
        sr_buf_init(&fx.f[i], 0, SR_BUF_WIPE);
    }
    sr_buf_init(&fx.gc, 0, 0);
    for (size_t i = 0; i < json_array_size(root); i++) {
        bool ok = check_case(&fx, json_array_get(root, i));
        if (!ok) {
            fprintf(stderr, "case %zu (suite %lld) failed\n", i,
                    sr_vec_int(json_array_get(root, i), "cipher_suite", 0));
        }
        sr_vec_count(&counts, ok);
    }
    for (int i = 0; i < N_FIELDS; i++) {
        sr_buf_cleanup(&fx.f[i]);
    }
    sr_buf_cleanup(&fx.gc);
    json_decref(root);
    return sr_vec_report("message-protection.json", &counts);
}
