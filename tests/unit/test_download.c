/* gf_download through the scripted port: the export's files (pre-signed
 * links, no credential, x-amz-meta-md5-hash / Content-MD5), a resumed
 * download verified end to end, and the retry rules of
 * --retries. The clock is the test port's: nothing really sleeps. */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"
#include "faketls.h"
#include "memsink.h"
#include "scripted.h"
#include "testport.h"

#define HOST "files.example"
#define TARGET "/bucket/exp/part-00000.csv.gz?X-Amz-Expires=300&X-Amz-Signature=abc"
#define LINK "http://" HOST TARGET

static testport tp;
static faketls tls;
static gf_client cl;
static memsink ms;
static gf_download_result res;


/* ---- responses ----------------------------------------------------------- */


/* A 200 with Content-Length; every response closes its connection so each
 * attempt is one scripted connection. */
static const char *ok(const char *headers, const char *body)
{
    return say("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
               strlen(body), headers, body);
}

/* A 206 of file[first..total) with a matching Content-Range. */
static const char *partial(const char *headers, const char *file, size_t first)
{
    size_t total = strlen(file);
    return say("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %zu-%zu/%zu\r\n"
               "Content-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
               first, total - 1, total, total - first, headers, file + first);
}

static void md5_of(const void *data, size_t n, unsigned char out[16])
{
    gf_md5_ctx c;
    if (gf_crypto_mbedtls.md5_start(&c) != GF_OK ||
        gf_crypto_mbedtls.md5_update(&c, data, n) != GF_OK ||
        gf_crypto_mbedtls.md5_finish(&c, out) != GF_OK)
        check_fail(__FILE__, __LINE__, "the MD5 glue failed");
}

/* "x-amz-meta-md5-hash: <hex MD5 of the whole file>\r\n" */
static const char *amz_md5(const char *file)
{
    unsigned char d[16];
    char hex[33];
    md5_of(file, strlen(file), d);
    for (size_t i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return say("x-amz-meta-md5-hash: %s\r\n", hex);
}

/* "Content-MD5: <base64 MD5 of this answer's body>\r\n" */
static const char *content_md5(const char *body)
{
    unsigned char d[16];
    char b64[32];
    md5_of(body, strlen(body), d);
    if (!gf_crypto_mbedtls.base64_encode(b64, sizeof(b64), d, 16))
        check_fail(__FILE__, __LINE__, "base64_encode");
    return say("Content-MD5: %s\r\n", b64);
}

static bool has_range(size_t conn) { return strstr(tp.sent[conn], "\r\nRange:") != NULL; }

static void setup(uint32_t retries, uint32_t backoff_ms)
{
    scripted_client(&cl, &tp, &tls, retries, backoff_ms);
    cl.crypto = &gf_crypto_mbedtls;
    memsink_init(&ms);
    memset(&res, 0xa5, sizeof(res)); /* gf_download must set every field */
}

static gf_status download(void) { return gf_download(&cl, LINK, &ms.sink, &res); }

static const char file20[] = "0123456789abcdefghij";

/* A file larger than the engine's buffer, so read_back takes several reads. */
static char big[50001];

static void fill_big(void)
{
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + (i * 7 + i / 26) % 26);
    big[sizeof(big) - 1] = '\0';
}

/* ---- whole answers ------------------------------------------------------ */

/* A 200 with Content-Length and x-amz-meta-md5-hash is committed, checked,
 * in any piece size; the request is a plain GET of the link's path+query. */
static void plain_200_is_committed_and_md5_checked(void)
{
    static const unsigned char hello_md5[16] = {0x5d, 0x41, 0x40, 0x2a, 0xbc, 0x4b, 0x2a, 0x76,
                                                0xb9, 0x71, 0x9d, 0x91, 0x10, 0x17, 0xc5, 0x92};
    static const size_t pieces[] = {0, 1, 7};
    for (size_t p = 0; p < 3; p++) {
        setup(0, 1000);
        tp.piece = pieces[p];
        tp_add_reply(&tp, ok("x-amz-meta-md5-hash: 5d41402abc4b2a76b9719d911017c592\r\n", "hello"));
        CHECK_ST(download(), GF_OK);
        CHECK(memsink_is(&ms, "hello", 5));
        CHECK(ms.committed);
        CHECK_INT(ms.commits, 1);
        CHECK_INT(ms.discards, 0);
        CHECK_INT(res.bytes, 5);
        CHECK(res.md5_known);
        CHECK(res.md5_checked);
        CHECK(memcmp(res.md5, hello_md5, 16) == 0);
        CHECK(!res.resumed);
        CHECK_INT(res.attempts, 1);
        CHECK_INT(tp.connects, 1);
        CHECK_STR(tp.host[0], HOST);
        CHECK_INT(tp.portnum[0], 80);
        CHECK_STR(tp.sent[0], "GET " TARGET " HTTP/1.1\r\nHost: " HOST "\r\n"
                              "User-Agent: giofetch/" GF_VERSION "\r\n\r\n");
        CHECK_INT(tp.slept, 0);
        /* the last progress event tells the whole file */
        const evrec *last = NULL;
        for (size_t k = 0; event_of(GF_EV_PROGRESS, k) != NULL; k++)
            last = event_of(GF_EV_PROGRESS, k);
        CHECK(last != NULL && last->done == 5 && last->total == 5);
    }
}

/* An https link goes through TLS to the link's host, still a plain GET. */
static void https_link_is_a_plain_get(void)
{
    setup(0, 1000);
    tp_add_reply(&tp, ok("", "hello"));
    CHECK_ST(gf_download(&cl, "https://" HOST TARGET "#frag", &ms.sink, &res), GF_OK);
    CHECK_INT(tls.opens, 1);
    CHECK_STR(tls.host, HOST);
    CHECK_INT(tp.portnum[0], 443);
    CHECK_STR(tp.sent[0], "GET " TARGET " HTTP/1.1\r\nHost: " HOST "\r\n"
                          "User-Agent: giofetch/" GF_VERSION "\r\n\r\n");
    CHECK(memsink_is(&ms, "hello", 5));
}

/* Content-MD5 (base64 MD5 of the answer's body) is checked on a 200. */
static void content_md5_checked_on_200(void)
{
    setup(0, 1000);
    tp_add_reply(&tp, ok("Content-MD5: XUFAKrxLKna5cZ2REBfFkg==\r\n", "hello"));
    CHECK_ST(download(), GF_OK);
    CHECK(res.md5_checked);
    CHECK(ms.committed);

    /* the same header on other bytes: a mismatch, nothing kept */
    setup(0, 1000);
    tp_add_reply(&tp, ok("Content-MD5: XUFAKrxLKna5cZ2REBfFkg==\r\n", "hellO"));
    CHECK_ST(download(), GF_E_MD5_MISMATCH);
    CHECK(!ms.committed);
    CHECK_INT(ms.len, 0);

    /* a Content-MD5 that is not base64 of 16 bytes vouches for nothing */
    setup(0, 1000);
    tp_add_reply(&tp, ok("Content-MD5: aGVsbG8=\r\n", "hello"));
    CHECK_ST(download(), GF_E_MD5_MISMATCH);
    CHECK(!ms.committed);
}

/* No MD5 header: the MD5 is computed but not "checked"; without a crypto
 * glue the download is size-checked only. */
static void no_md5_header_computed_not_checked(void)
{
    unsigned char want[16];
    md5_of("hello", 5, want);
    setup(0, 1000);
    tp_add_reply(&tp, ok("", "hello"));
    CHECK_ST(download(), GF_OK);
    CHECK(res.md5_known);
    CHECK(!res.md5_checked);
    CHECK(memcmp(res.md5, want, 16) == 0);
    CHECK(ms.committed);

    setup(0, 1000);
    cl.crypto = NULL;
    tp_add_reply(&tp, ok("x-amz-meta-md5-hash: 00000000000000000000000000000000\r\n", "hello"));
    CHECK_ST(download(), GF_OK);
    CHECK(!res.md5_known);
    CHECK(!res.md5_checked);
    CHECK_INT(res.bytes, 5);
    CHECK(ms.committed);
}

/* An x-amz-meta-md5-hash that is not 32 hex digits cannot vouch for the file. */
static void unreadable_md5_header_is_a_mismatch(void)
{
    setup(0, 1000);
    tp_add_reply(&tp, ok("x-amz-meta-md5-hash: not-a-hash\r\n", "hello"));
    CHECK_ST(download(), GF_E_MD5_MISMATCH);
    CHECK(!ms.committed);
    CHECK_INT(ms.len, 0);
    /* upper-case hex is hex */
    setup(0, 1000);
    tp_add_reply(&tp, ok("x-amz-meta-md5-hash: 5D41402ABC4B2A76B9719D911017C592\r\n", "hello"));
    CHECK_ST(download(), GF_OK);
    CHECK(res.md5_checked);
}

/* ---- resuming ----------------------------------------------------------- */

/* The sink holds N bytes: Range: bytes=N-, a matching 206 continues, and
 * the MD5 of the whole file is rebuilt through read_back and checked. */
static void resume_with_range_rebuilds_the_md5(void)
{
    unsigned char want[16];
    md5_of(file20, 20, want);
    setup(0, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, partial(amz_md5(file20), file20, 8));
    CHECK_ST(download(), GF_OK);
    CHECK_STR(tp.sent[0], "GET " TARGET " HTTP/1.1\r\nHost: " HOST "\r\n"
                          "User-Agent: giofetch/" GF_VERSION "\r\nRange: bytes=8-\r\n\r\n");
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(ms.committed);
    CHECK_INT(ms.discards, 0);
    CHECK_INT(ms.read_back_bytes, 8);
    CHECK(res.resumed);
    CHECK(res.md5_checked);
    CHECK(memcmp(res.md5, want, 16) == 0);
    CHECK_INT(res.bytes, 20);
    CHECK_INT(res.attempts, 1);
}

/* A held prefix larger than the engine's buffer is read back in pieces,
 * each at its own offset. */
static void resume_reads_back_a_large_prefix(void)
{
    fill_big();
    setup(0, 1000);
    tp.piece = 4096;
    memsink_hold(&ms, big, 40000);
    tp_add_reply(&tp, partial(amz_md5(big), big, 40000));
    CHECK_ST(download(), GF_OK);
    CHECK(strstr(tp.sent[0], "\r\nRange: bytes=40000-\r\n") != NULL);
    CHECK(memsink_is(&ms, big, 50000));
    CHECK(ms.read_backs >= 3); /* 40000 bytes through a 16 KB buffer */
    CHECK_INT(ms.read_back_bytes, 40000);
    CHECK(res.md5_checked);
    CHECK(res.resumed);
}

/* On a 206, Content-MD5 covers that answer's body only. */
static void content_md5_of_a_206_covers_its_body(void)
{
    setup(0, 1000);
    memsink_hold_etag(&ms, file20, 8, "\"v1\"");
    tp_add_reply(&tp, partial(say("ETag: \"v1\"\r\n%s", content_md5(file20 + 8)), file20, 8));
    CHECK_ST(download(), GF_OK);
    CHECK(res.md5_checked);
    CHECK_INT(res.verified, GF_VERIFIED_CONTENT_MD5);
    CHECK(memsink_is(&ms, file20, 20));

    setup(0, 1000);
    memsink_hold_etag(&ms, file20, 8, "\"v1\"");
    tp_add_reply(&tp, partial(say("ETag: \"v1\"\r\n%s", content_md5(file20)), file20, 8));
    CHECK_ST(download(), GF_E_MD5_MISMATCH);
    CHECK(!ms.committed);
    CHECK_INT(ms.len, 0);
}

/* A 200 to a Range request: the whole file comes again, from zero. */
static void a_200_to_a_range_request_restarts(void)
{
    setup(0, 1000);
    memsink_hold(&ms, "XXXXXXXX", 8); /* even bytes that are not the file's */
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK(has_range(0));
    CHECK(memsink_is(&ms, file20, 20));
    CHECK_INT(ms.discards, 1);
    CHECK(!res.resumed);
    CHECK(res.md5_checked);
    CHECK_INT(res.bytes, 20);
    CHECK_INT(res.attempts, 1);
}

/* The same with Content-MD5, which covers the 200's whole body: checked,
 * and right the first time. */
static void a_200_to_a_range_request_checks_its_content_md5(void)
{
    setup(0, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, ok(content_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK(has_range(0));
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(ms.committed);
    CHECK(res.md5_checked);
    CHECK_INT(res.attempts, 1);
}

/* 416: the held bytes cannot be continued: discard, ask again without Range. */
static void range_not_satisfiable_restarts_cleanly(void)
{
    setup(2, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */20\r\n"
                      "Content-Length: 7\r\nConnection: close\r\n\r\ninvalid");
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK(strstr(tp.sent[0], "\r\nRange: bytes=8-\r\n") != NULL);
    CHECK(!has_range(1));
    CHECK(memsink_is(&ms, file20, 20)); /* the 416's body is not the file */
    CHECK_INT(ms.discards, 1);
    CHECK(!res.resumed);
    CHECK(res.md5_checked);
    CHECK_INT(res.attempts, 2);
}

/* A 206 whose Content-Range is not what was asked (wrong start, a range
 * that stops short of the total, garbage, none) restarts cleanly. */
static void mismatched_content_range_restarts_cleanly(void)
{
    static const char *const ranges[] = {
        "Content-Range: bytes 7-19/20\r\n",  /* wrong start                   */
        "Content-Range: bytes 9-19/20\r\n",  /* wrong start, the other way    */
        "Content-Range: bytes 8-19/25\r\n",  /* wrong total                   */
        "Content-Range: bytes 8-19/*\r\n",   /* no total                      */
        "Content-Range: bytes 8-19\r\n",     /* garbage                       */
        "Content-Range: items 8-19/20\r\n",  /* garbage                       */
        "Content-Range: bytes 19-8/20\r\n",  /* garbage                       */
        "",                                  /* none                          */
    };
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        setup(2, 1000);
        memsink_hold(&ms, file20, 8);
        tp_add_reply(&tp, say("HTTP/1.1 206 Partial Content\r\n%sContent-Length: 12\r\n"
                              "Connection: close\r\n\r\n%s", ranges[i], file20 + 8));
        tp_add_reply(&tp, ok(amz_md5(file20), file20));
        gf_status st = download();
        const evrec *why = event_of(GF_EV_RETRY, 0);
        if (st != GF_OK || !has_range(0) || has_range(1) || !memsink_is(&ms, file20, 20) ||
            ms.discards != 1 || res.attempts != 2 || !res.md5_checked || why == NULL ||
            why->status != GF_E_RANGE)
            check_fail(__FILE__, __LINE__, "%s: %s, range %d/%d, held %zu, discards %u, attempts %u, "
                       "retried for %s", ranges[i][0] ? ranges[i] : "(no Content-Range)",
                       gf_strerror(st), has_range(0), has_range(1), ms.len, ms.discards,
                       res.attempts, why != NULL ? gf_strerror(why->status) : "-");
    }
    /* after the retry budget: GF_E_RANGE, nothing kept */
    setup(0, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, say("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-19/20\r\n"
                          "Content-Length: 20\r\nConnection: close\r\n\r\n%s", file20));
    CHECK_ST(download(), GF_E_RANGE);
    CHECK_INT(ms.len, 0);
    CHECK(!ms.committed);
}

/* A sink that cannot read back: the MD5 cannot be rebuilt, so the download
 * starts from zero and sends no Range. */
static void sink_without_read_back_restarts_from_zero(void)
{
    setup(0, 1000);
    memsink_init_no_read_back(&ms);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK(!has_range(0));
    CHECK_INT(ms.discards, 1);
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(!res.resumed);
    CHECK(res.md5_checked);
}

/* ---- verification failures ---------------------------------------------- */

/* An MD5 mismatch drops the data and tries again; after the budget
 * (retries + 1 attempts) it is GF_E_MD5_MISMATCH with the sink empty. */
static void md5_mismatch_dropped_retried_then_fails(void)
{
    setup(2, 1000);
    for (int i = 0; i < 3; i++)
        tp_add_reply(&tp, ok(amz_md5("another file"), file20));
    CHECK_ST(download(), GF_E_MD5_MISMATCH);
    CHECK_INT(res.attempts, 3);
    CHECK_INT(tp.connects, 3);
    CHECK_INT(ms.len, 0);
    CHECK(!ms.committed);
    CHECK_INT(ms.commits, 0);
    CHECK(!has_range(1)); /* nothing kept to resume from */
    CHECK(!has_range(2));
    CHECK_INT(count_events(GF_EV_RETRY), 2);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL &&
          event_of(GF_EV_RETRY, 0)->status == GF_E_MD5_MISMATCH);

    /* a corrupt answer, then a good one */
    setup(1, 1000);
    tp_add_reply(&tp, ok(amz_md5(file20), "0123456789abcdefghiJ"));
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK_INT(res.attempts, 2);
    CHECK(!has_range(1));
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(res.md5_checked);
}

/* A held prefix that is not the file's: the rebuilt MD5 catches it, the
 * data is dropped and the next attempt starts from zero. */
static void corrupt_held_prefix_caught_by_md5(void)
{
    setup(1, 1000);
    memsink_hold(&ms, "01234567", 8);
    ms.data[3] = 'x';
    tp_add_reply(&tp, partial(amz_md5(file20), file20, 8));
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK(has_range(0));
    CHECK(!has_range(1));
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(!res.resumed);
    CHECK_INT(res.attempts, 2);
}

/* A body shorter than its Content-Length, then a close: a network
 * truncation, retried with a Range for what is missing. */
static void truncated_body_resumed_with_range(void)
{
    setup(1, 1000);
    tp_add_reply(&tp, say("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n%s\r\n%.12s", amz_md5(file20),
                          file20));
    tp_add_reply(&tp, partial(amz_md5(file20), file20, 12));
    CHECK_ST(download(), GF_OK);
    CHECK(!has_range(0));
    CHECK(strstr(tp.sent[1], "\r\nRange: bytes=12-\r\n") != NULL);
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(res.resumed);
    CHECK(res.md5_checked);
    CHECK_INT(res.attempts, 2);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL &&
          event_of(GF_EV_RETRY, 0)->status == GF_E_HTTP_TRUNCATED);

    /* with no retry left, the bytes that came are kept for a later call */
    setup(0, 1000);
    tp_add_reply(&tp, say("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n%.12s", file20));
    CHECK_ST(download(), GF_E_HTTP_TRUNCATED);
    CHECK(memsink_is(&ms, file20, 12));
    CHECK(!ms.committed);
}

/* The file's size changes between two attempts of one download: the first
 * answer announced 20 bytes, the resumed one says the file has 25. The 12
 * bytes held belong to another version: dropped, fetched again whole. */
static void total_changed_between_attempts_restarts(void)
{
    static const char file25[] = "ABCDEFGHIJKLMNOPQRSTUVWXY";
    setup(2, 1000);
    tp_add_reply(&tp, say("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n%.12s", file20));
    tp_add_reply(&tp, partial("", file25, 12));
    tp_add_reply(&tp, ok("", file25));
    gf_status st = download();
    CHECK_ST(st, GF_OK);
    CHECK(strstr(tp.sent[1], "\r\nRange: bytes=12-\r\n") != NULL);
    CHECK(!memsink_is(&ms, "0123456789abMNOPQRSTUVWXY", 25)); /* not a mix of the two */
    CHECK(memsink_is(&ms, file25, 25));
    CHECK(!has_range(2));
    CHECK_INT(res.attempts, 3);
}

/* A 206 whose body does not reach the total its Content-Range announced:
 * a size mismatch, dropped, and the next attempt starts from zero. */
static void partial_answer_short_of_its_total(void)
{
    setup(1, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, say("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 8-19/20\r\n"
                          "%sContent-Length: 5\r\nConnection: close\r\n\r\n%.5s",
                          amz_md5(file20), file20 + 8));
    tp_add_reply(&tp, ok("", file20));
    CHECK_ST(download(), GF_OK);
    CHECK(!has_range(1));
    CHECK(memsink_is(&ms, file20, 20));
    CHECK_INT(ms.discards, 1);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL &&
          event_of(GF_EV_RETRY, 0)->status == GF_E_SIZE_MISMATCH);

    setup(0, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, say("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 8-19/20\r\n"
                          "%sContent-Length: 5\r\nConnection: close\r\n\r\n%.5s",
                          amz_md5(file20), file20 + 8));
    CHECK_ST(download(), GF_E_SIZE_MISMATCH);
    CHECK_INT(ms.len, 0);
    CHECK(!ms.committed);
}

/* ---- statuses ----------------------------------------------------------- */

/* 403 from the file host: the link expired. No retry, and the bytes held
 * are kept for the fresh link. */
static void forbidden_is_link_expired_without_retry(void)
{
    setup(3, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, "HTTP/1.1 403 Forbidden\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
                      "AccessDenied!");
    tp_add_reply(&tp, ok("", file20));
    CHECK_ST(download(), GF_E_LINK_EXPIRED);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(res.attempts, 1);
    CHECK_INT(tp.slept, 0);
    CHECK(memsink_is(&ms, file20, 8)); /* the error page was not written */
    CHECK_INT(ms.discards, 0);
    CHECK(!ms.committed);
}

/* 404 (any status not retryable): GF_E_HTTP_STATUS at once. */
static void not_found_is_not_retried(void)
{
    setup(3, 1000);
    tp_add_reply(&tp, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\n"
                      "NoSuchKey");
    CHECK_ST(download(), GF_E_HTTP_STATUS);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(res.attempts, 1);
    CHECK_INT(tp.slept, 0);
    CHECK_INT(ms.len, 0);
    CHECK(!ms.committed);
}

/* The backoff of retry k lies in [base*2^(k-1)/2, base*2^(k-1)]. */
static void check_backoff(size_t k, uint32_t base)
{
    const evrec *e = event_of(GF_EV_RETRY, k - 1);
    uint64_t nominal = (uint64_t)base << (k - 1);
    if (e == NULL)
        check_fail(__FILE__, __LINE__, "no retry event %zu", k);
    else if (e->delay_ms < nominal / 2 || e->delay_ms > nominal)
        check_fail(__FILE__, __LINE__, "retry %zu waited %u ms, want %llu..%llu", k, e->delay_ms,
                   (unsigned long long)(nominal / 2), (unsigned long long)nominal);
}

/* 500: retried with exponential backoff and jitter, then GF_E_SERVER. */
static void server_error_retried_with_backoff(void)
{
    setup(3, 1000);
    for (int i = 0; i < 4; i++)
        tp_add_reply(&tp, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n"
                          "Connection: close\r\n\r\noops");
    uint64_t t0 = tp.now;
    CHECK_ST(download(), GF_E_SERVER);
    CHECK_INT(tp.connects, 4);
    CHECK_INT(res.attempts, 4);
    CHECK_INT(count_events(GF_EV_RETRY), 3);
    uint64_t waited = 0;
    for (size_t k = 1; k <= 3; k++) {
        check_backoff(k, 1000);
        if (event_of(GF_EV_RETRY, k - 1) != NULL)
            waited += event_of(GF_EV_RETRY, k - 1)->delay_ms;
    }
    CHECK_INT(tp.slept, waited);
    CHECK_INT(tp.now - t0, waited); /* the fake clock moved by the waits, no more */
    CHECK_INT(ms.len, 0);           /* error pages are not the file */

    /* no single backoff beyond GF_BACKOFF_MAX_MS, however it grows */
    setup(2, 4 * GF_BACKOFF_MAX_MS);
    for (int i = 0; i < 3; i++)
        tp_add_reply(&tp, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n");
    t0 = tp.now;
    CHECK_ST(download(), GF_E_SERVER);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL && event_of(GF_EV_RETRY, 0)->delay_ms == GF_BACKOFF_MAX_MS);
    CHECK(event_of(GF_EV_RETRY, 1) != NULL && event_of(GF_EV_RETRY, 1)->delay_ms == GF_BACKOFF_MAX_MS);
    CHECK_INT(tp.now - t0, 2 * GF_BACKOFF_MAX_MS);

    /* 502 then a good answer */
    setup(1, 1000);
    tp_add_reply(&tp, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK_INT(res.attempts, 2);
    CHECK(memsink_is(&ms, file20, 20));
    check_backoff(1, 1000);
}

/* 429 honours Retry-After (delta-seconds), then GF_E_RATE_LIMITED after the
 * budget. */
static void rate_limited_honours_retry_after(void)
{
    setup(1, 100);
    tp_add_reply(&tp, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n");
    tp_add_reply(&tp, ok("", "hello"));
    uint64_t t0 = tp.now;
    CHECK_ST(download(), GF_OK);
    CHECK(tp.now - t0 >= 3000);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL && event_of(GF_EV_RETRY, 0)->delay_ms >= 3000 &&
          event_of(GF_EV_RETRY, 0)->status == GF_E_RATE_LIMITED);
    CHECK(memsink_is(&ms, "hello", 5));

    setup(2, 100);
    for (int i = 0; i < 3; i++)
        tp_add_reply(&tp, "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n");
    CHECK_ST(download(), GF_E_RATE_LIMITED);
    CHECK_INT(res.attempts, 3);
    CHECK_INT(tp.connects, 3);
    check_backoff(1, 100);
    check_backoff(2, 100);

    /* a Retry-After beyond GF_BACKOFF_MAX_MS is capped there */
    setup(1, 100);
    tp_add_reply(&tp, "HTTP/1.1 503 Unavailable\r\nRetry-After: 86400\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n");
    tp_add_reply(&tp, ok("", "hello"));
    t0 = tp.now;
    CHECK_ST(download(), GF_OK);
    CHECK_INT(tp.now - t0, GF_BACKOFF_MAX_MS);
}

/* A connection reset mid-body: the next attempt asks for the rest with
 * Range and the file ends with the right bytes. So does an idle timeout. */
static void network_failure_mid_body_resumes(void)
{
    setup(1, 1000);
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, say("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n%s\r\n%.9s",
                                         amz_md5(file20), file20), 0, 0};
    c->steps[1] = (tp_step){TP_RESET, NULL, 0, 0};
    tp_add_reply(&tp, partial(amz_md5(file20), file20, 9));
    CHECK_ST(download(), GF_OK);
    CHECK(strstr(tp.sent[1], "\r\nRange: bytes=9-\r\n") != NULL);
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(res.resumed);
    CHECK(res.md5_checked);
    CHECK_INT(res.attempts, 2);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL && event_of(GF_EV_RETRY, 0)->status == GF_E_RESET);

    setup(1, 1000);
    c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, say("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n%s\r\n%.15s",
                                         amz_md5(file20), file20), 0, 0};
    c->steps[1] = (tp_step){TP_HANG, NULL, 0, 0};
    tp_add_reply(&tp, partial(amz_md5(file20), file20, 15));
    CHECK_ST(download(), GF_OK);
    CHECK(strstr(tp.sent[1], "\r\nRange: bytes=15-\r\n") != NULL);
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(event_of(GF_EV_RETRY, 0) != NULL &&
          event_of(GF_EV_RETRY, 0)->status == GF_E_IDLE_TIMEOUT);

    /* a refused connection is retried too */
    setup(1, 1000);
    tp_add(&tp)->connect = GF_PORT_E_REFUSED;
    tp_add_reply(&tp, ok("", "hello"));
    CHECK_ST(download(), GF_OK);
    CHECK_INT(res.attempts, 2);
    CHECK(memsink_is(&ms, "hello", 5));
}

/* The sink failing (a full disk) ends the download at once: no retry. */
static void sink_failure_is_not_retried(void)
{
    setup(3, 1000);
    ms.fail_after = 10;
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_E_SINK);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(res.attempts, 1);
    CHECK_INT(tp.slept, 0);
    CHECK(!ms.committed);
    CHECK(ms.len <= 10);
}

/* No credential ever goes to a link, not on a retry, not over TLS, not
 * after a redirect. */
static void no_credential_is_ever_sent(void)
{
    setup(1, 1000);
    cl.token = "secret-token";
    cl.client_id = "client-id-42";
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nContent-Length: 20\r\n\r\n"
                                     "0123456789", 0, 0};
    c->steps[1] = (tp_step){TP_RESET, NULL, 0, 0};
    tp_add_reply(&tp, "HTTP/1.1 302 Found\r\nLocation: https://mirror.example/x\r\n"
                      "Content-Length: 0\r\nConnection: close\r\n\r\n");
    tp_add_reply(&tp, partial("ETag: \"v1\"\r\n", file20, 10));
    CHECK_ST(gf_download(&cl, "https://" HOST TARGET, &ms.sink, &res), GF_OK);
    CHECK_INT(tp.connects, 3);
    CHECK_STR(tp.host[2], "mirror.example");
    CHECK(strstr(tp.sent[2], "GET /x HTTP/1.1\r\n") == tp.sent[2]);
    CHECK(strstr(tp.sent[2], "\r\nRange: bytes=10-\r\n") != NULL);
    for (size_t i = 0; i < 3; i++) {
        CHECK(strstr(tp.sent[i], "Authorization") == NULL);
        CHECK(strstr(tp.sent[i], "secret-token") == NULL);
        CHECK(strstr(tp.sent[i], "X-Client-Id") == NULL);
        CHECK(strstr(tp.sent[i], "client-id-42") == NULL);
    }
    CHECK(memsink_is(&ms, file20, 20));
}

/* A sink without its required callbacks is refused before any connect. */
static void incomplete_sink_refused(void)
{
    setup(0, 1000);
    tp_add_reply(&tp, ok("", "hello"));
    gf_sink s = ms.sink;
    s.commit = NULL;
    CHECK_ST(gf_download(&cl, LINK, &s, &res), GF_E_ARGUMENT);
    s = ms.sink;
    s.held = NULL;
    CHECK_ST(gf_download(&cl, LINK, &s, &res), GF_E_ARGUMENT);
    CHECK_ST(gf_download(&cl, NULL, &ms.sink, &res), GF_E_ARGUMENT);
    CHECK_INT(tp.connects, 0);
    CHECK_ST(gf_download(&cl, LINK, &ms.sink, NULL), GF_OK); /* res is optional */
    CHECK(memsink_is(&ms, "hello", 5));
}

/* ---- one sink per file: held bytes are continued only when checked ------ */

static const char file25[] = "ABCDEFGHIJKLMNOPQRSTUVWXY";
static const char file30[] = "abcdefghijklmnopqrstuvwxyz0123";

/* "ETag: <tag>\r\n" */
static const char *etag(const char *tag) { return say("ETag: %s\r\n", tag); }

static bool sent_has(size_t conn, const char *s) { return strstr(tp.sent[conn], s) != NULL; }

/* The README's mistake: one sink handed to gf_download for three files, not
 * reset in between, so it reports the previous file's bytes as held. No
 * file may come out spliced, with or without crypto: file 2's server
 * honours If-Range (a changed object comes whole), file 3's ignores it and
 * answers 206 with the other object's ETag. */
static void one_sink_reused_for_three_files(void)
{
    for (int crypto = 0; crypto < 2; crypto++) {
        setup(0, 1000);
        cl.crypto = crypto ? &gf_crypto_mbedtls : NULL;
        tp_add_reply(&tp, ok(etag("\"e1\""), file20));
        tp_add_reply(&tp, ok(etag("\"e2\""), file25));
        tp_add_reply(&tp, partial(etag("\"e3\""), file30, 25)); /* If-Range ignored */
        tp_add_reply(&tp, ok(etag("\"e3\""), file30));

        CHECK_ST(download(), GF_OK);
        CHECK(memsink_is(&ms, file20, 20));
        CHECK_ST(download(), GF_OK); /* the sink still says: 20 bytes, "e1" */
        CHECK(sent_has(1, "\r\nRange: bytes=20-\r\nIf-Range: \"e1\"\r\n"));
        CHECK(memsink_is(&ms, file25, 25));
        CHECK(!res.resumed);
        CHECK_ST(download(), GF_OK);
        CHECK(sent_has(2, "\r\nRange: bytes=25-\r\nIf-Range: \"e2\"\r\n"));
        CHECK(!has_range(3));
        CHECK(memsink_is(&ms, file30, 30));
        CHECK(!res.resumed);
        CHECK_INT(ms.commits, 3);
        CHECK_INT(tp.connects, 4);
        CHECK_INT(count_events(GF_EV_NOTICE), 1); /* "starting the file over" */
    }

    /* No ETag at all: without crypto nothing could check a resumed file,
     * so nothing is resumed; with crypto the server's MD5 catches the
     * spliced result and the file is fetched again whole. */
    setup(0, 1000);
    cl.crypto = NULL;
    tp_add_reply(&tp, ok("", file20));
    tp_add_reply(&tp, ok("", file25));
    CHECK_ST(download(), GF_OK);
    CHECK_ST(download(), GF_OK);
    CHECK(!has_range(1));
    CHECK(memsink_is(&ms, file25, 25));
    CHECK_INT(res.verified, GF_VERIFIED_SIZE);

    setup(1, 1000);
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    tp_add_reply(&tp, partial(amz_md5(file25), file25, 20)); /* a server glad to resume */
    tp_add_reply(&tp, ok(amz_md5(file25), file25));
    CHECK_ST(download(), GF_OK);
    CHECK_ST(download(), GF_OK);
    CHECK(has_range(1));
    CHECK(!has_range(2));
    CHECK(memsink_is(&ms, file25, 25));
    CHECK_INT(res.verified, GF_VERIFIED_MD5_HEADER);
    CHECK(event_of(GF_EV_RETRY, 0) != NULL && event_of(GF_EV_RETRY, 0)->status == GF_E_MD5_MISMATCH);

    /* With crypto, no ETag and no MD5 from the server: a 206 nothing would
     * check is dropped and the file asked for whole at once. */
    setup(0, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, partial("", file20, 8));
    tp_add_reply(&tp, ok("", file20));
    CHECK_ST(download(), GF_OK);
    CHECK(has_range(0));
    CHECK(!has_range(1));
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(!res.resumed);
}

/* The object changes between two attempts: the held bytes' ETag goes back
 * as If-Range, and the server sends the new object whole (200). */
static void changed_object_between_attempts_comes_whole(void)
{
    for (int crypto = 0; crypto < 2; crypto++) {
        setup(1, 1000);
        cl.crypto = crypto ? &gf_crypto_mbedtls : NULL;
        tp_conn *c = tp_add(&tp);
        c->steps[0] = (tp_step){TP_DATA, say("HTTP/1.1 200 OK\r\nETag: \"v1\"\r\n"
                                             "Content-Length: 20\r\n\r\n%.12s", file20), 0, 0};
        c->steps[1] = (tp_step){TP_RESET, NULL, 0, 0};
        tp_add_reply(&tp, ok(etag("\"v2\""), file25));
        CHECK_ST(download(), GF_OK);
        CHECK(sent_has(1, "\r\nRange: bytes=12-\r\nIf-Range: \"v1\"\r\n"));
        CHECK(memsink_is(&ms, file25, 25));
        CHECK_STR(ms.etag, "\"v2\"");
        CHECK(!res.resumed);
        CHECK_INT(res.attempts, 2);
    }

    /* the same object: If-Range holds, the 206 continues the held bytes */
    setup(1, 1000);
    cl.crypto = NULL;
    tp_conn *c = tp_add(&tp);
    c->steps[0] = (tp_step){TP_DATA, say("HTTP/1.1 200 OK\r\nETag: \"v1\"\r\n"
                                         "Content-Length: 20\r\n\r\n%.12s", file20), 0, 0};
    c->steps[1] = (tp_step){TP_RESET, NULL, 0, 0};
    tp_add_reply(&tp, partial(etag("\"v1\""), file20, 12));
    CHECK_ST(download(), GF_OK);
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(res.resumed);
    CHECK_INT(tp.connects, 2);
}

/* A server that ignores If-Range answers 206 for a changed object: its
 * ETag gives it away, and the file starts over without a retry's wait. */
static void server_ignoring_if_range_is_caught_by_the_etag(void)
{
    for (int crypto = 0; crypto < 2; crypto++) {
        setup(1, 1000);
        cl.crypto = crypto ? &gf_crypto_mbedtls : NULL;
        tp_conn *c = tp_add(&tp);
        c->steps[0] = (tp_step){TP_DATA, say("HTTP/1.1 200 OK\r\nETag: \"v1\"\r\n"
                                             "Content-Length: 25\r\n\r\n%.12s", file20), 0, 0};
        c->steps[1] = (tp_step){TP_RESET, NULL, 0, 0};
        tp_add_reply(&tp, partial(etag("\"v2\""), file25, 12));
        tp_add_reply(&tp, ok(etag("\"v2\""), file25));
        CHECK_ST(download(), GF_OK);
        CHECK(sent_has(1, "If-Range: \"v1\"\r\n"));
        CHECK(!has_range(2));
        CHECK(memsink_is(&ms, file25, 25));
        CHECK(!memsink_is(&ms, "0123456789abMNOPQRSTUVWXY", 25));
        CHECK_INT(tp.connects, 3);
        CHECK_INT(count_events(GF_EV_RETRY), 1); /* the reset only */
    }
}

/* S3's ETag of a single-part object is its MD5: checked when no other MD5
 * came; a multipart ETag ("...-3") is not. */
static void single_part_etag_is_the_md5(void)
{
    unsigned char d[16];
    char hex[33];
    md5_of(file20, 20, d);
    for (size_t i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    setup(0, 1000);
    tp_add_reply(&tp, ok(say("ETag: \"%s\"\r\n", hex), file20));
    CHECK_ST(download(), GF_OK);
    CHECK_INT(res.verified, GF_VERIFIED_ETAG);
    CHECK(res.md5_checked);
    CHECK_STR(gf_verified_name(res.verified), "etag");

    setup(0, 1000);
    tp_add_reply(&tp, ok(say("ETag: \"%s\"\r\n", hex), file25));
    CHECK_ST(download(), GF_E_MD5_MISMATCH);
    CHECK(!ms.committed);
    CHECK_INT(ms.len, 0);

    setup(0, 1000);
    tp_add_reply(&tp, ok(say("ETag: \"%s-3\"\r\n", hex), file25));
    CHECK_ST(download(), GF_OK);
    CHECK_INT(res.verified, GF_VERIFIED_SIZE);
    CHECK(!res.md5_checked);
    CHECK_STR(gf_verified_name(res.verified), "size");

    /* x-amz-meta-md5-hash wins over an ETag that differs (SSE objects) */
    setup(0, 1000);
    tp_add_reply(&tp, ok(say("ETag: \"%s\"\r\n%s", hex, amz_md5(file25)), file25));
    CHECK_ST(download(), GF_OK);
    CHECK_INT(res.verified, GF_VERIFIED_MD5_HEADER);
    CHECK_STR(gf_verified_name(res.verified), "md5-header");
    setup(0, 1000);
    tp_add_reply(&tp, ok(content_md5("hello"), "hello"));
    CHECK_ST(download(), GF_OK);
    CHECK_STR(gf_verified_name(res.verified), "content-md5");
}

/* A sink that already holds the whole file (killed between the last write
 * and the commit): the 416 leads to a request for the last byte, whose
 * headers check the file; it is committed, not fetched again. */
static void range_not_satisfiable_on_a_whole_file_commits_it(void)
{
    static const char unsatisfiable[] =
        "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */20\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n";
    setup(0, 1000);
    memsink_hold(&ms, file20, 20);
    tp_add_reply(&tp, unsatisfiable);
    tp_add_reply(&tp, partial(amz_md5(file20), file20, 19));
    CHECK_ST(download(), GF_OK);
    CHECK(sent_has(0, "\r\nRange: bytes=20-\r\n"));
    CHECK(sent_has(1, "\r\nRange: bytes=19-\r\n"));
    CHECK_INT(tp.connects, 2);
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(ms.committed);
    CHECK_INT(ms.discards, 0);
    CHECK_INT(res.bytes, 20);
    CHECK_INT(res.verified, GF_VERIFIED_MD5_HEADER);
    CHECK_INT(count_events(GF_EV_RETRY), 0);

    /* whole but wrong bytes: the MD5 refuses them, the file comes again */
    setup(1, 1000);
    memsink_hold(&ms, "0123456789abcdefghiX", 20);
    tp_add_reply(&tp, unsatisfiable);
    tp_add_reply(&tp, partial(amz_md5(file20), file20, 19));
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK(!has_range(2));
    CHECK(memsink_is(&ms, file20, 20));

    /* the object changed since: the last-byte request comes back whole */
    setup(0, 1000);
    memsink_hold_etag(&ms, file20, 20, "\"v1\"");
    tp_add_reply(&tp, unsatisfiable);
    tp_add_reply(&tp, ok(say("ETag: \"v2\"\r\n%s", amz_md5(file25)), file25));
    CHECK_ST(download(), GF_OK);
    CHECK(sent_has(1, "\r\nRange: bytes=19-\r\nIf-Range: \"v1\"\r\n"));
    CHECK(memsink_is(&ms, file25, 25));
    CHECK_INT(res.bytes, 25);
    CHECK(!res.resumed);

    /* without crypto the held ETag vouches through If-Range */
    setup(0, 1000);
    cl.crypto = NULL;
    memsink_hold_etag(&ms, file20, 20, "\"v1\"");
    tp_add_reply(&tp, unsatisfiable);
    tp_add_reply(&tp, partial(etag("\"v1\""), file20, 19));
    CHECK_ST(download(), GF_OK);
    CHECK(sent_has(1, "\r\nRange: bytes=19-\r\nIf-Range: \"v1\"\r\n"));
    CHECK(ms.committed);
    CHECK_INT(tp.connects, 2);
}

/* A sink holding more than the whole file starts over, and says so. */
static void oversized_held_bytes_start_over(void)
{
    setup(0, 1000);
    memsink_hold(&ms, file25, 25);
    tp_add_reply(&tp, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */20\r\n"
                      "Content-Length: 0\r\nConnection: close\r\n\r\n");
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK(!has_range(1));
    CHECK(memsink_is(&ms, file20, 20));
    CHECK_INT(ms.discards, 1);
    CHECK_INT(count_events(GF_EV_NOTICE), 1);
    CHECK_INT(count_events(GF_EV_RETRY), 0);
}

/* S3's reasons for a 403, read from its XML error body. */
static void forbidden_reasons_from_s3_xml(void)
{
    static const struct {
        const char *body;
        gf_status want;
    } cases[] = {
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
         "<Message>Request has expired</Message><X-Amz-Expires>300</X-Amz-Expires></Error>",
         GF_E_LINK_EXPIRED},
        {"<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message>"
         "</Error>", GF_E_LINK_EXPIRED},
        {"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we "
         "calculated does not match the signature you provided.</Message></Error>",
         GF_E_LINK_SIGNATURE},
        {"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
         GF_E_LINK_DENIED},
        {"<Error><Code>AllAccessDisabled</Code></Error>", GF_E_LINK_DENIED},
        {"<html><body>403 Forbidden</body></html>", GF_E_LINK_EXPIRED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setup(3, 1000);
        tp_add_reply(&tp, say("HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n"
                              "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                              strlen(cases[i].body), cases[i].body));
        gf_status st = download();
        if (st != cases[i].want)
            check_fail(__FILE__, __LINE__, "case %zu: got %s, want %s", i, gf_strerror(st),
                       gf_strerror(cases[i].want));
        CHECK_INT(tp.connects, 1); /* never retried here: the flow asks for fresh links */
        CHECK_INT(ms.len, 0);
    }
    /* a long body is read only up to GF_ERROR_BODY_MAX: the code is near the start */
    setup(0, 1000);
    tp_add_reply(&tp, say("HTTP/1.1 403 Forbidden\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n"
                          "<Error><Code>SignatureDoesNotMatch</Code>%0*d</Error>",
                          (size_t)(41 + 8 + 4000), 4000, 0));
    CHECK_ST(download(), GF_E_LINK_SIGNATURE);
    CHECK(strlen(gf_strerror(GF_E_LINK_SIGNATURE)) > 0);
    CHECK(strcmp(gf_strerror(GF_E_LINK_DENIED), gf_strerror(GF_E_LINK_EXPIRED)) != 0);
}

/* Without GF_FEATURE_S3_REASONS the body is not read: every 403 is an
 * expired link, asked for again once by the flow like the others. */
static void forbidden_without_s3_reasons_is_expired(void)
{
    static const char body[] = "<Error><Code>SignatureDoesNotMatch</Code></Error>";
    setup(3, 1000);
    tp_add_reply(&tp, say("HTTP/1.1 403 Forbidden\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n%s", strlen(body), body));
    CHECK_ST(download(), GF_E_LINK_EXPIRED);
    CHECK_INT(tp.connects, 1);
    CHECK_INT(ms.len, 0);
}

/* A gf_client built with other limits is refused by gf_client_init, which
 * writes nothing past the first field, and by every later call. */
static void client_of_another_config_is_refused(void)
{
    static union {
        gf_client cl;
        unsigned char bytes[sizeof(gf_client)];
    } u;
    gf_answer ans;
    gf_request req = {.type = GF_EXPORT_HOUR, .data = GF_DATA_VISIT, .ai = "ai",
                      .date = "2026112712", .expire_min = 5};
    gf_fetch_handler fh;
    memset(&fh, 0, sizeof(fh));
    tp_init(&tp);
    tp_add_reply(&tp, ok("", "hello"));
    memset(u.bytes, 0x5a, sizeof(u.bytes));
    /* a program whose gf_client is smaller (GF_ANSWER_MAX 8192, say) */
    CHECK_ST(gf_client_init_for(&u.cl, &tp.port, NULL, 40000, GF_CONFIG_ID), GF_E_CONFIG);
    for (size_t i = sizeof(uint32_t); i < sizeof(u.bytes); i++) {
        if (u.bytes[i] != 0x5a) {
            check_fail(__FILE__, __LINE__, "byte %zu written", i);
            break;
        }
    }
    CHECK_ST(gf_download(&u.cl, LINK, &ms.sink, NULL), GF_E_CONFIG);
    CHECK_ST(gf_export_links(&u.cl, &req, &ans), GF_E_CONFIG);
    CHECK_ST(gf_fetch_export(&u.cl, &req, 0, &fh, &ans), GF_E_CONFIG);
    CHECK_ST(gf_mint_token(&u.cl, "uid", "ai", (const unsigned char *)"s", 1, (char *)u.bytes + 8,
                           8), GF_E_CONFIG);
    gf_client_free(&u.cl);
    CHECK_INT(tp.connects, 0);
    /* the same size, other limits (the ID names them) */
    CHECK_ST(gf_client_init_for(&u.cl, &tp.port, NULL, sizeof(gf_client), GF_CONFIG_ID ^ 1u),
             GF_E_CONFIG);
    CHECK_ST(gf_download(&u.cl, LINK, &ms.sink, NULL), GF_E_CONFIG);
    /* set up properly, then it works; a client never set up is an argument error */
    CHECK_ST(gf_client_init(&u.cl, &tp.port, NULL), GF_OK);
    memsink_init(&ms);
    CHECK_ST(gf_download(&u.cl, LINK, &ms.sink, NULL), GF_OK);
    gf_client_free(&u.cl);
    memset(&u.cl, 0, sizeof(u.cl));
    CHECK_ST(gf_download(&u.cl, LINK, &ms.sink, NULL), GF_E_ARGUMENT);
    /* an answer of another layout is refused before it is written */
    char body[] = "{\"status\":\"RUNNING\"}";
    CHECK_ST(gf_answer_parse_for(body, strlen(body), u.cl.priv.tokens, GF_JSON_TOKENS_MAX, &ans,
                                 sizeof(ans) - 8, GF_CONFIG_ID), GF_E_CONFIG);
    CHECK_ST(gf_answer_parse(body, strlen(body), u.cl.priv.tokens, GF_JSON_TOKENS_MAX, &ans), GF_OK);
}

/* A build without GF_FEATURE_RESUME never continues held bytes: they are
 * dropped, the request has no Range, the file comes whole. */
static void held_bytes_dropped_without_resume(void)
{
    setup(0, 1000);
    memsink_hold(&ms, file20, 8);
    tp_add_reply(&tp, ok(amz_md5(file20), file20));
    CHECK_ST(download(), GF_OK);
    CHECK(strstr(tp.sent[0], "Range:") == NULL);
    CHECK(memsink_is(&ms, file20, 20));
    CHECK(ms.committed);
    CHECK_INT(ms.discards, 1);
    CHECK_INT(ms.read_back_bytes, 0);
    CHECK(!res.resumed);
    CHECK(res.md5_checked);
}

CHECK_SUITE(download, CASE_IF(!GF_FEATURE_RESUME, held_bytes_dropped_without_resume),
            CASE(plain_200_is_committed_and_md5_checked),
            CASE(https_link_is_a_plain_get), CASE(content_md5_checked_on_200),
            CASE(no_md5_header_computed_not_checked), CASE(unreadable_md5_header_is_a_mismatch),
            CASE_IF(GF_FEATURE_RESUME, resume_with_range_rebuilds_the_md5), CASE_IF(GF_FEATURE_RESUME, resume_reads_back_a_large_prefix),
            CASE_IF(GF_FEATURE_RESUME, content_md5_of_a_206_covers_its_body), CASE_IF(GF_FEATURE_RESUME, a_200_to_a_range_request_restarts),
            CASE_IF(GF_FEATURE_RESUME, a_200_to_a_range_request_checks_its_content_md5),
            CASE_IF(GF_FEATURE_RESUME, range_not_satisfiable_restarts_cleanly),
            CASE_IF(GF_FEATURE_RESUME, mismatched_content_range_restarts_cleanly),
            CASE(sink_without_read_back_restarts_from_zero),
            CASE(md5_mismatch_dropped_retried_then_fails), CASE_IF(GF_FEATURE_RESUME, corrupt_held_prefix_caught_by_md5),
            CASE_IF(GF_FEATURE_RESUME, truncated_body_resumed_with_range), CASE_IF(GF_FEATURE_RESUME, total_changed_between_attempts_restarts),
            CASE_IF(GF_FEATURE_RESUME, partial_answer_short_of_its_total),
            CASE_IF(GF_FEATURE_RESUME, forbidden_is_link_expired_without_retry), CASE(not_found_is_not_retried),
            CASE(server_error_retried_with_backoff), CASE(rate_limited_honours_retry_after),
            CASE_IF(GF_FEATURE_RESUME, network_failure_mid_body_resumes), CASE(sink_failure_is_not_retried),
            CASE_IF(GF_FEATURE_REDIRECTS && GF_FEATURE_RESUME, no_credential_is_ever_sent), CASE(incomplete_sink_refused),
            CASE_IF(GF_FEATURE_RESUME, one_sink_reused_for_three_files), CASE_IF(GF_FEATURE_RESUME, changed_object_between_attempts_comes_whole),
            CASE_IF(GF_FEATURE_RESUME, server_ignoring_if_range_is_caught_by_the_etag), CASE(single_part_etag_is_the_md5),
            CASE_IF(GF_FEATURE_RESUME, range_not_satisfiable_on_a_whole_file_commits_it),
            CASE_IF(GF_FEATURE_RESUME, oversized_held_bytes_start_over), CASE_IF(GF_FEATURE_S3_REASONS, forbidden_reasons_from_s3_xml),
            CASE_IF(!GF_FEATURE_S3_REASONS, forbidden_without_s3_reasons_is_expired),
            CASE(client_of_another_config_is_refused));
