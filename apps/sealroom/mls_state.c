/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom mls`: the state directory of one member, and file input and output.
 *
 *   D/identity     the member's identity (text)
 *   D/kp-N.priv    private bundles of KeyPackages not yet used to join
 *   D/trust        trust anchors and policy (mls_x509.c), set on the group at every load
 *   D/group        "SRMC" u8 version=2, then the bytes of sr_mls_group_save
 *                  (version 1 had u64 epoch, u32, u32 of send counters before them:
 *                  read and ignored)
 *
 * Every file here holds secrets or identifies the member: all are written 0600 to a
 * temporary name and renamed over the old one, so a failed command leaves the state as it
 * was. The library's saved state keeps the secret tree's progress in the epoch, so a
 * command that sends saves the group (with the generation used) before the message leaves,
 * and the next command goes on from there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "mls_cli.h"

#define STATE_MAGIC      "SRMC"
#define STATE_VERSION    2u
#define STATE_HEAD_LEN   5u
#define STATE_V1_SKIPPED 16u /* version 1's send counters, which the library made useless */
#define MAX_FILE         (64u << 20)

sr_err mls_path(const char *dir, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap ? SR_OK : SR_ERR_LIMIT;
}

sr_err mls_read_file(const char *path, unsigned flags, struct sr_buf *out)
{
    sr_err err = SR_OK;
    uint8_t chunk[4096];
    int fd = open(path, O_RDONLY);
    sr_buf_init(out, MAX_FILE, flags);
    if (fd < 0) {
        return errno == ENOENT ? SR_ERR_NOT_FOUND : SR_ERR_IO;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            err = SR_ERR_IO;
            break;
        }
        if (n == 0) {
            break;
        }
        err = sr_buf_append(out, chunk, (size_t)n);
        if (err != SR_OK) {
            break;
        }
    }
    sr_wipe(chunk, sizeof(chunk));
    close(fd);
    if (err != SR_OK) {
        sr_buf_cleanup(out);
    }
    return err;
}

static sr_err write_all(int fd, struct sr_slice data)
{
    size_t done = 0;
    while (done < data.len) {
        ssize_t n = write(fd, data.p + done, data.len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return SR_ERR_IO;
        }
        done += (size_t)n;
    }
    return SR_OK;
}

sr_err mls_write_file(const char *path, struct sr_slice data, int mode)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n <= 0 || (size_t)n >= sizeof(tmp)) {
        return SR_ERR_LIMIT;
    }
    (void)unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, (mode_t)mode);
    if (fd < 0) {
        return SR_ERR_IO;
    }
    sr_err err = write_all(fd, data);
    if (err == SR_OK && fsync(fd) != 0) {
        err = SR_ERR_IO;
    }
    if (close(fd) != 0 && err == SR_OK) {
        err = SR_ERR_IO;
    }
    if (err == SR_OK && rename(tmp, path) != 0) {
        err = SR_ERR_IO;
    }
    if (err != SR_OK) {
        (void)unlink(tmp);
    }
    return err;
}

sr_err mls_dir_prepare(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return SR_ERR_IO;
    }
    SR_CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), SR_ERR_IO);
    return SR_OK;
}

bool mls_group_exists(const char *dir)
{
    char path[4096];
    struct stat st;
    return mls_path(dir, "group", path, sizeof(path)) == SR_OK && stat(path, &st) == 0;
}

sr_err mls_identity_save(const char *dir, const char *identity)
{
    char path[4096];
    SR_TRY(mls_path(dir, "identity", path, sizeof(path)));
    return mls_write_file(path, sr_slice_of(identity, strlen(identity)), 0600);
}

sr_err mls_bundle_save(const char *dir, struct sr_slice bundle, char *name, size_t cap)
{
    char path[4096];
    struct stat st;
    for (unsigned i = 0; i < 100000; i++) {
        int n = snprintf(name, cap, "kp-%u.priv", i);
        SR_CHECK(n > 0 && (size_t)n < cap, SR_ERR_LIMIT);
        SR_TRY(mls_path(dir, name, path, sizeof(path)));
        if (stat(path, &st) != 0) {
            return mls_write_file(path, bundle, 0600);
        }
    }
    return SR_ERR_LIMIT;
}

sr_err mls_state_load(const char *dir, struct mls_state *st)
{
    char path[4096];
    struct sr_buf b;
    sr_err err = SR_OK;
    size_t head = STATE_HEAD_LEN;
    memset(st, 0, sizeof(*st));
    SR_TRY(mls_path(dir, "group", path, sizeof(path)));
    SR_TRY(mls_read_file(path, SR_BUF_WIPE, &b));
    if (b.len < STATE_HEAD_LEN || memcmp(b.p, STATE_MAGIC, 4) != 0) {
        err = SR_ERR_DECODE;
    } else if (b.p[4] != 1 && b.p[4] != STATE_VERSION) {
        err = SR_ERR_UNSUPPORTED;
    } else if (b.p[4] == 1) {
        head += STATE_V1_SKIPPED;
        err = b.len < head ? SR_ERR_DECODE : SR_OK;
    }
    if (err == SR_OK) {
        err = sr_mls_group_restore(sr_slice_of(b.p + head, b.len - head), &st->g);
    }
    sr_buf_cleanup(&b);
    /* The group does not save its trust (it only borrows it): set it again. */
    if (err == SR_OK && (err = mls_trust_load(dir, &st->trust)) == SR_OK) {
        sr_mls_group_set_trust(st->g, st->trust);
    }
    if (err != SR_OK) {
        mls_state_cleanup(st);
    }
    return err;
}

sr_err mls_state_save(const char *dir, struct mls_state *st)
{
    char path[4096];
    uint8_t head[STATE_HEAD_LEN];
    struct sr_buf b;
    sr_err err;
    memcpy(head, STATE_MAGIC, 4);
    head[4] = STATE_VERSION;
    SR_TRY(mls_path(dir, "group", path, sizeof(path)));
    sr_buf_init(&b, 0, SR_BUF_WIPE);
    err = sr_buf_append(&b, head, sizeof(head));
    if (err == SR_OK) {
        err = sr_mls_group_save(st->g, &b);
    }
    if (err == SR_OK) {
        err = mls_write_file(path, sr_buf_slice(&b), 0600);
    }
    sr_buf_cleanup(&b);
    return err;
}

void mls_state_cleanup(struct mls_state *st)
{
    sr_mls_group_free(st->g);
    sr_mls_trust_free(st->trust);
    memset(st, 0, sizeof(*st));
}
