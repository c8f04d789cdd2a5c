/*
 * One link into a caller's sink: resumed with Range when the sink holds a
 * prefix, verified by size and MD5, retried with backoff. No credential is
 * ever sent: links are pre-signed.
 */
#include "http.h"
#include "retry.h"

/* What one attempt learned from the response. */
typedef struct attempt {
    gf_client *cl;
    const gf_sink *sink;
    gf_download_result *res;
    uint64_t held;           /* bytes the sink held when the answer came    */
    uint64_t received;       /* body bytes of this answer                   */
    uint64_t total;          /* whole file size, when the answer says       */
    bool total_known;
    int status;
    uint32_t retry_after_ms;
    bool range_ok;           /* Content-Range matched what we asked         */
    bool md5_hex_given, md5_b64_given;
    unsigned char md5_want[16];   /* x-amz-meta-md5-hash: the whole file  */
    unsigned char cmd5_want[16];  /* Content-MD5: this answer's body      */
    uint64_t next_progress;
    gf_status sink_error;
    uint64_t earlier_total;  /* the size an earlier attempt announced      */
    bool earlier_known;
} attempt;

static bool parse_hex16(gf_view v, unsigned char out[16])
{
    if (v.len != 32)
        return false;
    for (size_t i = 0; i < 16; i++) {
        int hi = gf_hex_value(v.ptr[2 * i]), lo = gf_hex_value(v.ptr[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* Content-Range: bytes first-last/total (RFC 9110 section 14.4). */
static bool parse_content_range(gf_view v, uint64_t *first, uint64_t *last, uint64_t *total)
{
    size_t i = 6, a;
    if (v.len < 6 || !gf_view_ieq((gf_view){v.ptr, 6}, "bytes "))
        return false;
    for (a = i; i < v.len && gf_is_digit(v.ptr[i]); i++)
        ;
    if (!gf_parse_u64(v.ptr + a, i - a, first) || i >= v.len || v.ptr[i++] != '-')
        return false;
    for (a = i; i < v.len && gf_is_digit(v.ptr[i]); i++)
        ;
    if (!gf_parse_u64(v.ptr + a, i - a, last) || i >= v.len || v.ptr[i++] != '/')
        return false;
    return gf_parse_u64(v.ptr + i, v.len - i, total) && *first <= *last && *last < *total;
}

static gf_status on_header(void *user, int status, gf_view name, gf_view value)
{
    attempt *a = user;
    const gf_crypto *c = a->cl->crypto;
    uint64_t n;

    if (gf_view_ieq(name, "retry-after")) {
        a->retry_after_ms = gf_retry_after_ms(value);
    } else if (status == 200 && gf_view_ieq(name, "content-length")) {
        if (gf_parse_u64(value.ptr, value.len, &n)) {
            a->total = n;
            a->total_known = true;
        }
    } else if (status == 206 && gf_view_ieq(name, "content-range")) {
        uint64_t first, last, total;
        /* The rest of the same file: it starts where we stand, runs to the
         * end, and the file is as long as an earlier answer said. */
        if (parse_content_range(value, &first, &last, &total) && first == a->held &&
            last + 1 == total && (!a->earlier_known || total == a->earlier_total)) {
            a->total = total;
            a->total_known = true;
            a->range_ok = true;
        }
    } else if (gf_view_ieq(name, "x-amz-meta-md5-hash")) {
        /* A header we cannot read cannot vouch for the file: treat it as a
         * mismatch rather than skip the check. */
        a->md5_hex_given = true;
        if (!parse_hex16(value, a->md5_want))
            memset(a->md5_want, 0, sizeof(a->md5_want));
    } else if (gf_view_ieq(name, "content-md5") && c != NULL) {
        size_t olen = 0;
        a->md5_b64_given = true;
        if (!c->base64_decode(a->cmd5_want, sizeof(a->cmd5_want), &olen, value.ptr, value.len) ||
            olen != 16)
            memset(a->cmd5_want, 0, sizeof(a->cmd5_want));
    }
    return GF_OK;
}

static gf_status restart_from_zero(attempt *a)
{
    gf_status st = a->sink->discard(a->sink->ctx);
    if (st != GF_OK)
        return st;
    a->held = 0;
    if (a->cl->crypto != NULL)
        a->cl->crypto->md5_start(&a->cl->md5);
    return GF_OK;
}

static gf_status on_head(void *user, int status)
{
    attempt *a = user;
    a->status = status;
    /* Content-MD5 is the MD5 of this answer's body: on a 200 that is the
     * whole file, already hashed; only a 206 needs a hash of its own. */
    if (a->md5_b64_given && status == 206 && a->cl->crypto != NULL)
        a->cl->crypto->md5_start(&a->cl->md5_body);
    if (status == 200 && a->held > 0) {
        /* The server ignored our Range: the whole file comes again. */
        a->res->resumed = false;
        gf_status st = restart_from_zero(a);
        if (st != GF_OK)
            a->sink_error = st;
        return st;
    }
    return GF_OK;
}

static void progress(attempt *a, bool last)
{
    gf_http *h = &a->cl->http;
    uint64_t done = a->held + a->received;
    if (h->on_event == NULL || (!last && done < a->next_progress))
        return;
    a->next_progress = done + 256u * 1024u;
    gf_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = GF_EV_PROGRESS;
    ev.done = done;
    ev.total = a->total_known ? a->total : 0;
    ev.text = "";
    h->on_event(h->event_user, &ev);
}

static gf_status on_body(void *user, const unsigned char *data, size_t len)
{
    attempt *a = user;
    const gf_crypto *c = a->cl->crypto;
    if (a->status != 200 && !(a->status == 206 && a->range_ok))
        return GF_OK; /* an error page: not the file */
    gf_status st = a->sink->write(a->sink->ctx, data, len);
    if (st != GF_OK) {
        a->sink_error = st;
        return st;
    }
    if (c != NULL) {
        c->md5_update(&a->cl->md5, data, len);
        if (a->md5_b64_given && a->status == 206)
            c->md5_update(&a->cl->md5_body, data, len);
    }
    a->received += len;
    progress(a, false);
    return GF_OK;
}

/* Rebuild the MD5 of the bytes the sink holds, reading them back. */
static gf_status read_back(gf_client *cl, const gf_sink *sink, uint64_t held)
{
    uint64_t off = 0;
    while (off < held) {
        size_t n = sizeof(cl->http.buf);
        if (held - off < n)
            n = (size_t)(held - off);
        gf_status st = sink->read_back(sink->ctx, off, cl->http.buf, n);
        if (st != GF_OK)
            return st;
        cl->crypto->md5_update(&cl->md5, cl->http.buf, n);
        off += n;
    }
    return GF_OK;
}

/* Prepare an attempt: how much the sink holds, and the MD5 of it. */
static gf_status prepare(attempt *a)
{
    gf_client *cl = a->cl;
    const gf_sink *sink = a->sink;
    gf_status st = sink->held(sink->ctx, &a->held);
    if (st != GF_OK)
        return st;
    if (cl->crypto != NULL)
        cl->crypto->md5_start(&cl->md5);
    if (a->held == 0)
        return GF_OK;
    if (cl->crypto == NULL)
        return GF_OK; /* nothing to rebuild: the size check still holds */
    if (sink->read_back == NULL)
        return restart_from_zero(a); /* no way to rebuild the MD5: start over */
    st = read_back(cl, sink, a->held);
    if (st != GF_OK)
        return st;
    a->res->resumed = true;
    return GF_OK;
}

/* After a whole answer: is the file complete and verified? */
static gf_status verify(attempt *a)
{
    gf_download_result *r = a->res;
    const gf_crypto *c = a->cl->crypto;
    uint64_t size = a->held + a->received;

    if (a->total_known && size != a->total)
        return GF_E_SIZE_MISMATCH;
    r->bytes = size;
    r->md5_checked = false;
    if (c != NULL) {
        c->md5_finish(&a->cl->md5, r->md5);
        r->md5_known = true;
        if (a->md5_hex_given) {
            if (memcmp(r->md5, a->md5_want, 16) != 0)
                return GF_E_MD5_MISMATCH;
            r->md5_checked = true;
        }
        if (a->md5_b64_given) {
            unsigned char body[16];
            if (a->status == 206)
                c->md5_finish(&a->cl->md5_body, body);
            else
                memcpy(body, r->md5, sizeof(body));
            if (memcmp(body, a->cmd5_want, 16) != 0)
                return GF_E_MD5_MISMATCH;
            r->md5_checked = true;
        }
    }
    return GF_OK;
}

static gf_status one_attempt(attempt *a, const char *url)
{
    gf_client *cl = a->cl;
    char range[40];
    gf_header hdr[1];
    size_t nhdr = 0;

    gf_status st = prepare(a);
    if (st != GF_OK)
        return st;
    if (a->held > 0) {
        memcpy(range, "bytes=", 6);
        size_t n = gf_format_u64(range + 6, a->held);
        range[6 + n] = '-';
        range[7 + n] = '\0';
        hdr[nhdr++] = (gf_header){"Range", range, false};
    }
    gf_http_request req = {"GET", url, hdr, nhdr, NULL, 0, 0, true};
    gf_http_handler hd = {a, on_header, on_head, on_body};
    st = gf_http_exchange(&cl->http, &req, &hd, NULL);
    if (a->sink_error != GF_OK)
        return a->sink_error;
    if (st != GF_OK)
        return st;

    switch (a->status) {
    case 200:
        break;
    case 206:
        if (!a->range_ok)
            return GF_E_RANGE;
        break;
    case 416:
        return GF_E_RANGE;
    case 403:
        return GF_E_LINK_EXPIRED;
    default:
        if (a->status == 429 || a->status >= 500)
            return gf_status_of_http(a->status);
        return GF_E_HTTP_STATUS;
    }
    progress(a, true);
    return verify(a);
}

gf_status gf_download(gf_client *cl, const char *url, const gf_sink *sink, gf_download_result *res)
{
    gf_download_result scratch;
    if (res == NULL)
        res = &scratch;
    memset(res, 0, sizeof(*res));
    if (cl == NULL || url == NULL || sink == NULL || sink->held == NULL || sink->write == NULL ||
        sink->discard == NULL || sink->commit == NULL)
        return GF_E_ARGUMENT;

    uint64_t known_total = 0;
    bool known = false;
    for (uint32_t attempt_no = 1;; attempt_no++) {
        attempt a;
        memset(&a, 0, sizeof(a));
        a.cl = cl;
        a.sink = sink;
        a.res = res;
        a.earlier_total = known_total;
        a.earlier_known = known;
        res->attempts = attempt_no;
        gf_status st = one_attempt(&a, url);
        if (st == GF_OK)
            return sink->commit(sink->ctx);
        if (a.total_known) {
            known_total = a.total;
            known = true;
        }

        bool retry;
        switch (st) {
        case GF_E_SIZE_MISMATCH:
        case GF_E_MD5_MISMATCH:
        case GF_E_RANGE:
            /* What we hold is wrong or cannot be continued: drop it all. */
            {
                gf_status d = sink->discard(sink->ctx);
                if (d != GF_OK)
                    return d;
            }
            res->resumed = false;
            known = false; /* from zero, any size is news */
            retry = true;
            break;
        default:
            /* Network trouble keeps what arrived: the next try resumes. */
            retry = gf_retryable(st);
            break;
        }
        if (!retry || attempt_no > cl->retries)
            return st;
        gf_retry_wait(cl, attempt_no, a.retry_after_ms, st);
    }
}
