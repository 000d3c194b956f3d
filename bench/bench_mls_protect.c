/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS PrivateMessage protect/unprotect of application messages (RFC 9420 §6.3) at 100 bytes
 * and 4 KiB, for suites 1 and 2, next to two baselines measured in the same run with the
 * same sizes: the raw AEAD (a reused sr_aead_ctx, 32-byte AAD) and the bare signature
 * operation (sign for protect, verify for unprotect, over the same number of bytes), which
 * MLS requires on every message and which dominates its cost.
 *
 * Each row alternates 10 ms slices (process CPU time) of the three sides, ~0.3 s per side,
 * and reports each side's best slice, so load from other processes hits all sides alike.
 * Unprotect works through a ring of distinct messages (a generation opens only once); the
 * receiver is rebuilt between slices, off the clock, when the ring runs low.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/aead.h"
#include "crypto/sig.h"
#include "mls/protect.h"
#include "mls/wire_group_context.h"

#define SLICE_SECONDS 0.01 /* 30 alternating slices: ~0.3 s per side and row */
#define SLICES        30
#define RING          1024

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, sr_err err)
{
    fprintf(stderr, "bench_mls_protect: %s: %s\n", what, sr_err_name(err));
    exit(1);
}

static void ok(sr_err err, const char *what)
{
    if (err != SR_OK) {
        die(what, err);
    }
}

struct group {
    const struct sr_suite *suite;
    uint8_t secret[64];
    struct sr_secret priv;
    struct sr_buf pub, gc;
};

static sr_err lookup(void *arg, const struct sr_mls_sender *s,
                     const struct sr_mls_framed_content *c, struct sr_slice *pub)
{
    (void)s;
    (void)c;
    *pub = sr_buf_slice(&((struct group *)arg)->pub);
    return SR_OK;
}

static void member(struct group *g, uint32_t own, struct sr_mls_secret_tree **t,
                   struct sr_mls_protect_ctx **ctx)
{
    size_t nh = g->suite->hash->len;
    ok(sr_mls_secret_tree_new(g->suite, sr_slice_of(g->secret, nh), 2, NULL, t), "tree");
    struct sr_mls_protect_params p = { g->suite,
                                       sr_buf_slice(&g->gc),
                                       sr_slice_of(g->secret, nh),
                                       sr_slice_of(g->secret, nh),
                                       *t,
                                       2,
                                       own,
                                       own == 1 ? sr_secret_slice(&g->priv) : sr_slice_of(NULL, 0),
                                       lookup,
                                       g,
                                       0 };
    ok(sr_mls_protect_ctx_new(&p, ctx), "context");
}

static void group_init(struct group *g, uint16_t suite)
{
    memset(g, 0, sizeof(*g));
    g->suite = sr_suite_get(suite);
    memset(g->secret, 0x5a, sizeof(g->secret));
    ok(sr_sig_generate(g->suite->sig, &g->priv, &g->pub), "keygen");
    uint8_t hash[64] = { 0 };
    struct sr_mls_group_context gc = { SR_MLS_VERSION_10,
                                       suite,
                                       sr_slice_of("meeting-1234", 12),
                                       42,
                                       sr_slice_of(hash, g->suite->hash->len),
                                       sr_slice_of(hash, g->suite->hash->len),
                                       sr_slice_of(NULL, 0) };
    ok(sr_mls_group_context_encode(&gc, &g->gc), "group context");
}

static void group_cleanup(struct group *g)
{
    sr_secret_cleanup(&g->priv);
    sr_buf_cleanup(&g->pub);
    sr_buf_cleanup(&g->gc);
}

static const uint8_t ad[32] = { 9 };
static uint8_t payload[4096];

/* One side of a race: `batch` runs a few operations and returns how many. */
struct side {
    long (*batch)(void *st);
    void (*untimed)(void *st); /* work between slices, off the clock; may be NULL */
    void *st;
    double best; /* operations per second in the best slice */
};

/* Alternate SLICES slices of each side, so load from other processes hits all alike. */
static void race(struct side *sides, size_t n)
{
    for (int slice = 0; slice < SLICES; slice++) {
        for (size_t i = 0; i < n; i++) {
            if (sides[i].untimed != NULL) {
                sides[i].untimed(sides[i].st);
            }
            long ops = 0;
            double start = now_s(), el = 0;
            while ((el = now_s() - start) < SLICE_SECONDS) {
                ops += sides[i].batch(sides[i].st);
            }
            double rate = (double)ops / el;
            sides[i].best = rate > sides[i].best ? rate : sides[i].best;
        }
    }
}

/* The MLS sides: a sender, and a receiver working through a ring of distinct messages. */
struct mls {
    struct group *g;
    size_t size;
    struct sr_mls_secret_tree *t, *rt;
    struct sr_mls_protect_ctx *tx, *rx;
    struct sr_buf out, pt, ring[RING];
    size_t next; /* next ring message for the receiver */
};

static long mls_protect_batch(void *st)
{
    struct mls *m = st;
    for (int i = 0; i < 4; i++) {
        m->out.len = 0;
        ok(sr_mls_application_protect(m->tx, sr_slice_of(ad, 0), sr_slice_of(payload, m->size),
                                      &m->out),
           "protect");
    }
    return 4;
}

static long mls_unprotect_batch(void *st)
{
    struct mls *m = st;
    struct sr_mls_authenticated_content ac;
    for (int i = 0; i < 4; i++) {
        ok(sr_mls_private_message_unprotect(m->rx, sr_buf_slice(&m->ring[m->next++]), &m->pt, &ac),
           "unprotect");
        sr_mls_authenticated_content_cleanup(&ac);
    }
    return 4;
}

/* A fresh receiver when less than half the ring is left (a slice uses far fewer). */
static void mls_refill(void *st)
{
    struct mls *m = st;
    if (m->rx != NULL && m->next < RING / 2) {
        return;
    }
    sr_mls_protect_ctx_free(m->rx);
    sr_mls_secret_tree_free(m->rt);
    member(m->g, 0, &m->rt, &m->rx);
    m->next = 0;
}

static void mls_init(struct mls *m, struct group *g, size_t size)
{
    memset(m, 0, sizeof(*m));
    m->g = g;
    m->size = size;
    sr_buf_init(&m->out, 0, 0);
    sr_buf_init(&m->pt, 0, SR_BUF_WIPE);
    member(g, 1, &m->t, &m->tx);
    for (int i = 0; i < RING; i++) {
        sr_buf_init(&m->ring[i], 0, 0);
        ok(sr_mls_application_protect(m->tx, sr_slice_of(ad, 0), sr_slice_of(payload, size),
                                      &m->ring[i]),
           "protect");
    }
}

static void mls_cleanup(struct mls *m)
{
    for (int i = 0; i < RING; i++) {
        sr_buf_cleanup(&m->ring[i]);
    }
    sr_buf_cleanup(&m->out);
    sr_buf_cleanup(&m->pt);
    sr_mls_protect_ctx_free(m->tx);
    sr_mls_protect_ctx_free(m->rx);
    sr_mls_secret_tree_free(m->t);
    sr_mls_secret_tree_free(m->rt);
}

/* The baselines: raw AEAD with a reused context, and the bare signature operation. */
struct raw {
    size_t size;
    struct sr_aead_ctx *aead;
    struct sr_sig_key *sk, *pk;
    uint8_t ct[4096 + 16], out[4096 + 16];
    size_t ct_len;
    struct sr_buf sig;
};

static long aead_seal_batch(void *st)
{
    struct raw *r = st;
    static const uint8_t nonce[12];
    size_t len = 0;
    for (int i = 0; i < 16; i++) {
        ok(sr_aead_seal(r->aead, nonce, sr_slice_of(ad, 32), sr_slice_of(payload, r->size), r->out,
                        sizeof(r->out), &len),
           "seal");
    }
    return 16;
}

static long aead_open_batch(void *st)
{
    struct raw *r = st;
    static const uint8_t nonce[12];
    size_t len = 0;
    for (int i = 0; i < 16; i++) {
        ok(sr_aead_open(r->aead, nonce, sr_slice_of(ad, 32), sr_slice_of(r->ct, r->ct_len), r->out,
                        sizeof(r->out), &len),
           "open");
    }
    return 16;
}

static long sign_batch(void *st)
{
    struct raw *r = st;
    r->sig.len = 0;
    ok(sr_sig_key_sign(r->sk, sr_slice_of(payload, r->size), &r->sig), "sign");
    return 1;
}

static long verify_batch(void *st)
{
    struct raw *r = st;
    ok(sr_sig_key_verify(r->pk, sr_slice_of(payload, r->size), sr_buf_slice(&r->sig)), "verify");
    return 1;
}

static void raw_init(struct raw *r, const struct group *g, size_t size)
{
    static const uint8_t nonce[12];
    memset(r, 0, sizeof(*r));
    r->size = size;
    sr_buf_init(&r->sig, 0, 0);
    ok(sr_aead_ctx_new(g->suite->aead, sr_slice_of(g->secret, g->suite->aead->key_len), &r->aead),
       "aead");
    ok(sr_aead_seal(r->aead, nonce, sr_slice_of(ad, 32), sr_slice_of(payload, size), r->ct,
                    sizeof(r->ct), &r->ct_len),
       "seal");
    ok(sr_sig_key_from_private(g->suite->sig, sr_secret_slice(&g->priv), &r->sk), "sig key");
    ok(sr_sig_key_from_public(g->suite->sig, sr_buf_slice(&g->pub), &r->pk), "sig key");
    ok(sr_sig_key_sign(r->sk, sr_slice_of(payload, size), &r->sig), "sign");
}

static void raw_cleanup(struct raw *r)
{
    sr_aead_ctx_free(r->aead);
    sr_sig_key_free(r->sk);
    sr_sig_key_free(r->pk);
    sr_buf_cleanup(&r->sig);
}

static void row(struct group *g, size_t size, int open)
{
    static struct mls m;
    static struct raw r;
    mls_init(&m, g, size);
    raw_init(&r, g, size);
    struct side sides[3] = {
        { open ? mls_unprotect_batch : mls_protect_batch, open ? mls_refill : NULL, &m, 0 },
        { open ? aead_open_batch : aead_seal_batch, NULL, &r, 0 },
        { open ? verify_batch : sign_batch, NULL, &r, 0 },
    };
    race(sides, 3);
    printf("%-5u %-9s %6zu %12.0f %12.0f %8.1fx %12.0f %8.2fx\n", g->suite->id,
           open ? "unprotect" : "protect", size, sides[0].best, sides[1].best,
           sides[1].best / sides[0].best, sides[2].best, sides[2].best / sides[0].best);
    mls_cleanup(&m);
    raw_cleanup(&r);
}

int main(void)
{
    static const uint16_t suites[] = { 1, 2 };
    static const size_t sizes[] = { 100, 4096 };
    memset(payload, 0xab, sizeof(payload));
    printf("%-5s %-9s %6s %12s %12s %9s %12s %9s\n", "suite", "op", "bytes", "mls msg/s",
           "aead msg/s", "aead/mls", "sig op/s", "sig/mls");
    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        struct group g;
        group_init(&g, suites[s]);
        for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
            row(&g, sizes[z], 0);
            row(&g, sizes[z], 1);
        }
        group_cleanup(&g);
    }
    return 0;
}
