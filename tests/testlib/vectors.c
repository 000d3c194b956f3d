/* SPDX-License-Identifier: Apache-2.0 */
/* Loading and reporting for official test-vector runners. */
#include "vectors.h"

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

json_t *sr_vec_load(const char *relpath)
{
    char tmp[4096], path[4096];
    const char *dir = vectors_dir(tmp, sizeof(tmp));
    struct stat st;
    const char *ci = getenv("CI");
    bool in_ci = ci != NULL && strcmp(ci, "true") == 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: vector directory %s is missing (set SEALROOM_VECTORS)%s\n", relpath,
                dir, in_ci ? "; CI=true, so this is a failure" : "; skipping");
        exit(in_ci ? 1 : 77);
    }
    int n = snprintf(path, sizeof(path), "%s/%s", dir, relpath);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        fprintf(stderr, "%s: vector path too long\n", relpath);
        exit(1);
    }
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (root == NULL) {
        fprintf(stderr, "%s: cannot load %s: %s (line %d)\n", relpath, path, jerr.text, jerr.line);
        exit(1);
    }
    return root;
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
