/* The flow's pieces for callers who schedule downloads themselves:
 * gf_export_wait, gf_answer_link_at and its inverse gf_answer_pos_of,
 * gf_export_refresh ("ask again once for fresh links of the same files"). */
#include <stdio.h>

#include "check.h"
#include "faketls.h"
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

/* RUNNING, then FINISHED within the wait: two calls, one wait between. */
static void wait_polls_until_finished(void)
{
    setup(false);
    answer("RUNNING", "[]", false);
    answer("FINISHED", "[" L("a", "1") "]", false);
    CHECK_ST(gf_export_wait(&cl, &req, 60000, &ans), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK(asked(0, TARGET) && asked(1, TARGET));
    CHECK_INT(count_events(GF_EV_WAIT), 1);
    CHECK_INT(ans.count, 1);
    CHECK_ST(gf_export_wait(NULL, &req, 0, &ans), GF_E_ARGUMENT);
}

/* Positions walk the types in their fixed order, not the JSON's, both
 * ways; past the end is count. A single-type answer is link order. */
static void link_at_is_type_order(void)
{
    setup(true);
    answer("FINISHED", "{\"action\":[" L("act0", "1") "],\"visit\":[" L("v0", "1") "," L("v1", "1")
                       "],\"page\":[" L("p0", "1") "]}", true);
    CHECK_ST(gf_export_wait(&cl, &req, 0, &ans), GF_OK);
    static const char *const order[] = {"/e/v0?", "/e/v1?", "/e/p0?", "/e/act0?"};
    for (size_t pos = 0; pos < 4; pos++) {
        size_t i = gf_answer_link_at(&ans, pos);
        CHECK(i < ans.count && strstr(ans.link[i].ptr, order[pos]) != NULL);
    }
    CHECK_INT(gf_answer_link_at(&ans, 4), ans.count);
    CHECK_INT(gf_answer_link_at(&ans, 1000), ans.count);
    /* gf_answer_pos_of is its inverse: link 0 (act0, first in the JSON) is
     * last in type order. */
    for (size_t pos = 0; pos < 4; pos++)
        CHECK_INT(gf_answer_pos_of(&ans, gf_answer_link_at(&ans, pos)), pos);
    CHECK_INT(gf_answer_pos_of(&ans, 0), 3);
    CHECK_INT(gf_answer_pos_of(&ans, 4), ans.count);

    setup(false);
    answer("FINISHED", "[" L("b", "1") "," L("a", "1") "]", false);
    CHECK_ST(gf_export_wait(&cl, &req, 0, &ans), GF_OK);
    CHECK_INT(gf_answer_link_at(&ans, 0), 0);
    CHECK_INT(gf_answer_link_at(&ans, 1), 1);
    CHECK_INT(gf_answer_link_at(NULL, 0), 0);
    CHECK_INT(gf_answer_pos_of(&ans, 1), 1);
    CHECK_INT(gf_answer_pos_of(&ans, 2), ans.count);
    CHECK_INT(gf_answer_pos_of(NULL, 0), 0);
}

/* A refresh is one more call, paced like any API call, and gives the same
 * files with new signatures. */
static void refresh_gives_fresh_links_of_the_same_files(void)
{
    setup(false);
    answer("FINISHED", "[" L("a", "1") "," L("b", "1") "]", false);
    answer("FINISHED", "[" L("a", "2") "," L("b", "2") "]", false);
    CHECK_ST(gf_export_wait(&cl, &req, 0, &ans), GF_OK);
    uint64_t t0 = tp.now;
    CHECK_ST(gf_export_refresh(&cl, &req, &ans), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK(asked(1, TARGET));
    CHECK(tp.now - t0 >= cl.api_interval_ms);
    CHECK(strstr(ans.link[0].ptr, "/e/a?sig=2") != NULL);
    CHECK(strstr(ans.link[1].ptr, "/e/b?sig=2") != NULL);
}

/* Other files, fewer, more, or another order: a mismatch. An answer that
 * is not FINISHED comes back as it is. */
static void refresh_listing_other_files_is_a_mismatch(void)
{
    static const char *const others[] = {"[" L("c", "2") "," L("b", "2") "]", "[" L("a", "2") "]",
                                         "[" L("a", "2") "," L("b", "2") "," L("c", "2") "]",
                                         "[" L("b", "2") "," L("a", "2") "]"};
    for (size_t k = 0; k < 4; k++) {
        setup(false);
        answer("FINISHED", "[" L("a", "1") "," L("b", "1") "]", false);
        answer("FINISHED", others[k], false);
        CHECK_ST(gf_export_wait(&cl, &req, 0, &ans), GF_OK);
        gf_status st = gf_export_refresh(&cl, &req, &ans);
        if (st != GF_E_ANSWER_MISMATCH)
            check_fail(__FILE__, __LINE__, "refresh to %s: %s", others[k], gf_strerror(st));
    }
    setup(false);
    answer("FINISHED", "[" L("a", "1") "]", false);
    answer("RUNNING", "[]", false);
    CHECK_ST(gf_export_wait(&cl, &req, 0, &ans), GF_OK);
    CHECK_ST(gf_export_refresh(&cl, &req, &ans), GF_RUNNING);
    CHECK_ST(gf_export_refresh(&cl, NULL, &ans), GF_E_ARGUMENT);
}

/* All types: the same files under keys in another order still match. */
static void refresh_all_types_any_key_order(void)
{
    setup(true);
    answer("FINISHED", "{\"page\":[" L("p0", "1") "],\"visit\":[" L("v0", "1") "]}", true);
    answer("FINISHED", "{\"visit\":[" L("v0", "2") "],\"page\":[" L("p0", "2") "]}", true);
    CHECK_ST(gf_export_wait(&cl, &req, 0, &ans), GF_OK);
    CHECK_ST(gf_export_refresh(&cl, &req, &ans), GF_OK);
    CHECK(strstr(ans.link[gf_answer_link_at(&ans, 0)].ptr, "/e/v0?sig=2") != NULL);
    CHECK(strstr(ans.link[gf_answer_link_at(&ans, 1)].ptr, "/e/p0?sig=2") != NULL);
}

CHECK_SUITE(schedule, CASE(wait_polls_until_finished),
            CASE_IF(GF_FEATURE_ALL_TYPES, link_at_is_type_order),
            CASE(refresh_gives_fresh_links_of_the_same_files),
            CASE(refresh_listing_other_files_is_a_mismatch),
            CASE_IF(GF_FEATURE_ALL_TYPES, refresh_all_types_any_key_order));
