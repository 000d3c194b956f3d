/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ratchet tree (RFC 9420 §7): add/remove/extend/truncate round trips, the cached tree
 * hash against a from-scratch one over random operation sequences (commits included), join
 * validation rejecting each kind of tampering with the tree left as it was, import
 * rejections, and every allocation failing in turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/labels.h"
#include "crypto/sig.h"
#include "hpke/hpke.h"
#include "mls/tree.h"
#include "mls/tree_math.h"
#include "mls/treekem.h"
#include "testutil.h"

#define MAXL 64

static const uint8_t versions[] = { 0, 1 }, suites[] = { 0, 1 };
static const struct sr_slice gid = { (const uint8_t *)"tree-test-group", 15 };

/* One member's keys and a key_package-source LeafNode that borrows from them. */
struct member {
    struct sr_secret sig_sk;
    struct sr_buf sig_pk;
    struct sr_secret enc_sk;
    uint8_t enc_pk[SR_KEM_PK_MAX];
    char id[24];
    struct sr_buf sig;
    struct sr_mls_leaf_node leaf;
};

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint32_t rng(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 20) % n;
}

static void member_make(const struct sr_suite *suite, struct member *m, unsigned n)
{
    struct sr_buf tbs;
    memset(m, 0, sizeof(*m));
    sr_buf_init(&m->sig_pk, 0, 0);
    sr_buf_init(&m->sig, 0, 0);
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

static void member_free(struct member *m)
{
    sr_buf_cleanup(&m->sig_pk);
    sr_buf_cleanup(&m->sig);
    sr_secret_cleanup(&m->sig_sk);
    sr_secret_cleanup(&m->enc_sk);
}

static void member_drop(struct member *m)
{
    if (m != NULL) {
        member_free(m);
        test_free(m);
    }
}

static struct member *member_new(const struct sr_suite *suite, unsigned n)
{
    struct member *m = test_malloc(sizeof(*m));
    member_make(suite, m, n);
    return m;
}

/* A tree plus, per leaf index, the member sitting there (for signing its commits). */
struct fixture {
    const struct sr_suite *suite;
    struct sr_mls_tree tree;
    struct member *m[MAXL]; /* heap: a LeafNode borrows from its member's fields */
    unsigned made;
};

static void fx_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->suite = sr_suite_get(1);
    sr_mls_tree_init(&f->tree, f->suite);
}

static void fx_free(struct fixture *f)
{
    for (unsigned i = 0; i < MAXL; i++) {
        member_drop(f->m[i]);
    }
    sr_mls_tree_cleanup(&f->tree);
}

static uint32_t fx_add(struct fixture *f)
{
    struct member *m = member_new(f->suite, f->made++);
    uint32_t leaf = 0;
    assert_int_equal(sr_mls_tree_add_leaf(&f->tree, &m->leaf, &leaf), SR_OK);
    assert_true(leaf < MAXL);
    member_drop(f->m[leaf]);
    f->m[leaf] = m;
    return leaf;
}

/* Member `leaf` commits an UpdatePath (the tree changes as the committer's would). */
static void fx_commit(struct fixture *f, uint32_t leaf)
{
    struct sr_mls_treekem_priv priv;
    struct sr_mls_treekem_result res = { 0 };
    struct sr_mls_group_context gc = { .version = 1, .cipher_suite = 1, .group_id = gid };
    struct sr_mls_treekem_ctx ctx = { .gc = &gc };
    struct sr_buf up;
    sr_buf_init(&up, 0, 0);
    assert_int_equal(sr_mls_treekem_priv_init(&priv, leaf, sr_secret_slice(&f->m[leaf]->enc_sk)),
                     SR_OK);
    assert_int_equal(sr_mls_treekem_create(&f->tree, &priv, sr_mls_tree_get0_leaf(&f->tree, leaf),
                                           sr_secret_slice(&f->m[leaf]->sig_sk), &ctx, &up, &res),
                     SR_OK);
    sr_mls_treekem_result_cleanup(&res);
    sr_mls_treekem_priv_cleanup(&priv);
    sr_buf_cleanup(&up);
}

static void export_to(const struct sr_mls_tree *t, struct sr_buf *b)
{
    sr_buf_reset(b);
    assert_int_equal(sr_mls_tree_export(t, b), SR_OK);
}

/* Every node's key fingerprints match its keys (they steer the uniqueness scans). */
static void assert_fingerprints(const struct sr_mls_tree *t)
{
    for (uint32_t i = 0; i < sr_mls_tree_width(t); i++) {
        if (sr_mls_tree_node_blank(t, i)) {
            continue;
        }
        assert_int_equal(t->nodes[i].enc_fp, sr_mls_tree_key_fp(sr_mls_tree_node_key(t, i)));
        if (t->nodes[i].leaf != NULL) {
            assert_int_equal(t->nodes[i].sig_fp,
                             sr_mls_tree_key_fp(t->nodes[i].leaf->signature_key));
        }
    }
}

static void assert_cache_ok(struct sr_mls_tree *t)
{
    assert_fingerprints(t);
    uint8_t a[SR_HASH_MAX], b[SR_HASH_MAX];
    uint32_t root = 0;
    assert_int_equal(sr_mls_tree_root(t->n_leaves, &root), SR_OK);
    assert_int_equal(sr_mls_tree_root_hash(t, a), SR_OK);
    assert_int_equal(sr_mls_tree_hash_uncached(t, root, b), SR_OK);
    assert_memory_equal(a, b, t->suite->hash->len);
}

static void assert_valid(struct sr_mls_tree *t)
{
    uint8_t th[SR_HASH_MAX];
    assert_int_equal(sr_mls_tree_root_hash(t, th), SR_OK);
    assert_int_equal(sr_mls_tree_validate(t, gid, sr_slice_of(th, t->suite->hash->len), 0), SR_OK);
}

static void add_remove_extend_truncate(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_buf a, b;
    struct sr_mls_tree t2;
    sr_buf_init(&a, 0, 0);
    sr_buf_init(&b, 0, 0);
    fx_init(&f);
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(fx_add(&f), i);
    }
    assert_int_equal(f.tree.n_leaves, 8); /* 5 leaves need the tree extended twice */
    export_to(&f.tree, &a);
    assert_int_equal(sr_mls_tree_import(&t2, f.suite, sr_buf_slice(&a)), SR_OK);
    export_to(&t2, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    sr_mls_tree_cleanup(&t2);
    /* removing leaf 4 leaves the right half blank: truncated back to 4 leaves (§7.7) */
    assert_int_equal(sr_mls_tree_remove_leaf(&f.tree, 4), SR_OK);
    assert_int_equal(f.tree.n_leaves, 4);
    assert_int_equal(sr_mls_tree_remove_leaf(&f.tree, 4), SR_ERR_INVALID);
    assert_int_equal(sr_mls_tree_remove_leaf(&f.tree, 2), SR_OK);
    assert_null(sr_mls_tree_get0_leaf(&f.tree, 2));
    /* a commit by 0 sets its path; the next add reuses leaf 2 and is unmerged above it */
    fx_commit(&f, 0);
    assert_int_equal(fx_add(&f), 2);
    assert_non_null(f.tree.nodes[3].parent);
    assert_int_equal(f.tree.nodes[3].parent->unmerged_count, 1);
    assert_int_equal(f.tree.nodes[3].parent->unmerged[0], 2);
    assert_int_equal(fx_add(&f), 4); /* full again: extend */
    assert_int_equal(f.tree.n_leaves, 8);
    /* leaf 4's ancestors are all new and blank: nothing to mark as unmerged */
    assert_int_equal(f.tree.nodes[3].parent->unmerged_count, 1);
    assert_null(f.tree.nodes[11].parent);
    uint32_t at = 0;
    assert_int_equal(sr_mls_tree_find_signature_key(&f.tree, f.m[4]->leaf.signature_key, &at),
                     SR_OK);
    assert_int_equal(at, 4);
    assert_int_equal(sr_mls_tree_find_encryption_key(&f.tree, f.m[1]->leaf.encryption_key, &at),
                     SR_OK);
    assert_int_equal(at, 2);
    /* §7.3 key uniqueness for a leaf entering the tree */
    assert_int_equal(sr_mls_tree_check_new_leaf(&f.tree, &f.m[1]->leaf, UINT32_MAX),
                     SR_ERR_INVALID);
    assert_int_equal(sr_mls_tree_check_new_leaf(&f.tree, &f.m[1]->leaf, 1), SR_OK);
    assert_int_equal(sr_mls_tree_check_new_leaf(&f.tree, &f.m[1]->leaf, 3), SR_ERR_INVALID);
    assert_true(sr_mls_tree_has_encryption_key(&f.tree, f.m[4]->leaf.encryption_key, UINT32_MAX));
    assert_false(sr_mls_tree_has_encryption_key(&f.tree, f.m[4]->leaf.encryption_key, 4));
    assert_cache_ok(&f.tree);
    assert_valid(&f.tree);
    /* removing everything but leaf 0 truncates down to one leaf */
    for (uint32_t i = 1; i < 5; i++) {
        assert_int_equal(sr_mls_tree_remove_leaf(&f.tree, i), SR_OK);
    }
    assert_int_equal(f.tree.n_leaves, 1);
    assert_cache_ok(&f.tree);
    fx_free(&f);
    sr_buf_cleanup(&a);
    sr_buf_cleanup(&b);
}

/* The test that proves the cache: after every random change the cached root hash equals a
 * from-scratch one, the tree survives export/import, and it stays valid for a joiner. */
static void random_ops_cache(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_buf a;
    sr_buf_init(&a, 0, 0);
    fx_init(&f);
    fx_add(&f);
    for (unsigned step = 0; step < 150; step++) {
        uint32_t op = rng(10), leaf = rng(f.tree.n_leaves);
        bool present = sr_mls_tree_get0_leaf(&f.tree, leaf) != NULL;
        if (op < 4 && f.tree.n_leaves < MAXL / 2) {
            fx_add(&f);
        } else if (op < 6 && present && leaf != 0) {
            assert_int_equal(sr_mls_tree_remove_leaf(&f.tree, leaf), SR_OK);
        } else if (op < 7 && present) {
            struct member *m = member_new(f.suite, f.made++);
            assert_int_equal(sr_mls_tree_update_leaf(&f.tree, leaf, &m->leaf), SR_OK);
            member_drop(f.m[leaf]);
            f.m[leaf] = m;
        } else if (present) {
            fx_commit(&f, leaf);
        }
        assert_cache_ok(&f.tree);
        if (step % 10 == 0) {
            struct sr_mls_tree t2;
            uint8_t x[SR_HASH_MAX], y[SR_HASH_MAX];
            export_to(&f.tree, &a);
            assert_int_equal(sr_mls_tree_import(&t2, f.suite, sr_buf_slice(&a)), SR_OK);
            assert_int_equal(sr_mls_tree_root_hash(&t2, x), SR_OK);
            assert_int_equal(sr_mls_tree_root_hash(&f.tree, y), SR_OK);
            assert_memory_equal(x, y, f.suite->hash->len);
            sr_mls_tree_cleanup(&t2);
            assert_valid(&f.tree);
        }
    }
    fx_free(&f);
    sr_buf_cleanup(&a);
}

/* A group of 8 whose tree has parents, unmerged leaves and a blank. */
static void build_group(struct fixture *f)
{
    fx_init(f);
    for (unsigned i = 0; i < 8; i++) {
        fx_add(f);
    }
    fx_commit(f, 0);
    fx_commit(f, 5);
    assert_int_equal(sr_mls_tree_remove_leaf(&f->tree, 3), SR_OK);
    fx_commit(f, 6);
    assert_int_equal(fx_add(f), 3); /* unmerged at 3's non-blank ancestors */
    assert_valid(&f->tree);
}

/* Validate `t` against its own (recomputed) root hash; the tree must be unchanged after. */
static sr_err validate_unchanged(struct sr_mls_tree *t)
{
    struct sr_buf before, after;
    uint8_t th[SR_HASH_MAX];
    sr_buf_init(&before, 0, 0);
    sr_buf_init(&after, 0, 0);
    export_to(t, &before);
    assert_int_equal(sr_mls_tree_root_hash(t, th), SR_OK);
    sr_err err = sr_mls_tree_validate(t, gid, sr_slice_of(th, t->suite->hash->len), 0);
    export_to(t, &after);
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.p, after.p, before.len);
    sr_buf_cleanup(&before);
    sr_buf_cleanup(&after);
    return err;
}

static uint32_t some_parent(const struct sr_mls_tree *t, bool with_hash)
{
    for (uint32_t x = 1; x < sr_mls_tree_width(t); x += 2) {
        if (t->nodes[x].parent != NULL && (!with_hash || t->nodes[x].parent->hash_len > 0)) {
            return x;
        }
    }
    fail();
    return 0;
}

static void validation_rejects_tampering(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_mls_tree t;
    build_group(&f);
    uint8_t th[SR_HASH_MAX];
    assert_int_equal(sr_mls_tree_root_hash(&f.tree, th), SR_OK);
    th[0] ^= 1; /* §12.4.3.1: the GroupInfo's tree hash must match */
    assert_int_equal(sr_mls_tree_validate(&f.tree, gid, sr_slice_of(th, 32), 0), SR_ERR_INVALID);

    /* a parent hash flipped: that parent is no longer parent-hash valid (§7.9.2) */
    assert_int_equal(sr_mls_tree_copy(&t, &f.tree), SR_OK);
    uint32_t x = some_parent(&t, true);
    struct sr_mls_tree_parent *p = NULL;
    assert_int_equal(sr_mls_tree_parent_own(&t, x, &p), SR_OK); /* not f.tree's any more */
    assert_ptr_not_equal(p, f.tree.nodes[x].parent);
    p->parent_hash[3] ^= 0x40;
    sr_mls_tree_touch(&t, x);
    assert_int_equal(validate_unchanged(&t), SR_ERR_INVALID);
    sr_mls_tree_cleanup(&t);

    /* a parent's key replaced: the chain below it no longer matches */
    assert_int_equal(sr_mls_tree_copy(&t, &f.tree), SR_OK);
    x = some_parent(&t, false);
    assert_int_equal(sr_mls_tree_parent_own(&t, x, &p), SR_OK);
    p->encryption_key[0] ^= 1;
    sr_mls_tree_touch(&t, x);
    assert_int_equal(validate_unchanged(&t), SR_ERR_INVALID);
    sr_mls_tree_cleanup(&t);

    /* a leaf signature byte flipped (§7.2); the signature is inside the tree hash, so the
     * parent hashes above the leaf catch it too */
    /* an imported tree owns its leaves (a copy shares them with f.tree) */
    struct sr_buf bytes;
    sr_buf_init(&bytes, 0, 0);
    export_to(&f.tree, &bytes);
    assert_int_equal(sr_mls_tree_import(&t, f.suite, sr_buf_slice(&bytes)), SR_OK);
    sr_buf_cleanup(&bytes);
    struct sr_mls_leaf_node *ln = t.nodes[2].leaf;
    ln->owned.p[ln->signature.p - ln->owned.p + 5] ^= 1;
    sr_mls_tree_touch(&t, 2);
    assert_int_equal(sr_mls_tree_verify_leaf_signatures(&t, gid, 0), SR_ERR_AUTH);
    assert_int_not_equal(validate_unchanged(&t), SR_OK);
    sr_mls_tree_cleanup(&t);

    /* two leaves with the same signature key, and a parent reusing a leaf's key (§7.3) */
    assert_int_equal(sr_mls_tree_copy(&t, &f.tree), SR_OK);
    assert_int_equal(sr_mls_tree_set_leaf(&t, 7, &f.m[1]->leaf), SR_OK);
    assert_int_equal(validate_unchanged(&t), SR_ERR_INVALID);
    sr_mls_tree_cleanup(&t);
    assert_int_equal(sr_mls_tree_copy(&t, &f.tree), SR_OK);
    x = some_parent(&t, false);
    assert_int_equal(sr_mls_tree_parent_own(&t, x, &p), SR_OK);
    memcpy(p->encryption_key, t.nodes[0].leaf->encryption_key.p, 32);
    sr_mls_tree_touch(&t, x);
    assert_int_equal(validate_unchanged(&t), SR_ERR_INVALID);
    sr_mls_tree_cleanup(&t);

    /* unmerged leaves: one outside the parent's subtree, one missing from a lower node */
    assert_int_equal(sr_mls_tree_copy(&t, &f.tree), SR_OK);
    x = 7; /* the root of 8 leaves, set by 6's commit; leaf 3 is unmerged there */
    assert_non_null(t.nodes[x].parent);
    assert_int_equal(t.nodes[x].parent->unmerged_count, 1);
    assert_int_equal(sr_mls_tree_parent_own(&t, x, &p), SR_OK);
    p->unmerged[0] = 2; /* 2 is merged below: 1's node lacks it */
    sr_mls_tree_touch(&t, x);
    assert_int_equal(validate_unchanged(&t), SR_ERR_INVALID);
    p->unmerged[0] = 9; /* beyond the tree */
    assert_int_equal(validate_unchanged(&t), SR_ERR_INVALID);
    sr_mls_tree_cleanup(&t);

    /* the copies share f.tree's parents until they write: none of the writes reached it */
    th[0] ^= 1;
    assert_int_equal(sr_mls_tree_validate(&f.tree, gid, sr_slice_of(th, 32), 0), SR_OK);
    fx_free(&f);
}

static void import_rejects(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_mls_tree t;
    struct sr_buf a;
    sr_buf_init(&a, 0, 0);
    build_group(&f);
    export_to(&f.tree, &a);
    /* truncated anywhere: a decode error, never a tree */
    for (size_t n = 0; n < a.len; n += 7) {
        assert_int_not_equal(sr_mls_tree_import(&t, f.suite, sr_slice_of(a.p, n)), SR_OK);
        assert_null(t.nodes);
    }
    /* §12.4.3.3: the last node must not be blank */
    static const uint8_t blank_last[] = { 0x01, 0x00 };
    assert_int_equal(sr_mls_tree_import(&t, f.suite, sr_slice_of(blank_last, 2)), SR_ERR_INVALID);
    /* a parent node where a leaf belongs */
    static const uint8_t parent_at_leaf[] = { 0x05, 0x01, 0x02, 0x00, 0x00, 0x00 };
    assert_int_equal(sr_mls_tree_import(&t, f.suite, sr_slice_of(parent_at_leaf, 6)),
                     SR_ERR_INVALID);
    /* a mostly blank tree past SR_MLS_TREE_MAX_IMPORT_LEAVES is refused (SR_ERR_LIMIT) */
    struct sr_buf leaf, big;
    sr_buf_init(&leaf, 0, 0);
    sr_buf_init(&big, 0, 0);
    assert_int_equal(sr_mls_leaf_node_encode(&f.m[1]->leaf, &leaf), SR_OK);
    size_t count = 2 * (size_t)SR_MLS_TREE_MAX_IMPORT_LEAVES + 1; /* last index is a leaf */
    assert_int_equal(sr_write_varint(&big, (count - 1) + 2 + leaf.len), SR_OK);
    for (size_t i = 0; i + 1 < count; i++) {
        assert_int_equal(sr_write_u8(&big, 0), SR_OK);
    }
    assert_int_equal(sr_write_u8(&big, 1), SR_OK);
    assert_int_equal(sr_write_u8(&big, SR_MLS_NODE_LEAF), SR_OK);
    assert_int_equal(sr_buf_append(&big, leaf.p, leaf.len), SR_OK);
    assert_int_equal(sr_mls_tree_import(&t, f.suite, sr_buf_slice(&big)), SR_ERR_LIMIT);
    sr_buf_cleanup(&leaf);
    sr_buf_cleanup(&big);
    sr_mls_tree_cleanup(&t);
    fx_free(&f);
    sr_buf_cleanup(&a);
}

struct alloc_op {
    struct fixture *f;
    struct sr_buf bytes;
    struct sr_buf before;
    struct sr_mls_tree t;
    struct member m;
    int which;
};

static sr_err alloc_run(void *arg)
{
    struct alloc_op *op = arg;
    uint32_t leaf;
    switch (op->which) {
    case 0:
        return sr_mls_tree_import(&op->t, op->f->suite, sr_buf_slice(&op->bytes));
    case 1:
        return sr_mls_tree_copy(&op->t, &op->f->tree);
    default:
        return sr_mls_tree_add_leaf(&op->f->tree, &op->m.leaf, &leaf);
    }
}

static void alloc_reset(void *arg)
{
    struct alloc_op *op = arg;
    struct sr_buf now;
    sr_buf_init(&now, 0, 0);
    sr_mls_tree_cleanup(&op->t);
    if (op->which == 2) {
        /* a failed add leaves the tree as it was; a successful one is undone for the rerun */
        export_to(&op->f->tree, &now);
        if (now.len != op->before.len) {
            uint32_t leaf = 0;
            assert_int_equal(
                    sr_mls_tree_find_signature_key(&op->f->tree, op->m.leaf.signature_key, &leaf),
                    SR_OK);
            assert_int_equal(sr_mls_tree_remove_leaf(&op->f->tree, leaf), SR_OK);
            export_to(&op->f->tree, &now);
        }
        assert_int_equal(now.len, op->before.len);
        assert_memory_equal(now.p, op->before.p, now.len);
        assert_cache_ok(&op->f->tree);
    }
    sr_buf_cleanup(&now);
}

static void alloc_failures(void **state)
{
    (void)state;
    struct fixture f;
    struct alloc_op op = { .f = &f };
    fx_init(&f);
    for (unsigned i = 0; i < 4; i++) {
        fx_add(&f); /* full: the next add must extend */
    }
    fx_commit(&f, 1);
    sr_buf_init(&op.bytes, 0, 0);
    sr_buf_init(&op.before, 0, 0);
    export_to(&f.tree, &op.bytes);
    export_to(&f.tree, &op.before);
    member_make(f.suite, &op.m, 99);
    for (op.which = 0; op.which < 3; op.which++) {
        assert_true(sr_test_each_alloc_failure(alloc_run, alloc_reset, &op) > 0);
    }
    member_free(&op.m);
    sr_buf_cleanup(&op.bytes);
    sr_buf_cleanup(&op.before);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_remove_extend_truncate),
        cmocka_unit_test(random_ops_cache),
        cmocka_unit_test(validation_rejects_tampering),
        cmocka_unit_test(import_rejects),
        cmocka_unit_test(alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
