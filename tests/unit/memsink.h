/* An in-memory gf_sink for unit tests: it holds the bytes of one file,
 * counts what the download layer asked of it, and can be told to have no
 * read_back or to fail writes past a size (a full disk). */
#ifndef GF_MEMSINK_H
#define GF_MEMSINK_H

#include "giofetch/giofetch.h"

#define MEMSINK_CAP (128u * 1024u)

typedef struct memsink {
    gf_sink sink;                /* hand &m->sink to gf_download              */
    unsigned char data[MEMSINK_CAP];
    size_t len;                  /* bytes held                                */
    size_t fail_after;           /* a write that would hold more: GF_E_SINK   */
    bool committed;
    char etag[GF_ETAG_MAX + 1];  /* what restart() was given                  */
    unsigned writes, commits, read_backs;
    unsigned restarts, discards; /* restart() calls; those that dropped bytes */
    uint64_t read_back_bytes;
} memsink;

/* An empty sink that can read back and never fails. */
void memsink_init(memsink *m);
/* The same, without read_back (a sink that cannot read back). */
void memsink_init_no_read_back(memsink *m);
/* Pretend an earlier try left these bytes. */
void memsink_hold(memsink *m, const void *bytes, size_t n);
/* The same, with the ETag an earlier try was given for them. */
void memsink_hold_etag(memsink *m, const void *bytes, size_t n, const char *etag);
/* The bytes held equal want[0..n). */
bool memsink_is(const memsink *m, const void *want, size_t n);

#endif
