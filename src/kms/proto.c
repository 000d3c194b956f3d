/* SPDX-License-Identifier: Apache-2.0 */
/*
 * KMS URIs, UUIDs, RFC 3339 times and typed JSON members (KMS.md §1, §2). Times are
 * converted with the proleptic Gregorian day count, so no libc time zone state is used.
 */
#include "kms/proto.h"

#include <stdio.h>
#include <string.h>

#include "crypto/rand.h"

#define SCHEME "kms://"

static bool copy_str(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap) {
        return false;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return true;
}

static bool segment_ok(const char *p, size_t n)
{
    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Strip "kms://<host>" when present; the rest must be a path. */
static sr_err strip_host(const char *host, const char *uri, const char **path)
{
    size_t sl = strlen(SCHEME);
    if (strncmp(uri, SCHEME, sl) == 0) {
        const char *h = uri + sl;
        const char *slash = strchr(h, '/');
        size_t hl = slash != NULL ? (size_t)(slash - h) : strlen(h);
        if (hl != strlen(host) || strncmp(h, host, hl) != 0) {
            return SR_ERR_WRONG_GROUP;
        }
        SR_CHECK(slash != NULL, SR_ERR_DECODE);
        *path = slash;
        return SR_OK;
    }
    SR_CHECK(uri[0] == '/', SR_ERR_DECODE);
    *path = uri;
    return SR_OK;
}

static sr_err parse_query(const char *q, struct sr_kms_uri *out)
{
    static const char key[] = "authId=";
    SR_CHECK(strncmp(q, key, sizeof(key) - 1) == 0, SR_ERR_DECODE);
    q += sizeof(key) - 1;
    SR_CHECK(*q != '\0' && strchr(q, '&') == NULL, SR_ERR_DECODE);
    SR_CHECK(copy_str(out->auth_id, sizeof(out->auth_id), q, strlen(q)), SR_ERR_DECODE);
    out->has_query = true;
    return SR_OK;
}

sr_err sr_kms_uri_parse(const char *host, const char *uri, struct sr_kms_uri *out)
{
    const char *path = NULL;
    memset(out, 0, sizeof(*out));
    SR_CHECK(host != NULL && uri != NULL, SR_ERR_ARG);
    SR_TRY(strip_host(host, uri, &path));
    const char *q = strchr(path, '?');
    size_t plen = q != NULL ? (size_t)(q - path) : strlen(path);
    char *dst[3] = { out->col, out->id, out->sub };
    size_t cap[3] = { sizeof(out->col), sizeof(out->id), sizeof(out->sub) };
    size_t nseg = 0, i = 0;
    while (i < plen) {
        SR_CHECK(path[i] == '/' && nseg < 3, SR_ERR_DECODE);
        size_t start = ++i;
        while (i < plen && path[i] != '/') {
            i++;
        }
        SR_CHECK(segment_ok(path + start, i - start), SR_ERR_DECODE);
        SR_CHECK(copy_str(dst[nseg], cap[nseg], path + start, i - start), SR_ERR_DECODE);
        nseg++;
    }
    SR_CHECK(nseg > 0, SR_ERR_DECODE);
    if (q != NULL) {
        SR_TRY(parse_query(q + 1, out));
    }
    int n = snprintf(out->shape, sizeof(out->shape), "%s%s%s%s", out->col, nseg > 1 ? "/+" : "",
                     nseg > 2 ? "/" : "", out->sub);
    SR_CHECK(n > 0 && (size_t)n < sizeof(out->shape), SR_ERR_DECODE);
    return SR_OK;
}

sr_err sr_kms_uri_make(const char *host, const char *col, const char *id, char out[SR_STORE_ID_MAX])
{
    int n = snprintf(out, SR_STORE_ID_MAX, SCHEME "%s/%s/%s", host, col, id);
    SR_CHECK(n > 0 && n < SR_STORE_ID_MAX, SR_ERR_LIMIT);
    return SR_OK;
}

sr_err sr_kms_uri_canonical(const char *host, const char *col, const char *uri,
                            char out[SR_STORE_ID_MAX])
{
    struct sr_kms_uri u;
    SR_TRY(sr_kms_uri_parse(host, uri, &u));
    SR_CHECK(strcmp(u.col, col) == 0 && u.id[0] != '\0' && u.sub[0] == '\0' && !u.has_query,
             SR_ERR_DECODE);
    return sr_kms_uri_make(host, col, u.id, out);
}

sr_err sr_kms_uuid(char out[SR_KMS_UUID_LEN])
{
    uint8_t b[16];
    SR_TRY(sr_rand_bytes(b, sizeof(b)));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    (void)snprintf(out, SR_KMS_UUID_LEN,
                   "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                   b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                   b[14], b[15]);
    return SR_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

sr_err sr_kms_time_format(int64_t ms, char out[SR_KMS_TIME_LEN])
{
    SR_CHECK(ms >= 0 && ms < (int64_t)253402300800000, SR_ERR_ARG);
    int64_t days = ms / 86400000, rem = ms % 86400000, y, m, d;
    civil_from_days(days, &y, &m, &d);
    /* Each field is reduced to its width so the output provably fits. */
    (void)snprintf(out, SR_KMS_TIME_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
                   (unsigned)(y % 10000), (unsigned)(m % 100), (unsigned)(d % 100),
                   (unsigned)(rem / 3600000 % 100), (unsigned)(rem / 60000 % 60),
                   (unsigned)(rem / 1000 % 60), (unsigned)(rem % 1000));
    return SR_OK;
}

sr_err sr_kms_period(int64_t ms, const char *unit, char out[SR_KMS_PERIOD_LEN], int64_t *end)
{
    SR_CHECK(ms >= 0 && ms < (int64_t)253402300800000, SR_ERR_ARG);
    int64_t days = ms / 86400000, y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (strcmp(unit, "week") == 0) {
        /* Seven-day periods counted from the epoch, so every node agrees without a calendar. */
        int64_t w = days / 7;
        (void)snprintf(out, SR_KMS_PERIOD_LEN, "w%lld", (long long)w);
        *end = (w + 1) * 7 * 86400000;
    } else if (strcmp(unit, "quarter") == 0) {
        int64_t q = (m - 1) / 3;
        (void)snprintf(out, SR_KMS_PERIOD_LEN, "%04u-Q%u", (unsigned)(y % 10000),
                       (unsigned)(q + 1));
        *end = q == 3 ? days_from_civil(y + 1, 1, 1) * 86400000
                      : days_from_civil(y, q * 3 + 4, 1) * 86400000;
    } else {
        SR_CHECK(strcmp(unit, "month") == 0, SR_ERR_INVALID);
        (void)snprintf(out, SR_KMS_PERIOD_LEN, "%04u-%02u", (unsigned)(y % 10000),
                       (unsigned)(m % 100));
        *end = m == 12 ? days_from_civil(y + 1, 1, 1) * 86400000
                       : days_from_civil(y, m + 1, 1) * 86400000;
    }
    return SR_OK;
}

/* Read exactly n decimal digits. */
static bool digits(const char **p, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c) {
        return false;
    }
    (*p)++;
    return true;
}

/* The fraction (any number of digits, kept to ms) and the zone, as an offset in ms. */
static bool tail(const char **p, int64_t *frac_ms, int64_t *offset_ms)
{
    int64_t f = 0, scale = 100, oh, om;
    if (**p == '.') {
        (*p)++;
        if (**p < '0' || **p > '9') {
            return false;
        }
        while (**p >= '0' && **p <= '9') {
            f += (**p - '0') * scale;
            scale /= 10;
            (*p)++;
        }
    }
    *frac_ms = f;
    char z = **p;
    if (z == 'Z' || z == 'z') {
        (*p)++;
        *offset_ms = 0;
        return true;
    }
    if (z != '+' && z != '-') {
        return false;
    }
    (*p)++;
    if (!digits(p, 2, &oh) || !expect(p, ':') || !digits(p, 2, &om) || oh > 23 || om > 59) {
        return false;
    }
    *offset_ms = (oh * 60 + om) * 60000 * (z == '-' ? -1 : 1);
    return true;
}

sr_err sr_kms_time_parse(const char *s, int64_t *ms)
{
    int64_t y, mo, d, h, mi, se, frac, off;
    const char *p = s;
    bool ok = digits(&p, 4, &y) && expect(&p, '-') && digits(&p, 2, &mo) && expect(&p, '-') &&
              digits(&p, 2, &d) && (*p == 'T' || *p == 't') && (p++, true) && digits(&p, 2, &h) &&
              expect(&p, ':') && digits(&p, 2, &mi) && expect(&p, ':') && digits(&p, 2, &se) &&
              tail(&p, &frac, &off) && *p == '\0';
    SR_CHECK(ok, SR_ERR_DECODE);
    SR_CHECK(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60,
             SR_ERR_DECODE);
    int64_t t = days_from_civil(y, mo, d) * 86400000 + ((h * 60 + mi) * 60 + se) * 1000 + frac;
    *ms = t - off;
    return SR_OK;
}

sr_err sr_kms_json_str(const json_t *obj, const char *name, size_t max_len, const char **out)
{
    *out = NULL;
    const json_t *v = json_object_get(obj, name);
    if (v == NULL) {
        return SR_OK;
    }
    SR_CHECK(json_is_string(v), SR_ERR_DECODE);
    size_t n = json_string_length(v);
    SR_CHECK(n > 0 && n <= max_len && strlen(json_string_value(v)) == n, SR_ERR_DECODE);
    *out = json_string_value(v);
    return SR_OK;
}

sr_err sr_kms_json_int(const json_t *obj, const char *name, int64_t *out, bool *present)
{
    *present = false;
    *out = 0;
    const json_t *v = json_object_get(obj, name);
    if (v == NULL) {
        return SR_OK;
    }
    SR_CHECK(json_is_integer(v), SR_ERR_DECODE);
    *out = (int64_t)json_integer_value(v);
    *present = true;
    return SR_OK;
}

sr_err sr_kms_json_str_array(const json_t *obj, const char *name, size_t max_len,
                             const json_t **out)
{
    *out = NULL;
    const json_t *v = json_object_get(obj, name);
    if (v == NULL) {
        return SR_OK;
    }
    SR_CHECK(json_is_array(v), SR_ERR_DECODE);
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        SR_CHECK(json_is_string(e), SR_ERR_DECODE);
        size_t n = json_string_length(e);
        SR_CHECK(n > 0 && n <= max_len && strlen(json_string_value(e)) == n, SR_ERR_DECODE);
    }
    *out = v;
    return SR_OK;
}

sr_err sr_kms_json_put(json_t *obj, const char *name, json_t *value)
{
    SR_CHECK(value != NULL, SR_ERR_NOMEM);
    return json_object_set_new(obj, name, value) == 0 ? SR_OK : SR_ERR_NOMEM;
}

sr_err sr_kms_json_put_str(json_t *obj, const char *name, const char *value)
{
    return sr_kms_json_put(obj, name, json_string(value));
}

sr_err sr_kms_json_put_time(json_t *obj, const char *name, int64_t ms)
{
    char t[SR_KMS_TIME_LEN];
    if (ms == 0) {
        return SR_OK;
    }
    SR_TRY(sr_kms_time_format(ms, t));
    return sr_kms_json_put_str(obj, name, t);
}
