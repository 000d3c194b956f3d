/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files under a KMS key, streamed in chunks with constant memory:
 *
 *   prefix  "SRKF" | version 1 | 3 zero bytes | u32 chunk size | u32 reference length
 *   reference  the secure content reference: a message JWE under the KMS key (kid = its URI)
 *              around {"enc":"A256GCM","k":<the 32-byte file key, base64url>}
 *   chunk i    AES-256-GCM(file key, nonce = 0^4 | u64 i, aad) of `chunk size` plaintext
 *              bytes; the last chunk is shorter (possibly empty) and is the only final one
 *   aad        prefix | u64 i | u8 final | u64 (final ? total plaintext length : 0)
 *
 * All integers are big-endian. Binding the index stops reordering, the final flag and the
 * total stop truncation and extension, and the prefix ties chunks to the header.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/aead.h"
#include "crypto/rand.h"
#include "kms/client_int.h"
#include "kms/jose_int.h"

#define VERSION   1
#define CHUNK_MAX ((uint32_t)1 << 20)
#define REF_MAX   ((uint32_t)4096)
#define AAD_LEN   (SR_KMS_FILE_PREFIX + 8 + 1 + 8)

struct stream {
    struct sr_aead_ctx *ctx;
    uint8_t prefix[SR_KMS_FILE_PREFIX];
    size_t chunk;
    struct sr_buf buf; /* at most one chunk (+ tag), wiped */
    uint64_t index, total;
    bool done;
};

struct sr_kms_file_enc {
    struct stream s;
};

struct sr_kms_file_dec {
    struct stream s;
};

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void stream_cleanup(struct stream *s)
{
    sr_aead_ctx_free(s->ctx);
    sr_buf_cleanup(&s->buf);
    sr_wipe(s, sizeof(*s));
}

static sr_err stream_init(struct stream *s, struct sr_slice file_key, size_t chunk)
{
    sr_buf_init(&s->buf, chunk + SR_JOSE_TAG_LEN, SR_BUF_WIPE);
    s->chunk = chunk;
    SR_TRY(sr_buf_reserve(&s->buf, chunk + SR_JOSE_TAG_LEN));
    return sr_aead_ctx_new(&sr_aead_aes256gcm, file_key, &s->ctx);
}

static void chunk_params(const struct stream *s, bool final, uint8_t nonce[SR_JOSE_IV_LEN],
                         uint8_t aad[AAD_LEN])
{
    memset(nonce, 0, SR_JOSE_IV_LEN);
    put_u64(nonce + 4, s->index);
    memcpy(aad, s->prefix, SR_KMS_FILE_PREFIX);
    put_u64(aad + SR_KMS_FILE_PREFIX, s->index);
    aad[SR_KMS_FILE_PREFIX + 8] = final ? 1 : 0;
    put_u64(aad + SR_KMS_FILE_PREFIX + 9, final ? s->total : 0);
}

/* ---- encryption ------------------------------------------------------------------------- */

static sr_err reference(const struct sr_kms_key *key, struct sr_slice file_key, struct sr_buf *out)
{
    struct sr_buf k64, text;
    sr_buf_init(&k64, 0, SR_BUF_WIPE);
    sr_buf_init(&text, 0, SR_BUF_WIPE);
    sr_err err = sr_jose_b64_encode(file_key, &k64);
    if (err == SR_OK) {
        static const char head[] = "{\"enc\":\"A256GCM\",\"k\":\"";
        err = sr_buf_append(&text, head, sizeof(head) - 1);
    }
    if (err == SR_OK) {
        err = sr_buf_append(&text, k64.p, k64.len);
    }
    if (err == SR_OK) {
        err = sr_buf_append(&text, "\"}", 2);
    }
    if (err == SR_OK) {
        err = sr_kms_message_encrypt(key, sr_buf_slice(&text), out);
    }
    sr_buf_cleanup(&k64);
    sr_buf_cleanup(&text);
    return err;
}

sr_err sr_kms_file_enc_new(const struct sr_kms_key *key, struct sr_buf *header,
                           struct sr_kms_file_enc **out)
{
    uint8_t file_key[SR_KMS_KEY_LEN];
    struct sr_buf ref;
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(key != NULL && header != NULL, SR_ERR_ARG);
    struct sr_kms_file_enc *enc = sr_calloc(1, sizeof(*enc));
    SR_CHECK(enc != NULL, SR_ERR_NOMEM);
    sr_buf_init(&ref, 0, 0);
    sr_err err = sr_rand_bytes(file_key, sizeof(file_key));
    if (err == SR_OK) {
        err = stream_init(&enc->s, sr_slice_of(file_key, sizeof(file_key)), SR_KMS_FILE_CHUNK);
    }
    if (err == SR_OK) {
        err = reference(key, sr_slice_of(file_key, sizeof(file_key)), &ref);
    }
    if (err == SR_OK) {
        memcpy(enc->s.prefix, "SRKF", 4);
        enc->s.prefix[4] = VERSION;
        put_u32(enc->s.prefix + 8, (uint32_t)SR_KMS_FILE_CHUNK);
        put_u32(enc->s.prefix + 12, (uint32_t)ref.len);
        err = sr_buf_append(header, enc->s.prefix, sizeof(enc->s.prefix));
    }
    if (err == SR_OK) {
        err = sr_buf_append(header, ref.p, ref.len);
    }
    sr_wipe(file_key, sizeof(file_key));
    sr_buf_cleanup(&ref);
    if (err != SR_OK) {
        sr_kms_file_enc_free(enc);
        return err;
    }
    *out = enc;
    return SR_OK;
}

/* Seal the buffered plaintext as chunk `index` onto out. */
static sr_err seal_chunk(struct stream *s, bool final, struct sr_buf *out)
{
    uint8_t nonce[SR_JOSE_IV_LEN], aad[AAD_LEN];
    size_t len = 0;
    chunk_params(s, final, nonce, aad);
    SR_TRY(sr_buf_reserve(out, s->buf.len + SR_JOSE_TAG_LEN));
    SR_TRY(sr_aead_seal(s->ctx, nonce, sr_slice_of(aad, sizeof(aad)), sr_buf_slice(&s->buf),
                        out->p + out->len, out->cap - out->len, &len));
    out->len += len;
    s->index++;
    sr_buf_reset(&s->buf);
    return SR_OK;
}

sr_err sr_kms_file_enc_update(struct sr_kms_file_enc *enc, struct sr_slice in, struct sr_buf *out)
{
    SR_CHECK(enc != NULL && out != NULL && (in.p != NULL || in.len == 0), SR_ERR_ARG);
    struct stream *s = &enc->s;
    SR_CHECK(!s->done, SR_ERR_STATE);
    while (in.len > 0) {
        size_t take = s->chunk - s->buf.len;
        take = take < in.len ? take : in.len;
        SR_TRY(sr_buf_append(&s->buf, in.p, take));
        s->total += take;
        in.p += take;
        in.len -= take;
        if (s->buf.len == s->chunk) {
            SR_TRY(seal_chunk(s, false, out));
        }
    }
    return SR_OK;
}

sr_err sr_kms_file_enc_final(struct sr_kms_file_enc *enc, struct sr_buf *out)
{
    SR_CHECK(enc != NULL && out != NULL, SR_ERR_ARG);
    SR_CHECK(!enc->s.done, SR_ERR_STATE);
    SR_TRY(seal_chunk(&enc->s, true, out));
    enc->s.done = true;
    return SR_OK;
}

void sr_kms_file_enc_free(struct sr_kms_file_enc *enc)
{
    if (enc != NULL) {
        stream_cleanup(&enc->s);
        sr_free(enc);
    }
}

/* ---- decryption ------------------------------------------------------------------------- */

sr_err sr_kms_file_header_len(struct sr_slice prefix, size_t *len)
{
    SR_CHECK(len != NULL, SR_ERR_ARG);
    *len = 0;
    SR_CHECK(prefix.p != NULL && prefix.len >= SR_KMS_FILE_PREFIX, SR_ERR_DECODE);
    const uint8_t *p = prefix.p;
    uint32_t chunk = get_u32(p + 8), ref = get_u32(p + 12);
    SR_CHECK(memcmp(p, "SRKF", 4) == 0 && p[4] == VERSION && p[5] == 0 && p[6] == 0 && p[7] == 0,
             SR_ERR_DECODE);
    SR_CHECK(chunk > 0 && chunk <= CHUNK_MAX && ref > 0 && ref <= REF_MAX, SR_ERR_DECODE);
    *len = SR_KMS_FILE_PREFIX + ref;
    return SR_OK;
}

static sr_err header_ref(struct sr_slice header, struct sr_slice *ref)
{
    size_t len = 0;
    SR_TRY(sr_kms_file_header_len(header, &len));
    SR_CHECK(header.len == len, SR_ERR_DECODE);
    *ref = sr_slice_of(header.p + SR_KMS_FILE_PREFIX, len - SR_KMS_FILE_PREFIX);
    return SR_OK;
}

sr_err sr_kms_file_header_kid(struct sr_slice header, char uri[SR_KMS_URI_MAX])
{
    struct sr_slice ref;
    uri[0] = '\0';
    SR_TRY(header_ref(header, &ref));
    return sr_kms_message_kid(ref, uri);
}

/* The file key from the opened reference. */
static sr_err file_key_of(struct sr_slice text, uint8_t k[SR_KMS_KEY_LEN])
{
    json_t *o = NULL;
    struct sr_buf b;
    SR_TRY(sr_jose_json_parse(text, &o, NULL));
    const char *enc = json_string_value(json_object_get(o, "enc"));
    const char *kb = json_string_value(json_object_get(o, "k"));
    sr_buf_init(&b, 64, SR_BUF_WIPE);
    sr_err err = enc != NULL && strcmp(enc, "A256GCM") == 0 && kb != NULL ? SR_OK : SR_ERR_DECODE;
    if (err == SR_OK) {
        err = sr_jose_b64_decode(sr_slice_of(kb, strlen(kb)), &b);
    }
    if (err == SR_OK && b.len != SR_KMS_KEY_LEN) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        memcpy(k, b.p, SR_KMS_KEY_LEN);
    }
    sr_buf_cleanup(&b);
    if (kb != NULL) {
        sr_wipe((char *)(uintptr_t)kb, strlen(kb)); /* jansson frees without wiping */
    }
    json_decref(o);
    return err;
}

sr_err sr_kms_file_dec_new(const struct sr_kms_key *key, struct sr_slice header,
                           struct sr_kms_file_dec **out)
{
    struct sr_slice ref;
    struct sr_buf text;
    uint8_t file_key[SR_KMS_KEY_LEN];
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(key != NULL, SR_ERR_ARG);
    SR_TRY(header_ref(header, &ref));
    struct sr_kms_file_dec *dec = sr_calloc(1, sizeof(*dec));
    SR_CHECK(dec != NULL, SR_ERR_NOMEM);
    sr_buf_init(&text, 0, SR_BUF_WIPE);
    sr_err err = sr_kms_message_decrypt(key, ref, &text);
    if (err == SR_OK) {
        err = file_key_of(sr_buf_slice(&text), file_key);
    }
    if (err == SR_OK) {
        memcpy(dec->s.prefix, header.p, SR_KMS_FILE_PREFIX);
        err = stream_init(&dec->s, sr_slice_of(file_key, sizeof(file_key)), get_u32(header.p + 8));
    }
    sr_wipe(file_key, sizeof(file_key));
    sr_buf_cleanup(&text);
    if (err != SR_OK) {
        sr_kms_file_dec_free(dec);
        return err;
    }
    *out = dec;
    return SR_OK;
}

/* Open the buffered chunk onto out. */
static sr_err open_chunk(struct stream *s, bool final, struct sr_buf *out)
{
    uint8_t nonce[SR_JOSE_IV_LEN], aad[AAD_LEN];
    size_t len = 0;
    SR_CHECK(s->buf.len >= SR_JOSE_TAG_LEN, SR_ERR_DECODE);
    if (final) {
        s->total += s->buf.len - SR_JOSE_TAG_LEN;
    }
    chunk_params(s, final, nonce, aad);
    SR_TRY(sr_buf_reserve(out, s->buf.len));
    SR_TRY(sr_aead_open(s->ctx, nonce, sr_slice_of(aad, sizeof(aad)), sr_buf_slice(&s->buf),
                        out->p + out->len, out->cap - out->len, &len));
    out->len += len;
    if (!final) {
        s->total += len;
    }
    s->index++;
    sr_buf_reset(&s->buf);
    return SR_OK;
}

sr_err sr_kms_file_dec_update(struct sr_kms_file_dec *dec, struct sr_slice in, struct sr_buf *out)
{
    SR_CHECK(dec != NULL && out != NULL && (in.p != NULL || in.len == 0), SR_ERR_ARG);
    struct stream *s = &dec->s;
    size_t full = s->chunk + SR_JOSE_TAG_LEN;
    SR_CHECK(!s->done, SR_ERR_STATE);
    while (in.len > 0) {
        /* A full-size chunk is never the final one (that one is shorter). */
        size_t take = full - s->buf.len;
        take = take < in.len ? take : in.len;
        SR_TRY(sr_buf_append(&s->buf, in.p, take));
        in.p += take;
        in.len -= take;
        if (s->buf.len == full) {
            sr_err err = open_chunk(s, false, out);
            if (err != SR_OK) {
                s->done = true;
                return err;
            }
        }
    }
    return SR_OK;
}

sr_err sr_kms_file_dec_final(struct sr_kms_file_dec *dec, struct sr_buf *out)
{
    SR_CHECK(dec != NULL && out != NULL, SR_ERR_ARG);
    SR_CHECK(!dec->s.done, SR_ERR_STATE);
    dec->s.done = true;
    SR_CHECK(dec->s.buf.len >= SR_JOSE_TAG_LEN, SR_ERR_DECODE); /* truncated */
    return open_chunk(&dec->s, true, out);
}

void sr_kms_file_dec_free(struct sr_kms_file_dec *dec)
{
    if (dec != NULL) {
        stream_cleanup(&dec->s);
        sr_free(dec);
    }
}
