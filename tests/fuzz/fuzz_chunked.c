/*
 * libFuzzer target: the chunked transfer coding (RFC 9112 section 7.1) of
 * gf_http_parser_feed, behind a fixed response head.
 *
 * Input: byte 0 is the most bytes per feed (0: all at once); the rest is the
 * message body as the server sends it, then the connection closes.
 *
 * Checks: *used never exceeds what was fed, and is short only when the
 * response has ended; the outcome and the body are the same fed in pieces
 * or one byte at a time; GF_OK means an independent decoder reads the same
 * body from the same bytes and ends where the parser ended; never more body
 * than input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "http.h"
#include "ref_chunked.h"

#define FUZZ_NAME "fuzz_chunked"
#include "fuzz_check.h"

static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Fuzz: 1\r\n\r\n";

typedef struct out {
    unsigned char body[1 << 15];
    size_t len;
} out;

static gf_status on_body(void *user, const unsigned char *data, size_t len)
{
    out *o = user;
    CHECK(len > 0 && len <= sizeof(o->body) - o->len);
    memcpy(o->body + o->len, data, len);
    o->len += len;
    return GF_OK;
}

/* Feed body[0..n) in pieces of `piece` bytes (0: at once), then the close.
 * *end receives how many body bytes the response took. */
static gf_status run(const unsigned char *body, size_t n, size_t piece, out *o, size_t *end)
{
    static gf_http_parser p;
    const gf_http_handler hd = {o, NULL, NULL, on_body};
    size_t used = 0, off = 0;
    o->len = 0;
    gf_http_parser_init(&p, GF_HTTP_MODE_NORMAL);
    gf_status st = gf_http_parser_feed(&p, (const unsigned char *)head, sizeof(head) - 1, &used, &hd);
    CHECK(st == GF_OK && used == sizeof(head) - 1 && !gf_http_parser_done(&p));
    while (off < n) {
        size_t k = piece == 0 || piece > n - off ? n - off : piece;
        used = (size_t)-1;
        st = gf_http_parser_feed(&p, body + off, k, &used, &hd);
        if (st != GF_OK) {
            *end = off;
            return st;
        }
        CHECK(used <= k);
        off += used;
        if (used < k) {
            CHECK(gf_http_parser_done(&p)); /* short only at the end of the response */
            break;
        }
        if (gf_http_parser_done(&p))
            break;
    }
    *end = off;
    if (!gf_http_parser_done(&p))
        st = gf_http_parser_eof(&p);
    CHECK(st != GF_OK || gf_http_parser_done(&p));
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static out a, b, r;
    size_t end_a = 0, end_b = 0, end_r = 0;
    if (size < 1)
        return 0;
    const unsigned char *body = data + 1;
    size_t n = size - 1;
    if (n > sizeof(a.body))
        return 0;

    gf_status sa = run(body, n, data[0], &a, &end_a);
    gf_status sb = run(body, n, 1, &b, &end_b);
    CHECK(sa == sb);
    CHECK(a.len == b.len && memcmp(a.body, b.body, a.len) == 0);
    CHECK(a.len <= n);
    if (sa != GF_OK)
        return 0;
    CHECK(end_a == end_b);
    CHECK(ref_chunked(body, n, 0, r.body, sizeof(r.body), &r.len, &end_r));
    CHECK(r.len == a.len && memcmp(r.body, a.body, a.len) == 0);
    CHECK(end_r == end_a);
    return 0;
}
