/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streamed file encryption: round trips at every size boundary and past several MiB, and
 * rejection of truncated, reordered, duplicated, extended or flipped streams and headers.
 * `unit_e2ee_file_stream --write-seeds DIR` writes the seeds of fuzz/corpus/e2ee_file/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <sealroom/e2ee.h>

#include "testutil.h"

#define CHUNK   SR_E2EE_FILE_CHUNK
#define CT_FULL (CHUNK + SR_E2EE_FILE_TAG_LEN)
#define HDR     SR_E2EE_FILE_HEADER_LEN

static const uint8_t secret[32] = { 0x5e, 0xa1 };
static const uint8_t file_id[16] = { 'f', 'i', 'l', 'e' };

static struct sr_e2ee_keyring *ring(uint64_t epoch)
{
    struct sr_e2ee_keyring *kr;
    assert_int_equal(sr_e2ee_keyring_new(&kr), SR_OK);
    assert_int_equal(sr_e2ee_keyring_add_epoch_secret(kr, epoch, 1, sr_slice_of(secret, 32)),
                     SR_OK);
    return kr;
}

static uint8_t *pattern(size_t len)
{
    uint8_t *p = malloc(len + 1);
    assert_non_null(p);
    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t)(i * 31 + (i >> 8));
    }
    return p;
}

/* Encrypt `len` bytes of `pt` into a malloc'd stream. */
static uint8_t *encrypt(struct sr_e2ee_keyring *kr, const uint8_t *pt, size_t len, size_t *out_len)
{
    size_t cap = HDR + len + (len / CHUNK + 1) * SR_E2EE_FILE_TAG_LEN;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    struct sr_e2ee_file_enc *enc;
    assert_int_equal(sr_e2ee_file_enc_new(kr, 4, file_id, len, out, &enc), SR_OK);
    size_t pos = HDR, off = 0;
    while (sr_e2ee_file_enc_finish(enc) != SR_OK) {
        size_t n = sr_e2ee_file_enc_next_len(enc), w;
        assert_int_equal(
                sr_e2ee_file_enc_push(enc, sr_slice_of(pt + off, n), out + pos, cap - pos, &w),
                SR_OK);
        assert_int_equal(w, n + SR_E2EE_FILE_TAG_LEN);
        off += n;
        pos += w;
    }
    assert_int_equal(off, len);
    assert_int_equal(sr_e2ee_file_enc_push(enc, sr_slice_of(NULL, 0), out + pos, cap - pos, &off),
                     SR_ERR_STATE);
    sr_e2ee_file_enc_free(enc);
    *out_len = pos;
    return out;
}

/* Decrypt a whole stream as a receiver would: header, then next_len-sized pieces. */
static sr_err decrypt(struct sr_e2ee_keyring *kr, const uint8_t *ct, size_t len, uint8_t *pt,
                      size_t *pt_len)
{
    *pt_len = 0;
    struct sr_e2ee_file_dec *dec = NULL;
    struct sr_e2ee_file_info info;
    sr_err err = sr_e2ee_file_dec_new(kr, sr_slice_of(ct, len < HDR ? len : HDR), &info, &dec);
    size_t pos = HDR;
    static uint8_t chunk[CHUNK];
    while (err == SR_OK && pos < len) {
        size_t want = sr_e2ee_file_dec_next_len(dec), n;
        size_t have = len - pos < want || want == 0 ? len - pos : want;
        err = sr_e2ee_file_dec_push(dec, sr_slice_of(ct + pos, have), chunk, sizeof(chunk), &n);
        if (err == SR_OK) {
            memcpy(pt + *pt_len, chunk, n);
            *pt_len += n;
            pos += have;
        }
    }
    if (err == SR_OK) {
        err = sr_e2ee_file_dec_finish(dec);
    }
    if (err == SR_OK) {
        assert_int_equal(info.total_len, *pt_len);
        assert_int_equal(info.sender, 4);
        assert_memory_equal(info.file_id, file_id, 16);
    }
    sr_e2ee_file_dec_free(dec);
    return err;
}

static void round_trip_sizes(void **state)
{
    (void)state;
    struct sr_e2ee_keyring *alice = ring(2), *bob = ring(2);
    const size_t sizes[] = { 0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * 1024 * 1024 + 123 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint8_t *pt = pattern(sizes[i]), *out = malloc(sizes[i] + 1);
        size_t ct_len, n;
        uint8_t *ct = encrypt(alice, pt, sizes[i], &ct_len);
        assert_int_equal(decrypt(bob, ct, ct_len, out, &n), SR_OK);
        assert_int_equal(n, sizes[i]);
        assert_memory_equal(out, pt, n);
        free(pt);
        free(out);
        free(ct);
    }
    sr_e2ee_keyring_free(alice);
    sr_e2ee_keyring_free(bob);
}

static void stream_attacks(void **state)
{
    (void)state;
    struct sr_e2ee_keyring *kr = ring(2);
    size_t len = 3 * CHUNK - 10, ct_len, n;
    uint8_t *pt = pattern(len), *out = malloc(len + CT_FULL);
    uint8_t *ct = encrypt(kr, pt, len, &ct_len);
    uint8_t *bad = malloc(ct_len + CT_FULL);
    uint8_t *c0 = ct + HDR, *c1 = c0 + CT_FULL, *c2 = c1 + CT_FULL;
    size_t last = ct_len - (size_t)(c2 - ct);

    /* Truncated at each chunk boundary: the authenticated length wants more. */
    assert_int_equal(decrypt(kr, ct, HDR, out, &n), SR_ERR_AUTH);
    assert_int_equal(decrypt(kr, ct, HDR + CT_FULL, out, &n), SR_ERR_AUTH);
    assert_int_equal(decrypt(kr, ct, HDR + 2 * CT_FULL, out, &n), SR_ERR_AUTH);
    /* Cut inside a chunk or the header. */
    assert_int_equal(decrypt(kr, ct, HDR + 100, out, &n), SR_ERR_DECODE);
    assert_int_equal(decrypt(kr, ct, ct_len - 1, out, &n), SR_ERR_DECODE);
    assert_int_equal(decrypt(kr, ct, HDR - 1, out, &n), SR_ERR_DECODE);
    /* Reordered: chunks 0 and 1 swapped. */
    memcpy(bad, ct, ct_len);
    memcpy(bad + HDR, c1, CT_FULL);
    memcpy(bad + HDR + CT_FULL, c0, CT_FULL);
    assert_int_equal(decrypt(kr, bad, ct_len, out, &n), SR_ERR_AUTH);
    /* Duplicated: chunk 0 again in place of chunk 1. */
    memcpy(bad, ct, ct_len);
    memcpy(bad + HDR + CT_FULL, c0, CT_FULL);
    assert_int_equal(decrypt(kr, bad, ct_len, out, &n), SR_ERR_AUTH);
    /* Extended: bytes after the final chunk, or the final chunk twice. */
    memcpy(bad, ct, ct_len);
    memcpy(bad + ct_len, c2, last);
    assert_int_equal(decrypt(kr, bad, ct_len + last, out, &n), SR_ERR_DECODE);
    /* Length changed in the header (so chunk sizes would differ): the key unwrap fails. */
    memcpy(bad, ct, ct_len);
    bad[41] ^= 1;
    assert_int_equal(decrypt(kr, bad, ct_len, out, &n), SR_ERR_AUTH);
    /* Every tag byte of every chunk. */
    const uint8_t *tags[3] = { c0 + CHUNK, c1 + CHUNK, c2 + last - 16 };
    for (size_t c = 0; c < 3; c++) {
        for (size_t i = 0; i < 16; i++) {
            memcpy(bad, ct, ct_len);
            bad[(size_t)(tags[c] - ct) + i] ^= 0x01;
            assert_int_equal(decrypt(kr, bad, ct_len, out, &n), SR_ERR_AUTH);
        }
    }
    /* Every header byte. */
    for (size_t i = 0; i < HDR; i++) {
        memcpy(bad, ct, ct_len);
        bad[i] ^= 0x10;
        assert_int_not_equal(decrypt(kr, bad, ct_len, out, &n), SR_OK);
    }
    free(pt);
    free(out);
    free(ct);
    free(bad);
    sr_e2ee_keyring_free(kr);
}

static void keys_and_epochs(void **state)
{
    (void)state;
    struct sr_e2ee_keyring *alice = ring(2), *later = ring(3), *other;
    assert_int_equal(sr_e2ee_keyring_new(&other), SR_OK);
    uint8_t other_secret[32] = { 1 };
    assert_int_equal(sr_e2ee_keyring_add_epoch_secret(other, 2, 1, sr_slice_of(other_secret, 32)),
                     SR_OK);
    uint8_t data[10] = { 0 }, out[16];
    size_t ct_len, n;
    uint8_t *ct = encrypt(alice, data, sizeof(data), &ct_len);
    assert_int_equal(decrypt(later, ct, ct_len, out, &n), SR_ERR_EPOCH);
    assert_int_equal(decrypt(other, ct, ct_len, out, &n), SR_ERR_AUTH);
    /* A message key never unwraps a file: the file type has its own key. */
    ct[4] = 2;
    assert_int_equal(decrypt(alice, ct, ct_len, out, &n), SR_ERR_UNSUPPORTED);
    free(ct);
    /* Pushing a chunk of the wrong size. */
    uint8_t hdr[HDR], buf[64];
    struct sr_e2ee_file_enc *enc;
    assert_int_equal(sr_e2ee_file_enc_new(alice, 1, file_id, 10, hdr, &enc), SR_OK);
    assert_int_equal(sr_e2ee_file_enc_push(enc, sr_slice_of(data, 9), buf, sizeof(buf), &n),
                     SR_ERR_ARG);
    assert_int_equal(sr_e2ee_file_enc_push(enc, sr_slice_of(data, 10), buf, 25, &n),
                     SR_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sr_e2ee_file_enc_finish(enc), SR_ERR_STATE);
    sr_e2ee_file_enc_free(enc);
    sr_e2ee_keyring_free(alice);
    sr_e2ee_keyring_free(later);
    sr_e2ee_keyring_free(other);
}

static void fd_round_trip(void **state)
{
    (void)state;
    struct sr_e2ee_keyring *kr = ring(9);
    size_t len = 2 * 1024 * 1024 + 5;
    uint8_t *pt = pattern(len), *back = malloc(len);
    FILE *in = tmpfile(), *mid = tmpfile(), *out = tmpfile();
    assert_true(in != NULL && mid != NULL && out != NULL);
    assert_int_equal(fwrite(pt, 1, len, in), len);
    assert_int_equal(fflush(in), 0);
    rewind(in);
    assert_int_equal(sr_e2ee_file_encrypt_fd(kr, 7, file_id, fileno(in), fileno(mid)), SR_OK);
    assert_int_equal(lseek(fileno(mid), 0, SEEK_SET), 0);
    struct sr_e2ee_file_info info;
    assert_int_equal(sr_e2ee_file_decrypt_fd(kr, fileno(mid), fileno(out), &info), SR_OK);
    assert_int_equal(info.total_len, len);
    assert_int_equal(info.sender, 7);
    assert_int_equal(lseek(fileno(out), 0, SEEK_SET), 0);
    assert_int_equal(fread(back, 1, len, out), len);
    assert_memory_equal(back, pt, len);
    /* Truncate the encrypted file by one byte: rejected. */
    off_t size = lseek(fileno(mid), 0, SEEK_END);
    assert_int_equal(ftruncate(fileno(mid), size - 1), 0);
    assert_int_equal(lseek(fileno(mid), 0, SEEK_SET), 0);
    assert_int_equal(sr_e2ee_file_decrypt_fd(kr, fileno(mid), fileno(out), NULL), SR_ERR_DECODE);
    fclose(in);
    fclose(mid);
    fclose(out);
    free(pt);
    free(back);
    sr_e2ee_keyring_free(kr);
}

struct alloc_arg {
    struct sr_e2ee_keyring *kr;
    struct sr_e2ee_file_enc *enc;
    struct sr_e2ee_file_dec *dec;
    uint8_t hdr[HDR];
};

static sr_err alloc_op(void *arg)
{
    struct alloc_arg *a = arg;
    SR_TRY(sr_e2ee_file_enc_new(a->kr, 1, file_id, 5, a->hdr, &a->enc));
    return sr_e2ee_file_dec_new(a->kr, sr_slice_of(a->hdr, HDR), NULL, &a->dec);
}

static void alloc_reset(void *arg)
{
    struct alloc_arg *a = arg;
    sr_e2ee_file_enc_free(a->enc);
    sr_e2ee_file_dec_free(a->dec);
    a->enc = NULL;
    a->dec = NULL;
}

static void allocation_failures(void **state)
{
    (void)state;
    struct alloc_arg a = { ring(1), NULL, NULL, { 0 } };
    assert_true(sr_test_each_alloc_failure(alloc_op, alloc_reset, &a) >= 2);
    sr_e2ee_keyring_free(a.kr);
}

/* Seeds for fuzz/fuzz_e2ee_file.c, under its key: epoch 1 of suite 1, secret 32 x 'F'. */
static int write_seeds(const char *dir)
{
    uint8_t fuzz_secret[32];
    memset(fuzz_secret, 'F', sizeof(fuzz_secret));
    struct sr_e2ee_keyring *kr;
    if (sr_e2ee_keyring_new(&kr) != SR_OK ||
        sr_e2ee_keyring_add_epoch_secret(kr, 1, 1, sr_slice_of(fuzz_secret, 32)) != SR_OK) {
        return 1;
    }
    const size_t sizes[] = { 0, 1, 100, CHUNK + 1 };
    int rc = 0;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint8_t *pt = pattern(sizes[i]);
        size_t len;
        uint8_t *ct = encrypt(kr, pt, sizes[i], &len);
        char path[4096];
        snprintf(path, sizeof(path), "%s/stream_%zu", dir, sizes[i]);
        FILE *f = fopen(path, "wb");
        rc |= f == NULL || fwrite(ct, 1, len, f) != len;
        rc |= f != NULL && fclose(f) != 0;
        free(pt);
        free(ct);
    }
    sr_e2ee_keyring_free(kr);
    return rc;
}

struct fd_arg {
    struct sr_e2ee_keyring *kr;
    FILE *in, *mid, *out;
};

static sr_err fd_op(void *arg)
{
    struct fd_arg *a = arg;
    rewind(a->in);
    assert_int_equal(ftruncate(fileno(a->mid), 0), 0);
    assert_int_equal(lseek(fileno(a->mid), 0, SEEK_SET), 0);
    SR_TRY(sr_e2ee_file_encrypt_fd(a->kr, 1, file_id, fileno(a->in), fileno(a->mid)));
    assert_int_equal(lseek(fileno(a->mid), 0, SEEK_SET), 0);
    return sr_e2ee_file_decrypt_fd(a->kr, fileno(a->mid), fileno(a->out), NULL);
}

static void fd_reset(void *arg)
{
    (void)arg;
}

static void fd_allocation_failures(void **state)
{
    (void)state;
    struct fd_arg a = { ring(1), tmpfile(), tmpfile(), tmpfile() };
    assert_true(a.in != NULL && a.mid != NULL && a.out != NULL);
    assert_int_equal(fwrite("some file", 1, 9, a.in), 9);
    assert_int_equal(fflush(a.in), 0);
    assert_true(sr_test_each_alloc_failure(fd_op, fd_reset, &a) >= 4);
    fclose(a.in);
    fclose(a.mid);
    fclose(a.out);
    sr_e2ee_keyring_free(a.kr);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
        return write_seeds(argv[2]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_sizes),    cmocka_unit_test(stream_attacks),
        cmocka_unit_test(keys_and_epochs),     cmocka_unit_test(fd_round_trip),
        cmocka_unit_test(allocation_failures), cmocka_unit_test(fd_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
