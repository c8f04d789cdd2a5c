/* The flow as a state object its caller drives (gf_flow_*), as a driver
 * of several files at once uses it: files handed out by index in type
 * order, one re-ask per answer however many files were refused meanwhile,
 * the same files or a mismatch, the first error kept; and every wait cut
 * short by the cancel hook, on the fake clock. */
#include <stdio.h>

#include "check.h"
#include "faketls.h"
#include "memsink.h"
#include "scripted.h"
#include "testport.h"

#define API "http://api.example"
#define FILES "http://files.example"
#define TARGET "/v2/insights/day/visit/my-ai/20261127.json?expire=5"

static testport tp;
static faketls tls;
static gf_client cl;
static gf_answer ans;
static gf_request req;

static void answer(const char *status, const char *links, bool all)
{
    const char *body = say("{\"status\":\"%s\",\"downloadLinks\":%s,\"exportType\":\"day\","
                           "\"dataType\":\"%s\",\"exportDate\":\"20261127\"}",
                           status, links, all ? "" : "visit");
    tp_add_reply(&tp, say("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                          strlen(body), body));
}

static void setup(bool all)
{
    tp_init(&tp);
    faketls_init(&tls);
    gf_client_init(&cl, &tp.port, FAKETLS(&tls));
    cl.base_url = API;
    cl.token = "tok";
    cl.retries = 0;
    cl.backoff_ms = 1000;
    cl.api_interval_ms = 500;
    cl.http.timeout_ms = 5000;
    cl.http.on_event = scripted_on_event;
    scripted_reset(&tp);
    memset(&ans, 0, sizeof(ans));
    req = (gf_request){GF_EXPORT_DAY, all ? GF_DATA_ALL : GF_DATA_VISIT, "my-ai", "20261127", 5};
}

static bool asked(size_t conn, const char *target)
{
    char line[256];
    snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\n", target);
    return strncmp(tp.sent[conn], line, strlen(line)) == 0;
}

#define L(name, sig) "\"" FILES "/e/" name "?sig=" sig "\""

static gf_flow flow;

/* RUNNING, then FINISHED within the wait: two calls, one wait between. */
static void begin_polls_until_finished(void)
{
    setup(false);
    answer("RUNNING", "[]", false);
    answer("FINISHED", "[" L("a", "1") "]", false);
    CHECK_ST(gf_flow_begin(&flow, &cl, &req, 60000, &ans), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK(asked(0, TARGET) && asked(1, TARGET));
    CHECK_INT(count_events(GF_EV_WAIT), 1);
    CHECK_INT(ans.count, 1);
    CHECK_ST(gf_flow_begin(&flow, NULL, &req, 0, &ans), GF_E_ARGUMENT);
    size_t i = 99;
    CHECK_INT(gf_flow_next(&flow, &i), GF_FLOW_DONE); /* never begun: nothing */
    CHECK_ST(gf_flow_result(&flow), GF_E_ARGUMENT);
    CHECK_ST(gf_flow_begin(NULL, &cl, &req, 0, &ans), GF_E_ARGUMENT);
}

/* The parser keeps links in type order, not the JSON's: index k is the
 * k-th file in visit, page, ..., action order, and the flow hands them out
 * so. */
static void files_in_type_order(void)
{
    setup(true);
    answer("FINISHED", "{\"action\":[" L("act0", "1") "],\"visit\":[" L("v0", "1") "," L("v1", "1")
                       "],\"page\":[" L("p0", "1") "]}", true);
    CHECK_ST(gf_flow_begin(&flow, &cl, &req, 0, &ans), GF_OK);
    static const char *const order[] = {"/e/v0?", "/e/v1?", "/e/p0?", "/e/act0?"};
    for (size_t k = 0; k < 4; k++) {
        size_t i = 99;
        CHECK_INT(gf_flow_next(&flow, &i), GF_FLOW_FILE);
        CHECK_INT(i, k);
        CHECK(strstr(ans.link[i].ptr, order[k]) != NULL);
    }
    CHECK_INT(ans.type[GF_DATA_VISIT].first, 0);
    CHECK_INT(ans.type[GF_DATA_PAGE].first, 2);
    CHECK_INT(ans.type[GF_DATA_ACTION].first, 3);
    size_t i;
    CHECK_INT(gf_flow_next(&flow, &i), GF_FLOW_WAIT); /* four under way */
    for (size_t k = 0; k < 4; k++)
        CHECK_INT(gf_flow_ended(&flow, k, GF_OK), GF_FLOW_SETTLED);
    CHECK_INT(gf_flow_next(&flow, &i), GF_FLOW_DONE);
    CHECK_ST(gf_flow_result(&flow), GF_OK);
}

/* Two files under way are both refused (expired, denied): the first to end
 * asks once, paced like any call; the second goes on with the same answer.
 * A fresh link refused again settles that file; the first error is kept. */
static void one_reask_serves_every_refused_file(void)
{
    setup(false);
    answer("FINISHED", "[" L("a", "1") "," L("b", "1") "," L("c", "1") "]", false);
    answer("FINISHED", "[" L("a", "2") "," L("b", "2") "," L("c", "2") "]", false);
    CHECK_ST(gf_flow_begin(&flow, &cl, &req, 0, &ans), GF_OK);
    size_t a, b, c;
    CHECK_INT(gf_flow_next(&flow, &a), GF_FLOW_FILE);
    CHECK_INT(gf_flow_next(&flow, &b), GF_FLOW_FILE);
    uint64_t t0 = tp.now;
    CHECK_INT(gf_flow_ended(&flow, a, GF_E_LINK_EXPIRED), GF_FLOW_AGAIN);
    CHECK_INT(tp.connects, 2);
    CHECK(asked(1, TARGET));
    CHECK(tp.now - t0 >= cl.api_interval_ms);
    CHECK(strstr(ans.link[a].ptr, "/e/a?sig=2") != NULL);
    CHECK_INT(gf_flow_ended(&flow, b, GF_E_LINK_DENIED), GF_FLOW_AGAIN);
    CHECK_INT(tp.connects, 2); /* no second ask for the same answer */
    CHECK(strstr(ans.link[b].ptr, "/e/b?sig=2") != NULL);
    CHECK_INT(gf_flow_ended(&flow, a, GF_E_LINK_SIGNATURE), GF_FLOW_SETTLED);
    CHECK_INT(gf_flow_next(&flow, &c), GF_FLOW_FILE);
    CHECK_INT(c, 2);
    CHECK_INT(gf_flow_ended(&flow, b, GF_E_MD5_MISMATCH), GF_FLOW_SETTLED);
    CHECK_INT(gf_flow_ended(&flow, c, GF_OK), GF_FLOW_SETTLED);
    CHECK_INT(gf_flow_next(&flow, &c), GF_FLOW_DONE);
    CHECK_ST(gf_flow_result(&flow), GF_E_LINK_SIGNATURE);
    CHECK_INT(tp.connects, 2);
    CHECK_INT(gf_flow_ended(&flow, c, GF_OK), GF_FLOW_DROPPED); /* ended twice: misuse */
}

/* Other files, fewer, more, or another order: a mismatch, which drops the
 * refused file and stops the flow; a file under way still ends. An answer
 * that is not FINISHED stops it with its status. */
static void reask_listing_other_files_stops_the_flow(void)
{
    static const char *const others[] = {"[" L("c", "2") "," L("b", "2") "]", "[" L("a", "2") "]",
                                         "[" L("a", "2") "," L("b", "2") "," L("c", "2") "]",
                                         "[" L("b", "2") "," L("a", "2") "]", "[]"};
    for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
        setup(false);
        answer("FINISHED", "[" L("a", "1") "," L("b", "1") "]", false);
        answer(k == 4 ? "RUNNING" : "FINISHED", others[k], false);
        CHECK_ST(gf_flow_begin(&flow, &cl, &req, 0, &ans), GF_OK);
        size_t a, b;
        CHECK_INT(gf_flow_next(&flow, &a), GF_FLOW_FILE);
        CHECK_INT(gf_flow_next(&flow, &b), GF_FLOW_FILE);
        CHECK_INT(gf_flow_ended(&flow, a, GF_E_LINK_EXPIRED), GF_FLOW_DROPPED);
        CHECK_INT(gf_flow_next(&flow, &a), GF_FLOW_WAIT);
        CHECK_INT(gf_flow_ended(&flow, b, GF_E_LINK_EXPIRED), GF_FLOW_DROPPED);
        CHECK_INT(gf_flow_next(&flow, &a), GF_FLOW_DONE);
        gf_status st = gf_flow_result(&flow);
        if (st != (k == 4 ? GF_RUNNING : GF_E_ANSWER_MISMATCH))
            check_fail(__FILE__, __LINE__, "re-ask to %s: %s", others[k], gf_strerror(st));
    }
}

/* All types: the same files under keys in another order still match, and
 * each index keeps its file. */
static void reask_all_types_any_key_order(void)
{
    setup(true);
    answer("FINISHED", "{\"page\":[" L("p0", "1") "],\"visit\":[" L("v0", "1") "]}", true);
    answer("FINISHED", "{\"visit\":[" L("v0", "2") "],\"page\":[" L("p0", "2") "]}", true);
    CHECK_ST(gf_flow_begin(&flow, &cl, &req, 0, &ans), GF_OK);
    size_t v, p;
    CHECK_INT(gf_flow_next(&flow, &v), GF_FLOW_FILE);
    CHECK_INT(gf_flow_next(&flow, &p), GF_FLOW_FILE);
    CHECK_INT(gf_flow_ended(&flow, p, GF_E_LINK_EXPIRED), GF_FLOW_AGAIN);
    CHECK(strstr(ans.link[v].ptr, "/e/v0?sig=2") != NULL);
    CHECK(strstr(ans.link[p].ptr, "/e/p0?sig=2") != NULL);
}

/* A caller's stop: no more files handed out, those under way still end,
 * and the stop is the result; a refused file is dropped, not re-asked. */
static void stop_hands_out_nothing_more(void)
{
    setup(false);
    answer("FINISHED", "[" L("a", "1") "," L("b", "1") "," L("c", "1") "]", false);
    CHECK_ST(gf_flow_begin(&flow, &cl, &req, 0, &ans), GF_OK);
    size_t a, b;
    CHECK_INT(gf_flow_next(&flow, &a), GF_FLOW_FILE);
    CHECK_INT(gf_flow_next(&flow, &b), GF_FLOW_FILE);
    gf_flow_stop(&flow, GF_E_SINK);
    gf_flow_stop(&flow, GF_E_AUTH); /* the first why is kept */
    CHECK_INT(gf_flow_next(&flow, &a), GF_FLOW_WAIT);
    CHECK_INT(gf_flow_ended(&flow, a, GF_OK), GF_FLOW_SETTLED);
    CHECK_INT(gf_flow_ended(&flow, b, GF_E_LINK_EXPIRED), GF_FLOW_DROPPED);
    CHECK_INT(gf_flow_next(&flow, &a), GF_FLOW_DONE);
    CHECK_ST(gf_flow_result(&flow), GF_E_SINK);
    CHECK_INT(tp.connects, 1);
}

/* ---- cancelling: every wait of the library, on the fake clock ----------- */

static struct {
    uint64_t at;                 /* the hook says stop from this fake time   */
    unsigned asked;
} stopper;

static bool stop_at(void *user)
{
    (void)user;
    stopper.asked++;
    return tp.now >= stopper.at;
}

static void cancel_from(uint64_t at)
{
    stopper.at = at;
    stopper.asked = 0;
    cl.http.cancel = stop_at;
}

/* A RUNNING poll that would wait a minute ends within one slice of the
 * button; no further call is made. */
static void cancel_cuts_a_running_poll_short(void)
{
    setup(false);
    cl.backoff_ms = 60000;
    answer("RUNNING", "[]", false);
    answer("FINISHED", "[" L("a", "1") "]", false);
    cancel_from(tp.now + 1000);
    uint64_t t0 = tp.now;
    CHECK_ST(gf_flow_begin(&flow, &cl, &req, 600000, &ans), GF_E_CANCELLED);
    CHECK_INT(tp.connects, 1);
    CHECK(tp.now - t0 <= 1000 + GF_CANCEL_SLICE_MS);
    CHECK(stopper.asked > 1);
    size_t i;
    CHECK_INT(gf_flow_next(&flow, &i), GF_FLOW_DONE);
    CHECK_ST(gf_flow_result(&flow), GF_E_CANCELLED);
}

/* A retry pause after a 503 and the pacing before a call are cut short
 * too, and a call never starts once the hook says stop. */
static void cancel_cuts_backoff_and_pacing_short(void)
{
    setup(false);
    cl.retries = 3;
    cl.backoff_ms = 30000;
    tp_add_reply(&tp, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    answer("FINISHED", "[]", false);
    cancel_from(tp.now + 500);
    uint64_t t0 = tp.now;
    CHECK_ST(gf_export_links(&cl, &req, &ans), GF_E_CANCELLED);
    CHECK_INT(tp.connects, 1);
    CHECK(tp.now - t0 <= 500 + GF_CANCEL_SLICE_MS);

    setup(false);
    cl.api_interval_ms = 20000;
    answer("FINISHED", "[]", false);
    answer("FINISHED", "[]", false);
    CHECK_ST(gf_export_links(&cl, &req, &ans), GF_OK);
    cancel_from(tp.now + 300);
    t0 = tp.now;
    CHECK_ST(gf_export_links(&cl, &req, &ans), GF_E_CANCELLED);
    CHECK_INT(tp.connects, 1); /* paced, then stopped before connecting */
    CHECK(tp.now - t0 <= 300 + GF_CANCEL_SLICE_MS);

    setup(false);
    answer("FINISHED", "[]", false);
    cancel_from(0);
    CHECK_ST(gf_export_links(&cl, &req, &ans), GF_E_CANCELLED);
    CHECK_INT(tp.connects, 0);
}

/* A download under way stops at its next read: not committed, not retried,
 * the bytes that arrived kept for a resume. */
static void cancel_stops_a_download_uncommitted(void)
{
    static memsink ms;
    setup(false);
    cl.retries = 3;
    memsink_init(&ms);
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789", 0, 0};
    c->steps[1] = (tp_step){TP_DELAY, NULL, 0, 2000};
    c->steps[2] = (tp_step){TP_DATA, "abcdefghij", 0, 0};
    c->steps[3] = (tp_step){TP_DELAY, NULL, 0, 2000};
    c->steps[4] = (tp_step){TP_DATA, "ABCDEFGHIJ", 0, 0};
    c->steps[5] = (tp_step){TP_EOF, NULL, 0, 0};
    cancel_from(tp.now + 1000);
    CHECK_ST(gf_download(&cl, FILES "/e/a?sig=1", &ms.sink, NULL), GF_E_CANCELLED);
    CHECK(!ms.committed);
    CHECK_INT(ms.commits, 0);
    CHECK(memsink_is(&ms, "0123456789abcdefghij", 20));
    CHECK_INT(tp.connects, 1);
    CHECK_INT(tp.slept, 0);
}

/* Without a hook a pause is one sleep of the whole time, as before. */
static void no_hook_sleeps_once(void)
{
    setup(false);
    cl.backoff_ms = 4000;
    answer("RUNNING", "[]", false);
    answer("FINISHED", "[]", false);
    CHECK_ST(gf_flow_begin(&flow, &cl, &req, 10000, &ans), GF_OK);
    CHECK_INT(tp.slept, 4000);
}

CHECK_SUITE(schedule, CASE(begin_polls_until_finished), CASE_IF(GF_FEATURE_ALL_TYPES, files_in_type_order),
            CASE(one_reask_serves_every_refused_file),
            CASE(reask_listing_other_files_stops_the_flow), CASE_IF(GF_FEATURE_ALL_TYPES, reask_all_types_any_key_order),
            CASE(stop_hands_out_nothing_more), CASE(cancel_cuts_a_running_poll_short),
            CASE(cancel_cuts_backoff_and_pacing_short), CASE(cancel_stops_a_download_uncommitted),
            CASE(no_hook_sleeps_once));
