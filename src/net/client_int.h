/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private state of the HTTP client, shared by client.c (connections and requests) and
 * client_read.c (reading responses).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include <sealroom/net.h>

#include "net/io.h"
#include "net/url.h"

struct sr_net_client {
    struct sr_net_url url;
    SSL_CTX *ctx; /* NULL for http:// */
    SSL_SESSION *session;
    struct sr_net_io io;
    unsigned timeout_ms;
    size_t max_body;
    unsigned long connections;
    uint64_t last_used; /* when the connection last finished a request */
    struct sr_buf out;  /* the request being written */
    struct sr_buf in;   /* bytes read and not yet consumed */
    char detail[256];
};

/* Record `msg` as the failure detail and return `err`. */
sr_err sr_net_client_fail(struct sr_net_client *c, sr_err err, const char *msg);

/* The detail buffer as the transport wants it. */
struct sr_net_detail sr_net_client_detail(struct sr_net_client *c);

/*
 * Read one response to a request already sent. `*any` turns true once a byte arrived;
 * `*keep` says whether the connection may carry another request.
 */
sr_err sr_net_client_read_response(struct sr_net_client *c, bool head_req,
                                   struct sr_net_client_response *resp, uint64_t deadline,
                                   bool *any, bool *keep);
