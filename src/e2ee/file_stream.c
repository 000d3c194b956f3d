/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streamed file encryption under the epoch's file-transfer key, in fixed 64 KiB chunks with
 * constant memory. The layout is in include/sealroom/e2ee.h. Each file gets a random key, so
 * the chunk index alone is a unique nonce; the chunk's AAD binds the file id, the total
 * length, the index and whether it is the final chunk.
 */
#include <string.h>

#include <sealroom/buf.h>
#include <sealroom/e2ee.h>

#include "core/alloc.h"
#include "crypto/rand.h"
#include "e2ee/e2ee_int.h"

#define VERSION     1
#define CHUNK_LOG2  16
#define KEY_LEN     32
#define NONCE_LEN   12
#define WRAP_AAD    42 /* magic .. total length */
#define WRAP_NONCE  42
#define WRAPPED     54
#define CHUNK_AAD   (SR_E2EE_FILE_ID_LEN + 8 + 8 + 1)
#define CHUNK_BYTES ((uint64_t)1 << CHUNK_LOG2)

_Static_assert(CHUNK_BYTES == SR_E2EE_FILE_CHUNK, "chunk size");
_Static_assert(WRAPPED + KEY_LEN + SR_E2EE_FILE_TAG_LEN == SR_E2EE_FILE_HEADER_LEN, "header");

static const uint8_t magic[4] = { 'S', 'R', 'F', 'S' };

/* The state both directions share. */
struct stream {
    struct sr_aead_ctx *aead; /* keyed with the file key */
    uint8_t file_id[SR_E2EE_FILE_ID_LEN];
    uint64_t total;
    uint64_t n_chunks;
    uint64_t index; /* the next chunk */
    int failed;
};

struct sr_e2ee_file_enc {
    struct stream s;
};

struct sr_e2ee_file_dec {
    struct stream s;
};

static void stream_init(struct stream *s, const uint8_t *file_id, uint64_t total)
{
    memcpy(s->file_id, file_id, SR_E2EE_FILE_ID_LEN);
    s->total = total;
    /* An empty file still has one (empty, final) chunk, so its end is authenticated. */
    s->n_chunks = total / CHUNK_BYTES + (total % CHUNK_BYTES != 0);
    if (s->n_chunks == 0) {
        s->n_chunks = 1;
    }
}

static size_t stream_next_len(const struct stream *s)
{
    if (s->index >= s->n_chunks) {
        return 0;
    }
    if (s->index + 1 < s->n_chunks) {
        return (size_t)CHUNK_BYTES;
    }
    return (size_t)(s->total - (s->n_chunks - 1) * CHUNK_BYTES);
}

static void chunk_params(const struct stream *s, uint8_t nonce[NONCE_LEN], uint8_t aad[CHUNK_AAD])
{
    memset(nonce, 0, 4);
    sr_e2ee_put_be(nonce + 4, s->index, 8);
    memcpy(aad, s->file_id, SR_E2EE_FILE_ID_LEN);
    sr_e2ee_put_be(aad + SR_E2EE_FILE_ID_LEN, s->total, 8);
    sr_e2ee_put_be(aad + SR_E2EE_FILE_ID_LEN + 8, s->index, 8);
    aad[CHUNK_AAD - 1] = s->index + 1 == s->n_chunks;
}

static void write_header_fields(uint8_t *h, uint64_t epoch, uint32_t sender, const uint8_t *file_id,
                                uint64_t total)
{
    memcpy(h, magic, sizeof(magic));
    h[4] = VERSION;
    h[5] = CHUNK_LOG2;
    sr_e2ee_put_be(h + 6, epoch, 8);
    sr_e2ee_put_be(h + 14, sender, 4);
    memcpy(h + 18, file_id, SR_E2EE_FILE_ID_LEN);
    sr_e2ee_put_be(h + 34, total, 8);
}

sr_err sr_e2ee_file_enc_new(struct sr_e2ee_keyring *kr, uint32_t sender,
                            const uint8_t file_id[SR_E2EE_FILE_ID_LEN], uint64_t total_len,
                            uint8_t header[SR_E2EE_FILE_HEADER_LEN], struct sr_e2ee_file_enc **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(kr != NULL && file_id != NULL && header != NULL, SR_ERR_ARG);
    uint64_t epoch;
    SR_TRY(sr_e2ee_keyring_epoch(kr, &epoch));
    uint8_t h[SR_E2EE_FILE_HEADER_LEN];
    uint8_t file_key[KEY_LEN];
    struct sr_aead_ctx *wrap;
    size_t wrapped_len;
    struct sr_e2ee_file_enc *enc = sr_calloc(1, sizeof(*enc));
    sr_err err = enc != NULL ? SR_OK : SR_ERR_NOMEM;
    if (err == SR_OK) {
        err = sr_rand_bytes(file_key, sizeof(file_key));
    }
    if (err == SR_OK) {
        err = sr_aead_ctx_new(&sr_aead_aes256gcm, sr_slice_of(file_key, KEY_LEN), &enc->s.aead);
    }
    if (err == SR_OK) {
        err = sr_rand_bytes(h + WRAP_NONCE, NONCE_LEN);
    }
    if (err == SR_OK) {
        err = sr_e2ee_keyring_sender_ctx(kr, epoch, SR_E2EE_CONTENT_FILE, sender, &wrap);
    }
    if (err != SR_OK) {
        goto out;
    }
    write_header_fields(h, epoch, sender, file_id, total_len);
    err = sr_aead_seal(wrap, h + WRAP_NONCE, sr_slice_of(h, WRAP_AAD),
                       sr_slice_of(file_key, KEY_LEN), h + WRAPPED, sizeof(h) - WRAPPED,
                       &wrapped_len);
    if (err != SR_OK) {
        goto out;
    }
    stream_init(&enc->s, file_id, total_len);
    memcpy(header, h, sizeof(h));
    *out = enc;
    enc = NULL;
out:
    sr_wipe(file_key, sizeof(file_key));
    sr_e2ee_file_enc_free(enc);
    return err;
}

size_t sr_e2ee_file_enc_next_len(const struct sr_e2ee_file_enc *enc)
{
    return enc != NULL ? stream_next_len(&enc->s) : 0;
}

sr_err sr_e2ee_file_enc_push(struct sr_e2ee_file_enc *enc, struct sr_slice pt, uint8_t *out,
                             size_t out_cap, size_t *out_len)
{
    SR_CHECK(enc != NULL && out != NULL && out_len != NULL, SR_ERR_ARG);
    SR_CHECK(pt.p != NULL || pt.len == 0, SR_ERR_ARG);
    *out_len = 0;
    SR_CHECK(enc->s.index < enc->s.n_chunks && !enc->s.failed, SR_ERR_STATE);
    SR_CHECK(pt.len == stream_next_len(&enc->s), SR_ERR_ARG);
    SR_CHECK(out_cap >= pt.len + SR_E2EE_FILE_TAG_LEN, SR_ERR_BUFFER_TOO_SMALL);
    uint8_t nonce[NONCE_LEN], aad[CHUNK_AAD];
    chunk_params(&enc->s, nonce, aad);
    sr_err err = sr_aead_seal(enc->s.aead, nonce, sr_slice_of(aad, sizeof(aad)), pt, out, out_cap,
                              out_len);
    if (err != SR_OK) {
        enc->s.failed = 1;
        return err;
    }
    enc->s.index++;
    return SR_OK;
}

sr_err sr_e2ee_file_enc_finish(const struct sr_e2ee_file_enc *enc)
{
    SR_CHECK(enc != NULL, SR_ERR_ARG);
    SR_CHECK(!enc->s.failed && enc->s.index == enc->s.n_chunks, SR_ERR_STATE);
    return SR_OK;
}

void sr_e2ee_file_enc_free(struct sr_e2ee_file_enc *enc)
{
    if (enc == NULL) {
        return;
    }
    sr_aead_ctx_free(enc->s.aead);
    sr_wipe(enc, sizeof(*enc));
    sr_free(enc);
}

static sr_err parse_header(struct sr_slice header, struct sr_e2ee_file_info *info)
{
    SR_CHECK(header.p != NULL && header.len == SR_E2EE_FILE_HEADER_LEN, SR_ERR_DECODE);
    const uint8_t *h = header.p;
    SR_CHECK(memcmp(h, magic, sizeof(magic)) == 0, SR_ERR_DECODE);
    SR_CHECK(h[4] == VERSION && h[5] == CHUNK_LOG2, SR_ERR_UNSUPPORTED);
    info->epoch = sr_e2ee_get_be(h + 6, 8);
    info->sender = (uint32_t)sr_e2ee_get_be(h + 14, 4);
    memcpy(info->file_id, h + 18, SR_E2EE_FILE_ID_LEN);
    info->total_len = sr_e2ee_get_be(h + 34, 8);
    return SR_OK;
}

sr_err sr_e2ee_file_dec_new(struct sr_e2ee_keyring *kr, struct sr_slice header,
                            struct sr_e2ee_file_info *info, struct sr_e2ee_file_dec **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(kr != NULL, SR_ERR_ARG);
    struct sr_e2ee_file_info got;
    SR_TRY(parse_header(header, &got));
    struct sr_aead_ctx *wrap;
    SR_TRY(sr_e2ee_keyring_sender_ctx(kr, got.epoch, SR_E2EE_CONTENT_FILE, got.sender, &wrap));
    const uint8_t *h = header.p;
    uint8_t file_key[KEY_LEN];
    size_t key_len;
    struct sr_e2ee_file_dec *dec = NULL;
    sr_err err = sr_aead_open(wrap, h + WRAP_NONCE, sr_slice_of(h, WRAP_AAD),
                              sr_slice_of(h + WRAPPED, KEY_LEN + SR_E2EE_FILE_TAG_LEN), file_key,
                              sizeof(file_key), &key_len);
    if (err != SR_OK) {
        goto out;
    }
    dec = sr_calloc(1, sizeof(*dec));
    err = dec != NULL ? SR_OK : SR_ERR_NOMEM;
    if (err == SR_OK) {
        err = sr_aead_ctx_new(&sr_aead_aes256gcm, sr_slice_of(file_key, KEY_LEN), &dec->s.aead);
    }
    if (err != SR_OK) {
        goto out;
    }
    stream_init(&dec->s, got.file_id, got.total_len);
    if (info != NULL) {
        *info = got;
    }
    *out = dec;
    dec = NULL;
out:
    sr_wipe(file_key, sizeof(file_key));
    sr_e2ee_file_dec_free(dec);
    return err;
}

size_t sr_e2ee_file_dec_next_len(const struct sr_e2ee_file_dec *dec)
{
    if (dec == NULL || dec->s.index >= dec->s.n_chunks) {
        return 0;
    }
    return stream_next_len(&dec->s) + SR_E2EE_FILE_TAG_LEN;
}

sr_err sr_e2ee_file_dec_push(struct sr_e2ee_file_dec *dec, struct sr_slice ct, uint8_t *out,
                             size_t out_cap, size_t *out_len)
{
    SR_CHECK(dec != NULL && out_len != NULL && ct.p != NULL, SR_ERR_ARG);
    *out_len = 0;
    SR_CHECK(!dec->s.failed, SR_ERR_STATE);
    /* Bytes after the final chunk: the stream was extended. */
    SR_CHECK(dec->s.index < dec->s.n_chunks, SR_ERR_DECODE);
    SR_CHECK(ct.len == sr_e2ee_file_dec_next_len(dec), SR_ERR_DECODE);
    SR_CHECK(out != NULL && out_cap >= ct.len - SR_E2EE_FILE_TAG_LEN, SR_ERR_BUFFER_TOO_SMALL);
    uint8_t nonce[NONCE_LEN], aad[CHUNK_AAD];
    chunk_params(&dec->s, nonce, aad);
    sr_err err = sr_aead_open(dec->s.aead, nonce, sr_slice_of(aad, sizeof(aad)), ct, out, out_cap,
                              out_len);
    if (err != SR_OK) {
        /* A forged or misplaced chunk ends the stream: nothing after it can be trusted. */
        dec->s.failed = 1;
        return err;
    }
    dec->s.index++;
    return SR_OK;
}

sr_err sr_e2ee_file_dec_finish(const struct sr_e2ee_file_dec *dec)
{
    SR_CHECK(dec != NULL, SR_ERR_ARG);
    SR_CHECK(!dec->s.failed, SR_ERR_STATE);
    /* The authenticated length promised more chunks than arrived. */
    SR_CHECK(dec->s.index == dec->s.n_chunks, SR_ERR_AUTH);
    return SR_OK;
}

void sr_e2ee_file_dec_free(struct sr_e2ee_file_dec *dec)
{
    if (dec == NULL) {
        return;
    }
    sr_aead_ctx_free(dec->s.aead);
    sr_wipe(dec, sizeof(*dec));
    sr_free(dec);
}
