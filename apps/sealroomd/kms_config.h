/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The settings of `sealroomd --role kms`: one table of options, read from the command line
 * and from a `--config FILE` of `key = value` lines (the same names without the dashes; the
 * command line wins). Values are kept as given; kms_config_finish fills the defaults that
 * depend on other settings (the store URL under the data dir, the TLS files).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KMS_PATH_MAX 1024

struct kms_config {
    char listen[128];
    char address[64]; /* parsed from listen */
    uint16_t port;
    char tls_cert[KMS_PATH_MAX];
    char tls_key[KMS_PATH_MAX];
    bool dev_cert; /* no cert/key given: a self-signed pair in the data dir */
    bool plain_http;
    char data_dir[KMS_PATH_MAX];
    char store[KMS_PATH_MAX];
    char kms_name[256];
    char region[64];
    char node[64]; /* this node's audit chain id */
    char cmk_provider[16];
    char pkcs11_module[KMS_PATH_MAX];
    char pkcs11_token[64];
    char pkcs11_pin_file[KMS_PATH_MAX];
    bool allow_file_cmk;
    char jwks[KMS_PATH_MAX];
    char audience[256];
    char issuer[256];
    char port_file[KMS_PATH_MAX];
    unsigned workers;
    unsigned static_key_bits;
    bool rotate_static_key;
    unsigned channel_ttl_s; /* 0: the engine's default */
    unsigned channels_max;  /* 0: the engine's default */
    unsigned handshakes_per_min;
    unsigned requests_per_s;
    unsigned sweep_interval_s; /* 0: no sweeper */
    char channel_key_file[KMS_PATH_MAX];
    char service_ca[KMS_PATH_MAX];  /* service CAs and CRLs (PEM), or "": no services */
    char static_cert[KMS_PATH_MAX]; /* the static key's chain (PEM), or "": self-issued */
    char config[KMS_PATH_MAX];
};

/* What parsing decided: run, or exit at once with this status (help printed, or an error). */
enum kms_config_outcome {
    KMS_CONFIG_RUN = 0,
    KMS_CONFIG_EXIT_OK,
    KMS_CONFIG_EXIT_USAGE,
};

/** Print the role's options and config keys. */
void kms_config_usage(FILE *out);

/**
 * Check the settings against each other and fill the defaults that depend on others (the
 * address and port from listen, the store URL, the TLS files, the audience). Prints what is
 * wrong and how to fix it; false on any error. (kms_check.c)
 */
bool kms_config_finish(struct kms_config *cfg, bool serve);

/**
 * Parse the command line (after `--role kms`) and the config file it names, then check the
 * values and fill the defaults. Errors go to stderr with a hint. `serve` is false for the
 * offline tools (`sealroomd kms audit verify`), which need no TLS or CMK settings.
 */
enum kms_config_outcome kms_config_parse(int argc, char **argv, struct kms_config *cfg, bool serve);
