/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS groups at scale through the public API (suites 1 and 2; group sizes 10, 100, 1000 and
 * 5000, or the sizes given as arguments or in SR_BENCH_MLS_SIZES, e.g. "10,100"). For each
 * size:
 *
 *   build         the creator commits Adds of N-1 KeyPackages (created beforehand, untimed),
 *                 the Welcome carrying the ratchet tree (and, for comparison, with the tree
 *                 out of band); groups above 1025 members take several commits (a commit
 *                 holds at most SR_MLS_GROUP_PROPOSALS_CAP proposals)
 *   join          the last member joins from its Welcome with full tree validation, leaf
 *                 signatures verified on the default pool of threads: CPU time (all threads)
 *                 and wall time (against the floor divided by the cores that can work), best
 *                 of all joins at this size; the wall time with verify_threads = 1 beside it
 *   fresh tree    a commit with path by the last leaf and by leaf 0 of the freshly built tree
 *                 (no parent keys yet: the path secrets go to nearly every leaf)
 *   steady state  K members spread over the tree (SR_BENCH_MLS_COMMITTERS, default about
 *                 32000/N, 4 to 32) join too and each commits an update in turn, so the
 *                 tree has parent keys; then several more update commits, each created by one
 *                 member and processed by the others: the median of the creations and of
 *                 all the processings
 *   add one       a member commits one Add without path (Welcome without the tree); the
 *                 others process it (median)
 *   state         sr_mls_group_save bytes and the heap bytes of one member's group (measured
 *                 around sr_mls_group_restore), per member
 *
 * Every commit is processed by all the members the bench holds, so they stay in one group;
 * they check they agree on the epoch authenticator at the end. Each step is shown next to
 * the crypto it cannot avoid (signatures, verifications, HPKE seals and opens), priced with
 * per-operation costs measured in the same run, and as a multiple of that floor. Times are
 * process CPU time unless marked wall.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sealroom/mls.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "crypto/labels.h"
#include "crypto/sig.h"
#include "hpke/hpke.h"
#include "hpke/labels.h"
#include "mls/group.h"
#include "mls/tree_math.h"

#define RUNS           3
#define NOW            1700000000u
#define MAX_N          20000u
#define UNIT_OPS       40
#define MAX_SIZES      8
#define MAX_COMMITTERS 32u
#define STEADY_SAMPLES 7
/* The pool sr_mls_group_join uses by default (limits.verify_threads = 0). */
#define DEFAULT_VERIFY_THREADS_MAX 4u

static void ok(sr_err err, const char *what)
{
    if (err != SR_OK) {
        fprintf(stderr, "bench_mls_group: %s: %s\n", what, sr_err_name(err));
        exit(1);
    }
}

static void *must_calloc(size_t n, size_t size)
{
    void *p = sr_calloc(n, size);
    if (p == NULL) {
        ok(SR_ERR_NOMEM, "calloc");
    }
    return p;
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

static double best_of(double a, double b)
{
    return a < b ? a : b;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Per-operation cost of the primitives, in seconds. */
struct unit {
    double sign, verify, seal, open, derive; /* derive: DeriveKeyPair of a path node */
    double hash_byte;                        /* the suite's hash, per byte of a long input */
};

/*
 * A handshake message is signed or verified, MACed (membership_tag) and hashed into the
 * transcript (RFC 9420 §6.1, §6.2, §8.2): three passes of the hash over its bytes, which the
 * unit costs above (measured on short inputs) leave out.
 */
#define MESSAGE_HASH_PASSES 3

/* Seconds per byte of the suite's hash over 64 KiB inputs. */
static double measure_hash(const struct sr_suite *suite)
{
    enum {
        LEN = 1 << 16
    };
    uint8_t *in = must_calloc(LEN, 1), out[SR_HASH_MAX];
    double best = 1e9;
    for (int r = 0; r < RUNS; r++) {
        double t0 = cpu_s();
        for (int i = 0; i < UNIT_OPS; i++) {
            in[0] = (uint8_t)i;
            ok(sr_hash(suite->hash, sr_slice_of(in, LEN), out), "hash");
        }
        best = best_of(best, (cpu_s() - t0) / UNIT_OPS / LEN);
    }
    sr_free(in);
    return best;
}

static void measure_units(const struct sr_suite *suite, struct unit *u)
{
    struct sr_secret sig_sk, kem_sk;
    struct sr_buf pub, sig, kem, ct, pt;
    uint8_t pk[SR_KEM_PK_MAX], node_pk[SR_KEM_PK_MAX], msg[160] = { 7 }, secret[64] = { 9 };
    sr_buf_init(&pub, 0, 0);
    sr_buf_init(&sig, 0, 0);
    sr_buf_init(&kem, 0, 0);
    sr_buf_init(&ct, 0, 0);
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    ok(sr_sig_generate(suite->sig, &sig_sk, &pub), "sig keygen");
    ok(sr_hpke_generate_key_pair(suite->kem, &kem_sk, pk), "kem keygen");
    struct sr_slice m = sr_slice_of(msg, sizeof(msg)), pks = sr_slice_of(pk, suite->kem->pk_len);
    struct sr_slice s = sr_slice_of(secret, suite->hash->len);
    struct sr_secret node_sk;
    *u = (struct unit){ 1e9, 1e9, 1e9, 1e9, 1e9, measure_hash(suite) };
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
        for (int i = 0; i < UNIT_OPS; i++) {
            secret[0] = (uint8_t)i;
            ok(sr_hpke_derive_key_pair(suite->kem, s, &node_sk, node_pk), "derive");
        }
        double t5 = cpu_s();
        u->derive = best_of(u->derive, (t5 - t4) / UNIT_OPS);
        u->sign = best_of(u->sign, (t1 - t0) / UNIT_OPS);
        u->verify = best_of(u->verify, (t2 - t1) / UNIT_OPS);
        u->seal = best_of(u->seal, (t3 - t2) / UNIT_OPS);
        u->open = best_of(u->open, (t4 - t3) / UNIT_OPS);
    }
    sr_secret_cleanup(&sig_sk);
    sr_secret_cleanup(&kem_sk);
    sr_secret_cleanup(&node_sk);
    sr_buf_cleanup(&pub);
    sr_buf_cleanup(&sig);
    sr_buf_cleanup(&kem);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&pt);
}

/* The hash passes over a handshake message of `len` bytes. */
static double message_floor(const struct unit *u, size_t len)
{
    return MESSAGE_HASH_PASSES * (double)len * u->hash_byte;
}

static double floor_of(const struct unit *u, size_t signs, size_t verifies, size_t seals,
                       size_t opens, size_t derives)
{
    return (double)signs * u->sign + (double)verifies * u->verify + (double)seals * u->seal +
           (double)opens * u->open + (double)derives * u->derive;
}

/* The results of one group size: the worst ratio and the figures the footer checks. */
struct result {
    unsigned n;
    double build, join_wall, add_create, add_process, upd_create, upd_process;
    double heap_per_member;
    double worst_ratio;
    char worst_step[48];
};

static void row(struct result *res, const char *step, double t, double fl, const char *crypto,
                const char *extra)
{
    printf("  %-30s %10.2f ms %10.2f ms %6.2fx  %-30s %s\n", step, t * 1e3, fl * 1e3, t / fl,
           crypto, extra);
    if (t / fl > res->worst_ratio) {
        res->worst_ratio = t / fl;
        snprintf(res->worst_step, sizeof(res->worst_step), "%s", step);
    }
}

/*
 * What a commit with path from `leaf` costs in `g`'s tree (§7.5, §7.6, §12.4.2): `seals`, the
 * HPKE ciphertexts (the copath resolutions), `nodes`, the filtered direct path (the committer
 * derives a key pair for each, and one for its leaf), and `derives_at[r]`, the key pairs
 * receiver `r` derives and checks: the path nodes from where it decrypts up to the root.
 */
static void path_shape(const struct sr_mls_group *g, uint32_t leaf, size_t *seals, size_t *nodes,
                       uint32_t receiver, size_t *receiver_derives)
{
    uint32_t path[40], copath[40];
    size_t len = 0;
    ok(sr_mls_tree_filtered_path(&g->ep.tree, leaf, path, copath, &len), "filtered path");
    *seals = 0;
    *nodes = len;
    *receiver_derives = 0;
    for (size_t i = 0; i < len; i++) {
        struct sr_mls_node_list l = { 0 };
        ok(sr_mls_tree_resolution(&g->ep.tree, copath[i], &l), "resolution");
        *seals += l.len;
        sr_mls_node_list_cleanup(&l);
        if (*receiver_derives == 0 &&
            sr_mls_tree_in_subtree(copath[i], sr_mls_tree_leaf_to_node(receiver))) {
            *receiver_derives = len - i;
        }
    }
}

/* Non-blank parent nodes of `g`'s tree, and how many parent nodes it has. */
static void parent_fill(const struct sr_mls_group *g, size_t *set, size_t *all)
{
    const struct sr_mls_tree *t = &g->ep.tree;
    *set = *all = 0;
    for (uint32_t x = 1; x + 1 < 2 * t->n_leaves; x += 2) {
        *all += 1;
        *set += !sr_mls_tree_node_blank(t, x);
    }
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

/* The members whose groups the bench holds: g[0] the creator, g[1] the last leaf, then the
 * committers spread over the tree. */
struct members {
    struct sr_mls_group **g;
    size_t count;
};

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

/* Every member but the committer processes `msg`: the median time and the median floor
 * (`verifies` signatures, and for a commit with path one open and the receiver's key pairs). */
static double deliver(struct members *m, size_t committer, const struct sr_buf *msg,
                      const struct unit *u, size_t verifies, bool path, double *med_floor)
{
    double *t = must_calloc(2 * m->count, sizeof(*t)), *fl = t + m->count;
    uint32_t from = sr_mls_group_own_leaf(m->g[committer]);
    size_t k = 0;
    for (size_t i = 0; i < m->count; i++) {
        if (i == committer) {
            continue;
        }
        size_t seals, nodes, derives = 0;
        if (path) {
            path_shape(m->g[i], from, &seals, &nodes, sr_mls_group_own_leaf(m->g[i]), &derives);
        }
        struct sr_mls_processed pr = { 0 };
        double t0 = cpu_s();
        ok(sr_mls_group_process(m->g[i], sr_buf_slice(msg), &pr), "process");
        t[k] = cpu_s() - t0;
        fl[k++] = floor_of(u, 0, verifies, 0, path, derives) + message_floor(u, msg->len);
        sr_mls_processed_cleanup(&pr);
    }
    double med = median(t, k);
    *med_floor = median(fl, k);
    sr_free(t);
    return med;
}

/* The creator adds everyone; `inline_tree`: the ratchet tree goes in the Welcome's GroupInfo
 * (otherwise it is given out of band and the Welcome is small). */
static void build(unsigned n, struct client *cl, bool inline_tree, struct sr_mls_group **creator,
                  struct sr_buf *last_welcome, size_t *last_first, const struct unit *u,
                  struct result *res)
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
        struct sr_slice *add = must_calloc(k, sizeof(*add));
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
        *last_first = at;
        at += k;
        left -= k;
    }
    /* per Add: KeyPackage and LeafNode signatures verified, GroupSecrets sealed; per commit:
     * the commit and the GroupInfo signed */
    double fl = floor_of(u, 2 * commits, 2 * (size_t)(n - 1), n - 1, 0, 0) +
                message_floor(u, commit_bytes);
    char crypto[64], extra[96];
    snprintf(crypto, sizeof(crypto), "%zu sign %u verify %u seal", 2 * commits, 2 * (n - 1), n - 1);
    snprintf(extra, sizeof(extra), "%zu commit(s) %zu B, last Welcome %zu B", commits, commit_bytes,
             last_welcome->len);
    row(res, inline_tree ? "build (N-1 adds)" : "build, tree out of band", t, fl, crypto, extra);
    if (inline_tree) {
        res->build = t;
    }
    sr_buf_cleanup(&c);
}

static unsigned verify_cores(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned c = cpus < 1 ? 1u : (unsigned)cpus;
    return c < DEFAULT_VERIFY_THREADS_MAX ? c : DEFAULT_VERIFY_THREADS_MAX;
}

/* The best CPU and wall times of the joins so far. */
struct join_best {
    double cpu, wall;
    unsigned count;
};

/* `joiner` joins from `welcome` with `threads` verification threads. */
static void join_one(const struct client *joiner, const struct sr_buf *welcome, uint32_t threads,
                     struct sr_mls_group **out, struct join_best *best)
{
    struct sr_mls_group_limits lim = limits;
    lim.verify_threads = threads;
    struct sr_mls_group_join_params jp = {
        .welcome = sr_buf_slice(welcome),
        .key_package_priv = sr_buf_slice(&joiner->priv),
        .limits = &lim,
        .now = NOW,
    };
    double w0 = wall_s(), t0 = cpu_s();
    ok(sr_mls_group_join(&jp, out), "join");
    double t1 = cpu_s(), w1 = wall_s();
    best->cpu = best_of(best->cpu, t1 - t0);
    best->wall = best_of(best->wall, w1 - w0);
    best->count++;
}

/* The last member joins RUNS times; once more with the signatures on its own thread. */
static void join_last(const struct client *joiner, const struct sr_buf *welcome,
                      struct sr_mls_group **out, struct join_best *best, struct join_best *serial)
{
    for (int r = 0; r < RUNS; r++) {
        sr_mls_group_free(*out);
        *out = NULL;
        join_one(joiner, welcome, 0, out, best);
    }
    struct sr_mls_group *g = NULL;
    join_one(joiner, welcome, 1, &g, serial);
    sr_mls_group_free(g);
}

/* The join rows, from the best of all joins at this size (the held members' included: the
 * wall clock of a loaded machine needs many tries). */
static void join_rows(unsigned n, const struct join_best *best, const struct join_best *serial,
                      const struct unit *u, struct result *res)
{
    /* every leaf's LeafNode signature, the GroupInfo signature, one GroupSecrets open; with
     * threads, the leaf signatures share the cores */
    unsigned cores = n >= 64 ? verify_cores() : 1;
    double fl = floor_of(u, 0, (size_t)n + 1, 0, 1, 0);
    double fl_wall = floor_of(u, 0, 1, 0, 1, 0) + (double)n * u->verify / cores;
    char crypto[64], name[48], extra[64];
    snprintf(crypto, sizeof(crypto), "%u verify 1 open", n + 1);
    snprintf(extra, sizeof(extra), "CPU of all threads, best of %u joins", best->count);
    row(res, "join (validate tree)", best->cpu, fl, crypto, extra);
    snprintf(name, sizeof(name), "join, wall, %u core(s)", cores);
    snprintf(crypto, sizeof(crypto), "%u verify/%u 2 verify 1 open", n, cores);
    snprintf(extra, sizeof(extra), "verify_threads=1: %.2f ms wall", serial->wall * 1e3);
    row(res, name, best->wall, fl_wall, crypto, extra);
    res->join_wall = best->wall;
}

/* `m->g[a]` commits with a path into the tree as it is; the others process it. */
static void fresh_update(struct members *m, size_t a, const struct unit *u, struct result *res)
{
    struct sr_buf c, wl;
    sr_buf_init(&c, 0, 0);
    sr_buf_init(&wl, 0, 0);
    uint32_t leaf = sr_mls_group_own_leaf(m->g[a]);
    size_t seals, nodes, unused;
    path_shape(m->g[a], leaf, &seals, &nodes, leaf, &unused);
    struct sr_mls_commit_params p = { .path = true };
    double tc = timed_commit(m->g[a], &p, &c, &wl);
    double flp, tp = deliver(m, a, &c, u, 2, true, &flp);
    char name[48], crypto[64], extra[64];
    snprintf(name, sizeof(name), "fresh, update by %u: create", leaf);
    snprintf(crypto, sizeof(crypto), "2 sign %zu seal %zu derive", seals, nodes + 1);
    snprintf(extra, sizeof(extra), "commit %zu B", c.len);
    /* LeafNode and commit signed, leaf and path key pairs derived, the path secrets sealed to
     * the copath resolutions */
    row(res, name, tc, floor_of(u, 2, 0, seals, 0, nodes + 1) + message_floor(u, c.len), crypto,
        extra);
    snprintf(name, sizeof(name), "fresh, update by %u: process", leaf);
    /* the commit's and the LeafNode's signatures, our path secret, the key pairs above it */
    row(res, name, tp, flp, "2 verify 1 open k derive", "median of the others");
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&wl);
}

/* One update commit with path by `a`, processed by all others: its times and floors. */
struct sample {
    double create, process, fl_create, fl_process;
    size_t seals, derives, bytes;
};

static void steady_commit(struct members *m, size_t a, const struct unit *u, struct sample *s)
{
    struct sr_buf c;
    sr_buf_init(&c, 0, 0);
    uint32_t leaf = sr_mls_group_own_leaf(m->g[a]);
    size_t nodes, unused;
    path_shape(m->g[a], leaf, &s->seals, &nodes, leaf, &unused);
    struct sr_mls_commit_params p = { .path = true };
    double t0 = cpu_s();
    ok(sr_mls_group_commit(m->g[a], &p, &c, NULL), "update commit");
    s->create = cpu_s() - t0;
    ok(sr_mls_group_commit_merge(m->g[a]), "update merge");
    s->process = deliver(m, a, &c, u, 2, true, &s->fl_process);
    s->derives = nodes + 1;
    s->fl_create = floor_of(u, 2, 0, s->seals, 0, s->derives) + message_floor(u, c.len);
    s->bytes = c.len;
    sr_buf_cleanup(&c);
}

/* Every held member commits an update once (untimed), then STEADY_SAMPLES more commits by
 * members spread over the held ones are measured. */
static void steady_state(struct members *m, const struct unit *u, struct result *res)
{
    struct sample s;
    double c[STEADY_SAMPLES], p[STEADY_SAMPLES], rc[STEADY_SAMPLES], rp[STEADY_SAMPLES];
    double seals[STEADY_SAMPLES], derives[STEADY_SAMPLES], bytes[STEADY_SAMPLES];
    double t0 = cpu_s();
    for (size_t i = 0; i < m->count; i++) {
        steady_commit(m, i, u, &s);
    }
    double warm = cpu_s() - t0;
    for (size_t k = 0; k < STEADY_SAMPLES; k++) {
        steady_commit(m, (k * m->count) / STEADY_SAMPLES, u, &s);
        c[k] = s.create;
        p[k] = s.process;
        rc[k] = s.fl_create;
        rp[k] = s.fl_process;
        seals[k] = (double)s.seals;
        derives[k] = (double)s.derives;
        bytes[k] = (double)s.bytes;
    }
    size_t set, all;
    parent_fill(m->g[0], &set, &all);
    printf("  steady state: %zu members committed updates (%.1f s CPU with processing); parent "
           "nodes set %zu of %zu\n",
           m->count, warm, set, all);
    char crypto[64], extra[64];
    snprintf(crypto, sizeof(crypto), "2 sign %.0f seal %.0f derive", median(seals, STEADY_SAMPLES),
             median(derives, STEADY_SAMPLES));
    snprintf(extra, sizeof(extra), "median of %d commits, %.0f B", STEADY_SAMPLES,
             median(bytes, STEADY_SAMPLES));
    res->upd_create = median(c, STEADY_SAMPLES);
    res->upd_process = median(p, STEADY_SAMPLES);
    row(res, "steady, update: create", res->upd_create, median(rc, STEADY_SAMPLES), crypto, extra);
    row(res, "steady, update: process", res->upd_process, median(rp, STEADY_SAMPLES),
        "2 verify 1 open k derive", "median over commits of the median receiver");
}

/* m->g[0] adds one client without a path; the others process the commit. */
static void add_one(uint16_t suite, unsigned n, struct members *m, const struct unit *u,
                    struct result *res)
{
    struct client nc;
    struct sr_buf c, wl;
    make_client(suite, n, &nc);
    sr_buf_init(&c, 0, 0);
    sr_buf_init(&wl, 0, 0);
    struct sr_slice add = sr_buf_slice(&nc.kp);
    struct sr_mls_commit_params p = { .add = &add, .add_count = 1 };
    double tc = timed_commit(m->g[0], &p, &c, &wl);
    double flp, tp = deliver(m, 0, &c, u, 3, false, &flp);
    char extra[64];
    snprintf(extra, sizeof(extra), "commit %zu B, Welcome %zu B", c.len, wl.len);
    /* committer: KeyPackage and LeafNode verified, GroupSecrets sealed, commit and GroupInfo
     * signed; receiver: the two KeyPackage signatures and the commit's */
    row(res, "add one: create", tc, floor_of(u, 2, 2, 1, 0, 0) + message_floor(u, c.len),
        "2 sign 2 verify 1 seal", extra);
    row(res, "add one: process", tp, flp, "3 verify", "median of the others");
    res->add_create = tc;
    res->add_process = tp;
    free_client(&nc);
    sr_buf_cleanup(&c);
    sr_buf_cleanup(&wl);
}

/* Saved bytes and heap bytes of one member's group, per member of the group. */
static void state_size(const struct sr_mls_group *g, unsigned n, const char *when,
                       struct result *res)
{
    struct sr_buf st;
    struct sr_mls_group *copy = NULL;
    sr_buf_init(&st, 0, SR_BUF_WIPE);
    ok(sr_mls_group_save(g, &st), "save");
    size_t h0 = heap_bytes();
    ok(sr_mls_group_restore(sr_buf_slice(&st), &copy), "restore");
    size_t heap = heap_bytes() - h0;
    sr_mls_group_free(copy);
    printf("  state of a member, %-8s saved %zu B (%.0f B/member), heap %zu B (%.0f B/member)\n",
           when, st.len, (double)st.len / n, heap, (double)heap / n);
    res->heap_per_member = (double)heap / n;
    sr_buf_cleanup(&st);
}

/* How many members commit updates to reach the steady state. */
static size_t committers_for(unsigned n)
{
    const char *env = getenv("SR_BENCH_MLS_COMMITTERS");
    unsigned long k = env != NULL ? strtoul(env, NULL, 10) : 32000u / n;
    k = k < 4 ? 4 : k;
    k = k > MAX_COMMITTERS ? MAX_COMMITTERS : k;
    return k;
}

/* Hold the creator, the last leaf and up to K members of the last Welcome, evenly spread. */
static void hold_members(unsigned n, struct client *cl, const struct sr_buf *wl, size_t first,
                         struct sr_mls_group *creator, struct sr_mls_group *last, struct members *m,
                         struct join_best *best)
{
    size_t span = (n - 1) - first, k = committers_for(n);
    k = k < span ? k : span;
    m->g = must_calloc(k + 2, sizeof(*m->g));
    m->g[0] = creator;
    m->g[1] = last;
    m->count = 2;
    for (size_t i = 0; i < k; i++) {
        join_one(&cl[first + (i * span) / k], wl, 0, &m->g[m->count++], best);
    }
}

/* All held members share the epoch authenticator. */
static void check_agreement(const struct members *m)
{
    struct sr_buf a, b;
    sr_buf_init(&a, 0, 0);
    sr_buf_init(&b, 0, 0);
    ok(sr_mls_group_epoch_authenticator(m->g[0], &a), "authenticator");
    for (size_t i = 1; i < m->count; i++) {
        sr_buf_reset(&b);
        ok(sr_mls_group_epoch_authenticator(m->g[i], &b), "authenticator");
        if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
            ok(SR_ERR_STATE, "members disagree on the epoch");
        }
    }
    sr_buf_cleanup(&a);
    sr_buf_cleanup(&b);
}

static void run_size(uint16_t suite, unsigned n, const struct unit *u, struct result *res)
{
    struct client *cl = must_calloc(n, sizeof(*cl));
    struct sr_mls_group *creator = NULL, *joiner = NULL;
    struct members m = { 0 };
    struct sr_buf wl;
    size_t first = 1;
    double w0 = wall_s();
    memset(res, 0, sizeof(*res));
    res->n = n;
    printf("suite %u, N = %u\n", suite, n);
    printf("  %-30s %13s %13s %7s  %-30s %s\n", "step", "ours", "floor", "ratio",
           "unavoidable crypto", "sizes / notes");
    for (unsigned i = 0; i < n; i++) {
        make_client(suite, i, &cl[i]);
    }
    sr_buf_init(&wl, 0, 0);
    build(n, cl, false, &creator, &wl, &first, u, res);
    sr_mls_group_free(creator);
    creator = NULL;
    build(n, cl, true, &creator, &wl, &first, u, res);
    struct join_best best = { 1e9, 1e9, 0 }, serial = { 1e9, 1e9, 0 };
    join_last(&cl[n - 1], &wl, &joiner, &best, &serial);
    hold_members(n, cl, &wl, first, creator, joiner, &m, &best);
    join_rows(n, &best, &serial, u, res);
    state_size(joiner, n, "joined", res);
    fresh_update(&m, 1, u, res); /* the last leaf: nothing but leaves on its copath */
    fresh_update(&m, 0, u, res); /* leaf 0, with the last leaf's path set */
    steady_state(&m, u, res);
    state_size(m.g[0], n, "steady", res);
    add_one(suite, n, &m, u, res);
    check_agreement(&m);
    printf("  (size done in %.1f s wall)\n\n", wall_s() - w0);
    for (size_t i = 0; i < m.count; i++) {
        sr_mls_group_free(m.g[i]);
    }
    sr_free(m.g);
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
    printf("  join with full validation, wall < 100 ms : %8.2f ms  %s\n", r->join_wall * 1e3,
           mark(r->join_wall < 0.1));
    printf("  add-one commit created          <   3 ms : %8.2f ms  %s\n", r->add_create * 1e3,
           mark(r->add_create < 0.003));
    printf("  add-one commit processed        <   1 ms : %8.2f ms  %s\n", r->add_process * 1e3,
           mark(r->add_process < 0.001));
    printf("  commit with path processed      <   2 ms : %8.2f ms  %s (steady state)\n",
           r->upd_process * 1e3, mark(r->upd_process < 0.002));
    printf("  heap per member, basic creds    <  1 KB  : %8.0f B   %s (steady state)\n",
           r->heap_per_member, mark(r->heap_per_member < 1024));
    printf("  every step within 2x of floor            : worst %.2fx  %s (%s)\n", r->worst_ratio,
           mark(r->worst_ratio <= 2.0), r->worst_step);
}

/* Sizes from the arguments, else from SR_BENCH_MLS_SIZES, else the defaults. */
static size_t parse_sizes(int argc, char **argv, unsigned *sizes)
{
    static const unsigned dflt[] = { 10, 100, 1000, 5000 };
    const char *env = getenv("SR_BENCH_MLS_SIZES");
    size_t n = 0;
    if (argc > 1) {
        for (int i = 1; i < argc && n < MAX_SIZES; i++) {
            sizes[n++] = (unsigned)strtoul(argv[i], NULL, 10);
        }
    } else if (env != NULL && *env != '\0') {
        char *end = NULL;
        for (const char *p = env; *p != '\0' && n < MAX_SIZES; p = end) {
            sizes[n++] = (unsigned)strtoul(p, &end, 10);
            if (end == p) {
                return 0;
            }
            end += *end == ',';
        }
    } else {
        memcpy(sizes, dflt, sizeof(dflt));
        n = sizeof(dflt) / sizeof(dflt[0]);
    }
    for (size_t i = 0; i < n; i++) {
        if (sizes[i] < 2 || sizes[i] > MAX_N) {
            return 0;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    unsigned sizes[MAX_SIZES];
    struct result at1000 = { 0 };
    bool have1000 = false;
    size_t n_sizes = parse_sizes(argc, argv, sizes);
    if (n_sizes == 0) {
        fprintf(stderr, "usage: bench_mls_group [members 2..%u]... (or SR_BENCH_MLS_SIZES=a,b)\n",
                MAX_N);
        return 2;
    }
    for (uint16_t suite = 1; suite <= 2; suite++) {
        struct unit u;
        measure_units(sr_suite_get(suite), &u);
        printf("== suite %u (%s): sign %.1f us, verify %.1f us, seal %.1f us, open %.1f us, "
               "derive %.1f us, hash %.0f MB/s\n",
               suite, sr_suite_get(suite)->name, u.sign * 1e6, u.verify * 1e6, u.seal * 1e6,
               u.open * 1e6, u.derive * 1e6, 1e-6 / u.hash_byte);
        printf("   (floors of commits add %d hash passes over the message bytes)\n\n",
               MESSAGE_HASH_PASSES);
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
