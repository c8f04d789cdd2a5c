/* The mbedTLS glue against a real mbedTLS server in the same process
 * (tlspeer.c): a download over TLS, every certificate cause with its own
 * status (expired and not yet valid too), the turns hook (taken around
 * mbedTLS, given away while the port waits), the CA loading refusals, a
 * peer that misbehaves (no TLS, fatal alerts, the port's errors in the
 * handshake and after it) with the status and words of each, and the
 * session cache dropping its least recently used host. */
#include "check.h"
#include "memsink.h"
#include "tlspeer.h"

#include "giofetch/tls.h"

#include <stdio.h>

#if TLSPEER_AVAILABLE

#define OK_ANSWER "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
#define LINK "https://" TLSPEER_HOST "/e/a.csv.gz?sig=1"

static gf_tls tls;
static gf_client cl;
static memsink ms;

/* A client on the peer's port; ca_pem NULL: no CA. */
static gf_status client(const char *ca_pem)
{
    gf_status st = GF_OK;
    CHECK_INT(tlspeer_start(), 0);
    gf_tls_init(&tls);
    if ((st = gf_tls_setup(&tls, &tlspeer_port)) == GF_OK && ca_pem != NULL)
        st = gf_tls_add_ca(&tls, (const unsigned char *)ca_pem, strlen(ca_pem) + 1);
    gf_client_init(&cl, &tlspeer_port, &tls);
    cl.retries = 0;
    cl.http.timeout_ms = 1000;
    memsink_init(&ms);
    tlspeer_answer(OK_ANSWER);
    return st;
}

static void done(void)
{
    gf_client_free(&cl);
    gf_tls_free(&tls);
}

static gf_status download(const char *url) { return gf_download(&cl, url, &ms.sink, NULL); }

static void download_over_tls_is_verified(void)
{
    CHECK_ST(client(tlspeer_ca_pem()), GF_OK);
    CHECK_ST(download(LINK), GF_OK);
    CHECK(memsink_is(&ms, "hello", 5));
    CHECK(ms.committed);
    CHECK_INT(tlspeer_seen()->handshakes, 1);
    static const char line[] = "GET /e/a.csv.gz?sig=1 HTTP/1.1\r\n";
    CHECK(strncmp(tlspeer_seen()->request, line, sizeof(line) - 1) == 0);
    CHECK_INT(tls.handshakes, 1);
    const gf_secure *sec = &tls.base;
    CHECK(strstr(sec->ops->describe(&tls), "TLSv1.") != NULL);
    /* a second file: a new connection, verified again */
    memsink_init(&ms);
    tlspeer_answer(OK_ANSWER);
    CHECK_ST(download(LINK), GF_OK);
    CHECK_INT(tlspeer_seen()->connects, 1);
    CHECK_INT(tls.handshakes, 2);
    done();
}

/* Each cause of a refused certificate has its own status, and nothing of
 * the answer is taken. */
static void refused_certificates_have_their_own_status(void)
{
    CHECK_ST(client(tlspeer_ca_pem()), GF_OK);
    CHECK_ST(download("https://other.example/e/a.csv.gz"), GF_E_TLS_NAME);
    CHECK(strstr(tls.reason, "certificate refused") != NULL);
    CHECK_ST(download("https://127.0.0.1/e/a.csv.gz"), GF_E_TLS_NAME); /* no IP in its SAN */
    CHECK_INT(ms.len, 0);
    done();

    CHECK_ST(client(tlspeer_other_ca_pem()), GF_OK);
    CHECK_ST(download(LINK), GF_E_TLS_UNTRUSTED);
    done();

    CHECK_ST(client(NULL), GF_OK);
    CHECK_ST(download(LINK), GF_E_TLS_CA);
    gf_tls_insecure_for_tests(&tls); /* tests only: no verification at all */
    CHECK_ST(download("https://other.example/e/a.csv.gz"), GF_OK);
    done();

    gf_tls_init(&tls); /* never set up */
    gf_client_init(&cl, &tlspeer_port, &tls);
    CHECK_ST(download(LINK), GF_E_TLS);
    done();
}

static bool in_turn;
static unsigned takes, gives;

static void take(void *user)
{
    CHECK(user == &takes);
    CHECK(!in_turn); /* never taken twice */
    in_turn = true;
    takes++;
}

static void give(void *user)
{
    (void)user;
    CHECK(in_turn);
    in_turn = false;
    gives++;
}

/* With turns set, every call into mbedTLS is inside a turn and no port
 * call is: the port's waits overlap other threads' mbedTLS work. */
static void turns_wrap_mbedtls_and_not_the_port(void)
{
    takes = gives = 0;
    gf_tls_set_turns(take, give, &takes);
    CHECK_ST(client(tlspeer_ca_pem()), GF_OK);
    tlspeer_seen()->in_turn = &in_turn;
    CHECK_ST(download(LINK), GF_OK);
    CHECK(tlspeer_seen()->port_calls > 0);
    CHECK_INT(tlspeer_seen()->waits_in_turn, 0);
    done();
    CHECK(takes > 3);
    CHECK_INT(takes, gives);
    CHECK(!in_turn);
    /* take without give is no hook at all */
    gf_tls_set_turns(take, NULL, &takes);
    unsigned before = takes;
    CHECK_ST(client(tlspeer_ca_pem()), GF_OK);
    CHECK_ST(download(LINK), GF_OK);
    done();
    CHECK_INT(takes, before);
    gf_tls_set_turns(NULL, NULL, NULL);
}

/* CA certificates: PEM needs its NUL, garbage is refused, one context may
 * trust another's chain. */
static void ca_loading_refusals(void)
{
    static const unsigned char junk[] = "-----BEGIN CERTIFICATE-----\nnot base64\n";
    static const unsigned char der_junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    static gf_tls other;
    CHECK_INT(tlspeer_start(), 0);
    gf_tls_init(&tls);
    CHECK_ST(gf_tls_setup(&tls, &tlspeer_port), GF_OK);
    CHECK_ST(gf_tls_add_ca(&tls, junk, sizeof(junk) - 1), GF_E_TLS_CA);
    CHECK(strstr(tls.reason, "NUL") != NULL);
    CHECK_ST(gf_tls_add_ca(&tls, junk, sizeof(junk)), GF_E_TLS_CA);
    CHECK_ST(gf_tls_add_ca(&tls, der_junk, sizeof(der_junk)), GF_E_TLS_CA);
    CHECK_ST(gf_tls_add_ca(&tls, NULL, 0), GF_E_TLS_CA);
    CHECK_INT(gf_tls_ca_count(&tls), 0);
    gf_tls_init(&other);
    CHECK_ST(gf_tls_setup(&other, &tlspeer_port), GF_OK);
    CHECK_ST(gf_tls_use_ca(&other, &tls), GF_E_TLS_CA); /* tls holds none */
    const char *pem = tlspeer_ca_pem();
    CHECK_ST(gf_tls_add_ca(&tls, (const unsigned char *)pem, strlen(pem) + 1), GF_OK);
    CHECK_INT(gf_tls_ca_count(&tls), 1);
    CHECK_ST(gf_tls_use_ca(&other, &tls), GF_OK);
    /* other verifies with tls's chain */
    gf_client_init(&cl, &tlspeer_port, &other);
    memsink_init(&ms);
    tlspeer_answer(OK_ANSWER);
    CHECK_ST(download(LINK), GF_OK);
    gf_client_free(&cl);
    gf_tls_free(&other);
    gf_tls_free(&tls);
    tlspeer_stop();
}

/* ---- The peer misbehaves: every failure has its status and its words ---- */

/* A download from a peer that misbehaves as *f says: status want, and
 * words in the reason; nothing of an answer taken. row: of a table, or -1. */
static void check_fault(int line, int row, const tlspeer_fault *f, gf_status want,
                        const char *words)
{
    CHECK_ST(client(tlspeer_ca_pem()), GF_OK);
    tlspeer_misbehave(f);
    gf_status got = download(LINK);
    if (got != want || strstr(tls.reason, words) == NULL)
        check_fail(__FILE__, line, "row %d: got %d (%s) \"%s\", want %d (%s) with \"%s\"", row,
                   (int)got, gf_strerror(got), tls.reason, (int)want, gf_strerror(want), words);
    if (want != GF_OK)
        CHECK_INT(ms.len, 0);
    done();
}
#define CHECK_FAULT(f, want, words) check_fault(__LINE__, -1, (f), (want), (words))

/* A peer that answers the ClientHello with raw bytes. */
static void check_raw(int line, const void *raw, size_t len, gf_status want, const char *words)
{
    tlspeer_fault f = {0};
    f.raw = raw;
    f.raw_len = len;
    check_fault(line, -1, &f, want, words);
}
#define CHECK_RAW(raw, want, words) check_raw(__LINE__, (raw), sizeof(raw) - 1, (want), (words))

/* A TLS 1.2 ServerHello (ECDHE-ECDSA-AES128-GCM, no session, no
 * extensions) as a record, for failures after the server chose. */
#define SERVER_HELLO                                                                               \
    "\x16\x03\x03\x00\x2c"                                                                         \
    "\x02\x00\x00\x28\x03\x03"                                                                     \
    "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"                             \
    "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"                             \
    "\x00\xc0\x2b\x00\x00\x00"

/* What each line says of a Certificate message too short for its list. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SHORT_CERTIFICATE "malformed handshake message"
#else
#define SHORT_CERTIFICATE "the TLS handshake failed inside mbedTLS (mbedTLS error -0x7A00)"
#endif

/* Bytes that are no TLS, or TLS out of place. */
static void peers_that_do_not_speak_tls(void)
{
    CHECK_RAW("HTTP/1.1 400 Bad Request\r\n\r\n", GF_E_TLS, "did not answer in TLS");
    CHECK_RAW("\x17\x03\x03\x00\x05hello", GF_E_TLS, "out of order"); /* data before hello */
    CHECK_RAW("\x16\x03\x03\x00\x00", GF_E_TLS, "malformed TLS record"); /* empty handshake */
    CHECK_RAW("", GF_E_TLS, "closed the connection during the TLS handshake");
    /* a Certificate message too short to hold its list */
    CHECK_RAW(SERVER_HELLO "\x16\x03\x03\x00\x05\x0b\x00\x00\x01\x00", GF_E_TLS,
              SHORT_CERTIFICATE);
    tlspeer_stop(); /* the peer of the last row */
}

/* Fatal alerts in answer to the ClientHello, and after a ServerHello. */
static void alerts_are_named(void)
{
    CHECK_RAW("\x15\x03\x03\x00\x02\x02\x28", GF_E_TLS_NO_SHARED, "(handshake_failure alert)");
    CHECK_RAW("\x15\x03\x03\x00\x02\x02\x47", GF_E_TLS_NO_SHARED, "(insufficient_security alert)");
    CHECK_RAW("\x15\x03\x03\x00\x02\x02\x46", GF_E_TLS_VERSION, "(protocol_version alert)");
    CHECK_RAW("\x15\x03\x03\x00\x02\x02\x70", GF_E_TLS_ALERT, "(unrecognized_name alert)");
    CHECK_RAW("\x15\x03\x03\x00\x02\x02\x74", GF_E_TLS_ALERT, "(certificate_required alert)");
    CHECK_RAW("\x15\x03\x03\x00\x02\x02\x50", GF_E_TLS_ALERT,
              "ended the connection with a fatal alert: internal_error (80)");
    CHECK_RAW("\x15\x03\x03\x00\x02\x02\x63", GF_E_TLS_ALERT, "alert (of an unknown kind)");
    CHECK_RAW(SERVER_HELLO "\x15\x03\x03\x00\x02\x02\x28", GF_E_TLS_ALERT,
              "handshake_failure alert (a client certificate it wants?)");
    tlspeer_stop(); /* the peer of the last row */
}

/* The port's errors during the handshake and after it, on sends and on
 * receives. */
static void network_failures_under_tls(void)
{
    static const struct {
        int32_t send_error, recv_error;
        bool after_handshake;
        gf_status want;
        const char *words;
    } rows[] = {
        {GF_PORT_E_RESET, 0, false, GF_E_RESET, "the network failed under TLS"},
        {GF_PORT_E_TIMEOUT, 0, false, GF_E_IDLE_TIMEOUT, "the network failed under TLS"},
        {GF_PORT_E_FAILED, 0, false, GF_E_NETWORK, "the network failed under TLS"},
        {GF_PORT_E_WOULD_BLOCK, 0, false, GF_E_IDLE_TIMEOUT, ""},
        {0, GF_PORT_E_RESET, false, GF_E_RESET, "the network failed under TLS"},
        {0, GF_PORT_E_TIMEOUT, false, GF_E_IDLE_TIMEOUT, "the network failed under TLS"},
        {0, GF_PORT_E_FAILED, false, GF_E_NETWORK, "the network failed under TLS"},
        {0, GF_PORT_E_WOULD_BLOCK, false, GF_E_IDLE_TIMEOUT, ""},
        {GF_PORT_E_RESET, 0, true, GF_E_RESET, "the network failed under TLS"},
        {GF_PORT_E_WOULD_BLOCK, 0, true, GF_E_IDLE_TIMEOUT, ""},
        {0, GF_PORT_E_RESET, true, GF_E_RESET, "the network failed under TLS"},
        {0, GF_PORT_E_WOULD_BLOCK, true, GF_E_IDLE_TIMEOUT, ""},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        tlspeer_fault f = {0};
        f.send_error = rows[i].send_error;
        f.recv_error = rows[i].recv_error;
        f.after_handshake = rows[i].after_handshake;
        check_fault(__LINE__, (int)i, &f, rows[i].want, rows[i].words);
    }
    tlspeer_stop(); /* the peer of the last row */
}

/* A leaf certificate out of its validity period, either way. */
static void expired_and_future_certificates(void)
{
    tlspeer_fault f = {0};
    f.leaf = TLSPEER_LEAF_EXPIRED;
    CHECK_FAULT(&f, GF_E_TLS_EXPIRED, "certificate refused: The certificate validity has expired");
    f.leaf = TLSPEER_LEAF_FUTURE;
    CHECK_FAULT(&f, GF_E_TLS_NOT_YET_VALID,
                "certificate refused: The certificate validity starts in the future");
    f.leaf = TLSPEER_LEAF_VALID;
    CHECK_FAULT(&f, GF_OK, "TLS");
    tlspeer_stop(); /* the peer of the last row */
}

/* The slot of host, or -1. */
static int slot_of(const char *host)
{
    for (int i = 0; i < (int)GF_TLS_SESSIONS; i++) {
        if (tls.sessions[i].valid && strcmp(tls.sessions[i].host, host) == 0)
            return i;
    }
    return -1;
}

/* One more host than the cache holds: the least recently used one goes. */
static void session_cache_drops_the_least_recent_host(void)
{
    static const char *const hosts[] = {"h0.example", "h1.example", "h2.example", "h3.example",
                                        "h4.example", "h5.example", "h6.example", "h7.example"};
    const size_t n = GF_TLS_SESSIONS; /* hosts 0 .. n: one more than fit */
    char url[64];
    CHECK(n + 1 <= sizeof(hosts) / sizeof(hosts[0]));
    CHECK_ST(client(NULL), GF_OK);
    gf_tls_insecure_for_tests(&tls); /* any name */
    tlspeer_fault f = {0};
    f.tls12 = true; /* TLS 1.2: the session (ID) is there right after the handshake */
    tlspeer_misbehave(&f);
    for (size_t i = 0; i <= n; i++) {
        if (i == n && n > 1) { /* host 0 used again: host 1 is now the least recent */
            snprintf(url, sizeof(url), "https://%s/e/a.csv.gz", hosts[0]);
            CHECK_ST(download(url), GF_OK);
        }
        snprintf(url, sizeof(url), "https://%s/e/a.csv.gz", hosts[i]);
        CHECK_ST(download(url), GF_OK);
        CHECK(slot_of(hosts[i]) >= 0);
    }
    size_t gone = n > 1 ? 1 : 0;
    CHECK_INT(slot_of(hosts[gone]), -1);
    for (size_t i = 0; i <= n; i++)
        CHECK(i == gone || slot_of(hosts[i]) >= 0);
    done();
    tlspeer_stop(); /* the peer of the last row */
}

CHECK_SUITE(tls_glue, CASE(download_over_tls_is_verified),
            CASE(refused_certificates_have_their_own_status),
            CASE(turns_wrap_mbedtls_and_not_the_port), CASE(ca_loading_refusals),
            CASE(peers_that_do_not_speak_tls), CASE(alerts_are_named),
            CASE(network_failures_under_tls), CASE(expired_and_future_certificates),
            CASE(session_cache_drops_the_least_recent_host));

#else /* a client-only mbedTLS: no peer to talk to (see tlspeer.h) */

static void needs_an_mbedtls_with_a_server(void)
{
}

CHECK_SUITE(tls_glue, CASE_IF(0, needs_an_mbedtls_with_a_server));
#endif
