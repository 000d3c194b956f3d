/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the local-recording reader: arbitrary bytes as a recording under the raw key of 32
 * bytes of 'R' (the seeds in fuzz/corpus/e2ee_recording/ were written by
 * `unit_e2ee_recording --write-seeds DIR` with the same key). Oracles: a record's payload
 * stays inside the input's length, and a recording that verifies reads the same again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sealroom/e2ee.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct source {
    const uint8_t *p;
    size_t len, pos;
};

static sr_err source(void *arg, uint8_t *p, size_t n, size_t *got)
{
    struct source *s = arg;
    *got = s->len - s->pos < n ? s->len - s->pos : n;
    memcpy(p, s->p + s->pos, *got);
    s->pos += *got;
    return SR_OK;
}

/* SR_OK when the whole recording verified; counts records and payload bytes. */
static sr_err read_all(const uint8_t *in, size_t size, size_t *count, size_t *bytes)
{
    uint8_t raw[32];
    memset(raw, 'R', sizeof(raw));
    struct sr_e2ee_rec_key key = { 0, sr_slice_of(raw, sizeof(raw)), 0 };
    struct source s = { in, size, 0 };
    struct sr_e2ee_rec_reader *rd;
    *count = *bytes = 0;
    sr_err err = sr_e2ee_rec_reader_new(&key, source, &s, &rd);
    if (err != SR_OK) {
        return err;
    }
    struct sr_e2ee_rec_record r;
    int end = 0;
    while ((err = sr_e2ee_rec_reader_next(rd, &r, &end)) == SR_OK && !end) {
        if (r.payload.len > size) {
            abort();
        }
        ++*count;
        *bytes += r.payload.len;
    }
    sr_e2ee_rec_reader_free(rd);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size == 0 ? 1 : size);
    if (in == NULL) {
        return 0;
    }
    memcpy(in, data, size);
    size_t count, bytes, count2, bytes2;
    if (read_all(in, size, &count, &bytes) == SR_OK &&
        (read_all(in, size, &count2, &bytes2) != SR_OK || count != count2 || bytes != bytes2)) {
        abort();
    }
    free(in);
    return 0;
}
