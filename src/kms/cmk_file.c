/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `file` CMK provider: FOR DEVELOPMENT ONLY, NEVER FOR PRODUCTION (KMS.md §7). Each CMK is
 * 32 raw bytes in a 0600 file "<dir>/cmk-<sha256(uri)>.key", so anyone who can read the disk or
 * a backup of it reads every key of the deployment. It is refused unless the configuration
 * sets `kms.allow_file_cmk = true`, and it warns on stderr every time it is made. KEKs are
 * sealed with AES-256-GCM in software; BYOK decrypts the upload with a 0600 PEM RSA key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "crypto/aead.h"
#include "crypto/rand.h"
#include "crypto/suite.h"
#include "kms/cmk.h"
#include "kms/cmk_int.h"

#define AES_256_GCM 0x0002

struct file_be {
    char *dir;
};

struct file_key {
    uint8_t key[SR_KMS_CMK_KEY_LEN];
    char *path;
};

static void key_free(struct file_key *k)
{
    if (k != NULL) {
        sr_wipe(k->key, sizeof(k->key));
        sr_free(k->path);
        sr_free(k);
    }
}

static sr_err key_new(struct file_be *be, const char *uri, struct file_key **out)
{
    struct file_key *k = sr_calloc(1, sizeof(*k));
    SR_CHECK(k != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_cmk_path(be->dir, "cmk-", uri, ".key", &k->path);
    if (err != SR_OK) {
        key_free(k);
        return err;
    }
    *out = k;
    return SR_OK;
}

/* Read exactly the key; a file others may read is refused, as ssh does with private keys. */
static sr_err key_read(struct file_key *k)
{
    struct stat st;
    ssize_t n;
    int fd = open(k->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        return errno == ENOENT ? SR_ERR_NOT_FOUND : SR_ERR_IO;
    }
    sr_err err = SR_ERR_IO;
    if (fstat(fd, &st) == 0) {
        err = (st.st_mode & 077) != 0 ? SR_ERR_DENIED : SR_OK;
    }
    if (err == SR_OK) {
        uint8_t extra;
        n = read(fd, k->key, sizeof(k->key));
        err = n == (ssize_t)sizeof(k->key) && read(fd, &extra, 1) == 0 ? SR_OK : SR_ERR_DECODE;
    }
    (void)close(fd);
    return err;
}

static sr_err key_write(const struct file_key *k)
{
    int fd = open(k->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return errno == EEXIST ? SR_ERR_EXISTS : SR_ERR_IO;
    }
    ssize_t n = write(fd, k->key, sizeof(k->key));
    int rc = fsync(fd);
    (void)close(fd);
    if (n != (ssize_t)sizeof(k->key) || rc != 0) {
        (void)unlink(k->path);
        return SR_ERR_IO;
    }
    return SR_OK;
}

typedef sr_err (*fill_fn)(struct file_be *be, const char *org, struct sr_slice wrapped,
                          struct file_key *k);

static sr_err fill_random(struct file_be *be, const char *org, struct sr_slice wrapped,
                          struct file_key *k)
{
    (void)be;
    (void)org;
    (void)wrapped;
    SR_TRY(sr_rand_bytes(k->key, sizeof(k->key)));
    return key_write(k);
}

static sr_err fill_byok(struct file_be *be, const char *org, struct sr_slice wrapped,
                        struct file_key *k)
{
    SR_TRY(sr_kms_byok_file_import(be->dir, org, wrapped, k->key));
    return key_write(k);
}

static sr_err fill_read(struct file_be *be, const char *org, struct sr_slice wrapped,
                        struct file_key *k)
{
    (void)be;
    (void)org;
    (void)wrapped;
    return key_read(k);
}

static sr_err with_key(void *be, const char *uri, const char *org, struct sr_slice wrapped,
                       fill_fn fill, void **key)
{
    struct file_key *k = NULL;
    SR_TRY(key_new(be, uri, &k));
    sr_err err = fill(be, org, wrapped, k);
    if (err != SR_OK) {
        key_free(k);
        return err;
    }
    *key = k;
    return SR_OK;
}

static sr_err f_find(void *be, const char *uri, void **key)
{
    return with_key(be, uri, "", sr_slice_of(NULL, 0), fill_read, key);
}

static sr_err f_generate(void *be, const char *uri, void **key)
{
    return with_key(be, uri, "", sr_slice_of(NULL, 0), fill_random, key);
}

static sr_err f_import(void *be, const char *uri, const char *org, struct sr_slice wrapped,
                       void **key)
{
    return with_key(be, uri, org, wrapped, fill_byok, key);
}

static sr_err f_seal(void *be, void *key, const uint8_t *iv, struct sr_slice aad,
                     struct sr_slice pt, uint8_t *out)
{
    struct file_key *k = key;
    size_t n;
    (void)be;
    return sr_aead_seal_once(sr_aead_get(AES_256_GCM), sr_slice_of(k->key, sizeof(k->key)), iv, aad,
                             pt, out, pt.len + SR_KMS_GCM_TAG_LEN, &n);
}

static sr_err f_open(void *be, void *key, const uint8_t *iv, struct sr_slice aad,
                     struct sr_slice ct, uint8_t *out)
{
    struct file_key *k = key;
    size_t n;
    (void)be;
    SR_CHECK(ct.len >= SR_KMS_GCM_TAG_LEN, SR_ERR_DECODE);
    return sr_aead_open_once(sr_aead_get(AES_256_GCM), sr_slice_of(k->key, sizeof(k->key)), iv, aad,
                             ct, out, ct.len - SR_KMS_GCM_TAG_LEN, &n);
}

static sr_err f_public_key(void *be, const char *org, struct sr_buf *n, struct sr_buf *e)
{
    return sr_kms_byok_file_public_key(((struct file_be *)be)->dir, org, n, e);
}

/* Overwrite before unlinking: worth little on flash or copy-on-write disks, nothing to lose. */
static void overwrite(const char *path)
{
    uint8_t zeros[SR_KMS_CMK_KEY_LEN] = { 0 };
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        (void)!write(fd, zeros, sizeof(zeros));
        (void)fsync(fd);
        (void)close(fd);
    }
}

static sr_err f_destroy(void *be, void *key)
{
    struct file_key *k = key;
    (void)be;
    overwrite(k->path);
    SR_CHECK(unlink(k->path) == 0 || errno == ENOENT, SR_ERR_IO);
    key_free(k);
    return SR_OK;
}

static void f_release(void *be, void *key)
{
    (void)be;
    key_free(key);
}

static void f_free(void *be)
{
    struct file_be *f = be;
    if (f != NULL) {
        sr_free(f->dir);
        sr_free(f);
    }
}

static const struct sr_kms_cmk_ops file_ops = {
    .name = "file",
    .find = f_find,
    .generate = f_generate,
    .import_wrapped = f_import,
    .seal = f_seal,
    .open = f_open,
    .public_key = f_public_key,
    .destroy = f_destroy,
    .release = f_release,
    .free = f_free,
};

sr_err sr_kms_cmk_provider_new_file(const char *dir, bool allow_file_cmk,
                                    struct sr_kms_cmk_provider **out)
{
    struct sr_kms_cmk_provider *prov = NULL;
    struct file_be *be = NULL;
    size_t n;

    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(dir != NULL, SR_ERR_ARG);
    if (!allow_file_cmk) {
        (void)fprintf(stderr, "sealroom kms: the file CMK provider is refused: it is for "
                              "development only; set kms.allow_file_cmk = true to use it\n");
        return SR_ERR_DENIED;
    }
    (void)fprintf(stderr,
                  "sealroom kms: WARNING: file CMK provider in %s: keys on disk, for "
                  "DEVELOPMENT ONLY, NOT FOR PRODUCTION\n",
                  dir);
    n = strlen(dir) + 1;
    prov = sr_calloc(1, sizeof(*prov));
    be = sr_calloc(1, sizeof(*be));
    if (be != NULL) {
        be->dir = sr_malloc(n);
    }
    if (prov == NULL || be == NULL || be->dir == NULL) {
        f_free(be);
        sr_free(prov);
        return SR_ERR_NOMEM;
    }
    memcpy(be->dir, dir, n);
    prov->ops = &file_ops;
    prov->be = be;
    *out = prov;
    return SR_OK;
}
