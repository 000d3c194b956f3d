/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9180 official test vectors (vectors/hpke/test-vectors.json). For each of the 128
 * entries: DeriveKeyPair reproduces every listed key pair, Encap with ikmE reproduces enc
 * and shared_secret, Decap agrees, both contexts hold the listed key, base_nonce and
 * exporter_secret, every encryption seals to the listed ciphertext and opens back on the
 * recipient side in sequence, and every export matches on both sides. One case per entry.
 */
#include "hpke/hpke.h"

#include <stdio.h>
#include <string.h>

#include <sealroom/buf.h>

#include "hpke/hpke_test.h"
#include "hpke/kem.h"
#include "vectors.h"

/* The hex fields of one entry, decoded. */
struct entry {
    struct sr_buf info, ikm_r, ikm_e, ikm_s, psk, psk_id, pk_rm, sk_rm, pk_sm, sk_sm;
};

static struct sr_buf *entry_field(struct entry *e, size_t i)
{
    struct sr_buf *fields[] = { &e->info,   &e->ikm_r, &e->ikm_e, &e->ikm_s, &e->psk,
                                &e->psk_id, &e->pk_rm, &e->sk_rm, &e->pk_sm, &e->sk_sm };
    return i < sizeof(fields) / sizeof(fields[0]) ? fields[i] : NULL;
}

static void entry_load(struct entry *e, const json_t *v)
{
    static const char *keys[] = { "info",   "ikmR", "ikmE", "ikmS", "psk",
                                  "psk_id", "pkRm", "skRm", "pkSm", "skSm" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        /* Absent fields (psk outside the PSK modes, ikmS outside Auth) stay empty. */
        (void)sr_vec_hex(v, keys[i], entry_field(e, i));
    }
}

static void entry_cleanup(struct entry *e)
{
    for (size_t i = 0; entry_field(e, i) != NULL; i++) {
        sr_buf_cleanup(entry_field(e, i));
    }
}

/* DeriveKeyPair(ikm) must give the listed skXm and pkXm. */
static bool check_derive(const struct sr_kem_alg *kem, const json_t *v, const char *ikm_key,
                         const char *sk_key, const char *pk_key)
{
    struct sr_buf ikm = { 0 };
    struct sr_secret sk = { .len = 0 };
    uint8_t pk[SR_KEM_PK_MAX];
    bool ok = sr_vec_hex(v, ikm_key, &ikm) &&
              sr_hpke_derive_key_pair(kem, sr_buf_slice(&ikm), &sk, pk) == SR_OK &&
              sr_vec_expect(v, sk_key, sk.p, sk.len, "DeriveKeyPair sk") &&
              sr_vec_expect(v, pk_key, pk, kem->pk_len, "DeriveKeyPair pk");
    sr_secret_cleanup(&sk);
    sr_buf_cleanup(&ikm);
    return ok;
}

static bool check_kem(const struct sr_kem_alg *kem, const json_t *v, struct entry *e, bool auth)
{
    uint8_t enc[SR_KEM_PK_MAX], shared[SR_HASH_MAX], shared_r[SR_HASH_MAX];
    bool ok = check_derive(kem, v, "ikmR", "skRm", "pkRm") &&
              check_derive(kem, v, "ikmE", "skEm", "pkEm") &&
              (!auth || check_derive(kem, v, "ikmS", "skSm", "pkSm"));
    ok = ok &&
         sr_hpke_kem_encap(kem, sr_buf_slice(&e->pk_rm), sr_buf_slice(&e->sk_sm),
                           sr_buf_slice(&e->ikm_e), enc, shared) == SR_OK &&
         sr_vec_expect(v, "enc", enc, kem->enc_len, "Encap enc") &&
         sr_vec_expect(v, "shared_secret", shared, kem->secret_len, "Encap shared_secret");
    ok = ok &&
         sr_hpke_kem_decap(kem, sr_slice_of(enc, kem->enc_len), sr_buf_slice(&e->sk_rm),
                           sr_buf_slice(&e->pk_sm), shared_r) == SR_OK &&
         sr_vec_expect(v, "shared_secret", shared_r, kem->secret_len, "Decap shared_secret");
    return ok;
}

static bool check_schedule(const json_t *v, const struct sr_hpke_ctx *ctx, const char *side)
{
    struct sr_slice key, nonce, exp;
    sr_hpke_ctx_get0_schedule(ctx, &key, &nonce, &exp);
    bool ok = sr_vec_expect(v, "key", key.p, key.len, side);
    ok = sr_vec_expect(v, "base_nonce", nonce.p, nonce.len, side) && ok;
    return sr_vec_expect(v, "exporter_secret", exp.p, exp.len, side) && ok;
}

/* Every encryption in order: seal gives ct, open on the recipient side gives pt back. */
static bool check_encryptions(const json_t *v, struct sr_hpke_ctx *s, struct sr_hpke_ctx *r)
{
    const json_t *list = json_object_get(v, "encryptions");
    struct sr_buf aad = { 0 }, pt = { 0 }, ct = { 0 }, out = { 0 };
    bool ok = json_is_array(list);
    for (size_t i = 0; ok && i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        ok = sr_vec_hex(item, "aad", &aad) && sr_vec_hex(item, "pt", &pt) &&
             sr_vec_hex(item, "ct", &ct);
        sr_buf_reset(&out);
        ok = ok && sr_hpke_seal(s, sr_buf_slice(&aad), sr_buf_slice(&pt), &out) == SR_OK &&
             sr_vec_expect(item, "ct", out.p, out.len, "Seal");
        sr_buf_reset(&out);
        ok = ok && sr_hpke_open(r, sr_buf_slice(&aad), sr_buf_slice(&ct), &out) == SR_OK &&
             sr_vec_expect(item, "pt", out.p, out.len, "Open");
        if (!ok) {
            fprintf(stderr, "  encryption %zu\n", i);
        }
    }
    sr_buf_cleanup(&aad);
    sr_buf_cleanup(&pt);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&out);
    return ok;
}

static bool check_exports(const json_t *v, const struct sr_hpke_ctx *s, const struct sr_hpke_ctx *r)
{
    const json_t *list = json_object_get(v, "exports");
    struct sr_buf exp_ctx = { 0 };
    uint8_t out[1024];
    bool ok = json_is_array(list) && json_array_size(list) > 0;
    for (size_t i = 0; ok && i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        long long len = sr_vec_int(item, "L", -1);
        ok = sr_vec_hex(item, "exporter_context", &exp_ctx) && len >= 0 &&
             (size_t)len <= sizeof(out);
        ok = ok && sr_hpke_export(s, sr_buf_slice(&exp_ctx), out, (size_t)len) == SR_OK &&
             sr_vec_expect(item, "exported_value", out, (size_t)len, "Export (sender)");
        ok = ok && sr_hpke_export(r, sr_buf_slice(&exp_ctx), out, (size_t)len) == SR_OK &&
             sr_vec_expect(item, "exported_value", out, (size_t)len, "Export (recipient)");
    }
    sr_buf_cleanup(&exp_ctx);
    return ok;
}

static bool check_contexts(const struct sr_hpke_suite *suite, const json_t *v, struct entry *e,
                           enum sr_hpke_mode mode)
{
    struct sr_hpke_mode_args sargs = { sr_buf_slice(&e->psk), sr_buf_slice(&e->psk_id),
                                       sr_buf_slice(&e->sk_sm), sr_slice_of(NULL, 0) };
    struct sr_hpke_mode_args rargs = sargs;
    struct sr_hpke_ctx *s = NULL, *r = NULL;
    uint8_t enc[SR_KEM_PK_MAX];
    rargs.sender_sk = sr_slice_of(NULL, 0);
    rargs.sender_pk = sr_buf_slice(&e->pk_sm);
    bool ok = sr_hpke_setup_sender(suite, mode, sr_buf_slice(&e->pk_rm), sr_buf_slice(&e->info),
                                   &sargs, sr_buf_slice(&e->ikm_e), enc, &s) == SR_OK &&
              sr_vec_expect(v, "enc", enc, suite->kem->enc_len, "SetupS enc");
    ok = ok && sr_hpke_setup_recipient(suite, mode, sr_slice_of(enc, suite->kem->enc_len),
                                       sr_buf_slice(&e->sk_rm), sr_buf_slice(&e->info), &rargs,
                                       &r) == SR_OK;
    ok = ok && check_schedule(v, s, "sender") && check_schedule(v, r, "recipient");
    ok = ok && check_encryptions(v, s, r) && check_exports(v, s, r);
    sr_hpke_ctx_free(s);
    sr_hpke_ctx_free(r);
    return ok;
}

static bool check_entry(const json_t *v)
{
    struct sr_hpke_suite suite;
    struct entry e = { 0 };
    long long mode = sr_vec_int(v, "mode", -1);
    bool auth = mode == SR_HPKE_MODE_AUTH || mode == SR_HPKE_MODE_AUTH_PSK;
    if (mode < 0 || mode > 3 ||
        sr_hpke_suite_from_ids((uint16_t)sr_vec_int(v, "kem_id", 0),
                               (uint16_t)sr_vec_int(v, "kdf_id", 0),
                               (uint16_t)sr_vec_int(v, "aead_id", 0), &suite) != SR_OK) {
        fprintf(stderr, "unsupported entry\n");
        return false;
    }
    entry_load(&e, v);
    bool ok = check_kem(suite.kem, v, &e, auth) &&
              check_contexts(&suite, v, &e, (enum sr_hpke_mode)mode);
    entry_cleanup(&e);
    return ok;
}

int main(void)
{
    static const char file[] = "hpke/test-vectors.json";
    json_t *root = sr_vec_load(file);
    struct sr_vec_counts counts = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        const json_t *v = json_array_get(root, i);
        bool ok = check_entry(v);
        if (!ok) {
            fprintf(stderr, "entry %zu (mode %lld, kem %lld, kdf %lld, aead %lld) failed\n", i,
                    sr_vec_int(v, "mode", -1), sr_vec_int(v, "kem_id", -1),
                    sr_vec_int(v, "kdf_id", -1), sr_vec_int(v, "aead_id", -1));
        }
        sr_vec_count(&counts, ok);
    }
    json_decref(root);
    return sr_vec_report(file, &counts);
}
