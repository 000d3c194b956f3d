/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 treekem.json (test-vectors.md "TreeKEM"), all seven suites. Per case: each
 * leaf's private state is loaded and checked against the tree; then for every update path
 * the merge is parent-hash valid and gives tree_hash_after, every other member decrypts
 * path_secrets[j] and derives commit_secret; finally the sender creates its own UpdatePath,
 * which every other member processes to the same commit secret and tree hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/dh.h"
#include "mls/treekem.h"
#include "vectors.h"

#define MAX_LEAVES 64

/* Numbers are loaded as strings (epoch may pass 2^63), so integers go through sr_vec_u64. */
static long long num(const json_t *obj, const char *key)
{
    uint64_t v;
    return sr_vec_u64(obj, key, &v) && v <= UINT32_MAX ? (long long)v : -1;
}

struct tk_case {
    const struct sr_suite *suite;
    struct sr_mls_tree tree;
    struct sr_mls_group_context gc;
    struct sr_buf gid, cth;
    struct sr_mls_treekem_priv priv[MAX_LEAVES];
    struct sr_buf sig[MAX_LEAVES];
    bool have[MAX_LEAVES];
};

static bool load_priv(struct tk_case *c, const json_t *lp)
{
    uint32_t leaf = (uint32_t)num(lp, "index");
    struct sr_buf sk, ps;
    uint8_t pub[SR_KEM_PK_MAX];
    sr_buf_init(&sk, 0, SR_BUF_WIPE);
    sr_buf_init(&ps, 0, SR_BUF_WIPE);
    const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(&c->tree, leaf);
    bool ok = leaf < MAX_LEAVES && ln != NULL && sr_vec_hex(lp, "encryption_priv", &sk) &&
              sr_vec_hex(lp, "signature_priv", &c->sig[leaf]) &&
              sr_mls_treekem_priv_init(&c->priv[leaf], leaf, sr_buf_slice(&sk)) == SR_OK &&
              sr_dh_public_from_private(c->suite->kem, sr_buf_slice(&sk), pub) == SR_OK &&
              ln->encryption_key.len == c->suite->kem->pk_len &&
              memcmp(pub, ln->encryption_key.p, ln->encryption_key.len) == 0;
    const json_t *secrets = json_object_get(lp, "path_secrets");
    for (size_t i = 0; ok && i < json_array_size(secrets); i++) {
        const json_t *e = json_array_get(secrets, i);
        /* set_path_secret checks the derived public key against the tree's node */
        ok = sr_vec_hex(e, "path_secret", &ps) &&
             sr_mls_treekem_priv_set_path_secret(&c->priv[leaf], &c->tree, (uint32_t)num(e, "node"),
                                                 sr_buf_slice(&ps), false) == SR_OK;
    }
    c->have[leaf] = ok;
    sr_buf_cleanup(&sk);
    sr_buf_cleanup(&ps);
    return ok;
}

/* Member j processes `path` from `sender` on its own copy of the tree. */
static bool receive(struct tk_case *c, uint32_t j, uint32_t sender,
                    const struct sr_mls_update_path *path, struct sr_mls_treekem_result *r,
                    uint8_t *th)
{
    struct sr_mls_tree t;
    struct sr_mls_treekem_priv p = c->priv[j];
    struct sr_mls_treekem_ctx ctx = { .gc = &c->gc };
    bool ok = sr_mls_tree_copy(&t, &c->tree) == SR_OK &&
              sr_mls_treekem_process(&t, &p, sender, path, &ctx, r) == SR_OK &&
              sr_mls_tree_root_hash(&t, th) == SR_OK;
    sr_mls_tree_cleanup(&t);
    sr_mls_treekem_priv_cleanup(&p);
    return ok;
}

static const struct sr_secret *learned(const struct sr_mls_treekem_result *r)
{
    for (size_t i = 0; i < r->len; i++) {
        if (r->path_secrets[i].len > 0) {
            return &r->path_secrets[i];
        }
    }
    return NULL;
}

static bool check_given(struct tk_case *c, const json_t *up, uint32_t sender,
                        const struct sr_mls_update_path *path)
{
    size_t nh = c->suite->hash->len;
    uint8_t th[SR_HASH_MAX];
    struct sr_mls_tree t;
    /* the public merge alone: parent-hash valid, and the whole merged tree stays valid */
    bool ok = sr_mls_tree_copy(&t, &c->tree) == SR_OK &&
              sr_mls_treekem_merge(&t, sender, path, sr_buf_slice(&c->gid)) == SR_OK &&
              sr_mls_tree_verify_parent_hashes(&t) == SR_OK &&
              sr_mls_tree_root_hash(&t, th) == SR_OK &&
              sr_vec_expect(up, "tree_hash_after", th, nh, "tree hash after merge");
    sr_mls_tree_cleanup(&t);
    const json_t *want = json_object_get(up, "path_secrets");
    for (uint32_t j = 0; ok && j < c->tree.n_leaves && j < MAX_LEAVES; j++) {
        struct sr_mls_treekem_result r = { 0 };
        if (j == sender || !c->have[j]) {
            continue;
        }
        const struct sr_secret *got = NULL;
        ok = receive(c, j, sender, path, &r, th) && (got = learned(&r)) != NULL &&
             sr_vec_expect(up, "commit_secret", r.commit_secret.p, r.commit_secret.len,
                           "commit secret") &&
             sr_vec_expect(up, "tree_hash_after", th, nh, "tree hash after process");
        struct sr_buf ps;
        sr_buf_init(&ps, 0, 0);
        const json_t *w = json_array_get(want, j);
        ok = ok && json_is_string(w) &&
             sr_hex_decode(json_string_value(w), json_string_length(w), &ps) == SR_OK &&
             got != NULL && ps.len == got->len && memcmp(ps.p, got->p, ps.len) == 0;
        if (!ok) {
            fprintf(stderr, "member %u failed on the update path of %u\n", j, sender);
        }
        sr_buf_cleanup(&ps);
        sr_mls_treekem_result_cleanup(&r);
    }
    return ok;
}

/* The sender makes its own UpdatePath; every other member processes it. */
static bool check_own(struct tk_case *c, uint32_t sender)
{
    struct sr_mls_tree t;
    struct sr_mls_treekem_priv p = c->priv[sender];
    struct sr_mls_treekem_ctx ctx = { .gc = &c->gc };
    struct sr_mls_treekem_result mine = { 0 };
    struct sr_mls_update_path path = { 0 };
    struct sr_buf enc;
    uint8_t th[SR_HASH_MAX], th2[SR_HASH_MAX];
    sr_buf_init(&enc, 0, 0);
    bool ok = sr_mls_tree_copy(&t, &c->tree) == SR_OK &&
              sr_mls_treekem_create(&t, &p, sr_mls_tree_get0_leaf(&c->tree, sender),
                                    sr_buf_slice(&c->sig[sender]), &ctx, &enc, &mine) == SR_OK &&
              sr_mls_tree_root_hash(&t, th) == SR_OK &&
              sr_mls_tree_verify_parent_hashes(&t) == SR_OK;
    struct sr_reader rd;
    sr_reader_init(&rd, sr_buf_slice(&enc));
    ok = ok && sr_mls_update_path_read(&rd, &path) == SR_OK && sr_reader_done(&rd) == SR_OK;
    for (uint32_t j = 0; ok && j < c->tree.n_leaves && j < MAX_LEAVES; j++) {
        struct sr_mls_treekem_result r = { 0 };
        if (j == sender || !c->have[j]) {
            continue;
        }
        ok = receive(c, j, sender, &path, &r, th2) &&
             r.commit_secret.len == mine.commit_secret.len &&
             memcmp(r.commit_secret.p, mine.commit_secret.p, r.commit_secret.len) == 0 &&
             memcmp(th, th2, c->suite->hash->len) == 0;
        if (!ok) {
            fprintf(stderr, "member %u failed on the own update path of %u\n", j, sender);
        }
        sr_mls_treekem_result_cleanup(&r);
    }
    sr_mls_update_path_cleanup(&path);
    sr_mls_treekem_result_cleanup(&mine);
    sr_mls_treekem_priv_cleanup(&p);
    sr_mls_tree_cleanup(&t);
    sr_buf_cleanup(&enc);
    return ok;
}

static bool check_update_path(struct tk_case *c, const json_t *up)
{
    uint32_t sender = (uint32_t)num(up, "sender");
    struct sr_buf bytes;
    struct sr_mls_update_path path = { 0 };
    struct sr_reader rd;
    sr_buf_init(&bytes, 0, 0);
    bool ok = sender < MAX_LEAVES && c->have[sender] && sr_vec_hex(up, "update_path", &bytes);
    sr_reader_init(&rd, sr_buf_slice(&bytes));
    ok = ok && sr_mls_update_path_read(&rd, &path) == SR_OK && sr_reader_done(&rd) == SR_OK;
    ok = ok && check_given(c, up, sender, &path) && check_own(c, sender);
    sr_mls_update_path_cleanup(&path);
    sr_buf_cleanup(&bytes);
    return ok;
}

static bool check_case(const json_t *tc)
{
    struct tk_case *c = calloc(1, sizeof(*c));
    struct sr_buf rt;
    uint64_t epoch = 0;
    if (c == NULL) {
        return false;
    }
    c->suite = sr_suite_get((uint16_t)num(tc, "cipher_suite"));
    sr_buf_init(&rt, 0, 0);
    sr_buf_init(&c->gid, 0, 0);
    sr_buf_init(&c->cth, 0, 0);
    sr_mls_tree_init(&c->tree, c->suite);
    bool ok = c->suite != NULL && sr_vec_hex(tc, "ratchet_tree", &rt) &&
              sr_vec_hex(tc, "group_id", &c->gid) &&
              sr_vec_hex(tc, "confirmed_transcript_hash", &c->cth) &&
              sr_vec_u64(tc, "epoch", &epoch) &&
              sr_mls_tree_import(&c->tree, c->suite, sr_buf_slice(&rt)) == SR_OK;
    c->gc = (struct sr_mls_group_context){ .version = 1,
                                           .cipher_suite = c->suite ? c->suite->id : 0,
                                           .group_id = sr_buf_slice(&c->gid),
                                           .epoch = epoch,
                                           .confirmed_transcript_hash = sr_buf_slice(&c->cth) };
    const json_t *lps = json_object_get(tc, "leaves_private");
    for (size_t i = 0; ok && i < json_array_size(lps); i++) {
        ok = load_priv(c, json_array_get(lps, i));
    }
    const json_t *ups = json_object_get(tc, "update_paths");
    for (size_t i = 0; ok && i < json_array_size(ups); i++) {
        ok = check_update_path(c, json_array_get(ups, i));
    }
    for (size_t i = 0; i < MAX_LEAVES; i++) {
        sr_mls_treekem_priv_cleanup(&c->priv[i]);
        sr_buf_cleanup(&c->sig[i]);
    }
    sr_mls_tree_cleanup(&c->tree);
    sr_buf_cleanup(&rt);
    sr_buf_cleanup(&c->gid);
    sr_buf_cleanup(&c->cth);
    free(c);
    return ok;
}

int main(void)
{
    json_t *root = sr_vec_load_ex("mls/treekem.json", SR_VEC_NUMBERS_AS_STRINGS);
    struct sr_vec_counts counts = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        bool ok = check_case(json_array_get(root, i));
        if (!ok) {
            fprintf(stderr, "case %zu failed\n", i);
        }
        sr_vec_count(&counts, ok);
    }
    json_decref(root);
    return sr_vec_report("treekem.json", &counts);
}
