/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SFrame protect/unprotect throughput for each RFC 9605 suite at 100, 1200 and 16384 bytes,
 * next to the raw OpenSSL primitives with the same key, sizes and AAD length measured in the
 * same run: EVP AES-GCM for the GCM suites, EVP AES-CTR + EVP_MAC HMAC for the CTR+HMAC
 * suites, each with its context set up once. Each row alternates 10 ms slices (process CPU
 * time) of SFrame and raw, ~0.3 s per side, and reports each side's best slice, so load
 * from other processes and clock drift hit both sides alike instead of skewing the ratio.
 *
 * Unprotect runs over a ring of distinct frames (the replay window refuses repeats); the
 * receive key is re-added between passes with the clock stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <sealroom/sframe.h>

#include "sframe/cipher.h"

#define SLICE_SECONDS 0.01 /* 30 alternating slices: ~0.3 s per side and row */
#define SLICES        30
#define KID           0x123u
#define RING_BYTES    (1u << 21)

static uint8_t base_key[32] = { 1, 2, 3 };
static uint8_t aead_key[SR_SFRAME_KEY_MAX] = { 4, 5, 6 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_sframe: %s failed\n", what);
    exit(1);
}

/* The raw baseline: OpenSSL contexts keyed once, used per message as an optimal caller would. */
struct raw {
    const struct sr_sframe_suite *suite;
    EVP_CIPHER_CTX *c;
    EVP_MAC_CTX *mac;
    uint8_t nonce[12];
    size_t aad_len;
};

static void raw_init(struct raw *r, const struct sr_sframe_suite *suite)
{
    memset(r, 0, sizeof(*r));
    r->suite = suite;
    r->c = EVP_CIPHER_CTX_new();
    if (suite->nka == 0) {
        EVP_CIPHER *gcm =
                EVP_CIPHER_fetch(NULL, suite->nk == 16 ? "AES-128-GCM" : "AES-256-GCM", NULL);
        if (gcm == NULL || EVP_CipherInit_ex2(r->c, gcm, aead_key, NULL, 1, NULL) != 1) {
            die("GCM init");
        }
        EVP_CIPHER_free(gcm);
        return;
    }
    EVP_CIPHER *ctr =
            EVP_CIPHER_fetch(NULL, suite->nka == 16 ? "AES-128-CTR" : "AES-256-CTR", NULL);
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    r->mac = EVP_MAC_CTX_new(hmac);
    static char sha256[] = "SHA256", sha512[] = "SHA512";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         suite->kdf_id == 1 ? sha256 : sha512, 0),
        OSSL_PARAM_construct_end(),
    };
    size_t nh = suite->nk - suite->nka;
    if (ctr == NULL || EVP_EncryptInit_ex2(r->c, ctr, aead_key, NULL, NULL) != 1 ||
        EVP_MAC_init(r->mac, aead_key + suite->nka, nh, params) != 1) {
        die("CTR/HMAC init");
    }
    EVP_CIPHER_free(ctr);
    EVP_MAC_free(hmac);
}

static void raw_free(struct raw *r)
{
    EVP_CIPHER_CTX_free(r->c);
    EVP_MAC_CTX_free(r->mac);
}

static void raw_tag(struct raw *r, const uint8_t *aad, const uint8_t *ct, size_t len, uint8_t *tag)
{
    uint8_t prefix[36] = { 0 }, full[64];
    prefix[7] = (uint8_t)r->aad_len;
    for (int i = 0; i < 8; i++) {
        prefix[15 - i] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    prefix[23] = (uint8_t)r->suite->nt;
    memcpy(prefix + 24, r->nonce, 12);
    size_t out_len;
    if (EVP_MAC_init(r->mac, NULL, 0, NULL) != 1 || EVP_MAC_update(r->mac, prefix, 36) != 1 ||
        EVP_MAC_update(r->mac, aad, r->aad_len) != 1 || EVP_MAC_update(r->mac, ct, len) != 1 ||
        EVP_MAC_final(r->mac, full, &out_len, sizeof(full)) != 1) {
        die("HMAC");
    }
    memcpy(tag, full, r->suite->nt);
}

static void raw_seal(struct raw *r, const uint8_t *pt, size_t len, uint8_t *out)
{
    int n = 0, fin = 0;
    uint8_t iv[16] = { 0 };
    memcpy(iv, r->nonce, 12);
    if (r->mac != NULL) {
        if (EVP_EncryptInit_ex2(r->c, NULL, NULL, iv, NULL) != 1 ||
            EVP_EncryptUpdate(r->c, out + r->aad_len, &n, pt, (int)len) != 1) {
            die("CTR");
        }
        raw_tag(r, out, out + r->aad_len, len, out + r->aad_len + len);
        return;
    }
    if (EVP_CipherInit_ex2(r->c, NULL, NULL, r->nonce, 1, NULL) != 1 ||
        EVP_CipherUpdate(r->c, NULL, &n, out, (int)r->aad_len) != 1 ||
        EVP_CipherUpdate(r->c, out + r->aad_len, &n, pt, (int)len) != 1 ||
        EVP_CipherFinal_ex(r->c, out + r->aad_len + n, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(r->c, EVP_CTRL_AEAD_GET_TAG, 16, out + r->aad_len + len) != 1) {
        die("GCM seal");
    }
}

static void raw_open(struct raw *r, const uint8_t *frame, size_t len, uint8_t *out)
{
    int n = 0, fin = 0;
    const uint8_t *ct = frame + r->aad_len;
    if (r->mac != NULL) {
        uint8_t tag[16], iv[16] = { 0 };
        raw_tag(r, frame, ct, len, tag);
        memcpy(iv, r->nonce, 12);
        if (CRYPTO_memcmp(tag, ct + len, r->suite->nt) != 0 ||
            EVP_EncryptInit_ex2(r->c, NULL, NULL, iv, NULL) != 1 ||
            EVP_EncryptUpdate(r->c, out, &n, ct, (int)len) != 1) {
            die("CTR/HMAC open");
        }
        return;
    }
    if (EVP_CipherInit_ex2(r->c, NULL, NULL, r->nonce, 0, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(r->c, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(uintptr_t)(ct + len)) != 1 ||
        EVP_CipherUpdate(r->c, NULL, &n, frame, (int)r->aad_len) != 1 ||
        EVP_CipherUpdate(r->c, out, &n, ct, (int)len) != 1 ||
        EVP_CipherFinal_ex(r->c, out + n, &fin) != 1) {
        die("GCM open");
    }
}

/* One table cell: a suite and a size, with both sides ready. */
struct cell {
    const struct sr_sframe_suite *suite;
    size_t size;
    struct sr_sframe_ctx *tx, *rx;
    struct raw raw;
    uint8_t *pt, *out, *ring;
    size_t frame_cap, nring, pos;
    size_t *lens;
};

static struct sr_sframe_ctx *context(uint16_t suite, enum sr_sframe_dir dir)
{
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, suite);
    struct sr_sframe_ctx *ctx = NULL;
    if (sr_sframe_ctx_new(&opt, &ctx) != SR_OK ||
        sr_sframe_ctx_key_add(ctx, KID, dir, sr_slice_of(base_key, 16)) != SR_OK) {
        die("context");
    }
    return ctx;
}

static void cell_init(struct cell *c, const struct sr_sframe_suite *suite, size_t size)
{
    memset(c, 0, sizeof(*c));
    c->suite = suite;
    c->size = size;
    c->tx = context(suite->id, SR_SFRAME_PROTECT);
    c->rx = context(suite->id, SR_SFRAME_UNPROTECT);
    raw_init(&c->raw, suite);
    c->frame_cap = sr_sframe_ciphertext_len(suite->id, size);
    c->nring = RING_BYTES / c->frame_cap < 64 ? 64 : RING_BYTES / c->frame_cap;
    c->pt = calloc(1, size);
    c->out = calloc(1, c->frame_cap);
    c->ring = calloc(c->nring, c->frame_cap);
    c->lens = calloc(c->nring, sizeof(size_t));
    if (c->pt == NULL || c->out == NULL || c->ring == NULL || c->lens == NULL) {
        die("calloc");
    }
    struct sr_sframe_ctx *gen = context(suite->id, SR_SFRAME_PROTECT);
    for (size_t i = 0; i < c->nring; i++) {
        if (sr_sframe_ctx_protect(gen, KID, sr_slice_of(NULL, 0), sr_slice_of(c->pt, size),
                                  c->ring + i * c->frame_cap, c->frame_cap, &c->lens[i]) != SR_OK) {
            die("ring");
        }
    }
    sr_sframe_ctx_free(gen);
    /* the raw frame: the same header bytes as AAD, then the raw ciphertext and tag */
    c->raw.aad_len = c->lens[0] - size - suite->nt;
    memcpy(c->out, c->ring, c->raw.aad_len);
    raw_seal(&c->raw, c->pt, size, c->out);
}

static void cell_free(struct cell *c)
{
    sr_sframe_ctx_free(c->tx);
    sr_sframe_ctx_free(c->rx);
    raw_free(&c->raw);
    free(c->pt);
    free(c->out);
    free(c->ring);
    free(c->lens);
}

enum side {
    SF_PROTECT,
    RAW_SEAL,
    SF_UNPROTECT,
    RAW_OPEN
};

static void one_op(struct cell *c, enum side side, uint8_t *scratch, const uint8_t *raw_frame)
{
    size_t len;
    switch (side) {
    case SF_PROTECT:
        if (sr_sframe_ctx_protect(c->tx, KID, sr_slice_of(NULL, 0), sr_slice_of(c->pt, c->size),
                                  scratch, c->frame_cap, &len) != SR_OK) {
            die("protect");
        }
        break;
    case RAW_SEAL:
        raw_seal(&c->raw, c->pt, c->size, scratch);
        break;
    case SF_UNPROTECT: {
        const uint8_t *f = c->ring + c->pos * c->frame_cap;
        if (sr_sframe_ctx_unprotect(c->rx, sr_slice_of(NULL, 0), sr_slice_of(f, c->lens[c->pos]),
                                    scratch, c->frame_cap, &len, NULL) != SR_OK) {
            die("unprotect");
        }
        c->pos++;
        break;
    }
    case RAW_OPEN:
        raw_open(&c->raw, raw_frame, c->size, scratch);
        break;
    default:
        die("side");
    }
}

/* Run `side` for about `seconds`; returns its rate in operations per second. */
static double slice(struct cell *c, enum side side, double seconds)
{
    static uint8_t scratch[16384 + 64], raw_frame[16384 + 64];
    memcpy(raw_frame, c->out, c->frame_cap);
    double spent = 0, ops = 0;
    while (spent < seconds) {
        if (side == SF_UNPROTECT && c->pos == c->nring) {
            /* a fresh replay window, off the clock */
            if (sr_sframe_ctx_key_remove(c->rx, KID) != SR_OK ||
                sr_sframe_ctx_key_add(c->rx, KID, SR_SFRAME_UNPROTECT, sr_slice_of(base_key, 16)) !=
                        SR_OK) {
                die("re-add");
            }
            c->pos = 0;
        }
        size_t batch = side == SF_UNPROTECT ? c->nring - c->pos : 256;
        if (batch > 256) {
            batch = 256;
        }
        double t0 = now_s();
        for (size_t i = 0; i < batch; i++) {
            one_op(c, side, scratch, raw_frame);
        }
        spent += now_s() - t0;
        ops += (double)batch;
    }
    return ops / spent;
}

static void row(struct cell *c, const char *op, enum side sf, enum side raw, double *ratio)
{
    double sf_rate = 0, raw_rate = 0;
    for (int i = 0; i < SLICES; i++) {
        double r = slice(c, sf, SLICE_SECONDS);
        sf_rate = r > sf_rate ? r : sf_rate;
        r = slice(c, raw, SLICE_SECONDS);
        raw_rate = r > raw_rate ? r : raw_rate;
    }
    double mb = (double)c->size / 1e6;
    *ratio = sf_rate / raw_rate;
    printf("%-28s %6zu  %-9s %11.0f %9.1f %11.0f %9.1f %7.2f\n", c->suite->name, c->size, op,
           sf_rate, sf_rate * mb, raw_rate, raw_rate * mb, *ratio);
}

int main(void)
{
    static const uint16_t suites[] = { 1, 2, 3, 4, 5 };
    static const size_t sizes[] = { 100, 1200, 16384 };
    printf("SFrame (RFC 9605) vs raw OpenSSL %s, same key, sizes and AAD length\n",
           OpenSSL_version(OPENSSL_VERSION));
    printf("%-28s %6s  %-9s %11s %9s %11s %9s %7s\n", "suite", "bytes", "op", "sframe op/s", "MB/s",
           "raw op/s", "MB/s", "ratio");
    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        const struct sr_sframe_suite *suite = sr_sframe_suite_find(suites[s]);
        for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
            struct cell c;
            double ratio;
            cell_init(&c, suite, sizes[z]);
            row(&c, "protect", SF_PROTECT, RAW_SEAL, &ratio);
            row(&c, "unprotect", SF_UNPROTECT, RAW_OPEN, &ratio);
            cell_free(&c);
        }
    }
    return 0;
}
