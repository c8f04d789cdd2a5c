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
    memcpy(c->cl->answer + c->len, data, len);
    c->len += len;
    return GF_OK;
}

/* base_url + the export's target (or /auth/token when req is NULL) into
 * cl->answer, which is free until the answer arrives. */
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
    memcpy(cl->answer, b, blen);
    if (req == NULL) {
        static const char mint[] = "/auth/token";
        if (sizeof(mint) > GF_URL_MAX - blen)
            return GF_E_URL;
        memcpy(cl->answer + blen, mint, sizeof(mint));
        return GF_OK;
    }
    gf_status st = gf_request_target(req, cl->answer + blen, GF_URL_MAX - blen, &tlen);
    return st == GF_E_BUFFER ? GF_E_URL : st;
}

/* Keep at least api_interval_ms between the end of one call and the start
 * of the next (the API allows 2 calls/s). Counting from the end, not the
 * start, matters: a call's request reaches the server only after connect
 * and TLS, so starts 500 ms apart can arrive three within one second. */
static void pace(gf_client *cl)
{
    const gf_port *p = cl->http.port;
    if (cl->api_called) {
        uint64_t now = p->now_ms(p->ctx);
        if (now - cl->api_last_ms < cl->api_interval_ms)
            p->sleep_ms(p->ctx, (uint32_t)(cl->api_interval_ms - (now - cl->api_last_ms)));
    }
}

static void paced(gf_client *cl)
{
    cl->api_called = true;
    cl->api_last_ms = cl->http.port->now_ms(cl->http.port->ctx);
}

/* One call with retries; on GF_OK, cl->answer[0..*len) is a 200's body.
 * req NULL: POST body to /auth/token instead of an export's GET. */
static gf_status call_api(gf_client *cl, const gf_request *req, const char *body, size_t *len)
{
    gf_header hdr[4];
    size_t n = 0;
    hdr[n++] = (gf_header){"Accept", "application/json", false};
    if (req == NULL)
        hdr[n++] = (gf_header){"Content-Type", "application/x-www-form-urlencoded", false};
    else if (cl->token != NULL)
        hdr[n++] = (gf_header){"Authorization", cl->token, true};
    if (cl->client_id != NULL)
        hdr[n++] = (gf_header){"X-Client-Id", cl->client_id, true};

    for (uint32_t attempt = 1;; attempt++) {
        gf_status st = build_url(cl, req);
        if (st != GF_OK)
            return st;
        call c = {cl, 0, 0, 0, false};
        int status = 0;
        /* An API call has an overall deadline of twice the idle timeout. */
        uint64_t deadline = 2ull * cl->http.timeout_ms;
        gf_http_request hr = {req != NULL ? "GET" : "POST", cl->answer, hdr, n,
                              (const unsigned char *)body, body != NULL ? strlen(body) : 0,
                              deadline > UINT32_MAX ? UINT32_MAX : (uint32_t)deadline, true};
        gf_http_handler hd = {&c, call_header, call_head, call_body};
        pace(cl);
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
        gf_retry_wait(cl, attempt, c.retry_after_ms, st);
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

    if (cl == NULL || req == NULL || ans == NULL)
        return GF_E_ARGUMENT;
    memset(ans, 0, sizeof(*ans));
    /* Refuse a bad request before a byte is sent. */
    st = gf_request_target(req, target, sizeof(target), NULL);
    if (st != GF_OK && st != GF_E_BUFFER)
        return st;
    if ((st = call_api(cl, req, NULL, &len)) != GF_OK)
        return st;
    cl->answer_len = len;
    cl->answer[len] = '\0';
    if ((st = gf_answer_parse(cl->answer, len, cl->tokens, GF_JSON_TOKENS_MAX, ans)) != GF_OK)
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

    if (cl == NULL || token == NULL || cap == 0 || secret == NULL || cl->crypto == NULL)
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
    cl->crypto->hmac_sha256(secret, secret_len, (const unsigned char *)msg,
                            sizeof(MINT_LINE) - 1 + b.len, mac);
    gf_hex_encode(msg, mac, sizeof(mac)); /* the message is spent: its room holds the hex */
    gf_puts(&b, "&auth=");
    gf_put(&b, msg, 2 * sizeof(mac) + 1); /* with the NUL */
    if (b.overflow)
        return GF_E_BUFFER;

    if ((st = call_api(cl, NULL, body, &len)) != GF_OK)
        return st;
    cl->answer[len] = '\0';
    if ((st = gf_token_answer_parse(cl->answer, len, cl->tokens, GF_JSON_TOKENS_MAX, &code)) != GF_OK)
        return st;
    if (code.len >= cap)
        return GF_E_BUFFER;
    memcpy(token, code.ptr, code.len + 1);
    memset(cl->answer, 0, len); /* the token stays only where the caller keeps it */
    return GF_OK;
}
