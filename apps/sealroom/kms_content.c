/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom kms encrypt|decrypt`: content under a KMS key (DESIGN.md KMS flow step 3). A
 * message becomes a compact JWE (dir, A256GCM, kid = the key URI) printed on stdout. A file
 * is streamed in chunks under a fresh file key whose reference, encrypted under the KMS
 * key, sits in the file's header; decryption writes to OUT.part and renames it only once
 * the final chunk has verified, so a tampered or truncated file leaves no output.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sealroom/kms.h>

#include "kms_cli.h"

#define IO_CHUNK ((size_t)64 * 1024)

static int io_fail(const char *what, const char *path)
{
    fprintf(stderr, "sealroom kms: cannot %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

static int need_files(const struct kms_opts *o, const char *action)
{
    if ((o->message != NULL) == (o->in != NULL) || (o->in != NULL && o->out == NULL)) {
        fprintf(stderr, "sealroom kms %s: give --message, or --in FILE and --out FILE\n", action);
        return 2;
    }
    return -1;
}

/* The message text: --message TEXT, or stdin for "-" (keeps it out of the process list). */
static int message_text(const char *arg, struct sr_buf *out)
{
    if (strcmp(arg, "-") != 0) {
        return sr_buf_append(out, arg, strlen(arg) + 1) == SR_OK ? 0 : 1;
    }
    uint8_t tmp[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(tmp, 1, sizeof(tmp), stdin)) > 0) {
        rc = sr_buf_append(out, tmp, n) == SR_OK ? 0 : 1;
    }
    sr_wipe(tmp, sizeof(tmp));
    if (rc != 0 || ferror(stdin) || (out->len > 0 && memchr(out->p, '\0', out->len) != NULL) ||
        sr_buf_append(out, "", 1) != SR_OK) {
        fprintf(stderr, "sealroom kms: cannot read the message from stdin (text up to 16 MiB)\n");
        return 1;
    }
    return 0;
}

/* Write out's bytes to f and empty it. */
static int drain(FILE *f, struct sr_buf *out)
{
    int rc = out->len == 0 || fwrite(out->p, 1, out->len, f) == out->len ? 0 : 1;
    sr_buf_reset(out);
    return rc;
}

static int encrypt_file(const struct sr_kms_key *k, const struct kms_opts *o)
{
    struct sr_kms_file_enc *enc = NULL;
    struct sr_buf out;
    uint8_t *chunk = NULL;
    FILE *in = fopen(o->in, "rb"), *fo = NULL;
    int rc = 1;
    if (in == NULL) {
        return io_fail("read", o->in);
    }
    fo = fopen(o->out, "wb");
    if (fo == NULL) {
        (void)fclose(in);
        return io_fail("write", o->out);
    }
    sr_buf_init(&out, 0, 0);
    static uint8_t buf[IO_CHUNK];
    chunk = buf;
    sr_err err = sr_kms_file_enc_new(k, &out, &enc);
    rc = err == SR_OK ? drain(fo, &out) : 1;
    size_t n;
    while (rc == 0 && (n = fread(chunk, 1, IO_CHUNK, in)) > 0) {
        err = sr_kms_file_enc_update(enc, sr_slice_of(chunk, n), &out);
        rc = err == SR_OK ? drain(fo, &out) : 1;
    }
    if (rc == 0 && ferror(in)) {
        rc = io_fail("read", o->in);
    } else if (rc == 0) {
        err = sr_kms_file_enc_final(enc, &out);
        rc = err == SR_OK ? drain(fo, &out) : 1;
    }
    if (err != SR_OK) {
        fprintf(stderr, "sealroom kms: encryption failed: %s\n", sr_err_str(err));
    }
    sr_wipe(buf, sizeof(buf));
    if (fclose(fo) != 0 && rc == 0) {
        rc = io_fail("write", o->out);
    }
    (void)fclose(in);
    if (rc != 0) {
        (void)remove(o->out);
    }
    sr_kms_file_enc_free(enc);
    sr_buf_cleanup(&out);
    return rc;
}

int kms_cli_encrypt(struct sr_kms_client *c, const struct kms_opts *o)
{
    struct sr_kms_key k;
    int rc = need_files(o, "encrypt");
    if (rc != -1) {
        return rc;
    }
    if (o->key == NULL) {
        fprintf(stderr, "sealroom kms encrypt: give --key URI (create one with 'sealroom kms "
                        "resource create --new-keys 1')\n");
        return 2;
    }
    sr_err err = sr_kms_client_key_retrieve(c, o->key, &k);
    if (err != SR_OK) {
        return kms_cli_fail(c, "retrieving the key", err);
    }
    if (o->message != NULL) {
        struct sr_buf jwe, text;
        sr_buf_init(&jwe, 0, 0);
        sr_buf_init(&text, (size_t)16 << 20, SR_BUF_WIPE);
        err = message_text(o->message, &text) == 0 ? SR_OK : SR_ERR_IO;
        if (err == SR_OK) {
            err = sr_kms_message_encrypt(&k, sr_slice_of(text.p, text.len - 1), &jwe);
        }
        if (err == SR_OK) {
            printf("%s\n", (const char *)jwe.p);
        } else {
            fprintf(stderr, "sealroom kms: encryption failed: %s\n", sr_err_str(err));
        }
        rc = err == SR_OK ? 0 : 1;
        sr_buf_cleanup(&jwe);
        sr_buf_cleanup(&text);
    } else {
        rc = encrypt_file(&k, o);
    }
    sr_kms_key_cleanup(&k);
    return rc;
}

static int decrypt_message(struct sr_kms_client *c, const char *jwe)
{
    char uri[SR_KMS_URI_MAX];
    struct sr_kms_key k;
    struct sr_buf pt;
    struct sr_slice in = sr_slice_of(jwe, strlen(jwe));
    sr_err err = sr_kms_message_kid(in, uri);
    if (err != SR_OK) {
        fprintf(stderr, "sealroom kms: --message is not a KMS-encrypted message (a compact JWE "
                        "with dir, A256GCM and a key URI)\n");
        return 1;
    }
    err = sr_kms_client_key_retrieve(c, uri, &k);
    if (err != SR_OK) {
        return kms_cli_fail(c, "retrieving the message key", err);
    }
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    err = sr_kms_message_decrypt(&k, in, &pt);
    if (err == SR_OK) {
        (void)fwrite(pt.p, 1, pt.len, stdout);
        printf("\n");
    } else {
        fprintf(stderr,
                "sealroom kms: the message does not decrypt: %s (tampered, or not for "
                "this key)\n",
                sr_err_str(err));
    }
    sr_buf_cleanup(&pt);
    sr_kms_key_cleanup(&k);
    return err == SR_OK ? 0 : 1;
}

/* Read the whole header of a file into hdr. */
static int read_header(FILE *in, const char *path, struct sr_buf *hdr)
{
    uint8_t prefix[SR_KMS_FILE_PREFIX];
    size_t len = 0;
    if (fread(prefix, 1, sizeof(prefix), in) != sizeof(prefix) ||
        sr_kms_file_header_len(sr_slice_of(prefix, sizeof(prefix)), &len) != SR_OK ||
        sr_buf_append(hdr, prefix, sizeof(prefix)) != SR_OK ||
        sr_buf_reserve(hdr, len - sizeof(prefix)) != SR_OK ||
        fread(hdr->p + hdr->len, 1, len - sizeof(prefix), in) != len - sizeof(prefix)) {
        fprintf(stderr, "sealroom kms: %s is not a file encrypted by 'sealroom kms encrypt'\n",
                path);
        return 1;
    }
    hdr->len = len;
    return 0;
}

static int decrypt_stream(struct sr_kms_file_dec *dec, FILE *in, FILE *fo)
{
    static uint8_t buf[IO_CHUNK];
    struct sr_buf out;
    sr_err err = SR_OK;
    int rc = 0;
    size_t n;
    sr_buf_init(&out, 0, SR_BUF_WIPE);
    while (rc == 0 && err == SR_OK && (n = fread(buf, 1, sizeof(buf), in)) > 0) {
        err = sr_kms_file_dec_update(dec, sr_slice_of(buf, n), &out);
        rc = drain(fo, &out);
    }
    if (err == SR_OK && rc == 0 && !ferror(in)) {
        err = sr_kms_file_dec_final(dec, &out);
        rc = drain(fo, &out);
    }
    if (err != SR_OK) {
        fprintf(stderr, "sealroom kms: the file does not decrypt: %s (tampered or truncated)\n",
                sr_err_str(err));
    }
    sr_wipe(buf, sizeof(buf));
    sr_buf_cleanup(&out);
    return err != SR_OK || rc != 0 || ferror(in) ? 1 : 0;
}

static int decrypt_file(struct sr_kms_client *c, const struct kms_opts *o)
{
    char uri[SR_KMS_URI_MAX], part[4096];
    struct sr_kms_key k;
    struct sr_kms_file_dec *dec = NULL;
    struct sr_buf hdr;
    FILE *in = fopen(o->in, "rb"), *fo = NULL;
    int rc = 1;
    if (in == NULL) {
        return io_fail("read", o->in);
    }
    memset(&k, 0, sizeof(k));
    sr_buf_init(&hdr, 0, 0);
    if (read_header(in, o->in, &hdr) != 0) {
        goto out;
    }
    sr_err err = sr_kms_file_header_kid(sr_buf_slice(&hdr), uri);
    if (err == SR_OK) {
        err = sr_kms_client_key_retrieve(c, uri, &k);
        if (err != SR_OK) {
            rc = kms_cli_fail(c, "retrieving the file's key", err);
            goto out;
        }
        err = sr_kms_file_dec_new(&k, sr_buf_slice(&hdr), &dec);
    }
    if (err != SR_OK) {
        fprintf(stderr, "sealroom kms: the file's header does not open: %s\n", sr_err_str(err));
        goto out;
    }
    if (snprintf(part, sizeof(part), "%s.part", o->out) >= (int)sizeof(part)) {
        fprintf(stderr, "sealroom kms: --out path too long\n");
        goto out;
    }
    fo = fopen(part, "wb");
    if (fo == NULL) {
        rc = io_fail("write", part);
        goto out;
    }
    rc = decrypt_stream(dec, in, fo);
    if (fclose(fo) != 0 && rc == 0) {
        rc = io_fail("write", part);
    }
    if (rc == 0 && rename(part, o->out) != 0) {
        rc = io_fail("rename to", o->out);
    }
    if (rc != 0) {
        (void)remove(part);
    }
out:
    (void)fclose(in);
    sr_kms_file_dec_free(dec);
    sr_kms_key_cleanup(&k);
    sr_buf_cleanup(&hdr);
    return rc;
}

int kms_cli_decrypt(struct sr_kms_client *c, const struct kms_opts *o)
{
    int rc = need_files(o, "decrypt");
    if (rc != -1) {
        return rc;
    }
    if (o->message == NULL) {
        return decrypt_file(c, o);
    }
    struct sr_buf text;
    sr_buf_init(&text, (size_t)24 << 20, 0);
    rc = message_text(o->message, &text);
    /* A JWE has no whitespace: drop the newline `encrypt` printed after it. */
    while (rc == 0 && text.len > 1 && strchr(" \t\r\n", text.p[text.len - 2]) != NULL) {
        text.p[text.len - 2] = '\0';
        text.len--;
    }
    rc = rc == 0 ? decrypt_message(c, (const char *)text.p) : 1;
    sr_buf_cleanup(&text);
    return rc;
}
