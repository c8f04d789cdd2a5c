/* The in-image TLS server and its port (see tls_loop.h). */
#include "tls_loop.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loop_certs.h" /* generated: loop_ca_pem, loop_crt_pem, loop_key_pem */

#if !defined(MBEDTLS_PLATFORM_MEMORY) || !defined(MBEDTLS_SSL_SRV_C)
#error "tls_loop.c needs MBEDTLS_PLATFORM_MEMORY and MBEDTLS_SSL_SRV_C"
#endif

const char tls_loop_ca_pem[] = LOOP_CA_PEM;
const size_t tls_loop_ca_pem_size = sizeof(LOOP_CA_PEM);

/* ---- heap accounting -------------------------------------------------------- */

tls_loop_heap tls_loop_heap_of[2];
static int side = TLS_LOOP_CLIENT; /* who is running: the server runs inside recv */

typedef union block {
    struct {
        size_t size;
        int side;
    } h;
    long long align_ll;
    double align_d;
    void *align_p;
} block;

static void *counting_calloc(size_t n, size_t size)
{
    if (size != 0 && n > (SIZE_MAX - sizeof(block)) / size)
        return NULL;
    block *b = calloc(1, sizeof(block) + n * size);
    if (b == NULL)
        return NULL;
    tls_loop_heap *h = &tls_loop_heap_of[side];
    b->h.size = n * size;
    b->h.side = side;
    h->now += n * size;
    h->calls++;
    if (h->now > h->peak)
        h->peak = h->now;
    return b + 1;
}

static void counting_free(void *p)
{
    if (p == NULL)
        return;
    block *b = (block *)p - 1;
    tls_loop_heap_of[b->h.side].now -= b->h.size;
    free(b);
}

/* ---- the server ----------------------------------------------------------------- */

static size_t next_raw_record; /* for the next tls_loop_start */

static struct loop {
    bool started, connected, closed, handshake_done, answered;
    int error;
    size_t raw_record;      /* answer with a raw record of this length   */
    unsigned char hello[1024]; /* the client's first bytes: its ClientHello */
    size_t hello_len;
    const unsigned char *response;
    size_t response_len, response_at;
    char request[1024];
    size_t request_len;
    unsigned char c2s[8192], s2c[32768]; /* client to server, server to client */
    size_t c2s_len, c2s_at, s2c_len, s2c_at;
    uint64_t now;
    uint32_t seed;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
} lp;

static int server_send(void *ctx, const unsigned char *buf, size_t len)
{
    (void)ctx;
    if (len > sizeof(lp.s2c) - lp.s2c_len)
        len = sizeof(lp.s2c) - lp.s2c_len;
    if (len == 0)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    memcpy(lp.s2c + lp.s2c_len, buf, len);
    lp.s2c_len += len;
    return (int)len;
}

static int server_recv(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    size_t n = lp.c2s_len - lp.c2s_at;
    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (n > len)
        n = len;
    memcpy(buf, lp.c2s + lp.c2s_at, n);
    lp.c2s_at += n;
    if (lp.c2s_at == lp.c2s_len)
        lp.c2s_at = lp.c2s_len = 0;
    return (int)n;
}

/* Fixed "entropy" for the server's DRBG: a test, not a server to deploy. */
static int server_entropy(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        lp.seed = lp.seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(lp.seed >> 16);
    }
    return 0;
}

static bool is_retry(int r)
{
    return r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* Move the server on as far as the bytes it has allow. */
static void serve(void)
{
    int r;
    side = TLS_LOOP_SERVER;
    while (!lp.closed) {
        if (!lp.handshake_done) {
            r = mbedtls_ssl_handshake(&lp.ssl);
            if (r == 0) {
                lp.handshake_done = true;
                continue;
            }
        } else if (!lp.answered) {
            size_t room = sizeof(lp.request) - 1 - lp.request_len;
            r = mbedtls_ssl_read(&lp.ssl, (unsigned char *)lp.request + lp.request_len, room);
            if (r > 0) {
                lp.request_len += (size_t)r;
                lp.request[lp.request_len] = '\0';
                lp.answered = strstr(lp.request, "\r\n\r\n") != NULL;
                continue;
            }
        } else if (lp.raw_record != 0) {
            /* What a server that ignores max_fragment_length sends: the
             * header of a big application_data record, then its bytes (the
             * client must give up at the header: they are never decrypted). */
            size_t n = 5 + lp.raw_record;
            if (n > sizeof(lp.s2c) - lp.s2c_len)
                break;
            unsigned char *p = lp.s2c + lp.s2c_len;
            p[0] = 23;
            p[1] = 3;
            p[2] = 3;
            p[3] = (unsigned char)(lp.raw_record >> 8);
            p[4] = (unsigned char)lp.raw_record;
            memset(p + 5, 0x5a, lp.raw_record);
            lp.s2c_len += n;
            lp.raw_record = 0;
            lp.response_at = lp.response_len;
            continue;
        } else if (lp.response_at < lp.response_len) {
            r = mbedtls_ssl_write(&lp.ssl, lp.response + lp.response_at,
                                  lp.response_len - lp.response_at);
            if (r > 0) {
                lp.response_at += (size_t)r;
                continue;
            }
        } else {
            break; /* answered: wait for the client to close */
        }
        if (!is_retry(r)) {
            lp.error = r;
            lp.closed = true;
        }
        break;
    }
    side = TLS_LOOP_CLIENT;
}

/* ---- the port giofetch sees -------------------------------------------------- */

static int32_t loop_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)ctx;
    (void)host;
    (void)timeout_ms;
    if (!lp.started || lp.connected || port != 443)
        return GF_PORT_E_REFUSED;
    lp.connected = true;
    return 3;
}

static int32_t loop_send(void *ctx, int32_t handle, const unsigned char *buf, size_t len,
                         uint32_t timeout_ms)
{
    (void)ctx;
    (void)timeout_ms;
    if (handle != 3 || lp.closed)
        return GF_PORT_E_RESET;
    if (len > sizeof(lp.c2s) - lp.c2s_len)
        len = sizeof(lp.c2s) - lp.c2s_len;
    if (len == 0)
        return GF_PORT_E_WOULD_BLOCK;
    if (lp.hello_len == 0) {
        lp.hello_len = len < sizeof(lp.hello) ? len : sizeof(lp.hello);
        memcpy(lp.hello, buf, lp.hello_len);
    }
    memcpy(lp.c2s + lp.c2s_len, buf, len);
    lp.c2s_len += len;
    return (int32_t)len;
}

static int32_t loop_recv(void *ctx, int32_t handle, unsigned char *buf, size_t len,
                         uint32_t timeout_ms)
{
    (void)ctx;
    if (handle != 3)
        return GF_PORT_E_FAILED;
    if (lp.s2c_at == lp.s2c_len) {
        lp.s2c_at = lp.s2c_len = 0;
        serve();
    }
    size_t n = lp.s2c_len - lp.s2c_at;
    if (n == 0) {
        if (lp.closed)
            return 0;
        lp.now += timeout_ms;
        return GF_PORT_E_TIMEOUT;
    }
    if (n > 97) /* odd pieces: records arrive split */
        n = 97;
    if (n > len)
        n = len;
    memcpy(buf, lp.s2c + lp.s2c_at, n);
    lp.s2c_at += n;
    return (int32_t)n;
}

static void loop_close(void *ctx, int32_t handle)
{
    (void)ctx;
    (void)handle;
    lp.connected = false;
}

static uint64_t loop_now(void *ctx)
{
    (void)ctx;
    return ++lp.now;
}

static int64_t loop_utc(void *ctx)
{
    (void)ctx;
    return GF_PORT_NO_TIME;
}

static void loop_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    lp.now += ms;
}

/* The client's entropy: a fixed sequence too (tests only). */
static int32_t loop_entropy(void *ctx, unsigned char *buf, size_t len)
{
    static uint32_t x = 0x9E3779B9u;
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    return 0;
}

const gf_port tls_loop_port = {NULL,     loop_connect, loop_send,  loop_recv,   loop_close,
                               loop_now, loop_utc,     loop_sleep, loop_entropy};

/* ---- set-up ------------------------------------------------------------------------ */

int tls_loop_start(const void *response, size_t len)
{
    static const char crt[] = LOOP_CRT_PEM, key[] = LOOP_KEY_PEM;
    int r;
    memset(&lp, 0, sizeof(lp));
    lp.seed = 20261128u;
    lp.response = response;
    lp.response_len = len;
    lp.raw_record = next_raw_record;
    next_raw_record = 0;
    mbedtls_platform_set_calloc_free(counting_calloc, counting_free);
    side = TLS_LOOP_SERVER;
    mbedtls_ssl_config_init(&lp.conf);
    mbedtls_ssl_init(&lp.ssl);
    mbedtls_ctr_drbg_init(&lp.drbg);
    mbedtls_x509_crt_init(&lp.crt);
    mbedtls_pk_init(&lp.key);
    if ((r = mbedtls_ctr_drbg_seed(&lp.drbg, server_entropy, NULL, NULL, 0)) != 0 ||
        (r = mbedtls_x509_crt_parse(&lp.crt, (const unsigned char *)crt, sizeof(crt))) != 0)
        goto out;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    r = mbedtls_pk_parse_key(&lp.key, (const unsigned char *)key, sizeof(key), NULL, 0,
                             mbedtls_ctr_drbg_random, &lp.drbg);
#else
    r = mbedtls_pk_parse_key(&lp.key, (const unsigned char *)key, sizeof(key), NULL, 0);
#endif
    if (r != 0 ||
        (r = mbedtls_ssl_config_defaults(&lp.conf, MBEDTLS_SSL_IS_SERVER,
                                         MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
        goto out;
    mbedtls_ssl_conf_rng(&lp.conf, mbedtls_ctr_drbg_random, &lp.drbg);
    if ((r = mbedtls_ssl_conf_own_cert(&lp.conf, &lp.crt, &lp.key)) != 0 ||
        (r = mbedtls_ssl_setup(&lp.ssl, &lp.conf)) != 0)
        goto out;
    mbedtls_ssl_set_bio(&lp.ssl, NULL, server_send, server_recv, NULL);
    lp.started = true;
out:
    side = TLS_LOOP_CLIENT;
    return r;
}

void tls_loop_raw_record(size_t len) { next_raw_record = len; }

static size_t be16(const unsigned char *p) { return (size_t)p[0] << 8 | p[1]; }

/* RFC 5246 7.4.1.2: skip to the ClientHello's extensions, then look for
 * max_fragment_length (type 1, RFC 6066 section 4). */
int tls_loop_client_mfl(void)
{
    const unsigned char *p = lp.hello, *end = lp.hello + lp.hello_len;
    if (lp.hello_len < 5 + 4 + 2 + 32 + 1 || p[0] != 22 || p[5] != 1)
        return -1;
    p += 5 + 4 + 2 + 32;
    p += 1 + p[0];                               /* session id */
    if (p + 2 > end)
        return -1;
    p += 2 + be16(p);                            /* cipher suites */
    if (p + 1 > end)
        return -1;
    p += 1 + p[0];                               /* compression methods */
    if (p + 2 > end)
        return -1;
    p += 2;
    while (p + 4 <= end) {
        size_t type = be16(p), len = be16(p + 2);
        if (type == 1 && len == 1 && p + 5 <= end)
            return p[4];
        p += 4 + len;
    }
    return 0;
}

bool tls_loop_handshake_done(void) { return lp.handshake_done; }
const char *tls_loop_request(void) { return lp.request; }
int tls_loop_error(void) { return lp.error; }

void tls_loop_stop(void)
{
    side = TLS_LOOP_SERVER;
    mbedtls_ssl_free(&lp.ssl);
    mbedtls_ssl_config_free(&lp.conf);
    mbedtls_x509_crt_free(&lp.crt);
    mbedtls_pk_free(&lp.key);
    mbedtls_ctr_drbg_free(&lp.drbg);
    side = TLS_LOOP_CLIENT;
    lp.started = false;
}
