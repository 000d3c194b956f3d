/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The static RSA keys of the KMS in the data dir (see kms_static.h): find the current one,
 * make or rotate it, keep the previous one for 24 h, and publish the current public half.
 */
#include "kms_static.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alloc.h"
#include "kms_files.h"

#define KEY_FILE_MAX   ((size_t)64 * 1024)
#define PREVIOUS_MS    ((int64_t)24 * 3600 * 1000)
#define MAX_GENERATION 999999u

/* "static-N.jwk" with N a plain decimal (no sign, no leading zero) up to MAX_GENERATION. */
static unsigned file_generation(const char *name)
{
    size_t len = strlen(name);
    if (strncmp(name, "static-", 7) != 0 || len < 12 || strcmp(name + len - 4, ".jwk") != 0 ||
        name[7] == '0') {
        return 0;
    }
    unsigned n = 0;
    for (const char *p = name + 7; p < name + len - 4; p++) {
        if (*p < '0' || *p > '9' || n > MAX_GENERATION / 10) {
            return 0;
        }
        n = n * 10 + (unsigned)(*p - '0');
    }
    return n <= MAX_GENERATION ? n : 0;
}

static bool highest_generation(const char *dir, unsigned *out)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "sealroomd: cannot list %s: %s — check --data-dir\n", dir, strerror(errno));
        return false;
    }
    *out = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        unsigned n = file_generation(e->d_name);
        *out = n > *out ? n : *out;
    }
    closedir(d);
    return true;
}

static bool key_path(const struct kms_config *cfg, unsigned n, char *path, size_t cap)
{
    char name[32];
    (void)snprintf(name, sizeof(name), "static-%u.jwk", n);
    return kms_files_path(path, cap, cfg->data_dir, name);
}

static bool make_key(const struct kms_config *cfg, unsigned n)
{
    char path[KMS_PATH_MAX];
    struct sr_jose_key *key = NULL;
    char *priv = NULL;
    if (!key_path(cfg, n, path, sizeof(path))) {
        return false;
    }
    fprintf(stderr, "sealroomd: generating the static RSA-%u key in %s\n", cfg->static_key_bits,
            path);
    bool ok = sr_jose_key_rsa_generate(cfg->static_key_bits, &key) == SR_OK &&
              sr_jose_key_export(key, true, &priv) == SR_OK;
    if (ok && !kms_files_write_secret(path, priv, strlen(priv))) {
        fprintf(stderr, "sealroomd: cannot write %s: %s — check --data-dir\n", path,
                strerror(errno));
        ok = false;
    } else if (!ok) {
        fprintf(stderr, "sealroomd: cannot generate the static key\n");
    }
    if (priv != NULL) {
        sr_wipe(priv, strlen(priv));
    }
    sr_free(priv);
    sr_jose_key_free(key);
    return ok;
}

/* Load static-N.jwk; *mtime_ms gets the file's time. */
static bool load_key(const struct kms_config *cfg, unsigned n, struct sr_jose_key **key, char *kid,
                     int64_t *mtime_ms)
{
    char path[KMS_PATH_MAX];
    char *text = NULL;
    size_t len = 0;
    struct stat st;
    if (!key_path(cfg, n, path, sizeof(path))) {
        return false;
    }
    if (!kms_files_read(path, KEY_FILE_MAX, true, &text, &len) || stat(path, &st) != 0) {
        fprintf(stderr, "sealroomd: cannot read %s: %s — check --data-dir\n", path,
                strerror(errno));
        sr_free(text);
        return false;
    }
    bool ok = kms_files_check_private(path) && sr_jose_key_import(text, len, key) == SR_OK;
    sr_wipe(text, len);
    sr_free(text);
    if (!ok) {
        fprintf(stderr,
                "sealroomd: %s is not a usable RSA private JWK — restore it from a "
                "backup, or remove it to fall back to the previous key\n",
                path);
        return false;
    }
    *mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    (void)snprintf(kid, KMS_KID_MAX, "kms://%s/static/%u", cfg->kms_name, n);
    return true;
}

/* The public half of the key with its kid and x5c (consumed), as published in details. */
static bool publish(const struct sr_jose_key *key, const char *kid, json_t *x5c, char **out)
{
    char *pub = NULL;
    if (sr_jose_key_export(key, false, &pub) != SR_OK) {
        json_decref(x5c);
        return false;
    }
    json_t *jwk = json_loads(pub, 0, NULL);
    sr_free(pub);
    bool ok = jwk != NULL && json_object_set_new(jwk, "kid", json_string(kid)) == 0 &&
              json_object_set(jwk, "x5c", x5c) == 0;
    json_decref(x5c);
    char *text = ok ? json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(jwk);
    if (text == NULL) {
        return false;
    }
    size_t n = strlen(text);
    *out = sr_malloc(n + 1);
    if (*out != NULL) {
        memcpy(*out, text, n + 1);
    }
    free(text); /* jansson's allocation */
    return *out != NULL;
}

/* The previous key answers handshakes for 24 h after the current key's file was made. */
static bool load_previous(const struct kms_config *cfg, unsigned n, int64_t cur_mtime,
                          int64_t now_ms, struct kms_static *out)
{
    char path[KMS_PATH_MAX];
    int64_t unused = 0;
    out->prev_until = cur_mtime + PREVIOUS_MS;
    if (n < 2 || now_ms >= out->prev_until || !key_path(cfg, n - 1, path, sizeof(path)) ||
        access(path, F_OK) != 0) {
        out->prev_until = 0;
        return true;
    }
    if (!load_key(cfg, n - 1, &out->prev, out->prev_kid, &unused)) {
        return false;
    }
    fprintf(stderr, "sealroomd: the previous static key %s answers handshakes for %lld more s\n",
            out->prev_kid, (long long)((out->prev_until - now_ms) / 1000));
    return true;
}

bool kms_static_load(const struct kms_config *cfg, int64_t now_ms, struct kms_static *out)
{
    unsigned n = 0;
    int64_t mtime = 0;
    memset(out, 0, sizeof(*out));
    if (!highest_generation(cfg->data_dir, &n)) {
        return false;
    }
    if (n == 0 || cfg->rotate_static_key) {
        if (n >= MAX_GENERATION || !make_key(cfg, n + 1)) {
            return false;
        }
        n++;
    }
    if (!load_key(cfg, n, &out->key, out->kid, &mtime) ||
        !load_previous(cfg, n, mtime, now_ms, out)) {
        return false;
    }
    json_t *x5c = NULL;
    if (!kms_static_chain(cfg, n, out->key, now_ms, &x5c)) {
        return false;
    }
    if (!publish(out->key, out->kid, x5c, &out->published)) {
        fprintf(stderr, "sealroomd: cannot export the static public key\n");
        return false;
    }
    fprintf(stderr, "sealroomd: static key %s\n", out->kid);
    return true;
}

void kms_static_cleanup(struct kms_static *st)
{
    sr_free(st->published);
    sr_jose_key_free(st->key);
    sr_jose_key_free(st->prev);
    memset(st, 0, sizeof(*st));
}
