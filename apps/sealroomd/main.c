/* SPDX-License-Identifier: Apache-2.0 */
/* `sealroomd`: the server. Its roles (kms, meeting, sfu, content) are chosen with --role. */
#include <stdio.h>
#include <string.h>

#include <sealroom/version.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: sealroomd --role ROLE [options]\n\n"
                 "Roles are added as the services land; this build has none yet.\n"
                 "  --help     show this help\n"
                 "  --version  print the version\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("sealroomd %s\n", SR_VERSION_STRING);
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
