/*
 * The POSIX port: getaddrinfo (IPv4 and IPv6, each address in turn),
 * non-blocking connect with a timeout, poll-based send/recv timeouts,
 * MSG_NOSIGNAL so that a closed peer never raises SIGPIPE.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "gf_port_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 25))
#include <sys/random.h>
#define HAVE_GETRANDOM 1
#endif

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* BSDs: SO_NOSIGPIPE below instead */
#endif

static uint64_t now_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int64_t utc_s(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return GF_PORT_NO_TIME;
    return (int64_t)ts.tv_sec;
}

static void sleep_ms(void *ctx, uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    (void)ctx;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int poll_timeout(uint32_t ms) { return ms > INT_MAX ? INT_MAX : (int)ms; }

/* Wait for events on fd; 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, uint32_t timeout_ms)
{
    struct pollfd p = {fd, events, 0};
    uint64_t end = now_ms(NULL) + timeout_ms;
    for (;;) {
        int r = poll(&p, 1, poll_timeout(timeout_ms));
        if (r >= 0)
            return r > 0 ? 1 : 0;
        if (errno != EINTR)
            return -1;
        uint64_t now = now_ms(NULL);
        timeout_ms = now >= end ? 0 : (uint32_t)(end - now);
    }
}

static int32_t map_errno(int e)
{
    switch (e) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR:
        return GF_PORT_E_WOULD_BLOCK;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED:
    case ENOTCONN:
        return GF_PORT_E_RESET;
    case ECONNREFUSED:
        return GF_PORT_E_REFUSED;
    case ETIMEDOUT:
        return GF_PORT_E_TIMEOUT;
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
        return GF_PORT_E_RESOURCES;
    default:
        return GF_PORT_E_FAILED;
    }
}

static int32_t resources_or_failed(int e)
{
    return map_errno(e) == GF_PORT_E_RESOURCES ? GF_PORT_E_RESOURCES : GF_PORT_E_FAILED;
}

/* Out of descriptors or memory right now? glibc's resolver reports a name
 * it could not look up for want of a descriptor (for /etc/hosts or a DNS
 * socket) as EAI_NONAME or EAI_AGAIN, not as EAI_SYSTEM: so when a lookup
 * fails, a socket we cannot open tells the real cause. */
static bool out_of_resources(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd >= 0) {
        close(fd);
        return false;
    }
    return map_errno(errno) == GF_PORT_E_RESOURCES;
}

/* Connect one address within timeout_ms; a socket fd or a GF_PORT_E_ code. */
static int32_t connect_one(const struct addrinfo *ai, uint32_t timeout_ms)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    int one = 1, err = 0;
    socklen_t len = sizeof(err);
    if (fd < 0)
        return map_errno(errno) == GF_PORT_E_RESOURCES ? GF_PORT_E_RESOURCES : GF_PORT_E_FAILED;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        close(fd);
        return GF_PORT_E_FAILED;
    }
#ifdef SO_NOSIGPIPE
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
    /* Requests are written whole; waiting for more to coalesce only adds
     * latency. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS && errno != EINTR) {
        int32_t code = map_errno(errno);
        close(fd);
        return code == GF_PORT_E_WOULD_BLOCK ? GF_PORT_E_FAILED : code;
    }
    int r = wait_fd(fd, POLLOUT, timeout_ms);
    if (r <= 0) {
        int32_t code = r == 0 ? GF_PORT_E_TIMEOUT : resources_or_failed(errno);
        close(fd);
        return code;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        close(fd);
        return err != 0 ? map_errno(err) : GF_PORT_E_FAILED;
    }
    return fd;
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
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    int r = getaddrinfo(host, service, &hints, &list);
    if (r != 0 || list == NULL) {
        int e = errno;
        if (r == EAI_MEMORY || out_of_resources())
            return GF_PORT_E_RESOURCES;
        return r == EAI_SYSTEM ? resources_or_failed(e) : GF_PORT_E_DNS;
    }

    for (ai = list; ai != NULL; ai = ai->ai_next) {
        uint64_t now = now_ms(ctx);
        if (now >= end) {
            result = GF_PORT_E_TIMEOUT;
            break;
        }
        int32_t fd = connect_one(ai, (uint32_t)(end - now));
        if (fd >= 0) {
            result = fd;
            break;
        }
        if (fd == GF_PORT_E_RESOURCES) {
            result = fd; /* the next address would need the same */
            break;
        }
        /* Remember the most telling failure: a timeout beats a refusal. */
        if (fd == GF_PORT_E_TIMEOUT || result == GF_PORT_E_REFUSED)
            result = fd;
    }
    freeaddrinfo(list);
    return result;
}

static int32_t port_send(void *ctx, int32_t handle, const unsigned char *buf, size_t len,
                         uint32_t timeout_ms)
{
    (void)ctx;
    if (len > INT32_MAX)
        len = INT32_MAX;
    for (;;) {
        ssize_t n = send(handle, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0)
            return n > 0 ? (int32_t)n : GF_PORT_E_WOULD_BLOCK;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return map_errno(errno);
        int r = wait_fd(handle, POLLOUT, timeout_ms);
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
    /* Try first: during a download data is usually waiting, and a poll per
     * read would double the system calls. */
    for (;;) {
        ssize_t n = recv(handle, buf, len, MSG_DONTWAIT);
        if (n >= 0)
            return (int32_t)n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return map_errno(errno);
        int r = wait_fd(handle, POLLIN, timeout_ms);
        if (r == 0)
            return GF_PORT_E_TIMEOUT;
        if (r < 0)
            return resources_or_failed(errno);
    }
}

static void port_close(void *ctx, int32_t handle)
{
    (void)ctx;
    close(handle);
}

static int32_t entropy(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
#ifdef HAVE_GETRANDOM
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        buf += n;
        len -= (size_t)n;
    }
    if (len == 0)
        return 0;
#endif
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return GF_PORT_E_FAILED;
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return GF_PORT_E_FAILED;
        }
        buf += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

void gf_port_posix_init(gf_port *port)
{
    port->ctx = NULL;
    port->connect = port_connect;
    port->send = port_send;
    port->recv = port_recv;
    port->close = port_close;
    port->now_ms = now_ms;
    port->utc_s = utc_s;
    port->sleep_ms = sleep_ms;
    port->entropy = entropy;
}
