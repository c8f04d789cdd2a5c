/* The response parser, fed in every piece size (RFC 9112). */
#include <stdio.h>

#include "check.h"
#include "../../src/http.h"

typedef struct result {
    gf_status st;
    int status;
    bool done, reusable, started;
    size_t used_total, fed;
    char headers[16384];
    size_t hlen;
    char body[8192];
    size_t blen;
    gf_status fail_header; /* returned by the header callback when set */
} result;

static gf_status on_header(void *user, int status, gf_view name, gf_view value)
{
    result *r = user;
    (void)status;
    if (r->fail_header != GF_OK)
        return r->fail_header;
    int n = snprintf(r->headers + r->hlen, sizeof(r->headers) - r->hlen, "%.*s=%.*s\n",
                     (int)name.len, name.ptr, (int)value.len, value.ptr);
    if (n > 0 && (size_t)n < sizeof(r->headers) - r->hlen)
        r->hlen += (size_t)n;
    return GF_OK;
}

static gf_status on_head(void *user, int status)
{
    ((result *)user)->status = status;
    return GF_OK;
}

static gf_status on_body(void *user, const unsigned char *data, size_t len)
{
    result *r = user;
    if (len > sizeof(r->body) - r->blen)
        return GF_E_BUFFER;
    memcpy(r->body + r->blen, data, len);
    r->blen += len;
    return GF_OK;
}

/* Feed text in pieces of `piece` bytes (0: all at once); eof: then close. */
static void run(const char *text, size_t len, size_t piece, gf_http_mode mode, bool eof, result *r)
{
    static gf_http_parser p;
    gf_status fail = r->fail_header;
    memset(r, 0, sizeof(*r));
    r->fail_header = fail;
    gf_http_handler hd = {r, on_header, on_head, on_body};
    gf_http_parser_init(&p, mode);
    r->st = GF_OK;
    size_t off = 0;
    while (off < len && !gf_http_parser_done(&p)) {
        size_t n = piece == 0 || piece > len - off ? len - off : piece;
        size_t used = 0;
        r->st = gf_http_parser_feed(&p, (const unsigned char *)text + off, n, &used, &hd);
        r->used_total += used;
        off += n;
        if (r->st != GF_OK)
            break;
        if (used < n)
            break;
    }
    r->fed = off;
    if (r->st == GF_OK && eof && !gf_http_parser_done(&p))
        r->st = gf_http_parser_eof(&p);
    r->done = gf_http_parser_done(&p);
    r->reusable = gf_http_parser_reusable(&p);
    r->started = gf_http_parser_started(&p);
    if (r->status == 0)
        r->status = p.status;
}

static const size_t pieces[] = {1, 2, 3, 7, 13, 0};
#define NPIECES (sizeof(pieces) / sizeof(pieces[0]))

/* Same outcome whatever the split: status, headers, body, error. */
static void check_all_splits(const char *text, gf_http_mode mode, bool eof, gf_status want_st,
                             int want_status, const char *want_body, const char *want_headers,
                             bool want_reusable, int line)
{
    static result r;
    for (size_t i = 0; i < NPIECES; i++) {
        r.fail_header = GF_OK;
        run(text, strlen(text), pieces[i], mode, eof, &r);
        if (r.st != want_st) {
            check_fail(__FILE__, line, "piece %zu: status %s, want %s", pieces[i],
                       gf_strerror(r.st), gf_strerror(want_st));
            return;
        }
        if (want_st != GF_OK)
            continue;
        if (r.status != want_status)
            check_fail(__FILE__, line, "piece %zu: HTTP %d, want %d", pieces[i], r.status,
                       want_status);
        if (want_body != NULL &&
            (r.blen != strlen(want_body) || memcmp(r.body, want_body, r.blen) != 0))
            check_fail(__FILE__, line, "piece %zu: body \"%.*s\", want \"%s\"", pieces[i],
                       (int)r.blen, r.body, want_body);
        if (want_headers != NULL && strcmp(r.headers, want_headers) != 0)
            check_fail(__FILE__, line, "piece %zu: headers\n%s want\n%s", pieces[i], r.headers,
                       want_headers);
        if (r.reusable != want_reusable)
            check_fail(__FILE__, line, "piece %zu: reusable %d", pieces[i], r.reusable);
    }
}

#define ALL_SPLITS(text, eof, st, status, body, headers, reusable)                         \
    check_all_splits(text, GF_HTTP_MODE_NORMAL, eof, st, status, body, headers, reusable, \
                     __LINE__)

/* A whole response of len bytes in pieces of `piece` (0: at once), then
 * the close; the result stays until the next call. */
static const result *parse(const char *text, size_t len, size_t piece)
{
    static result r;
    r.fail_header = GF_OK;
    run(text, len, piece, GF_HTTP_MODE_NORMAL, true, &r);
    return &r;
}

/* Every split of the response ends in want (or in or_want); `what` names
 * the case in a failure. */
static void check_pieces(const char *what, const char *text, size_t len, gf_status want,
                         gf_status or_want, int line)
{
    for (size_t k = 0; k < NPIECES; k++) {
        gf_status st = parse(text, len, pieces[k])->st;
        if (st != want && st != or_want)
            check_fail(__FILE__, line, "%s, piece %zu: %s", what, pieces[k], gf_strerror(st));
    }
}

#define EVERY_PIECE(what, text, len, want) check_pieces(what, text, len, want, want, __LINE__)

/* A response whose status line is line: a syntax error. */
static void check_status_line_refused(const char *line, int at)
{
    char text[256];
    snprintf(text, sizeof(text), "%s\r\nContent-Length: 0\r\n\r\n", line);
    gf_status st = parse(text, strlen(text), 0)->st;
    if (st != GF_E_HTTP_SYNTAX)
        check_fail(__FILE__, at, "status line \"%s\": %s", line, gf_strerror(st));
}

/* Fields "<prefix><i>: v" for i in 0..count-1, appended at text + n;
 * returns the new length. */
static size_t add_fields(char *text, size_t n, const char *prefix, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        n += (size_t)sprintf(text + n, "%s%u: v\r\n", prefix, i);
    return n;
}

/* A header line of exactly GF_HTTP_LINE_MAX bytes is fine; one more is
 * not, whatever the split, with eol ("\r\n" or "\n") as every line end. */
static void check_line_limit(const char *eol, int line)
{
    static char text[GF_HTTP_LINE_MAX + 256];
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = (size_t)sprintf(text, "HTTP/1.1 200 OK%sX: ", eol);
        size_t fill = GF_HTTP_LINE_MAX - 3 + (size_t)extra;
        memset(text + n, 'v', fill);
        n += fill;
        n += (size_t)sprintf(text + n, "%sContent-Length: 0%s%s", eol, eol, eol);
        char what[48];
        snprintf(what, sizeof(what), "line of %zu", fill + 3);
        gf_status want = extra ? GF_E_HTTP_LINE_TOO_LONG : GF_OK;
        check_pieces(what, text, n, want, want, line);
    }
}

static void content_length_body(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"\r\nX-Empty:\r\n"
               "x-amz-meta-md5-hash:   5d41402abc4b2a76b9719d911017c592  \r\n\r\nhello",
               false, GF_OK, 200, "hello",
               "Content-Length=5\nETag=\"abc\"\nX-Empty=\n"
               "x-amz-meta-md5-hash=5d41402abc4b2a76b9719d911017c592\n",
               true);
    ALL_SPLITS("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false, GF_OK, 404, "",
               NULL, true);
}

static void chunked_body(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nhello\r\n6;name=val;x\r\n world\r\nA \r\n0123456789\r\n0\r\n"
               "Trailer-One: x\r\nTrailer-Two: y\r\n\r\n",
               false, GF_OK, 200, "hello world0123456789", NULL, true);
    ALL_SPLITS("HTTP/1.1 200 OK\r\ntransfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n", false, GF_OK,
               200, "", NULL, true);
    /* When both are present, chunked wins and the connection is not reused. */
    ALL_SPLITS("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
               "3\r\nabc\r\n0\r\n\r\n",
               false, GF_OK, 200, "abc", NULL, false);
}

static void chunk_errors(void)
{
    static const char *const bad[] = {
        "10000000000000000\r\n", /* 17 hex digits: over 64 bits */
        "FFFFFFFFFFFFFFFFF\r\n",
        "\r\n",                  /* no size */
        "-1\r\n",
        "0x5\r\n",
        "5 5\r\n",
        "zz\r\n",
        " 5\r\n",
        "5\r\nhelloX\r\n",       /* no CRLF after the data */
        "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n",
    };
    char text[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s",
                 bad[i]);
        check_pieces(bad[i], text, strlen(text), GF_E_HTTP_CHUNK, GF_E_HTTP_SYNTAX, __LINE__);
    }
    /* The largest 64-bit size is a size (then the body is truncated). */
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nab",
               true, GF_E_HTTP_TRUNCATED, 0, NULL, NULL, false);
}

static void content_length_rules(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", false,
               GF_OK, 200, "abc", NULL, true);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", false, GF_OK, 200, "abc",
               NULL, true);
    static const char *const bad[] = {"3\r\nContent-Length: 4", "3, 4", "abc", "-1", "", "1e3",
                                      "+3", "0x10", "99999999999999999999", "3 3", "3,"};
    char text[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\nabcd", bad[i]);
        gf_status st = parse(text, strlen(text), 0)->st;
        if (st != GF_E_HTTP_CONTENT_LENGTH)
            check_fail(__FILE__, __LINE__, "Content-Length \"%s\": %s", bad[i], gf_strerror(st));
    }
}

static void transfer_codings_other_than_chunked_refused(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", true, GF_E_HTTP_SYNTAX, 0,
               NULL, NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", true,
               GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
               true, GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
}

static void header_syntax(void)
{
    static const char *const bad[] = {
        "X-A : 1\r\n",                /* whitespace before the colon */
        "No colon here\r\n",
        ": empty name\r\n",
        "X-A: a\rb\r\n",              /* a bare CR */
        "X-A: a\x01b\r\n",
        "X(A): 1\r\n",
    };
    char text[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\n%sContent-Length: 0\r\n\r\n", bad[i]);
        EVERY_PIECE(bad[i], text, strlen(text), GF_E_HTTP_SYNTAX);
    }
    /* A NUL inside a header line. */
    static const char nul[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n";
    CHECK_ST(parse(nul, sizeof(nul) - 1, 0)->st, GF_E_HTTP_SYNTAX);
    /* Bare LF line ends are accepted (RFC 9112 section 2.2). */
    ALL_SPLITS("HTTP/1.1 200 OK\nContent-Length: 2\nX-B:b\n\nok", false, GF_OK, 200, "ok",
               "Content-Length=2\nX-B=b\n", true);
}

static void status_lines(void)
{
    static const char *const bad[] = {"HTTP/2 200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 6000 Nope",
                                      "HTTP/1.1 200OK", "ICY 200 OK", "HTTP/1.1  200 OK",
                                      "http/1.1 200 OK", "HTTP/1.1 099 x", "HTTP/2.0 200 OK",
                                      "HTTP/1.1 101 Switching Protocols", "garbage"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_status_line_refused(bad[i], __LINE__);
    ALL_SPLITS("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, GF_OK, 200, "", NULL, true);
    ALL_SPLITS("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, GF_OK, 200, "", NULL,
               true);
    ALL_SPLITS("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false, GF_OK, 200, "x", NULL,
               false);
}

static void connection_close(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", false, GF_OK,
               200, "x", NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\nx",
               false, GF_OK, 200, "x", NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", false,
               GF_OK, 200, "x", NULL, true);
}

static void body_until_close(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nX: y\r\n\r\nall of this until the end", true, GF_OK, 200,
               "all of this until the end", NULL, false);
}

static void interim_responses_skipped(void)
{
    ALL_SPLITS("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
               false, GF_OK, 200, "ok", "Content-Length=2\n", true);
    /* A flood of interim responses meets the header limit. */
    static char flood[64 * (GF_HTTP_HEADERS_MAX + 2)];
    size_t n = 0;
    for (unsigned i = 0; i < GF_HTTP_HEADERS_MAX + 1; i++)
        n += (size_t)sprintf(flood + n, "HTTP/1.1 100 Continue\r\n\r\n");
    CHECK_ST(parse(flood, n, 0)->st, GF_E_HTTP_TOO_MANY_HEADERS);
}

static void no_body_responses(void)
{
    check_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", GF_HTTP_MODE_HEAD, false,
                     GF_OK, 200, "", NULL, true, __LINE__);
    ALL_SPLITS("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, GF_OK, 204, "", NULL,
               true);
    ALL_SPLITS("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false, GF_OK,
               304, "", NULL, true);
    check_all_splits("HTTP/1.1 200 Connection established\r\nContent-Length: 9\r\n\r\n",
                     GF_HTTP_MODE_CONNECT, false, GF_OK, 200, "", NULL, true, __LINE__);
}

static void truncations(void)
{
    static const char full[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    static const char chunked[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    const char *texts[] = {full, chunked};
    for (size_t t = 0; t < 2; t++) {
        size_t n = strlen(texts[t]);
        for (size_t cut = 0; cut < n; cut++) {
            const result *r = parse(texts[t], cut, 0);
            if (r->st != GF_E_HTTP_TRUNCATED)
                check_fail(__FILE__, __LINE__, "cut at %zu: %s", cut, gf_strerror(r->st));
            if (cut == 0 && r->started)
                check_fail(__FILE__, __LINE__, "started with no byte");
        }
        CHECK_ST(parse(texts[t], n, 0)->st, GF_OK);
    }
}

static void limits(void)
{
    check_line_limit("\r\n", __LINE__);
    /* GF_HTTP_HEADERS_MAX headers are fine; one more is not. */
    static char many[32 * (GF_HTTP_HEADERS_MAX + 4)];
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = (size_t)sprintf(many, "HTTP/1.1 200 OK\r\n");
        n = add_fields(many, n, "X-", GF_HTTP_HEADERS_MAX - 1 + (unsigned)extra);
        n += (size_t)sprintf(many + n, "Content-Length: 0\r\n\r\n");
        CHECK_ST(parse(many, n, 0)->st, extra ? GF_E_HTTP_TOO_MANY_HEADERS : GF_OK);
    }
}

static void stops_at_the_end_of_the_response(void)
{
    static const char text[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n";
    static result r;
    r.fail_header = GF_OK;
    run(text, strlen(text), 0, GF_HTTP_MODE_NORMAL, false, &r);
    CHECK_ST(r.st, GF_OK);
    CHECK(r.done);
    CHECK_INT(r.used_total, strlen("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
}

static void callback_errors_stop(void)
{
    static result r;
    r.fail_header = GF_E_SINK;
    run("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 38, 0, GF_HTTP_MODE_NORMAL, true, &r);
    CHECK_ST(r.st, GF_E_SINK);
    CHECK_INT(r.blen, 0);
}

/* A line of GF_HTTP_LINE_MAX bytes is fine with a bare LF as its end too
 * (RFC 9112 section 2.2); one byte more is too long, CR or not. */
static void line_limit_with_bare_lf(void)
{
    check_line_limit("\n", __LINE__);
}

/* The chunk-size line and its extensions share the line limit. */
static void chunk_size_line_limit(void)
{
    static char text[GF_HTTP_LINE_MAX + 256];
    size_t n = (size_t)sprintf(text, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=");
    memset(text + n, 'v', GF_HTTP_LINE_MAX);
    n += GF_HTTP_LINE_MAX;
    n += (size_t)sprintf(text + n, "\r\nhello\r\n0\r\n\r\n");
    EVERY_PIECE("chunk-size line", text, n, GF_E_HTTP_LINE_TOO_LONG);
}

/* Control bytes are refused in every line: DEL in a field, any of them in a
 * chunk-size line, after chunk data and in a trailer field. */
static void control_bytes_in_any_line(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nX-A: a\x7f\r\nContent-Length: 0\r\n\r\n", true,
               GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\x01\r\nhello\r\n0\r\n\r\n",
               true, GF_E_HTTP_CHUNK, 0, NULL, NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=\x7f\r\nhello\r\n0\r\n\r\n",
               true, GF_E_HTTP_CHUNK, 0, NULL, NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\x01\r\n0\r\n\r\n",
               true, GF_E_HTTP_CHUNK, 0, NULL, NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\x01\r\n\r\n",
               true, GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT, then SP and a 3-digit status
 * code (RFC 9112 sections 2.3 and 4). */
static void status_line_shape(void)
{
    static const char *const bad[] = {"HTTP/1,1 200 OK", "HTTP/1.x 200 OK", "HTTP/1.10 200 OK",
                                      "HTTP/1.1-200 OK", "HTTP/1.1 2x0 OK", "HTTP/1.1 20x OK"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_status_line_refused(bad[i], __LINE__);
    ALL_SPLITS("HTTP/1.9 599 Whatever\r\nContent-Length: 0\r\n\r\n", false, GF_OK, 599, "", NULL,
               true);
}

/* The empty line tolerated before a status line is only the very first
 * one: after an interim response the next line must be a status line. */
static void empty_line_after_interim_response_refused(void)
{
    ALL_SPLITS("HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
               true, GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
}

/* Content-Length = #( 1*DIGIT ) with optional whitespace around each
 * member (RFC 9110 sections 5.6.1 and 8.6). */
static void content_length_list_whitespace(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nContent-Length: 3 ,\t3 , 3\r\n\r\nabc", false, GF_OK, 200,
               "abc", NULL, true);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nContent-Length: 3 , 4\r\n\r\nabcd", true,
               GF_E_HTTP_CONTENT_LENGTH, 0, NULL, NULL, false);
}

/* Connection = #connection-option: whitespace and empty members around
 * the options are allowed (RFC 9110 sections 5.6.1 and 7.6.1). */
static void connection_list_shapes(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nConnection: keep-alive , close\r\nContent-Length: 1\r\n\r\nx",
               false, GF_OK, 200, "x", NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nConnection: close,\r\nContent-Length: 1\r\n\r\nx", false,
               GF_OK, 200, "x", NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nConnection: , keep-alive ,\r\nContent-Length: 1\r\n\r\nx",
               false, GF_OK, 200, "x", NULL, true);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nConnection: closed, xclose\r\nContent-Length: 1\r\n\r\nx",
               false, GF_OK, 200, "x", NULL, true);
}

static void header_without_colon_refused(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nX-No-Colon\r\nContent-Length: 0\r\n\r\n", true,
               GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
}

/* Trailer fields count against the same limit as header fields. */
static void trailers_count_against_the_header_limit(void)
{
    static char text[32 * (GF_HTTP_HEADERS_MAX + 4)];
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = (size_t)sprintf(text, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                         "2\r\nok\r\n0\r\n");
        n = add_fields(text, n, "T-", GF_HTTP_HEADERS_MAX - 1 + (unsigned)extra);
        n += (size_t)sprintf(text + n, "\r\n");
        const result *r = parse(text, n, 0);
        CHECK_ST(r->st, extra ? GF_E_HTTP_TOO_MANY_HEADERS : GF_OK);
        if (!extra) {
            CHECK(r->done);
            CHECK_INT(r->blen, 2);
        }
    }
}

/* The handler, and each of its callbacks, may be left out. */
static void handler_callbacks_optional(void)
{
    static const char text[] = "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 5\r\n\r\nhello";
    static const char chunked[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    const char *texts[] = {text, chunked};
    gf_http_handler none = {NULL, NULL, NULL, NULL};
    const gf_http_handler *handlers[] = {NULL, &none};
    gf_http_parser p;
    for (size_t t = 0; t < 2; t++) {
        for (size_t h = 0; h < 2; h++) {
            size_t used = 0, n = strlen(texts[t]);
            gf_http_parser_init(&p, GF_HTTP_MODE_NORMAL);
            CHECK_ST(gf_http_parser_feed(&p, (const unsigned char *)texts[t], n, &used, handlers[h]),
                     GF_OK);
            CHECK_INT(used, n);
            CHECK(gf_http_parser_done(&p));
            CHECK(gf_http_parser_reusable(&p));
            CHECK_INT(p.status, 200);
        }
    }
}

static gf_status refuse_head(void *user, int status)
{
    (void)status;
    (*(int *)user)++;
    return GF_E_SINK;
}

static gf_status count_body(void *user, const unsigned char *data, size_t len)
{
    (void)data;
    (void)len;
    (*(int *)user) += 100;
    return GF_OK;
}

/* An error from the head callback stops the response before its body. */
static void head_callback_error_stops(void)
{
    static const char text[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    int calls = 0;
    gf_http_handler hd = {&calls, NULL, refuse_head, count_body};
    gf_http_parser p;
    size_t used = 0;
    gf_http_parser_init(&p, GF_HTTP_MODE_NORMAL);
    CHECK_ST(gf_http_parser_feed(&p, (const unsigned char *)text, sizeof(text) - 1, &used, &hd),
             GF_E_SINK);
    CHECK_INT(calls, 1); /* head once, body never */
    CHECK_INT(used, sizeof(text) - 1 - 5);
    CHECK(!gf_http_parser_done(&p));
}

/* Feeding no bytes is no news: nothing started, nothing used. */
static void empty_feed(void)
{
    static const char text[] = "HTTP/1.1 204 No Content\r\n\r\n";
    gf_http_parser p;
    size_t used = 99;
    gf_http_parser_init(&p, GF_HTTP_MODE_NORMAL);
    CHECK_ST(gf_http_parser_feed(&p, (const unsigned char *)text, 0, &used, NULL), GF_OK);
    CHECK_INT(used, 0);
    CHECK(!gf_http_parser_started(&p));
    CHECK(!gf_http_parser_done(&p));
    CHECK_ST(gf_http_parser_eof(&p), GF_E_HTTP_TRUNCATED);
    gf_http_parser_init(&p, GF_HTTP_MODE_NORMAL);
    CHECK_ST(gf_http_parser_feed(&p, (const unsigned char *)text, sizeof(text) - 1, &used, NULL),
             GF_OK);
    CHECK(gf_http_parser_started(&p));
    CHECK(gf_http_parser_done(&p));
    CHECK_INT(p.status, 204);
}

/* RFC 9112 section 5.2: a user agent MUST replace each received obs-fold
 * with one or more SP before interpreting the field value. */
static void obs_fold_becomes_a_space(void)
{
    ALL_SPLITS("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok", false,
               GF_OK, 200, "ok", "X-A=1 folded\nContent-Length=2\n", true);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nX-A: one \r\n\t \ttwo\r\n  three\r\nX-B: b\r\n"
               "Content-Length: 0\r\n\r\n",
               false, GF_OK, 200, "", "X-A=one  two three\nX-B=b\nContent-Length=0\n", true);
    /* a folded value is interpreted whole: here the framing */
    ALL_SPLITS("HTTP/1.1 200 OK\r\nContent-Length:\r\n 3\r\n\r\nabc", false, GF_OK, 200, "abc",
               "Content-Length=3\n", true);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\tchunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
               false, GF_OK, 200, "hi", "Transfer-Encoding=chunked\n", true);
    /* a fold of whitespace only, right before the blank line */
    ALL_SPLITS("HTTP/1.1 200 OK\r\nX-A: a\r\n   \r\nContent-Length: 0\r\n\r\n", false, GF_OK,
               200, "", "X-A=a\nContent-Length=0\n", true);
    /* bare LF line ends fold the same way; trailers may fold too */
    ALL_SPLITS("HTTP/1.1 200 OK\nX-A: a\n b\nContent-Length: 0\n\n", false, GF_OK, 200, "",
               "X-A=a b\nContent-Length=0\n", true);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
               "T: 1\r\n 2\r\n\r\n",
               false, GF_OK, 200, "x", NULL, true);
    /* whitespace before the first field is no fold (RFC 9112 section 2.2) */
    ALL_SPLITS("HTTP/1.1 200 OK\r\n X-A: 1\r\nContent-Length: 0\r\n\r\n", false,
               GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
    /* the folded line still meets the line limit */
    static char text[GF_HTTP_LINE_MAX + 128];
    int n = snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nX-A: %0*d\r\n ", GF_HTTP_LINE_MAX / 2,
                     0);
    CHECK(n > 0);
    memset(text + n, 'x', GF_HTTP_LINE_MAX / 2);
    strcpy(text + n + GF_HTTP_LINE_MAX / 2, "\r\nContent-Length: 0\r\n\r\n");
    ALL_SPLITS(text, false, GF_E_HTTP_LINE_TOO_LONG, 0, NULL, NULL, false);
}

/* RFC 9110 section 5.6.1: a recipient MUST accept and ignore empty list
 * elements, in Transfer-Encoding as anywhere. */
static void transfer_encoding_empty_list_elements_ignored(void)
{
    static const char *const values[] = {"chunked,", ", chunked", " ,chunked ,, ", "CHUNKED,\t"};
    char text[256];
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        snprintf(text, sizeof(text),
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: %s\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                 values[i]);
        check_all_splits(text, GF_HTTP_MODE_NORMAL, false, GF_OK, 200, "abc", NULL, true,
                         __LINE__);
    }
    /* still refused: no coding at all, chunked twice, a coding we do not speak */
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n0\r\n\r\n", true,
               GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, , chunked\r\n\r\n0\r\n\r\n", true,
               GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
    ALL_SPLITS("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,\r\n\r\n0\r\n\r\n", true,
               GF_E_HTTP_SYNTAX, 0, NULL, NULL, false);
}

/* RFC 9110 section 15: 600..999 have no class; a client SHOULD treat an
 * invalid status as a 5xx. The parser hands the code over as it came, the
 * body framed as usual; the layers above take >= 500 as a server error. */
static void status_600_to_999_parsed_for_the_caller(void)
{
    ALL_SPLITS("HTTP/1.1 600 Odd\r\nContent-Length: 3\r\n\r\nabc", false, GF_OK, 600, "abc",
               "Content-Length=3\n", true);
    ALL_SPLITS("HTTP/1.1 999\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n", false,
               GF_OK, 999, "z", NULL, true);
}

CHECK_SUITE(http_parser, CASE(content_length_body), CASE(chunked_body), CASE(chunk_errors),
            CASE(content_length_rules), CASE(transfer_codings_other_than_chunked_refused),
            CASE(header_syntax), CASE(status_lines), CASE(connection_close),
            CASE(body_until_close), CASE(interim_responses_skipped), CASE(no_body_responses),
            CASE(truncations), CASE(limits), CASE(stops_at_the_end_of_the_response),
            CASE(callback_errors_stop), CASE(line_limit_with_bare_lf), CASE(chunk_size_line_limit),
            CASE(control_bytes_in_any_line), CASE(status_line_shape),
            CASE(empty_line_after_interim_response_refused), CASE(content_length_list_whitespace),
            CASE(connection_list_shapes), CASE(header_without_colon_refused),
            CASE(trailers_count_against_the_header_limit), CASE(handler_callbacks_optional),
            CASE(head_callback_error_stops), CASE(empty_feed),
            CASE(obs_fold_becomes_a_space), CASE(transfer_encoding_empty_list_elements_ignored),
            CASE(status_600_to_999_parsed_for_the_caller));
