/*
 * Incremental HTTP/1.1 response parser (RFC 9112). It never blocks and never
 * copies the body: header lines are collected in the parser's line buffer,
 * body bytes go to the handler straight from the caller's buffer.
 */
#include "http.h"

enum {
    S_STATUS,      /* collecting the status line                      */
    S_HEADER,      /* collecting header lines                          */
    S_BODY_LENGTH, /* Content-Length body: p->remaining bytes left      */
    S_BODY_CLOSE,  /* body delimited by the end of the connection      */
    S_CHUNK_SIZE,  /* collecting a chunk-size line                     */
    S_CHUNK_DATA,  /* chunk data: p->remaining bytes left               */
    S_CHUNK_END,   /* the CRLF after chunk data                         */
    S_TRAILER,     /* trailer fields, up to the blank line              */
    S_DONE
};

enum {
    F_HEAD = 1u << 0,    /* response to HEAD: never a body               */
    F_CONNECT = 1u << 1, /* response to CONNECT: ends with its headers   */
    F_CHUNKED = 1u << 2, /* Transfer-Encoding: chunked                   */
    F_LENGTH = 1u << 3,  /* Content-Length seen (p->length)              */
    F_CLOSE = 1u << 4,   /* the connection cannot be reused              */
    F_STARTED = 1u << 5, /* a byte of the response arrived               */
    F_PENDING = 1u << 6, /* a field line is complete in p->line, but the
                          * next line may continue it (obs-fold)         */
    F_FOLD = 1u << 7     /* skipping the whitespace that starts a fold   */
};

#define MODE_FLAGS (F_HEAD | F_CONNECT)

void gf_http_parser_init(gf_http_parser *p, gf_http_mode mode)
{
    p->state = S_STATUS;
    p->flags = (uint8_t)(mode == GF_HTTP_MODE_HEAD ? F_HEAD : mode == GF_HTTP_MODE_CONNECT ? F_CONNECT : 0);
    p->headers = 0;
    p->status = 0;
    p->length = 0;
    p->remaining = 0;
    p->line_len = 0;
}

bool gf_http_parser_done(const gf_http_parser *p) { return p->state == S_DONE; }
bool gf_http_parser_started(const gf_http_parser *p) { return (p->flags & F_STARTED) != 0; }
bool gf_http_parser_reusable(const gf_http_parser *p)
{
    return p->state == S_DONE && !(p->flags & F_CLOSE);
}

static bool is_tchar(char c)
{
    /* token characters, RFC 9110 section 5.6.2 */
    return gf_http_is_tchar(c);
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/*
 * Collect bytes up to LF into p->line. *complete tells whether a whole line
 * (without CR LF) is in p->line[0..p->line_len). A single LF is accepted as a
 * line end (RFC 9112 section 2.2); a CR elsewhere or any other control byte
 * is refused.
 */
static gf_status take_line(gf_http_parser *p, const unsigned char *data, size_t len, size_t *i,
                           bool *complete, gf_status bad)
{
    const unsigned char *lf = memchr(data + *i, '\n', len - *i);
    size_t n = (lf != NULL ? (size_t)(lf - data) : len) - *i;

    *complete = false;
    if (p->line_len + n > GF_HTTP_LINE_MAX + 1u)
        return GF_E_HTTP_LINE_TOO_LONG;
    memcpy(p->line + p->line_len, data + *i, n);
    p->line_len += n;
    *i += n;
    if (lf == NULL)
        return GF_OK;
    (*i)++; /* the LF */
    if (p->line_len > 0 && p->line[p->line_len - 1] == '\r')
        p->line_len--;
    if (p->line_len > GF_HTTP_LINE_MAX)
        return GF_E_HTTP_LINE_TOO_LONG;
    for (size_t k = 0; k < p->line_len; k++) {
        unsigned char c = (unsigned char)p->line[k];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return bad;
    }
    *complete = true;
    return GF_OK;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
static gf_status parse_status_line(gf_http_parser *p)
{
    const char *l = p->line;
    size_t n = p->line_len;
    if (n < 12 || memcmp(l, "HTTP/", 5) != 0 || l[5] != '1' || l[6] != '.' || !gf_is_digit(l[7]) ||
        l[8] != ' ' || !gf_is_digit(l[9]) || !gf_is_digit(l[10]) || !gf_is_digit(l[11]) ||
        (n > 12 && l[12] != ' '))
        return GF_E_HTTP_SYNTAX;
    int status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    /* 600..999 have no class; RFC 9110 section 15 says a client SHOULD treat
     * such a status as a 5xx, and the layers above do (>= 500: a server
     * error, retried). 101: we never ask to switch protocols. */
    if (status < 100 || status == 101)
        return GF_E_HTTP_SYNTAX;
    p->status = status;
    if (l[7] == '0')
        p->flags |= F_CLOSE; /* HTTP/1.0: no persistent connection by default */
    return GF_OK;
}

/* Content-Length = 1*DIGIT; a list of identical values counts as one
 * (RFC 9110 section 8.6); differing values are an error. */
static gf_status content_length(gf_http_parser *p, gf_view v)
{
    size_t start = 0;
    while (start <= v.len) {
        size_t end = start;
        uint64_t n;
        while (end < v.len && v.ptr[end] != ',')
            end++;
        size_t a = start, b = end;
        while (a < b && is_ows(v.ptr[a]))
            a++;
        while (b > a && is_ows(v.ptr[b - 1]))
            b--;
        if (!gf_parse_u64(v.ptr + a, b - a, &n))
            return GF_E_HTTP_CONTENT_LENGTH;
        if ((p->flags & F_LENGTH) && n != p->length)
            return GF_E_HTTP_CONTENT_LENGTH;
        p->length = n;
        p->flags |= F_LENGTH;
        start = end + 1;
    }
    return GF_OK;
}

/* Connection: a list of options; "close" ends the connection after this. */
static void connection_options(gf_http_parser *p, gf_view v)
{
    size_t i = 0;
    while (i < v.len) {
        while (i < v.len && (is_ows(v.ptr[i]) || v.ptr[i] == ','))
            i++;
        size_t s = i;
        while (i < v.len && !is_ows(v.ptr[i]) && v.ptr[i] != ',')
            i++;
        if (gf_view_ieq((gf_view){v.ptr + s, i - s}, "close"))
            p->flags |= F_CLOSE;
    }
}

/* Transfer-Encoding = #transfer-coding. Only chunked is spoken here, once:
 * anything else would hand the caller encoded bytes as if they were the
 * body. Empty list elements ("chunked," or ", chunked") are not codings
 * and are ignored (RFC 9110 section 5.6.1); a field with none is refused. */
static gf_status transfer_encoding(gf_http_parser *p, gf_view v)
{
    size_t i = 0;
    bool any = false;
    while (i < v.len) {
        while (i < v.len && (is_ows(v.ptr[i]) || v.ptr[i] == ','))
            i++;
        size_t s = i;
        while (i < v.len && v.ptr[i] != ',')
            i++;
        size_t e = i;
        while (e > s && is_ows(v.ptr[e - 1]))
            e--;
        if (e == s)
            continue;
        if ((p->flags & F_CHUNKED) || !gf_view_ieq((gf_view){v.ptr + s, e - s}, "chunked"))
            return GF_E_HTTP_SYNTAX;
        p->flags |= F_CHUNKED;
        any = true;
    }
    return any ? GF_OK : GF_E_HTTP_SYNTAX;
}

/* Split a header line into name and trimmed value. */
static gf_status split_field(const gf_http_parser *p, gf_view *name, gf_view *value)
{
    const char *l = p->line;
    size_t n = p->line_len, k = 0;
    if (is_ows(l[0]))
        return GF_E_HTTP_SYNTAX; /* whitespace after the start line (RFC 9112 section 2.2) */
    while (k < n && l[k] != ':') {
        if (!is_tchar(l[k]))
            return GF_E_HTTP_SYNTAX; /* includes whitespace before the colon */
        k++;
    }
    if (k == 0 || k == n)
        return GF_E_HTTP_SYNTAX;
    size_t a = k + 1, b = n;
    while (a < b && is_ows(l[a]))
        a++;
    while (b > a && is_ows(l[b - 1]))
        b--;
    *name = (gf_view){l, k};
    *value = (gf_view){l + a, b - a};
    return GF_OK;
}

static gf_status header_line(gf_http_parser *p, const gf_http_handler *hd)
{
    gf_view name, value;
    gf_status st;

    if (++p->headers > GF_HTTP_HEADERS_MAX)
        return GF_E_HTTP_TOO_MANY_HEADERS;
    if ((st = split_field(p, &name, &value)) != GF_OK)
        return st;
    if (p->status < 200)
        return GF_OK; /* an interim response's fields mean nothing to us */
    if (gf_view_ieq(name, "content-length")) {
        if ((st = content_length(p, value)) != GF_OK)
            return st;
    } else if (gf_view_ieq(name, "transfer-encoding")) {
        if ((st = transfer_encoding(p, value)) != GF_OK)
            return st;
    } else if (gf_view_ieq(name, "connection")) {
        connection_options(p, value);
    }
    if (hd != NULL && hd->header != NULL)
        return hd->header(hd->user, p->status, name, value);
    return GF_OK;
}

/* A field line is complete in p->line (F_PENDING) and c starts the next
 * line. A line that starts with whitespace continues the field: obs-fold,
 * which RFC 9112 section 5.2 has a user agent replace with SP before the
 * field is interpreted; one SP joins the parts and the fold's whitespace is
 * skipped. Anything else: the field is whole. Trailers are read, not used. */
static gf_status next_line_starts(gf_http_parser *p, unsigned char c, const gf_http_handler *hd)
{
    gf_status st = GF_OK;
    if (is_ows((char)c)) {
        if (p->line_len >= GF_HTTP_LINE_MAX)
            return GF_E_HTTP_LINE_TOO_LONG;
        p->line[p->line_len++] = ' ';
        p->flags = (uint8_t)((p->flags & ~F_PENDING) | F_FOLD);
        return GF_OK;
    }
    p->flags &= (uint8_t)~F_PENDING;
    if (p->state == S_HEADER) {
        st = header_line(p, hd);
    } else {
        gf_view name, value;
        if (++p->headers > GF_HTTP_HEADERS_MAX)
            st = GF_E_HTTP_TOO_MANY_HEADERS;
        else
            st = split_field(p, &name, &value);
    }
    p->line_len = 0;
    return st;
}

/* The blank line after the headers: decide how the body is delimited
 * (RFC 9112 section 6.3). */
static gf_status end_of_headers(gf_http_parser *p, const gf_http_handler *hd)
{
    if (p->status < 200) {
        /* 1xx: another status line follows. Its header count stays, so a
         * flood of interim responses still meets the header limit. */
        p->flags &= (uint8_t)(MODE_FLAGS | F_STARTED | F_CLOSE);
        p->state = S_STATUS;
        return GF_OK;
    }
    if (hd != NULL && hd->head != NULL) {
        gf_status st = hd->head(hd->user, p->status);
        if (st != GF_OK)
            return st;
    }
    if ((p->flags & (F_HEAD | F_CONNECT)) || p->status == 204 || p->status == 304) {
        p->state = S_DONE;
    } else if (p->flags & F_CHUNKED) {
        if (p->flags & F_LENGTH)
            p->flags |= F_CLOSE; /* both: chunked wins, the framing is suspect */
        p->state = S_CHUNK_SIZE;
    } else if (p->flags & F_LENGTH) {
        p->remaining = p->length;
        p->state = p->length == 0 ? S_DONE : S_BODY_LENGTH;
    } else {
        p->flags |= F_CLOSE;
        p->state = S_BODY_CLOSE;
    }
    return GF_OK;
}

/* chunk-size [ chunk-ext ]: hex digits, then optional whitespace and
 * extensions, which are ignored (RFC 9112 section 7.1.1). */
static gf_status chunk_size_line(gf_http_parser *p)
{
    uint64_t size = 0;
    size_t k = 0;
    int h;
    while (k < p->line_len && (h = gf_hex_value(p->line[k])) >= 0) {
        if (size > (UINT64_MAX >> 4))
            return GF_E_HTTP_CHUNK;
        size = size << 4 | (uint64_t)h;
        k++;
    }
    if (k == 0)
        return GF_E_HTTP_CHUNK;
    while (k < p->line_len && is_ows(p->line[k]))
        k++;
    if (k < p->line_len && p->line[k] != ';')
        return GF_E_HTTP_CHUNK;
    if (size == 0) {
        p->state = S_TRAILER;
    } else {
        p->remaining = size;
        p->state = S_CHUNK_DATA;
    }
    return GF_OK;
}

static gf_status body_piece(gf_http_parser *p, const unsigned char *data, size_t len, size_t *i,
                            const gf_http_handler *hd)
{
    size_t n = len - *i;
    if (p->state != S_BODY_CLOSE && n > p->remaining)
        n = (size_t)p->remaining;
    if (n > 0 && hd != NULL && hd->body != NULL) {
        gf_status st = hd->body(hd->user, data + *i, n);
        if (st != GF_OK)
            return st;
    }
    *i += n;
    if (p->state != S_BODY_CLOSE)
        p->remaining -= n;
    return GF_OK;
}

gf_status gf_http_parser_feed(gf_http_parser *p, const unsigned char *data, size_t len,
                              size_t *used, const gf_http_handler *hd)
{
    gf_status st = GF_OK;
    size_t i = 0;
    bool complete;

    if (len > 0)
        p->flags |= F_STARTED;
    while (i < len && p->state != S_DONE && st == GF_OK) {
        switch (p->state) {
        case S_STATUS:
            st = take_line(p, data, len, &i, &complete, GF_E_HTTP_SYNTAX);
            if (st != GF_OK || !complete)
                break;
            if (p->line_len == 0 && p->status == 0 && p->headers == 0)
                break; /* a stray CRLF before the status line is tolerated */
            if ((st = parse_status_line(p)) == GF_OK)
                p->state = S_HEADER;
            if (p->status < 200 && st == GF_OK && ++p->headers > GF_HTTP_HEADERS_MAX)
                st = GF_E_HTTP_TOO_MANY_HEADERS;
            p->line_len = 0;
            break;
        case S_HEADER:
        case S_TRAILER:
            if (p->flags & F_PENDING) {
                st = next_line_starts(p, data[i], hd); /* consumes nothing */
                break;
            }
            if (p->flags & F_FOLD) {
                while (i < len && is_ows((char)data[i]))
                    i++;
                if (i == len)
                    break;
                p->flags &= (uint8_t)~F_FOLD;
            }
            st = take_line(p, data, len, &i, &complete, GF_E_HTTP_SYNTAX);
            if (st != GF_OK || !complete)
                break;
            if (p->line_len > 0) {
                p->flags |= F_PENDING; /* the next line may continue it */
            } else if (p->state == S_HEADER) {
                st = end_of_headers(p, hd);
            } else {
                p->state = S_DONE;
            }
            break;
        case S_BODY_LENGTH:
        case S_CHUNK_DATA:
            st = body_piece(p, data, len, &i, hd);
            if (st == GF_OK && p->remaining == 0)
                p->state = p->state == S_CHUNK_DATA ? S_CHUNK_END : S_DONE;
            break;
        case S_BODY_CLOSE:
            st = body_piece(p, data, len, &i, hd);
            break;
        case S_CHUNK_SIZE:
        case S_CHUNK_END:
            st = take_line(p, data, len, &i, &complete, GF_E_HTTP_CHUNK);
            if (st != GF_OK || !complete)
                break;
            if (p->state == S_CHUNK_SIZE) {
                st = chunk_size_line(p);
            } else {
                st = p->line_len == 0 ? GF_OK : GF_E_HTTP_CHUNK;
                p->state = S_CHUNK_SIZE;
            }
            p->line_len = 0;
            break;
        default:
            break;
        }
    }
    *used = i;
    return st;
}

gf_status gf_http_parser_eof(gf_http_parser *p)
{
    if (p->state == S_BODY_CLOSE)
        p->state = S_DONE;
    return p->state == S_DONE ? GF_OK : GF_E_HTTP_TRUNCATED;
}
