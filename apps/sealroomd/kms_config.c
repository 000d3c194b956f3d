/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The option table of `sealroomd --role kms` and the `key = value` config file that uses the
 * same names. Each option is one row: its name, what it takes, where it goes, its help.
 */
#include "kms_config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum opt_kind {
    OPT_STR,
    OPT_FLAG,
    OPT_UINT,
};

struct opt {
    const char *name;
    enum opt_kind kind;
    size_t off;
    size_t cap;
    const char *arg;
    const char *help;
};

static const struct opt opts[] = {
    { "listen", OPT_STR, offsetof(struct kms_config, listen),
      sizeof(((struct kms_config *)0)->listen), "ADDR:PORT",
      "address to serve on (default 127.0.0.1:8443; port 0 picks a free port)" },
    { "tls-cert", OPT_STR, offsetof(struct kms_config, tls_cert), KMS_PATH_MAX, "FILE",
      "PEM certificate chain, leaf first" },
    { "tls-key", OPT_STR, offsetof(struct kms_config, tls_key), KMS_PATH_MAX, "FILE",
      "PEM private key (without cert and key: a DEVELOPMENT self-signed pair in the data dir)" },
    { "plain-http", OPT_FLAG, offsetof(struct kms_config, plain_http), 0, NULL,
      "serve plain HTTP (tests only; loopback addresses only)" },
    { "data-dir", OPT_STR, offsetof(struct kms_config, data_dir), KMS_PATH_MAX, "DIR",
      "state directory, created 0700 (default /var/lib/sealroom/kms)" },
    { "store", OPT_STR, offsetof(struct kms_config, store), KMS_PATH_MAX, "URL",
      "sqlite:PATH or postgres://... (default sqlite:DATA_DIR/kms.db)" },
    { "kms-name", OPT_STR, offsetof(struct kms_config, kms_name), 256, "HOST",
      "the KMS name: objects are kms://HOST/... (default localhost)" },
    { "region", OPT_STR, offsetof(struct kms_config, region), 64, "NAME",
      "this deployment's region (default local)" },
    { "node", OPT_STR, offsetof(struct kms_config, node), 64, "ID",
      "this node's audit chain id, one per running node on a shared store (default node1)" },
    { "cmk-provider", OPT_STR, offsetof(struct kms_config, cmk_provider), 16, "pkcs11|file",
      "where the Customer Main Keys live (default pkcs11)" },
    { "pkcs11-module", OPT_STR, offsetof(struct kms_config, pkcs11_module), KMS_PATH_MAX, "FILE",
      "PKCS#11 module (default: SoftHSM2's)" },
    { "pkcs11-token", OPT_STR, offsetof(struct kms_config, pkcs11_token), 64, "LABEL",
      "token label" },
    { "pkcs11-pin-file", OPT_STR, offsetof(struct kms_config, pkcs11_pin_file), KMS_PATH_MAX,
      "FILE", "file holding the user PIN" },
    { "allow-file-cmk", OPT_FLAG, offsetof(struct kms_config, allow_file_cmk), 0, NULL,
      "allow --cmk-provider file (DEVELOPMENT ONLY: CMKs in plain files)" },
    { "jwks", OPT_STR, offsetof(struct kms_config, jwks), KMS_PATH_MAX, "FILE",
      "identity provider keys (JWKS) for --issuer; a changed file is used within 1 s" },
    { "issuer", OPT_STR, offsetof(struct kms_config, issuer), 256, "ISS",
      "the trusted token issuer (iss)" },
    { "audience", OPT_STR, offsetof(struct kms_config, audience), 256, "AUD",
      "token audience (default kms://HOST)" },
    { "port-file", OPT_STR, offsetof(struct kms_config, port_file), KMS_PATH_MAX, "FILE",
      "write the bound port there once listening" },
    { "workers", OPT_UINT, offsetof(struct kms_config, workers), 0, "N",
      "request threads, 0-64 (default 8: requests waiting for their audit row's fsync "
      "share it, so more threads than cores pay off)" },
    { "channel-ttl", OPT_UINT, offsetof(struct kms_config, channel_ttl_s), 0, "SECONDS",
      "lifetime of a client channel, 300-86400 (default 3600)" },
    { "channels-max", OPT_UINT, offsetof(struct kms_config, channels_max), 0, "N",
      "live channels kept in memory (default 4096)" },
    { "channel-key-file", OPT_STR, offsetof(struct kms_config, channel_key_file), KMS_PATH_MAX,
      "FILE",
      "32-byte deployment channel key shared by every node (0600): channels then live "
      "in the store and survive restarts (default: in memory)" },
    { "service-ca", OPT_STR, offsetof(struct kms_config, service_ca), KMS_PATH_MAX, "FILE",
      "PEM CA certificates that service credentials (x5c) must chain to, and any CRLs "
      "(then every issuer needs a current one); without it service principals are refused" },
    { "static-cert", OPT_STR, offsetof(struct kms_config, static_cert), KMS_PATH_MAX, "FILE",
      "PEM certificate chain (leaf first) of the current static key, published as its x5c "
      "(default: a self-issued DEVELOPMENT certificate DATA_DIR/static-N.pem)" },
    { "handshakes-per-min", OPT_UINT, offsetof(struct kms_config, handshakes_per_min), 0, "N",
      "handshakes per principal per minute (default 60)" },
    { "requests-per-s", OPT_UINT, offsetof(struct kms_config, requests_per_s), 0, "N",
      "requests per principal per second (default 100)" },
    { "sweep-interval", OPT_UINT, offsetof(struct kms_config, sweep_interval_s), 0, "SECONDS",
      "run the retention sweeper this often; 0 turns it off (default 300)" },
    { "static-key-bits", OPT_UINT, offsetof(struct kms_config, static_key_bits), 0, "BITS",
      "size of a new static RSA key: 3072 (default) or 2048" },
    { "rotate-static-key", OPT_FLAG, offsetof(struct kms_config, rotate_static_key), 0, NULL,
      "make a new static key at this start; the previous one answers handshakes for 24 h more "
      "(give it once, not in a config file)" },
    { "config", OPT_STR, offsetof(struct kms_config, config), KMS_PATH_MAX, "FILE",
      "read settings from FILE (command-line options win)" },
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* "  LEFT  help..." with the help wrapped at word boundaries to fit 80 columns. */
static void print_wrapped(FILE *out, const char *left, const char *help)
{
    const int indent = 28, width = 80 - indent;
    fprintf(out, "  %-*s", indent - 2, left);
    if ((int)strlen(left) > indent - 3) {
        fprintf(out, "\n%*s", indent, "");
    }
    while ((int)strlen(help) > width) {
        int cut = width;
        while (cut > 0 && help[cut] != ' ') {
            cut--;
        }
        cut = cut > 0 ? cut : width;
        fprintf(out, "%.*s\n%*s", cut, help, indent, "");
        help += cut + (help[cut] == ' ');
    }
    fprintf(out, "%s\n", help);
}

void kms_config_usage(FILE *out)
{
    fprintf(out, "usage: sealroomd --role kms [options]\n\n"
                 "The Key Management Service: HTTPS on --listen, GET /kms/v1/details and\n"
                 "POST /kms/v1/messages. Stops cleanly on SIGINT or SIGTERM.\n\n"
                 "options:\n");
    for (size_t i = 0; i < N_OPTS; i++) {
        char left[64];
        (void)snprintf(left, sizeof(left), "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                       opts[i].arg ? opts[i].arg : "");
        print_wrapped(out, left, opts[i].help);
    }
    print_wrapped(out, "--help", "show this help");
    fprintf(out, "\nconfig file: one `key = value` per line, keys as the options without the\n"
                 "dashes (`listen = 0.0.0.0:8443`, `allow-file-cmk = true`); `_` may stand for\n"
                 "`-` and a `kms.` prefix is allowed; `#` starts a comment.\n"
                 "\nfiles in the data dir: kms.db (default store), static-N.jwk (the static\n"
                 "RSA keys, 0600; the highest N is current), static-N.pem (their development\n"
                 "certificates), audit.key (0600), cmk/ (file CMKs), tls-cert.pem and\n"
                 "tls-key.pem (the development certificate).\n");
}

static const struct opt *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) {
            return &opts[i];
        }
    }
    return NULL;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
            *out = strcmp(v, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

/* Store `value` for `o`; `where` names the source in messages. */
static bool set_opt(struct kms_config *cfg, const struct opt *o, const char *value,
                    const char *where)
{
    char *field = (char *)cfg + o->off;
    switch (o->kind) {
    case OPT_STR:
        if (value == NULL || strlen(value) >= o->cap) {
            fprintf(stderr, "sealroomd: %s: %s for %s\n", where,
                    value == NULL ? "missing value" : "value too long", o->name);
            return false;
        }
        memcpy(field, value, strlen(value) + 1);
        return true;
    case OPT_FLAG:
        if (value != NULL && !parse_bool(value, (bool *)(void *)field)) {
            fprintf(stderr, "sealroomd: %s: %s takes true or false\n", where, o->name);
            return false;
        }
        if (value == NULL) {
            *(bool *)(void *)field = true;
        }
        return true;
    case OPT_UINT: {
        char *end = NULL;
        errno = 0;
        unsigned long n = value != NULL ? strtoul(value, &end, 10) : 0;
        if (value == NULL || *value == '\0' || *end != '\0' || errno != 0 || n > 1000000) {
            fprintf(stderr, "sealroomd: %s: %s takes a number\n", where, o->name);
            return false;
        }
        *(unsigned *)(void *)field = (unsigned)n;
        return true;
    }
    default:
        return false;
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

/* One `key = value` line; the key may use `_` and a `kms.` prefix. */
static bool config_line(struct kms_config *cfg, char *line, const char *where)
{
    char *hash = strchr(line, '#');
    if (hash != NULL) {
        *hash = '\0';
    }
    char *s = trim(line);
    if (*s == '\0') {
        return true;
    }
    char *eq = strchr(s, '=');
    if (eq == NULL) {
        fprintf(stderr, "sealroomd: %s: expected `key = value`\n", where);
        return false;
    }
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    if (strncmp(key, "kms.", 4) == 0) {
        key += 4;
    }
    for (char *p = key; *p != '\0'; p++) {
        if (*p == '_') {
            *p = '-';
        }
    }
    const struct opt *o = find_opt(key, strlen(key));
    if (o == NULL || strcmp(o->name, "config") == 0) {
        fprintf(stderr, "sealroomd: %s: unknown setting `%s`\n", where, key);
        return false;
    }
    return set_opt(cfg, o, value, where);
}

static bool read_config(struct kms_config *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "sealroomd: cannot read config file %s: %s\n", path, strerror(errno));
        return false;
    }
    char line[2048], where[KMS_PATH_MAX + 32];
    bool ok = true;
    for (unsigned n = 1; ok && fgets(line, sizeof(line), f) != NULL; n++) {
        (void)snprintf(where, sizeof(where), "%s:%u", path, n);
        ok = config_line(cfg, line, where);
    }
    fclose(f);
    return ok;
}

static void set_defaults(struct kms_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    memcpy(cfg->listen, "127.0.0.1:8443", sizeof("127.0.0.1:8443"));
    memcpy(cfg->data_dir, "/var/lib/sealroom/kms", sizeof("/var/lib/sealroom/kms"));
    memcpy(cfg->kms_name, "localhost", sizeof("localhost"));
    memcpy(cfg->region, "local", sizeof("local"));
    memcpy(cfg->node, "node1", sizeof("node1"));
    memcpy(cfg->cmk_provider, "pkcs11", sizeof("pkcs11"));
    cfg->workers = 8;
    cfg->static_key_bits = 3072;
    cfg->sweep_interval_s = 300;
}

/* Split "--name=value" or "--name value"; *used says how many argv entries it took. */
static enum kms_config_outcome apply_arg(struct kms_config *cfg, int argc, char **argv, int i,
                                         int *used)
{
    const char *a = argv[i];
    *used = 1;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        kms_config_usage(stdout);
        return KMS_CONFIG_EXIT_OK;
    }
    const char *eq = strchr(a, '=');
    size_t len = eq != NULL ? (size_t)(eq - a) : strlen(a);
    const struct opt *o = strncmp(a, "--", 2) == 0 ? find_opt(a + 2, len - 2) : NULL;
    if (o == NULL) {
        fprintf(stderr, "sealroomd: unknown option %.*s (see sealroomd --role kms --help)\n",
                (int)len, a);
        return KMS_CONFIG_EXIT_USAGE;
    }
    const char *value = eq != NULL ? eq + 1 : NULL;
    if (value == NULL && o->kind != OPT_FLAG) {
        value = i + 1 < argc ? argv[i + 1] : NULL;
        *used = 2;
    }
    return set_opt(cfg, o, value, "command line") ? KMS_CONFIG_RUN : KMS_CONFIG_EXIT_USAGE;
}

enum kms_config_outcome kms_config_parse(int argc, char **argv, struct kms_config *cfg, bool serve)
{
    set_defaults(cfg);
    /* First pass: only --config (and --help), so the file is read before the overrides. */
    struct kms_config first;
    set_defaults(&first);
    for (int i = 0, used = 1; i < argc; i += used) {
        enum kms_config_outcome r = apply_arg(&first, argc, argv, i, &used);
        if (r != KMS_CONFIG_RUN) {
            return r;
        }
    }
    if (first.config[0] != '\0' && !read_config(cfg, first.config)) {
        return KMS_CONFIG_EXIT_USAGE;
    }
    for (int i = 0, used = 1; i < argc; i += used) {
        if (apply_arg(cfg, argc, argv, i, &used) != KMS_CONFIG_RUN) {
            return KMS_CONFIG_EXIT_USAGE;
        }
    }
    return kms_config_finish(cfg, serve) ? KMS_CONFIG_RUN : KMS_CONFIG_EXIT_USAGE;
}
