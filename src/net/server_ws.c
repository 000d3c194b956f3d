/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebSocket connections on the server (RFC 6455 framing is libwebsockets' job). Upgrades
 * are accepted only on routes marked `ws`; fragments are reassembled into whole messages
 * up to max_ws_message; outgoing messages wait in a per-connection queue, bounded by
 * max_ws_queue bytes, and leave one per writeable callback as libwebsockets requires.
 */
#include <string.h>

#include "core/alloc.h"
#include "net/server_int.h"

struct ws_msg {
    struct ws_msg *next;
    size_t len;
    bool binary;
    uint8_t data[]; /* LWS_PRE bytes of headroom, then the message */
};

struct sr_net_ws_conn {
    struct lws *wsi;
    struct sr_net_server *srv;
    const struct sr_net_route_int *route;
    void *user;
    struct sr_buf rx;
    bool rx_binary;
    bool closing;
    struct ws_msg *head, *tail;
    size_t queued;
};

static const struct sr_net_route_int *route_of(struct sr_net_server *srv, struct lws *wsi)
{
    char path[SR_NET_MAX_PATH];
    bool matched;
    if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 0) {
        return NULL;
    }
    return sr_net_route_find(srv, path, "GET", true, &matched);
}

int sr_net_ws_filter(struct sr_net_server *srv, struct lws *wsi)
{
    return route_of(srv, wsi) != NULL ? 0 : -1;
}

int sr_net_ws_established(struct sr_net_server *srv, struct lws *wsi, struct sr_net_pss *pss)
{
    const struct sr_net_route_int *route = route_of(srv, wsi);
    if (route == NULL || pss == NULL) {
        return -1;
    }
    struct sr_net_ws_conn *c = sr_calloc(1, sizeof(*c));
    if (c == NULL) {
        return -1;
    }
    c->wsi = wsi;
    c->srv = srv;
    c->route = route;
    sr_buf_init(&c->rx, srv->max_ws_message, 0);
    pss->ws = c;
    if (route->ws->on_open != NULL && route->ws->on_open(route->arg, c) != SR_OK) {
        return -1; /* LWS_CALLBACK_CLOSED follows and frees c */
    }
    return 0;
}

int sr_net_ws_receive(struct sr_net_pss *pss, const uint8_t *in, size_t len)
{
    struct sr_net_ws_conn *c = pss->ws;
    if (c == NULL) {
        return -1;
    }
    if (lws_is_first_fragment(c->wsi)) {
        sr_buf_reset(&c->rx);
        c->rx_binary = lws_frame_is_binary(c->wsi) != 0;
    }
    if (sr_buf_append(&c->rx, in, len) != SR_OK) {
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
        return -1;
    }
    if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi) != 0) {
        return 0;
    }
    const struct sr_net_ws_handlers *h = c->route->ws;
    sr_err err = SR_OK;
    if (h->on_message != NULL) {
        err = h->on_message(c->route->arg, c, c->rx.p, c->rx.len, c->rx_binary);
    }
    sr_buf_reset(&c->rx);
    if (err != SR_OK) {
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, NULL, 0);
        return -1;
    }
    return 0;
}

int sr_net_ws_writeable(struct sr_net_pss *pss)
{
    struct sr_net_ws_conn *c = pss->ws;
    if (c == NULL) {
        return -1;
    }
    struct ws_msg *m = c->head;
    if (m == NULL) {
        if (c->closing) {
            lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        return 0;
    }
    c->head = m->next;
    if (c->head == NULL) {
        c->tail = NULL;
    }
    c->queued -= m->len;
    int n = lws_write(c->wsi, m->data + LWS_PRE, m->len,
                      m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    bool ok = n >= (int)m->len;
    sr_free(m);
    if (!ok) {
        return -1;
    }
    if (c->head != NULL || c->closing) {
        lws_callback_on_writable(c->wsi);
    }
    return 0;
}

void sr_net_ws_closed(struct sr_net_pss *pss)
{
    struct sr_net_ws_conn *c = pss != NULL ? pss->ws : NULL;
    if (c == NULL) {
        return;
    }
    pss->ws = NULL;
    if (c->route->ws->on_close != NULL) {
        c->route->ws->on_close(c->route->arg, c);
    }
    while (c->head != NULL) {
        struct ws_msg *m = c->head;
        c->head = m->next;
        sr_free(m);
    }
    sr_buf_cleanup(&c->rx);
    sr_free(c);
}

sr_err sr_net_ws_conn_send(struct sr_net_ws_conn *c, const uint8_t *data, size_t len, bool binary)
{
    size_t size;
    SR_CHECK(c != NULL && (data != NULL || len == 0), SR_ERR_ARG);
    SR_CHECK(!c->closing, SR_ERR_STATE);
    SR_CHECK(len <= c->srv->max_ws_queue - c->queued, SR_ERR_LIMIT);
    SR_CHECK(sr_size_add(sizeof(struct ws_msg) + LWS_PRE, len, &size), SR_ERR_LIMIT);
    struct ws_msg *m = sr_malloc(size);
    SR_CHECK(m != NULL, SR_ERR_NOMEM);
    m->next = NULL;
    m->len = len;
    m->binary = binary;
    if (len > 0) {
        memcpy(m->data + LWS_PRE, data, len);
    }
    if (c->tail != NULL) {
        c->tail->next = m;
    } else {
        c->head = m;
    }
    c->tail = m;
    c->queued += len;
    lws_callback_on_writable(c->wsi);
    return SR_OK;
}

void sr_net_ws_conn_close(struct sr_net_ws_conn *c)
{
    if (c != NULL && !c->closing) {
        c->closing = true;
        lws_callback_on_writable(c->wsi);
    }
}

void sr_net_ws_conn_set_user(struct sr_net_ws_conn *c, void *user)
{
    c->user = user;
}

void *sr_net_ws_conn_get_user(const struct sr_net_ws_conn *c)
{
    return c->user;
}
