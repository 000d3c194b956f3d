/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom recording play|export`: read a local meeting recording made by a participant
 * (DESIGN.md: recording is local only), with the user's passphrase or raw key. Play prints
 * each record; export verifies the whole file first and only then writes the frame payloads
 * (one file per kind and sender, plus an index) and a chat transcript.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sealroom/buf.h>
#include <sealroom/e2ee.h>

#include "commands.h"

#define SECRET_MAX 4096

struct rec_opts {
    const char *in;
    const char *out;
    const char *pass_file;
    const char *key_file;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sealroom recording play --in FILE (--passphrase-file P | --key-file K)\n"
            "       sealroom recording export --in FILE (--passphrase-file P | --key-file K)"
            " --out DIR\n\n"
            "Reads a local meeting recording; every record is authenticated.\n"
            "  play    print each record: time, sender, kind, length, and chat text\n"
            "  export  verify the whole recording, then write into DIR: audio-<sender>.bin and\n"
            "          video-<sender>.bin (frame payloads back to back), frames.tsv (index,\n"
            "          time in microseconds, sender, kind, offset, length) and chat.txt\n"
            "  --passphrase-file P  the passphrase (trailing newlines are ignored)\n"
            "  --key-file K         the raw key: 32 bytes, or 64 hex digits\n");
}

static int parse(int argc, char **argv, struct rec_opts *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        const char **slot = strcmp(a, "--in") == 0                ? &o->in
                            : strcmp(a, "--out") == 0             ? &o->out
                            : strcmp(a, "--passphrase-file") == 0 ? &o->pass_file
                            : strcmp(a, "--key-file") == 0        ? &o->key_file
                                                                  : NULL;
        if (slot == NULL || i + 1 >= argc) {
            fprintf(stderr, "sealroom recording: bad option '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    if (o->in == NULL || (o->pass_file == NULL) == (o->key_file == NULL)) {
        fprintf(stderr, "sealroom recording: need --in and one of --passphrase-file, --key-file\n");
        return 2;
    }
    return -1;
}

/* Read at most SECRET_MAX bytes of a small secret file into `buf` (SR_BUF_WIPE). */
static int read_secret(const char *path, struct sr_buf *buf)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "sealroom recording: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    uint8_t tmp[SECRET_MAX + 1];
    size_t n = fread(tmp, 1, sizeof(tmp), f);
    int bad = ferror(f) || n > SECRET_MAX;
    fclose(f);
    if (bad || sr_buf_set(buf, tmp, n) != SR_OK) {
        fprintf(stderr, "sealroom recording: cannot read %s (at most %d bytes)\n", path,
                SECRET_MAX);
        bad = 1;
    }
    sr_wipe(tmp, sizeof(tmp));
    return bad;
}

static void strip_newline(struct sr_buf *b)
{
    while (b->len > 0 && (b->p[b->len - 1] == '\n' || b->p[b->len - 1] == '\r')) {
        b->len--;
    }
}

/* Fill `key` from the options; the secret lives in `secret` until the caller cleans it up. */
static int load_key(const struct rec_opts *o, struct sr_buf *secret, struct sr_e2ee_rec_key *key)
{
    const char *path = o->pass_file != NULL ? o->pass_file : o->key_file;
    if (read_secret(path, secret) != 0) {
        return 1;
    }
    *key = (struct sr_e2ee_rec_key){ 0, { NULL, 0 }, 0 };
    if (o->pass_file != NULL) {
        strip_newline(secret);
        key->passphrase = 1;
        key->secret = sr_buf_slice(secret);
        return 0;
    }
    if (secret->len != SR_E2EE_REC_KEY_LEN) {
        struct sr_buf raw;
        sr_buf_init(&raw, 0, SR_BUF_WIPE);
        strip_newline(secret);
        sr_err err = secret->len == 2 * SR_E2EE_REC_KEY_LEN
                             ? sr_hex_decode((const char *)secret->p, secret->len, &raw)
                             : SR_ERR_DECODE;
        if (err == SR_OK) {
            err = sr_buf_set(secret, raw.p, raw.len);
        }
        sr_buf_cleanup(&raw);
        if (err != SR_OK) {
            fprintf(stderr, "sealroom recording: %s must hold 32 raw bytes or 64 hex digits\n",
                    path);
            return 1;
        }
    }
    key->secret = sr_buf_slice(secret);
    return 0;
}

static int fail(const char *in, sr_err err)
{
    const char *why = err == SR_ERR_AUTH          ? "wrong key or corrupted recording"
                      : err == SR_ERR_DECODE      ? "recording is truncated or malformed"
                      : err == SR_ERR_LIMIT       ? "record too large: corrupted recording"
                      : err == SR_ERR_NOT_FOUND   ? "no such file"
                      : err == SR_ERR_UNSUPPORTED ? "not a recording this version can read"
                                                  : sr_err_str(err);
    fprintf(stderr, "sealroom recording: %s: %s\n", in, why);
    return 1;
}

static const char *kind_name(enum sr_e2ee_rec_kind kind)
{
    switch (kind) {
    case SR_E2EE_REC_AUDIO:
        return "audio";
    case SR_E2EE_REC_VIDEO:
        return "video";
    case SR_E2EE_REC_CHAT:
        return "chat";
    default:
        return "?";
    }
}

/*
 * Chat text is untrusted: control characters would drive the terminal, so C0, DEL and the
 * UTF-8 forms of C1 (U+0080..U+009F, which some terminals honour as CSI and friends) all
 * become '?'.
 */
static void put_text(FILE *out, struct sr_slice text, int escape_newline)
{
    for (size_t i = 0; i < text.len; i++) {
        uint8_t c = text.p[i];
        if (c == '\n' && escape_newline) {
            fputs("\\n", out);
        } else if (c == 0xc2 && i + 1 < text.len && text.p[i + 1] >= 0x80 &&
                   text.p[i + 1] <= 0x9f) {
            fputc('?', out);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fputc('?', out);
        } else {
            fputc(c, out);
        }
    }
}

static void print_record(const struct sr_e2ee_rec_record *r)
{
    printf("%6llu.%06llus  sender %-5lu %-5s %6zu bytes",
           (unsigned long long)(r->timestamp_us / 1000000),
           (unsigned long long)(r->timestamp_us % 1000000), (unsigned long)r->sender,
           kind_name(r->kind), r->payload.len);
    if (r->kind == SR_E2EE_REC_CHAT) {
        fputs("  ", stdout);
        put_text(stdout, r->payload, 1);
    }
    fputc('\n', stdout);
}

/* Read every record, passing each to `fn` (NULL: verify only). */
static sr_err each_record(const char *in, const struct sr_e2ee_rec_key *key,
                          int (*fn)(void *arg, const struct sr_e2ee_rec_record *r), void *arg,
                          unsigned long *count)
{
    struct sr_e2ee_rec_reader *rd;
    SR_TRY(sr_e2ee_rec_reader_open(in, key, &rd));
    sr_err err;
    int end = 0;
    struct sr_e2ee_rec_record r;
    *count = 0;
    while ((err = sr_e2ee_rec_reader_next(rd, &r, &end)) == SR_OK && !end) {
        if (fn != NULL && fn(arg, &r) != 0) {
            err = SR_ERR_IO;
            break;
        }
        ++*count;
    }
    sr_e2ee_rec_reader_free(rd);
    return err;
}

static int play_one(void *arg, const struct sr_e2ee_rec_record *r)
{
    (void)arg;
    print_record(r);
    return 0;
}

struct stream {
    uint64_t id; /* kind << 32 | sender */
    uint64_t offset;
};

struct export_ctx {
    const char *dir;
    FILE *chat;
    FILE *index;
    struct stream *streams;
    size_t n_streams;
    unsigned long n;
};

static FILE *open_in(const char *dir, const char *name, const char *mode)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return NULL;
    }
    FILE *f = fopen(path, mode);
    if (f == NULL) {
        fprintf(stderr, "sealroom recording: cannot write %s: %s\n", path, strerror(errno));
    }
    return f;
}

/* The stream of (kind, sender), added at offset 0 when new; NULL when out of memory. */
static struct stream *find_stream(struct export_ctx *x, uint64_t id, int *is_new)
{
    for (size_t i = 0; i < x->n_streams; i++) {
        if (x->streams[i].id == id) {
            *is_new = 0;
            return &x->streams[i];
        }
    }
    struct stream *grown = realloc(x->streams, (x->n_streams + 1) * sizeof(*grown));
    if (grown == NULL) {
        return NULL;
    }
    x->streams = grown;
    x->streams[x->n_streams] = (struct stream){ id, 0 };
    *is_new = 1;
    return &x->streams[x->n_streams++];
}

static int export_frame(struct export_ctx *x, const struct sr_e2ee_rec_record *r)
{
    int is_new;
    struct stream *s = find_stream(x, (uint64_t)r->kind << 32 | r->sender, &is_new);
    char name[64];
    snprintf(name, sizeof(name), "%s-%lu.bin", kind_name(r->kind), (unsigned long)r->sender);
    /* Opened per frame: a meeting may have more senders than we may hold open files. */
    FILE *f = s != NULL ? open_in(x->dir, name, is_new ? "wb" : "ab") : NULL;
    if (f == NULL) {
        return 1;
    }
    int bad = fwrite(r->payload.p, 1, r->payload.len, f) != r->payload.len;
    bad |= fclose(f) != 0;
    fprintf(x->index, "%lu\t%llu\t%lu\t%s\t%llu\t%zu\n", x->n, (unsigned long long)r->timestamp_us,
            (unsigned long)r->sender, kind_name(r->kind), (unsigned long long)s->offset,
            r->payload.len);
    s->offset += r->payload.len;
    return bad;
}

static int export_one(void *arg, const struct sr_e2ee_rec_record *r)
{
    struct export_ctx *x = arg;
    int bad = 0;
    if (r->kind == SR_E2EE_REC_CHAT) {
        fprintf(x->chat,
                "[%llu.%06llu] sender %lu: ", (unsigned long long)(r->timestamp_us / 1000000),
                (unsigned long long)(r->timestamp_us % 1000000), (unsigned long)r->sender);
        put_text(x->chat, r->payload, 1);
        fputc('\n', x->chat);
    } else {
        bad = export_frame(x, r);
    }
    x->n++;
    return bad;
}

static int recording_export(const char *in, const char *dir, const struct sr_e2ee_rec_key *key)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "sealroom recording: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    struct export_ctx x = {
        dir, open_in(dir, "chat.txt", "w"), open_in(dir, "frames.tsv", "w"), NULL, 0, 0
    };
    unsigned long count = 0;
    sr_err err = SR_ERR_IO;
    if (x.chat != NULL && x.index != NULL) {
        fprintf(x.index, "index\ttime_us\tsender\tkind\toffset\tlength\n");
        err = each_record(in, key, export_one, &x, &count);
    }
    int bad = 0;
    /* Close both whatever happened; a failed close means lost transcript or index lines. */
    if (x.chat != NULL && fclose(x.chat) != 0) {
        bad = 1;
    }
    if (x.index != NULL && fclose(x.index) != 0) {
        bad = 1;
    }
    free(x.streams);
    if (err != SR_OK || bad) {
        return fail(in, err != SR_OK ? err : SR_ERR_IO);
    }
    printf("exported %lu records to %s\n", count, dir);
    return 0;
}

static int run(const char *verb, const struct rec_opts *o, const struct sr_e2ee_rec_key *key)
{
    unsigned long count;
    if (strcmp(verb, "play") == 0) {
        sr_err err = each_record(o->in, key, play_one, NULL, &count);
        if (err != SR_OK) {
            return fail(o->in, err);
        }
        printf("recording verified: %lu records, complete\n", count);
        return 0;
    }
    if (o->out == NULL) {
        fprintf(stderr, "sealroom recording export: --out DIR is required\n");
        return 2;
    }
    /* Verify first, so nothing from a forged or truncated file is ever written out. */
    sr_err err = each_record(o->in, key, NULL, NULL, &count);
    if (err != SR_OK) {
        return fail(o->in, err);
    }
    return recording_export(o->in, o->out, key);
}

int cmd_recording(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "play") != 0 && strcmp(argv[1], "export") != 0) {
        fprintf(stderr, "sealroom recording: unknown action '%s'\n\n", argv[1]);
        usage(stderr);
        return 2;
    }
    struct rec_opts o = { NULL, NULL, NULL, NULL };
    int rc = parse(argc, argv, &o);
    if (rc >= 0) {
        return rc;
    }
    struct sr_buf secret;
    sr_buf_init(&secret, SECRET_MAX, SR_BUF_WIPE);
    struct sr_e2ee_rec_key key;
    rc = load_key(&o, &secret, &key);
    if (rc == 0) {
        rc = run(argv[1], &o, &key);
    }
    sr_buf_cleanup(&secret);
    return rc;
}
