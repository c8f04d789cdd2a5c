/* The mbedTLS glue against a real mbedTLS server in the same process
 * (tlspeer.c): a download over TLS, every certificate cause with its own
 * status, the turns hook (taken around mbedTLS, given away while the port
 * waits), and the CA loading refusals. */
#include "check.h"
#include "memsink.h"
#include "tlspeer.h"

#include "giofetch/tls.h"

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

CHECK_SUITE(tls_glue, CASE(download_over_tls_is_verified),
            CASE(refused_certificates_have_their_own_status),
            CASE(turns_wrap_mbedtls_and_not_the_port), CASE(ca_loading_refusals));

#else /* a client-only mbedTLS: no peer to talk to (see tlspeer.h) */

static void needs_an_mbedtls_with_a_server(void)
{
}

CHECK_SUITE(tls_glue, CASE_IF(0, needs_an_mbedtls_with_a_server));
#endif
