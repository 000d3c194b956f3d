/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JWK thumbprints, x5c chains and key comparison (see jwk.h). Member values are checked to be
 * strict base64url before they enter the thumbprint's JSON, so the hashed text is canonical.
 */
#include "kms/jwk.h"

#include <string.h>

#include "crypto/ct.h"
#include "crypto/hash.h"
#include "kms/jose_int.h"

static const char *b64_member(const json_t *jwk, const char *name)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    size_t len = 0;
    if (s == NULL || s[0] == '\0' || sr_jose_b64_len(sr_slice_of(s, strlen(s)), &len) != SR_OK) {
        return NULL;
    }
    return s;
}

static sr_err append_all(struct sr_buf *b, const char *const *parts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        SR_TRY(sr_buf_append(b, parts[i], strlen(parts[i])));
    }
    return SR_OK;
}

sr_err sr_kms_jwk_thumbprint(const json_t *jwk, uint8_t out[SR_KMS_THUMB_LEN])
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    struct sr_buf text;
    sr_err err = SR_ERR_DECODE;
    sr_buf_init(&text, 0, 0);
    if (kty != NULL && strcmp(kty, "EC") == 0) {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        const char *x = b64_member(jwk, "x"), *y = b64_member(jwk, "y");
        if (crv != NULL && strcmp(crv, "P-256") != 0) {
            err = SR_ERR_UNSUPPORTED;
        } else if (crv != NULL && x != NULL && y != NULL) {
            const char *parts[] = { "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"", x, "\",\"y\":\"",
                                    y, "\"}" };
            err = append_all(&text, parts, sizeof(parts) / sizeof(parts[0]));
        }
    } else if (kty != NULL && strcmp(kty, "RSA") == 0) {
        const char *e = b64_member(jwk, "e"), *n = b64_member(jwk, "n");
        if (e != NULL && n != NULL) {
            const char *parts[] = { "{\"e\":\"", e, "\",\"kty\":\"RSA\",\"n\":\"", n, "\"}" };
            err = append_all(&text, parts, sizeof(parts) / sizeof(parts[0]));
        }
    }
    if (err == SR_OK) {
        err = sr_hash(&sr_hash_sha256, sr_buf_slice(&text), out);
    }
    sr_buf_cleanup(&text);
    return err;
}

sr_err sr_kms_jwk_thumbprint_b64(const json_t *jwk, char out[SR_KMS_THUMB_B64])
{
    uint8_t h[SR_KMS_THUMB_LEN];
    struct sr_buf b;
    SR_TRY(sr_kms_jwk_thumbprint(jwk, h));
    sr_buf_init(&b, 0, 0);
    sr_err err = sr_jose_b64_encode(sr_slice_of(h, sizeof(h)), &b);
    if (err == SR_OK && b.len < SR_KMS_THUMB_B64) {
        memcpy(out, b.p, b.len);
        out[b.len] = '\0';
    } else if (err == SR_OK) {
        err = SR_ERR_LIMIT;
    }
    sr_buf_cleanup(&b);
    return err;
}

/* Standard base64 with padding (RFC 4648 §4), strictly: decoded through the base64url
 * decoder after mapping the two differing characters and checking the padding. */
static sr_err b64std_decode(const char *s, struct sr_buf *out)
{
    size_t len = strlen(s);
    SR_CHECK(len > 0 && len % 4 == 0 && len <= SR_KMS_CERT_MAX * 4 / 3 + 4, SR_ERR_DECODE);
    size_t pad = s[len - 1] == '=' ? (s[len - 2] == '=' ? 2 : 1) : 0;
    struct sr_buf url;
    sr_buf_init(&url, 0, 0);
    sr_err err = sr_buf_reserve(&url, len);
    for (size_t i = 0; err == SR_OK && i < len - pad; i++) {
        char c = s[i];
        if (c == '-' || c == '_' || c == '=') {
            err = SR_ERR_DECODE;
        }
        url.p[url.len++] = (uint8_t)(c == '+' ? '-' : c == '/' ? '_' : c);
    }
    if (err == SR_OK) {
        err = sr_jose_b64_decode(sr_buf_slice(&url), out);
    }
    sr_buf_cleanup(&url);
    return err;
}

sr_err sr_kms_b64_json(struct sr_slice part, size_t max, json_t **out)
{
    struct sr_buf b;
    *out = NULL;
    sr_buf_init(&b, max, 0);
    sr_err err = sr_jose_b64_decode(part, &b);
    if (err == SR_OK) {
        err = sr_jose_json_parse(sr_buf_slice(&b), out, NULL);
    }
    sr_buf_cleanup(&b);
    return err;
}

sr_err sr_kms_b64std_encode(struct sr_slice der, struct sr_buf *out)
{
    size_t start = out->len;
    SR_TRY(sr_jose_b64_encode(der, out));
    for (size_t i = start; i < out->len; i++) {
        out->p[i] = out->p[i] == '-' ? '+' : out->p[i] == '_' ? '/' : out->p[i];
    }
    while ((out->len - start) % 4 != 0) {
        SR_TRY(sr_buf_append(out, "=", 1));
    }
    return SR_OK;
}

sr_err sr_kms_x5c_decode(const json_t *jwk, struct sr_kms_x5c *out)
{
    memset(out, 0, sizeof(*out));
    const json_t *x5c = json_object_get(jwk, "x5c");
    if (x5c == NULL) {
        return SR_ERR_NOT_FOUND;
    }
    SR_CHECK(json_is_array(x5c) && json_array_size(x5c) > 0, SR_ERR_DECODE);
    SR_CHECK(json_array_size(x5c) <= SR_KMS_X5C_MAX, SR_ERR_LIMIT);
    for (size_t i = 0; i < json_array_size(x5c); i++) {
        const char *s = json_string_value(json_array_get(x5c, i));
        SR_CHECK(s != NULL, SR_ERR_DECODE);
        sr_buf_init(&out->der[i], SR_KMS_CERT_MAX, 0);
        out->n = i + 1;
        SR_TRY(b64std_decode(s, &out->der[i]));
        out->certs[i] = sr_buf_slice(&out->der[i]);
    }
    return SR_OK;
}

void sr_kms_x5c_cleanup(struct sr_kms_x5c *x5c)
{
    for (size_t i = 0; i < x5c->n; i++) {
        sr_buf_cleanup(&x5c->der[i]);
    }
    memset(x5c, 0, sizeof(*x5c));
}

static bool member_is(const json_t *jwk, const char *name, const uint8_t *want, size_t len)
{
    const char *s = b64_member(jwk, name);
    uint8_t mem[SR_X509_RSA_MAX + 4]; /* decoding reserves up to 2 bytes past the value */
    struct sr_buf b;
    sr_buf_init_fixed(&b, mem, sizeof(mem));
    return s != NULL && sr_jose_b64_decode(sr_slice_of(s, strlen(s)), &b) == SR_OK &&
           b.len == len && sr_ct_equal(b.p, want, len);
}

bool sr_kms_jwk_is_key(const json_t *jwk, const struct sr_x509_jwk_key *k)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    if (kty == NULL) {
        return false;
    }
    switch (k->kty) {
    case SR_X509_KEY_RSA:
        return strcmp(kty, "RSA") == 0 && member_is(jwk, "n", k->a, k->a_len) &&
               member_is(jwk, "e", k->b, k->b_len);
    case SR_X509_KEY_P256:
        return strcmp(kty, "EC") == 0 && crv != NULL && strcmp(crv, "P-256") == 0 &&
               member_is(jwk, "x", k->a, k->a_len) && member_is(jwk, "y", k->b, k->b_len);
    default:
        return false;
    }
}
