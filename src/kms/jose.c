/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealing and opening KMS messages over cjose (KMS.md §2). Every message is first checked
 * by jose_check.c, so cjose only decrypts or verifies the forms the KMS allows; cjose errors
 * become SR_ERR_AUTH (tag or signature) or SR_ERR_CRYPTO and never leak further. Decrypted
 * payloads carry key material, so they are wiped before release.
 */
#include <string.h>

#include <cjose/cjose.h>

#include "core/alloc.h"
#include "kms/jose_int.h"

struct sr_jose_key {
    cjose_jwk_t *jwk;
};

static sr_err wrap(cjose_jwk_t *jwk, struct sr_jose_key **out)
{
    SR_CHECK(jwk != NULL, SR_ERR_CRYPTO);
    struct sr_jose_key *k = sr_calloc(1, sizeof(*k));
    if (k == NULL) {
        cjose_jwk_release(jwk);
        return SR_ERR_NOMEM;
    }
    k->jwk = jwk;
    *out = k;
    return SR_OK;
}

sr_err sr_jose_key_oct(struct sr_slice k, struct sr_jose_key **out)
{
    *out = NULL;
    SR_CHECK(k.len == 32, SR_ERR_ARG);
    return wrap(cjose_jwk_create_oct_spec(k.p, k.len, NULL), out);
}

sr_err sr_jose_key_copy(const struct sr_jose_key *key, struct sr_jose_key **out)
{
    *out = NULL;
    SR_CHECK(key != NULL && cjose_jwk_get_kty(key->jwk, NULL) == CJOSE_JWK_KTY_OCT, SR_ERR_ARG);
    const uint8_t *k = cjose_jwk_get_keydata(key->jwk, NULL);
    SR_CHECK(k != NULL, SR_ERR_ARG);
    return sr_jose_key_oct(sr_slice_of(k, cjose_jwk_get_keysize(key->jwk, NULL) / 8), out);
}

sr_err sr_jose_key_import(const char *json, size_t len, struct sr_jose_key **out)
{
    *out = NULL;
    SR_CHECK(json != NULL, SR_ERR_ARG);
    SR_CHECK(len <= SR_JOSE_PAYLOAD_MAX, SR_ERR_LIMIT);
    cjose_jwk_t *jwk = cjose_jwk_import(json, len, NULL);
    SR_CHECK(jwk != NULL, SR_ERR_DECODE);
    if (cjose_jwk_get_kty(jwk, NULL) != CJOSE_JWK_KTY_RSA) {
        cjose_jwk_release(jwk);
        return SR_ERR_UNSUPPORTED;
    }
    return wrap(jwk, out);
}

sr_err sr_jose_key_rsa_generate(size_t bits, struct sr_jose_key **out)
{
    static const uint8_t e[] = { 0x01, 0x00, 0x01 };
    *out = NULL;
    SR_CHECK(bits == 2048 || bits == 3072, SR_ERR_ARG);
    return wrap(cjose_jwk_create_RSA_random(bits, e, sizeof(e), NULL), out);
}

/* A copy in our allocator of a string cjose allocated, which is released (wiped) here. */
static sr_err adopt_string(char *s, char **out)
{
    SR_CHECK(s != NULL, SR_ERR_CRYPTO);
    size_t n = strlen(s);
    *out = sr_malloc(n + 1);
    if (*out != NULL) {
        memcpy(*out, s, n + 1);
    }
    sr_wipe(s, n);
    cjose_get_dealloc()(s);
    return *out != NULL ? SR_OK : SR_ERR_NOMEM;
}

sr_err sr_jose_key_export(const struct sr_jose_key *key, bool with_private, char **out)
{
    *out = NULL;
    return adopt_string(cjose_jwk_to_json(key->jwk, with_private, NULL), out);
}

void sr_jose_key_free(struct sr_jose_key *key)
{
    if (key == NULL) {
        return;
    }
    /* A channel key is K itself: wipe cjose's copy, which its release only frees. */
    if (cjose_jwk_get_kty(key->jwk, NULL) == CJOSE_JWK_KTY_OCT) {
        uint8_t *k = cjose_jwk_get_keydata(key->jwk, NULL);
        if (k != NULL) {
            sr_wipe(k, cjose_jwk_get_keysize(key->jwk, NULL) / 8);
        }
    }
    cjose_jwk_release(key->jwk);
    sr_free(key);
}

/* The key must suit the kind: RSA for the static key, a 256-bit oct key for channels. */
static bool key_fits(const struct sr_jose_key *key, enum sr_jose_kind kind)
{
    cjose_jwk_kty_t kty = cjose_jwk_get_kty(key->jwk, NULL);
    if (kind == SR_JOSE_CHANNEL) {
        return kty == CJOSE_JWK_KTY_OCT && cjose_jwk_get_keysize(key->jwk, NULL) == 256;
    }
    return kty == CJOSE_JWK_KTY_RSA && cjose_jwk_get_keysize(key->jwk, NULL) >= 2048;
}

static cjose_header_t *make_header(const struct sr_jose_rule *r, const char *kid)
{
    cjose_header_t *h = cjose_header_new(NULL);
    bool ok = h != NULL && cjose_header_set(h, CJOSE_HDR_ALG, r->alg, NULL) &&
              (r->enc == NULL || cjose_header_set(h, CJOSE_HDR_ENC, r->enc, NULL)) &&
              cjose_header_set(h, CJOSE_HDR_KID, kid, NULL);
    if (!ok) {
        cjose_header_release(h);
        return NULL;
    }
    return h;
}

static sr_err seal_jwe(const struct sr_jose_key *key, cjose_header_t *h, struct sr_slice pt,
                       char **out)
{
    cjose_jwe_t *jwe = cjose_jwe_encrypt(key->jwk, h, pt.p, pt.len, NULL);
    SR_CHECK(jwe != NULL, SR_ERR_CRYPTO);
    char *s = cjose_jwe_export(jwe, NULL);
    cjose_jwe_release(jwe);
    return adopt_string(s, out);
}

static sr_err seal_jws(const struct sr_jose_key *key, cjose_header_t *h, struct sr_slice pt,
                       char **out)
{
    cjose_jws_t *jws = cjose_jws_sign(key->jwk, h, pt.p, pt.len, NULL);
    SR_CHECK(jws != NULL, SR_ERR_CRYPTO);
    const char *ser = NULL;
    sr_err err = SR_ERR_CRYPTO;
    if (cjose_jws_export(jws, &ser, NULL) && ser != NULL) {
        size_t n = strlen(ser);
        *out = sr_malloc(n + 1);
        err = *out != NULL ? SR_OK : SR_ERR_NOMEM;
        if (err == SR_OK) {
            memcpy(*out, ser, n + 1);
        }
    }
    cjose_jws_release(jws);
    return err;
}

sr_err sr_jose_seal(enum sr_jose_kind kind, const struct sr_jose_key *key, const char *kid,
                    struct sr_slice payload, char **out, enum sr_jose_reason *why)
{
    const struct sr_jose_rule *r = sr_jose_rule_of(kind);
    *out = NULL;
    SR_CHECK(r != NULL && key != NULL && kid != NULL && payload.p != NULL, SR_ERR_ARG);
    if (payload.len > SR_JOSE_PAYLOAD_MAX) {
        return sr_jose_fail(why, SR_JOSE_TOO_LARGE);
    }
    size_t kid_len = strnlen(kid, SR_JOSE_KID_MAX);
    if (kid_len == 0 || kid_len == SR_JOSE_KID_MAX) {
        return sr_jose_fail(why, SR_JOSE_WRONG_KID);
    }
    if (!key_fits(key, kind)) {
        return sr_jose_fail(why, SR_JOSE_BAD_KEY);
    }
    cjose_header_t *h = make_header(r, kid);
    if (h == NULL) {
        return sr_jose_fail(why, SR_JOSE_INTERNAL);
    }
    sr_err err = r->jwe ? seal_jwe(key, h, payload, out) : seal_jws(key, h, payload, out);
    cjose_header_release(h);
    if (err != SR_OK) {
        if (why != NULL) {
            *why = SR_JOSE_INTERNAL;
        }
        return err;
    }
    return sr_jose_fail(why, SR_JOSE_OK);
}

/* Decrypt a checked JWE and parse its payload; the plaintext is wiped either way. */
static enum sr_jose_reason open_jwe(const char *compact, size_t len, const struct sr_jose_key *key,
                                    json_t **payload)
{
    cjose_jwe_t *jwe = cjose_jwe_import(compact, len, NULL);
    if (jwe == NULL) {
        return SR_JOSE_MALFORMED;
    }
    size_t pt_len = 0;
    uint8_t *pt = cjose_jwe_decrypt(jwe, key->jwk, &pt_len, NULL);
    cjose_jwe_release(jwe);
    if (pt == NULL) {
        return SR_JOSE_AUTH_FAILED;
    }
    enum sr_jose_reason why = SR_JOSE_INTERNAL;
    if (sr_jose_json_parse(sr_slice_of(pt, pt_len), payload, &why) == SR_OK) {
        why = SR_JOSE_OK;
    }
    sr_wipe(pt, pt_len);
    cjose_get_dealloc()(pt);
    return why;
}

static enum sr_jose_reason open_jws(const char *compact, size_t len, const struct sr_jose_key *key,
                                    json_t **payload)
{
    cjose_jws_t *jws = cjose_jws_import(compact, len, NULL);
    if (jws == NULL) {
        return SR_JOSE_MALFORMED;
    }
    enum sr_jose_reason why = SR_JOSE_AUTH_FAILED;
    uint8_t *pt = NULL;
    size_t pt_len = 0;
    if (cjose_jws_verify(jws, key->jwk, NULL)) {
        why = cjose_jws_get_plaintext(jws, &pt, &pt_len, NULL) ? SR_JOSE_OK : SR_JOSE_INTERNAL;
    }
    if (why == SR_JOSE_OK && sr_jose_json_parse(sr_slice_of(pt, pt_len), payload, &why) != SR_OK &&
        why == SR_JOSE_OK) {
        why = SR_JOSE_INTERNAL;
    }
    cjose_jws_release(jws);
    return why;
}

sr_err sr_jose_open(enum sr_jose_kind kind, const char *compact, size_t len,
                    const struct sr_jose_key *key, const char *kid, json_t **payload,
                    enum sr_jose_reason *why)
{
    *payload = NULL;
    SR_CHECK(key != NULL && kid != NULL && sr_jose_rule_of(kind) != NULL, SR_ERR_ARG);
    struct sr_jose_header hdr;
    struct sr_jose_parts parts;
    SR_TRY(sr_jose_check(compact, len, kind, false, &hdr, &parts, why));
    if (strcmp(hdr.kid, kid) != 0) {
        return sr_jose_fail(why, SR_JOSE_WRONG_KID);
    }
    if (!key_fits(key, kind)) {
        return sr_jose_fail(why, SR_JOSE_BAD_KEY);
    }
    enum sr_jose_reason r = sr_jose_rule_of(kind)->jwe ? open_jwe(compact, len, key, payload)
                                                       : open_jws(compact, len, key, payload);
    if (r != SR_JOSE_OK && *payload != NULL) {
        json_decref(*payload);
        *payload = NULL;
    }
    return sr_jose_fail(why, r);
}
