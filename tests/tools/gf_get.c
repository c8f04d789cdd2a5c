/*
 * gf_get: a test driver for the HTTP engine and the TLS transport against
 * real servers. Fetches each URL in turn on one engine (so keep-alive and
 * session resumption show), and prints one line per URL:
 *     status=200 bytes=5 result=0 ok
 * then "connects=N handshakes=N". Exit 0 when every URL gave GF_OK.
 *
 *   gf_get [--ca FILE] [--insecure] [--timeout MS] [--deadline MS]
 *          [--proxy HOST:PORT] [-H 'Name: value'] [-C 'Name: value' (credential)]
 *          [-o FILE] [--head] [--no-redirect] [-v] URL...
 *   gf_get --version     the TLS library and versions (gf_tls_library())
 *   gf_get --limits      the config.h limits it was built with, NAME=VALUE
 *                        a line, for tests that probe them
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "giofetch/giofetch.h"
#include "giofetch/tls.h"
#include "gf_port_posix.h"
#include "../../src/cli/store.h"

static gf_port posix, counting;
static unsigned connects;

static int32_t count_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    connects++;
    return posix.connect(ctx, host, port, timeout_ms);
}

typedef struct out {
    FILE *f;
    uint64_t bytes;
} out;

static gf_status on_body(void *user, const unsigned char *data, size_t len)
{
    out *o = user;
    if (o->f != NULL && fwrite(data, 1, len, o->f) != len)
        return GF_E_SINK;
    o->bytes += len;
    return GF_OK;
}

static gf_status on_header(void *user, int status, gf_view name, gf_view value)
{
    (void)user;
    (void)status;
    fprintf(stderr, "< %.*s: %.*s\n", (int)name.len, name.ptr, (int)value.len, value.ptr);
    return GF_OK;
}

static void on_event(void *user, const gf_event *ev)
{
    (void)user;
    fprintf(stderr, "event %d http=%d status=%d %s\n", (int)ev->kind, ev->http_status,
            (int)ev->status, ev->text);
}

static gf_header headers[16];
static size_t nheaders;
static char header_store[16][512];

static int add_header(const char *arg, bool credential)
{
    if (nheaders >= 16)
        return -1;
    char *s = header_store[nheaders];
    snprintf(s, sizeof(header_store[0]), "%s", arg);
    char *colon = strchr(s, ':');
    if (colon == NULL)
        return -1;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ')
        v++;
    headers[nheaders++] = (gf_header){.name = s, .value = v, .credential = credential};
    return 0;
}

#define LIMITS(X) X(GF_ANSWER_MAX) X(GF_LINKS_MAX) X(GF_JSON_TOKENS_MAX) X(GF_JSON_DEPTH_MAX) \
    X(GF_URL_MAX) X(GF_HTTP_LINE_MAX) X(GF_HTTP_HEADERS_MAX) X(GF_IO_BUF_SIZE) X(GF_REDIRECTS_MAX) \
    X(GF_HOST_MAX)
#define PRINT_LIMIT(name) printf("%s=%lu\n", #name, (unsigned long)(name));

int main(int argc, char **argv)
{
    static gf_tls tls;
    static gf_http http;
    static gf_proxy proxy;
    const char *ca = NULL, *outfile = NULL;
    bool insecure = false, head = false, follow = true, verbose = false, have_proxy = false;
    uint32_t timeout = 10000, deadline = 0;
    int i, rc = 0;

    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("%s\n", gf_tls_library());
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--limits") == 0) {
        LIMITS(PRINT_LIMIT)
        return 0;
    }
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--ca") == 0 && v) {
            ca = v;
            i++;
        } else if (strcmp(a, "--insecure") == 0) {
            insecure = true;
        } else if (strcmp(a, "--timeout") == 0 && v) {
            timeout = (uint32_t)strtoul(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--deadline") == 0 && v) {
            deadline = (uint32_t)strtoul(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--proxy") == 0 && v) {
            const char *colon = strrchr(v, ':');
            if (colon == NULL)
                return 2;
            snprintf(proxy.host, sizeof(proxy.host), "%.*s", (int)(colon - v), v);
            proxy.port = (uint16_t)atoi(colon + 1);
            have_proxy = true;
            i++;
        } else if ((strcmp(a, "-H") == 0 || strcmp(a, "-C") == 0) && v) {
            if (add_header(v, a[1] == 'C') != 0)
                return 2;
            i++;
        } else if (strcmp(a, "-o") == 0 && v) {
            outfile = v;
            i++;
        } else if (strcmp(a, "--head") == 0) {
            head = true;
        } else if (strcmp(a, "--no-redirect") == 0) {
            follow = false;
        } else if (strcmp(a, "-v") == 0) {
            verbose = true;
        } else {
            fprintf(stderr, "gf_get: bad option %s\n", a);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: gf_get [options] URL...\n");
        return 2;
    }

    gf_port_posix_init(&posix);
    counting = posix;
    counting.connect = count_connect;
    gf_tls_init(&tls);
    if (gf_tls_setup(&tls, &counting) != GF_OK)
        return 3;
    if (ca != NULL) {
        size_t len;
        unsigned char *pem = store_read_file(ca, STORE_CA_MAX, &len);
        if (pem == NULL || gf_tls_add_ca(&tls, pem, len) != GF_OK) {
            fprintf(stderr, "gf_get: cannot load %s\n", ca);
            return 3;
        }
        free(pem);
    }
    if (insecure)
        gf_tls_insecure_for_tests(&tls);
    gf_http_init(&http, &counting, &tls);
    http.timeout_ms = timeout;
    if (have_proxy)
        http.proxy = &proxy;
    if (verbose) {
        http.on_event = on_event;
    }

    for (; i < argc; i++) {
        out o = {NULL, 0};
        if (outfile != NULL && (o.f = fopen(outfile, "wb")) == NULL)
            return 3;
        gf_http_request req = {.method = head ? "HEAD" : "GET",
                               .url = argv[i],
                               .headers = headers,
                               .header_count = nheaders,
                               .deadline_ms = deadline,
                               .follow_redirects = follow};
        gf_http_handler hd = {.user = &o, .header = verbose ? on_header : NULL, .body = on_body};
        int status = 0;
        gf_status st = gf_http_exchange(&http, &req, &hd, &status);
        if (o.f != NULL)
            fclose(o.f);
        printf("status=%d bytes=%llu result=%d %s", status, (unsigned long long)o.bytes, (int)st,
               gf_strerror(st));
        if (st != GF_OK && tls.reason[0] != '\0' && st >= GF_E_TLS && st <= GF_E_TLS_CA)
            printf(" (%s)", tls.reason);
        printf("\n");
        if (st != GF_OK)
            rc = 1;
    }
    gf_http_close(&http);
    printf("connects=%u handshakes=%u\n", connects, tls.handshakes);
    gf_tls_free(&tls);
    return rc;
}
