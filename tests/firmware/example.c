/*
 * The firmware example: what a board does with giofetch, on the public C API
 * only. An in-memory port (memport.c) stands in for the network and answers
 * with scripted bytes; limits come from fw_config.h. Runs on qemu-system-arm
 * (mps2-an386); prints "ok STEP" / "FAIL STEP" lines, then
 * "N passed, N failed", and exits with the number of failed steps (steps.h).
 *
 * Without FW_TLS the image holds the core only: no crypto (cl.crypto NULL,
 * downloads are checked by size), http URLs. With FW_TLS it links the
 * mbedTLS glue too and checks MD5s and a TLS start.
 */
#include "giofetch/giofetch.h"
#ifdef FW_TLS
#include "giofetch/tls.h"
#endif

#include "memport.h"
#include "steps.h"

/* ---- the scripted peers ------------------------------------------------- */

/* The API's answer, with the escapes GrowingIO's servers write: \/ in URLs,
 * \u0026 for '&', and a surrogate pair. */
static const char answer_json[] =
    "{\"status\":\"FINISHED\",\"downloadLinks\":["
    "\"http:\\/\\/files.example\\/exports\\/fw-ai\\/part-00000.csv.gz"
    "?X-Amz-Expires=300\\u0026X-Amz-Signature=4f2a\","
    "\"http:\\/\\/files.example\\/exports\\/fw-ai\\/part-00001.csv.gz"
    "?X-Amz-Expires=300\\u0026X-Amz-Signature=9c1e\"],"
    "\"exportType\":\"hour\",\"dataType\":\"visit\",\"exportDate\":\"2026112712\","
    "\"exportVersion\":\"v2\",\"requestTime\":\"2026-11-28 15:02\","
    "\"errorMsg\":\"\\u5b8c\\u6210 \\ud83d\\ude00\"}";

#define LINK0 "http://files.example/exports/fw-ai/part-00000.csv.gz?X-Amz-Expires=300&X-Amz-Signature=4f2a"
#define LINK1 "http://files.example/exports/fw-ai/part-00001.csv.gz?X-Amz-Expires=300&X-Amz-Signature=9c1e"

#define FILE0_LEN 3000u /* more than GF_IO_BUF_SIZE: the body spans reads */
#define FILE1_LEN 700u
#define FILE0_MD5_HEX "986fc14fe1005e5cef1e4a3242d951d6"
#define FILE0_MD5_B64 "mG/BT+EAXlzvHkoyQtlR1g=="

static unsigned char file0[FILE0_LEN], file1[FILE1_LEN];
static char api_reply[1536];
static char files_reply[512 + FILE0_LEN + FILE1_LEN];

/* Binary bytes, NULs included: a gzip file is not text. */
static void make_files(void)
{
    for (unsigned i = 0; i < FILE0_LEN; i++)
        file0[i] = (unsigned char)(((i * 7u + 3u) ^ (i >> 8)) & 0xFFu);
    for (unsigned i = 0; i < FILE1_LEN; i++)
        file1[i] = (unsigned char)(i % 251u);
}

static size_t append(char *dst, size_t at, const void *src, size_t len)
{
    memcpy(dst + at, src, len);
    return at + len;
}

/* "HTTP/1.1 200 OK" + extra headers + Content-Length, then the body. */
static size_t response(char *dst, const char *extra, const void *body, size_t len)
{
    int n = snprintf(dst, 256, "HTTP/1.1 200 OK\r\n%sContent-Length: %u\r\n\r\n", extra,
                     (unsigned)len);
    return append(dst, (size_t)n, body, len);
}

/* ---- the board's state --------------------------------------------------- */

static memport mp;
static gf_client cl;
static gf_answer ans;
static ramsink sink;
static const gf_request req = {.type = GF_EXPORT_HOUR,
                               .data = GF_DATA_VISIT,
                               .ai = "fw-ai",
                               .date = "2026112712",
                               .expire_min = 5};

static bool view_is(gf_view v, const char *s)
{
    return v.ptr != NULL && v.len == strlen(s) && memcmp(v.ptr, s, v.len) == 0;
}

/* What the library sent on connection conn holds / starts with s. */
static bool sent_has(size_t conn, const char *s)
{
    return strstr((const char *)mp.conn[conn].sent, s) != NULL;
}

static bool sent_starts(size_t conn, const char *s)
{
    return strncmp((const char *)mp.conn[conn].sent, s, strlen(s)) == 0;
}

/* ---- the steps ----------------------------------------------------------- */

static void request_target(void)
{
    char target[128];
    size_t len = 0;
    EXPECT_ST(gf_request_target(&req, target, sizeof(target), &len), GF_OK);
    EXPECT(strcmp(target, "/v2/insights/hour/visit/fw-ai/2026112712.json?expire=5") == 0);
    EXPECT(len == strlen(target));
    gf_request bad = req;
    bad.ai = "fw ai";
    EXPECT_ST(gf_request_target(&bad, target, sizeof(target), NULL), GF_E_AI);
    bad = req;
    bad.date = "20261127";
    EXPECT_ST(gf_request_target(&bad, target, sizeof(target), NULL), GF_E_DATE_NEEDS_HOUR);
}

static void export_links(void)
{
    size_t n = response(api_reply, "Content-Type: application/json\r\n", answer_json,
                        strlen(answer_json));
    memport_reply_with(memport_script(&mp), api_reply, n);

    EXPECT_ST(gf_client_init(&cl, &mp.port, NULL), GF_OK); /* limits agree */
    cl.base_url = "http://api.example";
    cl.token = "tok-fw-1";
    cl.client_id = "fw-client";
    cl.crypto = NULL; /* no MD5 on this board: downloads are checked by size */

    EXPECT_ST(gf_export_links(&cl, &req, &ans), GF_OK);
    EXPECT(ans.state == GF_STATE_FINISHED);
    EXPECT(!ans.all_types);
    EXPECT(ans.count == 2);
    EXPECT(view_is(ans.link[0], LINK0));
    EXPECT(view_is(ans.link[1], LINK1));
    EXPECT(ans.link[0].ptr != NULL && ans.link[0].ptr[ans.link[0].len] == '\0');
    EXPECT(view_is(ans.export_date, "2026112712"));
    EXPECT(view_is(ans.error_msg, "\xe5\xae\x8c\xe6\x88\x90 \xf0\x9f\x98\x80"));

    EXPECT(mp.connects == 1);
    EXPECT(strcmp(mp.conn[0].host, "api.example") == 0 && mp.conn[0].port == 80);
    EXPECT(sent_starts(0, "GET /v2/insights/hour/visit/fw-ai/2026112712.json?expire=5 HTTP/1.1\r\n"));
    EXPECT(sent_has(0, "\r\nHost: api.example\r\n"));
    EXPECT(sent_has(0, "\r\nAuthorization: tok-fw-1\r\n"));
    EXPECT(sent_has(0, "\r\nX-Client-Id: fw-client\r\n"));
}

static void download_first(void)
{
    gf_download_result res;
    /* The file host keeps the connection open for the second file. */
    memport_conn *c = memport_script(&mp);
    size_t n0 = response(files_reply, "ETag: \"a1\"\r\n", file0, FILE0_LEN);
    size_t n1 = response(files_reply + n0, "", file1, FILE1_LEN);
    memport_reply_with(c, files_reply, n0);
    memport_reply_with(c, files_reply + n0, n1);

    ramsink_init(&sink);
    EXPECT_ST(gf_download(&cl, ans.link[0].ptr, &sink.sink, &res), GF_OK);
    EXPECT(res.bytes == FILE0_LEN);
    EXPECT(!res.md5_known && !res.md5_checked && !res.resumed);
    EXPECT(sink.committed);
    EXPECT(sink.len == FILE0_LEN && memcmp(sink.data, file0, FILE0_LEN) == 0);

    EXPECT(mp.connects == 2);
    EXPECT(strcmp(mp.conn[1].host, "files.example") == 0 && mp.conn[1].port == 80);
    EXPECT(sent_starts(1, "GET /exports/fw-ai/part-00000.csv.gz"
                          "?X-Amz-Expires=300&X-Amz-Signature=4f2a HTTP/1.1\r\n"));
    /* Pre-signed links get no credential. */
    EXPECT(!sent_has(1, "Authorization"));
    EXPECT(!sent_has(1, "X-Client-Id"));
}

static void download_second_on_the_same_connection(void)
{
    gf_download_result res;
    size_t before = mp.conn[1].sent_len;
    ramsink_init(&sink);
    EXPECT_ST(gf_download(&cl, ans.link[1].ptr, &sink.sink, &res), GF_OK);
    EXPECT(res.bytes == FILE1_LEN);
    EXPECT(sink.committed && sink.len == FILE1_LEN && memcmp(sink.data, file1, FILE1_LEN) == 0);
    EXPECT(mp.connects == 2); /* kept alive */
    EXPECT(mp.conn[1].sent_len > before);
    EXPECT(sent_has(1, "GET /exports/fw-ai/part-00001.csv.gz?"));
}

static void truncated_download_is_not_committed(void)
{
    static char reply[128];
    size_t n = (size_t)snprintf(reply, sizeof(reply),
                                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    memset(reply + n, 'x', 40); /* 40 of 100 bytes, then the peer closes */
    memport_reply_with(memport_script(&mp), reply, n + 40);

    cl.retries = 0;
    ramsink_init(&sink);
    gf_status st = gf_download(&cl, "http://cdn.example/cut.csv.gz", &sink.sink, NULL);
    EXPECT(st == GF_E_HTTP_TRUNCATED || st == GF_E_SIZE_MISMATCH);
    EXPECT(!sink.committed);
    EXPECT(strcmp(mp.conn[2].host, "cdn.example") == 0);
    EXPECT(mp.conn[1].closed); /* another host: the old connection went */
    cl.retries = GF_RETRIES;
}

/* A program compiled with other limits than the core it links: its
 * gf_client is another size. gf_client_init (a macro) hands the library
 * the program's size and GF_CONFIG_ID, and the library refuses. */
static void client_of_other_limits_is_refused(void)
{
    static gf_client other;
    EXPECT_ST(gf_client_init_for(&other, &mp.port, NULL, sizeof(other) / 2, GF_CONFIG_ID),
              GF_E_CONFIG);
    EXPECT_ST(gf_download(&other, LINK0, &sink.sink, NULL), GF_E_CONFIG);
    EXPECT_ST(gf_export_links(&other, &req, &ans), GF_E_CONFIG);
}

static void client_free_closes_everything(void)
{
    gf_client_free(&cl);
    gf_client_free(&cl); /* twice is fine */
    for (size_t i = 0; i < mp.connects; i++)
        EXPECT(mp.conn[i].closed);
}

#ifdef FW_TLS
#include "test_ca.h"

static gf_tls tls;

static void md5_checked_with_mbedtls(void)
{
    static char reply[256 + FILE0_LEN];
    gf_download_result res;
    size_t n = response(reply,
                        "x-amz-meta-md5-hash: " FILE0_MD5_HEX "\r\n"
                        "Content-MD5: " FILE0_MD5_B64 "\r\n",
                        file0, FILE0_LEN);
    memport_reply_with(memport_script(&mp), reply, n);

    gf_client_init(&cl, &mp.port, NULL);
    cl.crypto = &gf_crypto_mbedtls;
    ramsink_init(&sink);
    EXPECT_ST(gf_download(&cl, LINK0, &sink.sink, &res), GF_OK);
    EXPECT(res.md5_known && res.md5_checked);
    EXPECT(memcmp(res.md5,
                  "\x98\x6f\xc1\x4f\xe1\x00\x5e\x5c\xef\x1e\x4a\x32\x42\xd9\x51\xd6", 16) == 0);
    EXPECT(sink.committed && sink.len == FILE0_LEN);
    gf_client_free(&cl);
}

static void md5_mismatch_is_refused(void)
{
    static char reply[256 + FILE1_LEN];
    size_t n = response(reply, "x-amz-meta-md5-hash: " FILE0_MD5_HEX "\r\n", file1, FILE1_LEN);
    memport_reply_with(memport_script(&mp), reply, n);

    gf_client_init(&cl, &mp.port, NULL);
    cl.crypto = &gf_crypto_mbedtls;
    cl.retries = 0;
    ramsink_init(&sink);
    EXPECT_ST(gf_download(&cl, LINK1, &sink.sink, NULL), GF_E_MD5_MISMATCH);
    EXPECT(!sink.committed);
    gf_client_free(&cl);
}

static void tls_setup_and_ca(void)
{
    gf_tls_init(&tls);
    EXPECT_ST(gf_tls_setup(&tls, &mp.port), GF_OK);
    EXPECT_ST(gf_tls_add_ca(&tls, (const unsigned char *)test_ca_pem, sizeof(test_ca_pem)),
              GF_OK);
    EXPECT(gf_tls_ca_count(&tls) == 1);
}

/* A peer that answers the ClientHello with plain HTTP: the handshake must
 * fail cleanly with a TLS status, after a well-formed ClientHello with SNI. */
static void tls_start_against_a_plain_peer_fails_cleanly(void)
{
    static const char plain[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    size_t conn = mp.scripted;
    memport_conn *c = memport_script(&mp);
    c->eager = true; /* it does not wait for an HTTP request */
    memport_reply_with(c, plain, 0);

    gf_client_init(&cl, &mp.port, &tls);
    cl.crypto = &gf_crypto_mbedtls;
    cl.retries = 0;
    ramsink_init(&sink);
    gf_status st = gf_download(&cl, "https://files.example/x.csv.gz", &sink.sink, NULL);
    EXPECT(st == GF_E_TLS || st == GF_E_TLS_ALERT);
    EXPECT(!sink.committed && sink.len == 0);
    const unsigned char *hello = mp.conn[conn].sent;
    EXPECT(mp.conn[conn].sent_len > 50);
    EXPECT(hello[0] == 0x16 && hello[1] == 0x03);   /* a handshake record     */
    EXPECT(hello[5] == 0x01);                       /* ClientHello            */
    EXPECT(mp.conn[conn].port == 443);
    bool sni = false;
    for (size_t i = 0; i + 13 <= mp.conn[conn].sent_len && i + 13 <= MEMPORT_SENT_MAX; i++)
        sni = sni || memcmp(hello + i, "files.example", 13) == 0;
    EXPECT(sni);
    gf_client_free(&cl);
    gf_tls_free(&tls);
    gf_tls_free(&tls);
}

#endif /* FW_TLS */

int main(void)
{
    make_files();
    memport_init(&mp, 61); /* odd pieces */
    step("request target", request_target);
    step("export links through the API, escapes decoded", export_links);
    step("download into a RAM sink, size checked", download_first);
    step("second download on the kept-alive connection", download_second_on_the_same_connection);
    step("truncated download is not committed", truncated_download_is_not_committed);
    step("client of other limits refused", client_of_other_limits_is_refused);
    step("client free closes every connection", client_free_closes_everything);
#ifdef FW_TLS
    step("MD5 checked with the mbedTLS glue", md5_checked_with_mbedtls);
    step("MD5 mismatch refused", md5_mismatch_is_refused);
    step("TLS setup and CA parsing", tls_setup_and_ca);
    step("TLS start against a plain-HTTP peer fails cleanly", tls_start_against_a_plain_peer_fails_cleanly);
#endif
    return steps_done();
}
