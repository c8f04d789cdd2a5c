/* The fuzz targets' reference decoder for chunked bodies: written apart
 * from the engine's parser, so that agreeing with it means something. */
#ifndef GF_REF_CHUNKED_H
#define GF_REF_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* An independent reading of a chunked body (RFC 9112 section 7.1), lenient
 * where the engine is strict: chunk extensions and trailer fields are
 * skipped unread. Returns false when the bytes are not a whole chunked body. */
static bool ref_chunked(const unsigned char *d, size_t n, size_t at, unsigned char *out,
                        size_t cap, size_t *out_len, size_t *end)
{
    size_t o = 0;
    for (;;) {
        uint64_t size = 0;
        size_t digits = 0;
        const unsigned char *lf = memchr(d + at, '\n', n - at);
        if (lf == NULL)
            return false;
        for (size_t k = at; k < (size_t)(lf - d); k++, digits++) {
            int h = gf_hex_value((char)d[k]);
            if (h < 0)
                break;
            if (size > (UINT64_MAX >> 4))
                return false;
            size = size << 4 | (uint64_t)h;
        }
        if (digits == 0)
            return false;
        at = (size_t)(lf - d) + 1;
        if (size == 0)
            break;
        if (size > n - at || size > cap - o)
            return false;
        memcpy(out + o, d + at, (size_t)size);
        o += (size_t)size;
        at += (size_t)size;
        if (n - at >= 2 && d[at] == '\r' && d[at + 1] == '\n')
            at += 2;
        else if (n - at >= 1 && d[at] == '\n')
            at += 1;
        else
            return false;
    }
    for (;;) { /* trailer section, up to an empty line */
        const unsigned char *lf = memchr(d + at, '\n', n - at);
        if (lf == NULL)
            return false;
        size_t len = (size_t)(lf - d) - at;
        bool empty = len == 0 || (len == 1 && d[at] == '\r');
        at = (size_t)(lf - d) + 1;
        if (empty)
            break;
    }
    *out_len = o;
    *end = at;
    return true;
}

#endif
