/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP/1.1 response parsing for the client (RFC 9112). Strict on purpose: anything a
 * lenient parser would have to guess at (bare LF, folded lines, two Content-Lengths that
 * disagree, both Content-Length and Transfer-Encoding) is an error, so a response can
 * never be read in two ways.
 */
#include "net/http_parse.h"

#include <string.h>

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field values and reason phrases: visible characters, SP, HT and obs-text; no CTLs. */
static bool is_vchar_or_ws(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static bool ieq(const uint8_t *p, size_t n, const char *s)
{
    size_t sl = strlen(s);
    if (n != sl) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower(p[i]) != lower((uint8_t)s[i])) {
            return false;
        }
    }
    return true;
}

sr_err sr_net_http_head_end(const uint8_t *p, size_t len, size_t *head_len)
{
    *head_len = 0;
    size_t lim = len < SR_NET_HTTP_MAX_HEAD ? len : SR_NET_HTTP_MAX_HEAD;
    for (size_t i = 3; i < lim; i++) {
        if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r') {
            *head_len = i + 1;
            return SR_OK;
        }
    }
    return len >= SR_NET_HTTP_MAX_HEAD ? SR_ERR_LIMIT : SR_OK;
}

/* One CRLF-terminated line starting at p[*pos]; the line excludes the CRLF. */
static sr_err next_line(const uint8_t *p, size_t len, size_t *pos, struct sr_slice *line)
{
    size_t i = *pos;
    while (i < len && p[i] != '\n') {
        i++;
    }
    /* RFC 9112 §2.2: a bare LF is not accepted here. */
    if (i >= len || i == *pos || p[i - 1] != '\r') {
        return SR_ERR_DECODE;
    }
    *line = sr_slice_of(p + *pos, i - 1 - *pos);
    *pos = i + 1;
    return SR_OK;
}

/* RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase]. */
static sr_err parse_status(struct sr_slice l, int *status, bool *http10)
{
    static const char v11[] = "HTTP/1.1 ", v10[] = "HTTP/1.0 ";
    SR_CHECK(l.len >= 12, SR_ERR_DECODE);
    if (memcmp(l.p, v11, 9) == 0) {
        *http10 = false;
    } else if (memcmp(l.p, v10, 9) == 0) {
        *http10 = true;
    } else {
        return SR_ERR_DECODE;
    }
    int s = 0;
    for (size_t i = 9; i < 12; i++) {
        SR_CHECK(l.p[i] >= '0' && l.p[i] <= '9', SR_ERR_DECODE);
        s = s * 10 + (l.p[i] - '0');
    }
    SR_CHECK(s >= 100, SR_ERR_DECODE);
    SR_CHECK(l.len == 12 || l.p[12] == ' ', SR_ERR_DECODE);
    for (size_t i = 12; i < l.len; i++) {
        SR_CHECK(is_vchar_or_ws(l.p[i]), SR_ERR_DECODE);
    }
    *status = s;
    return SR_OK;
}

/* Split "name: value" and trim the optional whitespace around the value. */
static sr_err split_field(struct sr_slice l, struct sr_slice *name, struct sr_slice *value)
{
    size_t i = 0;
    while (i < l.len && l.p[i] != ':') {
        /* RFC 9112 §5.1: no whitespace between name and colon; §5.2: no obs-fold. */
        SR_CHECK(is_tchar(l.p[i]), SR_ERR_DECODE);
        i++;
    }
    SR_CHECK(i > 0 && i < l.len, SR_ERR_DECODE);
    *name = sr_slice_of(l.p, i);
    size_t b = i + 1, e = l.len;
    while (b < e && (l.p[b] == ' ' || l.p[b] == '\t')) {
        b++;
    }
    while (e > b && (l.p[e - 1] == ' ' || l.p[e - 1] == '\t')) {
        e--;
    }
    for (size_t k = b; k < e; k++) {
        SR_CHECK(is_vchar_or_ws(l.p[k]), SR_ERR_DECODE);
    }
    *value = sr_slice_of(l.p + b, e - b);
    return SR_OK;
}

static sr_err parse_length(struct sr_slice v, uint64_t *out)
{
    uint64_t n = 0;
    SR_CHECK(v.len > 0 && v.len <= 18, SR_ERR_DECODE);
    for (size_t i = 0; i < v.len; i++) {
        SR_CHECK(v.p[i] >= '0' && v.p[i] <= '9', SR_ERR_DECODE);
        n = n * 10 + (uint64_t)(v.p[i] - '0');
    }
    *out = n;
    return SR_OK;
}

/* Apply one header to the framing state. */
static sr_err apply_field(struct sr_slice n, struct sr_slice v, struct sr_net_http_head *h,
                          bool *has_len, bool *has_te)
{
    if (ieq(n.p, n.len, "content-length")) {
        uint64_t len;
        SR_TRY(parse_length(v, &len));
        SR_CHECK(!*has_len || len == h->content_length, SR_ERR_DECODE);
        *has_len = true;
        h->content_length = len;
    } else if (ieq(n.p, n.len, "transfer-encoding")) {
        SR_CHECK(!*has_te, SR_ERR_DECODE);
        SR_CHECK(ieq(v.p, v.len, "chunked"), SR_ERR_UNSUPPORTED);
        *has_te = true;
    } else if (ieq(n.p, n.len, "connection")) {
        if (ieq(v.p, v.len, "close")) {
            h->keep_alive = false;
        } else if (ieq(v.p, v.len, "keep-alive")) {
            h->keep_alive = true;
        }
    }
    return SR_OK;
}

sr_err sr_net_http_head_parse(const uint8_t *p, size_t len, bool head_request,
                              struct sr_net_http_head *out)
{
    struct sr_net_http_head h = { 0 };
    struct sr_slice line, name, value;
    size_t pos = 0, count = 0;
    bool http10 = false, has_len = false, has_te = false;

    memset(out, 0, sizeof(*out));
    SR_TRY(next_line(p, len, &pos, &line));
    SR_TRY(parse_status(line, &h.status, &http10));
    h.keep_alive = !http10;
    for (;;) {
        SR_CHECK(pos + 2 <= len, SR_ERR_DECODE);
        if (p[pos] == '\r' && p[pos + 1] == '\n') {
            pos += 2;
            break;
        }
        SR_CHECK(++count <= SR_NET_HTTP_MAX_HEADERS, SR_ERR_LIMIT);
        SR_TRY(next_line(p, len, &pos, &line));
        SR_TRY(split_field(line, &name, &value));
        SR_TRY(apply_field(name, value, &h, &has_len, &has_te));
    }
    SR_CHECK(pos == len, SR_ERR_DECODE);
    /* RFC 9112 §6.1: a sender MUST NOT send Content-Length with Transfer-Encoding. */
    SR_CHECK(!(has_len && has_te), SR_ERR_DECODE);
    if (head_request || h.status < 200 || h.status == 204 || h.status == 304) {
        h.framing = SR_NET_HTTP_BODY_NONE;
    } else if (has_te) {
        h.framing = SR_NET_HTTP_BODY_CHUNKED;
    } else if (has_len) {
        h.framing = SR_NET_HTTP_BODY_LENGTH;
    } else {
        h.framing = SR_NET_HTTP_BODY_EOF;
        h.keep_alive = false;
    }
    *out = h;
    return SR_OK;
}

sr_err sr_net_http_head_find(const uint8_t *p, size_t len, const char *name, struct sr_slice *value)
{
    struct sr_slice line, n, v;
    size_t pos = 0;

    *value = sr_slice_of(NULL, 0);
    SR_TRY(next_line(p, len, &pos, &line)); /* status line */
    while (pos + 2 <= len && !(p[pos] == '\r' && p[pos + 1] == '\n')) {
        SR_TRY(next_line(p, len, &pos, &line));
        SR_TRY(split_field(line, &n, &v));
        if (ieq(n.p, n.len, name)) {
            *value = v;
            return SR_OK;
        }
    }
    return SR_ERR_NOT_FOUND;
}
