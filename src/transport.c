/*
 * The transport: a byte stream over the port, plain or through the TLS
 * implementation's gf_secure_ops. The port's codes become gf_status here,
 * in one place; the TLS glue translates them for mbedTLS in its own.
 */
#include "http.h"

static const gf_secure_ops *secure_ops(const gf_http *h)
{
    return h->tls != NULL ? ((const gf_secure *)(const void *)h->tls)->ops : NULL;
}

static gf_status from_port(int32_t code, bool connecting)
{
    switch (code) {
    case GF_PORT_E_TIMEOUT:
        return connecting ? GF_E_CONNECT_TIMEOUT : GF_E_IDLE_TIMEOUT;
    case GF_PORT_E_RESET:
        return GF_E_RESET;
    case GF_PORT_E_REFUSED:
        return GF_E_CONNECT_REFUSED;
    case GF_PORT_E_DNS:
        return GF_E_DNS;
    case GF_PORT_E_RESOURCES:
        return GF_E_RESOURCES;
    default:
        return GF_E_NETWORK;
    }
}

/* The wait the port may take now: the idle timeout within the deadline. */
static uint32_t wait_ms(const gf_http *h)
{
    return gf_wait_ms(h->port, h->timeout_ms, h->deadline_at);
}

/* A port that keeps saying "would block" is waited out no longer than an
 * idle timeout. */
static bool waited_out(const gf_http *h, uint64_t since)
{
    return gf_waited_out(h->port, h->timeout_ms, h->deadline_at, since);
}

/* The caller asked to stop (gf_cancel_fn): checked before each connect and
 * each read, so a stop lands within one port timeout. */
static bool cancelled(const gf_http *h)
{
    return h->cancel != NULL && h->cancel(h->cancel_user);
}

gf_status gf_transport_connect(gf_http *h, const char *host, uint16_t port)
{
    if (cancelled(h))
        return GF_E_CANCELLED;
    int32_t r = h->port->connect(h->port->ctx, host, port, wait_ms(h));
    if (r < 0)
        return from_port(r, true);
    h->handle = r;
    h->open = true;
    h->secure = false;
    return GF_OK;
}

gf_status gf_transport_start_tls(gf_http *h, const char *host, uint16_t port)
{
    const gf_secure_ops *ops = secure_ops(h);
    if (ops == NULL)
        return GF_E_NO_TLS;
    gf_status st = ops->open(h->tls, h->port, h->handle, host, port, h->timeout_ms, h->deadline_at);
    if (st == GF_OK)
        h->secure = true;
    return st;
}

gf_status gf_transport_send(gf_http *h, const unsigned char *data, size_t len)
{
    uint64_t since = h->port->now_ms(h->port->ctx);
    while (len > 0) {
        size_t n;
        if (h->secure) {
            gf_status st = secure_ops(h)->send(h->tls, data, len, &n, h->timeout_ms, h->deadline_at);
            if (st != GF_OK)
                return st;
        } else {
            int32_t r = h->port->send(h->port->ctx, h->handle, data, len, wait_ms(h));
            if (r == GF_PORT_E_WOULD_BLOCK && !waited_out(h, since))
                continue;
            if (r <= 0)
                return from_port(r == GF_PORT_E_WOULD_BLOCK ? GF_PORT_E_TIMEOUT : r, false);
            n = (size_t)r;
        }
        if (n > len)
            return GF_E_NETWORK; /* a port that claims more than it was given */
        data += n;
        len -= n;
        since = h->port->now_ms(h->port->ctx);
    }
    return GF_OK;
}

gf_status gf_transport_recv(gf_http *h, unsigned char *buf, size_t cap, size_t *got)
{
    if (cancelled(h))
        return GF_E_CANCELLED;
    uint64_t since = h->port->now_ms(h->port->ctx);
    if (h->secure)
        return secure_ops(h)->recv(h->tls, buf, cap, got, h->timeout_ms, h->deadline_at);
    for (;;) {
        int32_t r = h->port->recv(h->port->ctx, h->handle, buf, cap, wait_ms(h));
        if (r == GF_PORT_E_WOULD_BLOCK && !waited_out(h, since))
            continue;
        if (r < 0)
            return from_port(r == GF_PORT_E_WOULD_BLOCK ? GF_PORT_E_TIMEOUT : r, false);
        if ((size_t)r > cap)
            return GF_E_NETWORK;
        *got = (size_t)r;
        return GF_OK;
    }
}

void gf_transport_close(gf_http *h, bool graceful)
{
    if (!h->open)
        return;
    if (h->secure)
        secure_ops(h)->close(h->tls, graceful);
    h->port->close(h->port->ctx, h->handle);
    h->open = false;
    h->secure = false;
    h->reusable = false;
}
