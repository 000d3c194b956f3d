/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runner for the official MLS crypto-basics vectors (mls/crypto-basics.json): per cipher
 * suite, RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret, SignWithLabel and
 * EncryptWithLabel (RFC 9420 §5.1, §5.2, §9). One case per suite; it passes only when every
 * check of that suite does.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/labels.h"
#include "crypto/suite.h"
#include "hpke/labels.h"
#include "vectors.h"

struct bufs {
    struct sr_buf a, b, c, d, e, f;
};

static bool fail(const char *what, sr_err err)
{
    fprintf(stderr, "%s: %s\n", what, sr_err_name(err));
    return false;
}

static bool check_ref_hash(const struct sr_suite *suite, const json_t *t, struct bufs *w)
{
    uint8_t out[SR_HASH_MAX];
    const char *label = sr_vec_str(t, "label");
    if (label == NULL || !sr_vec_hex(t, "value", &w->a)) {
        return fail("ref_hash: bad vector", SR_ERR_DECODE);
    }
    sr_err err = sr_mls_ref_hash(suite, label, sr_buf_slice(&w->a), out);
    if (err != SR_OK) {
        return fail("ref_hash", err);
    }
    return sr_vec_expect(t, "out", out, suite->hash->len, "ref_hash");
}

static bool check_expand(const struct sr_suite *suite, const json_t *t, struct bufs *w)
{
    const char *label = sr_vec_str(t, "label");
    long long len = sr_vec_int(t, "length", -1);
    if (label == NULL || len < 0 || len > 65535 || !sr_vec_hex(t, "secret", &w->a) ||
        !sr_vec_hex(t, "context", &w->b)) {
        return fail("expand_with_label: bad vector", SR_ERR_DECODE);
    }
    sr_buf_reset(&w->c);
    if (sr_buf_reserve(&w->c, (size_t)len) != SR_OK) {
        return fail("expand_with_label", SR_ERR_NOMEM);
    }
    sr_err err = sr_mls_expand_with_label(suite, sr_buf_slice(&w->a), label, sr_buf_slice(&w->b),
                                          w->c.p, (size_t)len);
    if (err != SR_OK) {
        return fail("expand_with_label", err);
    }
    return sr_vec_expect(t, "out", w->c.p, (size_t)len, "expand_with_label");
}

static bool check_derive_secret(const struct sr_suite *suite, const json_t *t, struct bufs *w)
{
    uint8_t out[SR_HASH_MAX];
    const char *label = sr_vec_str(t, "label");
    if (label == NULL || !sr_vec_hex(t, "secret", &w->a)) {
        return fail("derive_secret: bad vector", SR_ERR_DECODE);
    }
    sr_err err = sr_mls_derive_secret(suite, sr_buf_slice(&w->a), label, out);
    if (err != SR_OK) {
        return fail("derive_secret", err);
    }
    return sr_vec_expect(t, "out", out, suite->hash->len, "derive_secret");
}

static bool check_tree_secret(const struct sr_suite *suite, const json_t *t, struct bufs *w)
{
    const char *label = sr_vec_str(t, "label");
    long long len = sr_vec_int(t, "length", -1);
    long long gen = sr_vec_int(t, "generation", -1);
    if (label == NULL || len < 0 || len > 65535 || gen < 0 || gen > UINT32_MAX ||
        !sr_vec_hex(t, "secret", &w->a)) {
        return fail("derive_tree_secret: bad vector", SR_ERR_DECODE);
    }
    sr_buf_reset(&w->c);
    if (sr_buf_reserve(&w->c, (size_t)len) != SR_OK) {
        return fail("derive_tree_secret", SR_ERR_NOMEM);
    }
    sr_err err = sr_mls_derive_tree_secret(suite, sr_buf_slice(&w->a), label, (uint32_t)gen, w->c.p,
                                           (size_t)len);
    if (err != SR_OK) {
        return fail("derive_tree_secret", err);
    }
    return sr_vec_expect(t, "out", w->c.p, (size_t)len, "derive_tree_secret");
}

/* Verify the given signature, then sign with the given key and verify our own. */
static bool check_sign(const struct sr_suite *suite, const json_t *t, struct bufs *w)
{
    const char *label = sr_vec_str(t, "label");
    if (label == NULL || !sr_vec_hex(t, "priv", &w->a) || !sr_vec_hex(t, "pub", &w->b) ||
        !sr_vec_hex(t, "content", &w->c) || !sr_vec_hex(t, "signature", &w->d)) {
        return fail("sign_with_label: bad vector", SR_ERR_DECODE);
    }
    sr_err err = sr_mls_verify_with_label(suite, sr_buf_slice(&w->b), label, sr_buf_slice(&w->c),
                                          sr_buf_slice(&w->d));
    if (err != SR_OK) {
        return fail("verify_with_label (given signature)", err);
    }
    sr_buf_reset(&w->e);
    err = sr_mls_sign_with_label(suite, sr_buf_slice(&w->a), label, sr_buf_slice(&w->c), &w->e);
    if (err != SR_OK) {
        return fail("sign_with_label", err);
    }
    err = sr_mls_verify_with_label(suite, sr_buf_slice(&w->b), label, sr_buf_slice(&w->c),
                                   sr_buf_slice(&w->e));
    if (err != SR_OK) {
        return fail("verify_with_label (own signature)", err);
    }
    return true;
}

/* Decrypt the given ciphertext, then encrypt to the given key and decrypt our own. */
static bool check_encrypt(const struct sr_suite *suite, const json_t *t, struct bufs *w)
{
    const char *label = sr_vec_str(t, "label");
    if (label == NULL || !sr_vec_hex(t, "priv", &w->a) || !sr_vec_hex(t, "pub", &w->b) ||
        !sr_vec_hex(t, "context", &w->c) || !sr_vec_hex(t, "kem_output", &w->d) ||
        !sr_vec_hex(t, "ciphertext", &w->e)) {
        return fail("encrypt_with_label: bad vector", SR_ERR_DECODE);
    }
    sr_buf_reset(&w->f);
    sr_err err = sr_mls_decrypt_with_label(suite, sr_buf_slice(&w->a), label, sr_buf_slice(&w->c),
                                           sr_buf_slice(&w->d), sr_buf_slice(&w->e), &w->f);
    if (err != SR_OK) {
        return fail("decrypt_with_label (given ciphertext)", err);
    }
    if (!sr_vec_expect(t, "plaintext", w->f.p, w->f.len, "decrypt_with_label")) {
        return false;
    }
    /* Reuse the plaintext just recovered; kem_output and ciphertext are ours from here on. */
    struct sr_buf pt = w->f;
    sr_buf_init(&w->f, 0, SR_BUF_WIPE);
    sr_buf_reset(&w->d);
    sr_buf_reset(&w->e);
    err = sr_mls_encrypt_with_label(suite, sr_buf_slice(&w->b), label, sr_buf_slice(&w->c),
                                    sr_buf_slice(&pt), &w->d, &w->e);
    if (err == SR_OK) {
        err = sr_mls_decrypt_with_label(suite, sr_buf_slice(&w->a), label, sr_buf_slice(&w->c),
                                        sr_buf_slice(&w->d), sr_buf_slice(&w->e), &w->f);
    }
    bool ok = err == SR_OK && w->f.len == pt.len && memcmp(w->f.p, pt.p, pt.len) == 0;
    sr_buf_cleanup(&pt);
    if (!ok) {
        return fail("encrypt_with_label round trip", err == SR_OK ? SR_ERR_AUTH : err);
    }
    return true;
}

static bool run_case(const json_t *tc, struct bufs *w)
{
    long long id = sr_vec_int(tc, "cipher_suite", -1);
    const struct sr_suite *suite = id > 0 && id <= UINT16_MAX ? sr_suite_get((uint16_t)id) : NULL;
    if (suite == NULL) {
        fprintf(stderr, "cipher suite %lld: unknown\n", id);
        return false;
    }
    bool ok = check_ref_hash(suite, json_object_get(tc, "ref_hash"), w);
    ok = check_expand(suite, json_object_get(tc, "expand_with_label"), w) && ok;
    ok = check_derive_secret(suite, json_object_get(tc, "derive_secret"), w) && ok;
    ok = check_tree_secret(suite, json_object_get(tc, "derive_tree_secret"), w) && ok;
    ok = check_sign(suite, json_object_get(tc, "sign_with_label"), w) && ok;
    ok = check_encrypt(suite, json_object_get(tc, "encrypt_with_label"), w) && ok;
    if (!ok) {
        fprintf(stderr, "cipher suite %lld: FAILED\n", id);
    }
    return ok;
}

int main(void)
{
    static const char file[] = "mls/crypto-basics.json";
    json_t *root = sr_vec_load(file);
    struct sr_vec_counts counts = { 0 };
    struct bufs w;
    memset(&w, 0, sizeof(w));
    size_t i;
    json_t *tc;
    json_array_foreach(root, i, tc)
    {
        sr_vec_count(&counts, run_case(tc, &w));
    }
    struct sr_buf *all[] = { &w.a, &w.b, &w.c, &w.d, &w.e, &w.f };
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
        sr_buf_cleanup(all[k]);
    }
    json_decref(root);
    return sr_vec_report(file, &counts);
}
