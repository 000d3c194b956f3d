/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the streamed file decryptor: arbitrary bytes as header plus chunks, under a keyring
 * for epoch 1 of suite 1 whose exporter secret is 32 bytes of 'F' (the seeds in
 * fuzz/corpus/e2ee_file/ were written by `unit_e2ee_file_stream --write-seeds DIR` with the
 * same key). Oracle: a stream accepted in full yields exactly the header's total length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sealroom/e2ee.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sr_e2ee_keyring *fuzz_ring(void)
{
    static struct sr_e2ee_keyring *kr;
    if (kr == NULL) {
        uint8_t secret[32];
        memset(secret, 'F', sizeof(secret));
        if (sr_e2ee_keyring_new(&kr) != SR_OK ||
            sr_e2ee_keyring_add_epoch_secret(kr, 1, 1, sr_slice_of(secret, 32)) != SR_OK) {
            abort();
        }
    }
    return kr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[SR_E2EE_FILE_CHUNK];
    size_t hdr = size < SR_E2EE_FILE_HEADER_LEN ? size : SR_E2EE_FILE_HEADER_LEN;
    /* a private copy, so ASan sees any read beyond `size` */
    uint8_t *in = malloc(size == 0 ? 1 : size);
    if (in == NULL) {
        return 0;
    }
    memcpy(in, data, size);
    struct sr_e2ee_file_dec *dec = NULL;
    struct sr_e2ee_file_info info;
    sr_err err = sr_e2ee_file_dec_new(fuzz_ring(), sr_slice_of(in, hdr), &info, &dec);
    size_t pos = hdr;
    uint64_t total = 0;
    while (err == SR_OK && pos < size) {
        size_t want = sr_e2ee_file_dec_next_len(dec), n;
        size_t have = want == 0 || size - pos < want ? size - pos : want;
        err = sr_e2ee_file_dec_push(dec, sr_slice_of(in + pos, have), out, sizeof(out), &n);
        pos += have;
        total += err == SR_OK ? n : 0;
    }
    if (err == SR_OK && sr_e2ee_file_dec_finish(dec) == SR_OK && total != info.total_len) {
        abort();
    }
    sr_e2ee_file_dec_free(dec);
    free(in);
    return 0;
}
