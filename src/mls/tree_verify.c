/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leaf signatures of a whole ratchet tree (RFC 9420 §7.2, §12.4.3.1 "Validate the LeafNode of
 * every non-blank leaf"), verified on a small pool of POSIX threads.
 *
 * They are nearly the whole cost of a join (one public-key verification per member), and each
 * is independent of the others: the tree is only read and crypto/ is thread-safe. Workers
 * claim fixed chunks of leaves in increasing order from an atomic counter; the caller's
 * thread works too, so a thread that cannot be started only makes the pool smaller.
 *
 * The answer is the serial one: the error of the lowest failing leaf. A failure at leaf f
 * makes every thread skip leaves above f, but each leaf below it is still verified by the
 * thread that claimed its chunk, so a lower failure found later still wins.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "crypto/labels.h"
#include "mls/tree.h"

/* Smaller trees verify on the caller's thread: starting threads would cost more than it saves. */
#define VERIFY_THREAD_MIN_LEAVES 64u
/* Each thread gets at least this many leaves; fewer would not pay for the thread. */
#define VERIFY_LEAVES_PER_THREAD 32u
/* Leaves one claim takes: big enough that the counter is not contended, small enough that
 * the threads finish together. */
#define VERIFY_CHUNK 8u
/* The default pool (limits.verify_threads = 0) uses the online CPUs up to this many. */
#define VERIFY_THREADS_DEFAULT_MAX 4u
/* No caller setting starts more than this. */
#define VERIFY_THREADS_MAX 16u

sr_err sr_mls_tree_verify_leaf(const struct sr_suite *suite, const struct sr_mls_leaf_node *ln,
                               struct sr_slice group_id, uint32_t leaf_index)
{
    struct sr_buf tbs;
    sr_buf_init(&tbs, 0, 0);
    sr_err err = sr_mls_leaf_node_tbs_encode(ln, group_id, leaf_index, &tbs);
    if (err == SR_OK) {
        /* §7.2: signature = SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
        err = sr_mls_verify_with_label(suite, ln->signature_key, "LeafNodeTBS", sr_buf_slice(&tbs),
                                       ln->signature);
        /* A signature key that is not a valid point cannot have signed anything. */
        if (err == SR_ERR_INVALID || err == SR_ERR_DECODE) {
            err = SR_ERR_AUTH;
        }
    }
    sr_buf_cleanup(&tbs);
    return err;
}

/* What the workers share. */
struct verify_pool {
    const struct sr_mls_tree *t;
    struct sr_slice group_id;
    atomic_uint_fast32_t next;    /* first leaf of the next unclaimed chunk */
    atomic_uint_fast32_t fail_at; /* lowest failing leaf so far; n_leaves: none */
};

/* One thread's lowest failure. */
struct verify_worker {
    struct verify_pool *pool;
    uint32_t fail_leaf;
    sr_err err;
};

/* fail_at = min(fail_at, leaf) */
static void note_failure(struct verify_pool *pool, uint32_t leaf)
{
    uint_fast32_t cur = atomic_load(&pool->fail_at);
    while (leaf < cur && !atomic_compare_exchange_weak(&pool->fail_at, &cur, leaf)) {
    }
}

static void verify_chunks(struct verify_worker *w)
{
    struct verify_pool *pool = w->pool;
    uint32_t n = pool->t->n_leaves;
    for (;;) {
        uint_fast32_t from = atomic_fetch_add(&pool->next, VERIFY_CHUNK);
        if (from >= n || from > atomic_load(&pool->fail_at)) {
            return;
        }
        uint32_t to = from + VERIFY_CHUNK < n ? (uint32_t)from + VERIFY_CHUNK : n;
        for (uint32_t i = (uint32_t)from; i < to && i < atomic_load(&pool->fail_at); i++) {
            const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(pool->t, i);
            sr_err err = ln != NULL ? sr_mls_tree_verify_leaf(pool->t->suite, ln, pool->group_id, i)
                                    : SR_OK;
            if (err != SR_OK) {
                /* Leaves are visited in increasing order: this is the worker's lowest. */
                w->fail_leaf = i;
                w->err = err;
                note_failure(pool, i);
                return;
            }
        }
    }
}

static void *verify_thread(void *arg)
{
    verify_chunks(arg);
    return NULL;
}

static uint32_t online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : (uint32_t)n;
}

/* How many threads (the caller's included) verify `n_leaves` leaves when asked for `want`. */
static uint32_t pool_size(uint32_t want, uint32_t n_leaves)
{
    if (n_leaves < VERIFY_THREAD_MIN_LEAVES) {
        return 1;
    }
    if (want == 0) {
        want = online_cpus();
        want = want < VERIFY_THREADS_DEFAULT_MAX ? want : VERIFY_THREADS_DEFAULT_MAX;
    }
    want = want < VERIFY_THREADS_MAX ? want : VERIFY_THREADS_MAX;
    uint32_t most = n_leaves / VERIFY_LEAVES_PER_THREAD;
    return want < most ? want : most;
}

sr_err sr_mls_tree_verify_leaf_signatures(const struct sr_mls_tree *t, struct sr_slice group_id,
                                          uint32_t threads)
{
    struct verify_pool pool = { .t = t, .group_id = group_id };
    struct verify_worker w[VERIFY_THREADS_MAX];
    pthread_t th[VERIFY_THREADS_MAX];
    uint32_t size = pool_size(threads, t->n_leaves), started = 0;
    atomic_init(&pool.next, 0);
    atomic_init(&pool.fail_at, t->n_leaves);
    for (uint32_t i = 0; i < size; i++) {
        w[i] = (struct verify_worker){ .pool = &pool, .fail_leaf = t->n_leaves, .err = SR_OK };
    }
    /* w[0] is the caller's share; w[1..] run on threads while they can be started. */
    while (started + 1 < size &&
           pthread_create(&th[started], NULL, verify_thread, &w[started + 1]) == 0) {
        started++;
    }
    verify_chunks(&w[0]);
    for (uint32_t i = 0; i < started; i++) {
        (void)pthread_join(th[i], NULL);
    }
    uint32_t first = t->n_leaves;
    sr_err err = SR_OK;
    for (uint32_t i = 0; i < started + 1; i++) {
        if (w[i].err != SR_OK && w[i].fail_leaf < first) {
            first = w[i].fail_leaf;
            err = w[i].err;
        }
    }
    return err;
}
