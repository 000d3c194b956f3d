/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS groups at scale through the public API (suites 1 and 2; group sizes 10, 100, 1000 and
 * 5000, or the sizes given as arguments). For each size:
 *
 *   build         the creator commits Adds of N-1 KeyPackages (created beforehand, untimed),
 *                 the Welcome carrying the ratchet tree (and, for comparison, with the tree
 *                 out of band); groups above 1025 members take several commits (a commit
 *                 holds at most SR_MLS_GROUP_PROPOSALS_CAP proposals)
 *   join          the last member joins from its Welcome with full tree validation
 *   update        a member commits with a path; another member processes it
 *   add one       a member commits one Add without path (Welcome without the tree); another
 *                 member processes it
 *   state         sr_mls_group_save bytes and heap bytes a joined member holds, per member
 *
 * Each step is shown next to the crypto it cannot avoid (signatures, verifications, HPKE
 * seals and opens), priced with per-operation costs measured in the same run, and as a
 * multiple of that floor. Times are process CPU time (the join verifies signatures on two
 * threads: CPU time is their sum; the wall clock is shown as well). Repeatable steps are the
 * best of RUNS: a staged commit is discarded and made again, a receiver is restored from its
 * saved state and processes again.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sealroom/mls.h>

#include "core/alloc.h"
#include "crypto/labels.h"
#include "crypto/sig.h"
#include "hpke/hpke.h"
#include "hpke/labels.h"
#include "mls/group.h"

#define RUNS      3
#define NOW       1700000000u
#define MAX_N     20000u
#define UNIT_OPS  40
#define MAX_SIZES 8

static void ok(sr_err err, const char *what)
{
    if (err != SR_OK) {
        fprintf(stderr, "bench_mls_group: %s: %s\n", what, sr_err_name(err));
        exit(1);
    }
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Per-operation cost of the primitives, in seconds. */
struct unit {
    double sign, verify, seal, open;
};

static double best_of(double a, double b)
{
    return a < b ? a : b;
}

static void measure_units(const struct sr_suite *suite, struct unit *u)
{
    struct sr_secret sig_sk, kem_sk;
    struct sr_buf pub, sig, kem, ct, pt;
    uint8_t pk[SR_KEM_PK_MAX], msg[160] = { 7 }, secret[64] = { 9 };
    sr_buf_init(&pub, 0, 0);
    sr_buf_init(&sig, 0, 0);
    sr_buf_init(&kem, 0, 0);
    sr_buf_init(&ct, 0, 0);
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    ok(sr_sig_generate(suite->sig, &sig_sk, &pub), "sig keygen");
    ok(sr_hpke_generate_key_pair(suite->kem, &kem_sk, pk), "kem keygen");
    struct sr_slice m = sr_slice_of(msg, sizeof(msg)), pks = sr_slice_of(pk, suite->kem->pk_len);
    struct sr_slice s = sr_slice_of(secret, suite->hash->len);
    *u = (struct unit){ 1e9, 1e9, 1e9, 1e9 };
    for (int r = 0; r < RUNS; r++) {
        double t0 = cpu_s();
        for (int i = 0; i < UNIT_OPS; i++) {
            sr_buf_reset(&sig);
            ok(sr_mls_sign_with_label(suite, sr_secret_slice(&sig_sk), "FramedContentTBS", m, &sig),
               "sign");
        }
        double t1 = cpu_s();
        for (int i = 0; i < UNIT_OPS; i++) {
            ok(sr_mls_verify_with_label(suite, sr_buf_slice(&pub), "FramedContentTBS", m,
                                        sr_buf_slice(&sig)),
               "verify");
        }
        double t2 = cpu_s();
        for (int i = 0; i < UNIT_OPS; i++) {
            sr_buf_reset(&kem);
            sr_buf_reset(&ct);
            ok(sr_mls_encrypt_with_label(suite, pks, "Welcome", m, s, &kem, &ct), "seal");
        }
        double t3 = cpu_s();
        for (int i = 0; i < UNIT_OPS; i++) {
            sr_buf_reset(&pt);
            ok(sr_mls_decrypt_with_label(suite, sr_secret_slice(&kem_sk), "Welcome", m,
                                         sr_buf_slice(&kem), sr_buf_slice(&ct), &pt),
               "open");
        }
        double t4 = cpu_s();
        u->sign = best_of(u->sign, (t1 - t0) / UNIT_OPS);
        u->verify = best_of(u->verify, (t2 - t1) / UNIT_OPS);
        u->seal = best_of(u->seal, (t3 - t2) / UNIT_OPS);
        u->open = best_of(u->open, (t4 - t3) / UNIT_OPS);
    }
    sr_secret_cleanup(&sig_sk);
    sr_secret_cleanup(&kem_sk);
    sr_buf_cleanup(&pub);
    sr_buf_cleanup(&sig);
    sr_buf_cleanup(&kem);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&pt);
}

static double floor_of(const struct unit *u, size_t signs, size_t verifies, size_t seals,
                       size_t opens)
{
    return (double)signs * u->sign + (double)verifies * u->verify + (double)seals * u->seal +
           (double)opens * u->open;
}

static void row(const char *step, double t, double fl, const char *crypto, const char *extra)
{
    printf("  %-22s %10.2f ms %10.2f ms %6.2fx  %-30s %s\n", step, t * 1e3, fl * 1e3, t / fl,
           crypto, extra);
}

/* HPKE ciphertexts a commit with path from `leaf` holds: the copath resolutions (§7.6). */
static size_t path_seals(const struct sr_mls_group *g, uint32_t leaf)
{
    uint32_t path[40], copath[40];
    size_t len = 0, n = 0;
    ok(sr_mls_tree_filtered_path(&g->ep.tree, leaf, path, copath, &len), "filtered path");
    for (size_t i = 0; i < len; i++) {
        struct sr_mls_node_list l = { 0 };
        ok(sr_mls_tree_resolution(&g->ep.tree, copath[i], &l), "resolution");
        n += l.len;
        sr_mls_node_list_cleanup(&l);
    }
    return n;
}

struct client {
    struct sr_buf kp, priv;
};

static void make_client(uint16_t suite, unsigned i, struct client *c)
{
    char id[32];
    snprintf(id, sizeof(id), "member-%u", i);
    sr_buf_init(&c->kp, 0, 0);
    sr_buf_init(&c->priv, 0, SR_BUF_WIPE);
    ok(sr_mls_key_package_new(suite, sr_slice_of(id, strlen(id)), NOW, &c->kp, &c->priv), "kp");
}

static void free_client(struct client *c)
{
    sr_buf_cleanup(&c->kp);
    sr_buf_cleanup(&c->priv);
}

static const struct sr_mls_group_limits limits = { .max_leaves = MAX_N,
                                                   .max_proposals = SR_MLS_GROUP_PROPOSALS_CAP };

/* `g` commits `p` RUNS times (discarding all but the last), best time; the last is merged. */
static double timed_commit(struct sr_mls_group *g, const struct sr_mls_commit_params *p,
                           struct sr_buf *c, struct sr_buf *wl)
{
    double best = 1e9;
    for (int r = 0; r < RUNS; r++) {
        sr_mls_group_commit_discard(g);
        sr_buf_reset(c);
        sr_buf_reset(wl);
        double t0 = cpu_s();
        ok(sr_mls_group_commit(g, p, c, wl), "commit");
        best = best_of(best, cpu_s() - t0);
    }
    ok(sr_mls_group_commit_merge(g), "merge");
    return best;
}

/* `*g` processes `msg` RUNS times (restored from its saved state in between), best time. */
static double timed_process(struct sr_mls_group **g, const struct sr_buf *msg)
{
    struct sr_buf saved;
    double best = 1e9;
    sr_buf_init(&saved, 0, SR_BUF_WIPE);
    ok(sr_mls_group_save(*g, &saved), "save");
    for (int r = 0; r < RUNS; r++) {
        struct sr_mls_processed pr = { 0 };
        if (r > 0) {
            sr_mls_group_free(*g);
            *g = NULL;
            ok(sr_mls_group_restore(sr_buf_slice(&saved), g), "restore");
        }
        double t0 = cpu_s();
        ok(sr_mls_group_process(*g, sr_buf_slice(msg), &pr), "process");
        best = best_of(best, cpu_s() - t0);
        sr_mls_processed_cleanup(&pr);
    }
    sr_buf_cleanup(&saved);
    return best;
}

/* The results of one group size, for the footer. */
struct result {
    unsigned n;
    double build, join, add_create, add_process, upd_process;
    double state_per_member;
    double worst_ratio;
};

static void note_ratio(struct result *res, double t, double fl)
{
    if (t / fl > res->worst_ratio) {
        res->worst_ratio = t / fl;
    }
}

/* The creator adds everyone; `inline_tree`: the ratchet tree goes in the Welcome's GroupInfo
 * (otherwise it is given out of band and the Welcome is small). */
static void build(unsigned n, struct client *cl, bool inline_tree, struct sr_mls_group **creator,
                  struct sr_buf *last_welcome, const struct unit *u, struct result *res)
{
    struct sr_mls_group_create_params cp = {
        .key_package_priv = sr_buf_slice(&cl[0].priv),
        .group_id = sr_slice_of("bench-group", 11),
        .limits = &limits,
    };
    struct sr_buf c;
    size_t commits = 0, commit_bytes = 0, left = n - 1, at = 1;
    double t = 0;
    sr_buf_init(&c, 0, 0);
    ok(sr_mls_group_create(&cp, creator), "create");
    while (left > 0) {
        size_t k = left < SR_MLS_GROUP_PROPOSALS_CAP ? left : SR_MLS_GROUP_PROPOSALS_CAP;
        struct sr_slice *add = sr_calloc(k, sizeof(*add));
        if (add == NULL) {
            ok(SR_ERR_NOMEM, "calloc");
        }
        for (size_t i = 0; i < k; i++) {
            add[i] = sr_buf_slice(&cl[at + i].kp);
        }
        struct sr_mls_commit_params p = { .add = add, .add_count = k, .ratchet_tree = inline_tree };
        sr_buf_reset(&c);
        sr_buf_reset(last_welcome);
        double t0 = cpu_s();
        ok(sr_mls_group_commit(*creator, &p, &c, last_welcome), "build commit");
        ok(sr_mls_group_commit_merge(*creator), "build merge");
        t += cpu_s() - t0;
        commits++;
        commit_bytes += c.len;
        sr_free(add);
        at += k;
        left -= k;
    }
    /* per Add: KeyPackage and LeafNode signatures verified, GroupSecrets sealed; per commit:
     * the commit and the GroupInfo signed */
    double fl = floor_of(u, 2 * commits, 2 * (size_t)(n - 1), n - 1, 0);
    char crypto[64], extra[96];
    snprintf(crypto, sizeof(crypto), "%zu sign %u verify %u seal", 2 * commits, 2 * (n - 1), n - 1);
    snprintf(extra, sizeof(extra), "%zu commit(s) %zu B, Welcome %zu B", commits, commit_bytes,
             last_welcome->len);
    row(inline_tree ? "build (N-1 adds)" : "build, tree out of band", t, fl, crypto, extra);
    if (inline_tree) {
        res->build = t;
        note_ratio(res, t, fl);
    }
    sr_buf_cleanup(&c);
}

static void join(unsigned n, const struct client *joiner, const struct sr_buf *welcome,
                 struct sr_mls_group **out, const struct unit *u, struct result *res)
{
    struct sr_mls_group_join_params jp = {
        .welcome = sr_buf_slice(welcome),
        .key_package_priv = sr_buf_slice(&joiner->priv),
        .limits = &limits,
        .now = NOW,
    };
    double best = 1e9, best_wall = 1e9;
    size_t heap = 0;
    for (int r = 0; r < RUNS; r++) {
        sr_mls_group_free(*out);
        *out = NULL;
        size_t h0 = heap_bytes();
        double w0 = wall_s(), t0 = cpu_s();
        ok(sr_mls_group_join(&jp, out), "join");
        double t1 = cpu_s(), w1 = wall_s();
        heap = heap_bytes() - h0;
        best = best_of(best, t1 - t0);
        best_wall = best_of(best_wall, w1 - w0);
    }
    /* every leaf's LeafNode signature, the GroupInfo signature, one GroupSecrets open */
    double fl = floor_of(u, 0, (size_t)n + 1, 0, 1);
    char crypto[64], extra[96];
    snprintf(crypto, sizeof(crypto), "%u verify 1 open", n + 1);
    snprintf(extra, sizeof(extra), "wall %.2f ms", best_wall * 1e3);
    row("join (validate tree)", best, fl, crypto, extra);
    res->join = best;
    note_ratio(res, best, fl);

    struct sr_buf st;
    sr_buf_init(&st, 0, SR_BUF_WIPE);
    ok(sr_mls_group_save(*out, &st), "save");
    res->state_per_member = (double)st.len / n;
    printf("  %-22s saved %zu B (%.0f B/member), heap %zu B (%.0f B/member)\n", "state of a member",
           st.len, (double)st.len / n, heap, (double)heap / n);
    sr_buf_cleanup(&st);
}

/* `a` commits with a path, `b` processes it. */
static void update(struct sr_mls_group *a, struct sr_mls_group **b, const struct unit *u,
                   struct result *res, bool record)
{
    struct sr_buf c, wl;
    sr_buf_init(&c, 0, 0);
    sr_buf_init(&wl, 0, 0);
    uint32_t leaf = sr_mls_group_own_leaf(a);
    size_t seals = path_seals(a, leaf);
    struct sr_mls_commit_params p = { .path = true };
    double tc = timed_commit(a, &p, &c, &wl);
    double tp = timed_process(b, &c);
    /* LeafNode and commit signed, the path secrets sealed to the copath resolutions */
    double flc = floor_of(u, 2, 0, seals, 0), flp = floor_of(u, 0, 2, 0, 1);
    char name[48], crypto[64], extra[64];
    snprintf(name, sizeof(name), "update by %u: create", leaf);
    snprintf(crypto, sizeof(crypto), "2 sign %zu seal", seals);
    snprintf(extra, sizeof(extra), "commit %zu B", c.len);
    row(name, tc, flc, crypto, extra);
    snprintf(name, sizeof(name), "update by %u: process", leaf);
    row(name, tp, flp, "2 verify 1 open", "");
    note_ratio(res, tc, flc);
    note_ratio(res, tp, flp);
    if (record) {
        res->upd_process = tp;
    }
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&wl);
}

/* `a` adds one client without a path; `b` processes the commit. */
static void add_one(uint16_t suite, unsigned n, struct sr_mls_group *a, struct sr_mls_group **b,
                    const struct unit *u, struct result *res)
{
    struct client nc;
    struct sr_buf c, wl;
    make_client(suite, n, &nc);
    sr_buf_init(&c, 0, 0);
    sr_buf_init(&wl, 0, 0);
    struct sr_slice add = sr_buf_slice(&nc.kp);
    struct sr_mls_commit_params p = { .add = &add, .add_count = 1 };
    double tc = timed_commit(a, &p, &c, &wl);
    double tp = timed_process(b, &c);
    /* committer: KeyPackage and LeafNode verified, GroupSecrets sealed, commit and GroupInfo
     * signed; receiver: the two KeyPackage signatures and the commit's */
    double flc = floor_of(u, 2, 2, 1, 0), flp = floor_of(u, 0, 3, 0, 0);
    char extra[64];
    snprintf(extra, sizeof(extra), "commit %zu B, Welcome %zu B", c.len, wl.len);
    row("add one: create", tc, flc, "2 sign 2 verify 1 seal", extra);
    row("add one: process", tp, flp, "3 verify", "");
    res->add_create = tc;
    res->add_process = tp;
    note_ratio(res, tc, flc);
    note_ratio(res, tp, flp);
    free_client(&nc);
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&wl);
}

static void run_size(uint16_t suite, unsigned n, const struct unit *u, struct result *res)
{
    struct client *cl = sr_calloc(n, sizeof(*cl));
    struct sr_mls_group *creator = NULL, *joiner = NULL;
    struct sr_buf wl;
    if (cl == NULL) {
        ok(SR_ERR_NOMEM, "calloc");
    }
    double w0 = wall_s();
    memset(res, 0, sizeof(*res));
    res->n = n;
    printf("suite %u, N = %u\n", suite, n);
    printf("  %-22s %13s %13s %7s  %-30s %s\n", "step", "ours (CPU)", "floor", "ratio",
           "unavoidable crypto", "sizes / notes");
    for (unsigned i = 0; i < n; i++) {
        make_client(suite, i, &cl[i]);
    }
    sr_buf_init(&wl, 0, 0);
    build(n, cl, false, &creator, &wl, u, res);
    sr_mls_group_free(creator);
    creator = NULL;
    build(n, cl, true, &creator, &wl, u, res);
    join(n, &cl[n - 1], &wl, &joiner, u, res);
    update(joiner, &creator, u, res, true);  /* the far leaf, into a fresh tree */
    update(creator, &joiner, u, res, false); /* leaf 0, one path now set */
    add_one(suite, n, creator, &joiner, u, res);
    printf("  (size done in %.1f s wall)\n\n", wall_s() - w0);
    sr_mls_group_free(creator);
    sr_mls_group_free(joiner);
    sr_buf_cleanup(&wl);
    for (unsigned i = 0; i < n; i++) {
        free_client(&cl[i]);
    }
    sr_free(cl);
}

static const char *mark(bool met)
{
    return met ? "met" : "MISSED";
}

static void footer(const struct result *r)
{
    printf("targets (suite 1, 1000 members) and this run:\n");
    printf("  build by one commit adding 999  < 400 ms : %8.2f ms  %s\n", r->build * 1e3,
           mark(r->build < 0.4));
    printf("  join with full validation       < 100 ms : %8.2f ms  %s\n", r->join * 1e3,
           mark(r->join < 0.1));
    printf("  add-one commit created          <   3 ms : %8.2f ms  %s\n", r->add_create * 1e3,
           mark(r->add_create < 0.003));
    printf("  add-one commit processed        <   1 ms : %8.2f ms  %s\n", r->add_process * 1e3,
           mark(r->add_process < 0.001));
    printf("  commit with path processed      <   2 ms : %8.2f ms  %s\n", r->upd_process * 1e3,
           mark(r->upd_process < 0.002));
    printf("  state per member                <  1 KB  : %8.0f B   %s\n", r->state_per_member,
           mark(r->state_per_member < 1024));
    printf("  every step within 2x of floor            : worst %.2fx  %s\n", r->worst_ratio,
           mark(r->worst_ratio <= 2.0));
}

int main(int argc, char **argv)
{
    unsigned sizes[MAX_SIZES] = { 10, 100, 1000, 5000 };
    size_t n_sizes = 4;
    struct result at1000 = { 0 };
    bool have1000 = false;
    if (argc > 1) {
        n_sizes = 0;
        for (int i = 1; i < argc && n_sizes < MAX_SIZES; i++) {
            unsigned long v = strtoul(argv[i], NULL, 10);
            if (v < 2 || v > MAX_N) {
                fprintf(stderr, "usage: bench_mls_group [members 2..%u]...\n", MAX_N);
                return 2;
            }
            sizes[n_sizes++] = (unsigned)v;
        }
    }
    for (uint16_t suite = 1; suite <= 2; suite++) {
        struct unit u;
        measure_units(sr_suite_get(suite), &u);
        printf("== suite %u (%s): sign %.1f us, verify %.1f us, seal %.1f us, open %.1f us\n\n",
               suite, sr_suite_get(suite)->name, u.sign * 1e6, u.verify * 1e6, u.seal * 1e6,
               u.open * 1e6);
        for (size_t i = 0; i < n_sizes; i++) {
            struct result r;
            run_size(suite, sizes[i], &u, &r);
            if (suite == 1 && sizes[i] == 1000) {
                at1000 = r;
                have1000 = true;
            }
        }
    }
    if (have1000) {
        footer(&at1000);
    } else {
        printf("targets apply to suite 1 at 1000 members (not run)\n");
    }
    return 0;
}
