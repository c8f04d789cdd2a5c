/*
 * The fuzz targets' CHECK: a failed check names the target and the line on
 * FUZZ_DIAG (stderr unless the target says otherwise) and aborts, which
 * libFuzzer reports as a crash and keeps the input of.
 *
 * A target defines FUZZ_NAME ("fuzz_url", ...) before it includes this.
 */
#ifndef GF_FUZZ_CHECK_H
#define GF_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_DIAG
#define FUZZ_DIAG stderr
#endif

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(FUZZ_DIAG, FUZZ_NAME ": check failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

#endif
