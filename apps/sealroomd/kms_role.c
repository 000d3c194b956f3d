/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroomd --role kms`: build the KMS from its settings and serve it until SIGINT or
 * SIGTERM. Start-up runs in the order each part needs the one before:
 *
 *   data dir -> TLS pair -> store (migrations, audit chain claim) -> CMK provider -> keys
 *     -> identity (JWKS) -> static key -> audit key -> engine -> HTTPS server -> port file
 *
 * and the stop undoes it in reverse, wiping the keys. The retention sweeper of KMS.md §9 is
 * not run here yet: the engine does not expose one.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "daemon.h"
#include "kms/p11.h"
#include "kms_daemon.h"
#include "kms_files.h"
#include "store/store_chain.h"

static struct sr_net_server *volatile running;

static void on_signal(int sig)
{
    (void)sig;
    if (running != NULL) {
        sr_net_server_stop(running);
    }
}

static bool install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    return sigaction(SIGINT, &sa, NULL) == 0 && sigaction(SIGTERM, &sa, NULL) == 0 &&
           sigaction(SIGPIPE, &ign, NULL) == 0;
}

static bool open_store(struct kms_daemon *d)
{
    sr_err err = sr_store_open(d->cfg.store, &d->store);
    if (err != SR_OK) {
        fprintf(stderr, "sealroomd: cannot open store %s: %s — %s\n", d->cfg.store, sr_err_str(err),
                err == SR_ERR_ARG ? "--store takes sqlite:PATH or postgres://..."
                                  : "check that --store names a reachable database (for "
                                    "sqlite, a writable directory; see --data-dir)");
        return false;
    }
    return true;
}

/* Each node writes its own audit chain: refuse a chain another running node holds. */
static bool claim_chain(struct kms_daemon *d)
{
    bool claimed = false;
    sr_err err = sr_store_chain_claim(d->store, d->cfg.node, &claimed);
    if (err != SR_OK) {
        fprintf(stderr, "sealroomd: cannot claim the audit chain %s: %s — check --node\n",
                d->cfg.node, sr_err_str(err));
        return false;
    }
    if (!claimed) {
        fprintf(stderr,
                "sealroomd: the audit chain %s is in use by another running node on this "
                "store — give every node its own --node ID\n",
                d->cfg.node);
    }
    return claimed;
}

static bool open_cmk(struct kms_daemon *d, const char *cmk_dir)
{
    sr_err err;
    if (strcmp(d->cfg.cmk_provider, "file") == 0) {
        err = sr_kms_cmk_provider_new_file(cmk_dir, d->cfg.allow_file_cmk, &d->cmk);
    } else {
        struct sr_kms_p11_config p = {
            .module = d->cfg.pkcs11_module[0] != '\0' ? d->cfg.pkcs11_module : NULL,
            .token_label = d->cfg.pkcs11_token,
            .pin_file = d->cfg.pkcs11_pin_file,
        };
        err = sr_kms_cmk_provider_new_pkcs11(&p, &d->cmk);
    }
    if (err == SR_OK) {
        return true;
    }
    const char *hint = err == SR_ERR_DENIED      ? "check the PIN in --pkcs11-pin-file"
                       : err == SR_ERR_NOT_FOUND ? "check --pkcs11-token"
                       : err == SR_ERR_IO        ? "check --pkcs11-module and that the token is up"
                                                 : "check --cmk-provider";
    fprintf(stderr, "sealroomd: cannot open the %s CMK provider: %s — %s\n", d->cfg.cmk_provider,
            sr_err_str(err), hint);
    return false;
}

static bool open_identity(struct kms_daemon *d)
{
    if (sr_kms_keywrap_new(SR_KMS_KEK_CACHE_DEFAULT, SR_KMS_KEK_CACHE_TTL_MS, &d->keywrap) !=
                SR_OK ||
        sr_kms_authn_new(d->cfg.audience, &d->authn) != SR_OK) {
        fprintf(stderr, "sealroomd: out of memory\n");
        return false;
    }
    if (d->cfg.jwks[0] == '\0') {
        fprintf(stderr, "sealroomd: warning: no --jwks/--issuer: every user token is refused\n");
        return true;
    }
    return kms_http_reload_jwks(d, true);
}

/* --service-ca: the CAs (and CRLs) service principals chain to (KMS.md §6). */
static bool open_services(struct kms_daemon *d)
{
    char *text = NULL;
    size_t len = 0;
    if (d->cfg.service_ca[0] == '\0') {
        return true;
    }
    if (!kms_files_read(d->cfg.service_ca, (size_t)1024 * 1024, false, &text, &len)) {
        fprintf(stderr, "sealroomd: cannot read --service-ca %s: %s\n", d->cfg.service_ca,
                strerror(errno));
        return false;
    }
    sr_err err = sr_kms_services_new(&d->services);
    if (err == SR_OK) {
        err = sr_kms_services_add_pem(d->services, sr_slice_of(text, len));
    }
    sr_free(text);
    if (err != SR_OK) {
        fprintf(stderr,
                "sealroomd: --service-ca %s: %s — it must hold PEM CA certificates (and "
                "optionally CRLs)\n",
                d->cfg.service_ca, sr_err_str(err));
        return false;
    }
    return true;
}

static bool load_channel_kek(struct kms_daemon *d)
{
    if (d->cfg.channel_key_file[0] == '\0') {
        return true;
    }
    d->has_channel_kek =
            kms_files_secret(d->cfg.channel_key_file, d->channel_kek, sizeof(d->channel_kek));
    if (!d->has_channel_kek) {
        fprintf(stderr,
                "sealroomd: cannot use --channel-key-file %s: it must be a 0600 file of "
                "exactly 32 bytes (e.g. head -c 32 /dev/urandom), the same on every node\n",
                d->cfg.channel_key_file);
    }
    return d->has_channel_kek;
}

static bool make_engine(struct kms_daemon *d)
{
    struct sr_kms_server_config c = {
        .host = d->cfg.kms_name,
        .region = d->cfg.region,
        .store = d->store,
        .cmk = d->cmk,
        .keywrap = d->keywrap,
        .authn = d->authn,
        .services = d->services,
        .static_key = d->statics.key,
        .static_kid = d->statics.kid,
        .static_jwk = d->statics.published,
        .previous_key = d->statics.prev,
        .previous_kid = d->statics.prev != NULL ? d->statics.prev_kid : NULL,
        .previous_until = d->statics.prev_until,
        .audit_key = sr_slice_of(d->audit_key, sizeof(d->audit_key)),
        .audit_chain = d->cfg.node,
        .channel_ttl_ms = (int64_t)d->cfg.channel_ttl_s * 1000,
        .channels_max = d->cfg.channels_max,
        .handshakes_per_min = d->cfg.handshakes_per_min,
        .requests_per_s = d->cfg.requests_per_s,
        .channel_kek = sr_slice_of(d->channel_kek, d->has_channel_kek ? sizeof(d->channel_kek) : 0),
    };
    sr_err err = sr_kms_server_new(&c, &d->engine);
    if (err != SR_OK) {
        fprintf(stderr,
                "sealroomd: cannot start the KMS engine: %s — check --kms-name, "
                "--region and --node\n",
                sr_err_str(err));
        return false;
    }
    return true;
}

static bool make_http(struct kms_daemon *d)
{
    struct sr_net_route routes[2];
    memcpy(routes, kms_http_routes, sizeof(routes));
    for (size_t i = 0; i < kms_http_n_routes; i++) {
        routes[i].arg = d;
    }
    struct sr_net_server_config c = {
        .address = d->cfg.address,
        .port = d->cfg.port,
        .cert_file = d->cfg.tls_cert,
        .key_file = d->cfg.tls_key,
        .plain_http = d->cfg.plain_http,
        .max_body = SR_KMS_BODY_MAX,
        .workers = d->cfg.workers,
        .routes = routes,
        .n_routes = kms_http_n_routes,
    };
    sr_err err = sr_net_server_new(&c, &d->http);
    if (err != SR_OK) {
        fprintf(stderr, "sealroomd: cannot listen on %s: %s — check --listen (in use?)%s\n",
                d->cfg.listen, sr_err_str(err),
                d->cfg.plain_http ? "" : ", --tls-cert and --tls-key");
        return false;
    }
    return true;
}

static bool announce(struct kms_daemon *d)
{
    uint16_t port = sr_net_server_port(d->http);
    bool v6 = strchr(d->cfg.address, ':') != NULL;
    printf("listening on %s%s%s:%u\n", v6 ? "[" : "", d->cfg.address, v6 ? "]" : "",
           (unsigned)port);
    fflush(stdout);
    if (d->cfg.port_file[0] == '\0') {
        return true;
    }
    char tmp[KMS_PATH_MAX + 8];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", d->cfg.port_file);
    FILE *f = fopen(tmp, "w");
    bool ok = f != NULL && fprintf(f, "%u\n", (unsigned)port) > 0;
    ok = (f != NULL && fclose(f) == 0) && ok && rename(tmp, d->cfg.port_file) == 0;
    if (!ok) {
        fprintf(stderr, "sealroomd: cannot write --port-file %s: %s\n", d->cfg.port_file,
                strerror(errno));
    }
    return ok;
}

static bool start(struct kms_daemon *d)
{
    char cmk_dir[KMS_PATH_MAX];
    return kms_files_prepare_dirs(&d->cfg, cmk_dir, sizeof(cmk_dir)) &&
           (!d->cfg.dev_cert || kms_files_dev_cert(&d->cfg)) && open_store(d) && claim_chain(d) &&
           open_cmk(d, cmk_dir) && open_identity(d) && open_services(d) &&
           kms_static_load(&d->cfg, kms_now_ms(), &d->statics) &&
           kms_files_audit_key(&d->cfg, d->audit_key) && load_channel_kek(d) && make_engine(d) &&
           make_http(d) && kms_sweeper_start(d) && (running = d->http, install_signals()) &&
           announce(d);
}

static void stop(struct kms_daemon *d)
{
    running = NULL;
    sr_net_server_free(d->http);
    kms_sweeper_stop(d);
    sr_kms_server_free(d->engine);
    kms_static_cleanup(&d->statics);
    sr_kms_authn_free(d->authn);
    sr_kms_services_free(d->services);
    sr_kms_keywrap_free(d->keywrap);
    sr_kms_cmk_provider_free(d->cmk);
    sr_store_close(d->store);
    sr_wipe(d->audit_key, sizeof(d->audit_key));
    sr_wipe(d->channel_kek, sizeof(d->channel_kek));
    if (d->cfg.port_file[0] != '\0') {
        (void)unlink(d->cfg.port_file);
    }
}

int role_kms_main(int argc, char **argv)
{
    static struct kms_daemon d;
    enum kms_config_outcome r = kms_config_parse(argc, argv, &d.cfg, true);
    if (r != KMS_CONFIG_RUN) {
        return r == KMS_CONFIG_EXIT_OK ? 0 : 2;
    }
    /* The data dir holds keys and the database: nothing made here is for other users. */
    (void)umask(077);
    pthread_mutex_init(&d.lock, NULL);
    pthread_mutex_init(&d.sweep_mu, NULL);
    pthread_cond_init(&d.sweep_cv, NULL);
    int status = 1;
    if (start(&d)) {
        sr_err err = sr_net_server_run(d.http);
        fprintf(stderr, "sealroomd: %s\n", err == SR_OK ? "stopping" : sr_err_str(err));
        status = err == SR_OK ? 0 : 1;
    }
    stop(&d);
    pthread_cond_destroy(&d.sweep_cv);
    pthread_mutex_destroy(&d.sweep_mu);
    pthread_mutex_destroy(&d.lock);
    return status;
}
