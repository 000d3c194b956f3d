/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS PrivateMessage protect/unprotect of application messages (RFC 9420 §6.3) at 100 bytes
 * and 4 KiB, for suites 1 and 2, next to two baselines measured in the same run with the
 * same sizes: the raw AEAD (a reused sr_aead_ctx, 32-byte AAD) and the bare signature
 * operation (sign for protect, verify for unprotect, over the same number of bytes), which
 * MLS requires on every message and which dominates its cost.
 *
 * Each measurement runs ~0.3 s of process CPU time. Unprotect works through a ring of
 * distinct messages (a generation opens once); between passes the receiver is rebuilt with
 * the clock stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/aead.h"
#include "crypto/sig.h"
#include "mls/protect.h"
#include "mls/wire_group_context.h"

#define RUN_SECONDS 0.3
#define RING        512

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

/* Messages per second of sr_mls_application_protect. */
static double mls_seal(struct group *g, size_t size)
{
    struct sr_mls_secret_tree *t = NULL;
    struct sr_mls_protect_ctx *tx = NULL;
    struct sr_buf out;
    sr_buf_init(&out, 0, 0);
    member(g, 1, &t, &tx);
    long n = 0;
    double start = now_s(), el = 0;
    while ((el = now_s() - start) < RUN_SECONDS) {
        for (int i = 0; i < 64; i++, n++) {
            out.len = 0;
            ok(sr_mls_application_protect(tx, sr_slice_of(ad, 0), sr_slice_of(payload, size), &out),
               "protect");
        }
    }
    sr_buf_cleanup(&out);
    sr_mls_protect_ctx_free(tx);
    sr_mls_secret_tree_free(t);
    return (double)n / el;
}

/* Messages per second of sr_mls_private_message_unprotect over a ring of fresh messages. */
static double mls_open(struct group *g, size_t size)
{
    struct sr_mls_secret_tree *t = NULL, *rt = NULL;
    struct sr_mls_protect_ctx *tx = NULL, *rx = NULL;
    static struct sr_buf ring[RING];
    struct sr_buf pt;
    struct sr_mls_authenticated_content ac;
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    member(g, 1, &t, &tx);
    for (int i = 0; i < RING; i++) {
        sr_buf_init(&ring[i], 0, 0);
        ok(sr_mls_application_protect(tx, sr_slice_of(ad, 0), sr_slice_of(payload, size), &ring[i]),
           "protect");
    }
    long n = 0;
    double el = 0;
    while (el < RUN_SECONDS) {
        member(g, 0, &rt, &rx);
        double start = now_s();
        for (int i = 0; i < RING; i++, n++) {
            ok(sr_mls_private_message_unprotect(rx, sr_buf_slice(&ring[i]), &pt, &ac), "open");
            sr_mls_authenticated_content_cleanup(&ac);
        }
        el += now_s() - start;
        sr_mls_protect_ctx_free(rx);
        sr_mls_secret_tree_free(rt);
    }
    for (int i = 0; i < RING; i++) {
        sr_buf_cleanup(&ring[i]);
    }
    sr_buf_cleanup(&pt);
    sr_mls_protect_ctx_free(tx);
    sr_mls_secret_tree_free(t);
    return (double)n / el;
}

/* Raw AEAD seal (open = 0) or open (open = 1) of `size` bytes with a reused context. */
static double raw_aead(const struct group *g, size_t size, int open)
{
    const struct sr_aead_alg *alg = g->suite->aead;
    static uint8_t ct[4096 + 16], out[4096 + 16];
    uint8_t nonce[12] = { 0 };
    size_t ct_len = 0, len = 0;
    struct sr_aead_ctx *a = NULL;
    ok(sr_aead_ctx_new(alg, sr_slice_of(g->secret, alg->key_len), &a), "aead");
    ok(sr_aead_seal(a, nonce, sr_slice_of(ad, 32), sr_slice_of(payload, size), ct, sizeof(ct),
                    &ct_len),
       "seal");
    long n = 0;
    double start = now_s(), el = 0;
    while ((el = now_s() - start) < RUN_SECONDS) {
        for (int i = 0; i < 256; i++, n++) {
            sr_err err = open ? sr_aead_open(a, nonce, sr_slice_of(ad, 32), sr_slice_of(ct, ct_len),
                                             out, sizeof(out), &len)
                              : sr_aead_seal(a, nonce, sr_slice_of(ad, 32),
                                             sr_slice_of(payload, size), out, sizeof(out), &len);
            ok(err, "raw aead");
        }
    }
    sr_aead_ctx_free(a);
    return (double)n / el;
}

/* The bare signature: sign (verify = 0) or verify (verify = 1) `size` bytes. */
static double raw_sig(const struct group *g, size_t size, int verify)
{
    struct sr_sig_key *sk = NULL, *pk = NULL;
    struct sr_buf sig;
    sr_buf_init(&sig, 0, 0);
    ok(sr_sig_key_from_private(g->suite->sig, sr_secret_slice(&g->priv), &sk), "sig key");
    ok(sr_sig_key_from_public(g->suite->sig, sr_buf_slice(&g->pub), &pk), "sig key");
    ok(sr_sig_key_sign(sk, sr_slice_of(payload, size), &sig), "sign");
    long n = 0;
    double start = now_s(), el = 0;
    while ((el = now_s() - start) < RUN_SECONDS) {
        for (int i = 0; i < 16; i++, n++) {
            if (verify) {
                ok(sr_sig_key_verify(pk, sr_slice_of(payload, size), sr_buf_slice(&sig)), "verify");
            } else {
                sig.len = 0;
                ok(sr_sig_key_sign(sk, sr_slice_of(payload, size), &sig), "sign");
            }
        }
    }
    sr_buf_cleanup(&sig);
    sr_sig_key_free(sk);
    sr_sig_key_free(pk);
    return (double)n / el;
}

int main(void)
{
    static const uint16_t suites[] = { 1, 2 };
    static const size_t sizes[] = { 100, 4096 };
    memset(payload, 0xab, sizeof(payload));
    printf("%-5s %-9s %6s %12s %12s %8s %12s %8s\n", "suite", "op", "bytes", "mls msg/s",
           "aead msg/s", "aead/mls", "sig op/s", "sig/mls");
    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        struct group g;
        group_init(&g, suites[s]);
        for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
            for (int op = 0; op <= 1; op++) {
                double mls = op ? mls_open(&g, sizes[z]) : mls_seal(&g, sizes[z]);
                double aead = raw_aead(&g, sizes[z], op);
                double sig = raw_sig(&g, sizes[z], op);
                printf("%-5u %-9s %6zu %12.0f %12.0f %7.1fx %12.0f %7.2fx\n", suites[s],
                       op ? "unprotect" : "protect", sizes[z], mls, aead, aead / mls, sig,
                       sig / mls);
            }
        }
        group_cleanup(&g);
    }
    return 0;
}
