#include "faketls.h"

#include "../../src/internal.h" /* gf_wait_ms, as a real TLS glue takes it */

#include <string.h>

static faketls *self(struct gf_tls *t) { return (faketls *)(void *)t; }

static gf_status ft_open(struct gf_tls *tls, const gf_port *port, int32_t handle,
                         const char *host, uint16_t tcp_port, uint32_t idle_ms,
                         uint64_t deadline_at)
{
    faketls *t = self(tls);
    (void)idle_ms;
    (void)deadline_at;
    (void)tcp_port;
    t->opens++;
    strncpy(t->host, host, sizeof(t->host) - 1);
    t->port = port;
    t->handle = handle;
    t->base.reconnect = t->reconnects > 0;
    if (t->reconnects > 0) {
        t->reconnects--;
        return GF_E_TLS_SIGNATURE;
    }
    return t->fail_open;
}

static gf_status code(int32_t r)
{
    return r == GF_PORT_E_TIMEOUT ? GF_E_IDLE_TIMEOUT : r == GF_PORT_E_RESET ? GF_E_RESET : GF_E_NETWORK;
}

static gf_status ft_send(struct gf_tls *tls, const unsigned char *buf, size_t len, size_t *sent,
                         uint32_t idle_ms, uint64_t deadline_at)
{
    faketls *t = self(tls);
    (void)deadline_at;
    int32_t r = t->port->send(t->port->ctx, t->handle, buf, len, idle_ms);
    if (r <= 0)
        return code(r);
    *sent = (size_t)r;
    return GF_OK;
}

static gf_status ft_recv(struct gf_tls *tls, unsigned char *buf, size_t cap, size_t *got,
                         uint32_t idle_ms, uint64_t deadline_at)
{
    faketls *t = self(tls);
    int32_t r = t->port->recv(t->port->ctx, t->handle, buf, cap,
                              gf_wait_ms(t->port, idle_ms, deadline_at));
    if (r < 0)
        return code(r);
    *got = (size_t)r;
    return GF_OK;
}

static void ft_close(struct gf_tls *tls, bool graceful)
{
    (void)graceful;
    self(tls)->closes++;
}

static const char *ft_describe(struct gf_tls *tls)
{
    (void)tls;
    return "fake TLS";
}

static const gf_secure_ops ops = {.open = ft_open, .send = ft_send, .recv = ft_recv,
                                  .close = ft_close, .describe = ft_describe};

void faketls_init(faketls *t)
{
    memset(t, 0, sizeof(*t));
    t->base.ops = &ops;
}
