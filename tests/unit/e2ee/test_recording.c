/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local recording: round trips with a raw key and a passphrase, and rejection of wrong keys,
 * truncation at every length, every flipped byte, reordering, dropping and extension.
 *
 * Run as `unit_e2ee_recording --write-sample OUT (--passphrase-file P | --key-file K)` it
 * writes the sample recording tests/integration/test_recording.sh plays with the CLI; with
 * `--write-seeds DIR` it writes the seeds of fuzz/corpus/e2ee_recording/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <sealroom/buf.h>
#include <sealroom/e2ee.h>

#include "testutil.h"

static const uint8_t raw_key[32] = { 0x4b, 0x45, 0x59 };

static sr_err sink(void *arg, const uint8_t *p, size_t n)
{
    return sr_buf_append(arg, p, n);
}

struct source {
    const uint8_t *p;
    size_t len, pos;
};

static sr_err source(void *arg, uint8_t *p, size_t n, size_t *got)
{
    struct source *s = arg;
    *got = s->len - s->pos < n ? s->len - s->pos : n;
    memcpy(p, s->p + s->pos, *got);
    s->pos += *got;
    return SR_OK;
}

/* The sample: two senders, audio, video and chat. */
static sr_err write_sample(struct sr_e2ee_recorder *rec)
{
    uint8_t audio[160], video[1200];
    for (size_t i = 0; i < sizeof(video); i++) {
        video[i] = (uint8_t)i;
        if (i < sizeof(audio)) {
            audio[i] = (uint8_t)(0xa0 ^ i);
        }
    }
    const char hello[] = "hello from alice", hi[] = "hi alice";
    SR_TRY(sr_e2ee_recorder_add_chat(rec, 0, 1, sr_slice_of(hello, strlen(hello))));
    SR_TRY(sr_e2ee_recorder_add_frame(rec, SR_E2EE_REC_AUDIO, 20000, 1, sr_slice_of(audio, 160)));
    SR_TRY(sr_e2ee_recorder_add_frame(rec, SR_E2EE_REC_VIDEO, 33000, 2, sr_slice_of(video, 1200)));
    SR_TRY(sr_e2ee_recorder_add_frame(rec, SR_E2EE_REC_AUDIO, 40000, 2, sr_slice_of(audio, 80)));
    return sr_e2ee_recorder_add_chat(rec, 1500000, 2, sr_slice_of(hi, strlen(hi)));
}

static void make(const struct sr_e2ee_rec_key *key, struct sr_buf *out)
{
    sr_buf_init(out, 0, 0);
    struct sr_e2ee_recorder *rec;
    assert_int_equal(sr_e2ee_recorder_new(key, sink, out, &rec), SR_OK);
    assert_int_equal(write_sample(rec), SR_OK);
    assert_int_equal(sr_e2ee_recorder_close(rec), SR_OK);
}

/* Read everything; SR_OK only when the trailer verified. Counts the records seen. */
static sr_err read_all(const struct sr_e2ee_rec_key *key, const uint8_t *p, size_t len,
                       size_t *count)
{
    struct source s = { p, len, 0 };
    struct sr_e2ee_rec_reader *rd;
    *count = 0;
    SR_TRY(sr_e2ee_rec_reader_new(key, source, &s, &rd));
    sr_err err;
    int end = 0;
    struct sr_e2ee_rec_record r;
    while ((err = sr_e2ee_rec_reader_next(rd, &r, &end)) == SR_OK && !end) {
        ++*count;
    }
    if (err != SR_OK) {
        /* Errors are sticky. */
        assert_int_equal(sr_e2ee_rec_reader_next(rd, &r, &end), err);
    }
    sr_e2ee_rec_reader_free(rd);
    return err;
}

static void round_trip_raw(void **state)
{
    (void)state;
    struct sr_e2ee_rec_key key = { 0, sr_slice_of(raw_key, 32), 0 };
    struct sr_buf file;
    make(&key, &file);
    struct source s = { file.p, file.len, 0 };
    struct sr_e2ee_rec_reader *rd;
    assert_int_equal(sr_e2ee_rec_reader_new(&key, source, &s, &rd), SR_OK);
    struct sr_e2ee_rec_record r;
    int end;
    assert_int_equal(sr_e2ee_rec_reader_next(rd, &r, &end), SR_OK);
    assert_int_equal(end, 0);
    assert_int_equal(r.kind, SR_E2EE_REC_CHAT);
    assert_int_equal(r.sender, 1);
    assert_int_equal(r.timestamp_us, 0);
    assert_int_equal(r.payload.len, 16);
    assert_memory_equal(r.payload.p, "hello from alice", 16);
    assert_int_equal(sr_e2ee_rec_reader_next(rd, &r, &end), SR_OK);
    assert_int_equal(r.kind, SR_E2EE_REC_AUDIO);
    assert_int_equal(r.timestamp_us, 20000);
    assert_int_equal(r.payload.len, 160);
    assert_int_equal(sr_e2ee_rec_reader_next(rd, &r, &end), SR_OK);
    assert_int_equal(r.kind, SR_E2EE_REC_VIDEO);
    assert_int_equal(r.sender, 2);
    assert_int_equal(r.payload.len, 1200);
    assert_int_equal(r.payload.p[1199], (uint8_t)1199);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sr_e2ee_rec_reader_next(rd, &r, &end), SR_OK);
        assert_int_equal(end, 0);
    }
    assert_int_equal(sr_e2ee_rec_reader_next(rd, &r, &end), SR_OK);
    assert_int_equal(end, 1);
    assert_int_equal(sr_e2ee_rec_reader_next(rd, &r, &end), SR_OK);
    assert_int_equal(end, 1);
    sr_e2ee_rec_reader_free(rd);
    /* Bad arguments change nothing. */
    struct sr_e2ee_recorder *rec;
    struct sr_e2ee_rec_key short_key = { 0, sr_slice_of(raw_key, 31), 0 };
    struct sr_buf other;
    sr_buf_init(&other, 0, 0);
    assert_int_equal(sr_e2ee_recorder_new(&short_key, sink, &other, &rec), SR_ERR_ARG);
    assert_int_equal(other.len, 0);
    assert_int_equal(sr_e2ee_recorder_new(&key, sink, &other, &rec), SR_OK);
    assert_int_equal(sr_e2ee_recorder_add_frame(rec, SR_E2EE_REC_CHAT, 0, 0, sr_slice_of("x", 1)),
                     SR_ERR_ARG);
    uint8_t *big = calloc(1, SR_E2EE_REC_PAYLOAD_MAX + 1);
    assert_int_equal(sr_e2ee_recorder_add_frame(rec, SR_E2EE_REC_VIDEO, 0, 0,
                                                sr_slice_of(big, SR_E2EE_REC_PAYLOAD_MAX + 1)),
                     SR_ERR_LIMIT);
    free(big);
    sr_e2ee_recorder_free(rec);
    sr_buf_cleanup(&other);
    sr_buf_cleanup(&file);
}

static void passphrase_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/sr_rec_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/rec.srrec", dir);
    const char pass[] = "correct horse battery staple";
    struct sr_e2ee_rec_key key = { 1, sr_slice_of(pass, strlen(pass)), 10 };
    struct sr_e2ee_recorder *rec;
    assert_int_equal(sr_e2ee_recorder_open(path, &key, &rec), SR_OK);
    assert_int_equal(write_sample(rec), SR_OK);
    assert_int_equal(sr_e2ee_recorder_close(rec), SR_OK);
    assert_int_equal(sr_e2ee_recorder_open(path, &key, &rec), SR_ERR_EXISTS);

    struct sr_e2ee_rec_reader *rd;
    assert_int_equal(sr_e2ee_rec_reader_open(path, &key, &rd), SR_OK);
    struct sr_e2ee_rec_record r;
    int end = 0, n = 0;
    while (!end) {
        assert_int_equal(sr_e2ee_rec_reader_next(rd, &r, &end), SR_OK);
        n += !end;
    }
    assert_int_equal(n, 5);
    sr_e2ee_rec_reader_free(rd);
    /* Wrong passphrase, or a raw key for a passphrase recording: the header MAC fails. */
    struct sr_e2ee_rec_key wrong = { 1, sr_slice_of("correct horse battery stapler", 29), 0 };
    assert_int_equal(sr_e2ee_rec_reader_open(path, &wrong, &rd), SR_ERR_AUTH);
    struct sr_e2ee_rec_key raw = { 0, sr_slice_of(raw_key, 32), 0 };
    assert_int_equal(sr_e2ee_rec_reader_open(path, &raw, &rd), SR_ERR_AUTH);
    /* A bad scrypt cost leaves no file behind. */
    char path2[80];
    snprintf(path2, sizeof(path2), "%s/bad.srrec", dir);
    struct sr_e2ee_rec_key cheap = { 1, sr_slice_of(pass, 4), 5 };
    assert_int_equal(sr_e2ee_recorder_open(path2, &cheap, &rec), SR_ERR_ARG);
    assert_int_equal(access(path2, F_OK), -1);
    assert_int_equal(sr_e2ee_rec_reader_open(path2, &key, &rd), SR_ERR_NOT_FOUND);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void tampering(void **state)
{
    (void)state;
    struct sr_e2ee_rec_key key = { 0, sr_slice_of(raw_key, 32), 0 };
    struct sr_buf file;
    make(&key, &file);
    size_t count, len = file.len;
    uint8_t *bad = malloc(len + 64);
    assert_int_equal(read_all(&key, file.p, len, &count), SR_OK);
    assert_int_equal(count, 5);
    /* Truncated at every length, the trailer included. */
    for (size_t cut = 0; cut < len; cut++) {
        sr_err err = read_all(&key, file.p, cut, &count);
        assert_int_equal(err, SR_ERR_DECODE);
    }
    /* Every byte flipped: anything in the header MAC or a sealed record (tags included) is
     * SR_ERR_AUTH; header fields and length prefixes may also fail as malformed. */
    uint8_t *sealed = calloc(1, len);
    for (size_t pos = 74; pos < len;) {
        size_t n = (size_t)file.p[pos] << 24 | (size_t)file.p[pos + 1] << 16 |
                   (size_t)file.p[pos + 2] << 8 | file.p[pos + 3];
        memset(sealed + pos + 4, 1, n);
        pos += 4 + n;
    }
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, file.p, len);
        bad[i] ^= 0x04;
        sr_err err = read_all(&key, bad, len, &count);
        assert_int_not_equal(err, SR_OK);
        if ((i >= 42 && i < 74) || sealed[i]) {
            assert_int_equal(err, SR_ERR_AUTH);
        }
    }
    free(sealed);
    /* Extended by a byte, or by a copy of the trailer. */
    memcpy(bad, file.p, len);
    bad[len] = 0;
    assert_int_equal(read_all(&key, bad, len + 1, &count), SR_ERR_DECODE);
    size_t trailer = 4 + 13 + 8 + 16;
    memcpy(bad + len, file.p + len - trailer, trailer);
    assert_int_equal(read_all(&key, bad, len + trailer, &count), SR_ERR_DECODE);
    /* Record 0 (chat, 16 bytes) dropped: record 1 is then read at index 0. */
    size_t r0 = 4 + 13 + 16 + 16, hdr = 74;
    memcpy(bad, file.p, hdr);
    memcpy(bad + hdr, file.p + hdr + r0, len - hdr - r0);
    assert_int_equal(read_all(&key, bad, len - r0, &count), SR_ERR_AUTH);
    assert_int_equal(count, 0);
    /* Another key. */
    uint8_t other[32] = { 1 };
    struct sr_e2ee_rec_key wrong = { 0, sr_slice_of(other, 32), 0 };
    assert_int_equal(read_all(&wrong, file.p, len, &count), SR_ERR_AUTH);
    free(bad);
    sr_buf_cleanup(&file);
}

struct alloc_arg {
    struct sr_buf out;
    size_t count;
};

static sr_err alloc_op(void *arg)
{
    struct alloc_arg *a = arg;
    struct sr_e2ee_rec_key key = { 0, sr_slice_of(raw_key, 32), 0 };
    struct sr_e2ee_recorder *rec;
    SR_TRY(sr_e2ee_recorder_new(&key, sink, &a->out, &rec));
    sr_err err = write_sample(rec);
    if (err != SR_OK) {
        sr_e2ee_recorder_free(rec);
        return err;
    }
    SR_TRY(sr_e2ee_recorder_close(rec));
    return read_all(&key, a->out.p, a->out.len, &a->count);
}

static void alloc_reset(void *arg)
{
    struct alloc_arg *a = arg;
    sr_buf_cleanup(&a->out);
}

static void allocation_failures(void **state)
{
    (void)state;
    struct alloc_arg a;
    sr_buf_init(&a.out, 0, 0);
    assert_true(sr_test_each_alloc_failure(alloc_op, alloc_reset, &a) >= 4);
}

/* The integration test's sample, keyed the way the CLI reads keys. */
static int write_sample_file(int argc, char **argv)
{
    if (argc != 5 || strcmp(argv[1], "--write-sample") != 0) {
        fprintf(stderr, "usage: %s --write-sample OUT (--passphrase-file P | --key-file K)\n",
                argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[4], "rb");
    char secret[256];
    size_t n = f != NULL ? fread(secret, 1, sizeof(secret), f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    int pass = strcmp(argv[3], "--passphrase-file") == 0;
    /* As the CLI: a passphrase loses its trailing newline; a key file is 32 raw bytes. */
    while (pass && n > 0 && (secret[n - 1] == '\n' || secret[n - 1] == '\r')) {
        n--;
    }
    struct sr_e2ee_rec_key key = { pass, sr_slice_of(secret, n), 10 };
    struct sr_e2ee_recorder *rec;
    sr_err err = sr_e2ee_recorder_open(argv[2], &key, &rec);
    if (err == SR_OK) {
        err = write_sample(rec);
        sr_err cerr = sr_e2ee_recorder_close(rec);
        err = err != SR_OK ? err : cerr;
    }
    if (err != SR_OK) {
        fprintf(stderr, "write-sample: %s\n", sr_err_str(err));
    }
    return err == SR_OK ? 0 : 1;
}

/* Seeds for fuzz/fuzz_e2ee_recording.c, under its raw key of 32 x 'R'. */
static int write_seeds(const char *dir)
{
    uint8_t fuzz_key[32];
    memset(fuzz_key, 'R', sizeof(fuzz_key));
    struct sr_e2ee_rec_key key = { 0, sr_slice_of(fuzz_key, 32), 0 };
    int rc = 0;
    for (int full = 0; full < 2; full++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, full ? "sample" : "empty");
        struct sr_e2ee_recorder *rec;
        sr_err err = sr_e2ee_recorder_open(path, &key, &rec);
        if (err == SR_OK && full) {
            err = write_sample(rec);
        }
        if (err == SR_OK) {
            err = sr_e2ee_recorder_close(rec);
        }
        rc |= err != SR_OK;
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
        return write_seeds(argv[2]);
    }
    if (argc > 1) {
        return write_sample_file(argc, argv);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_raw),
        cmocka_unit_test(passphrase_file),
        cmocka_unit_test(tampering),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
