/*
 * A scripted port for unit tests. Each connect takes the next connection
 * script; recv plays its steps, handing out at most `piece` bytes at a time
 * (1, 7, all...), so parsers meet every split. The clock is fake: it moves
 * only when a step waits or the library sleeps; it may tick coarsely.
 */
#ifndef GF_TESTPORT_H
#define GF_TESTPORT_H

#include "giofetch/port.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum tp_kind {
    TP_DATA,        /* bytes to receive                                   */
    TP_EOF,         /* the peer closes (recv returns 0 from now on)       */
    TP_DELAY,       /* nothing for ms milliseconds, then the next step    */
    TP_HANG,        /* nothing, ever: every recv times out                */
    TP_RESET,       /* the connection is reset                            */
    TP_WOULD_BLOCK  /* one GF_PORT_E_WOULD_BLOCK, then the next step       */
} tp_kind;

typedef struct tp_step {
    tp_kind kind;
    const char *data; /* TP_DATA: NUL-terminated unless len is set        */
    size_t len;
    uint32_t ms;      /* TP_DELAY                                          */
} tp_step;

#define TP_MAX_STEPS 16
#define TP_MAX_CONNS 12
#define TP_SENT_MAX 8192

typedef struct tp_conn {
    int32_t connect;  /* 0: connects; else the GF_PORT_E_ code connect returns */
    int32_t send;     /* 0: sends succeed; else the code every send returns   */
    tp_step steps[TP_MAX_STEPS];
} tp_conn;

typedef struct testport {
    gf_port port;
    size_t piece;                 /* most bytes per recv; 0: as many as fit */
    tp_conn conns[TP_MAX_CONNS];
    size_t nconns;
    /* what happened */
    size_t connects;              /* connect calls                           */
    size_t closes;
    int32_t current;              /* index of the open connection, or -1     */
    size_t step, off;
    uint64_t now;                 /* fake monotonic clock                    */
    int64_t utc;                  /* fake wall clock                         */
    uint64_t slept;               /* total ms asked of sleep_ms              */
    char host[TP_MAX_CONNS][256]; /* connect arguments                       */
    uint16_t portnum[TP_MAX_CONNS];
    char sent[TP_MAX_CONNS][TP_SENT_MAX + 1]; /* bytes sent per connection   */
    size_t sent_len[TP_MAX_CONNS];
    uint32_t entropy_byte;
    uint32_t tick;                /* now_ms counts in steps of tick ms (a coarse
                                   * clock that lags by up to tick - 1); 0, 1: exact */
    uint64_t sent_at[TP_MAX_CONNS];     /* true time of the first byte sent  */
    uint64_t answered_at[TP_MAX_CONNS]; /* true time of the first byte received */
    bool sent_any[TP_MAX_CONNS];
    bool answered_any[TP_MAX_CONNS];
} testport;

/* A fresh port with no connections scripted; piece 0. */
void tp_init(testport *tp);
/* Script the next connection; returns it so steps can be filled in. */
tp_conn *tp_add(testport *tp);
/* Shorthand: a connection that answers with one block of bytes then EOF. */
tp_conn *tp_add_reply(testport *tp, const char *reply);

#endif /* GF_TESTPORT_H */
