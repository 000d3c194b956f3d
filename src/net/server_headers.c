/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Header access for handlers: reading any request header by name, and adding response
 * header lines. Response lines are checked for CR, LF and stray colons so a value taken
 * from a request can never split the response (header injection).
 */
#include <string.h>
#include <strings.h>

#include "net/server_int.h"

/* Headers libwebsockets parses into its own slots; all others are "custom" headers. */
static const struct {
    const char *name;
    enum lws_token_indexes token;
} known[] = {
    { "accept", WSI_TOKEN_HTTP_ACCEPT },
    { "authorization", WSI_TOKEN_HTTP_AUTHORIZATION },
    { "connection", WSI_TOKEN_CONNECTION },
    { "content-length", WSI_TOKEN_HTTP_CONTENT_LENGTH },
    { "content-type", WSI_TOKEN_HTTP_CONTENT_TYPE },
    { "cookie", WSI_TOKEN_HTTP_COOKIE },
    { "host", WSI_TOKEN_HOST },
    { "origin", WSI_TOKEN_ORIGIN },
    { "user-agent", WSI_TOKEN_HTTP_USER_AGENT },
    { "x-forwarded-for", WSI_TOKEN_X_FORWARDED_FOR },
};

static bool lower_name(const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    if (n == 0 || n + 2 > cap) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    out[n] = 0;
    return true;
}

sr_err sr_net_http_request_header(const struct sr_net_http_request *req, const char *name,
                                  char *out, size_t cap)
{
    char lname[128];
    struct lws *wsi = req != NULL ? (struct lws *)req->conn : NULL;

    SR_CHECK(req != NULL && name != NULL && out != NULL && cap > 0 && cap < (1u << 30), SR_ERR_ARG);
    /* On a worker the connection may close under us: its header table is off limits. */
    SR_CHECK(wsi != NULL, SR_ERR_STATE);
    SR_CHECK(lower_name(name, lname, sizeof(lname) - 1), SR_ERR_ARG);
    out[0] = 0;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(known[i].name, lname) == 0) {
            int len = lws_hdr_total_length(wsi, known[i].token);
            SR_CHECK(len > 0, SR_ERR_NOT_FOUND);
            SR_CHECK((size_t)len < cap, SR_ERR_BUFFER_TOO_SMALL);
            SR_CHECK(lws_hdr_copy(wsi, out, (int)cap, known[i].token) >= 0,
                     SR_ERR_BUFFER_TOO_SMALL);
            return SR_OK;
        }
    }
    /* libwebsockets keeps custom header names with their colon. */
    size_t nl = strlen(lname);
    lname[nl] = ':';
    lname[nl + 1] = 0;
    int len = lws_hdr_custom_length(wsi, lname, (int)nl + 1);
    SR_CHECK(len >= 0, SR_ERR_NOT_FOUND);
    SR_CHECK((size_t)len < cap, SR_ERR_BUFFER_TOO_SMALL);
    SR_CHECK(lws_hdr_custom_copy(wsi, out, (int)cap, lname, (int)nl + 1) >= 0,
             SR_ERR_BUFFER_TOO_SMALL);
    return SR_OK;
}

sr_err sr_net_http_response_add_header(struct sr_net_http_response *resp, const char *name,
                                       const char *value)
{
    SR_CHECK(resp != NULL && name != NULL && value != NULL, SR_ERR_ARG);
    size_t nl = strlen(name), vl = strlen(value);
    SR_CHECK(nl > 0 && strcspn(name, "\r\n: \t") == nl, SR_ERR_INVALID);
    SR_CHECK(strcspn(value, "\r\n") == vl, SR_ERR_INVALID);
    /* Framing headers are the server's: a second Content-Length would split responses. */
    SR_CHECK(strcasecmp(name, "content-length") != 0 && strcasecmp(name, "connection") != 0 &&
                     strcasecmp(name, "transfer-encoding") != 0,
             SR_ERR_INVALID);
    size_t need = nl + 2 + vl + 2;
    SR_CHECK(need <= sizeof(resp->extra) - resp->extra_len, SR_ERR_LIMIT);
    char *p = resp->extra + resp->extra_len;
    memcpy(p, name, nl);
    memcpy(p + nl, ": ", 2);
    memcpy(p + nl + 2, value, vl);
    memcpy(p + nl + 2 + vl, "\r\n", 2);
    resp->extra_len += need;
    return SR_OK;
}
