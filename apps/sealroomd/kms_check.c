/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cross-checks of the kms role's settings and the defaults derived from other settings:
 * listen parsed into address and port, the store under the data dir, the development TLS
 * pair, the token audience. Each complaint says which option to change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kms_config.h"

static bool fail(const char *msg, const char *hint)
{
    fprintf(stderr, "sealroomd: %s — %s\n", msg, hint);
    return false;
}

/* "ADDR:PORT" or "[V6ADDR]:PORT", a numeric address. */
static bool parse_listen(struct kms_config *cfg)
{
    const char *l = cfg->listen;
    const char *colon = strrchr(l, ':');
    const char *a = l, *a_end = colon;
    if (l[0] == '[') {
        a = l + 1;
        a_end = strchr(l, ']');
        if (a_end == NULL || a_end + 1 != colon) {
            return fail("bad --listen", "use ADDR:PORT or [IPV6]:PORT");
        }
    }
    if (colon == NULL || a_end <= a || (size_t)(a_end - a) >= sizeof(cfg->address)) {
        return fail("bad --listen", "use ADDR:PORT, e.g. 127.0.0.1:8443");
    }
    memcpy(cfg->address, a, (size_t)(a_end - a));
    cfg->address[a_end - a] = '\0';
    uint8_t bin[16];
    if (inet_pton(AF_INET, cfg->address, bin) != 1 && inet_pton(AF_INET6, cfg->address, bin) != 1) {
        return fail("bad --listen address", "give a numeric IPv4 or IPv6 address");
    }
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port > 65535) {
        return fail("bad --listen port", "give a port from 0 to 65535");
    }
    cfg->port = (uint16_t)port;
    return true;
}

static bool is_loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

/* dst = dir + "/" + name, refused when it does not fit. */
static bool join(char *dst, size_t cap, const char *prefix, const char *dir, const char *name)
{
    int n = snprintf(dst, cap, "%s%s/%s", prefix, dir, name);
    return n > 0 && (size_t)n < cap;
}

static bool check_tls(struct kms_config *cfg)
{
    bool cert = cfg->tls_cert[0] != '\0', key = cfg->tls_key[0] != '\0';
    if (cert != key) {
        return fail("--tls-cert and --tls-key go together",
                    "give both, or neither for a development certificate");
    }
    if (cfg->plain_http && !is_loopback(cfg->address)) {
        return fail("--plain-http is for loopback addresses only", "listen on 127.0.0.1");
    }
    cfg->dev_cert = !cert && !cfg->plain_http;
    if (cfg->dev_cert &&
        (!join(cfg->tls_cert, sizeof(cfg->tls_cert), "", cfg->data_dir, "tls-cert.pem") ||
         !join(cfg->tls_key, sizeof(cfg->tls_key), "", cfg->data_dir, "tls-key.pem"))) {
        return fail("--data-dir is too long", "use a shorter path");
    }
    return true;
}

static bool check_cmk(const struct kms_config *cfg)
{
    if (strcmp(cfg->cmk_provider, "file") == 0) {
        if (!cfg->allow_file_cmk) {
            return fail("--cmk-provider file keeps CMKs in plain files",
                        "add --allow-file-cmk (development only) or use pkcs11");
        }
        return true;
    }
    if (strcmp(cfg->cmk_provider, "pkcs11") != 0) {
        return fail("unknown --cmk-provider", "use pkcs11 or file");
    }
    if (cfg->pkcs11_token[0] == '\0' || cfg->pkcs11_pin_file[0] == '\0') {
        return fail("the pkcs11 CMK provider needs a token",
                    "give --pkcs11-token and --pkcs11-pin-file (or --cmk-provider file "
                    "--allow-file-cmk for development)");
    }
    return true;
}

bool kms_config_finish(struct kms_config *cfg, bool serve)
{
    if (serve && (!parse_listen(cfg) || !check_tls(cfg) || !check_cmk(cfg))) {
        return false;
    }
    if (cfg->data_dir[0] == '\0') {
        return fail("empty --data-dir", "give a directory for the KMS state");
    }
    if (cfg->store[0] == '\0' &&
        !join(cfg->store, sizeof(cfg->store), "sqlite:", cfg->data_dir, "kms.db")) {
        return fail("--data-dir is too long", "use a shorter path");
    }
    if ((cfg->jwks[0] == '\0') != (cfg->issuer[0] == '\0')) {
        return fail("--jwks and --issuer go together", "give both to accept user tokens");
    }
    if (cfg->audience[0] == '\0') {
        int n = snprintf(cfg->audience, sizeof(cfg->audience), "kms://%s", cfg->kms_name);
        if (n < 0 || (size_t)n >= sizeof(cfg->audience)) {
            return fail("--kms-name is too long", "use a shorter host name");
        }
    }
    if (cfg->workers > 64) {
        return fail("--workers is out of range", "use 0 to 64");
    }
    if (cfg->channel_ttl_s != 0 && (cfg->channel_ttl_s < 300 || cfg->channel_ttl_s > 86400)) {
        return fail("--channel-ttl is out of range", "use 300 to 86400 seconds");
    }
    if (cfg->static_key_bits != 2048 && cfg->static_key_bits != 3072) {
        return fail("--static-key-bits must be 2048 or 3072", "3072 is the default");
    }
    return true;
}
