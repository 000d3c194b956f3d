/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AEAD throughput of sr_aead_seal/sr_aead_open against a raw OpenSSL EVP loop doing the
 * same work (keyed once; per message: nonce, AAD, data, final, tag), measured in the same
 * run; MLS DeriveTreeSecret (ExpandWithLabel) against OpenSSL's own HKDF (EVP_KDF) expanding
 * the same KDFLabel; signatures per second for each scheme with keys parsed once; then
 * single-shot HPKE seal/open operations per second for each DHKEM.
 *
 * Each measurement runs for about 0.3 s of this thread's CPU time, split into slices that
 * alternate between ours and the baseline; the best slice of each counts. CPU time rather
 * than wall time, so that other processes on a busy host do not land in one side's slice.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/aead.h"
#include "crypto/labels.h"
#include "crypto/sig.h"
#include "crypto/suite.h"
#include "hpke/hpke.h"

#define SLICES    20
#define SLICE_SEC 0.015 /* SLICES * SLICE_SEC per measurement */
#define BATCH     32    /* operations between clock reads */
#define MAX_MSG   16384
#define AAD_LEN   16

struct job {
    int (*step)(struct job *j); /* one operation; 0 on failure */
    const struct sr_aead_alg *alg;
    struct sr_aead_ctx *ours;
    EVP_CIPHER_CTX *raw;
    uint8_t nonce[12];
    uint8_t aad[AAD_LEN];
    uint8_t in[MAX_MSG + 16];
    uint8_t out[MAX_MSG + 16];
    size_t len; /* plaintext length */
    const struct sr_hpke_suite *hpke;
    uint8_t pk[SR_KEM_PK_MAX];
    struct sr_secret sk;
    uint8_t enc[SR_KEM_PK_MAX];
    struct sr_buf ct;
    EVP_KDF_CTX *kdf;
    uint32_t generation;
    struct sr_sig_key *sig_priv;
    struct sr_sig_key *sig_pub;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Operations per second over one slice. */
static double run_slice(struct job *j)
{
    double start = now(), t = start;
    unsigned long ops = 0;
    while (t - start < SLICE_SEC) {
        for (int i = 0; i < BATCH; i++) {
            if (!j->step(j)) {
                fprintf(stderr, "bench: operation failed\n");
                return 0;
            }
        }
        ops += BATCH;
        t = now();
    }
    return (double)ops / (t - start);
}

static double best(double a, double b)
{
    return a > b ? a : b;
}

/*
 * Best slice rate of `a` and of `b` (b may be NULL), in A B B A order so that neither
 * always runs first, after one discarded warm-up slice each.
 */
static void compare(struct job *a, struct job *b, double *ra, double *rb)
{
    *ra = *rb = 0;
    (void)run_slice(a);
    if (b != NULL) {
        (void)run_slice(b);
    }
    for (int s = 0; s < SLICES; s++) {
        struct job *first = (s & 1) ? b : a;
        struct job *second = (s & 1) ? a : b;
        double x = first != NULL ? run_slice(first) : 0;
        double y = second != NULL ? run_slice(second) : 0;
        *ra = best(*ra, first == a ? x : y);
        *rb = best(*rb, first == a ? y : x);
    }
}

static int ours_seal(struct job *j)
{
    size_t n = 0;
    j->nonce[11]++;
    return sr_aead_seal(j->ours, j->nonce, sr_slice_of(j->aad, AAD_LEN), sr_slice_of(j->in, j->len),
                        j->out, sizeof(j->out), &n) == SR_OK;
}

static int raw_seal(struct job *j)
{
    EVP_CIPHER_CTX *c = j->raw;
    int n = 0, f = 0;
    j->nonce[11]++;
    return EVP_EncryptInit_ex(c, NULL, NULL, NULL, j->nonce) == 1 &&
           EVP_EncryptUpdate(c, NULL, &n, j->aad, AAD_LEN) == 1 &&
           EVP_EncryptUpdate(c, j->out, &n, j->in, (int)j->len) == 1 &&
           EVP_EncryptFinal_ex(c, j->out + n, &f) == 1 &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, j->out + j->len) == 1;
}

/* Open always decrypts the same valid ciphertext (in `in`) under the fixed nonce. */
static int ours_open(struct job *j)
{
    size_t n = 0;
    return sr_aead_open(j->ours, j->nonce, sr_slice_of(j->aad, AAD_LEN),
                        sr_slice_of(j->in, j->len + 16), j->out, sizeof(j->out), &n) == SR_OK;
}

static int raw_open(struct job *j)
{
    EVP_CIPHER_CTX *c = j->raw;
    int n = 0, f = 0;
    return EVP_DecryptInit_ex(c, NULL, NULL, NULL, j->nonce) == 1 &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, j->in + j->len) == 1 &&
           EVP_DecryptUpdate(c, NULL, &n, j->aad, AAD_LEN) == 1 &&
           EVP_DecryptUpdate(c, j->out, &n, j->in, (int)j->len) == 1 &&
           EVP_DecryptFinal_ex(c, j->out + n, &f) == 1;
}

static int setup_aead(struct job *ours, struct job *raw, const struct sr_aead_alg *alg, size_t len,
                      int seal)
{
    static const uint8_t key[32] = { 0x42 };
    memset(ours, 0, sizeof(*ours));
    ours->alg = alg;
    ours->len = len;
    memset(ours->in, 0x17, sizeof(ours->in));
    if (sr_aead_ctx_new(alg, sr_slice_of(key, alg->key_len), &ours->ours) != SR_OK) {
        return 0;
    }
    if (!seal) {
        /* Make the ciphertext both sides will open. */
        size_t n = 0;
        if (sr_aead_seal(ours->ours, ours->nonce, sr_slice_of(ours->aad, AAD_LEN),
                         sr_slice_of(ours->in, len), ours->out, sizeof(ours->out), &n) != SR_OK) {
            return 0;
        }
        memcpy(ours->in, ours->out, n);
    }
    *raw = *ours;
    raw->ours = NULL;
    raw->raw = EVP_CIPHER_CTX_new();
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, alg->name, NULL);
    int ok = raw->raw != NULL && cipher != NULL &&
             EVP_CipherInit_ex(raw->raw, cipher, NULL, key, NULL, seal) == 1;
    EVP_CIPHER_free(cipher);
    ours->step = seal ? ours_seal : ours_open;
    raw->step = seal ? raw_seal : raw_open;
    return ok;
}

static void bench_aead(void)
{
    static struct job ours, raw;
    const struct sr_aead_alg *algs[] = { &sr_aead_aes128gcm, &sr_aead_aes256gcm,
                                         &sr_aead_chacha20poly1305 };
    const size_t sizes[] = { 100, 1200, 16384 };
    printf("%-18s %6s %-5s %12s %12s %7s\n", "AEAD", "bytes", "op", "sealroom MB/s", "EVP MB/s",
           "ratio");
    for (size_t a = 0; a < 3; a++) {
        for (size_t s = 0; s < 3; s++) {
            for (int seal = 1; seal >= 0; seal--) {
                if (!setup_aead(&ours, &raw, algs[a], sizes[s], seal)) {
                    fprintf(stderr, "bench: setup failed for %s\n", algs[a]->name);
                    return;
                }
                double r_ours, r_raw;
                compare(&ours, &raw, &r_ours, &r_raw);
                double mb = (double)sizes[s] / 1e6;
                printf("%-18s %6zu %-5s %12.1f %12.1f %7.3f\n", algs[a]->name, sizes[s],
                       seal ? "seal" : "open", r_ours * mb, r_raw * mb,
                       r_raw > 0 ? r_ours / r_raw : 0);
                sr_aead_ctx_free(ours.ours);
                EVP_CIPHER_CTX_free(raw.raw);
            }
        }
    }
}

static int ours_expand(struct job *j)
{
    return sr_mls_derive_tree_secret(sr_suite_get(1), sr_slice_of(j->in, 32), "key",
                                     j->generation++, j->out, 16) == SR_OK;
}

/* The KDFLabel of DeriveTreeSecret(secret, "key", generation, 16), by hand. */
static size_t tree_label(uint8_t *info, uint32_t generation)
{
    static const char label[] = "MLS 1.0 key";
    size_t n = 0;
    info[n++] = 0;
    info[n++] = 16;
    info[n++] = (uint8_t)(sizeof(label) - 1);
    memcpy(info + n, label, sizeof(label) - 1);
    n += sizeof(label) - 1;
    info[n++] = 4;
    for (int shift = 24; shift >= 0; shift -= 8) {
        info[n++] = (uint8_t)(generation >> shift);
    }
    return n;
}

static int raw_expand(struct job *j)
{
    static char digest[] = "SHA256";
    uint8_t info[32];
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, j->in, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
                                          tree_label(info, j->generation++)),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_end(),
    };
    return EVP_KDF_derive(j->kdf, j->out, 16, params) == 1;
}

static void bench_expand(void)
{
    static struct job ours, raw;
    memset(&ours, 0, sizeof(ours));
    memset(&raw, 0, sizeof(raw));
    ours.step = ours_expand;
    raw.step = raw_expand;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    raw.kdf = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (raw.kdf == NULL) {
        fprintf(stderr, "bench: no HKDF in OpenSSL\n");
        return;
    }
    /* Same output both ways before timing anything. */
    if (!ours_expand(&ours) || !raw_expand(&raw) || memcmp(ours.out, raw.out, 16) != 0) {
        fprintf(stderr, "bench: ExpandWithLabel disagrees with EVP_KDF\n");
        EVP_KDF_CTX_free(raw.kdf);
        return;
    }
    double r_ours, r_raw;
    compare(&ours, &raw, &r_ours, &r_raw);
    printf("\n%-34s %12s %12s %7s\n", "MLS key derivation", "sealroom/s", "EVP_KDF/s", "ratio");
    printf("%-34s %12.0f %12.0f %7.3f\n", "DeriveTreeSecret SHA-256, 16 B", r_ours, r_raw,
           r_ours / r_raw);
    EVP_KDF_CTX_free(raw.kdf);
}

static int sig_sign(struct job *j)
{
    sr_buf_reset(&j->ct);
    return sr_sig_key_sign(j->sig_priv, sr_slice_of(j->in, 100), &j->ct) == SR_OK;
}

static int sig_verify(struct job *j)
{
    return sr_sig_key_verify(j->sig_pub, sr_slice_of(j->in, 100), sr_buf_slice(&j->ct)) == SR_OK;
}

static void bench_sig(void)
{
    static struct job j;
    const struct sr_sig_alg *algs[] = { &sr_sig_ed25519, &sr_sig_ed448, &sr_sig_p256, &sr_sig_p384,
                                        &sr_sig_p521 };
    printf("\n%-34s %12s %12s\n", "Signatures, 100-byte message", "sign op/s", "verify op/s");
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        struct sr_secret priv = { { 0 }, 0 };
        struct sr_buf pub = { 0 };
        memset(&j, 0, sizeof(j));
        int ok = sr_sig_generate(algs[i], &priv, &pub) == SR_OK &&
                 sr_sig_key_from_private(algs[i], sr_secret_slice(&priv), &j.sig_priv) == SR_OK &&
                 sr_sig_key_from_public(algs[i], sr_buf_slice(&pub), &j.sig_pub) == SR_OK;
        double sign_rate = 0, verify_rate = 0, unused;
        if (ok) {
            j.step = sig_sign;
            compare(&j, NULL, &sign_rate, &unused);
            j.step = sig_verify;
            compare(&j, NULL, &verify_rate, &unused);
            printf("%-34s %12.0f %12.0f\n", algs[i]->name, sign_rate, verify_rate);
        } else {
            fprintf(stderr, "bench: %s key setup failed\n", algs[i]->name);
        }
        sr_sig_key_free(j.sig_priv);
        sr_sig_key_free(j.sig_pub);
        sr_buf_cleanup(&j.ct);
        sr_buf_cleanup(&pub);
        sr_secret_cleanup(&priv);
    }
}

static int hpke_seal(struct job *j)
{
    sr_buf_reset(&j->ct);
    return sr_hpke_seal_base(j->hpke, sr_slice_of(j->pk, j->hpke->kem->pk_len),
                             sr_slice_of("info", 4), sr_slice_of(j->aad, AAD_LEN),
                             sr_slice_of(j->in, j->len), j->enc, &j->ct) == SR_OK;
}

static int hpke_open(struct job *j)
{
    struct sr_buf pt;
    sr_buf_init_fixed(&pt, j->out, sizeof(j->out));
    return sr_hpke_open_base(j->hpke, sr_slice_of(j->enc, j->hpke->kem->enc_len),
                             sr_secret_slice(&j->sk), sr_slice_of("info", 4),
                             sr_slice_of(j->aad, AAD_LEN), sr_buf_slice(&j->ct), &pt) == SR_OK;
}

static void bench_hpke(void)
{
    static struct job j;
    static const uint16_t ids[][3] = {
        { 0x0010, 1, 1 }, { 0x0011, 2, 2 }, { 0x0012, 3, 2 }, { 0x0020, 1, 1 }, { 0x0021, 3, 2 }
    };
    printf("\n%-34s %12s %12s\n", "HPKE base, 100-byte message", "seal op/s", "open op/s");
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        struct sr_hpke_suite suite;
        memset(&j, 0, sizeof(j));
        j.len = 100;
        j.hpke = &suite;
        if (sr_hpke_suite_from_ids(ids[i][0], ids[i][1], ids[i][2], &suite) != SR_OK ||
            sr_hpke_generate_key_pair(suite.kem, &j.sk, j.pk) != SR_OK) {
            fprintf(stderr, "bench: HPKE setup failed\n");
            return;
        }
        double seal_rate, open_rate, unused;
        j.step = hpke_seal;
        compare(&j, NULL, &seal_rate, &unused);
        j.step = hpke_open;
        compare(&j, NULL, &open_rate, &unused);
        char name[64];
        snprintf(name, sizeof(name), "DHKEM(%s) %s %s", suite.kem->name, suite.kdf->name,
                 suite.aead->name);
        printf("%-34s %12.0f %12.0f\n", name, seal_rate, open_rate);
        sr_buf_cleanup(&j.ct);
        sr_secret_cleanup(&j.sk);
    }
}

int main(void)
{
    bench_aead();
    bench_expand();
    bench_sig();
    bench_hpke();
    return 0;
}
