/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom`: the command-line client. Subcommands are dispatched through one table of
 * {name, function, help}; each lives in its own file and declares itself in commands.h.
 */
#include <stdio.h>
#include <string.h>

#include <sealroom/version.h>

#include "commands.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
    { "demo", cmd_demo, "run a demonstration of what Sealroom does" },
    { "mls", cmd_mls, "an MLS member for scripting: keypackage, create, add, join, process, ..." },
    { "kms", cmd_kms, "talk to a KMS: keys, resources, authorizations, encrypt and decrypt" },
    { "recording", cmd_recording, "play or export a local meeting recording" },
    { "version", cmd_version, "print the version" },
    { "help", cmd_help, "show this help" },
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sealroom <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
    }
    fprintf(out, "\nRun 'sealroom <command> --help' for a command's options.\n");
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("sealroom %s\n", SR_VERSION_STRING);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    usage(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        return cmd_version(0, NULL);
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "sealroom: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
