/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TreeKEM (RFC 9420 §7.4-7.6): rounds of commits where every member derives the committer's
 * commit secret and tree, joiners excluded from the resolution and keyed from a Welcome path
 * secret, every byte of an UpdatePath flipped (rejected with tree and private state
 * unchanged), misuse, and each allocation failing in create and process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "crypto/ct.h"
#include "crypto/labels.h"
#include "crypto/sig.h"
#include "hpke/hpke.h"
#include "mls/treekem.h"
#include "testutil.h"

#define MAXM 16

static const uint8_t versions[] = { 0, 1 }, suites[] = { 0, 1 };
static const struct sr_slice gid = { (const uint8_t *)"treekem-test", 12 };

struct member {
    struct sr_secret sig_sk;
    struct sr_buf sig_pk;
    struct sr_secret enc_sk;
    uint8_t enc_pk[SR_KEM_PK_MAX];
    char id[24];
    struct sr_buf sig;
    struct sr_mls_leaf_node leaf;
};

struct group {
    const struct sr_suite *suite;
    struct sr_mls_tree tree;
    struct member m[MAXM];
    struct sr_mls_treekem_priv priv[MAXM];
    bool in[MAXM];
    struct sr_mls_group_context gc;
};

static void member_make(const struct sr_suite *suite, struct member *m, unsigned n)
{
    struct sr_buf tbs;
    memset(m, 0, sizeof(*m));
    sr_buf_init(&tbs, 0, 0);
    assert_int_equal(sr_sig_generate(suite->sig, &m->sig_sk, &m->sig_pk), SR_OK);
    assert_int_equal(sr_hpke_generate_key_pair(suite->kem, &m->enc_sk, m->enc_pk), SR_OK);
    snprintf(m->id, sizeof(m->id), "member-%u", n);
    m->leaf.encryption_key = sr_slice_of(m->enc_pk, suite->kem->pk_len);
    m->leaf.signature_key = sr_buf_slice(&m->sig_pk);
    m->leaf.credential.type = SR_MLS_CREDENTIAL_BASIC;
    m->leaf.credential.identity = sr_slice_of(m->id, strlen(m->id));
    m->leaf.capabilities.versions = sr_slice_of(versions, 2);
    m->leaf.capabilities.cipher_suites = sr_slice_of(suites, 2);
    m->leaf.source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
    m->leaf.lifetime.not_after = UINT64_MAX;
    assert_int_equal(sr_mls_leaf_node_tbs_encode(&m->leaf, gid, 0, &tbs), SR_OK);
    assert_int_equal(sr_mls_sign_with_label(suite, sr_secret_slice(&m->sig_sk), "LeafNodeTBS",
                                            sr_buf_slice(&tbs), &m->sig),
                     SR_OK);
    m->leaf.signature = sr_buf_slice(&m->sig);
    sr_buf_cleanup(&tbs);
}

/* Add member slot `i` to the tree (it must land at leaf i) with a fresh private state. */
static void group_add(struct group *g, uint32_t i)
{
    uint32_t leaf = 0;
    member_make(g->suite, &g->m[i], i);
    assert_int_equal(sr_mls_tree_add_leaf(&g->tree, &g->m[i].leaf, &leaf), SR_OK);
    assert_int_equal(leaf, i);
    assert_int_equal(sr_mls_treekem_priv_init(&g->priv[i], i, sr_secret_slice(&g->m[i].enc_sk)),
                     SR_OK);
    g->in[i] = true;
}

static void group_init(struct group *g, const struct sr_suite *suite, uint32_t n)
{
    memset(g, 0, sizeof(*g));
    g->suite = suite;
    g->gc = (struct sr_mls_group_context){
        .version = 1, .cipher_suite = suite->id, .group_id = gid, .epoch = 7
    };
    sr_mls_tree_init(&g->tree, suite);
    for (uint32_t i = 0; i < n; i++) {
        group_add(g, i);
    }
}

static void group_free(struct group *g)
{
    for (unsigned i = 0; i < MAXM; i++) {
        sr_buf_cleanup(&g->m[i].sig_pk);
        sr_buf_cleanup(&g->m[i].sig);
        sr_mls_treekem_priv_cleanup(&g->priv[i]);
    }
    sr_mls_tree_cleanup(&g->tree);
}

/* Committer `c` creates a path (new members in `excl`); every other member processes it. */
static void group_commit(struct group *g, uint32_t c, const uint32_t *excl, size_t n_excl,
                         struct sr_mls_treekem_result *res)
{
    struct sr_mls_tree pre;
    struct sr_mls_treekem_ctx ctx = { .gc = &g->gc, .excluded = excl, .n_excluded = n_excl };
    struct sr_mls_update_path path = { 0 };
    struct sr_buf up;
    struct sr_reader rd;
    uint8_t th[SR_HASH_MAX], th2[SR_HASH_MAX];
    sr_buf_init(&up, 0, 0);
    assert_int_equal(sr_mls_tree_copy(&pre, &g->tree), SR_OK);
    assert_int_equal(sr_mls_treekem_create(&g->tree, &g->priv[c],
                                           sr_mls_tree_get0_leaf(&g->tree, c),
                                           sr_secret_slice(&g->m[c].sig_sk), &ctx, &up, res),
                     SR_OK);
    assert_int_equal(sr_mls_tree_root_hash(&g->tree, th), SR_OK);
    sr_reader_init(&rd, sr_buf_slice(&up));
    assert_int_equal(sr_mls_update_path_read(&rd, &path), SR_OK);
    for (uint32_t j = 0; j < MAXM; j++) {
        bool joiner = false;
        for (size_t k = 0; k < n_excl; k++) {
            joiner = joiner || excl[k] == j;
        }
        if (!g->in[j] || j == c || joiner) {
            continue;
        }
        struct sr_mls_tree t;
        struct sr_mls_treekem_result r = { 0 };
        assert_int_equal(sr_mls_tree_copy(&t, &pre), SR_OK);
        assert_int_equal(sr_mls_treekem_process(&t, &g->priv[j], c, &path, &ctx, &r), SR_OK);
        assert_int_equal(r.commit_secret.len, res->commit_secret.len);
        assert_true(sr_ct_equal(r.commit_secret.p, res->commit_secret.p, r.commit_secret.len));
        assert_int_equal(sr_mls_tree_root_hash(&t, th2), SR_OK);
        assert_memory_equal(th, th2, g->suite->hash->len);
        sr_mls_treekem_result_cleanup(&r);
        sr_mls_tree_cleanup(&t);
    }
    sr_mls_update_path_cleanup(&path);
    sr_mls_tree_cleanup(&pre);
    sr_buf_cleanup(&up);
}

static void commit_rounds(void **state)
{
    (void)state;
    struct group g;
    struct sr_mls_treekem_result res = { 0 };
    group_init(&g, sr_suite_get(1), 7);
    const uint32_t order[] = { 0, 3, 6, 1, 4, 2, 5, 0 };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        group_commit(&g, order[i], NULL, 0, &res);
        sr_mls_treekem_result_cleanup(&res);
    }
    /* a removal blanks a path; commits still reach everyone */
    assert_int_equal(sr_mls_tree_remove_leaf(&g.tree, 2), SR_OK);
    g.in[2] = false;
    for (uint32_t j = 0; j < 7; j++) {
        sr_mls_treekem_priv_prune(&g.priv[j], &g.tree);
    }
    group_commit(&g, 5, NULL, 0, &res);
    sr_mls_treekem_result_cleanup(&res);
    /* a joiner takes the blank leaf 2: excluded from the path, then keyed from the path
     * secret of the lowest common ancestor with the committer (§12.4.3.1) */
    sr_buf_cleanup(&g.m[2].sig_pk);
    sr_buf_cleanup(&g.m[2].sig);
    group_add(&g, 2);
    const uint32_t joiner = 2;
    group_commit(&g, 6, &joiner, 1, &res);
    uint32_t anc = 0;
    assert_int_equal(sr_mls_tree_common_ancestor(4, 12, g.tree.n_leaves, &anc), SR_OK);
    const struct sr_secret *ps = sr_mls_treekem_result_path_secret(&res, anc);
    assert_non_null(ps);
    assert_int_equal(sr_mls_treekem_priv_set_path_secret(&g.priv[2], &g.tree, anc,
                                                         sr_secret_slice(ps), true),
                     SR_OK);
    assert_non_null(sr_mls_treekem_priv_key(&g.priv[2], 7)); /* the root */
    sr_mls_treekem_result_cleanup(&res);
    /* the joiner now follows and makes commits like everyone else */
    group_commit(&g, 0, NULL, 0, &res);
    sr_mls_treekem_result_cleanup(&res);
    group_commit(&g, 2, NULL, 0, &res);
    sr_mls_treekem_result_cleanup(&res);
    uint8_t th[SR_HASH_MAX];
    assert_int_equal(sr_mls_tree_root_hash(&g.tree, th), SR_OK);
    assert_int_equal(sr_mls_tree_validate(&g.tree, gid, sr_slice_of(th, 32), 0), SR_OK);
    group_free(&g);
}

/* Export of a tree, for "unchanged" checks. */
static void snapshot(const struct sr_mls_tree *t, struct sr_buf *b)
{
    sr_buf_reset(b);
    assert_int_equal(sr_mls_tree_export(t, b), SR_OK);
}

static void flipped_bytes_rejected(void **state)
{
    (void)state;
    struct group g;
    struct sr_mls_treekem_result res = { 0 };
    struct sr_mls_treekem_ctx ctx;
    struct sr_buf up, before, after;
    group_init(&g, sr_suite_get(1), 5);
    group_commit(&g, 0, NULL, 0, &res);
    sr_mls_treekem_result_cleanup(&res);
    group_commit(&g, 4, NULL, 0, &res); /* leaves 5..7 blank, 4's path set */
    sr_mls_treekem_result_cleanup(&res);
    ctx = (struct sr_mls_treekem_ctx){ .gc = &g.gc };
    sr_buf_init(&up, 0, 0);
    sr_buf_init(&before, 0, 0);
    sr_buf_init(&after, 0, 0);
    struct sr_mls_tree made;
    struct sr_mls_treekem_priv cp = g.priv[1];
    assert_int_equal(sr_mls_tree_copy(&made, &g.tree), SR_OK);
    assert_int_equal(sr_mls_treekem_create(&made, &cp, sr_mls_tree_get0_leaf(&g.tree, 1),
                                           sr_secret_slice(&g.m[1].sig_sk), &ctx, &up, &res),
                     SR_OK);
    sr_mls_tree_cleanup(&made);
    sr_mls_treekem_result_cleanup(&res);
    snapshot(&g.tree, &before);
    unsigned decode_rejects = 0, process_rejects = 0;
    for (size_t pos = 0; pos < up.len; pos++) {
        up.p[pos] ^= 0x01;
        struct sr_mls_update_path path = { 0 };
        struct sr_reader rd;
        sr_reader_init(&rd, sr_buf_slice(&up));
        if (sr_mls_update_path_read(&rd, &path) != SR_OK || sr_reader_done(&rd) != SR_OK) {
            decode_rejects++;
            sr_mls_update_path_cleanup(&path);
            up.p[pos] ^= 0x01;
            continue;
        }
        unsigned rejected = 0;
        for (uint32_t j = 0; j < 5; j++) {
            if (j == 1) {
                continue;
            }
            struct sr_mls_treekem_priv p;
            struct sr_mls_tree t;
            memcpy(&p, &g.priv[j], sizeof(p));
            assert_int_equal(sr_mls_tree_copy(&t, &g.tree), SR_OK);
            sr_err err = sr_mls_treekem_process(&t, &p, 1, &path, &ctx, &res);
            sr_mls_treekem_result_cleanup(&res);
            if (err != SR_OK) {
                rejected++;
                assert_true(err == SR_ERR_AUTH || err == SR_ERR_INVALID);
                snapshot(&t, &after);
                assert_int_equal(after.len, before.len);
                assert_memory_equal(after.p, before.p, after.len);
                assert_true(sr_ct_equal(&p, &g.priv[j], sizeof(p)));
                for (uint32_t x = 0; x < sr_mls_tree_width(&t); x++) {
                    if (!sr_mls_tree_node_blank(&t, x)) {
                        assert_int_equal(t.nodes[x].enc_fp,
                                         sr_mls_tree_key_fp(sr_mls_tree_node_key(&t, x)));
                    }
                }
                /* the restored cache must still be right */
                uint8_t a[SR_HASH_MAX], b[SR_HASH_MAX];
                assert_int_equal(sr_mls_tree_root_hash(&t, a), SR_OK);
                assert_int_equal(sr_mls_tree_hash_uncached(&t, 7, b), SR_OK);
                assert_memory_equal(a, b, 32);
            }
            sr_mls_treekem_priv_cleanup(&p);
            sr_mls_tree_cleanup(&t);
        }
        /* everyone checks the leaf, keys and parent hashes; a ciphertext is checked by the
         * members who decrypt it, so some member always rejects */
        assert_true(rejected > 0);
        process_rejects++;
        sr_mls_update_path_cleanup(&path);
        up.p[pos] ^= 0x01;
    }
    assert_int_equal(decode_rejects + process_rejects, up.len);
    sr_buf_cleanup(&up);
    sr_buf_cleanup(&before);
    sr_buf_cleanup(&after);
    group_free(&g);
}

static void misuse(void **state)
{
    (void)state;
    struct group g;
    struct sr_mls_treekem_result res = { 0 };
    struct sr_mls_treekem_ctx ctx;
    struct sr_mls_update_path path = { 0 };
    struct sr_buf up;
    struct sr_reader rd;
    group_init(&g, sr_suite_get(1), 4);
    group_commit(&g, 0, NULL, 0, &res);
    sr_mls_treekem_result_cleanup(&res);
    ctx = (struct sr_mls_treekem_ctx){ .gc = &g.gc };
    sr_buf_init(&up, 0, 0);
    struct sr_mls_tree made, t;
    struct sr_mls_treekem_priv cp = g.priv[3];
    assert_int_equal(sr_mls_tree_copy(&made, &g.tree), SR_OK);
    assert_int_equal(sr_mls_treekem_create(&made, &cp, sr_mls_tree_get0_leaf(&g.tree, 3),
                                           sr_secret_slice(&g.m[3].sig_sk), &ctx, &up, &res),
                     SR_OK);
    sr_mls_treekem_result_cleanup(&res);
    sr_reader_init(&rd, sr_buf_slice(&up));
    assert_int_equal(sr_mls_update_path_read(&rd, &path), SR_OK);
    assert_int_equal(sr_mls_tree_copy(&t, &g.tree), SR_OK);
    /* one's own path, another sender's position, a blank sender */
    assert_int_equal(sr_mls_treekem_process(&t, &g.priv[3], 3, &path, &ctx, &res), SR_ERR_ARG);
    /* from 2, the leaf reuses 3's signature key (§7.3) and signs the wrong index */
    assert_int_equal(sr_mls_treekem_process(&t, &g.priv[0], 2, &path, &ctx, &res), SR_ERR_INVALID);
    assert_int_equal(sr_mls_tree_remove_leaf(&t, 3), SR_OK);
    assert_int_equal(sr_mls_treekem_process(&t, &g.priv[0], 3, &path, &ctx, &res), SR_ERR_INVALID);
    sr_mls_tree_cleanup(&t);
    /* another epoch in the GroupContext: the HPKE open fails (§7.6 context binding) */
    struct sr_mls_group_context other = g.gc;
    other.epoch++;
    struct sr_mls_treekem_ctx octx = { .gc = &other };
    assert_int_equal(sr_mls_tree_copy(&t, &g.tree), SR_OK);
    assert_int_equal(sr_mls_treekem_process(&t, &g.priv[0], 3, &path, &octx, &res), SR_ERR_AUTH);
    /* a joiner listed as excluded changes the expected ciphertext counts */
    const uint32_t ex = 2;
    struct sr_mls_treekem_ctx ectx = { .gc = &g.gc, .excluded = &ex, .n_excluded = 1 };
    assert_int_equal(sr_mls_treekem_process(&t, &g.priv[0], 3, &path, &ectx, &res), SR_ERR_INVALID);
    assert_int_equal(sr_mls_treekem_process(&t, &g.priv[0], 3, &path, &ctx, &res), SR_OK);
    sr_mls_treekem_result_cleanup(&res);
    sr_mls_tree_cleanup(&t);
    sr_mls_tree_cleanup(&made);
    sr_mls_update_path_cleanup(&path);
    sr_buf_cleanup(&up);
    group_free(&g);
}

struct alloc_op {
    struct group *g;
    struct sr_mls_tree t;
    struct sr_mls_treekem_priv p;
    struct sr_mls_update_path *path;
    struct sr_buf before, up;
    bool create;
};

static sr_err alloc_run(void *arg)
{
    struct alloc_op *op = arg;
    struct sr_mls_treekem_result res = { 0 };
    struct sr_mls_treekem_ctx ctx = { .gc = &op->g->gc };
    sr_err err;
    if (op->create) {
        err = sr_mls_treekem_create(&op->t, &op->p, sr_mls_tree_get0_leaf(&op->g->tree, 1),
                                    sr_secret_slice(&op->g->m[1].sig_sk), &ctx, &op->up, &res);
    } else {
        err = sr_mls_treekem_process(&op->t, &op->p, 1, op->path, &ctx, &res);
    }
    sr_mls_treekem_result_cleanup(&res);
    return err;
}

static void alloc_reset(void *arg)
{
    struct alloc_op *op = arg;
    struct sr_buf now;
    sr_buf_init(&now, 0, 0);
    snapshot(&op->t, &now);
    if (sr_alloc_failed()) {
        /* a failure leaves the tree and keys untouched */
        assert_int_equal(now.len, op->before.len);
        assert_memory_equal(now.p, op->before.p, now.len);
        assert_int_equal(op->up.len, 0);
    }
    sr_buf_cleanup(&now);
    sr_buf_reset(&op->up);
    sr_mls_tree_cleanup(&op->t);
    assert_int_equal(sr_mls_tree_copy(&op->t, &op->g->tree), SR_OK);
    op->p = op->g->priv[op->create ? 1 : 2];
}

static void alloc_failures(void **state)
{
    (void)state;
    struct group g;
    struct sr_mls_treekem_result res = { 0 };
    struct sr_mls_update_path path = { 0 };
    struct alloc_op op = { .g = &g, .path = &path };
    struct sr_mls_treekem_ctx ctx;
    struct sr_reader rd;
    group_init(&g, sr_suite_get(1), 4);
    group_commit(&g, 0, NULL, 0, &res);
    sr_mls_treekem_result_cleanup(&res);
    ctx = (struct sr_mls_treekem_ctx){ .gc = &g.gc };
    sr_buf_init(&op.before, 0, 0);
    sr_buf_init(&op.up, 0, 0);
    snapshot(&g.tree, &op.before);
    /* an UpdatePath from 1 to process */
    struct sr_mls_tree made;
    struct sr_mls_treekem_priv cp = g.priv[1];
    assert_int_equal(sr_mls_tree_copy(&made, &g.tree), SR_OK);
    struct sr_buf bytes;
    sr_buf_init(&bytes, 0, 0);
    assert_int_equal(sr_mls_treekem_create(&made, &cp, sr_mls_tree_get0_leaf(&g.tree, 1),
                                           sr_secret_slice(&g.m[1].sig_sk), &ctx, &bytes, &res),
                     SR_OK);
    sr_mls_treekem_result_cleanup(&res);
    sr_mls_tree_cleanup(&made);
    sr_reader_init(&rd, sr_buf_slice(&bytes));
    assert_int_equal(sr_mls_update_path_read(&rd, &path), SR_OK);
    for (int c = 0; c < 2; c++) {
        op.create = c == 1;
        assert_int_equal(sr_mls_tree_copy(&op.t, &g.tree), SR_OK);
        op.p = g.priv[op.create ? 1 : 2];
        assert_true(sr_test_each_alloc_failure(alloc_run, alloc_reset, &op) > 0);
        sr_mls_tree_cleanup(&op.t);
    }
    sr_mls_update_path_cleanup(&path);
    sr_buf_cleanup(&bytes);
    sr_buf_cleanup(&op.before);
    sr_buf_cleanup(&op.up);
    group_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commit_rounds),
        cmocka_unit_test(flipped_bytes_rejected),
        cmocka_unit_test(misuse),
        cmocka_unit_test(alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
