/* SPDX-License-Identifier: Apache-2.0 */
/* A program outside the tree: it must build and run against an installed libsealroom. */
#include <stdio.h>
#include <string.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>
#include <sealroom/version.h>

int main(void)
{
    struct sr_buf b = { 0 };
    if (sr_hex_decode("5365616c726f6f6d", 16, &b) != SR_OK || b.len != 8 ||
        memcmp(b.p, "Sealroom", 8) != 0) {
        fprintf(stderr, "hex decode through the installed library failed\n");
        return 1;
    }
    sr_buf_cleanup(&b);
    printf("linked against sealroom %s: %s\n", SR_VERSION_STRING, sr_err_name(SR_ERR_DECODE));
    return 0;
}
