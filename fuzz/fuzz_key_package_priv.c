/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the stored form of a KeyPackage private bundle (sr_mls_key_package_priv_decode).
 * Oracle: a bundle that decodes (and so passed the consistency checks) must re-encode to the
 * same bytes, since every field is read in its canonical form.
 */
#include <stdlib.h>
#include <string.h>

#include "mls/keypackage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sr_mls_key_package_priv *priv = NULL;
    if (sr_mls_key_package_priv_decode(sr_slice_of(data, size), &priv) != SR_OK) {
        if (priv != NULL) {
            abort(); /* the contract: NULL on error */
        }
        return 0;
    }
    struct sr_buf out;
    sr_buf_init(&out, 0, SR_BUF_WIPE);
    if (sr_mls_key_package_priv_encode(priv, &out) != SR_OK || out.len != size ||
        memcmp(out.p, data, size) != 0) {
        abort();
    }
    sr_buf_cleanup(&out);
    sr_mls_key_package_priv_free(priv);
    return 0;
}
