/*
 * libFuzzer target: one HTTP response (or a chain of them) read by the engine
 * through the scripted test port, the way the network's bytes arrive:
 * gf_http_exchange -> transport -> port recv -> gf_http_parser_feed.
 *
 * Input:
 *   byte 0   most bytes per recv (0: as many as the engine's buffer takes)
 *   byte 1   flags: bits 0-1 how the script ends (EOF, reset, hang, EOF);
 *            bit 2 HEAD; bit 3 follow redirects (six connections, each
 *            playing the same bytes); bit 4 a would-block before each
 *            step; bit 5 POST instead of GET
 *   byte 2   number of cuts (mod 7): the server's bytes are split into that
 *            many steps of the sizes that follow, plus the rest
 *   cuts     one byte each: a step of 1..256 bytes
 *   rest     the server's bytes
 *
 * Checks, whatever the bytes:
 *   - body bytes never exceed the Content-Length, never come with HEAD, 1xx,
 *     204 or 304;
 *   - GF_OK means a whole body: exactly Content-Length bytes, a chunked body
 *     that an independent decoder reads the same way up to its last chunk,
 *     or everything up to an orderly close;
 *   - without redirects, the outcome (status, headers, body, error) is the
 *     same as feeding the parser one byte at a time (pieces do not matter);
 *   - with redirects, the credential header never reaches another origin,
 *     and event texts never carry a query or the credential;
 *   - every connection opened is closed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "http.h"
#include "ref_chunked.h"
#include "testport.h"

#define SECRET "fuzz-secret-token-3f9c"
#define ORIGIN_HOST "api.example"
#define ORIGIN_PORT 80
#define CONNS 6

#define FUZZ_NAME "fuzz_http"
#include "fuzz_check.h"

/* What one reader of a response saw: a transcript of the callbacks, the body
 * bytes, and the framing facts the headers announced. */
typedef struct seen {
    unsigned char log[1 << 19];
    size_t log_len;
    unsigned char body[1 << 15];
    size_t body_len;
    bool log_full;
    int head_calls;
    int status;        /* the final response's, from head()             */
    int header_status; /* status of the response whose headers came last */
    bool have_length;
    uint64_t length;
    bool chunked;
    bool head_mode;
    size_t fed;        /* oracle: bytes fed so far                        */
    size_t head_at;    /* oracle: offset just past the blank line         */
} seen;

static seen by_engine, by_oracle;

static void log_add(seen *s, const void *p, size_t n)
{
    if (n > sizeof(s->log) - s->log_len) {
        s->log_full = true;
        return;
    }
    memcpy(s->log + s->log_len, p, n);
    s->log_len += n;
}

static void log_view(seen *s, gf_view v)
{
    uint32_t n = (uint32_t)v.len;
    log_add(s, &n, sizeof(n));
    log_add(s, v.ptr, v.len);
}

/* A Content-Length value the parser accepted: a list of equal numbers. */
static uint64_t first_number(gf_view v)
{
    uint64_t n = 0;
    for (size_t i = 0; i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9'; i++)
        n = n * 10u + (uint64_t)(v.ptr[i] - '0');
    return n;
}

static bool ieq(gf_view v, const char *w)
{
    size_t n = strlen(w);
    if (v.len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = v.ptr[i], b = w[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

static gf_status on_header(void *user, int status, gf_view name, gf_view value)
{
    seen *s = user;
    CHECK(status >= 200 && status <= 999);
    CHECK(name.len > 0 && name.ptr != NULL && (value.len == 0 || value.ptr != NULL));
    if (status != s->header_status) {
        s->have_length = s->chunked = false;
        s->header_status = status;
    }
    log_add(s, "H", 1);
    log_add(s, &status, sizeof(status));
    log_view(s, name);
    log_view(s, value);
    if (ieq(name, "content-length")) {
        uint64_t n = first_number(value);
        CHECK(!s->have_length || s->length == n); /* differing values are refused */
        s->have_length = true;
        s->length = n;
    } else if (ieq(name, "transfer-encoding")) {
        CHECK(!s->chunked); /* twice is refused */
        s->chunked = true;
    }
    return GF_OK;
}

static gf_status on_head(void *user, int status)
{
    seen *s = user;
    CHECK(status >= 200 && status <= 999);
    if (status != s->header_status) {
        s->have_length = s->chunked = false; /* no headers at all */
        s->header_status = status;
    }
    s->head_calls++;
    s->status = status;
    s->head_at = s->fed;
    log_add(s, "S", 1);
    log_add(s, &status, sizeof(status));
    return GF_OK;
}

static gf_status on_body(void *user, const unsigned char *data, size_t len)
{
    seen *s = user;
    CHECK(len > 0);
    CHECK(s->head_calls > 0);
    CHECK(!s->head_mode && s->status != 204 && s->status != 304);
    if (s->have_length && !s->chunked)
        CHECK(s->body_len + len <= s->length);
    CHECK(len <= sizeof(s->body) - s->body_len); /* never more than the input */
    memcpy(s->body + s->body_len, data, len);
    s->body_len += len;
    return GF_OK;
}

/* The server's bytes hold the credential (then a Location may carry it). */
static bool echoed;

static bool contains(const unsigned char *d, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        if (memcmp(d + i, s, k) == 0)
            return true;
    }
    return false;
}

static void on_event(void *user, const gf_event *ev)
{
    (void)user;
    CHECK(ev->text != NULL);
    size_t n = strlen(ev->text);
    CHECK(n < GF_IO_BUF_SIZE);
    if (!echoed)
        CHECK(strstr(ev->text, SECRET) == NULL);
    if (ev->kind == GF_EV_REQUEST || ev->kind == GF_EV_REDIRECT) {
        const char *q = strchr(ev->text, '?');
        CHECK(q == NULL || strcmp(q, "?...") == 0); /* signatures stay out of logs */
    }
}

static unsigned char ref_body[1 << 15];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static testport tp;
    static gf_http h;

    if (size < 3)
        return 0;
    size_t piece = data[0];
    unsigned flags = data[1];
    size_t cuts = data[2] % 7u, pos = 3;
    if (size < pos + cuts)
        return 0;
    const unsigned char *cut = data + pos;
    pos += cuts;
    const unsigned char *srv = data + pos;
    size_t n = size - pos;
    if (n > sizeof(by_engine.body))
        return 0;
    unsigned ending = flags & 3u;
    bool head = (flags & 4u) != 0, follow = (flags & 8u) != 0, wouldblock = (flags & 16u) != 0;
    const char *method = head ? "HEAD" : (flags & 32u) ? "POST" : "GET";

    /* The script: the server's bytes in steps, then the end. */
    tp_init(&tp);
    tp.piece = piece;
    size_t nconns = follow ? CONNS : 1;
    for (size_t c = 0; c < nconns; c++) {
        tp_conn *conn = tp_add(&tp);
        size_t s = 0, off = 0;
        for (size_t k = 0; k <= cuts && off < n; k++) {
            size_t len = k < cuts ? (size_t)cut[k] + 1 : n - off;
            if (len > n - off)
                len = n - off;
            if (wouldblock)
                conn->steps[s++] = (tp_step){TP_WOULD_BLOCK, NULL, 0, 0};
            conn->steps[s++] = (tp_step){TP_DATA, (const char *)srv + off, len, 0};
            off += len;
        }
        conn->steps[s] = (tp_step){ending == 1 ? TP_RESET : ending == 2 ? TP_HANG : TP_EOF,
                                   NULL, 0, 0};
    }

    echoed = contains(srv, n, SECRET);
    memset(&by_engine, 0, sizeof(by_engine));
    by_engine.head_mode = head;
    gf_http_init(&h, &tp.port, NULL);
    h.on_event = on_event;
    gf_header hdr[] = {{"Authorization", SECRET, true}, {"Accept", "*/*", false}};
    static const unsigned char post_body[] = "a=1&b=2";
    gf_http_request req = {method, "http://" ORIGIN_HOST "/v2/start.json?expire=5", hdr, 2,
                           post_body, sizeof(post_body) - 1, 0, follow};
    const gf_http_handler hd = {&by_engine, on_header, on_head, on_body};
    int status = -1;
    gf_status st = gf_http_exchange(&h, &req, &hd, &status);
    gf_http_close(&h);
    gf_http_close(&h); /* twice is fine */

    CHECK(tp.current == -1); /* no connection left open */
    CHECK(st >= GF_OK && st < GF_STATUS_COUNT);

    if (st == GF_OK) {
        CHECK(by_engine.head_calls == 1);
        CHECK(status == by_engine.status);
        bool no_body = head || status == 204 || status == 304;
        if (no_body)
            CHECK(by_engine.body_len == 0);
        else if (by_engine.chunked)
            ; /* checked against the reference decoder below */
        else if (by_engine.have_length)
            CHECK(by_engine.body_len == by_engine.length); /* never a short body */
        else
            CHECK(ending == 0 || ending == 3); /* a close-delimited body ends with EOF */
    } else {
        CHECK(status == -1);
    }

    if (follow) {
        /* Credentials never cross origins, not even back to the first. */
        bool crossed = false;
        for (size_t c = 0; c < tp.connects && c < TP_MAX_CONNS; c++) {
            if (tp.sent_len[c] == 0)
                continue;
            gf_view host = {tp.host[c], strlen(tp.host[c])};
            if (!ieq(host, ORIGIN_HOST) || tp.portnum[c] != ORIGIN_PORT)
                crossed = true;
            if (crossed) /* a header line: a URL cannot hold CR LF */
                CHECK(strstr(tp.sent[c], "\r\nAuthorization: " SECRET) == NULL);
        }
        return 0;
    }

    /* The oracle: the same bytes, one at a time, straight into a parser. */
    static gf_http_parser p;
    memset(&by_oracle, 0, sizeof(by_oracle));
    by_oracle.head_mode = head;
    gf_http_parser_init(&p, head ? GF_HTTP_MODE_HEAD : GF_HTTP_MODE_NORMAL);
    const gf_http_handler ohd = {&by_oracle, on_header, on_head, on_body};
    gf_status ost = GF_OK;
    size_t i = 0;
    for (; i < n && !gf_http_parser_done(&p); i++) {
        size_t used = 9;
        by_oracle.fed = i + 1;
        ost = gf_http_parser_feed(&p, srv + i, 1, &used, &ohd);
        if (ost != GF_OK)
            break;
        CHECK(used == 1);
    }
    if (ost == GF_OK && !gf_http_parser_done(&p))
        ost = ending == 1 ? GF_E_RESET : ending == 2 ? GF_E_IDLE_TIMEOUT : gf_http_parser_eof(&p);
    size_t end = i; /* bytes of the response */

    CHECK(!by_engine.log_full && !by_oracle.log_full);
    if (st != ost) {
        fprintf(stderr, "fuzz_http: engine %s, byte-at-a-time parser %s\n", gf_strerror(st),
                gf_strerror(ost));
        abort();
    }
    CHECK(by_engine.log_len == by_oracle.log_len &&
          memcmp(by_engine.log, by_oracle.log, by_engine.log_len) == 0);
    CHECK(by_engine.body_len == by_oracle.body_len &&
          memcmp(by_engine.body, by_oracle.body, by_engine.body_len) == 0);
    if (st != GF_OK)
        return 0;

    /* What the body must be, read from the bytes after the blank line. */
    size_t at = by_oracle.head_at;
    CHECK(at <= end);
    if (head || status == 204 || status == 304) {
        CHECK(end == at);
    } else if (by_oracle.chunked) {
        size_t ref_len = 0, ref_end = 0;
        CHECK(ref_chunked(srv, n, at, ref_body, sizeof(ref_body), &ref_len, &ref_end));
        CHECK(ref_len == by_oracle.body_len && memcmp(ref_body, by_oracle.body, ref_len) == 0);
        CHECK(ref_end == end);
    } else if (by_oracle.have_length) {
        CHECK(end - at == by_oracle.length);
        CHECK(memcmp(srv + at, by_oracle.body, by_oracle.body_len) == 0);
    } else {
        CHECK(end == n && n - at == by_oracle.body_len);
        CHECK(memcmp(srv + at, by_oracle.body, by_oracle.body_len) == 0);
    }
    return 0;
}
