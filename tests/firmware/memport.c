/* The firmware example's in-memory port (see memport.h). */
#include "memport.h"

#include <string.h>

#define HANDLE_BASE 7

static memport *self(void *ctx) { return (memport *)ctx; }

static memport_conn *conn_of(memport *mp, int32_t handle)
{
    int32_t i = handle - HANDLE_BASE;
    if (i < 0 || (size_t)i >= mp->connects)
        return NULL;
    return &mp->conn[i];
}

static int32_t mp_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    memport *mp = self(ctx);
    (void)timeout_ms;
    if (mp->connects >= mp->scripted)
        return GF_PORT_E_REFUSED;
    memport_conn *c = &mp->conn[mp->connects];
    strncpy(c->host, host, sizeof(c->host) - 1);
    c->port = port;
    return (int32_t)(HANDLE_BASE + mp->connects++);
}

/* Requests are counted by their request lines; the HTTP engine writes a
 * request line in one piece. */
static size_t request_lines(const unsigned char *buf, size_t len)
{
    static const char tag[] = " HTTP/1.1\r\n";
    size_t n = 0;
    for (size_t i = 0; i + sizeof(tag) - 1 <= len; i++)
        n += memcmp(buf + i, tag, sizeof(tag) - 1) == 0;
    return n;
}

static int32_t mp_send(void *ctx, int32_t handle, const unsigned char *buf, size_t len,
                       uint32_t timeout_ms)
{
    memport_conn *c = conn_of(self(ctx), handle);
    (void)timeout_ms;
    if (c == NULL || c->closed)
        return GF_PORT_E_FAILED;
    if (c->sent_len < MEMPORT_SENT_MAX) {
        size_t room = MEMPORT_SENT_MAX - c->sent_len, n = len < room ? len : room;
        memcpy(c->sent + c->sent_len, buf, n);
        c->sent[c->sent_len + n] = '\0';
    }
    c->sent_len += len;
    c->requests += request_lines(buf, len);
    return (int32_t)len;
}

static int32_t mp_recv(void *ctx, int32_t handle, unsigned char *buf, size_t len,
                       uint32_t timeout_ms)
{
    memport *mp = self(ctx);
    memport_conn *c = conn_of(mp, handle);
    if (c == NULL || c->closed)
        return GF_PORT_E_FAILED;
    mp->now += 1;
    while (c->current < c->replies && c->at == c->reply[c->current].len) {
        c->current++;
        c->at = 0;
    }
    if (c->current >= c->replies)
        return 0; /* every reply given: the peer closes */
    if (!c->eager && c->current >= c->requests) {
        mp->now += timeout_ms; /* nothing asked yet: a real server is silent */
        return GF_PORT_E_TIMEOUT;
    }
    const memport_reply *r = &c->reply[c->current];
    size_t n = r->len - c->at;
    if (mp->piece != 0 && n > mp->piece)
        n = mp->piece;
    if (n > len)
        n = len;
    memcpy(buf, r->data + c->at, n);
    c->at += n;
    return (int32_t)n;
}

static void mp_close(void *ctx, int32_t handle)
{
    memport_conn *c = conn_of(self(ctx), handle);
    if (c != NULL)
        c->closed = true;
}

static uint64_t mp_now(void *ctx) { return self(ctx)->now; }

static int64_t mp_utc(void *ctx)
{
    (void)ctx;
    return GF_PORT_NO_TIME; /* a board without a real-time clock */
}

static void mp_sleep(void *ctx, uint32_t ms) { self(ctx)->now += ms; }

/* Not entropy at all: a fixed sequence, right for a reproducible test and
 * for nothing else. A real board reads its TRNG here. */
static int32_t mp_entropy(void *ctx, unsigned char *buf, size_t len)
{
    memport *mp = self(ctx);
    for (size_t i = 0; i < len; i++) {
        mp->rng ^= mp->rng << 13;
        mp->rng ^= mp->rng >> 17;
        mp->rng ^= mp->rng << 5;
        buf[i] = (unsigned char)mp->rng;
    }
    return 0;
}

void memport_init(memport *mp, size_t piece)
{
    memset(mp, 0, sizeof(*mp));
    mp->port = (gf_port){mp,     mp_connect, mp_send,  mp_recv,   mp_close,
                         mp_now, mp_utc,     mp_sleep, mp_entropy};
    mp->piece = piece;
    mp->now = 1;
    mp->rng = 0x2545F491u;
}

memport_conn *memport_script(memport *mp)
{
    if (mp->scripted >= MEMPORT_CONNS)
        return NULL;
    memport_conn *c = &mp->conn[mp->scripted++];
    memset(c, 0, sizeof(*c));
    return c;
}

void memport_reply_with(memport_conn *c, const void *data, size_t len)
{
    if (c == NULL || c->replies >= MEMPORT_REPLIES)
        return;
    c->reply[c->replies].data = data;
    c->reply[c->replies].len = len != 0 ? len : strlen(data);
    c->replies++;
}
