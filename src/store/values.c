/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parameters and result columns of the store: constructors for the values bound to a
 * statement, and the strict readers that turn a column back into a record field. A column of
 * the wrong type or too long for its field is a store error, never a silent truncation.
 */
#include <string.h>

#include "store/store_int.h"

struct sr_store_val sr_sv_int(int64_t v)
{
    struct sr_store_val s = { SR_SV_INT, v, { NULL, 0 } };
    return s;
}

struct sr_store_val sr_sv_text(const char *s)
{
    struct sr_store_val v = { SR_SV_NULL, 0, { NULL, 0 } };
    if (s != NULL) {
        v.type = SR_SV_TEXT;
        v.b = sr_slice_of(s, strlen(s));
    }
    return v;
}

struct sr_store_val sr_sv_text_opt(const char *s)
{
    return sr_sv_text(s != NULL && *s != '\0' ? s : NULL);
}

struct sr_store_val sr_sv_time(int64_t ms)
{
    struct sr_store_val v = { SR_SV_NULL, 0, { NULL, 0 } };
    if (ms != 0) {
        v = sr_sv_int(ms);
    }
    return v;
}

struct sr_store_val sr_sv_bytes(const uint8_t *p, size_t n)
{
    struct sr_store_val v = { SR_SV_BLOB, 0, sr_slice_of(p, n) };
    return v;
}

struct sr_store_val sr_sv_blob(const struct sr_store_blob *b)
{
    struct sr_store_val v = { SR_SV_NULL, 0, { NULL, 0 } };
    if (b != NULL && b->present) {
        v = sr_sv_bytes(b->p, b->len);
    }
    return v;
}

sr_err sr_store_check_str(const char *s, size_t cap)
{
    SR_CHECK(s != NULL, SR_ERR_ARG);
    SR_CHECK(strnlen(s, cap) < cap, SR_ERR_LIMIT);
    return SR_OK;
}

sr_err sr_store_col_text(const struct sr_store_val *c, char *dst, size_t cap)
{
    if (c->type == SR_SV_NULL) {
        dst[0] = '\0';
        return SR_OK;
    }
    SR_CHECK(c->type == SR_SV_TEXT, SR_ERR_STORE);
    SR_CHECK(c->b.len < cap, SR_ERR_STORE);
    /* A text with an embedded NUL would read back shorter than it was written. */
    SR_CHECK(c->b.len == 0 || memchr(c->b.p, 0, c->b.len) == NULL, SR_ERR_STORE);
    if (c->b.len > 0) {
        memcpy(dst, c->b.p, c->b.len);
    }
    dst[c->b.len] = '\0';
    return SR_OK;
}

sr_err sr_store_col_int(const struct sr_store_val *c, int64_t *out)
{
    if (c->type == SR_SV_NULL) {
        *out = 0;
        return SR_OK;
    }
    SR_CHECK(c->type == SR_SV_INT, SR_ERR_STORE);
    *out = c->i;
    return SR_OK;
}

sr_err sr_store_col_blob(const struct sr_store_val *c, struct sr_store_blob *out)
{
    out->present = false;
    out->len = 0;
    if (c->type == SR_SV_NULL) {
        return SR_OK;
    }
    SR_CHECK(c->type == SR_SV_BLOB, SR_ERR_STORE);
    SR_CHECK(c->b.len <= sizeof(out->p), SR_ERR_STORE);
    if (c->b.len > 0) {
        memcpy(out->p, c->b.p, c->b.len);
    }
    out->len = c->b.len;
    out->present = true;
    return SR_OK;
}

sr_err sr_store_col_fixed(const struct sr_store_val *c, uint8_t *dst, size_t len)
{
    SR_CHECK(c->type == SR_SV_BLOB && c->b.len == len, SR_ERR_STORE);
    memcpy(dst, c->b.p, len);
    return SR_OK;
}
