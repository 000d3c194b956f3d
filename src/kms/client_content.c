/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Messages under a KMS key (DESIGN.md KMS flow step 3): a compact JWE (RFC 7516 §7.1)
 *
 *   BASE64URL(header) . "" . BASE64URL(IV) . BASE64URL(ciphertext) . BASE64URL(tag)
 *   header = {"alg":"dir","enc":"A256GCM","kid":<key uri>}, AAD = ASCII(BASE64URL(header))
 *
 * with a fresh 12-byte IV from crypto/rand. Decryption pins alg and enc, refuses zip and
 * crit, requires kid = the key's URI, and checks IV and tag lengths before opening.
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/aead.h"
#include "crypto/rand.h"
#include "kms/client_int.h"
#include "kms/jose_int.h"

#define MESSAGE_MAX ((size_t)16 << 20)

static sr_err header_b64(const char *kid, struct sr_buf *out)
{
    json_t *h = json_pack("{s:s,s:s,s:s}", "alg", "dir", "enc", "A256GCM", "kid", kid);
    char *text = h != NULL ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    SR_CHECK(text != NULL, SR_ERR_NOMEM);
    sr_err err = sr_jose_b64_encode(sr_slice_of(text, strlen(text)), out);
    sr_free(text);
    return err;
}

sr_err sr_kms_message_encrypt(const struct sr_kms_key *key, struct sr_slice pt, struct sr_buf *out)
{
    uint8_t iv[SR_JOSE_IV_LEN];
    struct sr_buf ct;
    size_t start, hlen, len = 0;
    SR_CHECK(key != NULL && out != NULL && key->uri[0] != '\0', SR_ERR_ARG);
    SR_CHECK(pt.len <= MESSAGE_MAX, SR_ERR_LIMIT);
    SR_CHECK(pt.p != NULL || pt.len == 0, SR_ERR_ARG);
    start = out->len;
    sr_buf_init(&ct, 0, 0);
    sr_err err = header_b64(key->uri, out);
    hlen = out->len - start;
    if (err == SR_OK) {
        err = sr_rand_bytes(iv, sizeof(iv));
    }
    if (err == SR_OK) {
        err = sr_buf_reserve(&ct, pt.len + SR_JOSE_TAG_LEN);
    }
    if (err == SR_OK) {
        err = sr_aead_seal_once(&sr_aead_aes256gcm, sr_slice_of(key->k, SR_KMS_KEY_LEN), iv,
                                sr_slice_of(out->p + start, hlen), pt, ct.p, ct.cap, &len);
    }
    if (err == SR_OK) {
        err = sr_buf_append(out, "..", 2);
    }
    if (err == SR_OK) {
        err = sr_jose_b64_encode(sr_slice_of(iv, sizeof(iv)), out);
    }
    if (err == SR_OK) {
        err = sr_buf_append(out, ".", 1);
    }
    if (err == SR_OK) {
        err = sr_jose_b64_encode(sr_slice_of(ct.p, len - SR_JOSE_TAG_LEN), out);
    }
    if (err == SR_OK) {
        err = sr_buf_append(out, ".", 1);
    }
    if (err == SR_OK) {
        err = sr_jose_b64_encode(sr_slice_of(ct.p + len - SR_JOSE_TAG_LEN, SR_JOSE_TAG_LEN), out);
    }
    if (err == SR_OK) {
        err = sr_buf_append(out, "", 1);
    }
    if (err == SR_OK) {
        out->len--; /* the NUL is there but not counted */
    } else {
        out->len = start;
    }
    sr_buf_cleanup(&ct);
    return err;
}

/* The five parts of a compact JWE; SR_ERR_DECODE for another shape. */
static sr_err split(struct sr_slice jwe, struct sr_slice part[5])
{
    size_t k = 0, from = 0;
    SR_CHECK(jwe.p != NULL && jwe.len <= MESSAGE_MAX / 3 * 4 + 4096, SR_ERR_DECODE);
    for (size_t i = 0; i <= jwe.len; i++) {
        if (i == jwe.len || jwe.p[i] == '.') {
            SR_CHECK(k < 5, SR_ERR_DECODE);
            part[k++] = sr_slice_of(jwe.p + from, i - from);
            from = i + 1;
        }
    }
    SR_CHECK(k == 5 && part[1].len == 0, SR_ERR_DECODE);
    return SR_OK;
}

/* The parsed protected header; checks alg, enc and forbidden members. */
static sr_err read_header(struct sr_slice b64, json_t **out)
{
    struct sr_buf text;
    *out = NULL;
    sr_buf_init(&text, 4096, 0);
    sr_err err = sr_jose_b64_decode(b64, &text);
    if (err == SR_OK) {
        err = sr_jose_json_parse(sr_buf_slice(&text), out, NULL) == SR_OK ? SR_OK : SR_ERR_DECODE;
    }
    sr_buf_cleanup(&text);
    SR_TRY(err);
    const char *alg = json_string_value(json_object_get(*out, "alg"));
    const char *enc = json_string_value(json_object_get(*out, "enc"));
    if (alg == NULL || enc == NULL || strcmp(alg, "dir") != 0 || strcmp(enc, "A256GCM") != 0 ||
        json_object_get(*out, "zip") != NULL || json_object_get(*out, "crit") != NULL) {
        json_decref(*out);
        *out = NULL;
        return SR_ERR_UNSUPPORTED;
    }
    return SR_OK;
}

sr_err sr_kms_message_kid(struct sr_slice jwe, char uri[SR_KMS_URI_MAX])
{
    struct sr_slice part[5];
    json_t *h = NULL;
    uri[0] = '\0';
    SR_TRY(split(jwe, part));
    SR_TRY(read_header(part[0], &h));
    sr_err err = sr_kms_client_str(h, "kid", true, uri, SR_KMS_URI_MAX);
    json_decref(h);
    return err;
}

/* IV, then ciphertext || tag, decoded. */
static sr_err decode_body(const struct sr_slice part[5], uint8_t iv[SR_JOSE_IV_LEN],
                          struct sr_buf *ct)
{
    struct sr_buf b;
    size_t tag_len = 0;
    sr_buf_init(&b, 64, 0);
    sr_err err = sr_jose_b64_decode(part[2], &b);
    if (err == SR_OK && b.len != SR_JOSE_IV_LEN) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        memcpy(iv, b.p, SR_JOSE_IV_LEN);
        err = sr_jose_b64_len(part[4], &tag_len);
    }
    if (err == SR_OK && tag_len != SR_JOSE_TAG_LEN) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        err = sr_jose_b64_decode(part[3], ct);
    }
    if (err == SR_OK) {
        err = sr_jose_b64_decode(part[4], ct);
    }
    sr_buf_cleanup(&b);
    return err;
}

sr_err sr_kms_message_decrypt(const struct sr_kms_key *key, struct sr_slice jwe, struct sr_buf *out)
{
    struct sr_slice part[5];
    uint8_t iv[SR_JOSE_IV_LEN];
    struct sr_buf ct;
    json_t *h = NULL;
    size_t len = 0, start;
    SR_CHECK(key != NULL && out != NULL, SR_ERR_ARG);
    SR_TRY(split(jwe, part));
    SR_TRY(read_header(part[0], &h));
    const char *kid = json_string_value(json_object_get(h, "kid"));
    sr_err err = kid != NULL && strcmp(kid, key->uri) == 0 ? SR_OK : SR_ERR_NOT_FOUND;
    json_decref(h);
    SR_TRY(err);
    sr_buf_init(&ct, 0, 0);
    start = out->len;
    err = decode_body(part, iv, &ct);
    if (err == SR_OK) {
        err = sr_buf_reserve(out, ct.len);
    }
    if (err == SR_OK) {
        err = sr_aead_open_once(&sr_aead_aes256gcm, sr_slice_of(key->k, SR_KMS_KEY_LEN), iv,
                                part[0], sr_buf_slice(&ct), out->p + start, out->cap - start, &len);
    }
    out->len = err == SR_OK ? start + len : start;
    sr_buf_cleanup(&ct);
    return err;
}
