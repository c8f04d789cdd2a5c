/*
 * giofetch on lwIP on the emulated board, end to end (make
 * firmware-net-test): the LAN9118 driver, lwIP (NO_SYS=1) and the raw port
 * carry every byte; the export API, the nginx file host and a DNS responder
 * run in the test's network namespace on 192.0.2.1.
 *
 *   fw_net.elf API_BASE TOKEN AI DATE BIG_DATE CA_FILE OUT_DIR STALL_PORT FILE_HTTP_BASE
 *              RESET_PORT
 *
 * The export hour/visit/AI/DATE is fetched whole through gf_fetch_export,
 * every file into OUT_DIR (semihosted files) with its MD5 checked; the test
 * compares them with what the server served. hour/page/AI/BIG_DATE (one
 * large file) is downloaded twice: at full speed for the rate, then into a
 * sink slower than the network, which must close the peer's window and
 * lose nothing; then over plain HTTP from FILE_HTTP_BASE, and from memory
 * (the in-memory port, tests/firmware/memport.c) for the rates side by
 * side. Then the port's errors: an unknown name, a refused port, a server
 * that accepts and says nothing (STALL_PORT), one that answers with a reset
 * (RESET_PORT). Prints "ok STEP" /
 * "FAIL STEP", figures, and "N passed, N failed".
 */
#include "giofetch/giofetch.h"
#include "giofetch/tls.h"

#include "board.h"
#include "lan9118.h"
#include "memport.h"
#include "steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *api_base, *token, *ai, *date, *big_date, *ca_file, *out_dir, *http_base;
static uint16_t stall_port, reset_port;

static gf_port_lwip lp;
static gf_tls tls;
static gf_client cl;
static gf_answer ans;

/* ---- a sink writing to a semihosted file -------------------------------------- */

typedef struct file_sink {
    gf_sink sink;
    FILE *f;
    char path[160];
    uint64_t len;
    char etag[GF_ETAG_MAX + 1];
} file_sink;

static gf_status fs_held(void *ctx, uint64_t *bytes, char etag[GF_ETAG_MAX + 1])
{
    file_sink *s = ctx;
    *bytes = s->len;
    memcpy(etag, s->etag, sizeof(s->etag));
    return GF_OK;
}

static gf_status fs_read_back(void *ctx, uint64_t off, unsigned char *buf, size_t len)
{
    file_sink *s = ctx;
    if (fseek(s->f, (long)off, SEEK_SET) != 0 || fread(buf, 1, len, s->f) != len)
        return GF_E_SINK;
    return fseek(s->f, 0, SEEK_END) == 0 ? GF_OK : GF_E_SINK;
}

static gf_status fs_write(void *ctx, const unsigned char *data, size_t len)
{
    file_sink *s = ctx;
    if (fwrite(data, 1, len, s->f) != len)
        return GF_E_SINK;
    s->len += len;
    return GF_OK;
}

static gf_status fs_restart(void *ctx, const char *etag)
{
    file_sink *s = ctx;
    s->f = freopen(s->path, "w+b", s->f);
    if (s->f == NULL)
        return GF_E_SINK;
    setvbuf(s->f, NULL, _IONBF, 0); /* no stdio buffer on the heap */
    s->len = 0;
    snprintf(s->etag, sizeof(s->etag), "%s", etag);
    return GF_OK;
}

static gf_status fs_commit(void *ctx)
{
    file_sink *s = ctx;
    return fflush(s->f) == 0 ? GF_OK : GF_E_SINK;
}

static int file_sink_open(file_sink *s, const char *name)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->path, sizeof(s->path), "%s/%s", out_dir, name);
    s->f = fopen(s->path, "w+b");
    if (s->f == NULL)
        return -1;
    setvbuf(s->f, NULL, _IONBF, 0);
    s->sink = (gf_sink){s, fs_held, fs_read_back, fs_write, fs_restart, fs_commit};
    return 0;
}

/* ---- a sink that only counts, optionally slower than the network ------------- */

typedef struct count_sink {
    gf_sink sink;
    uint64_t len;
    uint32_t delay_ms;   /* per write: the stack keeps running meanwhile   */
    uint32_t ring_max;   /* the most unread bytes the port's ring held     */
} count_sink;

static gf_status cs_held(void *ctx, uint64_t *bytes, char etag[GF_ETAG_MAX + 1])
{
    (void)ctx;
    *bytes = 0; /* holds nothing to resume from */
    etag[0] = '\0';
    return GF_OK;
}

static gf_status cs_write(void *ctx, const unsigned char *data, size_t len)
{
    count_sink *s = ctx;
    (void)data;
    s->len += len;
    if (s->delay_ms > 0) {
        lp.port.sleep_ms(lp.port.ctx, s->delay_ms); /* polls the stack */
        if (lp.conn[0].len > s->ring_max)
            s->ring_max = lp.conn[0].len;
    }
    return GF_OK;
}

static gf_status cs_restart(void *ctx, const char *etag)
{
    (void)etag;
    ((count_sink *)ctx)->len = 0;
    return GF_OK;
}

static gf_status cs_commit(void *ctx)
{
    (void)ctx;
    return GF_OK;
}

static void count_sink_init(count_sink *s, uint32_t delay_ms)
{
    memset(s, 0, sizeof(*s));
    s->delay_ms = delay_ms;
    s->sink = (gf_sink){s, cs_held, NULL, cs_write, cs_restart, cs_commit};
}

/* ---- the steps ------------------------------------------------------------------ */

static void net_up(void)
{
    EXPECT(fw_board_net_up() == 0);
    gf_port_lwip_init(&lp, &fw_board);
}

static char api_host[GF_HOST_MAX + 1];
static uint16_t api_port;

static void api_host_resolves(void)
{
    gf_url u;
    EXPECT_ST(gf_url_parse(api_base, strlen(api_base), &u), GF_OK);
    EXPECT(u.host.len < sizeof(api_host));
    memcpy(api_host, u.host.ptr, u.host.len);
    api_host[u.host.len] = '\0';
    api_port = u.port;
    int32_t h = lp.port.connect(lp.port.ctx, api_host, api_port, 10000);
    EXPECT(h >= 0);
    if (h >= 0)
        lp.port.close(lp.port.ctx, h);
}

static int tls_ready(void)
{
    static unsigned char ca[8192];
    FILE *f = fopen(ca_file, "rb");
    if (f == NULL)
        return -1;
    size_t n = fread(ca, 1, sizeof(ca) - 1, f);
    fclose(f);
    ca[n] = '\0';
    gf_tls_init(&tls);
    if (gf_tls_setup(&tls, &lp.port) != GF_OK || gf_tls_add_ca(&tls, ca, n + 1) != GF_OK)
        return -1;
    gf_client_init(&cl, &lp.port, &tls);
    cl.base_url = api_base;
    cl.token = token;
    cl.crypto = &gf_crypto_mbedtls;
    /* A LAN of the test's own: a stall of 5 s is a fault, and one retry
     * is enough to show one; a broken port fails in seconds, not minutes. */
    cl.http.timeout_ms = 5000;
    cl.retries = 1;
    return 0;
}

/* What the whole fetch did, file by file. */
static file_sink files[GF_LINKS_MAX];
static unsigned files_ok, files_failed;
static char tls_text[96];

static void on_event(void *user, const gf_event *ev)
{
    (void)user;
    if (ev->kind == GF_EV_TLS && ev->text != NULL)
        snprintf(tls_text, sizeof(tls_text), "%s", ev->text);
}

static gf_status fh_sink(void *user, const gf_answer *a, size_t link, const gf_sink **sink)
{
    (void)user;
    const char *url = a->link[link].ptr, *q = strchr(url, '?');
    const char *end = q != NULL ? q : url + strlen(url), *name = end;
    while (name > url && name[-1] != '/')
        name--;
    char base[96];
    snprintf(base, sizeof(base), "%.*s", (int)(end - name), name);
    if (file_sink_open(&files[link], base) != 0)
        return GF_E_SINK;
    *sink = &files[link].sink;
    return GF_OK;
}

static gf_status fh_done(void *user, const gf_answer *a, size_t link, gf_status st,
                         const gf_download_result *res)
{
    char hex[33] = "";
    (void)user;
    (void)a;
    if (st == GF_OK && res->md5_checked) {
        files_ok++;
        gf_hex_encode(hex, res->md5, 16);
    } else {
        files_failed++;
    }
    printf("  file %s: %s, %lu bytes, md5 %s, verified by %s\n", files[link].path,
           gf_strerror(st), (unsigned long)files[link].len, hex, gf_verified_name(res->verified));
    fclose(files[link].f);
    return GF_OK;
}

static void whole_export_over_https(void)
{
    gf_request req = {GF_EXPORT_HOUR, GF_DATA_VISIT, ai, date, 5};
    gf_fetch_handler fh = {NULL, NULL, fh_sink, fh_done};
    EXPECT(tls_ready() == 0);
    cl.http.on_event = on_event;
    EXPECT_ST(gf_fetch_export(&cl, &req, 20000, &fh, &ans), GF_OK);
    EXPECT(ans.count > 0 && files_ok == ans.count && files_failed == 0);
    printf("  TLS: %s\n", tls_text);
    printf("  links: %u, files verified by MD5: %u\n", (unsigned)ans.count, files_ok);
}

static unsigned long kb_per_s(uint64_t bytes, uint64_t ms)
{
    return (unsigned long)(ms ? bytes * 1000u / 1024u / ms : 0);
}

/* The big file's one link, fetched once (links stay valid for minutes). */
static char big_link[GF_URL_MAX + 1];
static uint64_t big_ms, big_bytes;

static gf_status big_download(count_sink *s)
{
    gf_download_result res;
    uint64_t t0 = fw_board_now_ms();
    gf_status st = gf_download(&cl, big_link, &s->sink, &res);
    big_ms = fw_board_now_ms() - t0;
    big_bytes = res.bytes;
    if (st == GF_OK && !res.md5_checked)
        st = GF_E_MD5_MISMATCH; /* the test serves an MD5 for every file */
    return st;
}

static void big_file_rate(void)
{
    count_sink s;
    gf_request req = {GF_EXPORT_HOUR, GF_DATA_PAGE, ai, big_date, 5};
    EXPECT_ST(gf_export_links(&cl, &req, &ans), GF_OK);
    EXPECT(ans.count == 1);
    if (ans.count != 1)
        return;
    snprintf(big_link, sizeof(big_link), "%s", ans.link[0].ptr);
    count_sink_init(&s, 0);
    EXPECT_ST(big_download(&s), GF_OK);
    EXPECT(s.len == big_bytes && big_bytes > 0);
    printf("  rate: %lu bytes in %lu ms over HTTPS on lwIP and the LAN9118: %lu KB/s\n",
           (unsigned long)big_bytes, (unsigned long)big_ms, kb_per_s(big_bytes, big_ms));
}

static void slow_sink_closes_the_window(void)
{
    count_sink s;
    count_sink_init(&s, 4);
    EXPECT_ST(big_download(&s), GF_OK);
    EXPECT(s.len == big_bytes && big_bytes > 0);
    /* The ring full means the advertised window reached zero. */
    EXPECT(s.ring_max == GF_LWIP_RAW_RING);
    printf("  slow sink: %lu bytes in %lu ms, the ring held at most %lu of %u bytes\n",
           (unsigned long)s.len, (unsigned long)big_ms, (unsigned long)s.ring_max,
           (unsigned)GF_LWIP_RAW_RING);
    gf_client_free(&cl);
}

/* The same file over plain HTTP: the rate of lwIP and the driver without
 * TLS (nginx serves the same signed paths on its plain listener). */
static void big_file_over_http(void)
{
    static char url[GF_URL_MAX + 1];
    const char *path = strchr(big_link + strlen("https://"), '/');
    count_sink s;
    gf_download_result res;
    EXPECT(path != NULL);
    if (path == NULL)
        return;
    snprintf(url, sizeof(url), "%s%s", http_base, path);
    gf_client_init(&cl, &lp.port, NULL);
    cl.crypto = &gf_crypto_mbedtls; /* the MD5 is still checked */
    count_sink_init(&s, 0);
    uint64_t t0 = fw_board_now_ms();
    EXPECT_ST(gf_download(&cl, url, &s.sink, &res), GF_OK);
    uint64_t ms = fw_board_now_ms() - t0;
    EXPECT(res.md5_checked && s.len == big_bytes);
    printf("  rate: %lu bytes in %lu ms over plain HTTP on lwIP and the LAN9118: %lu KB/s\n",
           (unsigned long)s.len, (unsigned long)ms, kb_per_s(s.len, ms));
    gf_client_free(&cl);
}

/* The library alone: the same size from memory through the in-memory
 * port, MD5 computed. Run after the figures: its 1 MB reply is on the heap. */
static void big_file_from_memory(void)
{
    memport *mp = malloc(sizeof(*mp)); /* kept out of the static figures too */
    count_sink s;
    gf_download_result res;
    size_t n = (size_t)big_bytes;
    char *reply = malloc(n + 128);
    EXPECT(mp != NULL && reply != NULL && n > 0);
    if (mp == NULL || reply == NULL || n == 0) {
        free(mp);
        free(reply);
        return;
    }
    int h = snprintf(reply, 128, "HTTP/1.1 200 OK\r\nContent-Length: %lu\r\n\r\n",
                     (unsigned long)n);
    for (size_t i = 0; i < n; i++)
        reply[(size_t)h + i] = (char)(i * 7u + (i >> 9));
    memport_init(mp, 0);
    memport_reply_with(memport_script(mp), reply, (size_t)h + n);
    gf_client_init(&cl, &mp->port, NULL);
    cl.crypto = &gf_crypto_mbedtls;
    count_sink_init(&s, 0);
    uint64_t t0 = fw_board_now_ms();
    EXPECT_ST(gf_download(&cl, "http://mem.example/big", &s.sink, &res), GF_OK);
    uint64_t ms = fw_board_now_ms() - t0;
    EXPECT(res.md5_known && s.len == n);
    printf("  rate: %lu bytes in %lu ms from memory (in-memory port, plain HTTP): %lu KB/s\n",
           (unsigned long)s.len, (unsigned long)ms, kb_per_s(s.len, ms));
    gf_client_free(&cl);
    free(reply);
    free(mp);
}

static void unknown_name_is_a_dns_failure(void)
{
    EXPECT(lp.port.connect(lp.port.ctx, "nosuch.gio.test", 443, 10000) == GF_PORT_E_DNS);
}

static void closed_port_is_refused(void)
{
    EXPECT(lp.port.connect(lp.port.ctx, "192.0.2.1", 9, 5000) == GF_PORT_E_REFUSED);
}

static void silent_server_times_out(void)
{
    unsigned char b[16];
    int32_t h = lp.port.connect(lp.port.ctx, api_host, stall_port, 5000);
    EXPECT(h >= 0);
    if (h < 0)
        return;
    uint64_t t0 = fw_board_now_ms();
    EXPECT(lp.port.recv(lp.port.ctx, h, b, sizeof(b), 300) == GF_PORT_E_TIMEOUT);
    uint64_t waited = fw_board_now_ms() - t0;
    EXPECT(waited >= 300 && waited < 2000);
    lp.port.close(lp.port.ctx, h);
}

static void reset_by_the_peer(void)
{
    unsigned char b[16];
    int32_t h = lp.port.connect(lp.port.ctx, api_host, reset_port, 5000);
    EXPECT(h >= 0);
    if (h < 0)
        return;
    int32_t r = lp.port.recv(lp.port.ctx, h, b, sizeof(b), 3000);
    EXPECT(r == GF_PORT_E_RESET);
    if (r != GF_PORT_E_RESET)
        printf("  recv gave %ld\n", (long)r);
    /* the slot is free again for the next connection */
    lp.port.close(lp.port.ctx, h);
    EXPECT(lp.conn[0].state == 0 && lp.conn[0].pcb == NULL);
}

int main(int argc, char **argv)
{
    fw_board_stack_paint();
    if (argc != 11) {
        printf("usage: fw_net API_BASE TOKEN AI DATE BIG_DATE CA_FILE OUT_DIR STALL_PORT "
               "FILE_HTTP_BASE RESET_PORT\n");
        return 2;
    }
    api_base = argv[1], token = argv[2], ai = argv[3], date = argv[4], big_date = argv[5];
    ca_file = argv[6], out_dir = argv[7], stall_port = (uint16_t)atoi(argv[8]);
    http_base = argv[9], reset_port = (uint16_t)atoi(argv[10]);
    step("LAN9118 up, lwIP at 192.0.2.2/24", net_up);
    step("the API's host name resolved by lwIP's DNS client, TCP connected", api_host_resolves);
    step("a whole export over HTTPS, every file MD5-checked into semihosted files",
         whole_export_over_https);
    step("a large file at full speed (the rate)", big_file_rate);
    step("a sink slower than the network: the window closes, nothing is lost",
         slow_sink_closes_the_window);
    step("the large file over plain HTTP (the rate without TLS)", big_file_over_http);
    step("an unknown name is GF_PORT_E_DNS", unknown_name_is_a_dns_failure);
    step("a closed port is GF_PORT_E_REFUSED", closed_port_is_refused);
    step("a server that says nothing is GF_PORT_E_TIMEOUT", silent_server_times_out);
    step("a connection reset by the peer is GF_PORT_E_RESET", reset_by_the_peer);
    gf_tls_free(&tls);
    printf("  figures: heap peak %lu bytes, stack high-water %lu bytes\n",
           (unsigned long)fw_board_heap_peak(), (unsigned long)fw_board_stack_used());
    printf("  lan9118: %lu frames in, %lu out, %lu dropped by the FIFO, %lu without a pbuf\n",
           (unsigned long)fw_lan9118_stat.rx_frames, (unsigned long)fw_lan9118_stat.tx_frames,
           (unsigned long)fw_lan9118_stat.rx_dropped, (unsigned long)fw_lan9118_stat.rx_no_pbuf);
    step("the same size from memory (the in-memory port's rate)", big_file_from_memory);
    return steps_done();
}
