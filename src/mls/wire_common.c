/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic vector-of-structs codec, uint16/uint32 lists and the _dup helper shared by the
 * RFC 9420 wire codecs (see wire_common.h for the conventions).
 */
#include "mls/wire_common.h"

#include <string.h>

#include "core/alloc.h"

/* Grow `*items` (capacity `*cap`) so it holds at least `need` items. */
static sr_err grow(const struct sr_mls_item_ops *ops, void **items, size_t *cap, size_t need)
{
    if (need <= *cap) {
        return SR_OK;
    }
    size_t ncap = *cap ? *cap * 2 : 4;
    size_t bytes;
    SR_CHECK(sr_size_mul(ncap, ops->size, &bytes), SR_ERR_LIMIT);
    uint8_t *p = sr_realloc(*items, bytes);
    SR_CHECK(p != NULL, SR_ERR_NOMEM);
    memset(p + *cap * ops->size, 0, (ncap - *cap) * ops->size);
    *items = p;
    *cap = ncap;
    return SR_OK;
}

sr_err sr_mls_vec_read_body(struct sr_reader *sub, const struct sr_mls_item_ops *ops, void **items,
                            size_t *count)
{
    void *arr = NULL;
    size_t n = 0, cap = 0;
    sr_err err = SR_OK;
    *items = NULL;
    *count = 0;
    while (sr_reader_left(sub) > 0) {
        if (n == ops->max_items) {
            err = SR_ERR_LIMIT;
            goto out;
        }
        err = grow(ops, &arr, &cap, n + 1);
        if (err != SR_OK) {
            goto out;
        }
        err = ops->read(sub, (uint8_t *)arr + n * ops->size);
        if (err != SR_OK) {
            goto out;
        }
        n++;
    }
    *items = arr;
    *count = n;
    return SR_OK;
out:
    sr_mls_vec_free(ops, arr, n);
    return err;
}

sr_err sr_mls_vec_read(struct sr_reader *r, size_t max, const struct sr_mls_item_ops *ops,
                       void **items, size_t *count)
{
    struct sr_reader sub;
    *items = NULL;
    *count = 0;
    SR_TRY(sr_read_vector_v(r, max, &sub));
    return sr_mls_vec_read_body(&sub, ops, items, count);
}

sr_err sr_mls_vec_write(struct sr_buf *w, const struct sr_mls_item_ops *ops, const void *items,
                        size_t count)
{
    struct sr_vec_mark mark;
    SR_TRY(sr_write_vector_begin(w, &mark));
    for (size_t i = 0; i < count; i++) {
        SR_TRY(ops->write((const uint8_t *)items + i * ops->size, w));
    }
    return sr_write_vector_end(w, &mark);
}

void sr_mls_vec_free(const struct sr_mls_item_ops *ops, void *items, size_t count)
{
    if (items == NULL) {
        return;
    }
    if (ops->cleanup != NULL) {
        for (size_t i = 0; i < count; i++) {
            ops->cleanup((uint8_t *)items + i * ops->size);
        }
    }
    sr_free(items);
}

static sr_err list_read(struct sr_reader *r, size_t max, size_t item, struct sr_slice *out)
{
    struct sr_slice s;
    SR_TRY(sr_read_opaque_v(r, max, &s));
    SR_CHECK(s.len % item == 0, SR_ERR_DECODE);
    *out = s;
    return SR_OK;
}

sr_err sr_mls_u16_list_read(struct sr_reader *r, size_t max, struct sr_slice *out)
{
    return list_read(r, max, 2, out);
}

sr_err sr_mls_u32_list_read(struct sr_reader *r, size_t max, struct sr_slice *out)
{
    return list_read(r, max, 4, out);
}

size_t sr_mls_u16_list_count(struct sr_slice list)
{
    return list.len / 2;
}

uint16_t sr_mls_u16_list_get(struct sr_slice list, size_t i)
{
    return (uint16_t)((unsigned)list.p[2 * i] << 8 | list.p[2 * i + 1]);
}

bool sr_mls_u16_list_has(struct sr_slice list, uint16_t v)
{
    for (size_t i = 0; i < sr_mls_u16_list_count(list); i++) {
        if (sr_mls_u16_list_get(list, i) == v) {
            return true;
        }
    }
    return false;
}

size_t sr_mls_u32_list_count(struct sr_slice list)
{
    return list.len / 4;
}

uint32_t sr_mls_u32_list_get(struct sr_slice list, size_t i)
{
    const uint8_t *p = list.p + 4 * i;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool sr_mls_is_grease(uint16_t v)
{
    /* RFC 9420 §13.5: 0x0A0A through 0xEAEA in steps of 0x1010. */
    return (v & 0x0f0f) == 0x0a0a && (v >> 12) == ((v >> 4) & 0xf) && v != 0xfafa;
}

sr_err sr_mls_dup_via(const void *src, void *dst, size_t dst_size, struct sr_buf *owned,
                      sr_mls_item_write_fn encode, sr_err (*decode)(struct sr_slice in, void *out))
{
    struct sr_buf tmp = { 0 };
    memset(dst, 0, dst_size);
    sr_err err = encode(src, &tmp);
    if (err == SR_OK) {
        err = decode(sr_buf_slice(&tmp), dst);
    }
    if (err != SR_OK) {
        sr_buf_cleanup(&tmp);
        return err;
    }
    *owned = tmp;
    return SR_OK;
}
