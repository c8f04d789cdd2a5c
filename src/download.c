/*
 * One link into a caller's sink: resumed with Range when the sink holds a
 * prefix and the end result can be checked, verified by size and MD5,
 * retried with backoff. No credential is ever sent: links are pre-signed.
 *
 * Held bytes are continued only when something checks the whole file at
 * the end: the held bytes' ETag sent back as If-Range (RFC 9110 section
 * 13.1.5: a changed object comes back whole with 200, and a 206 must carry
 * the same ETag), or an MD5 of the whole file from the server. Otherwise
 * the download starts over: bytes of another file, or of an older version
 * of this one, are never spliced in.
 *
 * A build without GF_FEATURE_RESUME always starts from zero: every place
 * that continues held bytes tests the switch first, so the compiler drops
 * what follows (the Range request, the 206 and 416 answers, the read-back).
 */
#include "http.h" /* gf_http_event: notices name the engine's peer */
#include "retry.h"

/* What one attempt asked for and learned from the response. */
typedef struct attempt {
    gf_client *cl;
    const gf_sink *sink;
    gf_download_result *res;
    uint64_t held;           /* bytes the sink held when the answer came    */
    bool if_range;           /* the request carried If-Range: priv.etag     */
    bool probe;              /* asked for the last held byte only (after a
                              * 416 said the sink holds the whole file)     */
    unsigned char last_held; /* that byte, read back                        */
    uint64_t received;       /* body bytes of this answer                   */
    uint64_t total;          /* whole file size, when the answer says       */
    bool total_known;
    int status;
    uint32_t retry_after_ms;
    bool range_ok;           /* Content-Range matched what we asked         */
    uint64_t unsatisfied;    /* a 416's "bytes * /N": N                     */
    bool unsatisfied_known;
    bool md5_hex_given, md5_b64_given, etag_md5_given;
    unsigned char md5_want[16];   /* x-amz-meta-md5-hash: the whole file  */
    unsigned char cmd5_want[16];  /* Content-MD5: this answer's body      */
    unsigned char etag_md5[16];   /* an S3 single-part ETag: the object   */
    bool from_zero_now;      /* a 206 nothing can vouch for: start over     */
    uint64_t next_progress;
    gf_status sink_error;
    uint64_t earlier_total;  /* the size an earlier attempt announced      */
    bool earlier_known;
} attempt;

static bool parse_hex16(const char *s, size_t len, unsigned char out[16])
{
    if (len != 32)
        return false;
    for (size_t i = 0; i < 16; i++) {
        int hi = gf_hex_value(s[2 * i]), lo = gf_hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* Content-Range: bytes first-last/total, or a 416's bytes * /total
 * (RFC 9110 section 14.4). */
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

static bool parse_unsatisfied_range(gf_view v, uint64_t *total)
{
    return v.len > 8 && gf_view_ieq((gf_view){v.ptr, 8}, "bytes */") &&
           gf_parse_u64(v.ptr + 8, v.len - 8, total);
}

/* A strong ETag kept as the validator: quoted, no W/, short enough. */
static void keep_etag(char out[GF_ETAG_MAX + 1], gf_view v)
{
    out[0] = '\0';
    if (v.len < 2 || v.len > GF_ETAG_MAX || v.ptr[0] != '"' || v.ptr[v.len - 1] != '"')
        return;
    for (size_t i = 0; i < v.len; i++) {
        if ((unsigned char)v.ptr[i] < 0x21 || (unsigned char)v.ptr[i] == 0x7f)
            return;
    }
    memcpy(out, v.ptr, v.len);
    out[v.len] = '\0';
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
    } else if (GF_FEATURE_RESUME && status == 206 && gf_view_ieq(name, "content-range")) {
        uint64_t first, last, total;
        uint64_t want = a->probe ? a->held - 1 : a->held;
        /* The rest of the same file: it starts where we stand, runs to the
         * end, and the file is as long as an earlier answer said. */
        if (parse_content_range(value, &first, &last, &total) && first == want &&
            last + 1 == total && (!a->probe || total == a->held) &&
            (!a->earlier_known || total == a->earlier_total)) {
            a->total = total;
            a->total_known = true;
            a->range_ok = true;
        }
    } else if (GF_FEATURE_RESUME && status == 416 && gf_view_ieq(name, "content-range")) {
        a->unsatisfied_known = parse_unsatisfied_range(value, &a->unsatisfied);
    } else if (gf_view_ieq(name, "etag")) {
        keep_etag(a->cl->priv.resp_etag, value);
        /* S3: the ETag of a single-part upload is the object's MD5 (32 hex
         * digits; a multipart one has a '-'). */
        const char *e = a->cl->priv.resp_etag;
        a->etag_md5_given = e[0] != '\0' && parse_hex16(e + 1, strlen(e) - 2, a->etag_md5);
    } else if (gf_view_ieq(name, "x-amz-meta-md5-hash")) {
        /* A header we cannot read cannot vouch for the file: treat it as a
         * mismatch rather than skip the check. */
        a->md5_hex_given = true;
        if (!parse_hex16(value.ptr, value.len, a->md5_want))
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

/* Drop what the sink holds; what follows comes with etag ("" when none). */
static gf_status restart_from_zero(attempt *a, const char *etag)
{
    gf_client *cl = a->cl;
    gf_status st = a->sink->restart(a->sink->ctx, etag);
    if (st != GF_OK)
        return st;
    if (etag != cl->priv.etag) {
        size_t n = strlen(etag);
        memcpy(cl->priv.etag, etag, n + 1);
    }
    a->held = 0;
    a->res->resumed = false;
    if (cl->crypto != NULL)
        return cl->crypto->md5_start(&cl->priv.md5);
    return GF_OK;
}

/* Can the whole file be checked at the end, with the held bytes in it? */
static bool resume_vouched(const attempt *a)
{
    const char *mine = a->cl->priv.etag, *theirs = a->cl->priv.resp_etag;
    if (a->if_range && theirs[0] != '\0' && strcmp(mine, theirs) != 0)
        return false; /* another version: the server ignored If-Range */
    if (a->if_range && strcmp(mine, theirs) == 0)
        return true;
    return a->cl->crypto != NULL && (a->md5_hex_given || a->etag_md5_given);
}

static gf_status on_head(void *user, int status)
{
    attempt *a = user;
    gf_client *cl = a->cl;
    gf_status st = GF_OK;
    a->status = status;
    if (GF_FEATURE_RESUME && status == 206 && a->range_ok && !resume_vouched(a)) {
        /* Nothing would check the held bytes: drop them and ask for the
         * whole file; this answer's body is not needed. */
        a->from_zero_now = true;
        return GF_E_RANGE;
    }
    /* Content-MD5 is the MD5 of this answer's body: on a 200 that is the
     * whole file, already hashed; only a 206 needs a hash of its own. */
    if (GF_FEATURE_RESUME && a->md5_b64_given && status == 206 && cl->crypto != NULL)
        st = cl->crypto->md5_start(&cl->priv.md5_body);
    if (st == GF_OK && status == 200) {
        /* The whole file: from zero, whatever was held (the object changed
         * under If-Range, or the server ignored the Range). */
        a->probe = false;
        st = restart_from_zero(a, cl->priv.resp_etag);
        if (st != GF_OK)
            a->sink_error = st;
    }
    return st;
}

static void progress(attempt *a, bool last)
{
    gf_http *h = &a->cl->http;
    uint64_t done = a->probe ? a->held : a->held + a->received;
    if (h->on_event == NULL || (!last && done < a->next_progress))
        return;
    a->next_progress = done + 256u * 1024u;
    gf_event ev;
    gf_event_init(&ev, GF_EV_PROGRESS, GF_OK, NULL);
    ev.done = done;
    ev.total = a->total_known ? a->total : 0;
    h->on_event(h->event_user, &ev);
}

#if GF_FEATURE_S3_REASONS
/* A 403's body, kept (bounded) to read S3's <Code>. */
static void keep_error_body(gf_client *cl, const unsigned char *data, size_t len)
{
    size_t room = GF_ERROR_BODY_MAX - cl->priv.error_len;
    if (len > room)
        len = room;
    memcpy(cl->priv.error_body + cl->priv.error_len, data, len);
    cl->priv.error_len += len;
    cl->priv.error_body[cl->priv.error_len] = '\0';
}
#endif

static gf_status on_body(void *user, const unsigned char *data, size_t len)
{
    attempt *a = user;
    const gf_crypto *c = a->cl->crypto;
    gf_status st;
#if GF_FEATURE_S3_REASONS
    if (a->status == 403)
        keep_error_body(a->cl, data, len);
#endif
    if (a->status != 200 && !(GF_FEATURE_RESUME && a->status == 206 && a->range_ok))
        return GF_OK; /* an error page: not the file */
    if (GF_FEATURE_RESUME && a->probe && a->status == 206) {
        /* The last held byte again: it must be the same. */
        if (a->received + len != 1 || data[0] != a->last_held)
            return GF_E_RANGE;
        a->received = 1;
        return GF_OK;
    }
    st = a->sink->write(a->sink->ctx, data, len);
    if (st != GF_OK) {
        a->sink_error = st;
        return st;
    }
    if (c != NULL) {
        if ((st = c->md5_update(&a->cl->priv.md5, data, len)) != GF_OK)
            return st;
        if (GF_FEATURE_RESUME && a->md5_b64_given && a->status == 206 &&
            (st = c->md5_update(&a->cl->priv.md5_body, data, len)) != GF_OK)
            return st;
    }
    a->received += len;
    progress(a, false);
    return GF_OK;
}

/* Rebuild the MD5 of the bytes the sink holds, reading them back; keep the
 * last byte for a probe. */
static gf_status read_back(attempt *a)
{
    gf_client *cl = a->cl;
    const gf_sink *sink = a->sink;
    uint64_t off = 0;
    while (off < a->held) {
        size_t n = sizeof(cl->http.buf);
        if (a->held - off < n)
            n = (size_t)(a->held - off);
        gf_status st = sink->read_back(sink->ctx, off, cl->http.buf, n);
        if (st == GF_OK)
            st = cl->crypto->md5_update(&cl->priv.md5, cl->http.buf, n);
        if (st != GF_OK)
            return st;
        off += n;
        a->last_held = cl->http.buf[n - 1];
    }
    return GF_OK;
}

/* Prepare an attempt: what the sink holds, whether it can be continued,
 * and the MD5 of it. */
static gf_status prepare(attempt *a)
{
    gf_client *cl = a->cl;
    const gf_sink *sink = a->sink;
    char *etag = cl->priv.etag;
    gf_status st;

    etag[0] = '\0';
    if ((st = sink->held(sink->ctx, &a->held, etag)) != GF_OK)
        return st;
    etag[GF_ETAG_MAX] = '\0';
    if (etag[0] != '"')
        etag[0] = '\0'; /* not a strong ETag: no validator */
    if (cl->crypto != NULL && (st = cl->crypto->md5_start(&cl->priv.md5)) != GF_OK)
        return st;
    if (a->held == 0)
        return GF_OK;
    if (!GF_FEATURE_RESUME)
        return restart_from_zero(a, ""); /* this build never continues held bytes */
    if (cl->crypto == NULL) {
        /* No MD5 to check the end result: only If-Range can vouch. */
        if (etag[0] == '\0')
            return restart_from_zero(a, "");
    } else {
        if (sink->read_back == NULL)
            return restart_from_zero(a, ""); /* no way to rebuild the MD5 */
        if ((st = read_back(a)) != GF_OK)
            return st;
    }
    if (a->probe && cl->crypto == NULL) {
        st = GF_E_RANGE; /* no copy of the last byte: it cannot be compared */
        if (sink->read_back != NULL)
            st = sink->read_back(sink->ctx, a->held - 1, &a->last_held, 1);
        if (st != GF_OK)
            return st;
    }
    a->if_range = etag[0] != '\0';
    a->res->resumed = true;
    return GF_OK;
}

#if GF_FEATURE_S3_REASONS
/* S3 names why it refused a pre-signed link in an XML body:
 * <Error><Code>AccessDenied</Code><Message>Request has expired</Message>.
 * A 403 without such a code is taken for an expired link, the common case. */
static gf_status why_forbidden(const gf_client *cl)
{
    const char *body = cl->priv.error_body;
    const char *code = strstr(body, "<Code>");
    const char *end = code != NULL ? strstr(code, "</Code>") : NULL;
    if (end == NULL)
        return GF_E_LINK_EXPIRED;
    code += 6;
    gf_view v = {code, (size_t)(end - code)};
    if (gf_view_eq(v, "ExpiredToken") ||
        (gf_view_eq(v, "AccessDenied") && strstr(body, "Request has expired") != NULL))
        return GF_E_LINK_EXPIRED;
    if (gf_view_eq(v, "SignatureDoesNotMatch"))
        return GF_E_LINK_SIGNATURE;
    return GF_E_LINK_DENIED;
}
#else
/* Without S3's reasons every 403 of a file host is taken for an expired
 * link, the common case: the caller asks for fresh links once either way. */
static gf_status why_forbidden(const gf_client *cl)
{
    (void)cl;
    return GF_E_LINK_EXPIRED;
}
#endif

/* After a whole answer: is the file complete and verified? */
static gf_status verify(attempt *a)
{
    gf_download_result *r = a->res;
    const gf_crypto *c = a->cl->crypto;
    uint64_t size = a->probe ? a->held : a->held + a->received;
    gf_status st;

    if (a->total_known && size != a->total)
        return GF_E_SIZE_MISMATCH;
    r->bytes = size;
    r->md5_checked = false;
    r->verified = GF_VERIFIED_SIZE;
    if (c == NULL)
        return GF_OK;
    if ((st = c->md5_finish(&a->cl->priv.md5, r->md5)) != GF_OK)
        return st;
    r->md5_known = true;
    if (a->md5_b64_given) {
        unsigned char body[16];
        bool partial = GF_FEATURE_RESUME && a->status == 206;
        if (partial && (st = c->md5_finish(&a->cl->priv.md5_body, body)) != GF_OK)
            return st;
        if (!partial)
            memcpy(body, r->md5, sizeof(body));
        if (memcmp(body, a->cmd5_want, 16) != 0)
            return GF_E_MD5_MISMATCH;
        r->verified = GF_VERIFIED_CONTENT_MD5;
    }
    if (a->md5_hex_given) {
        if (memcmp(r->md5, a->md5_want, 16) != 0)
            return GF_E_MD5_MISMATCH;
        r->verified = GF_VERIFIED_MD5_HEADER;
    }
    if (!a->md5_hex_given && !a->md5_b64_given && a->etag_md5_given) {
        if (memcmp(r->md5, a->etag_md5, 16) != 0)
            return GF_E_MD5_MISMATCH;
        r->verified = GF_VERIFIED_ETAG;
    }
    r->md5_checked = r->verified != GF_VERIFIED_SIZE;
    return GF_OK;
}

static gf_status one_attempt(attempt *a, const char *url)
{
    gf_client *cl = a->cl;
    char range[sizeof("bytes=") + GF_U64_TEXT]; /* "bytes=N-" and the NUL */
    gf_header hdr[2];
    size_t nhdr = 0;

    cl->priv.resp_etag[0] = '\0';
#if GF_FEATURE_S3_REASONS
    cl->priv.error_len = 0;
    cl->priv.error_body[0] = '\0';
#endif
    gf_status st = prepare(a);
    if (st != GF_OK)
        return st;
    if (a->probe && a->held == 0)
        a->probe = false; /* restarted from zero: a plain GET */
    if (GF_FEATURE_RESUME && a->held > 0) {
        memcpy(range, "bytes=", 6);
        size_t n = gf_format_u64(range + 6, a->probe ? a->held - 1 : a->held);
        range[6 + n] = '-';
        range[7 + n] = '\0';
        hdr[nhdr++] = (gf_header){.name = "Range", .value = range, .credential = false};
        if (a->if_range)
            hdr[nhdr++] = (gf_header){.name = "If-Range", .value = cl->priv.etag,
                                      .credential = false};
    }
    gf_http_request req = {
        .method = "GET",
        .url = url,
        .headers = hdr,
        .header_count = nhdr,
        .follow_redirects = true,
    };
    gf_http_handler hd = {.user = a, .header = on_header, .head = on_head, .body = on_body};
    st = gf_http_exchange(&cl->http, &req, &hd, NULL);
    if (a->sink_error != GF_OK)
        return a->sink_error;
    if (st != GF_OK)
        return st;

    switch (a->status) {
    case 200:
        break;
    case 206:
        if (!GF_FEATURE_RESUME || !a->range_ok || (a->probe && a->received != 1))
            return GF_E_RANGE;
        break;
    case 416:
        return GF_E_RANGE;
    case 403:
        return why_forbidden(cl);
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
    gf_status st;
    if ((st = gf_client_ready(cl)) != GF_OK)
        return st;
    if (res == NULL)
        res = &scratch;
    memset(res, 0, sizeof(*res));
    if (url == NULL || sink == NULL || sink->held == NULL || sink->write == NULL ||
        sink->restart == NULL || sink->commit == NULL)
        return GF_E_ARGUMENT;

    uint64_t known_total = 0;
    bool known = false, probe = false, started_over = false;
    uint32_t retries = 0;
    for (uint32_t attempt_no = 1;; attempt_no++) {
        attempt a;
        memset(&a, 0, sizeof(a));
        a.cl = cl;
        a.sink = sink;
        a.res = res;
        a.probe = probe;
        a.earlier_total = known_total;
        a.earlier_known = known;
        probe = false;
        res->attempts = attempt_no;
        st = one_attempt(&a, url);
        if (st == GF_OK)
            return sink->commit(sink->ctx);
        if (a.total_known) {
            known_total = a.total;
            known = true;
        }

        /* Asked again at once, not a retry: each can happen once. */
        if (GF_FEATURE_RESUME && st == GF_E_RANGE && a.from_zero_now && !started_over) {
            started_over = true;
            gf_http_event(&cl->http, GF_EV_NOTICE, st, 206,
                          "nothing would check the bytes held: starting the file over");
            if ((st = restart_from_zero(&a, "")) != GF_OK)
                return st;
            continue;
        }
        if (GF_FEATURE_RESUME && st == GF_E_RANGE && a.status == 416 && a.unsatisfied_known &&
            !a.probe && !started_over) {
            if (a.unsatisfied == a.held) {
                probe = true; /* the whole file is held: check it, keep it */
                started_over = true;
                continue;
            }
            if (a.unsatisfied < a.held) {
                started_over = true;
                gf_http_event(&cl->http, GF_EV_NOTICE, st, 416,
                              "more bytes held than the whole file: starting the file over");
                if ((st = restart_from_zero(&a, "")) != GF_OK)
                    return st;
                continue;
            }
        }

        bool retry;
        switch (st) {
        case GF_E_SIZE_MISMATCH:
        case GF_E_MD5_MISMATCH:
        case GF_E_RANGE:
            /* What we hold is wrong or cannot be continued: drop it all. */
            {
                gf_status d = restart_from_zero(&a, "");
                if (d != GF_OK)
                    return d;
            }
            known = false; /* from zero, any size is news */
            retry = true;
            break;
        default:
            /* Network trouble keeps what arrived: the next try resumes. */
            retry = gf_retryable(st);
            break;
        }
        if (!retry || retries >= cl->retries)
            return st;
        retries++;
        if ((st = gf_retry_wait(cl, retries, a.retry_after_ms, st)) != GF_OK)
            return st; /* cancelled: the bytes held stay for a resume */
    }
}
