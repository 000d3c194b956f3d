/* SPDX-License-Identifier: Apache-2.0 */
/* Loading and reporting for official test-vector runners. */
#include "vectors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *vectors_dir(char *tmp, size_t cap)
{
    const char *env = getenv("SEALROOM_VECTORS");
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    snprintf(tmp, cap, "%s/../shared/vectors", SR_SOURCE_DIR);
    return tmp;
}

/* The directory, or exit 77 (1 under CI=true) when it is missing. */
static const char *require_dir(const char *relpath, char *tmp, size_t cap)
{
    const char *dir = vectors_dir(tmp, cap);
    struct stat st;
    const char *ci = getenv("CI");
    bool in_ci = ci != NULL && strcmp(ci, "true") == 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: vector directory %s is missing (set SEALROOM_VECTORS)%s\n", relpath,
                dir, in_ci ? "; CI=true, so this is a failure" : "; skipping");
        exit(in_ci ? 1 : 77);
    }
    return dir;
}

static char *read_text(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0, got;
    char *text = malloc(cap);
    while (text != NULL && (got = fread(text + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *grown = realloc(text, cap *= 2);
            if (grown == NULL) {
                free(text);
                return NULL;
            }
            text = grown;
        }
    }
    *len = n;
    return text;
}

/* The JSON text with each bare number put in quotes; strings are copied unchanged. */
static char *quote_numbers(const char *in, size_t len)
{
    char *out = malloc(len * 3 + 1);
    size_t o = 0;
    bool in_str = false;
    for (size_t i = 0; out != NULL && i < len; i++) {
        char ch = in[i];
        if (in_str) {
            out[o++] = ch;
            if (ch == '\\' && i + 1 < len) {
                out[o++] = in[++i];
            } else if (ch == '"') {
                in_str = false;
            }
        } else if (ch == '"') {
            in_str = true;
            out[o++] = ch;
        } else if ((ch >= '0' && ch <= '9') || ch == '-') {
            out[o++] = '"';
            while (i < len && strchr("0123456789-+.eE", in[i]) != NULL) {
                out[o++] = in[i++];
            }
            out[o++] = '"';
            i--;
        } else {
            out[o++] = ch;
        }
    }
    if (out != NULL) {
        out[o] = '\0';
    }
    return out;
}

json_t *sr_vec_load_ex(const char *relpath, unsigned flags)
{
    char tmp[4096], path[4096];
    const char *dir = require_dir(relpath, tmp, sizeof(tmp));
    int n = snprintf(path, sizeof(path), "%s/%s", dir, relpath);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        fprintf(stderr, "%s: vector path too long\n", relpath);
        exit(1);
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (flags & SR_VEC_OPTIONAL) {
            return NULL;
        }
        fprintf(stderr, "%s: cannot open %s\n", relpath, path);
        exit(1);
    }
    size_t len = 0;
    char *text = read_text(f, &len);
    fclose(f);
    if (text != NULL && (flags & SR_VEC_NUMBERS_AS_STRINGS)) {
        char *quoted = quote_numbers(text, len);
        free(text);
        text = quoted;
        len = text != NULL ? strlen(text) : 0;
    }
    json_error_t jerr;
    json_t *root = text != NULL ? json_loadb(text, len, 0, &jerr) : NULL;
    free(text);
    if (root == NULL) {
        fprintf(stderr, "%s: cannot parse %s\n", relpath, path);
        exit(1);
    }
    return root;
}

json_t *sr_vec_load(const char *relpath)
{
    return sr_vec_load_ex(relpath, 0);
}

bool sr_vec_u64(const json_t *obj, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    *out = x;
    return errno == 0 && *end == '\0';
}

bool sr_vec_hex(const json_t *obj, const char *key, struct sr_buf *out)
{
    const char *s = json_string_value(json_object_get(obj, key));
    sr_buf_reset(out);
    if (s == NULL) {
        return false;
    }
    return sr_hex_decode(s, strlen(s), out) == SR_OK;
}

long long sr_vec_int(const json_t *obj, const char *key, long long dflt)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

const char *sr_vec_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
    fprintf(stderr, "  %s: ", label);
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "%02x", p[i]);
    }
    fputc('\n', stderr);
}

bool sr_vec_expect(const json_t *obj, const char *key, const uint8_t *got, size_t got_len,
                   const char *what)
{
    struct sr_buf want = { 0 };
    bool ok = sr_vec_hex(obj, key, &want) && want.len == got_len &&
              (got_len == 0 || memcmp(want.p, got, got_len) == 0);
    if (!ok) {
        fprintf(stderr, "mismatch in %s (%s)\n", what, key);
        print_hex("want", want.p, want.len);
        print_hex("got ", got, got_len);
    }
    sr_buf_cleanup(&want);
    return ok;
}

void sr_vec_count(struct sr_vec_counts *c, bool ok)
{
    if (ok) {
        c->passed++;
    } else {
        c->failed++;
    }
}

int sr_vec_report(const char *file, const struct sr_vec_counts *c)
{
    printf("%s: %u passed, %u failed, %u skipped\n", file, c->passed, c->failed, c->skipped);
    return (c->failed > 0 || c->passed == 0) ? 1 : 0;
}
