/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroomd`: the server. Its roles (kms, meeting, sfu, content) are chosen with --role and
 * dispatched through one table of {name, function, help}; a role not in this build says so.
 */
#include <stdio.h>
#include <string.h>

#include <sealroom/version.h>

#include "daemon.h"

struct role {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *help;
};

static const struct role roles[] = {
    { "kms", role_kms_main, "Key Management Service (KMS.md)" },
    { "meeting", NULL, "meeting service" },
    { "sfu", NULL, "selective forwarding unit for media" },
    { "content", NULL, "content service" },
};

#define N_ROLES (sizeof(roles) / sizeof(roles[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: sealroomd --role ROLE [options]\n"
                 "       sealroomd --role ROLE --help\n"
                 "       sealroomd kms audit verify [options]   check the KMS audit chain\n\n"
                 "roles:\n");
    for (size_t i = 0; i < N_ROLES; i++) {
        fprintf(out, "  %-10s %s%s\n", roles[i].name, roles[i].help,
                roles[i].main == NULL ? " (not available in this build)" : "");
    }
    fprintf(out, "\n"
                 "  --help     show this help\n"
                 "  --version  print the version\n");
}

static int run_role(const char *name, int argc, char **argv)
{
    for (size_t i = 0; i < N_ROLES; i++) {
        if (strcmp(roles[i].name, name) != 0) {
            continue;
        }
        if (roles[i].main == NULL) {
            fprintf(stderr, "sealroomd: role %s is not available in this build\n", name);
            return 2;
        }
        return roles[i].main(argc, argv);
    }
    fprintf(stderr, "sealroomd: unknown role %s (see sealroomd --help)\n", name);
    return 2;
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
    if (argc >= 2 && strcmp(argv[1], "kms") == 0) {
        return kms_tool_main(argc - 2, argv + 2);
    }
    if (argc >= 3 && strcmp(argv[1], "--role") == 0) {
        return run_role(argv[2], argc - 3, argv + 3);
    }
    if (argc >= 2 && strncmp(argv[1], "--role=", 7) == 0) {
        return run_role(argv[1] + 7, argc - 2, argv + 2);
    }
    fprintf(stderr, "sealroomd: %s\n",
            argc >= 2 ? "the first option must be --role ROLE" : "no role given");
    usage(stderr);
    return 2;
}
