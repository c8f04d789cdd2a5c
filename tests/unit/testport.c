/* The scripted test port (see testport.h). */
#include "testport.h"

#include <string.h>

static testport *self(void *ctx) { return (testport *)ctx; }

static int32_t tp_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    testport *tp = self(ctx);
    size_t i = tp->connects++;
    if (i >= tp->nconns || i >= TP_MAX_CONNS)
        return GF_PORT_E_REFUSED;
    strncpy(tp->host[i], host, sizeof(tp->host[i]) - 1);
    tp->portnum[i] = port;
    if (tp->conns[i].connect == GF_PORT_E_TIMEOUT)
        tp->now += timeout_ms;
    if (tp->conns[i].connect != 0)
        return tp->conns[i].connect;
    tp->current = (int32_t)i;
    tp->step = 0;
    tp->off = 0;
    return (int32_t)(100 + i);
}

static tp_conn *conn_of(testport *tp, int32_t handle)
{
    int32_t i = handle - 100;
    if (i < 0 || i >= (int32_t)tp->nconns)
        return NULL;
    return &tp->conns[i];
}

static int32_t tp_send(void *ctx, int32_t handle, const unsigned char *buf, size_t len,
                       uint32_t timeout_ms)
{
    testport *tp = self(ctx);
    tp_conn *c = conn_of(tp, handle);
    (void)timeout_ms;
    if (c == NULL)
        return GF_PORT_E_FAILED;
    if (c->send != 0)
        return c->send;
    size_t i = (size_t)(handle - 100);
    if (!tp->sent_any[i]) {
        tp->sent_any[i] = true;
        tp->sent_at[i] = tp->now;
    }
    size_t room = TP_SENT_MAX - tp->sent_len[i];
    memcpy(tp->sent[i] + tp->sent_len[i], buf, len < room ? len : room);
    tp->sent_len[i] += len < room ? len : room;
    tp->sent[i][tp->sent_len[i]] = '\0';
    return (int32_t)len;
}

static int32_t tp_recv(void *ctx, int32_t handle, unsigned char *buf, size_t len,
                       uint32_t timeout_ms)
{
    testport *tp = self(ctx);
    tp_conn *c = conn_of(tp, handle);
    if (c == NULL || handle - 100 != tp->current)
        return GF_PORT_E_FAILED;
    for (;;) {
        if (tp->step >= TP_MAX_STEPS) {
            tp->now += timeout_ms;
            return GF_PORT_E_TIMEOUT;
        }
        tp_step *s = &c->steps[tp->step];
        size_t total;
        switch (s->kind) {
        case TP_DATA:
            total = s->len != 0 ? s->len : (s->data != NULL ? strlen(s->data) : 0);
            if (tp->off >= total) {
                if (total == 0 && s->data == NULL) {
                    /* an unfilled step: the script ended without EOF */
                    tp->now += timeout_ms;
                    return GF_PORT_E_TIMEOUT;
                }
                tp->step++;
                tp->off = 0;
                continue;
            } else {
                size_t n = total - tp->off;
                if (tp->piece != 0 && n > tp->piece)
                    n = tp->piece;
                if (n > len)
                    n = len;
                memcpy(buf, s->data + tp->off, n);
                tp->off += n;
                if (!tp->answered_any[tp->current]) {
                    tp->answered_any[tp->current] = true;
                    tp->answered_at[tp->current] = tp->now;
                }
                return (int32_t)n;
            }
        case TP_EOF:
            return 0;
        case TP_DELAY:
            if (s->ms - tp->off > timeout_ms) {
                tp->off += timeout_ms;
                tp->now += timeout_ms;
                return GF_PORT_E_TIMEOUT;
            }
            tp->now += s->ms - tp->off;
            tp->step++;
            tp->off = 0;
            continue;
        case TP_HANG:
            tp->now += timeout_ms;
            return GF_PORT_E_TIMEOUT;
        case TP_RESET:
            return GF_PORT_E_RESET;
        case TP_WOULD_BLOCK:
            tp->step++;
            tp->off = 0;
            return GF_PORT_E_WOULD_BLOCK;
        }
    }
}

static void tp_close(void *ctx, int32_t handle)
{
    testport *tp = self(ctx);
    tp->closes++;
    if (handle - 100 == tp->current)
        tp->current = -1;
}

static uint64_t tp_now(void *ctx)
{
    testport *tp = self(ctx);
    return tp->tick > 1 ? tp->now - tp->now % tp->tick : tp->now;
}
static int64_t tp_utc(void *ctx) { return self(ctx)->utc; }

static void tp_sleep(void *ctx, uint32_t ms)
{
    self(ctx)->now += ms;
    self(ctx)->slept += ms;
}

static int32_t tp_entropy(void *ctx, unsigned char *buf, size_t len)
{
    testport *tp = self(ctx);
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)(tp->entropy_byte++ * 37u);
    return 0;
}

void tp_init(testport *tp)
{
    memset(tp, 0, sizeof(*tp));
    tp->port.ctx = tp;
    tp->port.connect = tp_connect;
    tp->port.send = tp_send;
    tp->port.recv = tp_recv;
    tp->port.close = tp_close;
    tp->port.now_ms = tp_now;
    tp->port.utc_s = tp_utc;
    tp->port.sleep_ms = tp_sleep;
    tp->port.entropy = tp_entropy;
    tp->current = -1;
    tp->now = 1000;
    tp->utc = 1795850400; /* 2026-11-28 15:20 Beijing time */
}

tp_conn *tp_add(testport *tp)
{
    tp_conn *c = &tp->conns[tp->nconns++];
    memset(c, 0, sizeof(*c));
    return c;
}

tp_conn *tp_add_reply(testport *tp, const char *reply)
{
    tp_conn *c = tp_add(tp);
    c->steps[0] = (tp_step){TP_DATA, reply, 0, 0};
    c->steps[1] = (tp_step){TP_EOF, NULL, 0, 0};
    return c;
}
