/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of `sealroom`, each in its own file. Each returns the exit status. */
#pragma once

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

int cmd_demo(int argc, char **argv);
int cmd_kms(int argc, char **argv);
int cmd_mls(int argc, char **argv);
int cmd_recording(int argc, char **argv);
