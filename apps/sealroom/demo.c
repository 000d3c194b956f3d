/* SPDX-License-Identifier: Apache-2.0 */
/* `sealroom demo`: option parsing and the sequence of demo sections. */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

bool demo_check(bool ok, const char *what)
{
    printf("   [%s] %s\n", ok ? " ok " : "FAIL", what);
    return ok;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: sealroom demo [--suite N] [--members N]\n\n"
                 "Runs each capability of this build end to end and checks the results.\n"
                 "  --suite N    MLS cipher suite 1-7 for the group sections (default 1)\n"
                 "  --members N  group size for the group sections, 2-1000 (default 5)\n");
}

static bool parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

static int parse(int argc, char **argv, struct demo_opts *opts)
{
    for (int i = 1; i < argc; i++) {
        unsigned long v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        const char *opt = argv[i];
        bool has_value = i + 1 < argc;
        bool known = strcmp(opt, "--suite") == 0 || strcmp(opt, "--members") == 0;
        if (strcmp(opt, "--suite") == 0 && has_value && parse_uint(argv[++i], 1, 7, &v)) {
            opts->suite = (uint16_t)v;
        } else if (strcmp(opt, "--members") == 0 && has_value &&
                   parse_uint(argv[++i], 2, 1000, &v)) {
            opts->members = (unsigned)v;
        } else {
            fprintf(stderr, "sealroom demo: %s '%s'\n\n",
                    known ? "missing or out-of-range value for" : "unknown option", opt);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

int cmd_demo(int argc, char **argv)
{
    struct demo_opts opts = { .suite = 1, .members = 5 };
    int rc = parse(argc, argv, &opts);
    if (rc >= 0) {
        return rc;
    }
    printf("Sealroom demo: every section checks its own results\n");
    bool ok = demo_primitives(&opts);
    ok = demo_media(&opts) && ok;
    printf("\n%s\n", ok ? "demo: all checks passed" : "demo: SOME CHECKS FAILED");
    return ok ? 0 : 1;
}
