/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kms role's files in its data dir (see kms_files.h): the directory itself, the audit
 * secret and the development TLS pair, and the helpers that read and write secrets. Secrets are
 * written to a fresh 0600 temp file, synced and renamed into place, so a crash never leaves half a
 * key.
 */
#include "kms_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sealroom/net.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "crypto/rand.h"

#define AUDIT_KEY_FILE "audit.key"
#define AUDIT_SECRET   32

bool kms_files_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "sealroomd: path %s/%s is too long — use a shorter --data-dir\n", dir,
                name);
        return false;
    }
    return true;
}

/* mkdir -p with 0700 for the last component; an existing directory is fine. */
static bool make_dir(const char *path)
{
    char tmp[KMS_PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof(tmp)) {
        return false;
    }
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
                return false;
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
        return false;
    }
    struct stat st;
    if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return false;
    }
    return true;
}

bool kms_files_prepare_dirs(const struct kms_config *cfg, char *cmk_dir, size_t cmk_cap)
{
    if (!make_dir(cfg->data_dir)) {
        fprintf(stderr, "sealroomd: cannot create data dir %s: %s — check --data-dir\n",
                cfg->data_dir, strerror(errno));
        return false;
    }
    struct stat st;
    if (stat(cfg->data_dir, &st) == 0 && (st.st_mode & 077) != 0) {
        fprintf(stderr, "sealroomd: warning: data dir %s is open to other users (chmod 700)\n",
                cfg->data_dir);
    }
    if (!kms_files_path(cmk_dir, cmk_cap, cfg->data_dir, "cmk")) {
        return false;
    }
    if (strcmp(cfg->cmk_provider, "file") == 0 && !make_dir(cmk_dir)) {
        fprintf(stderr, "sealroomd: cannot create %s: %s — check --data-dir\n", cmk_dir,
                strerror(errno));
        return false;
    }
    return true;
}

bool kms_files_read(const char *path, size_t max, bool secret, char **out, size_t *len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    char *buf = sr_malloc(max + 1);
    size_t n = buf != NULL ? fread(buf, 1, max + 1, f) : 0;
    bool ok = buf != NULL && !ferror(f) && n <= max;
    fclose(f);
    if (!ok) {
        if (buf != NULL && secret) {
            sr_wipe(buf, max + 1);
        }
        sr_free(buf);
        errno = buf == NULL ? ENOMEM : EFBIG;
        return false;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return true;
}

bool kms_files_write_secret(const char *path, const void *p, size_t n)
{
    char tmp[KMS_PATH_MAX + 8];
    int w = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (w < 0 || (size_t)w >= sizeof(tmp)) {
        return false;
    }
    (void)unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return false;
    }
    bool ok = write(fd, p, n) == (ssize_t)n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        (void)unlink(tmp);
        errno = e;
        return false;
    }
    return true;
}

bool kms_files_check_private(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
        fprintf(stderr, "sealroomd: %s is readable by other users — chmod 600 it\n", path);
        return false;
    }
    return true;
}

bool kms_files_secret(const char *path, uint8_t *out, size_t len)
{
    char *text = NULL;
    size_t n = 0;
    if (!kms_files_read(path, len, true, &text, &n)) {
        return false;
    }
    bool ok = n == len && kms_files_check_private(path);
    if (ok) {
        memcpy(out, text, len);
    }
    sr_wipe(text, n);
    sr_free(text);
    return ok;
}

/* K_chain = HKDF-SHA-256(ikm = audit secret, salt = "", info = "sealroom-audit-v1" | chain). */
static bool derive_chain_key(const uint8_t *secret, const char *chain, uint8_t *out)
{
    static const char label[] = "sealroom-audit-v1|";
    uint8_t prk[32];
    const struct sr_slice info[2] = { sr_slice_of(label, sizeof(label) - 1),
                                      sr_slice_of(chain, strlen(chain)) };
    bool ok = sr_hkdf_extract(&sr_hash_sha256, sr_slice_of(NULL, 0),
                              sr_slice_of(secret, AUDIT_SECRET), prk) == SR_OK &&
              sr_hkdf_expand_parts(&sr_hash_sha256, sr_slice_of(prk, sizeof(prk)), info, 2, out,
                                   SR_KMS_AUDIT_KEY_LEN) == SR_OK;
    sr_wipe(prk, sizeof(prk));
    return ok;
}

bool kms_files_audit_key(const struct kms_config *cfg, uint8_t out[SR_KMS_AUDIT_KEY_LEN])
{
    char path[KMS_PATH_MAX];
    uint8_t secret[AUDIT_SECRET];
    char *text = NULL;
    size_t len = 0;
    bool ok = false;
    if (!kms_files_path(path, sizeof(path), cfg->data_dir, AUDIT_KEY_FILE)) {
        return false;
    }
    if (kms_files_read(path, AUDIT_SECRET, true, &text, &len)) {
        ok = len == AUDIT_SECRET && kms_files_check_private(path);
        if (ok) {
            memcpy(secret, text, AUDIT_SECRET);
        }
        sr_wipe(text, len);
        sr_free(text);
    } else if (errno == ENOENT) {
        ok = sr_rand_bytes(secret, sizeof(secret)) == SR_OK &&
             kms_files_write_secret(path, secret, sizeof(secret));
    }
    ok = ok && derive_chain_key(secret, cfg->node, out);
    if (!ok) {
        fprintf(stderr,
                "sealroomd: cannot use the audit secret %s — check --data-dir and that "
                "the file holds 32 bytes\n",
                path);
    }
    sr_wipe(secret, sizeof(secret));
    return ok;
}

bool kms_files_dev_cert(const struct kms_config *cfg)
{
    fprintf(stderr,
            "\n"
            "sealroomd: *****************************************************************\n"
            "sealroomd: WARNING: serving a SELF-SIGNED DEVELOPMENT CERTIFICATE\n"
            "sealroomd:   %s\n"
            "sealroomd: It is for development only: give --tls-cert and --tls-key in\n"
            "sealroomd: production.\n"
            "sealroomd: *****************************************************************\n\n",
            cfg->tls_cert);
    if (access(cfg->tls_cert, R_OK) == 0 && access(cfg->tls_key, R_OK) == 0) {
        return true;
    }
    if (sr_net_selfsigned_write(cfg->tls_cert, cfg->tls_key, cfg->kms_name, 365) != SR_OK) {
        fprintf(stderr,
                "sealroomd: cannot write the development certificate in %s — check "
                "--data-dir, or give --tls-cert and --tls-key\n",
                cfg->data_dir);
        return false;
    }
    return true;
}
