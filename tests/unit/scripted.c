#include "scripted.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static struct {
    evrec e[64];
    size_t n;
} evs;
static const testport *clock_of;

static char arena[512 * 1024];
static size_t arena_len;

void scripted_client(gf_client *cl, testport *tp, faketls *tls, uint32_t retries,
                     uint32_t backoff_ms)
{
    tp_init(tp);
    faketls_init(tls);
    gf_client_init(cl, &tp->port, FAKETLS(tls));
    cl->retries = retries;
    cl->backoff_ms = backoff_ms;
    cl->http.timeout_ms = 5000;
    cl->http.on_event = scripted_on_event;
    cl->http.event_user = NULL;
    scripted_reset(tp);
}

void scripted_reset(const testport *tp)
{
    memset(&evs, 0, sizeof(evs));
    clock_of = tp;
    arena_len = 0;
}

void scripted_on_event(void *user, const gf_event *ev)
{
    (void)user;
    if (evs.n < sizeof(evs.e) / sizeof(evs.e[0]))
        evs.e[evs.n++] = (evrec){ev->kind,  ev->status, ev->delay_ms,
                                 ev->done,  ev->total,  clock_of != NULL ? clock_of->now : 0};
}

size_t count_events(gf_event_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < evs.n; i++)
        n += evs.e[i].kind == kind;
    return n;
}

const evrec *event_of(gf_event_kind kind, size_t k)
{
    for (size_t i = 0; i < evs.n; i++) {
        if (evs.e[i].kind == kind && k-- == 0)
            return &evs.e[i];
    }
    return NULL;
}

const char *say(const char *fmt, ...)
{
    va_list ap;
    char *p = arena + arena_len;
    size_t room = sizeof(arena) - arena_len;
    va_start(ap, fmt);
    int n = vsnprintf(p, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        check_fail(__FILE__, __LINE__, "test arena full");
        return "";
    }
    arena_len += (size_t)n + 1;
    return p;
}
