/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What it costs to save and restore the secret tree's progress in an epoch (the part that
 * format 2 of the saved group state adds), in a 1000-leaf tree where K leaves have sent
 * (K = 1, 100, 1000), each after 10 generations of which 3 are kept out of order. Rows:
 * saved bytes, save, load, and the floor of load measured in the same run: a fresh tree
 * that starts the same K leaves (load must derive down to each of them again).
 *
 * Each side runs in 10 ms slices of process CPU time, alternating, ~0.2 s per side; the
 * best slice is reported, so load from other processes hits all sides alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crypto/suite.h"
#include "mls/secret_tree.h"

#define LEAVES        1000u
#define SLICE_SECONDS 0.01
#define SLICES        20

static const uint8_t enc[32] = { 7 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ok(sr_err err, const char *what)
{
    if (err != SR_OK) {
        fprintf(stderr, "bench_mls_state: %s: %s\n", what, sr_err_name(err));
        exit(1);
    }
}

static struct sr_mls_secret_tree *fresh(void)
{
    struct sr_mls_secret_tree *t = NULL;
    ok(sr_mls_secret_tree_new(sr_suite_get(1), sr_slice_of(enc, sizeof(enc)), LEAVES, NULL, &t),
       "new");
    return t;
}

/* Leaves 0, step, 2 step, ...: k of them received generation 9 after 6 (3 kept). */
static struct sr_mls_secret_tree *used(uint32_t k)
{
    struct sr_mls_secret_tree *t = fresh();
    for (uint32_t i = 0; i < k; i++) {
        struct sr_mls_ratchet_key key = { 0 };
        uint32_t leaf = i * (LEAVES / k);
        ok(sr_mls_secret_tree_get(t, leaf, SR_MLS_RATCHET_APPLICATION, 6, &key), "get");
        ok(sr_mls_secret_tree_get(t, leaf, SR_MLS_RATCHET_APPLICATION, 9, &key), "get");
        sr_mls_ratchet_key_cleanup(&key);
    }
    return t;
}

/* Run `op` for one slice; the per-call time of this slice. */
static double slice(void (*op)(void *), void *arg)
{
    double start = now_s(), t = start;
    unsigned n = 0;
    while (t - start < SLICE_SECONDS) {
        op(arg);
        n++;
        t = now_s();
    }
    return (t - start) / n;
}

struct ctx {
    uint32_t k;
    struct sr_mls_secret_tree *src;
    struct sr_buf saved;
};

static void op_save(void *arg)
{
    struct ctx *c = arg;
    sr_buf_reset(&c->saved);
    ok(sr_mls_secret_tree_save(c->src, &c->saved), "save");
}

static void op_load(void *arg)
{
    struct ctx *c = arg;
    struct sr_mls_secret_tree *t = fresh();
    struct sr_reader r;
    sr_reader_init(&r, sr_buf_slice(&c->saved));
    ok(sr_mls_secret_tree_load(t, &r), "load");
    sr_mls_secret_tree_free(t);
}

static void op_floor(void *arg)
{
    struct ctx *c = arg;
    struct sr_mls_secret_tree *t = fresh();
    for (uint32_t i = 0; i < c->k; i++) {
        struct sr_mls_ratchet_key key = { 0 };
        ok(sr_mls_secret_tree_get(t, i * (LEAVES / c->k), SR_MLS_RATCHET_APPLICATION, 0, &key),
           "start");
        sr_mls_ratchet_key_cleanup(&key);
    }
    sr_mls_secret_tree_free(t);
}

int main(void)
{
    static const uint32_t ks[] = { 1, 100, 1000 };
    printf("secret tree progress, %u leaves, suite 1: K sending leaves, 3 kept keys each\n",
           LEAVES);
    printf("%6s %10s %12s %12s %16s\n", "K", "bytes", "save us", "load us", "floor (start) us");
    for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
        struct ctx c = { .k = ks[i], .src = used(ks[i]) };
        double best[3] = { 1e9, 1e9, 1e9 };
        void (*ops[3])(void *) = { op_save, op_load, op_floor };
        sr_buf_init(&c.saved, 0, SR_BUF_WIPE);
        op_save(&c);
        for (int s = 0; s < SLICES; s++) {
            for (int j = 0; j < 3; j++) {
                double per = slice(ops[j], &c);
                best[j] = per < best[j] ? per : best[j];
            }
        }
        printf("%6u %10zu %12.1f %12.1f %16.1f\n", c.k, c.saved.len, best[0] * 1e6, best[1] * 1e6,
               best[2] * 1e6);
        sr_buf_cleanup(&c.saved);
        sr_mls_secret_tree_free(c.src);
    }
    return 0;
}
