/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local meeting recording, writer side (DESIGN.md: "Recording is local only"). A participant
 * appends what it received, already decrypted, to a file sealed under a key only the user
 * holds. Sans-IO: bytes leave through the caller's write function. The layout and the key
 * derivation are documented in include/sealroom/e2ee.h.
 */
#include <string.h>

#include <sealroom/buf.h>
#include <sealroom/e2ee.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "crypto/pbkdf.h"
#include "crypto/rand.h"
#include "e2ee/e2ee_int.h"
#include "e2ee/recording_int.h"

const uint8_t sr_rec_magic[SR_REC_MAGIC_LEN] = { 'S', 'R', 'R', 'C' };

static const char record_label[] = "Sealroom recording v1";
static const char header_label[] = "Sealroom recording header";

struct sr_e2ee_recorder {
    struct sr_aead_ctx *aead;
    uint8_t mac[SR_REC_MAC_LEN];
    uint64_t index;
    sr_e2ee_write_fn write;
    sr_e2ee_close_fn close;
    void *arg;
    struct sr_buf scratch; /* one record, plaintext then ciphertext in place */
    int failed;
};

static sr_err user_key(const struct sr_e2ee_rec_key *key, const uint8_t *f, uint8_t out[32])
{
    SR_CHECK(key->secret.p != NULL || key->secret.len == 0, SR_ERR_ARG);
    /* Header bytes 5..8: kdf, log2 N, r, p. A key of the wrong kind is simply the wrong key. */
    SR_CHECK((f[5] == SR_REC_KDF_SCRYPT) == (key->passphrase != 0), SR_ERR_AUTH);
    if (!key->passphrase) {
        SR_CHECK(key->secret.len == SR_E2EE_REC_KEY_LEN, SR_ERR_ARG);
        memcpy(out, key->secret.p, SR_E2EE_REC_KEY_LEN);
        return SR_OK;
    }
    return sr_scrypt(key->secret, sr_slice_of(f + 10, SR_REC_SALT_LEN), f[6], f[7], f[8], out, 32);
}

sr_err sr_rec_keys(const struct sr_e2ee_rec_key *key, const uint8_t *fields,
                   struct sr_aead_ctx **aead, uint8_t mac[SR_REC_MAC_LEN])
{
    uint8_t ikm[32], prk[32], rkey[32], mkey[32];
    const struct sr_hash_alg *h = &sr_hash_sha256;
    struct sr_slice id = sr_slice_of(fields + 10 + SR_REC_SALT_LEN, SR_REC_ID_LEN);
    sr_err err = user_key(key, fields, ikm);
    if (err == SR_OK) {
        err = sr_hkdf_extract(h, id, sr_slice_of(ikm, sizeof(ikm)), prk);
    }
    if (err == SR_OK) {
        err = sr_hkdf_expand(h, sr_slice_of(prk, 32),
                             sr_slice_of(record_label, sizeof(record_label) - 1), rkey, 32);
    }
    if (err == SR_OK) {
        err = sr_hkdf_expand(h, sr_slice_of(prk, 32),
                             sr_slice_of(header_label, sizeof(header_label) - 1), mkey, 32);
    }
    if (err == SR_OK) {
        err = sr_hmac(h, sr_slice_of(mkey, 32), sr_slice_of(fields, SR_REC_FIELDS_LEN), mac);
    }
    if (err == SR_OK) {
        err = sr_aead_ctx_new(&sr_aead_aes256gcm, sr_slice_of(rkey, 32), aead);
    }
    sr_wipe(ikm, sizeof(ikm));
    sr_wipe(prk, sizeof(prk));
    sr_wipe(rkey, sizeof(rkey));
    sr_wipe(mkey, sizeof(mkey));
    return err;
}

void sr_rec_nonce_aad(const uint8_t mac[SR_REC_MAC_LEN], uint64_t index, uint32_t sealed_len,
                      uint8_t nonce[12], uint8_t aad[SR_REC_MAC_LEN + 12])
{
    /* The record key is unique to this file (its random file id), so the index is a nonce. */
    memset(nonce, 0, 4);
    sr_e2ee_put_be(nonce + 4, index, 8);
    memcpy(aad, mac, SR_REC_MAC_LEN);
    sr_e2ee_put_be(aad + SR_REC_MAC_LEN, index, 8);
    sr_e2ee_put_be(aad + SR_REC_MAC_LEN + 8, sealed_len, 4);
}

static sr_err header_fields(const struct sr_e2ee_rec_key *key, uint8_t *f)
{
    unsigned log2_n = key->log2_n != 0 ? key->log2_n : SR_E2EE_REC_SCRYPT_LOG2_N;
    SR_CHECK(!key->passphrase || (log2_n >= SR_SCRYPT_LOG2_N_MIN && log2_n <= SR_SCRYPT_LOG2_N_MAX),
             SR_ERR_ARG);
    memcpy(f, sr_rec_magic, SR_REC_MAGIC_LEN);
    f[4] = 1;
    f[5] = key->passphrase ? SR_REC_KDF_SCRYPT : SR_REC_KDF_RAW;
    f[6] = key->passphrase ? (uint8_t)log2_n : 0;
    f[7] = key->passphrase ? SR_REC_SCRYPT_R : 0;
    f[8] = key->passphrase ? SR_REC_SCRYPT_P : 0;
    f[9] = 0;
    /* A raw key needs no salt, but random bytes there cost nothing and keep one layout. */
    return sr_rand_bytes(f + 10, SR_REC_SALT_LEN + SR_REC_ID_LEN);
}

sr_err sr_rec_writer_new(const struct sr_e2ee_rec_key *key, sr_e2ee_write_fn write,
                         sr_e2ee_close_fn close, void *arg, struct sr_e2ee_recorder **out)
{
    sr_err err = SR_ERR_ARG;
    struct sr_e2ee_recorder *rec = NULL;
    uint8_t hdr[SR_REC_HEADER_LEN];
    if (out == NULL || key == NULL || write == NULL) {
        goto out;
    }
    *out = NULL;
    rec = sr_calloc(1, sizeof(*rec));
    err = rec != NULL ? header_fields(key, hdr) : SR_ERR_NOMEM;
    if (err != SR_OK) {
        goto out;
    }
    sr_buf_init(&rec->scratch, 4 + SR_REC_SEALED_MAX, SR_BUF_WIPE);
    rec->write = write;
    rec->arg = arg;
    rec->close = close;
    close = NULL; /* the recorder owns it now */
    err = sr_rec_keys(key, hdr, &rec->aead, rec->mac);
    if (err == SR_OK) {
        memcpy(hdr + SR_REC_FIELDS_LEN, rec->mac, SR_REC_MAC_LEN);
        err = write(arg, hdr, sizeof(hdr));
    }
    if (err == SR_OK) {
        *out = rec;
        rec = NULL;
    }
out:
    if (close != NULL) {
        (void)close(arg);
    }
    sr_e2ee_recorder_free(rec);
    return err;
}

sr_err sr_e2ee_recorder_new(const struct sr_e2ee_rec_key *key, sr_e2ee_write_fn write, void *arg,
                            struct sr_e2ee_recorder **out)
{
    return sr_rec_writer_new(key, write, NULL, arg, out);
}

static sr_err add_record(struct sr_e2ee_recorder *rec, uint8_t kind, uint64_t ts, uint32_t sender,
                         struct sr_slice payload)
{
    SR_CHECK(rec != NULL && (payload.p != NULL || payload.len == 0), SR_ERR_ARG);
    SR_CHECK(!rec->failed, SR_ERR_STATE);
    SR_CHECK(payload.len <= SR_E2EE_REC_PAYLOAD_MAX, SR_ERR_LIMIT);
    size_t pt_len = SR_REC_INNER_LEN + payload.len;
    uint32_t sealed_len = (uint32_t)(pt_len + SR_REC_TAG_LEN);
    struct sr_buf *b = &rec->scratch;
    sr_buf_reset(b);
    SR_TRY(sr_buf_reserve(b, 4 + (size_t)sealed_len));
    /* Counted as used, so the reset below wipes the plaintext even when sealing fails. */
    b->len = 4 + (size_t)sealed_len;
    uint8_t *p = b->p;
    sr_e2ee_put_be(p, sealed_len, 4);
    p[4] = kind;
    sr_e2ee_put_be(p + 5, ts, 8);
    sr_e2ee_put_be(p + 13, sender, 4);
    if (payload.len > 0) {
        memcpy(p + 4 + SR_REC_INNER_LEN, payload.p, payload.len);
    }
    uint8_t nonce[12], aad[SR_REC_MAC_LEN + 12];
    sr_rec_nonce_aad(rec->mac, rec->index, sealed_len, nonce, aad);
    size_t n;
    sr_err err = sr_aead_seal(rec->aead, nonce, sr_slice_of(aad, sizeof(aad)),
                              sr_slice_of(p + 4, pt_len), p + 4, sealed_len, &n);
    if (err == SR_OK) {
        err = rec->write(rec->arg, p, 4 + n);
    }
    sr_buf_reset(b);
    /* A half-written record cannot be taken back: the file is now only good as truncated. */
    rec->failed = err != SR_OK;
    rec->index += err == SR_OK;
    return err;
}

sr_err sr_e2ee_recorder_add_frame(struct sr_e2ee_recorder *rec, enum sr_e2ee_rec_kind kind,
                                  uint64_t timestamp_us, uint32_t sender, struct sr_slice payload)
{
    SR_CHECK(kind == SR_E2EE_REC_AUDIO || kind == SR_E2EE_REC_VIDEO, SR_ERR_ARG);
    return add_record(rec, (uint8_t)kind, timestamp_us, sender, payload);
}

sr_err sr_e2ee_recorder_add_chat(struct sr_e2ee_recorder *rec, uint64_t timestamp_us,
                                 uint32_t sender, struct sr_slice text)
{
    return add_record(rec, SR_E2EE_REC_CHAT, timestamp_us, sender, text);
}

sr_err sr_e2ee_recorder_close(struct sr_e2ee_recorder *rec)
{
    SR_CHECK(rec != NULL, SR_ERR_ARG);
    uint8_t count[8];
    sr_e2ee_put_be(count, rec->index, 8);
    sr_err err = add_record(rec, SR_REC_KIND_END, 0, 0, sr_slice_of(count, sizeof(count)));
    if (rec->close != NULL) {
        sr_err cerr = rec->close(rec->arg);
        err = err != SR_OK ? err : cerr;
        rec->close = NULL;
    }
    sr_e2ee_recorder_free(rec);
    return err;
}

void sr_e2ee_recorder_free(struct sr_e2ee_recorder *rec)
{
    if (rec == NULL) {
        return;
    }
    if (rec->close != NULL) {
        (void)rec->close(rec->arg);
    }
    sr_aead_ctx_free(rec->aead);
    sr_buf_cleanup(&rec->scratch);
    sr_wipe(rec, sizeof(*rec));
    sr_free(rec);
}
