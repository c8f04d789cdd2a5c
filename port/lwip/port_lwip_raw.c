/*
 * The lwIP port, raw API flavour (NO_SYS=1: bare metal, a superloop).
 *
 * lwIP's raw API runs everything in callbacks from the stack's input and
 * timers; the library wants blocking calls with timeouts. The bridge: each
 * connection has a slot (gf_port_lwip.conn) with a receive ring the recv
 * callback fills, and every wait (DNS, connect, send window, recv, sleep)
 * runs the board's poll hook, which feeds received frames to the netif and
 * calls sys_check_timeouts(), until the slot changed or the deadline passed.
 * Nothing here allocates: lwIP's own pools hold pcbs and pbufs.
 *
 * Flow control: the recv callback copies a segment into the ring but does
 * not acknowledge it to the window (tcp_recved); port_recv does, as the
 * library reads. A slow sink thus closes the peer's window instead of
 * losing data, and the ring (TCP_WND bytes) always has room for what the
 * window let in.
 */
#include "gf_port_lwip.h"

#if NO_SYS /* the socket flavour is port_lwip_socket.c */

#include "lwip/dns.h"
#include "lwip/err.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

#include <string.h>

enum { GF_CONN_FREE, GF_CONN_CONNECTING, GF_CONN_OPEN, GF_CONN_PEER_CLOSED, GF_CONN_BROKEN };
enum { GF_DNS_WAITING, GF_DNS_FOUND, GF_DNS_FAILED };

/* lwIP's errors in the contract's words. During a connect a reset is the
 * peer refusing it, and an abort is lwIP giving up on SYN retransmissions
 * (TCP_SYNMAXRTX): a timeout, as ETIMEDOUT is for the POSIX port. */
static int32_t map_err(err_t err, int connecting)
{
    switch (err) {
    case ERR_MEM:
    case ERR_BUF:
        return GF_PORT_E_RESOURCES;
    case ERR_TIMEOUT:
        return GF_PORT_E_TIMEOUT;
    case ERR_WOULDBLOCK:
        return GF_PORT_E_WOULD_BLOCK;
    case ERR_RST:
        return connecting ? GF_PORT_E_REFUSED : GF_PORT_E_RESET;
    case ERR_ABRT:
        return connecting ? GF_PORT_E_TIMEOUT : GF_PORT_E_RESET;
    case ERR_CLSD:
    case ERR_CONN:
        return GF_PORT_E_RESET;
    default:
        return GF_PORT_E_FAILED;
    }
}

static uint64_t deadline_of(gf_port_lwip *lp, uint32_t timeout_ms)
{
    return lp->board.now_ms(lp->board.ctx) + timeout_ms;
}

/* Run the stack until done(lp, arg) holds or the deadline passes; a zero
 * timeout still runs it once, so that "poll once" sees fresh input. */
static int wait_for(gf_port_lwip *lp, int (*done)(gf_port_lwip *, const void *), const void *arg,
                    uint64_t deadline)
{
    for (;;) {
        if (done(lp, arg))
            return 1;
        lp->board.poll(lp->board.ctx);
        if (done(lp, arg))
            return 1;
        if (lp->board.now_ms(lp->board.ctx) >= deadline)
            return 0;
    }
}

/* ---- lwIP's callbacks: they only record what happened ------------------- */

static void on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
    gf_lwip_dns *d = arg;
    /* An answer for a lookup the port gave up on (or for another name) is
     * not this one's. */
    if (d->host == NULL || d->state != GF_DNS_WAITING || strcmp(name, d->host) != 0)
        return;
    if (addr != NULL) {
        ip_addr_copy(d->addr, *addr);
        d->state = GF_DNS_FOUND;
    } else {
        d->state = GF_DNS_FAILED;
    }
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    gf_lwip_conn *c = arg;
    (void)pcb;
    if (err != ERR_OK) { /* lwIP 2.x always passes ERR_OK; be safe anyway */
        c->state = GF_CONN_BROKEN;
        c->error = (int8_t)map_err(err, 1);
        return ERR_OK;
    }
    c->state = GF_CONN_OPEN;
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    gf_lwip_conn *c = arg;
    (void)pcb;
    if (p == NULL) { /* FIN: what the ring holds is still to be read */
        if (c->state == GF_CONN_OPEN)
            c->state = GF_CONN_PEER_CLOSED;
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (p->tot_len > sizeof(c->ring) - c->len)
        return ERR_MEM; /* cannot happen with a TCP_WND ring; lwIP keeps p and retries */
    uint32_t tail = (c->head + c->len) % (uint32_t)sizeof(c->ring);
    uint32_t first = (uint32_t)sizeof(c->ring) - tail;
    if (first > p->tot_len)
        first = p->tot_len;
    pbuf_copy_partial(p, c->ring + tail, (u16_t)first, 0);
    if (first < p->tot_len)
        pbuf_copy_partial(p, c->ring, (u16_t)(p->tot_len - first), (u16_t)first);
    c->len += p->tot_len;
    pbuf_free(p);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    /* The send wait looks at tcp_sndbuf() itself; nothing to record. */
    (void)arg;
    (void)pcb;
    (void)len;
    return ERR_OK;
}

/* lwIP has freed the pcb already: forget it, keep what the ring holds. */
static void on_err(void *arg, err_t err)
{
    gf_lwip_conn *c = arg;
    c->error = (int8_t)map_err(err, c->state == GF_CONN_CONNECTING);
    c->pcb = NULL;
    c->state = GF_CONN_BROKEN;
}

/* Detach every callback, so none fires into a slot that is reused. */
static void detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL); /* lwIP's default then drops data and closes on FIN */
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

/* ---- names --------------------------------------------------------------- */

static int dns_done(gf_port_lwip *lp, const void *arg)
{
    (void)arg;
    return lp->dns.state != GF_DNS_WAITING;
}

/* host to an address: an IP literal or a cached name at once, otherwise
 * through lwIP's resolver, running the stack until it answers. */
static int32_t resolve(gf_port_lwip *lp, const char *host, ip_addr_t *addr, uint64_t deadline)
{
    lp->dns.host = host;
    lp->dns.state = GF_DNS_WAITING;
    err_t err = dns_gethostbyname(host, &lp->dns.addr, on_dns, &lp->dns);
    int32_t rc = GF_PORT_E_DNS;
    if (err == ERR_OK) {
        lp->dns.state = GF_DNS_FOUND;
    } else if (err == ERR_INPROGRESS) {
        if (!wait_for(lp, dns_done, NULL, deadline))
            rc = GF_PORT_E_TIMEOUT;
    } else {
        /* ERR_MEM: no free entry in lwIP's table (DNS_TABLE_SIZE) or no
         * pbuf for the query; ERR_ARG: a name lwIP cannot ask for. */
        rc = err == ERR_MEM ? GF_PORT_E_RESOURCES : GF_PORT_E_DNS;
    }
    if (lp->dns.state == GF_DNS_FOUND) {
        ip_addr_copy(*addr, lp->dns.addr);
        rc = 0;
    }
    lp->dns.host = NULL; /* a late answer is ignored from here on */
    return rc;
}

/* ---- the port functions ----------------------------------------------------- */

static gf_lwip_conn *conn_of(gf_port_lwip *lp, int32_t handle)
{
    if (handle < 0 || handle >= (int32_t)GF_LWIP_RAW_CONNS)
        return NULL;
    gf_lwip_conn *c = &lp->conn[handle];
    return c->state == GF_CONN_FREE ? NULL : c;
}

static void release(gf_lwip_conn *c)
{
    c->pcb = NULL;
    c->state = GF_CONN_FREE;
    c->error = 0;
    c->head = c->len = 0;
}

static int connect_done(gf_port_lwip *lp, const void *arg)
{
    const gf_lwip_conn *c = arg;
    (void)lp;
    return c->state != GF_CONN_CONNECTING;
}

/* Open a pcb to addr:port in slot c and wait for the handshake. */
static int32_t open_conn(gf_port_lwip *lp, gf_lwip_conn *c, const ip_addr_t *addr,
                         uint16_t port, uint64_t deadline)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IP_GET_TYPE(addr));
    if (pcb == NULL)
        return GF_PORT_E_RESOURCES; /* MEMP_NUM_TCP_PCB */
    release(c);
    c->pcb = pcb;
    c->state = GF_CONN_CONNECTING;
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    /* Requests are written whole; Nagle would only hold their tails back. */
    tcp_nagle_disable(pcb);
    err_t err = tcp_connect(pcb, addr, port, on_connected);
    if (err != ERR_OK) {
        detach(pcb);
        tcp_abort(pcb);
        release(c);
        return map_err(err, 1);
    }
    if (!wait_for(lp, connect_done, c, deadline)) {
        detach(pcb);
        tcp_abort(pcb); /* a pcb in SYN_SENT: nothing to close in order */
        release(c);
        return GF_PORT_E_TIMEOUT;
    }
    if (c->state == GF_CONN_BROKEN) {
        int32_t code = c->error;
        release(c); /* lwIP freed the pcb before on_err */
        return code;
    }
    return 0;
}

static int32_t port_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    gf_port_lwip *lp = ctx;
    uint64_t deadline = deadline_of(lp, timeout_ms);
    ip_addr_t addr;
    int32_t slot = -1;
    for (int32_t i = 0; i < (int32_t)GF_LWIP_RAW_CONNS && slot < 0; i++)
        if (lp->conn[i].state == GF_CONN_FREE)
            slot = i;
    if (slot < 0)
        return GF_PORT_E_RESOURCES; /* GF_LWIP_RAW_CONNS */
    int32_t rc = resolve(lp, host, &addr, deadline);
    if (rc < 0)
        return rc;
    rc = open_conn(lp, &lp->conn[slot], &addr, port, deadline);
    return rc < 0 ? rc : slot;
}

/* Room in the send buffer and the segment queue, or the connection went. */
static int send_ready(gf_port_lwip *lp, const void *arg)
{
    const gf_lwip_conn *c = arg;
    (void)lp;
    if (c->pcb == NULL || c->state == GF_CONN_BROKEN)
        return 1;
    return tcp_sndbuf(c->pcb) > 0 && tcp_sndqueuelen(c->pcb) < TCP_SND_QUEUELEN;
}

static int32_t port_send(void *ctx, int32_t handle, const unsigned char *buf, size_t len,
                         uint32_t timeout_ms)
{
    gf_port_lwip *lp = ctx;
    gf_lwip_conn *c = conn_of(lp, handle);
    uint64_t deadline = deadline_of(lp, timeout_ms);
    if (c == NULL)
        return GF_PORT_E_FAILED;
    for (;;) {
        if (!wait_for(lp, send_ready, c, deadline))
            return GF_PORT_E_TIMEOUT; /* the peer's window stayed shut */
        if (c->pcb == NULL || c->state == GF_CONN_BROKEN)
            return c->error < 0 ? c->error : GF_PORT_E_RESET;
        size_t n = tcp_sndbuf(c->pcb);
        if (n > len)
            n = len;
        if (n > 0xFFFFu)
            n = 0xFFFFu; /* tcp_write takes a u16_t length */
        err_t err = tcp_write(c->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (err == ERR_OK) {
            tcp_output(c->pcb);
            return (int32_t)n;
        }
        if (err != ERR_MEM)
            return map_err(err, 0);
        /* Out of segments or pbufs: they come back as the peer acknowledges
         * what is queued, so run the stack (once at least) and try again. */
        lp->board.poll(lp->board.ctx);
        if (lp->board.now_ms(lp->board.ctx) >= deadline)
            return GF_PORT_E_RESOURCES;
    }
}

static int recv_ready(gf_port_lwip *lp, const void *arg)
{
    const gf_lwip_conn *c = arg;
    (void)lp;
    return c->len > 0 || c->state != GF_CONN_OPEN;
}

/* Take n bytes out of the ring and open the peer's window by as many. */
static void consume(gf_lwip_conn *c, unsigned char *buf, uint32_t n)
{
    uint32_t first = (uint32_t)sizeof(c->ring) - c->head;
    if (first > n)
        first = n;
    memcpy(buf, c->ring + c->head, first);
    memcpy(buf + first, c->ring, n - first);
    c->head = (c->head + n) % (uint32_t)sizeof(c->ring);
    c->len -= n;
    if (c->pcb == NULL)
        return; /* reset: no window to open */
    while (n > 0) {
        u16_t step = n > 0xFFFFu ? (u16_t)0xFFFFu : (u16_t)n;
        tcp_recved(c->pcb, step);
        n -= step;
    }
}

static int32_t port_recv(void *ctx, int32_t handle, unsigned char *buf, size_t len,
                         uint32_t timeout_ms)
{
    gf_port_lwip *lp = ctx;
    gf_lwip_conn *c = conn_of(lp, handle);
    if (c == NULL)
        return GF_PORT_E_FAILED;
    if (!wait_for(lp, recv_ready, c, deadline_of(lp, timeout_ms)))
        return GF_PORT_E_TIMEOUT;
    if (c->len > 0) { /* what arrived before a FIN or a reset is read first */
        uint32_t n = len < c->len ? (uint32_t)len : c->len;
        consume(c, buf, n);
        return (int32_t)n;
    }
    if (c->state == GF_CONN_PEER_CLOSED)
        return 0;
    return c->error < 0 ? c->error : GF_PORT_E_RESET;
}

static void port_close(void *ctx, int32_t handle)
{
    gf_port_lwip *lp = ctx;
    gf_lwip_conn *c = conn_of(lp, handle);
    if (c == NULL)
        return;
    if (c->pcb != NULL) {
        struct tcp_pcb *pcb = c->pcb;
        detach(pcb);
        /* Unread bytes count as read: lwIP answers a close with unread
         * data by a reset, and an orderly FIN is kinder to a keep-alive
         * server. */
        if (c->len > 0 && c->state != GF_CONN_BROKEN) {
            uint32_t n = c->len;
            while (n > 0) {
                u16_t step = n > 0xFFFFu ? (u16_t)0xFFFFu : (u16_t)n;
                tcp_recved(pcb, step);
                n -= step;
            }
        }
        if (tcp_close(pcb) != ERR_OK)
            tcp_abort(pcb); /* no memory for the FIN: drop it instead */
    }
    release(c);
}

static int32_t port_entropy(void *ctx, unsigned char *buf, size_t len)
{
    gf_port_lwip *lp = ctx;
    if (lp->board.entropy == NULL)
        return GF_PORT_E_FAILED;
    return lp->board.entropy(lp->board.ctx, buf, len);
}

static uint64_t port_now_ms(void *ctx)
{
    gf_port_lwip *lp = ctx;
    return lp->board.now_ms(lp->board.ctx);
}

static int64_t port_utc_s(void *ctx)
{
    gf_port_lwip *lp = ctx;
    return lp->board.utc_s != NULL ? lp->board.utc_s(lp->board.ctx) : GF_PORT_NO_TIME;
}

static int never(gf_port_lwip *lp, const void *arg)
{
    (void)lp;
    (void)arg;
    return 0;
}

/* A backoff must not stop the stack: ACKs, retransmissions and DNS
 * timers all run from the poll hook. */
static void port_sleep_ms(void *ctx, uint32_t ms)
{
    gf_port_lwip *lp = ctx;
    if (lp->board.sleep_ms != NULL) {
        lp->board.sleep_ms(lp->board.ctx, ms);
        return;
    }
    (void)wait_for(lp, never, NULL, deadline_of(lp, ms));
}

void gf_port_lwip_init(gf_port_lwip *lp, const gf_lwip_board *board)
{
    memset(lp, 0, sizeof(*lp));
    lp->board = *board;
    lp->port.ctx = lp;
    lp->port.connect = port_connect;
    lp->port.send = port_send;
    lp->port.recv = port_recv;
    lp->port.close = port_close;
    lp->port.now_ms = port_now_ms;
    lp->port.utc_s = port_utc_s;
    lp->port.sleep_ms = port_sleep_ms;
    lp->port.entropy = port_entropy;
}

#endif /* NO_SYS */
