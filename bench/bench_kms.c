/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS over HTTPS (issue 6): `sealroomd --role kms` runs as a child on 127.0.0.1 (an
 * ephemeral port, a temp dir, SQLite, file CMK, a JWKS this program signs tokens for), and
 * N client threads, each with its own user, keep-alive connection and channel, measure:
 *
 *   handshakes    create /ecdhe (RSA-OAEP request, PS256 answer), on a warm TLS connection
 *   retrievals    retrieve /keys/{id} of bound keys, one message per POST (warm channel,
 *                 token and KEK caches), then ten messages per POST
 *   creations     create /keys, count 1
 *   http          GET /kms/v1/details: the TLS and HTTP floor of the server
 *
 * For each: operations per second, p50/p99 latency, and the server's CPU time per operation
 * (from /proc/<pid>/stat) next to the crypto each operation cannot avoid, measured here in
 * the same run on one thread: for a retrieval a channel JWE open of the request and a seal
 * of the answer of the same sizes plus the SHA-256 that finds the cached token; for a
 * handshake an RSA-OAEP open, a P-256 key pair and ECDH, and a PS256 seal; for a creation
 * the retrieval's JOSE work plus an AES-256-GCM key wrap.
 *
 * usage: bench_kms [-t THREADS[,THREADS...]] [-s SECONDS] [-w WORKERS] [-p PHASES] [SEALROOMD]
 * (default 2,4 threads, 2 s per phase, 8 workers, every phase: g details GET, h handshakes,
 * r retrievals, b batched retrievals, c creations; sealroomd from $SEALROOMD or next to this
 * build's apps/).
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include <sealroom/net.h>

#include "core/alloc.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/rand.h"
#include "crypto/suite.h"
#include "kms/jose.h"

#define HOST        "kms.bench"
#define CLUSTER     "kms://" HOST
#define ISS         "https://idp.bench"
#define KEYS        100 /* bound keys each thread retrieves in turn */
#define BATCH       10
#define MAX_THREADS 16
#define MAX_SAMPLES (1u << 20)

static char dir[64], base[64], ca[192], sealroomd[512], static_kid[256];
static struct sr_jose_key *static_pub;
static cjose_jwk_t *idp_key;
static pid_t child;
static double phase_seconds = 2.0;
static const char *phases = "ghrbc"; /* get, handshakes, retrievals, batched, creations */

static void die(const char *what)
{
    fprintf(stderr, "bench_kms: %s failed\n", what);
    if (child > 0) {
        kill(child, SIGKILL);
    }
    exit(1);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the server -------------------------------------------------------------------------- */

/* The child's user+system CPU time in seconds. */
static double child_cpu_s(void)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)child);
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* After the command: state and 10 fields, then utime and stime (proc(5)). */
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
        return 0;
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        die(path);
    }
}

static void write_jwks(void)
{
    char path[128];
    idp_key = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
    if (idp_key == NULL || !cjose_jwk_set_kid(idp_key, "idp1", 4, NULL)) {
        die("IdP key");
    }
    char *pub = cjose_jwk_to_json(idp_key, false, NULL);
    size_t n = pub != NULL ? strlen(pub) + 16 : 0;
    char *doc = pub != NULL ? sr_malloc(n) : NULL;
    if (doc == NULL) {
        die("JWKS");
    }
    snprintf(doc, n, "{\"keys\":[%s]}", pub);
    snprintf(path, sizeof(path), "%s/jwks.json", dir);
    write_file(path, doc);
    sr_free(pub);
    sr_free(doc);
}

static void start_server(unsigned workers)
{
    char port_file[128], log[128], data[128], jwks[128], w[16], port[16] = "";
    snprintf(port_file, sizeof(port_file), "%s/port", dir);
    snprintf(log, sizeof(log), "%s/sealroomd.log", dir);
    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(jwks, sizeof(jwks), "%s/jwks.json", dir);
    snprintf(ca, sizeof(ca), "%s/tls-cert.pem", data);
    snprintf(w, sizeof(w), "%u", workers);
    child = fork();
    if (child == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(sealroomd, sealroomd, "--role", "kms", "--listen", "127.0.0.1:0", "--port-file",
              port_file, "--data-dir", data, "--kms-name", HOST, "--cmk-provider", "file",
              "--allow-file-cmk", "--jwks", jwks, "--issuer", ISS, "--workers", w,
              "--handshakes-per-min", "1000000", "--requests-per-s", "1000000", "--sweep-interval",
              "0", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 600 && port[0] == 0; i++) {
        FILE *f = fopen(port_file, "r");
        if (f != NULL) {
            if (fgets(port, sizeof(port), f) == NULL) {
                port[0] = 0;
            }
            fclose(f);
        }
        if (waitpid(child, NULL, WNOHANG) != 0) {
            child = 0;
            die("sealroomd start (see its log in the temp dir)");
        }
        nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
    }
    if (port[0] == 0) {
        die("waiting for the port file");
    }
    port[strcspn(port, "\r\n")] = 0;
    snprintf(base, sizeof(base), "https://127.0.0.1:%s", port);
}

static void stop_server(void)
{
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
    child = 0;
}

/* ---- one client: HTTPS connection, token, channel ----------------------------------------- */

struct client {
    struct sr_net_client *http;
    struct sr_net_client_response resp;
    char user[32], bearer[1024], ch_uri[256];
    struct sr_jose_key *k;
    char key_uris[KEYS][256];
    unsigned long seq;
    double *lat; /* latency samples in s */
    size_t n_lat;
    unsigned long ops;
    size_t req_len, ans_len; /* plaintext sizes of the last retrieval, for the floor */
};

static void make_token(struct client *c)
{
    char claims[512];
    long now = (long)time(NULL);
    snprintf(claims, sizeof(claims),
             "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"org_id\":\"org-bench\","
             "\"exp\":%ld,\"iat\":%ld}",
             ISS, c->user, CLUSTER, now + 3600, now);
    json_t *hdr = json_pack("{s:s,s:s,s:s}", "alg", "ES256", "kid", "idp1", "typ", "JWT");
    cjose_jws_t *jws = cjose_jws_sign(idp_key, (cjose_header_t *)hdr, (const uint8_t *)claims,
                                      strlen(claims), NULL);
    const char *ser = NULL;
    if (jws == NULL || !cjose_jws_export(jws, &ser, NULL) || strlen(ser) >= sizeof(c->bearer)) {
        die("token");
    }
    memcpy(c->bearer, ser, strlen(ser) + 1);
    cjose_jws_release(jws);
    json_decref(hdr);
}

static void client_init(struct client *c, unsigned i)
{
    struct sr_net_client_config cc = { .base_url = base, .ca_file = ca, .timeout_ms = 30000 };
    memset(c, 0, sizeof(*c));
    snprintf(c->user, sizeof(c->user), "bench-user-%u", i);
    make_token(c);
    if (sr_net_client_new(&cc, &c->http) != SR_OK) {
        die("client");
    }
    sr_net_client_response_init(&c->resp);
    c->lat = sr_calloc(MAX_SAMPLES, sizeof(double));
    if (c->lat == NULL) {
        die("samples");
    }
}

static void client_cleanup(struct client *c)
{
    sr_jose_key_free(c->k);
    sr_net_client_response_cleanup(&c->resp);
    sr_net_client_free(c->http);
    sr_free(c->lat);
}

/* POST compact messages; the answers are left in c->resp as the envelope's JSON. */
static json_t *post(struct client *c, char *const *msgs, size_t n)
{
    struct sr_buf b;
    sr_buf_init(&b, 0, 0);
    static const char head[] = "{\"destination\":\"" CLUSTER "\",\"kmsMessages\":[";
    sr_err err = sr_buf_append(&b, head, sizeof(head) - 1);
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        err = sr_buf_append(&b, i ? ",\"" : "\"", i ? 2 : 1);
        err = err == SR_OK ? sr_buf_append(&b, msgs[i], strlen(msgs[i])) : err;
        err = err == SR_OK ? sr_buf_append(&b, "\"", 1) : err;
    }
    err = err == SR_OK ? sr_buf_append(&b, "]}", 2) : err;
    if (err != SR_OK ||
        sr_net_client_request(c->http, "POST", "/kms/v1/messages", "application/json", NULL, b.p,
                              b.len, &c->resp) != SR_OK ||
        c->resp.status != 200) {
        fprintf(stderr, "bench_kms: HTTP %d %.*s %s\n", c->resp.status, (int)c->resp.body.len,
                (const char *)c->resp.body.p, sr_net_client_error_detail(c->http));
        die("POST /kms/v1/messages");
    }
    sr_buf_cleanup(&b);
    json_t *doc = json_loadb((const char *)c->resp.body.p, c->resp.body.len, 0, NULL);
    json_t *arr = json_object_get(doc, "kmsMessages");
    if (json_array_size(arr) != n) {
        die("the answer envelope");
    }
    json_incref(arr);
    json_decref(doc);
    return arr;
}

/* Seal `text` on the channel; returns the compact JWE (sr_free it). */
static char *seal(struct client *c, const char *text)
{
    char *msg = NULL;
    if (sr_jose_seal(SR_JOSE_CHANNEL, c->k, c->ch_uri, sr_slice_of(text, strlen(text)), &msg,
                     NULL) != SR_OK) {
        die("seal");
    }
    return msg;
}

/* The payload of a request: client, method, uri, requestId, then `extra` members. */
static void request_text(struct client *c, char *out, size_t cap, const char *method,
                         const char *uri, const char *extra)
{
    snprintf(out, cap,
             "{\"client\":{\"clientId\":\"dev-%s\",\"credential\":{\"bearer\":\"%s\"}},"
             "\"method\":\"%s\",\"uri\":\"%s\",\"requestId\":\"r-%lu\"%s}",
             c->user, c->bearer, method, uri, c->seq++, extra);
}

/* Open answer i on the channel and check its status. */
static json_t *open_answer(struct client *c, json_t *arr, size_t i, int want)
{
    json_t *p = NULL;
    const json_t *s = json_array_get(arr, i);
    if (sr_jose_open(SR_JOSE_CHANNEL, json_string_value(s), json_string_length(s), c->k, c->ch_uri,
                     &p, NULL) != SR_OK ||
        json_integer_value(json_object_get(p, "status")) != want) {
        char *t = p != NULL ? json_dumps(p, JSON_COMPACT) : NULL;
        fprintf(stderr, "bench_kms: answer %s\n", t != NULL ? t : json_string_value(s));
        die("a request");
    }
    return p;
}

/* One request on the channel; returns the answer payload. */
static json_t *call(struct client *c, const char *method, const char *uri, const char *extra,
                    int want)
{
    char text[16384];
    request_text(c, text, sizeof(text), method, uri, extra);
    char *msg = seal(c, text);
    json_t *arr = post(c, &msg, 1);
    json_t *p = open_answer(c, arr, 0, want);
    c->req_len = strlen(text);
    c->ans_len = c->resp.body.len * 3 / 4; /* about the answer's plaintext, for the floor */
    json_decref(arr);
    sr_free(msg);
    return p;
}

static void handshake(struct client *c)
{
    struct sr_jose_ec_pair pair;
    struct sr_secret k;
    char text[4096], *pub = NULL, *msg = NULL;
    json_t *p = NULL;
    if (sr_jose_ecdh_generate(&pair) != SR_OK || sr_jose_ecdh_public_jwk(&pair, &pub) != SR_OK) {
        die("ECDH key");
    }
    request_text(c, text, sizeof(text), "create", "/ecdhe", "");
    snprintf(text + strlen(text) - 1, sizeof(text) - strlen(text) + 1, ",\"jwk\":%s}", pub);
    if (sr_jose_seal(SR_JOSE_HANDSHAKE_REQUEST, static_pub, static_kid,
                     sr_slice_of(text, strlen(text)), &msg, NULL) != SR_OK) {
        die("handshake seal");
    }
    json_t *arr = post(c, &msg, 1);
    const json_t *s = json_array_get(arr, 0);
    if (sr_jose_open(SR_JOSE_HANDSHAKE_RESPONSE, json_string_value(s), json_string_length(s),
                     static_pub, static_kid, &p, NULL) != SR_OK ||
        json_integer_value(json_object_get(p, "status")) != 201) {
        die("handshake");
    }
    const json_t *key = json_object_get(p, "key");
    const char *uri = json_string_value(json_object_get(key, "uri"));
    if (uri == NULL || strlen(uri) >= sizeof(c->ch_uri) ||
        sr_jose_ecdh_derive(&pair, json_object_get(key, "jwk"), &k) != SR_OK) {
        die("channel key");
    }
    memcpy(c->ch_uri, uri, strlen(uri) + 1);
    sr_jose_key_free(c->k);
    if (sr_jose_key_oct(sr_secret_slice(&k), &c->k) != SR_OK) {
        die("channel key");
    }
    sr_secret_cleanup(&k);
    sr_jose_ec_pair_cleanup(&pair);
    json_decref(p);
    json_decref(arr);
    sr_free(pub);
    sr_free(msg);
}

/* KEYS keys, bound to a resource of this user, each retrieved once (warm caches). */
static void prepare_keys(struct client *c)
{
    const size_t cap = KEYS * 260 + 64;
    char extra[64], *ids = sr_malloc(cap);
    snprintf(extra, sizeof(extra), ",\"count\":%d", KEYS);
    json_t *p = call(c, "create", "/keys", extra, 201);
    const json_t *keys = json_object_get(p, "keys");
    size_t n = 0;
    if (ids == NULL || json_array_size(keys) != KEYS) {
        die("create keys");
    }
    n += (size_t)snprintf(ids, cap, ",\"keyUris\":[");
    for (size_t i = 0; i < KEYS; i++) {
        const char *u = json_string_value(json_object_get(json_array_get(keys, i), "uri"));
        if (u == NULL || strlen(u) >= sizeof(c->key_uris[i])) {
            die("key uri");
        }
        memcpy(c->key_uris[i], u, strlen(u) + 1);
        n += (size_t)snprintf(ids + n, cap - n, "%s\"%s\"", i ? "," : "", u);
    }
    snprintf(ids + n, cap - n, "]");
    json_decref(p);
    json_decref(call(c, "create", "/resources", ids, 201));
    sr_free(ids);
    for (size_t i = 0; i < KEYS; i++) {
        json_decref(call(c, "retrieve", c->key_uris[i], "", 200));
    }
}

/* ---- phases ------------------------------------------------------------------------------ */

enum op {
    OP_HTTP,
    OP_HANDSHAKE,
    OP_RETRIEVE,
    OP_RETRIEVE_BATCH,
    OP_CREATE
};

static void one_op(struct client *c, enum op op)
{
    char text[4096];
    switch (op) {
    case OP_HTTP:
        if (sr_net_client_request(c->http, "GET", "/kms/v1/details", NULL, NULL, NULL, 0,
                                  &c->resp) != SR_OK ||
            c->resp.status != 200) {
            die("GET /kms/v1/details");
        }
        c->ops++;
        return;
    case OP_HANDSHAKE:
        handshake(c);
        c->ops++;
        return;
    case OP_RETRIEVE:
        json_decref(call(c, "retrieve", c->key_uris[c->seq % KEYS], "", 200));
        c->ops++;
        return;
    case OP_CREATE:
        json_decref(call(c, "create", "/keys", ",\"count\":1", 201));
        c->ops++;
        return;
    case OP_RETRIEVE_BATCH:
    default: {
        char *msgs[BATCH];
        for (size_t i = 0; i < BATCH; i++) {
            request_text(c, text, sizeof(text), "retrieve", c->key_uris[c->seq % KEYS], "");
            msgs[i] = seal(c, text);
        }
        json_t *arr = post(c, msgs, BATCH);
        for (size_t i = 0; i < BATCH; i++) {
            json_decref(open_answer(c, arr, i, 200));
            sr_free(msgs[i]);
        }
        json_decref(arr);
        c->ops += BATCH;
        return;
    }
    }
}

struct runner {
    struct client *c;
    enum op op;
    double until;
    pthread_barrier_t *go;
};

static void *run(void *arg)
{
    struct runner *r = arg;
    pthread_barrier_wait(r->go);
    while (mono_s() < r->until) {
        double a = mono_s();
        one_op(r->c, r->op);
        if (r->c->n_lat < MAX_SAMPLES) {
            r->c->lat[r->c->n_lat++] = mono_s() - a;
        }
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct result {
    double per_s, p50_ms, p99_ms, cpu_us;
};

static struct result phase(struct client *cs, unsigned n, enum op op)
{
    pthread_t t[MAX_THREADS];
    struct runner r[MAX_THREADS];
    pthread_barrier_t go;
    struct result res;
    pthread_barrier_init(&go, NULL, n + 1);
    double until = mono_s() + phase_seconds + 0.05;
    for (unsigned i = 0; i < n; i++) {
        cs[i].ops = 0;
        cs[i].n_lat = 0;
        r[i] = (struct runner){ &cs[i], op, until, &go };
        if (pthread_create(&t[i], NULL, run, &r[i]) != 0) {
            die("thread");
        }
    }
    double cpu0 = child_cpu_s(), t0 = mono_s();
    pthread_barrier_wait(&go);
    unsigned long ops = 0;
    size_t n_lat = 0;
    for (unsigned i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        ops += cs[i].ops;
        n_lat += cs[i].n_lat;
    }
    double wall = mono_s() - t0, cpu = child_cpu_s() - cpu0;
    double *all = sr_calloc(n_lat + 1, sizeof(double));
    size_t k = 0;
    for (unsigned i = 0; i < n && all != NULL; i++) {
        memcpy(all + k, cs[i].lat, cs[i].n_lat * sizeof(double));
        k += cs[i].n_lat;
    }
    if (all == NULL || k == 0) {
        die("latency samples");
    }
    qsort(all, k, sizeof(double), cmp_double);
    res.per_s = (double)ops / wall;
    res.p50_ms = all[k / 2] * 1e3;
    res.p99_ms = all[k * 99 / 100] * 1e3;
    res.cpu_us = cpu / (double)ops * 1e6;
    sr_free(all);
    pthread_barrier_destroy(&go);
    return res;
}

/* ---- the floor: crypto each operation cannot avoid, on this thread ------------------------- */

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU microseconds per call of `fn` (comparable with the server's CPU time), over ~0.3 s. */
static double time_us(void (*fn)(void *), void *arg)
{
    unsigned long n = 0;
    double a = thread_cpu_s(), b;
    do {
        fn(arg);
        n++;
        b = thread_cpu_s();
    } while (b - a < 0.3);
    return (b - a) / (double)n * 1e6;
}

struct floor_in {
    struct sr_jose_key *k, *rsa;
    char *req_jwe, *hs_jwe, *ans_text, *hs_ans_text;
    const char *bearer;
    uint8_t ck[32];
};

static void channel_floor(void *arg)
{
    struct floor_in *f = arg;
    json_t *p = NULL;
    char *out = NULL;
    uint8_t h[32];
    if (sr_jose_open(SR_JOSE_CHANNEL, f->req_jwe, strlen(f->req_jwe), f->k, "kms://x/ecdhe/1", &p,
                     NULL) != SR_OK ||
        sr_hash(&sr_hash_sha256, sr_slice_of(f->bearer, strlen(f->bearer)), h) != SR_OK ||
        sr_jose_seal(SR_JOSE_CHANNEL, f->k, "kms://x/ecdhe/1",
                     sr_slice_of(f->ans_text, strlen(f->ans_text)), &out, NULL) != SR_OK) {
        die("channel floor");
    }
    json_decref(p);
    sr_free(out);
}

static void create_floor(void *arg)
{
    struct floor_in *f = arg;
    uint8_t key[32], iv[12], wrapped[48];
    size_t n = 0;
    channel_floor(arg);
    if (sr_rand_bytes(key, sizeof(key)) != SR_OK || sr_rand_bytes(iv, sizeof(iv)) != SR_OK ||
        sr_aead_seal_once(&sr_aead_aes256gcm, sr_slice_of(f->ck, 32), iv, sr_slice_of("aad", 3),
                          sr_slice_of(key, sizeof(key)), wrapped, sizeof(wrapped), &n) != SR_OK) {
        die("create floor");
    }
}

static void handshake_floor(void *arg)
{
    struct floor_in *f = arg;
    struct sr_jose_ec_pair own, peer;
    struct sr_secret z;
    json_t *p = NULL, *jwk = NULL;
    char *pub = NULL, *out = NULL;
    if (sr_jose_open(SR_JOSE_HANDSHAKE_REQUEST, f->hs_jwe, strlen(f->hs_jwe), f->rsa, "kms://x/1",
                     &p, NULL) != SR_OK ||
        sr_jose_ecdh_generate(&own) != SR_OK || sr_jose_ecdh_generate(&peer) != SR_OK ||
        sr_jose_ecdh_public_jwk(&peer, &pub) != SR_OK || (jwk = json_loads(pub, 0, NULL)) == NULL ||
        sr_jose_ecdh_derive(&own, jwk, &z) != SR_OK ||
        sr_jose_seal(SR_JOSE_HANDSHAKE_RESPONSE, f->rsa, "kms://x/1",
                     sr_slice_of(f->hs_ans_text, strlen(f->hs_ans_text)), &out, NULL) != SR_OK) {
        die("handshake floor");
    }
    sr_secret_cleanup(&z);
    sr_jose_ec_pair_cleanup(&own);
    sr_jose_ec_pair_cleanup(&peer);
    json_decref(p);
    json_decref(jwk);
    sr_free(pub);
    sr_free(out);
}

/* Text of `n` bytes shaped like a JSON payload. */
static char *filler(size_t n)
{
    char *s = sr_malloc(n + 1);
    if (s == NULL || n < 8) {
        die("filler");
    }
    memset(s, 'a', n);
    memcpy(s, "{\"a\":\"", 6);
    memcpy(s + n - 2, "\"}", 2);
    s[n] = 0;
    return s;
}

struct floors {
    double retrieve_us, create_us, handshake_us;
};

static struct floors measure_floors(const struct client *c)
{
    struct floor_in f;
    struct floors out;
    uint8_t k[32] = { 1 };
    memset(&f, 0, sizeof(f));
    char *req = filler(c->req_len), *hs = filler(c->req_len + 150);
    f.ans_text = filler(c->ans_len);
    f.hs_ans_text = filler(420);
    f.bearer = c->bearer;
    if (sr_jose_key_oct(sr_slice_of(k, 32), &f.k) != SR_OK ||
        sr_jose_key_rsa_generate(3072, &f.rsa) != SR_OK ||
        sr_jose_seal(SR_JOSE_CHANNEL, f.k, "kms://x/ecdhe/1", sr_slice_of(req, strlen(req)),
                     &f.req_jwe, NULL) != SR_OK ||
        sr_jose_seal(SR_JOSE_HANDSHAKE_REQUEST, f.rsa, "kms://x/1", sr_slice_of(hs, strlen(hs)),
                     &f.hs_jwe, NULL) != SR_OK) {
        die("floor setup");
    }
    out.retrieve_us = time_us(channel_floor, &f);
    out.create_us = time_us(create_floor, &f);
    out.handshake_us = time_us(handshake_floor, &f);
    sr_jose_key_free(f.k);
    sr_jose_key_free(f.rsa);
    sr_free(f.req_jwe);
    sr_free(f.hs_jwe);
    sr_free(f.ans_text);
    sr_free(f.hs_ans_text);
    sr_free(req);
    sr_free(hs);
    return out;
}

/* ---- main -------------------------------------------------------------------------------- */

static void discover(void)
{
    struct client c;
    client_init(&c, 999);
    one_op(&c, OP_HTTP);
    json_t *doc = json_loadb((const char *)c.resp.body.p, c.resp.body.len, 0, NULL);
    const char *jwk = json_string_value(json_object_get(doc, "rsaPublicKey"));
    json_t *j = jwk != NULL ? json_loads(jwk, 0, NULL) : NULL;
    const char *kid = json_string_value(json_object_get(j, "kid"));
    if (kid == NULL || strlen(kid) >= sizeof(static_kid) ||
        sr_jose_key_import(jwk, strlen(jwk), &static_pub) != SR_OK) {
        die("discovery");
    }
    memcpy(static_kid, kid, strlen(kid) + 1);
    json_decref(j);
    json_decref(doc);
    client_cleanup(&c);
}

static void print_row(const char *name, struct result r, double floor_us)
{
    printf("  %-22s %9.0f /s   p50 %6.2f ms   p99 %6.2f ms   server CPU %7.1f us/op", name, r.per_s,
           r.p50_ms, r.p99_ms, r.cpu_us);
    if (floor_us > 0) {
        printf("   floor %6.1f us   x%.1f", floor_us, r.cpu_us / floor_us);
    }
    printf("\n");
}

static void run_threads(unsigned n, struct floors *fl, bool *have_floors)
{
    static struct client cs[MAX_THREADS];
    for (unsigned i = 0; i < n; i++) {
        client_init(&cs[i], i);
        handshake(&cs[i]);
        prepare_keys(&cs[i]);
    }
    if (!*have_floors) {
        *fl = measure_floors(&cs[0]);
        *have_floors = true;
    }
    printf("%u client threads:\n", n);
    if (strchr(phases, 'g') != NULL) {
        print_row("http (details GET)", phase(cs, n, OP_HTTP), 0);
    }
    if (strchr(phases, 'h') != NULL) {
        print_row("handshakes", phase(cs, n, OP_HANDSHAKE), fl->handshake_us);
        for (unsigned i = 0; i < n; i++) {
            prepare_keys(&cs[i]); /* a fresh channel (from the last handshake) warmed up */
        }
    }
    if (strchr(phases, 'r') != NULL) {
        print_row("retrievals", phase(cs, n, OP_RETRIEVE), fl->retrieve_us);
    }
    if (strchr(phases, 'b') != NULL) {
        print_row("retrievals, 10 per POST", phase(cs, n, OP_RETRIEVE_BATCH), fl->retrieve_us);
    }
    if (strchr(phases, 'c') != NULL) {
        print_row("creations", phase(cs, n, OP_CREATE), fl->create_us);
    }
    for (unsigned i = 0; i < n; i++) {
        client_cleanup(&cs[i]);
    }
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void find_sealroomd(const char *arg)
{
    const char *env = getenv("SEALROOMD");
    char self[400];
    if (arg != NULL || env != NULL) {
        snprintf(sealroomd, sizeof(sealroomd), "%s", arg != NULL ? arg : env);
        return;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = 0;
    char *slash = strrchr(self, '/');
    if (slash != NULL) {
        *slash = 0;
    }
    snprintf(sealroomd, sizeof(sealroomd), "%s/../apps/sealroomd", self);
}

int main(int argc, char **argv)
{
    unsigned threads[MAX_THREADS] = { 2, 4 }, n_threads = 2, workers = 8;
    int opt;
    while ((opt = getopt(argc, argv, "t:s:w:p:")) != -1) {
        char *p = optarg;
        switch (opt) {
        case 't':
            for (n_threads = 0; *p != 0 && n_threads < MAX_THREADS; p += *p == ',') {
                threads[n_threads] = (unsigned)strtoul(p, &p, 10);
                if (threads[n_threads] == 0 || threads[n_threads] > MAX_THREADS) {
                    die("-t (1-16 threads)");
                }
                n_threads++;
            }
            break;
        case 's':
            phase_seconds = strtod(optarg, NULL);
            break;
        case 'p':
            phases = optarg;
            break;
        case 'w':
            workers = (unsigned)strtoul(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: bench_kms [-t THREADS,...] [-s SECONDS] [-w WORKERS] "
                            "[-p ghrbc] [SEALROOMD]\n");
            return 2;
        }
    }
    find_sealroomd(optind < argc ? argv[optind] : NULL);
    if (access(sealroomd, X_OK) != 0) {
        fprintf(stderr, "bench_kms: no sealroomd at %s (set SEALROOMD): skipping\n", sealroomd);
        return 0;
    }
    snprintf(dir, sizeof(dir), "/tmp/sr-bench-kms-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        die("mkdtemp");
    }
    signal(SIGPIPE, SIG_IGN);
    write_jwks();
    start_server(workers);
    discover();
    printf("KMS over HTTPS on 127.0.0.1 (sealroomd --workers %u, SQLite, file CMK), %.1f s per "
           "phase; server CPU per operation next to the unavoidable crypto (floor, one core):\n",
           workers, phase_seconds);
    struct floors fl;
    bool have_floors = false;
    for (unsigned i = 0; i < n_threads; i++) {
        run_threads(threads[i], &fl, &have_floors);
    }
    stop_server();
    sr_jose_key_free(static_pub);
    cjose_jwk_release(idp_key);
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : 1;
}
