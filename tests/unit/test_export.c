/* gf_export_links through the scripted port: the export API as it is
 * called (request, headers, answers, rate limit) and its error answers. */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"
#include "faketls.h"
#include "scripted.h"
#include "testport.h"

#define API "https://api.example"
#define HOUR_VISIT "/v2/insights/hour/visit/my-ai/2026112712.json?expire=5"
#define L1 "https://files.example/p/part-00000.csv.gz?X-Amz-Signature=a1"
#define L2 "https://files.example/p/part-00001.csv.gz?X-Amz-Signature=a2"

static testport tp;
static faketls tls;
static gf_client cl;
static gf_answer ans;
static gf_request req;


/* ---- answers ------------------------------------------------------------ */


/* A 200 carrying a JSON body; it closes its connection. */
static const char *json(const char *body)
{
    return say("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
               "Connection: close\r\n\r\n%s",
               strlen(body), body);
}

/* An answer about hour/visit/2026112712 in the given state. */
static const char *answer(const char *status, const char *links, const char *error_msg)
{
    return json(say("{\"status\":\"%s\",\"downloadLinks\":%s,\"exportType\":\"hour\","
                    "\"dataType\":\"visit\",\"exportDate\":\"2026112712\",\"exportVersion\":\"v2\","
                    "\"requestTime\":\"2026-11-28 15:02\",\"errorMsg\":\"%s\"}",
                    status, links, error_msg));
}

static const char *finished(void) { return answer("FINISHED", "[\"" L1 "\",\"" L2 "\"]", ""); }

static const char *status_only(int code, const char *reason, const char *headers)
{
    return say("HTTP/1.1 %d %s\r\n%sContent-Length: 2\r\nConnection: close\r\n\r\n{}", code,
               reason, headers);
}

static void setup(uint32_t retries, uint32_t backoff_ms)
{
    scripted_client(&cl, &tp, &tls, retries, backoff_ms);
    cl.base_url = API;
    cl.token = "tok-123";
    cl.api_interval_ms = 500;
    memset(&ans, 0, sizeof(ans));
    req = (gf_request){GF_EXPORT_HOUR, GF_DATA_VISIT, "my-ai", "2026112712", 5};
}

static gf_status ask(void) { return gf_export_links(&cl, &req, &ans); }

/* ---- the request -------------------------------------------------------- */

static void request_line_and_headers(void)
{
    setup(0, 1000);
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK_INT(tp.connects, 1);
    CHECK_STR(tp.host[0], "api.example");
    CHECK_INT(tp.portnum[0], 443);
    CHECK_INT(tls.opens, 1);
    CHECK_STR(tp.sent[0], "GET " HOUR_VISIT " HTTP/1.1\r\nHost: api.example\r\n"
                          "User-Agent: giofetch/" GF_VERSION "\r\nAccept: application/json\r\n"
                          "Authorization: tok-123\r\n\r\n");

    /* X-Client-Id only when one is set; the token goes as the user wrote it */
    setup(0, 1000);
    cl.token = "Token abc";
    cl.client_id = "cid-9";
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK(strstr(tp.sent[0], "\r\nAuthorization: Token abc\r\n") != NULL);
    CHECK(strstr(tp.sent[0], "\r\nX-Client-Id: cid-9\r\n") != NULL);

    /* no token: no Authorization header at all */
    setup(0, 1000);
    cl.token = NULL;
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK(strstr(tp.sent[0], "Authorization") == NULL);
    CHECK(strstr(tp.sent[0], "X-Client-Id") == NULL);

    /* expire 0 is the default (5); others are sent as given */
    setup(0, 1000);
    req.expire_min = 0;
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK(strncmp(tp.sent[0], "GET " HOUR_VISIT " ", sizeof("GET " HOUR_VISIT " ") - 1) == 0);
    setup(0, 1000);
    req.expire_min = 10080;
    req.date = "202611271230"; /* an hour export drops the minutes */
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK(strncmp(tp.sent[0], "GET /v2/insights/hour/visit/my-ai/2026112712.json?expire=10080 ",
                  63) == 0);
}

/* base_url with and without a trailing slash, with a port and a path prefix. */
static void base_url_forms(void)
{
    static const struct {
        const char *base, *line, *host;
        uint16_t port;
    } cases[] = {
        {"https://api.example", "GET " HOUR_VISIT " HTTP/1.1\r\nHost: api.example\r\n", "api.example", 443},
        {"https://api.example/", "GET " HOUR_VISIT " HTTP/1.1\r\nHost: api.example\r\n", "api.example", 443},
        {"http://gio.lan:8080", "GET " HOUR_VISIT " HTTP/1.1\r\nHost: gio.lan:8080\r\n", "gio.lan", 8080},
        {"https://corp.example/gio", "GET /gio" HOUR_VISIT " HTTP/1.1\r\n", "corp.example", 443},
        {"https://corp.example/gio/", "GET /gio" HOUR_VISIT " HTTP/1.1\r\n", "corp.example", 443},
        {"https://corp.example/a/b//", "GET /a/b" HOUR_VISIT " HTTP/1.1\r\n", "corp.example", 443},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setup(0, 1000);
        cl.base_url = cases[i].base;
        tp_add_reply(&tp, finished());
        gf_status st = ask();
        if (st != GF_OK || strncmp(tp.sent[0], cases[i].line, strlen(cases[i].line)) != 0 ||
            strcmp(tp.host[0], cases[i].host) != 0 || tp.portnum[0] != cases[i].port)
            check_fail(__FILE__, __LINE__, "base %s: %s, sent \"%.80s\" to %s:%u", cases[i].base,
                       gf_strerror(st), tp.sent[0], tp.host[0], tp.portnum[0]);
    }

    /* the all-types call has no data type in its path */
    setup(0, 1000);
    cl.base_url = "https://api.example/";
    req = (gf_request){GF_EXPORT_DAY, GF_DATA_ALL, "my-ai", "20261127", 5};
    tp_add_reply(&tp, json("{\"status\":\"RUNNING\",\"downloadLinks\":{}}"));
    CHECK_ST(ask(), GF_RUNNING);
    CHECK(strncmp(tp.sent[0], "GET /v2/insights/day/my-ai/20261127.json?expire=5 HTTP/1.1\r\n",
                  60) == 0);

    /* a base URL that cannot carry the API's path is refused, nothing sent */
    setup(0, 1000);
    cl.base_url = "https://api.example/?x=1";
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_E_URL);
    setup(0, 1000);
    cl.base_url = "ftp://api.example";
    tp_add_reply(&tp, finished());
    CHECK(ask() != GF_OK);
    CHECK_INT(tp.connects, 0);
}

/* ---- the answer --------------------------------------------------------- */

static void each_status_maps_to_gf_status(void)
{
    setup(0, 1000);
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK_INT(ans.state, GF_STATE_FINISHED);
    CHECK_INT(ans.count, 2);
    CHECK_VIEW(ans.link[0], L1);
    CHECK_VIEW(ans.link[1], L2);
    CHECK_VIEW(ans.export_date, "2026112712");

    setup(0, 1000);
    tp_add_reply(&tp, answer("RUNNING", "[]", ""));
    CHECK_ST(ask(), GF_RUNNING);
    CHECK_INT(ans.count, 0);

    setup(0, 1000);
    tp_add_reply(&tp, answer("NOT_EXISTS", "[]", ""));
    CHECK_ST(ask(), GF_NOT_EXISTS);

    setup(0, 1000);
    tp_add_reply(&tp, answer("ERROR", "null", "quota exceeded"));
    CHECK_ST(ask(), GF_E_API_ERROR);
    CHECK_VIEW(ans.error_msg, "quota exceeded");

    /* escapes in links are decoded */
    setup(0, 1000);
    tp_add_reply(&tp, answer("FINISHED",
                             "[\"https:\\/\\/files.example\\/p\\/x.csv.gz?a=1\\u0026b=2\"]", ""));
    CHECK_ST(ask(), GF_OK);
    CHECK_VIEW(ans.link[0], "https://files.example/p/x.csv.gz?a=1&b=2");
    CHECK_STR(ans.link[0].ptr, "https://files.example/p/x.csv.gz?a=1&b=2");
}

/* 401 and 403 from the API: auth rejected, not retried. */
static void auth_rejected_without_retry(void)
{
    static const int codes[] = {401, 403};
    for (size_t i = 0; i < 2; i++) {
        setup(3, 1000);
        tp_add_reply(&tp, status_only(codes[i], "No", ""));
        tp_add_reply(&tp, finished());
        CHECK_ST(ask(), GF_E_AUTH);
        CHECK_INT(tp.connects, 1);
        CHECK_INT(tp.slept, 0);
    }
}

/* 429 with Retry-After, then a 200: GF_OK after waiting at least that long. */
static void rate_limited_then_ok(void)
{
    setup(2, 100);
    tp_add_reply(&tp, status_only(429, "Too Many Requests", "Retry-After: 2\r\n"));
    tp_add_reply(&tp, finished());
    uint64_t t0 = tp.now;
    CHECK_ST(ask(), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK(tp.now - t0 >= 2000);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL &&
          event_of(GF_EV_RETRY, 0)->status == GF_E_RATE_LIMITED &&
          event_of(GF_EV_RETRY, 0)->delay_ms >= 2000);
    CHECK_INT(ans.count, 2);

    setup(1, 100);
    tp_add_reply(&tp, status_only(429, "Too Many Requests", ""));
    tp_add_reply(&tp, status_only(429, "Too Many Requests", ""));
    CHECK_ST(ask(), GF_E_RATE_LIMITED);
    CHECK_INT(tp.connects, 2);
}

/* 5xx every time: retries + 1 calls, then GF_E_SERVER. */
static void server_errors_exhaust_the_budget(void)
{
    setup(2, 1000);
    for (int i = 0; i < 4; i++)
        tp_add_reply(&tp, status_only(500, "Internal Server Error", ""));
    CHECK_ST(ask(), GF_E_SERVER);
    CHECK_INT(tp.connects, 3);
    for (size_t k = 0; k < 2; k++) {
        const evrec *e = event_of(GF_EV_RETRY, k);
        uint32_t nominal = 1000u << k;
        CHECK(e != NULL && e->status == GF_E_SERVER && e->delay_ms >= nominal / 2 &&
              e->delay_ms <= nominal);
    }
    CHECK(event_of(GF_EV_RETRY, 2) == NULL);

    setup(0, 1000);
    tp_add_reply(&tp, status_only(503, "Unavailable", ""));
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_E_SERVER);
    CHECK_INT(tp.connects, 1);

    /* an error page is not the answer: however long, it is still a 5xx */
    setup(1, 1000);
    static char page[GF_ANSWER_MAX + 200];
    size_t n = (size_t)snprintf(page, sizeof(page), "HTTP/1.1 503 Unavailable\r\nContent-Length: %u"
                                "\r\nConnection: close\r\n\r\n", GF_ANSWER_MAX + 1);
    memset(page + n, '!', GF_ANSWER_MAX + 1);
    page[n + GF_ANSWER_MAX + 1] = '\0';
    tp_add_reply(&tp, page);
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK_INT(ans.count, 2);

    /* 600..999 have no class: a server error like a 5xx (RFC 9110 section 15) */
    setup(1, 1000);
    tp_add_reply(&tp, status_only(600, "Odd", ""));
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL && event_of(GF_EV_RETRY, 0)->status == GF_E_SERVER);
    setup(0, 1000);
    tp_add_reply(&tp, status_only(999, "Odder", ""));
    CHECK_ST(ask(), GF_E_SERVER);

    /* out of descriptors or memory: the platform's, not retried as DNS */
    setup(3, 1000);
    tp_add(&tp)->connect = GF_PORT_E_RESOURCES;
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_E_RESOURCES);
    CHECK_INT(tp.connects, 1);
    CHECK(event_of(GF_EV_RETRY, 0) == NULL);

    /* a network failure is retried like a 5xx */
    setup(1, 1000);
    tp_add(&tp)->connect = GF_PORT_E_REFUSED;
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK_INT(tp.connects, 2);
}

/* Any other status: a protocol error that shows the HTTP status, not retried. */
static void other_status_is_http_status(void)
{
    static const int codes[] = {404, 400, 418};
    for (size_t i = 0; i < 3; i++) {
        setup(3, 1000);
        tp_add_reply(&tp, status_only(codes[i], "Nope", ""));
        tp_add_reply(&tp, finished());
        CHECK_ST(ask(), GF_E_HTTP_STATUS);
        CHECK_INT(tp.connects, 1);
    }
}

/* An answer over GF_ANSWER_MAX is refused, never truncated; one of exactly
 * GF_ANSWER_MAX bytes fits. */
static void answer_size_limit(void)
{
    static char head[128], body[GF_ANSWER_MAX + 2];
    static const char doc[] = "{\"status\":\"RUNNING\",\"downloadLinks\":[]}";
    size_t sizes[] = {GF_ANSWER_MAX + 1, GF_ANSWER_MAX};
    for (size_t i = 0; i < 2; i++) {
        size_t n = sizes[i];
        memset(body, ' ', n);
        memcpy(body, doc, sizeof(doc) - 1); /* JSON padded with white space */
        body[n] = '\0';
        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n\r\n", n);
        setup(2, 1000);
        tp.piece = 3000;
        tp_conn *c = tp_add(&tp);
        c->steps[0] = (tp_step){TP_DATA, head, 0, 0};
        c->steps[1] = (tp_step){TP_DATA, body, n, 0};
        tp_add_reply(&tp, answer("RUNNING", "[]", ""));
        CHECK_ST(ask(), i == 0 ? GF_E_TOO_LARGE : GF_RUNNING);
        CHECK_INT(tp.connects, 1);
    }
    /* a chunked answer, no length announced, is held to the same limit */
    setup(0, 1000);
    static char chunked[GF_ANSWER_MAX + 200];
    size_t n = (size_t)snprintf(chunked, sizeof(chunked),
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n",
                                GF_ANSWER_MAX + 1);
    memset(chunked + n, ' ', GF_ANSWER_MAX + 1);
    memcpy(chunked + n, doc, sizeof(doc) - 1);
    n += GF_ANSWER_MAX + 1;
    memcpy(chunked + n, "\r\n0\r\n\r\n", 8);
    tp_add_reply(&tp, chunked);
    CHECK_ST(ask(), GF_E_TOO_LARGE);
}

static void malformed_json_is_refused(void)
{
    static const char *const bodies[] = {
        "{\"status\":\"FINISHED\",\"downloadLinks\":[",
        "{\"status\":\"FINISHED\" \"downloadLinks\":[]}",
        "<html>502</html>",
    };
    for (size_t i = 0; i < 3; i++) {
        setup(2, 1000);
        tp_add_reply(&tp, json(bodies[i]));
        tp_add_reply(&tp, finished());
        CHECK_ST(ask(), GF_E_JSON);
        CHECK_INT(tp.connects, 1); /* the peer's garbage is not retried */
    }
}

/* The answer must echo the export asked for. */
static void echo_mismatch_is_refused(void)
{
    static const char *const wrong[] = {
        "\"exportType\":\"hour\",\"dataType\":\"visit\",\"exportDate\":\"2026112713\"",
        "\"exportType\":\"hour\",\"dataType\":\"visit\",\"exportDate\":\"20261127\"",
        "\"exportType\":\"day\",\"dataType\":\"visit\",\"exportDate\":\"2026112712\"",
        "\"exportType\":\"hour\",\"dataType\":\"page\",\"exportDate\":\"2026112712\"",
    };
    for (size_t i = 0; i < 4; i++) {
        setup(0, 1000);
        tp_add_reply(&tp, json(say("{\"status\":\"FINISHED\",\"downloadLinks\":[\"" L1 "\"],%s}",
                                   wrong[i])));
        gf_status st = ask();
        if (st != GF_E_ANSWER_MISMATCH)
            check_fail(__FILE__, __LINE__, "%s: got %s", wrong[i], gf_strerror(st));
    }
    /* a RUNNING answer about another day is a mismatch too */
    setup(0, 1000);
    tp_add_reply(&tp, json("{\"status\":\"RUNNING\",\"downloadLinks\":[],\"exportType\":\"hour\","
                           "\"dataType\":\"visit\",\"exportDate\":\"2026112612\"}"));
    CHECK_ST(ask(), GF_E_ANSWER_MISMATCH);

    /* a day request given yyyyMMddHH is about yyyyMMdd */
    setup(0, 1000);
    req = (gf_request){GF_EXPORT_DAY, GF_DATA_PAGE, "my-ai", "2026112712", 5};
    tp_add_reply(&tp, json("{\"status\":\"FINISHED\",\"downloadLinks\":[\"" L1 "\"],"
                           "\"exportType\":\"day\",\"dataType\":\"page\",\"exportDate\":\"20261127\"}"));
    CHECK_ST(ask(), GF_OK);
    CHECK(strstr(tp.sent[0], "/v2/insights/day/page/my-ai/20261127.json") != NULL);
}

/* An all-types request answered with an array, or a single type with an
 * object, on FINISHED: the links have the wrong shape. */
static void links_of_the_wrong_shape(void)
{
    setup(0, 1000);
    req = (gf_request){GF_EXPORT_DAY, GF_DATA_ALL, "my-ai", "20261127", 5};
    tp_add_reply(&tp, json("{\"status\":\"FINISHED\",\"downloadLinks\":[\"" L1 "\"],"
                           "\"exportType\":\"day\",\"dataType\":\"\",\"exportDate\":\"20261127\"}"));
    CHECK_ST(ask(), GF_E_LINKS_TYPE);

    setup(0, 1000);
    tp_add_reply(&tp, json("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":[\"" L1 "\"]},"
                           "\"exportType\":\"hour\",\"dataType\":\"visit\","
                           "\"exportDate\":\"2026112712\"}"));
    CHECK_ST(ask(), GF_E_LINKS_TYPE);

    /* the right shapes */
    setup(0, 1000);
    req = (gf_request){GF_EXPORT_DAY, GF_DATA_ALL, "my-ai", "20261127", 5};
    tp_add_reply(&tp, json("{\"status\":\"FINISHED\",\"downloadLinks\":{\"page\":[\"" L2 "\"],"
                           "\"visit\":[\"" L1 "\"]},\"exportType\":\"day\",\"dataType\":\"\","
                           "\"exportDate\":\"20261127\"}"));
    CHECK_ST(ask(), GF_OK);
    CHECK(ans.all_types);
    CHECK_INT(ans.count, 2);
    CHECK(ans.type[GF_DATA_VISIT].present && ans.type[GF_DATA_VISIT].count == 1);
    CHECK(ans.type[GF_DATA_PAGE].present && ans.type[GF_DATA_PAGE].count == 1);
    CHECK_VIEW(ans.link[ans.type[GF_DATA_VISIT].first], L1);
    CHECK_VIEW(ans.link[ans.type[GF_DATA_PAGE].first], L2);
}

/* A request the caller built wrong is refused before any connect. */
static void invalid_request_refused_before_connect(void)
{
    static const struct {
        gf_request r;
        gf_status want;
    } bad[] = {
        {{GF_EXPORT_HOUR, GF_DATA_VISIT, "bad ai!", "2026112712", 5}, GF_E_AI},
        {{GF_EXPORT_HOUR, GF_DATA_VISIT, "", "2026112712", 5}, GF_E_AI},
        {{GF_EXPORT_DAY, GF_DATA_VISIT, "my-ai", "20261327", 5}, GF_E_DATE_INVALID},
        {{GF_EXPORT_DAY, GF_DATA_VISIT, "my-ai", "20260230", 5}, GF_E_DATE_INVALID},
        {{GF_EXPORT_HOUR, GF_DATA_VISIT, "my-ai", "20261127", 5}, GF_E_DATE_NEEDS_HOUR},
        {{GF_EXPORT_HOUR, GF_DATA_VISIT, "my-ai", "2026-11-27", 5}, GF_E_DATE_FORMAT},
        {{GF_EXPORT_HOUR, GF_DATA_VISIT, "my-ai", "2026112712", 10081}, GF_E_EXPIRE},
        {{(gf_export_type)7, GF_DATA_VISIT, "my-ai", "2026112712", 5}, GF_E_EXPORT_TYPE},
        {{GF_EXPORT_HOUR, (gf_data_type)42, "my-ai", "2026112712", 5}, GF_E_DATA_TYPE},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setup(3, 1000);
        tp_add_reply(&tp, finished());
        req = bad[i].r;
        gf_status st = ask();
        if (st != bad[i].want || tp.connects != 0)
            check_fail(__FILE__, __LINE__, "request %zu: got %s, want %s, %zu connects", i,
                       gf_strerror(st), gf_strerror(bad[i].want), tp.connects);
    }
    if (!GF_FEATURE_ALL_TYPES) { /* a build without the all-types call */
        setup(3, 1000);
        tp_add_reply(&tp, finished());
        req = (gf_request){GF_EXPORT_DAY, GF_DATA_ALL, "my-ai", "20261127", 5};
        CHECK_ST(ask(), GF_E_FEATURE_OFF);
        CHECK_INT(tp.connects, 0);
    }
}

/* Never two calls within api_interval_ms, also between a call's retries. */
static void calls_are_paced(void)
{
    setup(1, 10);
    tp_add_reply(&tp, finished());
    tp_add_reply(&tp, status_only(500, "Oops", ""));
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK_ST(ask(), GF_OK); /* 500, then a retry after a 5..10 ms backoff */
    const evrec *r0 = event_of(GF_EV_REQUEST, 0), *r1 = event_of(GF_EV_REQUEST, 1),
                *r2 = event_of(GF_EV_REQUEST, 2);
    CHECK(r0 != NULL && r1 != NULL && r2 != NULL);
    if (r0 != NULL && r1 != NULL && r2 != NULL) {
        CHECK(r1->at - r0->at >= 500);
        CHECK(r2->at - r1->at >= 500);
    }

    /* calls already further apart are not slowed down */
    setup(0, 1000);
    tp_add_reply(&tp, finished());
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    tp.now += 2000;
    CHECK_ST(ask(), GF_OK);
    CHECK_INT(tp.slept, 0);
}

/* A redirect of the API to another origin: the credentials stay behind. */
static void redirect_to_another_origin_drops_credentials(void)
{
    setup(0, 1000);
    cl.client_id = "cid-9";
    tp_add_reply(&tp, say("HTTP/1.1 302 Found\r\nLocation: https://mirror.example" HOUR_VISIT
                          "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK_STR(tp.host[1], "mirror.example");
    CHECK(strstr(tp.sent[0], "\r\nAuthorization: tok-123\r\n") != NULL);
    CHECK(strstr(tp.sent[1], "GET " HOUR_VISIT " HTTP/1.1\r\n") == tp.sent[1]);
    CHECK(strstr(tp.sent[1], "tok-123") == NULL);
    CHECK(strstr(tp.sent[1], "Authorization") == NULL);
    CHECK(strstr(tp.sent[1], "cid-9") == NULL);
    CHECK(strstr(tp.sent[1], "Accept: application/json") != NULL);
    CHECK_INT(ans.count, 2);

    /* the same origin keeps them */
    setup(0, 1000);
    tp_add_reply(&tp, say("HTTP/1.1 307 Temporary\r\nLocation: /v2/other.json\r\n"
                          "Content-Length: 0\r\nConnection: close\r\n\r\n"));
    tp_add_reply(&tp, finished());
    CHECK_ST(ask(), GF_OK);
    CHECK(strstr(tp.sent[1], "GET /v2/other.json HTTP/1.1\r\n") == tp.sent[1]);
    CHECK(strstr(tp.sent[1], "\r\nAuthorization: tok-123\r\n") != NULL);
}

/* An API call has an overall deadline of twice the timeout: an answer that
 * drips in under the idle timeout still fails at 2 x timeout. */
static void overall_deadline_is_twice_the_timeout(void)
{
    setup(0, 1000);
    cl.http.timeout_ms = 1000;
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 0, 0};
    for (int i = 1; i + 1 < TP_MAX_STEPS; i += 2) {
        c->steps[i] = (tp_step){TP_DELAY, NULL, 0, 900};
        c->steps[i + 1] = (tp_step){TP_DATA, " ", 0, 0};
    }
    uint64_t t0 = tp.now;
    CHECK_ST(ask(), GF_E_DEADLINE);
    CHECK_INT(tp.now - t0, 2000);

    /* the same drip that ends in time is fine */
    setup(0, 1000);
    cl.http.timeout_ms = 1000;
    static const char doc[] = "{\"status\":\"RUNNING\",\"downloadLinks\":[]}";
    c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, say("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%.10s",
                                         sizeof(doc) - 1, doc), 0, 0};
    c->steps[1] = (tp_step){TP_DELAY, NULL, 0, 900};
    c->steps[2] = (tp_step){TP_DATA, doc + 10, 0, 0};
    CHECK_ST(ask(), GF_RUNNING);
}

/* A stand-in MAC, so that the core's suite needs no crypto library: the
 * message's length in every byte, and the message kept for the check. */
static char mac_msg[512];

static gf_status fake_hmac(const unsigned char *key, size_t keylen, const unsigned char *msg,
                      size_t len, unsigned char mac[32])
{
    (void)key;
    (void)keylen;
    snprintf(mac_msg, sizeof(mac_msg), "%.*s", (int)len, (const char *)msg);
    memset(mac, (int)(len & 0xffu), 32);
    return GF_OK;
}

/* The longest body the mint can send (64-byte ids, a 20-digit time) goes
 * out whole, with the MAC of the method, path and body in hex. */
static void mint_with_the_longest_ids(void)
{
    static const gf_crypto crypto = {NULL, NULL, NULL, NULL, NULL, fake_hmac};
    char uid[GF_AI_MAX + 1], ai[GF_AI_MAX + 1], token[32], hex[65];
    setup(0, 1000);
    cl.crypto = &crypto;
    cl.client_id = "cid";
    memset(uid, 'u', GF_AI_MAX);
    uid[GF_AI_MAX] = '\0';
    memset(ai, 'a', GF_AI_MAX);
    ai[GF_AI_MAX] = '\0';
    tp.utc = 18000000000000000; /* its milliseconds take all 20 digits */
    tp_add_reply(&tp, json("{\"status\":\"success\",\"code\":\"minted-1\"}"));
    CHECK_ST(gf_mint_token(&cl, uid, ai, (const unsigned char *)"k", 1, token, sizeof(token)),
             GF_OK);
    CHECK_STR(token, "minted-1");
    const char *body = say("project=%s&ai=%s&tm=18000000000000000000", uid, ai);
    CHECK_STR(mac_msg, say("POST\n/auth/token\n%s", body));
    memset(hex, "0123456789abcdef"[strlen(mac_msg) & 15u], 64);
    for (size_t i = 0; i < 64; i += 2)
        hex[i] = "0123456789abcdef"[(strlen(mac_msg) >> 4) & 15u];
    hex[64] = '\0';
    CHECK(strstr(tp.sent[0], "POST /auth/token HTTP/1.1\r\n") == tp.sent[0]);
    const char *sent_body = strstr(tp.sent[0], "\r\n\r\n");
    CHECK(sent_body != NULL && strcmp(sent_body + 4, say("%s&auth=%s", body, hex)) == 0);
    CHECK_ST(gf_mint_token(&cl, uid, "a.b", (const unsigned char *)"k", 1, token, sizeof(token)),
             GF_E_AI);
}

/* A build without GF_FEATURE_MINT: gf_mint_token says so, sends nothing. */
static void mint_switched_off(void)
{
    static const gf_crypto crypto = {NULL, NULL, NULL, NULL, NULL, fake_hmac};
    char token[32];
    setup(0, 1000);
    cl.crypto = &crypto;
    CHECK_ST(gf_mint_token(&cl, "uid", "ai", (const unsigned char *)"k", 1, token, sizeof(token)),
             GF_E_FEATURE_OFF);
    CHECK_INT(tp.connects, 0);
}

CHECK_SUITE(export, CASE(request_line_and_headers), CASE_IF(GF_FEATURE_ALL_TYPES, base_url_forms),
            CASE(each_status_maps_to_gf_status), CASE(auth_rejected_without_retry),
            CASE(rate_limited_then_ok), CASE(server_errors_exhaust_the_budget),
            CASE(other_status_is_http_status), CASE(answer_size_limit),
            CASE(malformed_json_is_refused), CASE(echo_mismatch_is_refused),
            CASE_IF(GF_FEATURE_ALL_TYPES, links_of_the_wrong_shape), CASE(invalid_request_refused_before_connect),
            CASE(calls_are_paced), CASE_IF(GF_FEATURE_REDIRECTS, redirect_to_another_origin_drops_credentials),
            CASE(overall_deadline_is_twice_the_timeout), CASE_IF(GF_FEATURE_MINT, mint_with_the_longest_ids),
            CASE_IF(!GF_FEATURE_MINT, mint_switched_off));
