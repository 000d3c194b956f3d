/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recordings as files: the stdio edge of the otherwise sans-IO recording code. A new
 * recording is created exclusively with mode 0600, since only its owner should read even
 * the ciphertext's size and timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <sealroom/e2ee.h>

#include "e2ee/recording_int.h"

static sr_err file_write(void *arg, const uint8_t *p, size_t n)
{
    return fwrite(p, 1, n, arg) == n ? SR_OK : SR_ERR_IO;
}

static sr_err file_read(void *arg, uint8_t *p, size_t n, size_t *got)
{
    *got = fread(p, 1, n, arg);
    return ferror((FILE *)arg) ? SR_ERR_IO : SR_OK;
}

static sr_err file_close_write(void *arg)
{
    FILE *f = arg;
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    return ok ? SR_OK : SR_ERR_IO;
}

static sr_err file_close_read(void *arg)
{
    return fclose(arg) == 0 ? SR_OK : SR_ERR_IO;
}

sr_err sr_e2ee_recorder_open(const char *path, const struct sr_e2ee_rec_key *key,
                             struct sr_e2ee_recorder **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(path != NULL && key != NULL, SR_ERR_ARG);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return errno == EEXIST ? SR_ERR_EXISTS : SR_ERR_IO;
    }
    FILE *f = fdopen(fd, "wb");
    if (f == NULL) {
        close(fd);
        return SR_ERR_IO;
    }
    sr_err err = sr_rec_writer_new(key, file_write, file_close_write, f, out);
    if (err != SR_OK) {
        /* The writer closed the file; a failed start leaves nothing behind. */
        (void)unlink(path);
    }
    return err;
}

sr_err sr_e2ee_rec_reader_open(const char *path, const struct sr_e2ee_rec_key *key,
                               struct sr_e2ee_rec_reader **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(path != NULL && key != NULL, SR_ERR_ARG);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return errno == ENOENT ? SR_ERR_NOT_FOUND : SR_ERR_IO;
    }
    return sr_rec_reader_new(key, file_read, file_close_read, f, out);
}
