/*
 * The lwIP port, socket flavour (NO_SYS=0): lwIP's BSD-like socket API on an
 * RTOS (or the unix port's pthreads). Names through lwip_getaddrinfo, each
 * resolved address tried in turn with a non-blocking connect, send and recv
 * bounded by lwip_select. lwIP raises no signals at all, so the contract's
 * "never SIGPIPE" holds without MSG_NOSIGNAL (passed anyway where lwIP knows
 * it, for symmetry with the POSIX port it costs nothing).
 *
 * Needs in lwipopts.h: NO_SYS 0, LWIP_SOCKET 1, LWIP_DNS 1. lwIP's errno
 * values come from lwip/errno.h (LWIP_PROVIDE_ERRNO) or from the libc's
 * errno.h: both spell the names used below.
 */
#include "gf_port_lwip.h"

/* Compiles to nothing for NO_SYS=1, so that a build may list both files:
 * the raw flavour is port_lwip_raw.c. */
#if !NO_SYS

#if !LWIP_SOCKET || !LWIP_DNS
#error "the socket flavour needs LWIP_SOCKET 1 and LWIP_DNS 1 in lwipopts.h"
#endif

#include "lwip/errno.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"

#include <stdio.h>
#include <string.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

static gf_port_lwip *self_of(void *ctx) { return (gf_port_lwip *)ctx; }

static uint64_t now_ms(void *ctx)
{
    gf_port_lwip *lp = self_of(ctx);
    return lp->board.now_ms(lp->board.ctx);
}

static int64_t utc_s(void *ctx)
{
    gf_port_lwip *lp = self_of(ctx);
    return lp->board.utc_s != NULL ? lp->board.utc_s(lp->board.ctx) : GF_PORT_NO_TIME;
}

static void sleep_ms(void *ctx, uint32_t ms)
{
    gf_port_lwip *lp = self_of(ctx);
    if (lp->board.sleep_ms != NULL)
        lp->board.sleep_ms(lp->board.ctx, ms);
    else
        sys_msleep(ms);
}

static int32_t entropy(void *ctx, unsigned char *buf, size_t len)
{
    gf_port_lwip *lp = self_of(ctx);
    if (lp->board.entropy == NULL)
        return GF_PORT_E_FAILED; /* no RNG: TLS cannot be seeded */
    return lp->board.entropy(lp->board.ctx, buf, len);
}

/* lwIP's errno (err_to_errno of its err_t) onto the contract's codes. */
static int32_t map_errno(int e)
{
    switch (e) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR:
    case EINPROGRESS: /* ERR_INPROGRESS: the stack is still busy */
        return GF_PORT_E_WOULD_BLOCK;
    case ECONNRESET:   /* ERR_RST */
    case ECONNABORTED: /* ERR_ABRT: the pcb went away (retransmits gave up) */
    case ENOTCONN:     /* ERR_CLSD, ERR_CONN */
    case EPIPE:
        return GF_PORT_E_RESET;
    case ECONNREFUSED:
        return GF_PORT_E_REFUSED;
    case ETIMEDOUT:
        return GF_PORT_E_TIMEOUT;
    case ENOMEM:  /* ERR_MEM: a pool (pbufs, segments) ran dry */
    case ENOBUFS: /* ERR_BUF */
    case ENFILE:  /* no free socket of MEMP_NUM_NETCONN / NUM_SOCKETS */
    case EMFILE:
        return GF_PORT_E_RESOURCES;
    default:
        return GF_PORT_E_FAILED;
    }
}

static int32_t resources_or_failed(int e)
{
    return map_errno(e) == GF_PORT_E_RESOURCES ? GF_PORT_E_RESOURCES : GF_PORT_E_FAILED;
}

/* The socket's pending error (SO_ERROR), or EIO when it cannot be read. */
static int so_error(int s)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (lwip_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return EIO;
    return err;
}

/* Wait until s is readable (write 0) or writable (write 1); 1 ready, 0
 * timeout, -1 error with errno set. lwip_select rather than SO_RCVTIMEO:
 * one mechanism for connect, send and recv, and it works whether or not the
 * integrator enabled LWIP_SO_RCVTIMEO/SNDTIMEO. */
static int wait_socket(int s, int write, uint32_t timeout_ms)
{
    fd_set set, err_set;
    struct timeval tv;
    FD_ZERO(&set);
    FD_ZERO(&err_set);
    FD_SET(s, &set);
    FD_SET(s, &err_set);
    tv.tv_sec = (long)(timeout_ms / 1000u);
    tv.tv_usec = (long)(timeout_ms % 1000u) * 1000L;
    int r = lwip_select(s + 1, write ? NULL : &set, write ? &set : NULL, &err_set, &tv);
    if (r < 0)
        return -1;
    return r > 0 ? 1 : 0;
}

/* A connect that failed with e. lwIP has no "refused": a RST answering its
 * SYN ends the pcb with ERR_RST, which its sockets report as ECONNRESET (or
 * ECONNABORTED once the pcb is gone). Before a connection exists, that RST
 * is exactly a refusal, and the contract says so. */
static int32_t connect_failed(int e)
{
    int32_t code = map_errno(e);
    if (code == GF_PORT_E_RESET)
        return GF_PORT_E_REFUSED;
    return code == GF_PORT_E_WOULD_BLOCK ? GF_PORT_E_FAILED : code;
}

static int32_t connect_one(const struct addrinfo *ai, uint32_t timeout_ms)
{
    int one = 1;
    int s = lwip_socket(ai->ai_family, SOCK_STREAM, IPPROTO_TCP);
    if (s < 0)
        return resources_or_failed(errno);
    if (lwip_fcntl(s, F_SETFL, O_NONBLOCK) != 0) {
        lwip_close(s);
        return GF_PORT_E_FAILED;
    }
    /* Requests are written whole; Nagle would only hold the last segment. */
    lwip_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (lwip_connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
        return s;
    int e = errno;
    if (e != EINPROGRESS && e != EINTR && e != EALREADY) {
        lwip_close(s);
        return connect_failed(e);
    }
    int r = wait_socket(s, 1, timeout_ms);
    if (r <= 0) {
        int32_t code = r == 0 ? GF_PORT_E_TIMEOUT : resources_or_failed(errno);
        lwip_close(s);
        return code;
    }
    if ((e = so_error(s)) != 0) {
        lwip_close(s);
        return connect_failed(e);
    }
    return s;
}

/* lwip_getaddrinfo's EAI_* onto the contract: EAI_MEMORY (no memp for the
 * answer, or lwIP's DNS table full) is resources, a name lwIP's DNS client
 * could not resolve (EAI_FAIL, EAI_NONAME) is DNS. */
static int32_t resolve_failed(int r)
{
    if (r == EAI_MEMORY)
        return GF_PORT_E_RESOURCES;
    return GF_PORT_E_DNS;
}

static int32_t port_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    struct addrinfo hints, *list = NULL, *ai;
    char service[8];
    int32_t result = GF_PORT_E_REFUSED;
    uint64_t end = now_ms(ctx) + timeout_ms;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    /* lwIP's resolver blocks up to DNS_MAX_RETRIES * DNS_TMR_INTERVAL-ish;
     * it has no timeout argument, so its own bound applies here. */
    int r = lwip_getaddrinfo(host, service, &hints, &list);
    if (r != 0 || list == NULL)
        return resolve_failed(r);
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        uint64_t now = now_ms(ctx);
        if (now >= end) {
            result = GF_PORT_E_TIMEOUT;
            break;
        }
        int32_t s = connect_one(ai, (uint32_t)(end - now));
        if (s >= 0 || s == GF_PORT_E_RESOURCES) {
            result = s; /* connected; or the next would need the same */
            break;
        }
        /* The most telling failure: a timeout beats a refusal. */
        if (s == GF_PORT_E_TIMEOUT || result == GF_PORT_E_REFUSED)
            result = s;
    }
    lwip_freeaddrinfo(list);
    return result;
}

static int32_t port_send(void *ctx, int32_t handle, const unsigned char *buf, size_t len,
                         uint32_t timeout_ms)
{
    (void)ctx;
    if (len > INT32_MAX)
        len = INT32_MAX;
    for (;;) {
        ssize_t n = lwip_send(handle, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0)
            return n > 0 ? (int32_t)n : GF_PORT_E_WOULD_BLOCK;
        int e = errno;
        if (e == EINTR)
            continue;
        if (e != EAGAIN && e != EWOULDBLOCK)
            return map_errno(e);
        int r = wait_socket(handle, 1, timeout_ms);
        if (r == 0)
            return GF_PORT_E_TIMEOUT;
        if (r < 0)
            return resources_or_failed(errno);
    }
}

static int32_t port_recv(void *ctx, int32_t handle, unsigned char *buf, size_t len,
                         uint32_t timeout_ms)
{
    (void)ctx;
    if (len > INT32_MAX)
        len = INT32_MAX;
    /* Try first: during a download data is usually queued already. */
    for (;;) {
        ssize_t n = lwip_recv(handle, buf, len, MSG_DONTWAIT);
        if (n >= 0)
            return (int32_t)n;
        int e = errno;
        if (e == EINTR)
            continue;
        if (e != EAGAIN && e != EWOULDBLOCK)
            return map_errno(e);
        int r = wait_socket(handle, 0, timeout_ms);
        if (r == 0)
            return GF_PORT_E_TIMEOUT;
        if (r < 0)
            return resources_or_failed(errno);
    }
}

static void port_close(void *ctx, int32_t handle)
{
    (void)ctx;
    lwip_close(handle);
}

void gf_port_lwip_init(gf_port_lwip *lp, const gf_lwip_board *board)
{
    lp->board = *board;
    lp->port.ctx = lp;
    lp->port.connect = port_connect;
    lp->port.send = port_send;
    lp->port.recv = port_recv;
    lp->port.close = port_close;
    lp->port.now_ms = now_ms;
    lp->port.utc_s = utc_s;
    lp->port.sleep_ms = sleep_ms;
    lp->port.entropy = entropy;
}

#endif /* !NO_SYS */
