/*
 * HTTPS on the Cortex-M4, end to end: giofetch's TLS transport (mbedTLS
 * built for the board) talks to a TLS server in the same image
 * (tls_loop.c): a full TLS 1.2 handshake with certificate verification,
 * then a download whose MD5 is checked. Also: a certificate for another
 * name and an unknown CA are refused. Prints the negotiated suite and
 * mbedTLS's heap peak on the client side.
 */
#include "giofetch/giofetch.h"
#include "giofetch/tls.h"

#include "steps.h"
#include "test_ca.h"
#include "tls_loop.h"

#define GF_FW_STR_(x) #x
#define GF_FW_STR(x) GF_FW_STR_(x)

#define FILE_LEN 5000u
#define FILE_MD5_HEX "459a6543abaa99b66a56336560f90645"
#define LINK "https://files.example/exports/fw-ai/part-00000.csv.gz?X-Amz-Signature=5e"

static unsigned char file[FILE_LEN];
static char response[256 + FILE_LEN];
static size_t response_len;
static gf_tls tls;
static gf_client cl;
static ramsink sink;
static char tls_text[96];

static void on_event(void *user, const gf_event *ev)
{
    (void)user;
    if (ev->kind == GF_EV_TLS && ev->text != NULL)
        snprintf(tls_text, sizeof(tls_text), "%s", ev->text);
}

static void make_response(void)
{
    for (unsigned i = 0; i < FILE_LEN; i++)
        file[i] = (unsigned char)((i * 13u + 7u) & 0xFFu);
    int n = snprintf(response, 256,
                     "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n"
                     "x-amz-meta-md5-hash: " FILE_MD5_HEX "\r\n\r\n",
                     FILE_LEN);
    memcpy(response + n, file, FILE_LEN);
    response_len = (size_t)n + FILE_LEN;
}

/* A client on the loop port trusting ca; one download of url. */
static gf_status fetch(const char *ca, size_t ca_len, const char *url)
{
    gf_status st;
    if (tls_loop_start(response, response_len) != 0)
        return GF_E_ARGUMENT;
    gf_tls_init(&tls);
    if ((st = gf_tls_setup(&tls, &tls_loop_port)) != GF_OK ||
        (st = gf_tls_add_ca(&tls, (const unsigned char *)ca, ca_len)) != GF_OK)
        goto out;
    gf_client_init(&cl, &tls_loop_port, &tls);
    cl.crypto = &gf_crypto_mbedtls;
    cl.retries = 0;
    cl.http.on_event = on_event;
    ramsink_init(&sink);
    st = gf_download(&cl, url, &sink.sink, NULL);
    gf_client_free(&cl);
out:
    gf_tls_free(&tls);
    tls_loop_stop();
    return st;
}

static void https_download(void)
{
    gf_download_result res;
    EXPECT(tls_loop_start(response, response_len) == 0);
    gf_tls_init(&tls);
    EXPECT_ST(gf_tls_setup(&tls, &tls_loop_port), GF_OK);
    EXPECT_ST(gf_tls_add_ca(&tls, (const unsigned char *)tls_loop_ca_pem, tls_loop_ca_pem_size),
              GF_OK);
    gf_client_init(&cl, &tls_loop_port, &tls);
    cl.crypto = &gf_crypto_mbedtls;
    cl.http.on_event = on_event;
    ramsink_init(&sink);
    EXPECT_ST(gf_download(&cl, LINK, &sink.sink, &res), GF_OK);
    EXPECT(tls_loop_handshake_done());
    EXPECT(tls_loop_error() == 0);
    static const char line[] =
        "GET /exports/fw-ai/part-00000.csv.gz?X-Amz-Signature=5e HTTP/1.1\r\n";
    EXPECT(strncmp(tls_loop_request(), line, sizeof(line) - 1) == 0);
    EXPECT(res.bytes == FILE_LEN && res.md5_known && res.md5_checked);
    EXPECT(sink.committed && sink.len == FILE_LEN && memcmp(sink.data, file, FILE_LEN) == 0);
    EXPECT(strstr(tls_text, "TLSv1.2") != NULL);
#if MBEDTLS_SSL_IN_CONTENT_LEN < 16384
    /* the client asked for records its input buffer holds (code 4: 4096) */
    EXPECT(tls_loop_client_mfl() == 4);
#else
    EXPECT(tls_loop_client_mfl() == 0);
#endif
    printf("  TLS: %s\n", tls_text);
    printf("  mbedTLS heap, client side: peak %lu bytes (%lu allocations)\n",
           (unsigned long)tls_loop_heap_of[TLS_LOOP_CLIENT].peak,
           (unsigned long)tls_loop_heap_of[TLS_LOOP_CLIENT].calls);
    printf("  mbedTLS heap, server side: peak %lu bytes\n",
           (unsigned long)tls_loop_heap_of[TLS_LOOP_SERVER].peak);
    gf_client_free(&cl);
    gf_tls_free(&tls);
    tls_loop_stop();
    EXPECT(tls_loop_heap_of[TLS_LOOP_CLIENT].now == 0); /* everything freed */
}

#if MBEDTLS_SSL_IN_CONTENT_LEN < 16384
/* A server that ignores max_fragment_length and sends a full 16 KB record
 * (16384 bytes of data and ChaCha20-Poly1305's 16-byte tag): it cannot fit
 * the 4 KB input buffer, and says so. */
static void a_record_over_the_buffer_is_a_clear_status(void)
{
    tls_loop_raw_record(16384 + 16);
    EXPECT_ST(fetch(tls_loop_ca_pem, tls_loop_ca_pem_size, LINK), GF_E_TLS_RECORD_SIZE);
    EXPECT(tls_loop_handshake_done() && !sink.committed);
}
#endif

static void another_name_is_refused(void)
{
    EXPECT_ST(fetch(tls_loop_ca_pem, tls_loop_ca_pem_size, "https://other.example/x.csv.gz"),
              GF_E_TLS_NAME);
}

static void unknown_ca_is_refused(void)
{
    EXPECT_ST(fetch(test_ca_pem, sizeof(test_ca_pem), LINK), GF_E_TLS_UNTRUSTED);
}

int main(void)
{
    make_response();
#if MBEDTLS_SSL_IN_CONTENT_LEN < 16384
    step("HTTPS download over a full TLS 1.2 handshake, MD5 checked, "
         "max_fragment_length for the " GF_FW_STR(MBEDTLS_SSL_IN_CONTENT_LEN) "-byte input buffer",
         https_download);
    step("a server that ignores max_fragment_length: a record over the input buffer is "
         "GF_E_TLS_RECORD_SIZE", a_record_over_the_buffer_is_a_clear_status);
#else
    step("HTTPS download over a full TLS 1.2 handshake, MD5 checked", https_download);
#endif
    step("a certificate for another name is refused", another_name_is_refused);
    step("a server from an unknown CA is refused", unknown_ca_is_refused);
    return steps_done();
}
