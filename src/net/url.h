/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Origins and paths of the URLs our clients accept: "scheme://host[:port][/path]", with
 * an IPv6 host in brackets. No user info, no fragment; the path may carry a query.
 */
#pragma once

#include <stdbool.h>

#include <sealroom/err.h>

struct sr_net_url {
    bool tls;
    char host[256];     /* without brackets */
    char port[8];       /* decimal, 1..65535 */
    char hostport[272]; /* for the Host header */
    char path[1024];    /* "/" when the URL has none */
};

/**
 * Parse `url` whose scheme is `secure` (TLS) or `plain`, e.g. "https"/"http". A path is
 * accepted only when `with_path`. SR_ERR_ARG for anything else.
 */
sr_err sr_net_url_parse(const char *url, const char *secure, const char *plain, bool with_path,
                        struct sr_net_url *out);
