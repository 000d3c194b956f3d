/* SPDX-License-Identifier: Apache-2.0 */
/*
 * URL parsing for the HTTP and WebSocket clients. Deliberately narrow: only what a
 * Sealroom base URL or endpoint looks like, and every character that could split a
 * request line or header (space, CR, LF, controls) is refused.
 */
#include "net/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "scheme://" prefix: sets *tls and returns the rest, or NULL. */
static const char *scheme(const char *url, const char *secure, const char *plain, bool *tls)
{
    size_t sl = strlen(secure), pl = strlen(plain);
    if (strncmp(url, secure, sl) == 0 && strncmp(url + sl, "://", 3) == 0) {
        *tls = true;
        return url + sl + 3;
    }
    if (strncmp(url, plain, pl) == 0 && strncmp(url + pl, "://", 3) == 0) {
        *tls = false;
        return url + pl + 3;
    }
    return NULL;
}

static bool visible(const char *s)
{
    for (; *s != 0; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return false;
        }
    }
    return true;
}

static sr_err parse_port(const char *p, bool tls, struct sr_net_url *u, const char **rest)
{
    const char *port = tls ? "443" : "80";
    size_t pl = 3;
    if (*p == ':') {
        port = p + 1;
        pl = strspn(port, "0123456789");
        SR_CHECK(pl > 0 && pl < 6, SR_ERR_ARG);
        *rest = port + pl;
    } else {
        pl = strlen(port);
        *rest = p;
    }
    memcpy(u->port, port, pl);
    u->port[pl] = 0;
    unsigned long pn = strtoul(u->port, NULL, 10);
    SR_CHECK(pn > 0 && pn <= 65535, SR_ERR_ARG);
    return SR_OK;
}

sr_err sr_net_url_parse(const char *url, const char *secure, const char *plain, bool with_path,
                        struct sr_net_url *out)
{
    struct sr_net_url u;
    const char *p, *hb, *he, *rest;

    memset(out, 0, sizeof(*out));
    memset(&u, 0, sizeof(u));
    SR_CHECK(url != NULL && visible(url), SR_ERR_ARG);
    p = scheme(url, secure, plain, &u.tls);
    SR_CHECK(p != NULL, SR_ERR_ARG);
    if (*p == '[') {
        hb = p + 1;
        he = strchr(hb, ']');
        SR_CHECK(he != NULL, SR_ERR_ARG);
        p = he + 1;
    } else {
        hb = p;
        he = p + strcspn(p, ":/");
        p = he;
    }
    size_t hl = (size_t)(he - hb);
    SR_CHECK(hl > 0 && hl < sizeof(u.host), SR_ERR_ARG);
    memcpy(u.host, hb, hl);
    SR_CHECK(strcspn(u.host, "/@?#[]") == hl, SR_ERR_ARG);
    SR_TRY(parse_port(p, u.tls, &u, &rest));
    if (*rest == 0 || (rest[0] == '/' && rest[1] == 0)) {
        memcpy(u.path, "/", 2);
    } else {
        SR_CHECK(with_path && rest[0] == '/' && strlen(rest) < sizeof(u.path), SR_ERR_ARG);
        SR_CHECK(strchr(rest, '#') == NULL, SR_ERR_ARG);
        memcpy(u.path, rest, strlen(rest) + 1);
    }
    bool v6 = strchr(u.host, ':') != NULL;
    snprintf(u.hostport, sizeof(u.hostport), "%s%s%s:%s", v6 ? "[" : "", u.host, v6 ? "]" : "",
             u.port);
    *out = u;
    return SR_OK;
}
