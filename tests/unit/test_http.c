/* The HTTP engine through the scripted port: requests, keep-alive,
 * redirects, timeouts, proxies. */
#include <stdio.h>

#include "check.h"
#include "faketls.h"
#include "testport.h"

static testport tp;
static faketls tls;
static gf_http h;

typedef struct sink {
    char body[70000];
    size_t len;
    char headers[1024];
    size_t hlen;
    int head_status;
} sink;
static sink out;

static gf_status s_header(void *user, int status, gf_view name, gf_view value)
{
    sink *s = user;
    (void)status;
    int n = snprintf(s->headers + s->hlen, sizeof(s->headers) - s->hlen, "%.*s=%.*s\n",
                     (int)name.len, name.ptr, (int)value.len, value.ptr);
    if (n > 0 && (size_t)n < sizeof(s->headers) - s->hlen)
        s->hlen += (size_t)n;
    return GF_OK;
}

static gf_status s_head(void *user, int status)
{
    ((sink *)user)->head_status = status;
    return GF_OK;
}

static gf_status s_body(void *user, const unsigned char *data, size_t len)
{
    sink *s = user;
    if (len > sizeof(s->body) - s->len)
        return GF_E_BUFFER;
    memcpy(s->body + s->len, data, len);
    s->len += len;
    return GF_OK;
}

static const gf_http_handler handler = {&out, s_header, s_head, s_body};

static void setup(void)
{
    tp_init(&tp);
    faketls_init(&tls);
    gf_http_init(&h, &tp.port, FAKETLS(&tls));
    memset(&out, 0, sizeof(out));
}

static gf_status get(const char *url, int *status)
{
    gf_http_request req = {"GET", url, NULL, 0, NULL, 0, 0, true};
    return gf_http_exchange(&h, &req, &handler, status);
}

static const char ok_hello[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

/* One scripted connection that answers with reply, then a GET of url. */
static gf_status get_reply(const char *reply, const char *url)
{
    tp_add_reply(&tp, reply);
    return get(url, NULL);
}

static void request_head_is_exact(void)
{
    setup();
    tp_add_reply(&tp, ok_hello);
    gf_header hdr[] = {{"Authorization", "tok", true}, {"X-Client-Id", "cid", true}};
    gf_http_request req = {"GET", "http://api.example:8080/v2/x.json?expire=5", hdr, 2, NULL, 0, 0, true};
    int status = 0;
    CHECK_ST(gf_http_exchange(&h, &req, &handler, &status), GF_OK);
    CHECK_INT(status, 200);
    CHECK_STR(tp.sent[0], "GET /v2/x.json?expire=5 HTTP/1.1\r\nHost: api.example:8080\r\n"
                          "User-Agent: giofetch/" GF_VERSION "\r\nAuthorization: tok\r\n"
                          "X-Client-Id: cid\r\n\r\n");
    CHECK_STR(tp.host[0], "api.example");
    CHECK_INT(tp.portnum[0], 8080);
    CHECK_INT(out.len, 5);
    CHECK(memcmp(out.body, "hello", 5) == 0);
}

static void host_header_forms(void)
{
    setup();
    CHECK_ST(get_reply(ok_hello, "http://[::1]:8080/"), GF_OK);
    CHECK(strstr(tp.sent[0], "\r\nHost: [::1]:8080\r\n") != NULL);
    CHECK_STR(tp.host[0], "::1");
    setup();
    CHECK_ST(get_reply(ok_hello, "https://files.example/a"), GF_OK);
    CHECK(strstr(tp.sent[0], "\r\nHost: files.example\r\n") != NULL);
    CHECK_INT(tp.portnum[0], 443);
    CHECK_INT(tls.opens, 1);
    CHECK_STR(tls.host, "files.example");
    setup();
    CHECK_ST(get_reply(ok_hello, "http://files.example:443/a"), GF_OK);
    CHECK(strstr(tp.sent[0], "\r\nHost: files.example:443\r\n") != NULL);
    CHECK_INT(tls.opens, 0);
}

static void post_sends_length_and_body(void)
{
    setup();
    tp_add_reply(&tp, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    static const unsigned char body[] = "project=p&ai=a";
    gf_header hdr[] = {{"Content-Type", "application/x-www-form-urlencoded", false}};
    gf_http_request req = {"POST", "http://h/auth/token", hdr, 1, body, sizeof(body) - 1, 0, true};
    CHECK_ST(gf_http_exchange(&h, &req, &handler, NULL), GF_OK);
    CHECK_STR(tp.sent[0], "POST /auth/token HTTP/1.1\r\nHost: h\r\nUser-Agent: giofetch/" GF_VERSION
                          "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: 14\r\n\r\nproject=p&ai=a");
}

static void header_injection_refused(void)
{
    static const gf_header bad[][1] = {{{"X-A", "v\r\nEvil: 1", false}},
                                       {{"X-A", "v\nEvil: 1", false}},
                                       {{"X-A", "v\rEvil", false}},
                                       {{"X A", "v", false}},
                                       {{"X-A:", "v", false}},
                                       {{"", "v", false}},
                                       {{"X-A\r\n", "v", false}}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setup();
        tp_add_reply(&tp, ok_hello);
        gf_http_request req = {"GET", "http://h/", bad[i], 1, NULL, 0, 0, true};
        CHECK_ST(gf_http_exchange(&h, &req, &handler, NULL), GF_E_HEADER_INJECTION);
        CHECK_INT(tp.connects, 0);
    }
}

static void bad_requests_refused(void)
{
    setup();
    gf_http_request req = {"DELETE", "http://h/", NULL, 0, NULL, 0, 0, true};
    CHECK_ST(gf_http_exchange(&h, &req, &handler, NULL), GF_E_ARGUMENT);
    CHECK_ST(get("ftp://h/", NULL), GF_E_URL_SCHEME);
    CHECK_ST(get("http://u:p@h/", NULL), GF_E_URL_USERINFO);
    CHECK_ST(get("/relative", NULL), GF_E_URL);
    CHECK_INT(tp.connects, 0);
    gf_http_init(&h, &tp.port, NULL);
    CHECK_ST(get("https://h/", NULL), GF_E_NO_TLS);
    CHECK_INT(tp.connects, 0);
}

static void keep_alive_reuses_the_connection(void)
{
    setup();
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", 0, 0};
    c->steps[1] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n", 0, 0};
    c->steps[2] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nc", 0, 0};
    tp_add_reply(&tp, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd");
    CHECK_ST(get("http://h/1", NULL), GF_OK);
    CHECK_ST(get("http://H/2", NULL), GF_OK); /* host names compare case-insensitively */
    CHECK_ST(get("http://h/3", NULL), GF_OK);
    CHECK_INT(tp.connects, 1);
    CHECK_ST(get("http://h/4", NULL), GF_OK); /* the server said close */
    CHECK_INT(tp.connects, 2);
    CHECK_INT(out.len, 4);
    CHECK(memcmp(out.body, "abcd", 4) == 0);
}

static void another_origin_gets_another_connection(void)
{
    setup();
    tp_add_reply(&tp, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
    tp_add_reply(&tp, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
    tp_add_reply(&tp, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc");
    CHECK_ST(get("http://h/1", NULL), GF_OK);
    CHECK_ST(get("http://h:81/2", NULL), GF_OK);
    CHECK_ST(get("https://h:81/3", NULL), GF_OK);
    CHECK_INT(tp.connects, 3);
    CHECK_INT(tp.closes, 2);
}

static void body_until_close_is_not_reused(void)
{
    setup();
    tp_add_reply(&tp, "HTTP/1.1 200 OK\r\n\r\nuntil close");
    tp_add_reply(&tp, ok_hello);
    CHECK_ST(get("http://h/1", NULL), GF_OK);
    CHECK_ST(get("http://h/2", NULL), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK_INT(out.len, 16);
}

/* A kept-alive connection the server closed while idle is retried once. */
static void stale_connection_retried_once(void)
{
    setup();
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", 0, 0};
    c->steps[1] = (tp_step){TP_EOF, NULL, 0, 0};
    tp_add_reply(&tp, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
    CHECK_ST(get("http://h/1", NULL), GF_OK);
    CHECK_ST(get("http://h/2", NULL), GF_OK);
    CHECK_INT(tp.connects, 2);
    CHECK(strstr(tp.sent[1], "GET /2 ") == tp.sent[1]);

    /* Not twice: a fresh connection that fails is a failure. */
    setup();
    c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", 0, 0};
    c->steps[1] = (tp_step){TP_RESET, NULL, 0, 0};
    c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_RESET, NULL, 0, 0};
    CHECK_ST(get("http://h/1", NULL), GF_OK);
    CHECK_ST(get("http://h/2", NULL), GF_E_RESET);
    CHECK_INT(tp.connects, 2);

    /* A fresh connection that fails is not retried at all. */
    setup();
    tp_add_reply(&tp, "");
    tp_add_reply(&tp, ok_hello);
    CHECK_ST(get("http://h/1", NULL), GF_E_HTTP_TRUNCATED);
    CHECK_INT(tp.connects, 1);
}

static void network_errors(void)
{
    /* A port code from connect or from every send, and the status it gives;
     * out of descriptors or memory is the platform's, not DNS's nor the
     * network's. */
    static const struct {
        const char *url;
        int32_t connect, send;
        gf_status want;
    } cases[] = {
        {"http://nowhere/", GF_PORT_E_DNS, 0, GF_E_DNS},
        {"http://h/", GF_PORT_E_REFUSED, 0, GF_E_CONNECT_REFUSED},
        {"http://h/", GF_PORT_E_TIMEOUT, 0, GF_E_CONNECT_TIMEOUT},
        {"http://h/", GF_PORT_E_FAILED, 0, GF_E_NETWORK},
        {"http://h/", GF_PORT_E_RESOURCES, 0, GF_E_RESOURCES},
        {"http://h/", 0, GF_PORT_E_RESOURCES, GF_E_RESOURCES},
        {"http://h/", 0, GF_PORT_E_RESET, GF_E_RESET},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setup();
        tp_conn *bad = tp_add(&tp);
        bad->connect = cases[i].connect;
        bad->send = cases[i].send;
        CHECK_ST(get(cases[i].url, NULL), cases[i].want);
    }
    setup();
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234", 0, 0};
    c->steps[1] = (tp_step){TP_RESET, NULL, 0, 0};
    CHECK_ST(get("http://h/", NULL), GF_E_RESET);
    CHECK_INT(out.len, 5);
    setup();
    tls.fail_open = GF_E_TLS_UNTRUSTED;
    tp_add_reply(&tp, ok_hello);
    CHECK_ST(get("https://h/", NULL), GF_E_TLS_UNTRUSTED);
    CHECK_INT(out.len, 0);
    CHECK_INT(tp.closes, 1);
}

static void idle_timeout_and_deadline(void)
{
    /* Silence longer than the idle timeout. */
    setup();
    h.timeout_ms = 30000;
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01", 0, 0};
    c->steps[1] = (tp_step){TP_HANG, NULL, 0, 0};
    uint64_t t0 = tp.now;
    CHECK_ST(get("http://h/", NULL), GF_E_IDLE_TIMEOUT);
    CHECK_INT(tp.now - t0, 30000);

    /* A pause shorter than the idle timeout is fine. */
    setup();
    c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n01", 0, 0};
    c->steps[1] = (tp_step){TP_DELAY, NULL, 0, 29000};
    c->steps[2] = (tp_step){TP_DATA, "23", 0, 0};
    CHECK_ST(get("http://h/", NULL), GF_OK);

    /* A slow drip under the idle timeout but past the overall deadline. */
    setup();
    c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 0, 0};
    for (int i = 1; i < TP_MAX_STEPS; i += 2) {
        c->steps[i] = (tp_step){TP_DELAY, NULL, 0, 20000};
        c->steps[i + 1] = (tp_step){TP_DATA, "x", 0, 0};
    }
    t0 = tp.now;
    gf_http_request req = {"GET", "http://h/", NULL, 0, NULL, 0, 60000, true};
    CHECK_ST(gf_http_exchange(&h, &req, &handler, NULL), GF_E_DEADLINE);
    CHECK_INT(tp.now - t0, 60000);
}

static void would_block_is_waited_out(void)
{
    setup();
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_WOULD_BLOCK, NULL, 0, 0};
    c->steps[1] = (tp_step){TP_DATA, ok_hello, 0, 0};
    CHECK_ST(get("http://h/", NULL), GF_OK);
    CHECK_INT(out.len, 5);
}

/* Every piece size gives the same body, also for a body larger than the
 * engine's buffer. */
static void large_body_in_any_pieces(void)
{
    static char resp[66000];
    static const size_t sizes[] = {1, 7, 1000, 0};
    size_t n = (size_t)sprintf(resp, "HTTP/1.1 200 OK\r\nContent-Length: 65000\r\n\r\n");
    for (size_t i = 0; i < 65000; i++)
        resp[n + i] = (char)('a' + i % 26);
    for (size_t s = 0; s < 4; s++) {
        setup();
        tp.piece = sizes[s];
        tp_conn *c = tp_add(&tp);
        c->steps[0] = (tp_step){TP_DATA, resp, n + 65000, 0};
        CHECK_ST(get("http://h/", NULL), GF_OK);
        CHECK_INT(out.len, 65000);
        CHECK(memcmp(out.body, resp + n, 65000) == 0);
    }
}

static void redirect_followed(void)
{
    setup();
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 302 Found\r\nLocation: /new/place?x=1\r\nX-R: r\r\n"
                                     "Content-Length: 9\r\n\r\nredirect!", 0, 0};
    c->steps[1] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nX-F: f\r\nContent-Length: 5\r\n\r\nfinal", 0, 0};
    int status = 0;
    gf_header hdr[] = {{"Authorization", "secret", true}};
    gf_http_request req = {"GET", "http://h/old", hdr, 1, NULL, 0, 0, true};
    CHECK_ST(gf_http_exchange(&h, &req, &handler, &status), GF_OK);
    CHECK_INT(status, 200);
    CHECK_INT(out.head_status, 200);
    CHECK_INT(out.len, 5);
    CHECK(memcmp(out.body, "final", 5) == 0);
    CHECK(strstr(out.headers, "X-R") == NULL); /* the redirect is not the caller's */
    CHECK_INT(tp.connects, 1);                 /* same origin: same connection */
    /* Same origin: the credential stays. */
    CHECK(strstr(tp.sent[0], "GET /new/place?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: giofetch/" GF_VERSION
                             "\r\nAuthorization: secret\r\n") != NULL);
}

static void redirect_not_followed_when_not_asked(void)
{
    setup();
    tp_add_reply(&tp, "HTTP/1.1 301 Moved\r\nLocation: http://x/\r\nContent-Length: 0\r\n\r\n");
    int status = 0;
    gf_http_request req = {"GET", "http://h/", NULL, 0, NULL, 0, 0, false};
    CHECK_ST(gf_http_exchange(&h, &req, &handler, &status), GF_OK);
    CHECK_INT(status, 301);
    CHECK(strstr(out.headers, "Location=http://x/") != NULL);
    CHECK_INT(tp.connects, 1);
}

/* Credentials never cross origins: another host, port or scheme. */
static void credentials_dropped_across_origins(void)
{
    static const char *const targets[] = {"http://other/x", "http://h:8080/x", "https://h/x",
                                          "//other/x"};
    for (size_t i = 0; i < 4; i++) {
        char r1[256];
        snprintf(r1, sizeof(r1), "HTTP/1.1 307 Temporary\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n",
                 targets[i]);
        setup();
        tp_add_reply(&tp, r1);
        tp_conn *c = tp_add(&tp);
        /* then back to the first origin (or, from https, to https) */
        c->steps[0] = (tp_step){TP_DATA, i == 2 ? "HTTP/1.1 302 Found\r\nLocation: https://h:443/back\r\nContent-Length: 0\r\n\r\n"
                                                : "HTTP/1.1 302 Found\r\nLocation: http://h/back\r\nContent-Length: 0\r\n\r\n", 0, 0};
        c->steps[1] = (tp_step){TP_EOF, NULL, 0, 0};
        tp_add_reply(&tp, ok_hello);
        gf_header hdr[] = {{"Authorization", "secret", true}, {"X-Client-Id", "cid", true},
                           {"X-Plain", "p", false}};
        gf_http_request req = {"GET", "http://h/", hdr, 3, NULL, 0, 0, true};
        CHECK_ST(gf_http_exchange(&h, &req, &handler, NULL), GF_OK);
        CHECK(strstr(tp.sent[0], "Authorization: secret") != NULL);
        CHECK(strstr(tp.sent[1], "secret") == NULL);
        CHECK(strstr(tp.sent[1], "cid") == NULL);
        CHECK(strstr(tp.sent[1], "X-Plain: p") != NULL);
        /* and not back on the first origin either */
        CHECK(strstr(tp.sent[2], "secret") == NULL);
        CHECK(strstr(tp.sent[2], "GET /back ") == tp.sent[2]);
    }
}

static void redirect_https_to_http_refused(void)
{
    setup();
    tp_add_reply(&tp, "HTTP/1.1 302 Found\r\nLocation: http://h/plain\r\nContent-Length: 0\r\n\r\n");
    tp_add_reply(&tp, ok_hello);
    CHECK_ST(get("https://h/", NULL), GF_E_REDIRECT_INSECURE);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(out.len, 0);
}

static void redirect_limits(void)
{
    setup();
    tp_conn *c = tp_add(&tp);
    for (int i = 0; i < TP_MAX_STEPS; i++)
        c->steps[i] = (tp_step){TP_DATA, "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n", 0, 0};
    CHECK_ST(get("http://h/loop", NULL), GF_E_REDIRECT_LIMIT);
    CHECK_INT(tp.connects, 1);

    /* No Location, another scheme, userinfo, longer than a URL may be. */
    static char longloc[GF_URL_MAX + 100];
    size_t n = (size_t)sprintf(longloc, "HTTP/1.1 302 Found\r\nLocation: /");
    memset(longloc + n, 'a', GF_URL_MAX);
    n += GF_URL_MAX;
    sprintf(longloc + n, "\r\nContent-Length: 0\r\n\r\n");
    const char *const bad[] = {
        "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 302 Found\r\nLocation: ftp://h/x\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 302 Found\r\nLocation: http://u:p@h/x\r\nContent-Length: 0\r\n\r\n",
        longloc,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setup();
        CHECK_ST(get_reply(bad[i], "http://h/"), GF_E_REDIRECT_LOCATION);
    }
}

static void see_other_turns_post_into_get(void)
{
    setup();
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 303 See Other\r\nLocation: /result\r\nContent-Length: 0\r\n\r\n", 0, 0};
    c->steps[1] = (tp_step){TP_DATA, ok_hello, 0, 0};
    static const unsigned char body[] = "a=b";
    gf_http_request req = {"POST", "http://h/form", NULL, 0, body, 3, 0, true};
    CHECK_ST(gf_http_exchange(&h, &req, &handler, NULL), GF_OK);
    const char *second = strstr(tp.sent[0], "GET /result HTTP/1.1\r\n");
    CHECK(second != NULL);
    CHECK(second != NULL && strstr(second, "Content-Length") == NULL);
}

/* Location references resolved against the request URL (RFC 3986 5.2). */
static void location_resolution(void)
{
    static const struct {
        const char *location, *line, *host;
    } cases[] = {
        {"d", "GET /a/b/d ", "h"},
        {"./d", "GET /a/b/d ", "h"},
        {"../d", "GET /a/d ", "h"},
        {"../../../d", "GET /d ", "h"},
        {"/x/./y/../z", "GET /x/z ", "h"},
        {"?n=1", "GET /a/b/c?n=1 ", "h"},
        {"g;x?y#s", "GET /a/b/g;x?y ", "h"},
        {"#frag", "GET /a/b/c?q ", "h"},
        {"//other:8080/p", "GET /p ", "other"},
        {"http://third/q?z#f", "GET /q?z ", "third"},
        {"HTTP://third/", "GET / ", "third"},
        {"..", "GET /a/ ", "h"},
        {".", "GET /a/b/ ", "h"},
        {"d/.", "GET /a/b/d/ ", "h"},
        {"d/..", "GET /a/b/ ", "h"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char r1[256];
        snprintf(r1, sizeof(r1), "HTTP/1.1 302 Found\r\nLocation: %s\r\nConnection: close\r\n"
                                 "Content-Length: 0\r\n\r\n", cases[i].location);
        setup();
        tp_add_reply(&tp, r1);
        tp_add_reply(&tp, ok_hello);
        gf_status st = get("http://h/a/b/c?q", NULL);
        if (st != GF_OK || strncmp(tp.sent[1], cases[i].line, strlen(cases[i].line)) != 0 ||
            strcmp(tp.host[1], cases[i].host) != 0)
            check_fail(__FILE__, __LINE__, "Location \"%s\": %s, sent \"%.40s\" to %s",
                       cases[i].location, gf_strerror(st), tp.sent[1], tp.host[1]);
    }
}

typedef struct evlog {
    char text[2048];
    size_t len;
} evlog;
static evlog events;

/* "kind:http_status:text@host:port[/proxy]" per event */
static void on_event(void *user, const gf_event *ev)
{
    evlog *l = user;
    int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%d:%d:%s@%s:%u%s\n",
                     (int)ev->kind, ev->http_status, ev->text, ev->host ? ev->host : "-",
                     (unsigned)ev->port, ev->proxy ? "/proxy" : "");
    if (n > 0 && (size_t)n < sizeof(l->text) - l->len)
        l->len += (size_t)n;
}

/* setup(), with the engine's events written to an empty `events`. */
static void setup_events(void)
{
    setup();
    memset(&events, 0, sizeof(events));
    h.on_event = on_event;
    h.event_user = &events;
}

static void tunnel_through_a_proxy(void)
{
    static gf_proxy proxy = {"proxy.lan", 3128, "Basic dXNlcjpwdw==", "direct.example,.lan"};
    setup();
    h.proxy = &proxy;
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 Connection established\r\n\r\n", 0, 0};
    c->steps[1] = (tp_step){TP_DATA, ok_hello, 0, 0};
    gf_header hdr[] = {{"Authorization", "tok", true}};
    gf_http_request req = {"GET", "https://api.example/v2/x", hdr, 1, NULL, 0, 0, true};
    CHECK_ST(gf_http_exchange(&h, &req, &handler, NULL), GF_OK);
    CHECK_STR(tp.host[0], "proxy.lan");
    CHECK_INT(tp.portnum[0], 3128);
    CHECK_STR(tls.host, "api.example"); /* TLS verifies the real host */
    const char *get_line = strstr(tp.sent[0], "GET /v2/x HTTP/1.1\r\n");
    CHECK(get_line != NULL);
    static const char connect_head[] = "CONNECT api.example:443 HTTP/1.1\r\nHost: api.example:443\r\n";
    CHECK(strncmp(tp.sent[0], connect_head, sizeof(connect_head) - 1) == 0);
    /* Proxy credentials go to the proxy only, API credentials only inside. */
    const char *pa = strstr(tp.sent[0], "Proxy-Authorization: Basic dXNlcjpwdw==\r\n");
    CHECK(pa != NULL && get_line != NULL && pa < get_line);
    CHECK(get_line != NULL && strstr(get_line, "Proxy-Authorization") == NULL);
    CHECK(strstr(tp.sent[0], "Authorization: tok") > get_line);

    /* A proxy that refuses the tunnel: 403 is its access rules, 407 its
     * wish for (other) credentials, anything else shows its status. */
    static const struct {
        const char *reply;
        gf_status want;
        int code;
    } refusals[] = {
        {"HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!", GF_E_PROXY_DENIED, 403},
        {"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n"
         "Content-Length: 0\r\n\r\n", GF_E_PROXY_AUTH, 407},
        {"HTTP/1.0 401 Unauthorized\r\n\r\n", GF_E_PROXY_AUTH, 401},
        {"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", GF_E_PROXY, 502},
        {"HTTP/1.1 400 Bad Request\r\n\r\n", GF_E_PROXY, 400},
    };
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        setup_events();
        h.proxy = &proxy;
        CHECK_ST(get_reply(refusals[i].reply, "https://api.example/"), refusals[i].want);
        CHECK_INT(tls.opens, 0);
        char line[64];
        snprintf(line, sizeof(line), "%d:%d:proxy@proxy.lan:3128/proxy\n", (int)GF_EV_RESPONSE,
                 refusals[i].code);
        if (strstr(events.text, line) == NULL)
            check_fail(__FILE__, __LINE__, "no \"%s\" in\n%s", line, events.text);
    }
    /* A proxy that answers the CONNECT with no HTTP, or with bytes past it. */
    static const char *const broken[] = {"garbage\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\nEXTRA"};
    for (size_t i = 0; i < 2; i++) {
        setup();
        h.proxy = &proxy;
        CHECK_ST(get_reply(broken[i], "https://api.example/"), GF_E_PROXY);
    }

    /* no_proxy and plain http go direct. */
    static const char *const direct[] = {"https://direct.example/", "https://x.direct.example/",
                                         "https://files.lan/", "http://api.example/"};
    for (size_t i = 0; i < 4; i++) {
        setup();
        h.proxy = &proxy;
        CHECK_ST(get_reply(ok_hello, direct[i]), GF_OK);
        CHECK(strcmp(tp.host[0], "proxy.lan") != 0);
        CHECK(strncmp(tp.sent[0], "GET / HTTP/1.1", 14) == 0);
    }
    setup();
    h.proxy = &proxy;
    CHECK_ST(get_reply("HTTP/1.1 200 OK\r\n\r\n", "https://notdirect.example/"), GF_E_HTTP_TRUNCATED);
    CHECK_STR(tp.host[0], "proxy.lan");
}


static void events_hide_queries_and_credentials(void)
{
    setup_events();
    tp_add_reply(&tp, ok_hello);
    gf_header hdr[] = {{"Authorization", "secret-token", true}};
    gf_http_request req = {"GET", "https://f.example:8443/p/part-0.csv.gz?X-Amz-Signature=sig", hdr,
                           1, NULL, 0, 0, true};
    CHECK_ST(gf_http_exchange(&h, &req, &handler, NULL), GF_OK);
    CHECK(strstr(events.text, "GET https://f.example:8443/p/part-0.csv.gz?...@f.example:8443\n") !=
          NULL);
    CHECK(strstr(events.text, ":f.example:8443@f.example:8443\n") != NULL);
    CHECK(strstr(events.text, "sig") == NULL);
    CHECK(strstr(events.text, "secret") == NULL);
    CHECK(strstr(events.text, ":200:") != NULL);
}

/* A proxy that cannot be reached is named as the proxy, with the cause in
 * an event; a lack of descriptors stays what it is. */
static void unreachable_proxy(void)
{
    static gf_proxy proxy = {"::1", 3128, NULL, NULL};
    static const struct {
        int32_t port_code;
        gf_status cause, want;
    } cases[] = {
        {GF_PORT_E_REFUSED, GF_E_CONNECT_REFUSED, GF_E_PROXY_CONNECT},
        {GF_PORT_E_DNS, GF_E_DNS, GF_E_PROXY_CONNECT},
        {GF_PORT_E_TIMEOUT, GF_E_CONNECT_TIMEOUT, GF_E_PROXY_CONNECT},
        {GF_PORT_E_RESOURCES, GF_E_RESOURCES, GF_E_RESOURCES},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setup_events();
        h.proxy = &proxy;
        tp_add(&tp)->connect = cases[i].port_code;
        CHECK_ST(get("https://api.example/", NULL), cases[i].want);
        CHECK(strstr(events.text, "0:0:proxy [::1]:3128@::1:3128/proxy\n") != NULL);
        if (cases[i].want == GF_E_PROXY_CONNECT) {
            char line[160];
            snprintf(line, sizeof(line), "%d:0:cannot connect to the proxy [::1]:3128: %s@::1:3128/proxy\n",
                     (int)GF_EV_NOTICE, gf_strerror(cases[i].cause));
            if (strstr(events.text, line) == NULL)
                check_fail(__FILE__, __LINE__, "no \"%s\" in\n%s", line, events.text);
        }
    }
}

/* Events name IPv6 hosts in brackets, and carry the bare host and port. */
static void events_bracket_ipv6_hosts(void)
{
    setup_events();
    CHECK_ST(get_reply(ok_hello, "https://[::1]:8443/p?sig=1"), GF_OK);
    CHECK_STR(tp.host[0], "::1");
    CHECK(strstr(events.text, "0:0:[::1]:8443@::1:8443\n") != NULL);
    CHECK(strstr(events.text, ":GET https://[::1]:8443/p?...@::1:8443\n") != NULL);
    CHECK(strstr(events.text, ":200:@::1:8443\n") != NULL);
    /* the default port is left out of URLs, not of host:port */
    setup_events();
    CHECK_ST(get_reply(ok_hello, "http://[fe80::1]/"), GF_OK);
    CHECK(strstr(events.text, "0:0:[fe80::1]:80@fe80::1:80\n") != NULL);
    CHECK(strstr(events.text, ":GET http://[fe80::1]/@fe80::1:80\n") != NULL);
}

/* A build without GF_FEATURE_REDIRECTS: a redirect the caller asked to
 * follow is GF_E_FEATURE_OFF, not a 3xx handed back as if it were the
 * answer; one the caller did not ask to follow is an answer as before. */
static void redirect_refused_when_switched_off(void)
{
    setup();
    tp_add_reply(&tp, "HTTP/1.1 302 Found\r\nLocation: http://h/b\r\nContent-Length: 0\r\n\r\n");
    int status = 0;
    CHECK_ST(get("http://h/a", &status), GF_E_FEATURE_OFF);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(status, 0);
}

/* A build without GF_FEATURE_PROXY: an https request through a set proxy
 * is GF_E_FEATURE_OFF before any connection (never a direct connection
 * the caller did not want); plain http never used the proxy. */
static void proxy_refused_when_switched_off(void)
{
    static gf_proxy proxy = {"proxy.lan", 3128, NULL, NULL};
    setup();
    h.proxy = &proxy;
    CHECK_ST(get("https://api.example/x", NULL), GF_E_FEATURE_OFF);
    CHECK_INT(tp.connects, 0);
    CHECK_ST(get_reply(ok_hello, "http://plain.example/x"), GF_OK);
    CHECK_STR(tp.host[0], "plain.example");
}

/* A TLS open that asks for another connection (gf_secure.reconnect, as the
 * mbedTLS glue does for TLS 1.2 servers signing with RSA-PSS) gets exactly
 * one, said in a notice; a second such request is the failure it is. */
static void tls_reconnect_is_made_once(void)
{
    setup_events();
    tls.reconnects = 1;
    tp_add(&tp); /* the connection whose handshake failed */
    tp_add_reply(&tp, ok_hello);
    int status = 0;
    CHECK_ST(get("https://files.example/x", &status), GF_OK);
    CHECK_INT(status, 200);
    CHECK_INT(tls.opens, 2);
    CHECK_INT(tp.connects, 2);
    CHECK(strstr(events.text, "8:0:fake TLS@files.example:443\n") != NULL);
    CHECK(strstr(out.body, "hello") != NULL);

    setup_events();
    tls.reconnects = 2;
    tp_add(&tp);
    tp_add(&tp);
    tp_add_reply(&tp, ok_hello);
    CHECK_ST(get("https://files.example/x", NULL), GF_E_TLS_SIGNATURE);
    CHECK_INT(tls.opens, 2);
    CHECK_INT(tp.connects, 2);
    CHECK_INT(out.len, 0);

    /* the flag of an earlier open is not a request of this connection: a
     * connect that fails before TLS starts is not made again */
    setup_events();
    tls.reconnects = 2;
    tp_add(&tp);
    tp_add(&tp)->connect = GF_PORT_E_REFUSED;
    tp_add(&tp)->connect = GF_PORT_E_REFUSED;
    CHECK_ST(get("https://files.example/x", NULL), GF_E_CONNECT_REFUSED);
    CHECK_INT(tls.opens, 1);
    CHECK_INT(tp.connects, 2);
    CHECK_ST(get("https://files.example/x", NULL), GF_E_CONNECT_REFUSED);
    CHECK_INT(tp.connects, 3);

    setup();
    tls.fail_open = GF_E_TLS_SIGNATURE; /* no reconnect asked: none made */
    tp_add_reply(&tp, ok_hello);
    CHECK_ST(get("https://files.example/x", NULL), GF_E_TLS_SIGNATURE);
    CHECK_INT(tls.opens, 1);
}

CHECK_SUITE(http, CASE(request_head_is_exact), CASE(host_header_forms),
            CASE(post_sends_length_and_body), CASE(header_injection_refused),
            CASE(bad_requests_refused), CASE(keep_alive_reuses_the_connection),
            CASE(another_origin_gets_another_connection), CASE(body_until_close_is_not_reused),
            CASE(stale_connection_retried_once), CASE(network_errors),
            CASE(idle_timeout_and_deadline), CASE(would_block_is_waited_out),
            CASE(large_body_in_any_pieces), CASE_IF(GF_FEATURE_REDIRECTS, redirect_followed),
            CASE(redirect_not_followed_when_not_asked),
            CASE_IF(GF_FEATURE_REDIRECTS, credentials_dropped_across_origins),
            CASE_IF(GF_FEATURE_REDIRECTS, redirect_https_to_http_refused),
            CASE_IF(GF_FEATURE_REDIRECTS, redirect_limits),
            CASE_IF(GF_FEATURE_REDIRECTS, see_other_turns_post_into_get),
            CASE_IF(GF_FEATURE_REDIRECTS, location_resolution),
            CASE_IF(!GF_FEATURE_REDIRECTS, redirect_refused_when_switched_off),
            CASE_IF(GF_FEATURE_PROXY, tunnel_through_a_proxy),
            CASE(events_hide_queries_and_credentials), CASE_IF(GF_FEATURE_PROXY, unreachable_proxy),
            CASE_IF(!GF_FEATURE_PROXY, proxy_refused_when_switched_off),
            CASE(events_bracket_ipv6_hosts), CASE(tls_reconnect_is_made_once));
