/*
 * Helpers for the suites that script whole exchanges (download, export,
 * flow): a client set up on the test port, a log of the library's events
 * stamped with the test port's fake clock, and an arena for response texts
 * that must outlive the call that wrote them (the test port hands them out
 * later).
 */
#ifndef GF_SCRIPTED_H
#define GF_SCRIPTED_H

#include "giofetch/giofetch.h"
#include "faketls.h"
#include "testport.h"

typedef struct evrec {
    gf_event_kind kind;
    gf_status status;
    uint32_t delay_ms;
    uint64_t done, total;
    uint64_t at; /* the fake clock when it was reported */
} evrec;

/* A client on a fresh test port and a fresh pass-through TLS, with the
 * given retry budget and first backoff, a 5 s idle timeout, and its events
 * going to a fresh log (scripted_reset). The suite sets the rest. */
void scripted_client(gf_client *cl, testport *tp, faketls *tls, uint32_t retries,
                     uint32_t backoff_ms);

/* Start a fresh log and a fresh arena; events are stamped with tp's clock. */
void scripted_reset(const testport *tp);
/* A gf_event_fn for cl.http.on_event (user is ignored). */
void scripted_on_event(void *user, const gf_event *ev);
/* How many events of a kind, and the k-th (from 0) of them or NULL. */
size_t count_events(gf_event_kind kind);
const evrec *event_of(gf_event_kind kind, size_t k);

/* printf into the arena; the text lives until the next scripted_reset. */
const char *say(const char *fmt, ...);

#endif
