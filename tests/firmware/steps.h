/*
 * The firmware programs' few lines of test harness: each step is a
 * function; a failed EXPECT prints where and marks the step failed;
 * step() prints "ok NAME" or "FAIL NAME". The program ends with
 * steps_done(), which prints "N passed, N failed" and returns the failures
 * (main's exit code, which qemu hands back).
 */
#ifndef FW_STEPS_H
#define FW_STEPS_H

#include "giofetch/giofetch.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern bool step_ok;

#define EXPECT(cond)                                                                 \
    do {                                                                             \
        if (!(cond)) {                                                               \
            step_ok = false;                                                         \
            printf("  %s:%d: %s\n", __FILE__, __LINE__, #cond);                      \
        }                                                                            \
    } while (0)

#define EXPECT_ST(expr, want)                                                        \
    do {                                                                             \
        gf_status got_ = (expr);                                                     \
        if (got_ != (want)) {                                                        \
            step_ok = false;                                                         \
            printf("  %s:%d: %s: %s\n", __FILE__, __LINE__, #expr, gf_strerror(got_)); \
        }                                                                            \
    } while (0)

void step(const char *name, void (*fn)(void));
int steps_done(void);

/* A sink in RAM, as a board without a file system would have. */
typedef struct ramsink {
    gf_sink sink;                /* hand &s->sink to gf_download */
    unsigned char data[8192];
    size_t len;
    bool committed;
    char etag[GF_ETAG_MAX + 1];  /* the validator of the bytes held */
} ramsink;

void ramsink_init(ramsink *s);

#endif
