/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The roles of `sealroomd`, one entry function each, dispatched by main.c's role table. A
 * role gets the arguments after `--role NAME` and returns the process exit status.
 */
#pragma once

/** `sealroomd --role kms` (kms_role.c). */
int role_kms_main(int argc, char **argv);

/** `sealroomd kms SUBCOMMAND`: offline tools on a KMS data dir (kms_tool.c). */
int kms_tool_main(int argc, char **argv);
