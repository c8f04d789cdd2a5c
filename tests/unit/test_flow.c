/* gf_fetch_export through the scripted port, files into memory sinks:
 * RUNNING is asked again with backoff; links that answer 403 are taken
 * as expired: the client asks the API once more ... a second 403 fails
 * that download; and the type order of all-types answers. */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"
#include "faketls.h"
#include "memsink.h"
#include "scripted.h"
#include "testport.h"

#define API "http://api.example"
#define FILES "http://files.example"

static testport tp;
static faketls tls;
static gf_client cl;
static gf_answer ans;
static gf_request req;


/* ---- the handler: one memory sink per file, in visiting order ----------- */

#define FILES_MAX 4

static memsink sinks[FILES_MAX];

static struct {
    unsigned plans;
    size_t visits;               /* sink() calls                             */
    char visited[256];           /* last path segment of each link, by ' '   */
    size_t skip_visit;           /* this visit gets a NULL sink (SIZE_MAX: none) */
    size_t dones;
    gf_status done_st[FILES_MAX * 2];
    char done_name[FILES_MAX * 2][32];
    size_t fail_done_at;         /* done() returns GF_E_SINK at this call    */
    gf_status plan_returns;
} hl;

/* "visit-0.csv.gz" from "http://files.example/e/visit-0.csv.gz?sig=1" */
static void name_of(gf_view link, char *out, size_t cap)
{
    size_t end = strcspn(link.ptr, "?"), start = end;
    while (start > 0 && link.ptr[start - 1] != '/')
        start--;
    snprintf(out, cap, "%.*s", (int)(end - start), link.ptr + start);
}

static gf_status h_plan(void *user, const gf_answer *a)
{
    (void)user;
    (void)a;
    hl.plans++;
    return hl.plan_returns;
}

static gf_status h_sink(void *user, const gf_answer *a, size_t link, const gf_sink **sink)
{
    char name[32];
    (void)user;
    name_of(a->link[link], name, sizeof(name));
    size_t n = strlen(hl.visited);
    snprintf(hl.visited + n, sizeof(hl.visited) - n, "%s%s", n > 0 ? " " : "", name);
    size_t v = hl.visits++;
    *sink = v == hl.skip_visit || v >= FILES_MAX ? NULL : &sinks[v].sink;
    return GF_OK;
}

static gf_status h_done(void *user, const gf_answer *a, size_t link, gf_status st,
                        const gf_download_result *res)
{
    (void)user;
    (void)res;
    size_t d = hl.dones++;
    if (d < FILES_MAX * 2) {
        hl.done_st[d] = st;
        name_of(a->link[link], hl.done_name[d], sizeof(hl.done_name[d]));
    }
    return d == hl.fail_done_at ? GF_E_SINK : GF_OK;
}

static const gf_fetch_handler handler = {NULL, h_plan, h_sink, h_done};

/* ---- scripts ------------------------------------------------------------ */


/* The API's answer about hour/visit/2026112712; it closes its connection. */
static void api(const char *status, const char *links)
{
    const char *body = say("{\"status\":\"%s\",\"downloadLinks\":%s,\"exportType\":\"hour\","
                           "\"dataType\":\"visit\",\"exportDate\":\"2026112712\",\"errorMsg\":\"%s\"}",
                           status, links, strcmp(status, "ERROR") == 0 ? "disk on fire" : "");
    tp_add_reply(&tp, say("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                          strlen(body), body));
}

/* The all-types answer about day/20261127. */
static void api_all(const char *links)
{
    const char *body = say("{\"status\":\"FINISHED\",\"downloadLinks\":%s,\"exportType\":\"day\","
                           "\"dataType\":\"\",\"exportDate\":\"20261127\"}", links);
    tp_add_reply(&tp, say("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                          strlen(body), body));
}

/* A file host answer: the body, or a 403. */
static void file(const char *body)
{
    tp_add_reply(&tp, say("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                          strlen(body), body));
}

static void forbidden(void)
{
    tp_add_reply(&tp, "HTTP/1.1 403 Forbidden\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
                      "AccessDenied!");
}

#define A1 "\"" FILES "/e/a.csv.gz?sig=1\""
#define B1 "\"" FILES "/e/b.csv.gz?sig=1\""
#define C1 "\"" FILES "/e/c.csv.gz?sig=1\""
#define A2 "\"" FILES "/e/a.csv.gz?sig=2\""
#define B2 "\"" FILES "/e/b.csv.gz?sig=2\""
#define C2 "\"" FILES "/e/c.csv.gz?sig=2\""

static void setup(uint32_t retries, uint32_t backoff_ms)
{
    scripted_client(&cl, &tp, &tls, retries, backoff_ms);
    cl.base_url = API;
    cl.token = "tok";
    cl.crypto = &gf_crypto_mbedtls;
    cl.api_interval_ms = 500;
    memset(&hl, 0, sizeof(hl));
    hl.skip_visit = SIZE_MAX;
    hl.fail_done_at = SIZE_MAX;
    for (size_t i = 0; i < FILES_MAX; i++)
        memsink_init(&sinks[i]);
    memset(&ans, 0, sizeof(ans));
    req = (gf_request){GF_EXPORT_HOUR, GF_DATA_VISIT, "my-ai", "2026112712", 5};
}

static gf_status fetch(uint32_t wait_ms) { return gf_fetch_export(&cl, &req, wait_ms, &handler, &ans); }

/* Is connection i a request for this target (request line prefix)? */
static bool asked(size_t conn, const char *target)
{
    char line[256];
    snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\n", target);
    return strncmp(tp.sent[conn], line, strlen(line)) == 0;
}

#define API_TARGET "/v2/insights/hour/visit/my-ai/2026112712.json?expire=5"

/* ---- polling ------------------------------------------------------------ */

/* RUNNING twice, then FINISHED within wait_ms: files downloaded, each wait
 * reported and longer than the last. */
static void running_then_finished_within_wait(void)
{
    setup(0, 1000);
    api("RUNNING", "[]");
    api("RUNNING", "[]");
    api("FINISHED", "[" A1 "]");
    file("hello");
    uint64_t t0 = tp.now;
    CHECK_ST(fetch(60000), GF_OK);
    CHECK_INT(tp.connects, 4);
    CHECK(asked(0, API_TARGET) && asked(1, API_TARGET) && asked(2, API_TARGET));
    CHECK(asked(3, "/e/a.csv.gz?sig=1"));
    CHECK_INT(count_events(GF_EV_WAIT), 2);
    const evrec *w0 = event_of(GF_EV_WAIT, 0), *w1 = event_of(GF_EV_WAIT, 1);
    CHECK(w0 != NULL && w0->status == GF_RUNNING && w0->delay_ms >= 1000);
    CHECK(w0 != NULL && w1 != NULL && w1->delay_ms > w0->delay_ms);
    CHECK(tp.now - t0 >= 3000);
    CHECK(memsink_is(&sinks[0], "hello", 5));
    CHECK(sinks[0].committed);
    CHECK_INT(hl.plans, 1);
    CHECK_INT(hl.dones, 1);
    CHECK_ST(hl.done_st[0], GF_OK);
    CHECK_INT(ans.state, GF_STATE_FINISHED);
}

/* Still RUNNING when wait_ms is over: GF_RUNNING, nothing downloaded, and
 * the waits add up to no more than wait_ms. */
static void running_past_the_wait(void)
{
    setup(0, 1000);
    for (int i = 0; i < 6; i++)
        api("RUNNING", "[]");
    uint64_t t0 = tp.now;
    CHECK_ST(fetch(2500), GF_RUNNING);
    CHECK_INT(hl.plans, 0);
    CHECK_INT(hl.visits, 0);
    CHECK(tp.connects >= 2);
    CHECK(tp.now - t0 <= 2500 + cl.api_interval_ms);
    uint64_t waited = 0;
    for (size_t k = 0; event_of(GF_EV_WAIT, k) != NULL; k++)
        waited += event_of(GF_EV_WAIT, k)->delay_ms;
    CHECK(waited <= 2500);
    CHECK(waited >= 2000);
    CHECK_INT(ans.state, GF_STATE_RUNNING);
}

/* wait 0: one call, no wait. */
static void wait_zero_asks_once(void)
{
    setup(0, 1000);
    api("RUNNING", "[]");
    api("FINISHED", "[" A1 "]");
    CHECK_ST(fetch(0), GF_RUNNING);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(count_events(GF_EV_WAIT), 0);
    CHECK_INT(tp.slept, 0);
}

/* RUNNING polls back off, but no single pause beyond GF_BACKOFF_MAX_MS
 * (config.h: the longest single backoff). */
static void running_poll_pause_is_capped(void)
{
    setup(0, 1000);
    /* one kept-alive connection answering every poll */
    tp_conn *c = tp_add(&tp);
    const char *body = "{\"status\":\"RUNNING\",\"downloadLinks\":[],\"exportType\":\"hour\","
                       "\"dataType\":\"visit\",\"exportDate\":\"2026112712\"}";
    const char *running = say("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    for (int i = 0; i < TP_MAX_STEPS; i++)
        c->steps[i] = (tp_step){TP_DATA, running, 0, 0};
    CHECK_ST(fetch(5u * 60u * 1000u), GF_RUNNING);
    CHECK(count_events(GF_EV_WAIT) >= 8);
    for (size_t k = 0; event_of(GF_EV_WAIT, k) != NULL; k++) {
        uint32_t d = event_of(GF_EV_WAIT, k)->delay_ms;
        if (d > GF_BACKOFF_MAX_MS)
            check_fail(__FILE__, __LINE__, "RUNNING pause %zu is %u ms, over GF_BACKOFF_MAX_MS (%u)",
                       k, d, GF_BACKOFF_MAX_MS);
    }
}

/* ---- type order --------------------------------------------------------- */

/* An all-types answer: links visited in type order (visit before page
 * before action...), whatever the order of the JSON object's keys. */
static void all_types_visited_in_type_order(void)
{
    setup(0, 1000);
    req = (gf_request){GF_EXPORT_DAY, GF_DATA_ALL, "my-ai", "20261127", 5};
    api_all("{\"action\":[\"" FILES "/e/action-0.csv.gz?s=1\"],"
            "\"page\":[\"" FILES "/e/page-0.csv.gz?s=1\",\"" FILES "/e/page-1.csv.gz?s=1\"],"
            "\"vstr\":[],\"unknown\":[\"" FILES "/e/unknown.csv.gz\"],"
            "\"visit\":[\"" FILES "/e/visit-0.csv.gz?s=1\"]}");
    file("V");
    file("P0");
    file("P1");
    file("A");
    CHECK_ST(fetch(0), GF_OK);
    CHECK_STR(hl.visited, "visit-0.csv.gz page-0.csv.gz page-1.csv.gz action-0.csv.gz");
    CHECK(asked(1, "/e/visit-0.csv.gz?s=1"));
    CHECK(asked(2, "/e/page-0.csv.gz?s=1"));
    CHECK(asked(3, "/e/page-1.csv.gz?s=1"));
    CHECK(asked(4, "/e/action-0.csv.gz?s=1"));
    CHECK(memsink_is(&sinks[0], "V", 1));
    CHECK(memsink_is(&sinks[1], "P0", 2));
    CHECK(memsink_is(&sinks[2], "P1", 2));
    CHECK(memsink_is(&sinks[3], "A", 1));
    CHECK_INT(hl.dones, 4);
    CHECK_INT(tp.connects, 5);
}

/* ---- expired links ------------------------------------------------------ */

/* A link that answers 403: the API is asked again and the fresh link (a
 * new query) finishes the file. */
static void expired_link_fetched_again_fresh(void)
{
    setup(0, 1000);
    api("FINISHED", "[" A1 "," B1 "]");
    forbidden();
    api("FINISHED", "[" A2 "," B2 "]");
    file("aaaa");
    file("bbbb");
    CHECK_ST(fetch(0), GF_OK);
    CHECK_INT(tp.connects, 5);
    CHECK(asked(0, API_TARGET));
    CHECK(asked(1, "/e/a.csv.gz?sig=1"));
    CHECK(asked(2, API_TARGET));
    CHECK(asked(3, "/e/a.csv.gz?sig=2"));
    CHECK(asked(4, "/e/b.csv.gz?sig=2"));
    CHECK(memsink_is(&sinks[0], "aaaa", 4));
    CHECK(memsink_is(&sinks[1], "bbbb", 4));
    CHECK(sinks[0].committed && sinks[1].committed);
    CHECK_INT(hl.dones, 2);
    CHECK_ST(hl.done_st[0], GF_OK);
    CHECK_ST(hl.done_st[1], GF_OK);
    CHECK_INT(hl.plans, 1);
}

/* What arrived before the 403 is kept and resumed on the fresh link. */
static void expired_link_resumes_on_the_fresh_one(void)
{
    static const char file20[] = "0123456789abcdefghij";
    setup(1, 1000);
    api("FINISHED", "[" A1 "]");
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\n"
                                     "Content-Length: 20\r\n\r\n01234567", 0, 0};
    c->steps[1] = (tp_step){TP_RESET, NULL, 0, 0};
    forbidden(); /* the retry finds the link expired */
    api("FINISHED", "[" A2 "]");
    tp_add_reply(&tp, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 8-19/20\r\n"
                      "ETag: \"v1\"\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"
                      "89abcdefghij");
    CHECK_ST(fetch(0), GF_OK);
    CHECK(asked(4, "/e/a.csv.gz?sig=2"));
    /* the held bytes' ETag goes along: a changed object would come whole */
    CHECK(strstr(tp.sent[4], "\r\nRange: bytes=8-\r\nIf-Range: \"v1\"\r\n") != NULL);
    CHECK(memsink_is(&sinks[0], file20, 20));
    CHECK(sinks[0].committed);
}

/* The fresh link answers 403 too: that file fails, the next files still
 * download, and the flow returns GF_E_LINK_EXPIRED. */
static void second_expiry_fails_that_file_only(void)
{
    setup(0, 1000);
    api("FINISHED", "[" A1 "," B1 "]");
    forbidden();
    api("FINISHED", "[" A2 "," B2 "]");
    forbidden();
    file("bbbb");
    CHECK_ST(fetch(0), GF_E_LINK_EXPIRED);
    CHECK_INT(tp.connects, 5);
    CHECK(asked(3, "/e/a.csv.gz?sig=2"));
    CHECK(asked(4, "/e/b.csv.gz?sig=2"));
    CHECK_INT(hl.dones, 2);
    CHECK_ST(hl.done_st[0], GF_E_LINK_EXPIRED);
    CHECK_STR(hl.done_name[0], "a.csv.gz");
    CHECK_ST(hl.done_st[1], GF_OK);
    CHECK_STR(hl.done_name[1], "b.csv.gz");
    CHECK(!sinks[0].committed);
    CHECK(memsink_is(&sinks[1], "bbbb", 4));
    CHECK(sinks[1].committed);
}

/* Asked again, the API lists other files: the answer no longer matches. */
static void reask_listing_other_files_is_a_mismatch(void)
{
    static const char *const others[] = {"[" C2 "," B2 "]", "[" A2 "]", "[" A2 "," B2 "," C2 "]",
                                         "[" B2 "," A2 "]"};
    for (size_t i = 0; i < 4; i++) {
        setup(0, 1000);
        api("FINISHED", "[" A1 "," B1 "]");
        forbidden();
        api("FINISHED", others[i]);
        file("xxxx");
        file("yyyy");
        gf_status st = fetch(0);
        if (st != GF_E_ANSWER_MISMATCH || tp.connects != 3)
            check_fail(__FILE__, __LINE__, "re-ask %s: %s after %zu connects", others[i],
                       gf_strerror(st), tp.connects);
        CHECK_INT(hl.visits, 1);
    }
}

/* All types: the re-asked answer may order its keys differently; the file
 * at the same place in type order is fetched again. */
static void reask_all_types_any_key_order(void)
{
    setup(0, 1000);
    req = (gf_request){GF_EXPORT_DAY, GF_DATA_ALL, "my-ai", "20261127", 5};
    api_all("{\"page\":[\"" FILES "/e/page-0.csv.gz?s=1\"],"
            "\"visit\":[\"" FILES "/e/visit-0.csv.gz?s=1\"]}");
    forbidden();
    api_all("{\"visit\":[\"" FILES "/e/visit-0.csv.gz?s=2\"],"
            "\"page\":[\"" FILES "/e/page-0.csv.gz?s=2\"]}");
    file("V");
    file("P");
    CHECK_ST(fetch(0), GF_OK);
    CHECK(asked(1, "/e/visit-0.csv.gz?s=1"));
    CHECK(asked(3, "/e/visit-0.csv.gz?s=2"));
    CHECK(asked(4, "/e/page-0.csv.gz?s=2"));
    CHECK(memsink_is(&sinks[0], "V", 1));
    CHECK(memsink_is(&sinks[1], "P", 1));
    CHECK_STR(hl.done_name[0], "visit-0.csv.gz");
    CHECK_STR(hl.done_name[1], "page-0.csv.gz");
}

/* ---- the handler -------------------------------------------------------- */

/* done() returning an error stops the flow with it. */
static void done_error_stops_the_flow(void)
{
    setup(0, 1000);
    hl.fail_done_at = 0;
    api("FINISHED", "[" A1 "," B1 "]");
    file("aaaa");
    file("bbbb");
    CHECK_ST(fetch(0), GF_E_SINK);
    CHECK_INT(tp.connects, 2);
    CHECK_INT(hl.visits, 1);
    CHECK(sinks[0].committed);
    CHECK_INT(sinks[1].len, 0);

    /* plan() too, before any download */
    setup(0, 1000);
    hl.plan_returns = GF_E_SINK;
    api("FINISHED", "[" A1 "]");
    file("aaaa");
    CHECK_ST(fetch(0), GF_E_SINK);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(hl.visits, 0);
}

/* A failed file does not stop the others; the first error is returned. */
static void failed_file_does_not_stop_the_others(void)
{
    setup(0, 1000);
    api("FINISHED", "[" A1 "," B1 "," C1 "]");
    file("aaaa");
    tp_add_reply(&tp, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    file("cccc");
    CHECK_ST(fetch(0), GF_E_HTTP_STATUS);
    CHECK_INT(hl.dones, 3);
    CHECK_ST(hl.done_st[0], GF_OK);
    CHECK_ST(hl.done_st[1], GF_E_HTTP_STATUS);
    CHECK_ST(hl.done_st[2], GF_OK);
    CHECK(memsink_is(&sinks[2], "cccc", 4));
    CHECK_INT(tp.connects, 4); /* a 404 is not a reason to ask the API again */
}

/* A NULL sink skips that file. */
static void null_sink_skips_the_file(void)
{
    setup(0, 1000);
    hl.skip_visit = 0;
    api("FINISHED", "[" A1 "," B1 "]");
    file("bbbb");
    CHECK_ST(fetch(0), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK(asked(1, "/e/b.csv.gz?sig=1"));
    CHECK_INT(hl.visits, 2);
    CHECK(memsink_is(&sinks[1], "bbbb", 4));
    CHECK_INT(sinks[0].writes, 0);
}

/* NOT_EXISTS and ERROR come back as they are, with no download. */
static void not_exists_and_error_without_downloads(void)
{
    setup(0, 1000);
    api("NOT_EXISTS", "[]");
    file("x");
    CHECK_ST(fetch(60000), GF_NOT_EXISTS);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(hl.plans, 0);
    CHECK_INT(hl.visits, 0);
    CHECK_INT(count_events(GF_EV_WAIT), 0);

    setup(0, 1000);
    api("ERROR", "null");
    file("x");
    CHECK_ST(fetch(60000), GF_E_API_ERROR);
    CHECK_VIEW(ans.error_msg, "disk on fire");
    CHECK_INT(tp.connects, 1);
    CHECK_INT(hl.visits, 0);

    /* FINISHED with no links: done, nothing to fetch */
    setup(0, 1000);
    api("FINISHED", "[]");
    CHECK_ST(fetch(0), GF_OK);
    CHECK_INT(hl.plans, 1);
    CHECK_INT(hl.visits, 0);
}

/* ---- pacing ------------------------------------------------------------- */

/* A RUNNING answer that comes ms after the request was sent. */
static void api_after(uint32_t ms)
{
    const char *body = "{\"status\":\"RUNNING\",\"downloadLinks\":[],\"exportType\":\"hour\","
                       "\"dataType\":\"visit\",\"exportDate\":\"2026112712\"}";
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DELAY, NULL, 0, ms};
    c->steps[1] = (tp_step){TP_DATA,
                            say("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n"
                                "\r\n%s", strlen(body), body), 0, 0};
    c->steps[2] = (tp_step){TP_EOF, NULL, 0, 0};
}

/* The API allows 2 calls/s as its server sees them; no 3
 * consecutive calls may reach it within 1 s. The server sees a call
 * somewhere between the request's first byte sent and the answer's first
 * byte received: take the worst of both ends for every call, with answers
 * that take 0..700 ms and a clock that ticks coarsely (now_ms lagging the
 * true time by up to a tick). */
static void api_calls_keep_the_rate_limit_under_jitter(void)
{
    static const uint32_t ticks[] = {1, 4, 10, 16};
    uint32_t rnd = 20261201u;
    for (uint32_t round = 0; round < 48; round++) {
        setup(0, 1000);
        tp.tick = ticks[round % 4];
        tp.now += round * 7u; /* another phase against the tick each round */
        for (size_t i = 0; i < TP_MAX_CONNS; i++) {
            rnd = rnd * 1103515245u + 12345u;
            uint32_t r = rnd >> 16;
            api_after(r % 3 == 0 ? 0 : r % 700);
        }
        for (size_t i = 0; i < TP_MAX_CONNS; i++) {
            rnd = rnd * 1103515245u + 12345u;
            CHECK_ST(gf_export_links(&cl, &req, &ans), GF_RUNNING);
            tp.now += (rnd >> 16) % 3 == 0 ? (rnd >> 20) % 40 : 0; /* the caller's own work */
        }
        for (size_t i = 0; i + 2 < TP_MAX_CONNS; i++) {
            CHECK(tp.sent_any[i + 2] && tp.answered_any[i]);
            uint64_t gap = tp.sent_at[i + 2] - tp.answered_at[i];
            if (gap <= 1000)
                check_fail(__FILE__, __LINE__,
                           "round %u (tick %u ms): call %zu answered at %llu, call %zu sent at "
                           "%llu: three calls within %llu ms",
                           (unsigned)round, (unsigned)tp.tick, i,
                           (unsigned long long)tp.answered_at[i], i + 2,
                           (unsigned long long)tp.sent_at[i + 2], (unsigned long long)gap);
        }
    }

    /* Instant answers on an exact clock: the second call 500 ms after the
     * first ended, the third 1 s plus the margin after the first ended. */
    setup(0, 1000);
    for (int i = 0; i < 3; i++)
        api_after(0);
    for (int i = 0; i < 3; i++)
        CHECK_ST(gf_export_links(&cl, &req, &ans), GF_RUNNING);
    CHECK_INT(tp.sent_at[1] - tp.answered_at[0], 500);
    CHECK_INT(tp.sent_at[2] - tp.answered_at[0], 1000 + GF_API_MARGIN_MS);

    /* api_interval_ms 0: no pacing at all */
    setup(0, 1000);
    cl.api_interval_ms = 0;
    for (int i = 0; i < 3; i++)
        api_after(0);
    for (int i = 0; i < 3; i++)
        CHECK_ST(gf_export_links(&cl, &req, &ans), GF_RUNNING);
    CHECK_INT(tp.slept, 0);
}

CHECK_SUITE(flow, CASE(running_then_finished_within_wait), CASE(running_past_the_wait),
            CASE(wait_zero_asks_once), CASE(running_poll_pause_is_capped),
            CASE_IF(GF_FEATURE_ALL_TYPES, all_types_visited_in_type_order), CASE(expired_link_fetched_again_fresh),
            CASE_IF(GF_FEATURE_RESUME, expired_link_resumes_on_the_fresh_one), CASE(second_expiry_fails_that_file_only),
            CASE(reask_listing_other_files_is_a_mismatch), CASE_IF(GF_FEATURE_ALL_TYPES, reask_all_types_any_key_order),
            CASE(done_error_stops_the_flow), CASE(failed_file_does_not_stop_the_others),
            CASE(null_sink_skips_the_file), CASE(not_exists_and_error_without_downloads),
            CASE(api_calls_keep_the_rate_limit_under_jitter));
