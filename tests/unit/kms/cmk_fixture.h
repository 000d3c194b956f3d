/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the CMK and key hierarchy tests: a private temp directory removed at the end, a
 * SoftHSM2 token initialised in it (its own softhsm2.conf through SOFTHSM2_CONF, so no system
 * token is touched), and a BYOK upload made the way a customer makes it: RSA-OAEP-SHA-256 to
 * the exported public key. Test files define _XOPEN_SOURCE 700 first (nftw).
 */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sealroom/buf.h>

#include "crypto/rsa.h"
#include "kms/cmk.h"
#include "kms/p11.h"

#define FX_TOKEN  "sealroom-test"
#define FX_PIN    "1234"
#define FX_SO_PIN "12345678"

static inline int fx_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh 0700 directory under $TMPDIR; `out` holds at least 256 bytes. */
static inline int fx_tmpdir(char *out, size_t cap)
{
    const char *base = getenv("TMPDIR");
    (void)snprintf(out, cap, "%s/sealroom-cmk-XXXXXX", base != NULL ? base : "/tmp");
    return mkdtemp(out) != NULL ? 0 : -1;
}

static inline void fx_rmtree(const char *dir)
{
    if (dir[0] != '\0') {
        (void)nftw(dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/* 0: token ready; 77: SoftHSM2 is not installed (skip); -1: failure. */
static inline int fx_softhsm_init(const char *dir)
{
    char path[512], cmd[1024];
    FILE *fp;

    if (access(SR_KMS_P11_DEFAULT_MODULE, R_OK) != 0 ||
        system("command -v softhsm2-util >/dev/null 2>&1") != 0) {
        return 77;
    }
    (void)snprintf(path, sizeof(path), "%s/tokens", dir);
    if (mkdir(path, 0700) != 0) {
        return -1;
    }
    (void)snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
    fp = fopen(path, "w");
    if (fp == NULL) {
        return -1;
    }
    (void)fprintf(fp,
                  "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
                  "log.level = ERROR\nslots.removable = false\n",
                  dir);
    (void)fclose(fp);
    if (setenv("SOFTHSM2_CONF", path, 1) != 0) {
        return -1;
    }
    (void)snprintf(cmd, sizeof(cmd),
                   "softhsm2-util --init-token --free --label %s --pin %s --so-pin %s "
                   ">/dev/null",
                   FX_TOKEN, FX_PIN, FX_SO_PIN);
    return system(cmd) == 0 ? 0 : -1;
}

/* What a customer uploads: `key` encrypted with RSA-OAEP-SHA-256 to the org's public key. */
static inline sr_err fx_byok_wrap(struct sr_kms_cmk_provider *prov, const char *org,
                                  const uint8_t key[32], struct sr_buf *out)
{
    struct sr_buf n, e;
    struct sr_rsa_key *pub = NULL;
    sr_err err;

    sr_buf_init(&n, 0, 0);
    sr_buf_init(&e, 0, 0);
    err = sr_kms_cmk_public_key(prov, org, &n, &e);
    if (err == SR_OK && n.len != SR_KMS_RSA_BITS / 8) {
        err = SR_ERR_INVALID;
    }
    if (err == SR_OK) {
        err = sr_rsa_public_from_ne(sr_buf_slice(&n), sr_buf_slice(&e), &pub);
    }
    if (err == SR_OK) {
        err = sr_rsa_oaep_sha256_encrypt(pub, sr_slice_of(key, 32), out);
    }
    sr_rsa_key_free(pub);
    sr_buf_cleanup(&n);
    sr_buf_cleanup(&e);
    return err;
}

/* Skip (77) or, under CI=true, fail. */
static inline int fx_skip(const char *why)
{
    const char *ci = getenv("CI");
    (void)fprintf(stderr, "%s\n", why);
    return ci != NULL && strcmp(ci, "true") == 0 ? 1 : 77;
}
