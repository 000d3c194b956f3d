/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroomd kms audit verify`: check this node's audit chain (KMS.md §8) offline. Each row
 * must follow the previous one (seq + 1, prev_mac = the previous mac, the first prev_mac 32
 * zero bytes) and carry mac = HMAC-SHA-256(K_chain, the store's MAC input of the row), K_chain
 * being derived from the data dir's audit.key and the chain id (--node), as the server does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "crypto/ct.h"
#include "crypto/hash.h"
#include "daemon.h"
#include "kms/server.h"
#include "kms_config.h"
#include "kms_files.h"

struct tool {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

/* Check one row against the chain so far; prints why it fails. */
static bool check_row(const struct sr_store_audit *row, const uint8_t *key, int64_t prev_seq,
                      const uint8_t *prev_mac, struct sr_buf *in)
{
    uint8_t mac[SR_STORE_MAC_LEN];
    sr_buf_reset(in);
    if (row->seq != prev_seq + 1) {
        printf("chain %s: row %" PRId64 " follows row %" PRId64 ": rows are missing\n", row->chain,
               row->seq, prev_seq);
        return false;
    }
    if (!sr_ct_equal(row->prev_mac, prev_mac, SR_STORE_MAC_LEN)) {
        printf("chain %s: row %" PRId64 ": prev_mac is not the mac of row %" PRId64 "\n",
               row->chain, row->seq, prev_seq);
        return false;
    }
    if (sr_store_audit_mac_input(row, in) != SR_OK ||
        sr_hmac(&sr_hash_sha256, sr_slice_of(key, SR_KMS_AUDIT_KEY_LEN), sr_buf_slice(in), mac) !=
                SR_OK ||
        !sr_ct_equal(mac, row->mac, SR_STORE_MAC_LEN)) {
        printf("chain %s: row %" PRId64 ": the mac does not verify (altered row)\n", row->chain,
               row->seq);
        return false;
    }
    return true;
}

/* Walk the chain a page at a time; 0 when every row verifies. */
static int verify_chain(struct sr_store *st, const char *chain, const uint8_t *key)
{
    uint8_t prev_mac[SR_STORE_MAC_LEN] = { 0 };
    int64_t seq = 0;
    struct sr_buf in;
    sr_buf_init(&in, 0, 0);
    for (;;) {
        struct sr_store_audit *rows = NULL;
        size_t n = 0;
        sr_err err = sr_store_audit_list_chain(st, chain, seq, SR_STORE_LIST_MAX, &rows, &n);
        if (err != SR_OK) {
            printf("chain %s: cannot read the audit rows: %s\n", chain, sr_err_str(err));
            sr_buf_cleanup(&in);
            return 1;
        }
        bool ok = true;
        for (size_t i = 0; ok && i < n; i++) {
            ok = check_row(&rows[i], key, seq, prev_mac, &in);
            if (ok) {
                seq = rows[i].seq;
                memcpy(prev_mac, rows[i].mac, SR_STORE_MAC_LEN);
            }
        }
        sr_store_audit_free(rows, n);
        if (!ok || n < SR_STORE_LIST_MAX) {
            sr_buf_cleanup(&in);
            if (ok) {
                printf("chain %s: %" PRId64 " rows verified\n", chain, seq);
            }
            return ok ? 0 : 1;
        }
    }
}

static int audit_verify(int argc, char **argv)
{
    static struct kms_config cfg;
    uint8_t key[SR_KMS_AUDIT_KEY_LEN];
    struct sr_store *st = NULL;
    enum kms_config_outcome r = kms_config_parse(argc, argv, &cfg, false);
    if (r != KMS_CONFIG_RUN) {
        return r == KMS_CONFIG_EXIT_OK ? 0 : 2;
    }
    char path[KMS_PATH_MAX];
    if (!kms_files_path(path, sizeof(path), cfg.data_dir, "audit.key")) {
        return 1;
    }
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "sealroomd: no audit key %s — check --data-dir\n", path);
        return 1;
    }
    if (!kms_files_audit_key(&cfg, key)) {
        return 1;
    }
    sr_err err = sr_store_open(cfg.store, &st);
    int status = 1;
    if (err != SR_OK) {
        fprintf(stderr, "sealroomd: cannot open store %s: %s — check --store and --data-dir\n",
                cfg.store, sr_err_str(err));
    } else {
        status = verify_chain(st, cfg.node, key);
    }
    sr_store_close(st);
    sr_wipe(key, sizeof(key));
    return status;
}

static const struct tool tools[] = {
    { "audit verify", audit_verify, "check this node's audit chain (--data-dir, --node, ...)" },
};

int kms_tool_main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        char name[64];
        (void)snprintf(name, sizeof(name), "%s %s", argc >= 1 ? argv[0] : "",
                       argc >= 2 ? argv[1] : "");
        if (strcmp(name, tools[i].name) == 0) {
            return tools[i].fn(argc - 2, argv + 2);
        }
    }
    fprintf(stderr, "usage: sealroomd kms COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        fprintf(stderr, "  %-14s %s\n", tools[i].name, tools[i].help);
    }
    fprintf(stderr, "\nOptions as for sealroomd --role kms (see its --help); the TLS and CMK\n"
                    "settings are not needed.\n");
    return 2;
}
