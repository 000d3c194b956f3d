/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ratchet tree and TreeKEM at group scale (suite 1, 1000 members by default, or argv[1]
 * up to 8192, in a tree whose
 * parents are all set by earlier commits). Each row is the best of several runs in process
 * CPU time, next to the crypto it cannot avoid, measured in the same run:
 *
 *   import            decode the ratchet_tree extension and copy every LeafNode
 *   validate          the join checks of §12.4.3.1; baseline: one LeafNodeTBS signature
 *                     verification per leaf, in turn on one thread (validation spreads them
 *                     over the default pool, the online CPUs up to 4: CPU time is the sum,
 *                     the wall-clock row shows both)
 *   process path      a receiver's sr_mls_treekem_process; baseline: one signature verify,
 *                     one HPKE open and the node key derivations up the path
 *   create path       a committer's sr_mls_treekem_create; baseline: one signature, the HPKE
 *                     seals to the copath resolutions and the node key derivations
 *   tree copy         the staging copy a group makes per commit (not part of TreeKEM)
 *
 * It also prints the memory the tree holds per leaf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/labels.h"
#include "crypto/sig.h"
#include "hpke/hpke.h"
#include "hpke/labels.h"
#include "mls/treekem_int.h"

#define MAX_MEMBERS 8192
#define RUNS        5

static const uint8_t versions[] = { 0, 1 }, suites[] = { 0, 1 };
static const struct sr_slice gid = { (const uint8_t *)"bench-group", 11 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall-clock time, for the validation that spreads signatures over two threads. */
static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ok(sr_err err, const char *what)
{
    if (err != SR_OK) {
        fprintf(stderr, "bench_mls_tree: %s: %s\n", what, sr_err_name(err));
        exit(1);
    }
}

/* The baseline: every leaf signature verified in turn on this thread. */
static void verify_all(const struct sr_mls_tree *t)
{
    for (uint32_t i = 0; i < t->n_leaves; i++) {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(t, i);
        if (ln != NULL) {
            ok(sr_mls_tree_verify_leaf(t->suite, ln, gid, i), "verify leaf");
        }
    }
}

struct member {
    struct sr_secret sig_sk;
    struct sr_secret enc_sk;
};

static const struct sr_suite *suite;
static struct member members[MAX_MEMBERS];
static unsigned n_members = 1000;
static struct sr_mls_group_context gc;

static void add_member(struct sr_mls_tree *t, unsigned i)
{
    struct sr_mls_leaf_node ln = { 0 };
    struct sr_buf pub, tbs, sig;
    uint8_t pk[SR_KEM_PK_MAX];
    char id[24];
    uint32_t leaf;
    sr_buf_init(&pub, 0, 0);
    sr_buf_init(&tbs, 0, 0);
    sr_buf_init(&sig, 0, 0);
    ok(sr_sig_generate(suite->sig, &members[i].sig_sk, &pub), "sig keygen");
    ok(sr_hpke_generate_key_pair(suite->kem, &members[i].enc_sk, pk), "hpke keygen");
    snprintf(id, sizeof(id), "member-%u", i);
    ln.encryption_key = sr_slice_of(pk, suite->kem->pk_len);
    ln.signature_key = sr_buf_slice(&pub);
    ln.credential.type = SR_MLS_CREDENTIAL_BASIC;
    ln.credential.identity = sr_slice_of(id, strlen(id));
    ln.capabilities.versions = sr_slice_of(versions, 2);
    ln.capabilities.cipher_suites = sr_slice_of(suites, 2);
    ln.source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
    ln.lifetime.not_after = UINT64_MAX;
    ok(sr_mls_leaf_node_tbs_encode(&ln, gid, 0, &tbs), "tbs");
    ok(sr_mls_sign_with_label(suite, sr_secret_slice(&members[i].sig_sk), "LeafNodeTBS",
                              sr_buf_slice(&tbs), &sig),
       "sign");
    ln.signature = sr_buf_slice(&sig);
    ok(sr_mls_tree_add_leaf(t, &ln, &leaf), "add");
    sr_buf_cleanup(&pub);
    sr_buf_cleanup(&tbs);
    sr_buf_cleanup(&sig);
}

/* Member `leaf` commits; its private state is returned in `priv` (for later receivers). */
static void commit(struct sr_mls_tree *t, uint32_t leaf, struct sr_mls_treekem_priv *priv,
                   struct sr_buf *up)
{
    struct sr_mls_treekem_result res = { 0 };
    struct sr_mls_treekem_ctx ctx = { .gc = &gc };
    ok(sr_mls_treekem_priv_init(priv, leaf, sr_secret_slice(&members[leaf].enc_sk)), "priv");
    sr_buf_reset(up);
    ok(sr_mls_treekem_create(t, priv, sr_mls_tree_get0_leaf(t, leaf),
                             sr_secret_slice(&members[leaf].sig_sk), &ctx, up, &res),
       "create");
    members[leaf].enc_sk = priv->leaf_sk;
    sr_mls_treekem_result_cleanup(&res);
}

static uint32_t bitrev(uint32_t x, unsigned bits)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < bits; i++) {
        r = (r << 1) | ((x >> i) & 1u);
    }
    return r;
}

static size_t tree_bytes(const struct sr_mls_tree *t)
{
    size_t w = sr_mls_tree_width(t), n = w * (sizeof(struct sr_mls_tree_node) + suite->hash->len);
    for (size_t i = 0; i < w; i++) {
        const struct sr_mls_tree_node *x = &t->nodes[i];
        if (x->leaf != NULL) {
            n += sizeof(*x->leaf) + 8 + x->leaf->owned.cap + /* 8: the share count */
                 x->leaf->extensions.count * sizeof(struct sr_mls_extension);
        }
        if (x->parent != NULL) {
            n += sizeof(*x->parent) + x->parent->key_len + x->parent->hash_cap +
                 x->parent->unmerged_count * sizeof(uint32_t);
        }
    }
    return n;
}

static void row(const char *name, double t, const char *base, double b)
{
    printf("%-14s %9.2f ms   %-34s %9.2f ms   ratio %.2f\n", name, t * 1e3, base, b * 1e3, t / b);
}

int main(int argc, char **argv)
{
    struct sr_mls_tree tree, t2;
    struct sr_mls_treekem_priv privs[2];
    struct sr_buf ext, up;
    uint8_t th[SR_HASH_MAX];
    if (argc > 1) {
        n_members = (unsigned)strtoul(argv[1], NULL, 10);
        if (n_members < 4 || n_members > MAX_MEMBERS) {
            fprintf(stderr, "usage: bench_mls_tree [members: 4..%u]\n", MAX_MEMBERS);
            return 2;
        }
    }
    suite = sr_suite_get(1);
    gc = (struct sr_mls_group_context){ .version = 1, .cipher_suite = 1, .group_id = gid };
    sr_mls_tree_init(&tree, suite);
    sr_buf_init(&ext, 0, 0);
    sr_buf_init(&up, 0, 0);
    for (unsigned i = 0; i < n_members; i++) {
        add_member(&tree, i);
    }
    /* Fill the parents top-down (bit-reversed order) so no commit encrypts to half the tree. */
    unsigned bits = (unsigned)__builtin_ctz(tree.n_leaves) - 1;
    for (uint32_t k = 0; k < tree.n_leaves / 2; k++) {
        uint32_t leaf = 2 * bitrev(k, bits);
        if (leaf < n_members) {
            commit(&tree, leaf, &privs[0], &up);
        }
    }
    ok(sr_mls_tree_export(&tree, &ext), "export");
    ok(sr_mls_tree_root_hash(&tree, th), "root hash");
    printf("tree: %u members, %u leaves, ratchet_tree %zu bytes, in memory %zu bytes/leaf\n",
           n_members, tree.n_leaves, ext.len, tree_bytes(&tree) / n_members);

    double best_imp = 1e9, best_val = 1e9, best_sig = 1e9, best_copy = 1e9, best_wall = 1e9;
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        ok(sr_mls_tree_import(&t2, suite, sr_buf_slice(&ext)), "import");
        double t1 = now_s(), w1 = wall_s();
        ok(sr_mls_tree_validate(&t2, gid, sr_slice_of(th, suite->hash->len), 0), "validate");
        double t2s = now_s(), w2 = wall_s();
        verify_all(&t2);
        double t3 = now_s();
        best_wall = w2 - w1 < best_wall ? w2 - w1 : best_wall;
        struct sr_mls_tree t3c;
        ok(sr_mls_tree_copy(&t3c, &t2), "copy");
        double t4 = now_s();
        sr_mls_tree_cleanup(&t3c);
        sr_mls_tree_cleanup(&t2);
        best_imp = t1 - t0 < best_imp ? t1 - t0 : best_imp;
        best_val = t2s - t1 < best_val ? t2s - t1 : best_val;
        best_sig = t3 - t2s < best_sig ? t3 - t2s : best_sig;
        best_copy = t4 - t3 < best_copy ? t4 - t3 : best_copy;
    }
    char sigs[48];
    snprintf(sigs, sizeof(sigs), "%u leaf signature verifications", n_members);
    row("import", best_imp, sigs, best_sig);
    row("validate", best_val, sigs, best_sig);
    row("import+valid.", best_imp + best_val, sigs, best_sig);
    printf("%-14s %9.2f ms   (wall clock: signatures on two threads)\n", "validate wall",
           best_wall * 1e3);

    /* receiver 1 (sibling of committer 0's leaf) and receiver 999 (far side) */
    struct sr_mls_treekem_ctx ctx = { .gc = &gc };
    const uint32_t committer = 0, receivers[2] = { 1, (n_members - 2) & ~1u };
    ok(sr_mls_treekem_priv_init(&privs[0], 1, sr_secret_slice(&members[1].enc_sk)), "p1");
    ok(sr_mls_treekem_priv_init(&privs[1], receivers[1],
                                sr_secret_slice(&members[receivers[1]].enc_sk)),
       "p2");
    /* give both receivers their path keys: one commit each, then 0 commits */
    commit(&tree, 1, &privs[0], &up);
    commit(&tree, receivers[1], &privs[1], &up);
    double best_create = 1e9;
    struct sr_mls_treekem_priv cp;
    for (int r = 0; r < RUNS; r++) {
        struct sr_mls_treekem_result res = { 0 };
        ok(sr_mls_tree_copy(&t2, &tree), "copy");
        ok(sr_mls_treekem_priv_init(&cp, committer, sr_secret_slice(&members[0].enc_sk)), "p0");
        sr_buf_reset(&up);
        double t0 = now_s();
        ok(sr_mls_treekem_create(&t2, &cp, sr_mls_tree_get0_leaf(&tree, committer),
                                 sr_secret_slice(&members[0].sig_sk), &ctx, &up, &res),
           "create");
        double t1 = now_s();
        best_create = t1 - t0 < best_create ? t1 - t0 : best_create;
        sr_mls_treekem_result_cleanup(&res);
        sr_mls_tree_cleanup(&t2);
    }
    struct sr_mls_update_path path = { 0 };
    struct sr_reader rd;
    sr_reader_init(&rd, sr_buf_slice(&up));
    ok(sr_mls_update_path_read(&rd, &path), "decode path");
    size_t n_ct = 0;
    for (size_t i = 0; i < path.node_count; i++) {
        n_ct += path.nodes[i].encrypted_path_secret_count;
    }
    for (int k = 0; k < 2; k++) {
        double best_proc = 1e9;
        for (int r = 0; r < RUNS; r++) {
            struct sr_mls_treekem_priv p = privs[k];
            struct sr_mls_treekem_result res = { 0 };
            ok(sr_mls_tree_copy(&t2, &tree), "copy");
            double t0 = now_s();
            ok(sr_mls_treekem_process(&t2, &p, committer, &path, &ctx, &res), "process");
            double t1 = now_s();
            best_proc = t1 - t0 < best_proc ? t1 - t0 : best_proc;
            sr_mls_treekem_result_cleanup(&res);
            sr_mls_tree_cleanup(&t2);
        }
        /* the unavoidable crypto: one verify, one open, derivations for the learned nodes */
        double best_base = 1e9;
        struct sr_mls_treekem_shape shape;
        ok(sr_mls_tree_filtered_path(&tree, committer, shape.path, shape.copath, &shape.len),
           "fdp");
        size_t at = 0;
        while (at < shape.len && !sr_mls_tree_in_subtree(shape.copath[at], 2 * receivers[k])) {
            at++;
        }
        for (int r = 0; r < RUNS; r++) {
            struct sr_buf gcb, pt;
            struct sr_secret sk;
            uint8_t pk[SR_KEM_PK_MAX], ps[32] = { 1 };
            sr_buf_init(&gcb, 0, 0);
            sr_buf_init(&pt, 0, 0);
            ok(sr_mls_group_context_encode(&gc, &gcb), "gc");
            const struct sr_mls_hpke_ciphertext *c = &path.nodes[at].encrypted_path_secret[0];
            double t0 = now_s();
            ok(sr_mls_tree_verify_leaf(suite, &path.leaf_node, gid, committer), "verify");
            /* the open fails (wrong key) but costs what a successful one does */
            (void)!sr_mls_decrypt_with_label(suite, sr_secret_slice(&privs[k].leaf_sk),
                                             "UpdatePathNode", sr_buf_slice(&gcb), c->kem_output,
                                             c->ciphertext, &pt);
            for (size_t j = at; j < shape.len; j++) {
                ok(sr_mls_treekem_derive_node(suite, sr_slice_of(ps, 32), &sk, pk), "derive");
            }
            double t1 = now_s();
            best_base = t1 - t0 < best_base ? t1 - t0 : best_base;
            sr_buf_cleanup(&gcb);
            sr_buf_cleanup(&pt);
        }
        char name[40];
        snprintf(name, sizeof(name), "process (%u)", receivers[k]);
        char base[64];
        snprintf(base, sizeof(base), "verify+open+%zu derivations", shape.len - at);
        row(name, best_proc, base, best_base);
    }
    /* the committer's unavoidable crypto: a signature, n_ct seals, derivations */
    double best_cbase = 1e9;
    for (int r = 0; r < RUNS; r++) {
        struct sr_buf kem, ct, sig;
        struct sr_secret sk;
        uint8_t pk[SR_KEM_PK_MAX], ps[32] = { 2 };
        sr_buf_init(&kem, 0, 0);
        sr_buf_init(&ct, 0, 0);
        sr_buf_init(&sig, 0, 0);
        double t0 = now_s();
        ok(sr_mls_sign_with_label(suite, sr_secret_slice(&members[0].sig_sk), "LeafNodeTBS",
                                  sr_buf_slice(&up), &sig),
           "sign");
        for (size_t i = 0; i < n_ct; i++) {
            sr_buf_reset(&kem);
            sr_buf_reset(&ct);
            ok(sr_mls_encrypt_with_label(suite, path.nodes[0].encryption_key, "UpdatePathNode",
                                         sr_slice_of(ps, 32), sr_slice_of(ps, 32), &kem, &ct),
               "seal");
        }
        for (size_t j = 0; j <= path.node_count; j++) {
            ok(sr_mls_treekem_derive_node(suite, sr_slice_of(ps, 32), &sk, pk), "derive");
        }
        double t1 = now_s();
        best_cbase = t1 - t0 < best_cbase ? t1 - t0 : best_cbase;
        sr_buf_cleanup(&kem);
        sr_buf_cleanup(&ct);
        sr_buf_cleanup(&sig);
    }
    char cbase[64];
    snprintf(cbase, sizeof(cbase), "sign+%zu seals+%zu derivations", n_ct, path.node_count + 1);
    row("create path", best_create, cbase, best_cbase);
    printf("%-14s %9.2f ms   (staging copy of the whole tree, group layer)\n", "tree copy",
           best_copy * 1e3);
    sr_mls_update_path_cleanup(&path);
    sr_mls_tree_cleanup(&tree);
    sr_buf_cleanup(&ext);
    sr_buf_cleanup(&up);
    return 0;
}
