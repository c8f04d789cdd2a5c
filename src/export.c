/* API calls: the request URL, credentials for the API's origin only, the
 * rate limit, retries, and the answer mapped onto gf_status. */
#include "json.h"
#include "retry.h"

typedef struct call {
    gf_client *cl;
    size_t len;
    int status;
    uint32_t retry_after_ms;
    bool too_large;
} call;

static gf_status call_head(void *user, int status)
{
    ((call *)user)->status = status;
    return GF_OK;
}

static gf_status call_header(void *user, int status, gf_view name, gf_view value)
{
    call *c = user;
    (void)status;
    if (gf_view_ieq(name, "retry-after"))
        c->retry_after_ms = gf_retry_after_ms(value);
    return GF_OK;
}

static gf_status call_body(void *user, const unsigned char *data, size_t len)
{
    call *c = user;
    if (c->status != 200)
        return GF_OK; /* an error page: only its status matters */
    if (len > GF_ANSWER_MAX - c->len) {
        c->too_large = true;
        return GF_E_TOO_LARGE;
    }
    memcpy(c->cl->priv.answer + c->len, data, len);
    c->len += len;
    return GF_OK;
}

/* base_url + the export's target (or /auth/token when req is NULL) into
 * cl->priv.answer, which is free until the answer arrives. */
static gf_status build_url(gf_client *cl, const gf_request *req)
{
    gf_url base;
    const char *b = cl->base_url != NULL ? cl->base_url : GF_BASE_URL_DEFAULT;
    size_t blen = strlen(b), tlen;
    if (gf_url_parse(b, blen, &base) != GF_OK || base.query.len > 0)
        return GF_E_URL;
    while (blen > 0 && b[blen - 1] == '/')
        blen--;
    if (blen >= GF_URL_MAX)
        return GF_E_URL;
    memcpy(cl->priv.answer, b, blen);
    if (req == NULL) {
        static const char mint[] = "/auth/token";
        if (sizeof(mint) > GF_URL_MAX - blen)
            return GF_E_URL;
        memcpy(cl->priv.answer + blen, mint, sizeof(mint));
        return GF_OK;
    }
    gf_status st = gf_request_target(req, cl->priv.answer + blen, GF_URL_MAX - blen, &tlen);
    return st == GF_E_BUFFER ? GF_E_URL : st;
}

/* The API allows 2 calls per second as its server counts them, and when
 * the server counts a call is not known here: after connect, TLS and the
 * network's delays, anywhere between the start of the call and the arrival
 * of its answer. So calls are paced from the ends of earlier ones, not
 * their starts: a call starts api_interval_ms after the last call ended,
 * and 2 * api_interval_ms + GF_API_MARGIN_MS after the one before ended.
 * The server saw call N before its answer reached us and sees call N+2 only
 * after we started it, so the two are more than a second apart at the
 * server, however late either arrives; the margin covers a clock that ticks
 * coarsely (now_ms lagging by a tick) and a server that stamps a call at
 * another moment than its arrival. */
static uint64_t next_call_at(const gf_client *cl)
{
    uint64_t at = 0;
    if (cl->priv.api_ends >= 1)
        at = cl->priv.api_end_ms[0] + cl->api_interval_ms;
    if (cl->priv.api_ends >= 2) {
        uint64_t third = cl->priv.api_end_ms[1] + 2ull * cl->api_interval_ms + GF_API_MARGIN_MS;
        if (third > at)
            at = third;
    }
    return at;
}

static gf_status pace(gf_client *cl)
{
    const gf_port *p = cl->http.port;
    uint64_t at = next_call_at(cl);
    if (cl->api_interval_ms == 0)
        return GF_OK;
    /* A sleep may end early (a signal): look at the clock again, a few
     * times, so a port whose sleep does nothing cannot hang the caller. */
    for (int i = 0; i < 4; i++) {
        uint64_t now = p->now_ms(p->ctx);
        if (now >= at)
            return GF_OK;
        gf_status st = gf_pause(&cl->http, at - now > UINT32_MAX ? UINT32_MAX : (uint32_t)(at - now));
        if (st != GF_OK)
            return st;
    }
    return GF_OK;
}

static void paced(gf_client *cl)
{
    cl->priv.api_end_ms[1] = cl->priv.api_end_ms[0];
    cl->priv.api_end_ms[0] = cl->http.port->now_ms(cl->http.port->ctx);
    if (cl->priv.api_ends < 2)
        cl->priv.api_ends++;
}

/* One call with retries; on GF_OK, cl->priv.answer[0..*len) is a 200's body.
 * req NULL: POST body to /auth/token instead of an export's GET. */
static gf_status call_api(gf_client *cl, const gf_request *req, const char *body, size_t *len)
{
    gf_header hdr[4];
    size_t n = 0;
    hdr[n++] = (gf_header){.name = "Accept", .value = "application/json", .credential = false};
    if (req == NULL)
        hdr[n++] = (gf_header){.name = "Content-Type",
                               .value = "application/x-www-form-urlencoded",
                               .credential = false};
    else if (cl->token != NULL)
        hdr[n++] = (gf_header){.name = "Authorization", .value = cl->token, .credential = true};
    if (cl->client_id != NULL)
        hdr[n++] = (gf_header){.name = "X-Client-Id", .value = cl->client_id, .credential = true};

    for (uint32_t attempt = 1;; attempt++) {
        gf_status st = build_url(cl, req);
        if (st != GF_OK)
            return st;
        call c = {cl, 0, 0, 0, false};
        int status = 0;
        /* An API call has an overall deadline of twice the idle timeout. */
        uint64_t deadline = 2ull * cl->http.timeout_ms;
        gf_http_request hr = {
            .method = req != NULL ? "GET" : "POST",
            .url = cl->priv.answer,
            .headers = hdr,
            .header_count = n,
            .body = (const unsigned char *)body,
            .body_len = body != NULL ? strlen(body) : 0,
            .deadline_ms = deadline > UINT32_MAX ? UINT32_MAX : (uint32_t)deadline,
            .follow_redirects = true,
        };
        gf_http_handler hd = {
            .user = &c, .header = call_header, .head = call_head, .body = call_body};
        if ((st = pace(cl)) != GF_OK)
            return st; /* cancelled: no call was made, so none is counted */
        st = gf_http_exchange(&cl->http, &hr, &hd, &status);
        paced(cl);
        if (c.too_large)
            return GF_E_TOO_LARGE;
        if (st == GF_OK) {
            if (status == 200) {
                *len = c.len;
                return GF_OK;
            }
            if (status == 401 || status == 403)
                return GF_E_AUTH;
            if (status != 429 && status < 500)
                return GF_E_HTTP_STATUS;
            st = gf_status_of_http(status);
        }
        if (!gf_retryable(st) || attempt > cl->retries)
            return st;
        if ((st = gf_retry_wait(cl, attempt, c.retry_after_ms, st)) != GF_OK)
            return st;
    }
}

/* The answer must be about the export asked for. */
static gf_status check_echo(const gf_request *req, const gf_answer *ans)
{
    gf_period p;
    char date[GF_DATE_MAX + 1];
    if (gf_period_parse(req->type, req->date, strlen(req->date), &p) != GF_OK)
        return GF_E_ARGUMENT;
    gf_period_format(&p, date);
    if (ans->export_date.len > 0 && !gf_view_eq(ans->export_date, date))
        return GF_E_ANSWER_MISMATCH;
    if (ans->export_type.len > 0 && !gf_view_eq(ans->export_type, gf_export_type_name(req->type)))
        return GF_E_ANSWER_MISMATCH;
    if (req->data != GF_DATA_ALL && ans->data_type.len > 0 &&
        !gf_view_eq(ans->data_type, gf_data_type_name(req->data)))
        return GF_E_ANSWER_MISMATCH;
    if (ans->state == GF_STATE_FINISHED && ans->all_types != (req->data == GF_DATA_ALL))
        return GF_E_LINKS_TYPE;
    return GF_OK;
}

gf_status gf_export_links(gf_client *cl, const gf_request *req, gf_answer *ans)
{
    size_t len = 0;
    char target[8];
    gf_status st;

    if ((st = gf_client_ready(cl)) != GF_OK)
        return st; /* before ans is touched: its layout may not be ours */
    if (req == NULL || ans == NULL)
        return GF_E_ARGUMENT;
    memset(ans, 0, sizeof(*ans));
    /* Refuse a bad request before a byte is sent. */
    st = gf_request_target(req, target, sizeof(target), NULL);
    if (st != GF_OK && st != GF_E_BUFFER)
        return st;
    if ((st = call_api(cl, req, NULL, &len)) != GF_OK)
        return st;
    cl->priv.answer_len = len;
    cl->priv.answer[len] = '\0';
    if ((st = gf_answer_parse(cl->priv.answer, len, cl->priv.tokens, GF_JSON_TOKENS_MAX, ans)) != GF_OK)
        return st;
    if ((st = check_echo(req, ans)) != GF_OK)
        return st;
    switch (ans->state) {
    case GF_STATE_FINISHED:
        return GF_OK;
    case GF_STATE_RUNNING:
        return GF_RUNNING;
    case GF_STATE_NOT_EXISTS:
        return GF_NOT_EXISTS;
    default:
        return GF_E_API_ERROR;
    }
}

#if GF_FEATURE_MINT
/* The mint's longest body (two ids, a 20-digit time, the MAC in hex, a
 * NUL), and the line before it in the signed message, which is written
 * into the engine's buffer. */
#define MINT_BODY_MAX (sizeof("project=&ai=&tm=&auth=") + 2 * GF_AI_MAX + (GF_U64_TEXT - 1) + 64)
#define MINT_LINE "POST\n/auth/token\n"
GF_STATIC_ASSERT(mint_message_fits, sizeof(MINT_LINE) + MINT_BODY_MAX <= GF_IO_BUF_SIZE);

gf_status gf_mint_token(gf_client *cl, const char *project_uid, const char *ai,
                        const unsigned char *secret, size_t secret_len, char *token, size_t cap)
{
    const gf_port *p;
    char body[MINT_BODY_MAX], num[GF_U64_TEXT];
    unsigned char mac[32];
    size_t len = 0;
    gf_view code;
    gf_status st;

    if ((st = gf_client_ready(cl)) != GF_OK)
        return st;
    if (token == NULL || cap == 0 || secret == NULL || cl->crypto == NULL)
        return GF_E_ARGUMENT;
    if (gf_id_len(ai) == 0)
        return GF_E_AI;
    if (gf_id_len(project_uid) == 0)
        return GF_E_ARGUMENT;
    p = cl->http.port;
    int64_t now = p->utc_s(p->ctx);
    if (now == GF_PORT_NO_TIME || now < 0)
        return GF_E_NO_CLOCK;
    gf_format_u64(num, (uint64_t)now * 1000u);

    /* body = project=<uid>&ai=<ai>&tm=<ms>; the MAC covers the method and
     * path before it, one line each. */
    gf_writer b = {body, sizeof(body), 0, false};
    gf_puts(&b, "project=");
    gf_puts(&b, project_uid);
    gf_puts(&b, "&ai=");
    gf_puts(&b, ai);
    gf_puts(&b, "&tm=");
    gf_puts(&b, num);
    /* The message goes in the engine's buffer, free until the exchange. */
    char *msg = (char *)cl->http.buf;
    memcpy(msg, MINT_LINE, sizeof(MINT_LINE) - 1);
    memcpy(msg + sizeof(MINT_LINE) - 1, body, b.len);
    if ((st = cl->crypto->hmac_sha256(secret, secret_len, (const unsigned char *)msg,
                                      sizeof(MINT_LINE) - 1 + b.len, mac)) != GF_OK)
        return st;
    gf_hex_encode(msg, mac, sizeof(mac)); /* the message is spent: its room holds the hex */
    gf_puts(&b, "&auth=");
    gf_put(&b, msg, 2 * sizeof(mac) + 1); /* with the NUL */
    if (b.overflow)
        return GF_E_BUFFER;

    if ((st = call_api(cl, NULL, body, &len)) != GF_OK)
        return st;
    cl->priv.answer[len] = '\0';
    if ((st = gf_token_answer_parse(cl->priv.answer, len, cl->priv.tokens, GF_JSON_TOKENS_MAX, &code)) != GF_OK)
        return st;
    if (code.len >= cap)
        return GF_E_BUFFER;
    memcpy(token, code.ptr, code.len + 1);
    memset(cl->priv.answer, 0, len); /* the token stays only where the caller keeps it */
    return GF_OK;
}
#else
/* Left out of this build (GF_FEATURE_MINT 0): the caller gives a token. */
gf_status gf_mint_token(gf_client *cl, const char *project_uid, const char *ai,
                        const unsigned char *secret, size_t secret_len, char *token, size_t cap)
{
    gf_status st = gf_client_ready(cl);
    (void)project_uid, (void)ai, (void)secret, (void)secret_len, (void)token, (void)cap;
    return st != GF_OK ? st : GF_E_FEATURE_OFF;
}
#endif
