/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9605 Appendix C vectors (sframe/test-vectors.json) and the sframe-wg post-RFC files
 * (AES-256 CTR+HMAC suites 6-8), one summary line per file. Each case runs one check:
 *   header        encode(kid, ctr) == encoded and decode(encoded) == (kid, ctr)
 *   *_ctr_hmac    subkey split, AEAD.Encrypt == ct and AEAD.Decrypt == pt (§4.5.1)
 *   sframe*       sframe_secret, key, salt, nonce, aad, protect == ct, unprotect == pt
 *
 * The files hold KIDs and CTRs up to 2^64 - 1, which jansson refuses as "too big integer",
 * so they are loaded with every bare number quoted and read with sr_vec_u64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sframe/cipher.h"
#include "sframe/header.h"
#include "vectors.h"

struct bufs {
    struct sr_buf a, b, c, d;
};

static bool check_header(const json_t *tc)
{
    uint64_t kid, ctr;
    struct sr_buf enc = { 0 };
    uint8_t out[SR_SFRAME_HEADER_MAX];
    size_t len = 0;
    struct sr_sframe_header h;
    bool ok = sr_vec_u64(tc, "kid", &kid) && sr_vec_u64(tc, "ctr", &ctr) &&
              sr_vec_hex(tc, "encoded", &enc) &&
              sr_sframe_header_encode(kid, ctr, out, sizeof(out), &len) == SR_OK &&
              sr_vec_expect(tc, "encoded", out, len, "header encode") &&
              len == sr_sframe_header_size(kid, ctr) &&
              sr_sframe_header_decode(sr_buf_slice(&enc), &h) == SR_OK && h.kid == kid &&
              h.ctr == ctr && h.len == enc.len;
    sr_buf_cleanup(&enc);
    return ok;
}

/* A suite from the case's cipher_suite, or NULL. */
static const struct sr_sframe_suite *case_suite(const json_t *tc)
{
    uint64_t id;
    return sr_vec_u64(tc, "cipher_suite", &id) && id <= 0xffff ? sr_sframe_suite_find((uint16_t)id)
                                                               : NULL;
}

static bool check_ctr_hmac(const json_t *tc)
{
    const struct sr_sframe_suite *suite = case_suite(tc);
    struct sr_buf key = { 0 }, nonce = { 0 }, aad = { 0 }, pt = { 0 }, ct = { 0 };
    uint8_t out[256];
    static const uint8_t zero_salt[SR_SFRAME_NN];
    struct sr_sframe_cipher c = { 0 };
    bool ok = suite != NULL && suite->nka > 0 && sr_vec_hex(tc, "key", &key) &&
              key.len == suite->nk && sr_vec_hex(tc, "nonce", &nonce) &&
              nonce.len == SR_SFRAME_NN && sr_vec_hex(tc, "aad", &aad) &&
              sr_vec_hex(tc, "pt", &pt) && sr_vec_hex(tc, "ct", &ct) &&
              pt.len + suite->nt <= sizeof(out) && ct.len >= suite->nt &&
              sr_vec_expect(tc, "enc_key", key.p, suite->nka, "derive_subkeys") &&
              sr_vec_expect(tc, "auth_key", key.p + suite->nka, key.len - suite->nka,
                            "derive_subkeys") &&
              sr_sframe_cipher_init(&c, suite, key.p, zero_salt) == SR_OK;
    struct sr_slice parts[2] = { sr_buf_slice(&aad), sr_slice_of(NULL, 0) };
    ok = ok && suite->ops->seal(&c, nonce.p, parts, sr_buf_slice(&pt), out) == SR_OK &&
         sr_vec_expect(tc, "ct", out, pt.len + suite->nt, "AEAD.Encrypt") &&
         suite->ops->open(&c, nonce.p, parts, sr_buf_slice(&ct), out) == SR_OK &&
         sr_vec_expect(tc, "pt", out, ct.len - suite->nt, "AEAD.Decrypt");
    sr_sframe_cipher_cleanup(&c);
    sr_buf_cleanup(&key);
    sr_buf_cleanup(&nonce);
    sr_buf_cleanup(&aad);
    sr_buf_cleanup(&pt);
    sr_buf_cleanup(&ct);
    return ok;
}

/* sframe_secret, sframe_key, sframe_salt, nonce and aad: the intermediate values. */
static bool check_schedule(const json_t *tc, const struct sr_sframe_suite *suite, uint64_t kid,
                           uint64_t ctr, struct sr_slice base_key, struct sr_slice metadata)
{
    uint8_t prk[SR_HASH_MAX], key[SR_SFRAME_KEY_MAX], salt[SR_SFRAME_NN], nonce[SR_SFRAME_NN];
    uint8_t aad[SR_SFRAME_HEADER_MAX + 64];
    size_t hlen = 0;
    struct sr_sframe_cipher c = { 0 };
    const struct sr_hash_alg *hash = sr_sframe_suite_hash(suite);
    bool ok = hash != NULL && metadata.len <= 64 &&
              sr_sframe_derive_secret(suite, base_key, prk) == SR_OK &&
              sr_vec_expect(tc, "sframe_secret", prk, hash->len, "HKDF-Extract") &&
              sr_sframe_derive_key_salt(suite, sr_slice_of(prk, hash->len), kid, key, salt) ==
                      SR_OK &&
              sr_vec_expect(tc, "sframe_key", key, suite->nk, "derive_key_salt") &&
              sr_vec_expect(tc, "sframe_salt", salt, SR_SFRAME_NN, "derive_key_salt") &&
              sr_sframe_cipher_init(&c, suite, key, salt) == SR_OK;
    if (ok) {
        sr_sframe_cipher_nonce(&c, ctr, nonce);
        ok = sr_vec_expect(tc, "nonce", nonce, SR_SFRAME_NN, "nonce") &&
             sr_sframe_header_encode(kid, ctr, aad, sizeof(aad), &hlen) == SR_OK;
    }
    if (ok) {
        memcpy(aad + hlen, metadata.p, metadata.len);
        ok = sr_vec_expect(tc, "aad", aad, hlen + metadata.len, "header || metadata");
    }
    sr_sframe_cipher_cleanup(&c);
    return ok;
}

/* encrypt(ctr, kid, metadata, pt) == ct, then decrypt(metadata, ct) == pt, through contexts. */
static bool check_contexts(const json_t *tc, uint16_t suite_id, uint64_t kid, uint64_t ctr,
                           struct sr_slice base_key, struct sr_slice metadata, struct sr_slice pt,
                           struct sr_slice ct)
{
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, suite_id);
    struct sr_sframe_ctx *tx = NULL, *rx = NULL;
    uint8_t out[256];
    size_t len = 0;
    struct sr_sframe_header h;
    bool ok = sr_sframe_ciphertext_len(suite_id, pt.len) <= sizeof(out) &&
              sr_sframe_ctx_new(&opt, &tx) == SR_OK && sr_sframe_ctx_new(&opt, &rx) == SR_OK &&
              sr_sframe_ctx_key_add(tx, kid, SR_SFRAME_PROTECT, base_key) == SR_OK &&
              sr_sframe_ctx_key_add(rx, kid, SR_SFRAME_UNPROTECT, base_key) == SR_OK &&
              sr_sframe_ctx_key_set_ctr(tx, kid, ctr) == SR_OK &&
              sr_sframe_ctx_protect(tx, kid, metadata, pt, out, sizeof(out), &len) == SR_OK &&
              sr_vec_expect(tc, "ct", out, len, "encrypt") &&
              sr_sframe_ctx_unprotect(rx, metadata, ct, out, sizeof(out), &len, &h) == SR_OK &&
              sr_vec_expect(tc, "pt", out, len, "decrypt") && h.kid == kid && h.ctr == ctr;
    sr_sframe_ctx_free(tx);
    sr_sframe_ctx_free(rx);
    return ok;
}

static bool check_sframe(const json_t *tc)
{
    const struct sr_sframe_suite *suite = case_suite(tc);
    uint64_t kid, ctr;
    struct sr_buf base = { 0 }, md = { 0 }, pt = { 0 }, ct = { 0 };
    bool ok = suite != NULL && sr_vec_u64(tc, "kid", &kid) && sr_vec_u64(tc, "ctr", &ctr) &&
              sr_vec_hex(tc, "base_key", &base) && sr_vec_hex(tc, "metadata", &md) &&
              sr_vec_hex(tc, "pt", &pt) && sr_vec_hex(tc, "ct", &ct);
    ok = ok && check_schedule(tc, suite, kid, ctr, sr_buf_slice(&base), sr_buf_slice(&md));
    ok = ok && check_contexts(tc, suite->id, kid, ctr, sr_buf_slice(&base), sr_buf_slice(&md),
                              sr_buf_slice(&pt), sr_buf_slice(&ct));
    sr_buf_cleanup(&base);
    sr_buf_cleanup(&md);
    sr_buf_cleanup(&pt);
    sr_buf_cleanup(&ct);
    return ok;
}

/* Which check an array of cases gets, by its name; NULL when this runner has none. */
static bool (*check_for(const char *name))(const json_t *)
{
    if (strcmp(name, "header") == 0) {
        return check_header;
    }
    if (strncmp(name, "sframe", 6) == 0) {
        return check_sframe;
    }
    if (strstr(name, "ctr_hmac") != NULL) {
        return check_ctr_hmac;
    }
    return NULL;
}

static int run_file(const char *rel, bool required)
{
    json_t *root =
            sr_vec_load_ex(rel, SR_VEC_NUMBERS_AS_STRINGS | (required ? 0 : SR_VEC_OPTIONAL));
    if (root == NULL) {
        printf("%s: missing, skipped\n", rel);
        return 0;
    }
    struct sr_vec_counts counts = { 0 };
    const char *name;
    json_t *cases;
    json_object_foreach(root, name, cases)
    {
        bool (*check)(const json_t *) = check_for(name);
        size_t i;
        json_t *tc;
        json_array_foreach(cases, i, tc)
        {
            if (check == NULL) {
                counts.skipped++;
                continue;
            }
            bool ok = check(tc);
            if (!ok) {
                fprintf(stderr, "%s: %s[%zu] failed\n", rel, name, i);
            }
            sr_vec_count(&counts, ok);
        }
    }
    json_decref(root);
    return sr_vec_report(rel, &counts);
}

int main(void)
{
    int rc = run_file("sframe/test-vectors.json", true);
    rc |= run_file("sframe/post-rfc/test-vectors.json", false);
    rc |= run_file("sframe/post-rfc/test-vectors-aes256.json", false);
    return rc;
}
