/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File descriptors in and out of the file stream: the one place of the file format that
 * touches the operating system, kept apart from the sans-IO stream in file_stream.c. Memory
 * use is two chunk buffers whatever the file size.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sealroom/buf.h>
#include <sealroom/e2ee.h>

#include "core/alloc.h"

#define BUF_LEN (SR_E2EE_FILE_CHUNK + SR_E2EE_FILE_TAG_LEN)

/* Read up to n bytes, fewer only at end of file. */
static sr_err read_full(int fd, uint8_t *p, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = read(fd, p + *got, n - *got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        SR_CHECK(r >= 0, SR_ERR_IO);
        if (r == 0) {
            break;
        }
        *got += (size_t)r;
    }
    return SR_OK;
}

static sr_err write_full(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        SR_CHECK(w > 0, SR_ERR_IO);
        p += w;
        n -= (size_t)w;
    }
    return SR_OK;
}

struct bufs {
    uint8_t *in;
    uint8_t *out;
};

static sr_err bufs_new(struct bufs *b)
{
    b->in = sr_malloc(BUF_LEN);
    b->out = sr_malloc(BUF_LEN);
    return b->in != NULL && b->out != NULL ? SR_OK : SR_ERR_NOMEM;
}

static void bufs_free(struct bufs *b)
{
    /* Either side holds plaintext at some point. */
    if (b->in != NULL) {
        sr_wipe(b->in, BUF_LEN);
    }
    if (b->out != NULL) {
        sr_wipe(b->out, BUF_LEN);
    }
    sr_free(b->in);
    sr_free(b->out);
}

static sr_err encrypt_chunks(struct sr_e2ee_file_enc *enc, struct bufs *b, int in_fd, int out_fd)
{
    for (size_t n = sr_e2ee_file_enc_next_len(enc); sr_e2ee_file_enc_finish(enc) != SR_OK;
         n = sr_e2ee_file_enc_next_len(enc)) {
        size_t got, out_len;
        SR_TRY(read_full(in_fd, b->in, n, &got));
        /* The file shrank since fstat: the header's length would be a lie. */
        SR_CHECK(got == n, SR_ERR_IO);
        SR_TRY(sr_e2ee_file_enc_push(enc, sr_slice_of(b->in, n), b->out, BUF_LEN, &out_len));
        SR_TRY(write_full(out_fd, b->out, out_len));
    }
    /* The file grew since fstat. */
    size_t extra;
    SR_TRY(read_full(in_fd, b->in, 1, &extra));
    SR_CHECK(extra == 0, SR_ERR_IO);
    return SR_OK;
}

sr_err sr_e2ee_file_encrypt_fd(struct sr_e2ee_keyring *kr, uint32_t sender,
                               const uint8_t file_id[SR_E2EE_FILE_ID_LEN], int in_fd, int out_fd)
{
    struct stat st;
    SR_CHECK(fstat(in_fd, &st) == 0, SR_ERR_IO);
    SR_CHECK(S_ISREG(st.st_mode), SR_ERR_UNSUPPORTED);
    struct bufs b = { NULL, NULL };
    struct sr_e2ee_file_enc *enc = NULL;
    uint8_t header[SR_E2EE_FILE_HEADER_LEN];
    sr_err err = bufs_new(&b);
    if (err == SR_OK) {
        err = sr_e2ee_file_enc_new(kr, sender, file_id, (uint64_t)st.st_size, header, &enc);
    }
    if (err == SR_OK) {
        err = write_full(out_fd, header, sizeof(header));
    }
    if (err == SR_OK) {
        err = encrypt_chunks(enc, &b, in_fd, out_fd);
    }
    sr_e2ee_file_enc_free(enc);
    bufs_free(&b);
    return err;
}

static sr_err decrypt_chunks(struct sr_e2ee_file_dec *dec, struct bufs *b, int in_fd, int out_fd)
{
    for (size_t n = sr_e2ee_file_dec_next_len(dec); n > 0; n = sr_e2ee_file_dec_next_len(dec)) {
        size_t got, out_len;
        SR_TRY(read_full(in_fd, b->in, n, &got));
        if (got < n) {
            /* Cut inside a chunk, or at a chunk boundary: either way it is truncated. */
            return got == 0 ? sr_e2ee_file_dec_finish(dec) : SR_ERR_DECODE;
        }
        SR_TRY(sr_e2ee_file_dec_push(dec, sr_slice_of(b->in, n), b->out, BUF_LEN, &out_len));
        SR_TRY(write_full(out_fd, b->out, out_len));
    }
    size_t extra;
    SR_TRY(read_full(in_fd, b->in, 1, &extra));
    SR_CHECK(extra == 0, SR_ERR_DECODE);
    return sr_e2ee_file_dec_finish(dec);
}

sr_err sr_e2ee_file_decrypt_fd(struct sr_e2ee_keyring *kr, int in_fd, int out_fd,
                               struct sr_e2ee_file_info *info)
{
    struct bufs b = { NULL, NULL };
    struct sr_e2ee_file_dec *dec = NULL;
    uint8_t header[SR_E2EE_FILE_HEADER_LEN];
    size_t got = 0;
    sr_err err = bufs_new(&b);
    if (err == SR_OK) {
        err = read_full(in_fd, header, sizeof(header), &got);
    }
    if (err == SR_OK) {
        err = got == sizeof(header) ? SR_OK : SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        err = sr_e2ee_file_dec_new(kr, sr_slice_of(header, sizeof(header)), info, &dec);
    }
    if (err == SR_OK) {
        err = decrypt_chunks(dec, &b, in_fd, out_fd);
    }
    sr_e2ee_file_dec_free(dec);
    bufs_free(&b);
    return err;
}
