/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local meeting recording, reader side. Every check runs before a record is returned: the
 * header MAC (wrong key), each record's tag under its index (flips, reordering, splicing),
 * and the trailer's count followed by end of input (truncation, extension).
 */
#include <string.h>

#include <sealroom/buf.h>
#include <sealroom/e2ee.h>

#include "core/alloc.h"
#include "crypto/ct.h"
#include "crypto/pbkdf.h"
#include "e2ee/e2ee_int.h"
#include "e2ee/recording_int.h"

/* Read the sealed part in steps, so a forged length cannot make us allocate before the bytes
 * are actually there. */
#define READ_STEP ((size_t)1 << 16)

struct sr_e2ee_rec_reader {
    struct sr_aead_ctx *aead;
    uint8_t mac[SR_REC_MAC_LEN];
    uint64_t index;
    sr_e2ee_read_fn read;
    sr_e2ee_close_fn close;
    void *arg;
    struct sr_buf buf; /* the current record, opened in place */
    sr_err failed;     /* sticky: SR_OK while readable */
    int ended;
};

static sr_err read_exact(struct sr_e2ee_rec_reader *rd, uint8_t *p, size_t n)
{
    size_t got = 0;
    SR_TRY(rd->read(rd->arg, p, n, &got));
    SR_CHECK(got == n, SR_ERR_DECODE);
    return SR_OK;
}

static sr_err check_fields(const uint8_t *f)
{
    SR_CHECK(memcmp(f, sr_rec_magic, SR_REC_MAGIC_LEN) == 0, SR_ERR_DECODE);
    SR_CHECK(f[4] == 1, SR_ERR_UNSUPPORTED);
    SR_CHECK(f[9] == 0, SR_ERR_DECODE);
    if (f[5] == SR_REC_KDF_RAW) {
        SR_CHECK(f[6] == 0 && f[7] == 0 && f[8] == 0, SR_ERR_DECODE);
        return SR_OK;
    }
    SR_CHECK(f[5] == SR_REC_KDF_SCRYPT, SR_ERR_UNSUPPORTED);
    /* Bounded before any work, so a hostile header cannot ask for gigabytes. */
    SR_CHECK(f[6] >= SR_SCRYPT_LOG2_N_MIN && f[6] <= SR_SCRYPT_LOG2_N_MAX, SR_ERR_UNSUPPORTED);
    SR_CHECK(f[7] >= 1 && f[7] <= SR_SCRYPT_R_MAX, SR_ERR_UNSUPPORTED);
    SR_CHECK(f[8] >= 1 && f[8] <= SR_SCRYPT_P_MAX, SR_ERR_UNSUPPORTED);
    return SR_OK;
}

static sr_err start(struct sr_e2ee_rec_reader *rd, const struct sr_e2ee_rec_key *key)
{
    uint8_t hdr[SR_REC_HEADER_LEN];
    SR_TRY(read_exact(rd, hdr, sizeof(hdr)));
    SR_TRY(check_fields(hdr));
    SR_TRY(sr_rec_keys(key, hdr, &rd->aead, rd->mac));
    SR_CHECK(sr_ct_equal(rd->mac, hdr + SR_REC_FIELDS_LEN, SR_REC_MAC_LEN), SR_ERR_AUTH);
    return SR_OK;
}

sr_err sr_rec_reader_new(const struct sr_e2ee_rec_key *key, sr_e2ee_read_fn read,
                         sr_e2ee_close_fn close, void *arg, struct sr_e2ee_rec_reader **out)
{
    sr_err err = SR_ERR_ARG;
    struct sr_e2ee_rec_reader *rd = NULL;
    if (out == NULL || key == NULL || read == NULL) {
        goto out;
    }
    *out = NULL;
    rd = sr_calloc(1, sizeof(*rd));
    err = rd != NULL ? SR_OK : SR_ERR_NOMEM;
    if (err != SR_OK) {
        goto out;
    }
    sr_buf_init(&rd->buf, SR_REC_SEALED_MAX, SR_BUF_WIPE);
    rd->read = read;
    rd->arg = arg;
    rd->close = close;
    close = NULL; /* the reader owns it now */
    err = start(rd, key);
    if (err == SR_OK) {
        *out = rd;
        rd = NULL;
    }
out:
    if (close != NULL) {
        (void)close(arg);
    }
    sr_e2ee_rec_reader_free(rd);
    return err;
}

sr_err sr_e2ee_rec_reader_new(const struct sr_e2ee_rec_key *key, sr_e2ee_read_fn read, void *arg,
                              struct sr_e2ee_rec_reader **out)
{
    return sr_rec_reader_new(key, read, NULL, arg, out);
}

/* Read and open record `rd->index` into rd->buf; returns its plaintext length. */
static sr_err read_record(struct sr_e2ee_rec_reader *rd, size_t *pt_len)
{
    uint8_t len_be[4];
    size_t got = 0;
    SR_TRY(rd->read(rd->arg, len_be, 4, &got));
    /* Input ending here, before the trailer, is a truncated recording. */
    SR_CHECK(got == 4, SR_ERR_DECODE);
    uint32_t sealed_len = (uint32_t)sr_e2ee_get_be(len_be, 4);
    SR_CHECK(sealed_len >= SR_REC_INNER_LEN + SR_REC_TAG_LEN, SR_ERR_DECODE);
    SR_CHECK(sealed_len <= SR_REC_SEALED_MAX, SR_ERR_LIMIT);
    sr_buf_reset(&rd->buf);
    while (rd->buf.len < sealed_len) {
        size_t step = sealed_len - rd->buf.len;
        step = step < READ_STEP ? step : READ_STEP;
        SR_TRY(sr_buf_reserve(&rd->buf, step));
        SR_TRY(read_exact(rd, rd->buf.p + rd->buf.len, step));
        rd->buf.len += step;
    }
    uint8_t nonce[12], aad[SR_REC_MAC_LEN + 12];
    sr_rec_nonce_aad(rd->mac, rd->index, sealed_len, nonce, aad);
    return sr_aead_open(rd->aead, nonce, sr_slice_of(aad, sizeof(aad)),
                        sr_slice_of(rd->buf.p, sealed_len), rd->buf.p, sealed_len, pt_len);
}

static sr_err check_trailer(struct sr_e2ee_rec_reader *rd, struct sr_slice payload)
{
    SR_CHECK(payload.len == 8, SR_ERR_DECODE);
    SR_CHECK(sr_e2ee_get_be(payload.p, 8) == rd->index, SR_ERR_DECODE);
    uint8_t extra;
    size_t got = 0;
    SR_TRY(rd->read(rd->arg, &extra, 1, &got));
    /* Anything after the trailer was appended by someone else. */
    SR_CHECK(got == 0, SR_ERR_DECODE);
    return SR_OK;
}

static sr_err next_record(struct sr_e2ee_rec_reader *rd, struct sr_e2ee_rec_record *rec, int *end)
{
    size_t pt_len;
    SR_TRY(read_record(rd, &pt_len));
    const uint8_t *p = rd->buf.p;
    struct sr_slice payload = sr_slice_of(p + SR_REC_INNER_LEN, pt_len - SR_REC_INNER_LEN);
    if (p[0] == SR_REC_KIND_END) {
        SR_TRY(check_trailer(rd, payload));
        rd->ended = 1;
        *end = 1;
        return SR_OK;
    }
    SR_CHECK(p[0] >= SR_E2EE_REC_AUDIO && p[0] <= SR_E2EE_REC_CHAT, SR_ERR_DECODE);
    rec->kind = (enum sr_e2ee_rec_kind)p[0];
    rec->timestamp_us = sr_e2ee_get_be(p + 1, 8);
    rec->sender = (uint32_t)sr_e2ee_get_be(p + 9, 4);
    rec->payload = payload;
    rd->index++;
    return SR_OK;
}

sr_err sr_e2ee_rec_reader_next(struct sr_e2ee_rec_reader *rd, struct sr_e2ee_rec_record *rec,
                               int *end)
{
    SR_CHECK(rd != NULL && rec != NULL && end != NULL, SR_ERR_ARG);
    memset(rec, 0, sizeof(*rec));
    *end = 0;
    SR_TRY(rd->failed);
    if (rd->ended) {
        *end = 1;
        return SR_OK;
    }
    sr_err err = next_record(rd, rec, end);
    if (err != SR_OK) {
        sr_buf_reset(&rd->buf);
        memset(rec, 0, sizeof(*rec));
        *end = 0;
        rd->failed = err;
    }
    return err;
}

void sr_e2ee_rec_reader_free(struct sr_e2ee_rec_reader *rd)
{
    if (rd == NULL) {
        return;
    }
    if (rd->close != NULL) {
        (void)rd->close(rd->arg);
    }
    sr_aead_ctx_free(rd->aead);
    sr_buf_cleanup(&rd->buf);
    sr_wipe(rd, sizeof(*rd));
    sr_free(rd);
}
