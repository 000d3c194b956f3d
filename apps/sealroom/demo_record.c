/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local recording (DESIGN.md: "Recording is local only"): participant 0 records the media
 * frames and chat it decrypts into an encrypted recording in a new temporary directory,
 * under a fresh random key written next to it. Afterwards the demo reads the recording back
 * with the reader, checks that every record is there, and that the file holds no plaintext
 * either, and prints the command that plays it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sealroom/e2ee.h>

#include "crypto/rand.h"
#include "demo.h"

#define KEY_FILE "recording.key"
#define REC_FILE "meeting.srrec"

static void path_in(const struct demo_world *w, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", w->rec_dir, name);
}

/* Write the key as 64 hex digits to a new 0600 file. */
static bool write_key(const char *path, const uint8_t key[SR_E2EE_REC_KEY_LEN])
{
    char hex[2 * SR_E2EE_REC_KEY_LEN + 1];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    bool ok = fd >= 0 && sr_hex_encode(key, SR_E2EE_REC_KEY_LEN, hex, sizeof(hex)) == SR_OK &&
              write(fd, hex, 2 * SR_E2EE_REC_KEY_LEN) == 2 * SR_E2EE_REC_KEY_LEN;
    sr_wipe(hex, sizeof(hex));
    if (fd >= 0) {
        ok = close(fd) == 0 && ok;
    }
    return ok;
}

bool demo_record_start(struct demo_world *w)
{
    uint8_t key[SR_E2EE_REC_KEY_LEN];
    char path[320];
    const char *tmp = getenv("TMPDIR");
    snprintf(w->rec_dir, sizeof(w->rec_dir), "%s/sealroom-demo-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    struct sr_e2ee_rec_key rk = { .passphrase = 0, .secret = sr_slice_of(key, sizeof(key)) };
    bool ok = mkdtemp(w->rec_dir) != NULL && sr_rand_bytes(key, sizeof(key)) == SR_OK;
    path_in(w, KEY_FILE, path, sizeof(path));
    ok = ok && write_key(path, key);
    path_in(w, REC_FILE, path, sizeof(path));
    ok = ok && sr_e2ee_recorder_open(path, &rk, &w->rec) == SR_OK;
    sr_wipe(key, sizeof(key));
    if (!ok) {
        w->rec_dir[0] = '\0';
    }
    return demo_check(ok, "%s records locally into %s", w->people[0].name,
                      ok ? w->rec_dir : "a temporary directory");
}

/* Read the whole file: the plaintext search runs over it too. */
static bool slurp(const char *path, struct sr_buf *out)
{
    uint8_t chunk[65536];
    FILE *f = fopen(path, "rb");
    bool ok = f != NULL;
    size_t n;
    while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        ok = sr_buf_append(out, chunk, n) == SR_OK;
    }
    if (f != NULL) {
        ok = !ferror(f) && ok;
        fclose(f);
    }
    return ok;
}

/* Every record authenticates and they add up to what was recorded. */
static bool read_back(struct demo_world *w, const char *key_path, const char *rec_path)
{
    struct sr_buf key = { 0 };
    sr_buf_init(&key, 0, SR_BUF_WIPE);
    uint8_t raw[SR_E2EE_REC_KEY_LEN];
    bool ok = slurp(key_path, &key) && key.len == 2 * SR_E2EE_REC_KEY_LEN;
    for (size_t i = 0; ok && i < SR_E2EE_REC_KEY_LEN; i++) {
        int hi = sr_hex_digit(key.p[2 * i]), lo = sr_hex_digit(key.p[2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        raw[i] = (uint8_t)(hi << 4 | (lo & 15));
    }
    struct sr_e2ee_rec_key rk = { .passphrase = 0, .secret = sr_slice_of(raw, sizeof(raw)) };
    struct sr_e2ee_rec_reader *rd = NULL;
    ok = ok && sr_e2ee_rec_reader_open(rec_path, &rk, &rd) == SR_OK;
    uint64_t records = 0, bytes = 0, kinds[4] = { 0 };
    int end = 0;
    while (ok && !end) {
        struct sr_e2ee_rec_record rec;
        ok = sr_e2ee_rec_reader_next(rd, &rec, &end) == SR_OK;
        if (ok && !end) {
            records++;
            bytes += rec.payload.len;
            kinds[rec.kind <= 3 ? rec.kind : 0]++;
        }
    }
    sr_e2ee_rec_reader_free(rd);
    sr_wipe(raw, sizeof(raw));
    sr_buf_cleanup(&key);
    return demo_check(ok && records == w->rec_records && bytes == w->rec_bytes,
                      "the recording reads back whole: %llu audio, %llu video, %llu chat records",
                      (unsigned long long)kinds[SR_E2EE_REC_AUDIO],
                      (unsigned long long)kinds[SR_E2EE_REC_VIDEO],
                      (unsigned long long)kinds[SR_E2EE_REC_CHAT]);
}

bool demo_record_finish(struct demo_world *w)
{
    if (w->rec == NULL) {
        return w->rec_dir[0] == '\0';
    }
    char key_path[320], rec_path[320];
    path_in(w, KEY_FILE, key_path, sizeof(key_path));
    path_in(w, REC_FILE, rec_path, sizeof(rec_path));
    printf("\n== Local recording by %s\n", w->people[0].name);
    bool ok = demo_check(sr_e2ee_recorder_close(w->rec) == SR_OK,
                         "%llu records (%llu payload bytes) written and closed",
                         (unsigned long long)w->rec_records, (unsigned long long)w->rec_bytes);
    w->rec = NULL;
    ok = read_back(w, key_path, rec_path) && ok;
    struct sr_buf file = { 0 };
    bool read = slurp(rec_path, &file);
    w->rec_file_size = file.len;
    uint64_t hits = read ? demo_leak_scan(w->leak, sr_buf_slice(&file)) : 1;
    sr_buf_cleanup(&file);
    ok = demo_check(read && hits == 0, "the %llu-byte file holds no plaintext either",
                    (unsigned long long)w->rec_file_size) &&
         ok;
    printf("   play it:  sealroom recording play --in %s --key-file %s\n", rec_path, key_path);
    return ok;
}
