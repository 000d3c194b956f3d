/* SPDX-License-Identifier: Apache-2.0 */
/* `sealroom demo`: shows what exists so far. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_demo(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: sealroom demo\n\nRuns a demonstration of the library's features.\n");
        return 0;
    }
    printf("Sealroom demo\n");
    return 0;
}
