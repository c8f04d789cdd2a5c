/*
 * The firmware example's port: no network, only scripted bytes. Each
 * connect takes the next scripted connection, which holds one reply per
 * request: reply k is handed out once the library has sent its k-th request
 * (as a server would), in pieces of at most `piece` bytes so that the HTTP
 * parser meets odd splits; after the last reply the peer closes. What the
 * library sends is kept per connection for checks. The clock is fake and
 * the board has no wall clock.
 */
#ifndef FW_MEMPORT_H
#define FW_MEMPORT_H

#include "giofetch/port.h"

#include <stdbool.h>
#include <stddef.h>

#define MEMPORT_CONNS 8
#define MEMPORT_REPLIES 4
#define MEMPORT_SENT_MAX 1024

typedef struct memport_reply {
    const unsigned char *data;    /* not copied */
    size_t len;
} memport_reply;

typedef struct memport_conn {
    char host[64];
    uint16_t port;
    memport_reply reply[MEMPORT_REPLIES];
    size_t replies;
    bool eager;                   /* reply without waiting for a request     */
    size_t requests;              /* request lines seen in what was sent     */
    size_t current, at;           /* reply being handed out, and where       */
    unsigned char sent[MEMPORT_SENT_MAX + 1]; /* the first bytes sent, + NUL */
    size_t sent_len;              /* all bytes sent, even past the copy      */
    bool closed;
} memport_conn;

typedef struct memport {
    gf_port port;                 /* hand &mp->port to the library           */
    size_t piece;                 /* most bytes per recv (0: as many as fit) */
    memport_conn conn[MEMPORT_CONNS];
    size_t scripted, connects;
    uint64_t now;                 /* fake monotonic ms                       */
    uint32_t rng;                 /* "entropy": xorshift, for tests only     */
} memport;

void memport_init(memport *mp, size_t piece);
/* Script the next connection; returns it. */
memport_conn *memport_script(memport *mp);
/* Add the reply to the next request on c (len 0: strlen). */
void memport_reply_with(memport_conn *c, const void *data, size_t len);

#endif
