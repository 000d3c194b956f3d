/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz restoring saved group state (sr_mls_group_restore, formats 1 and 2, with the secret
 * tree's progress). Oracles: a refused input leaves *out NULL; a restored group saves, that
 * save restores, and saving again gives the same bytes (one restore normalises the form,
 * e.g. format 1 becomes format 2; a second changes nothing).
 */
#include <stdlib.h>
#include <string.h>

#include <sealroom/mls.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Save `g` into a fresh wiping buffer; abort on failure (a restored group must save). */
static void save(const struct sr_mls_group *g, struct sr_buf *out)
{
    sr_buf_init(out, 0, SR_BUF_WIPE);
    if (sr_mls_group_save(g, out) != SR_OK) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sr_mls_group *g = NULL, *again = NULL;
    if (sr_mls_group_restore(sr_slice_of(data, size), &g) != SR_OK) {
        if (g != NULL) {
            abort(); /* the contract: NULL on error */
        }
        return 0;
    }
    struct sr_buf first, second;
    save(g, &first);
    if (sr_mls_group_restore(sr_buf_slice(&first), &again) != SR_OK) {
        abort();
    }
    save(again, &second);
    if (first.len != second.len || memcmp(first.p, second.p, first.len) != 0) {
        abort();
    }
    sr_buf_cleanup(&first);
    sr_buf_cleanup(&second);
    sr_mls_group_free(again);
    sr_mls_group_free(g);
    return 0;
}
