/*
 * An mbedTLS server in the unit-test process, behind a gf_port: what the
 * client sends goes into the server's input, the server runs whenever the
 * client sends or waits, and what it writes is what the client receives
 * (mbedTLS's own tests pair two contexts over memory the same way). Its
 * certificates are made at start-up with mbedTLS's X.509 writer: nothing
 * to generate at build time, nothing checked in.
 */
#include "tlspeer.h"

#if TLSPEER_AVAILABLE

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#include <stdio.h>
#include <string.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#define PEER_PSA 1
#endif

#define PEM_MAX 2048

static struct {
    bool ready;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context ca_key, other_key, srv_key;
    mbedtls_x509_crt leaf_crt[TLSPEER_LEAVES];
    char ca_pem[PEM_MAX], other_pem[PEM_MAX], srv_pem[PEM_MAX];
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    /* the connection */
    bool open, handshake_done, answered, closed;
    const char *response;
    size_t response_at;
    char request[2048];
    size_t request_len;
    unsigned char c2s[16384], s2c[65536];
    size_t c2s_len, c2s_at, s2c_len, s2c_at;
    tlspeer_stats stats;
    tlspeer_fault fault;
    size_t raw_at;
    uint64_t now;
    uint32_t seed;
} pr;

tlspeer_stats *tlspeer_seen(void) { return &pr.stats; }

/* Fixed "entropy": a test peer, not a server to deploy. */
static int fixed_entropy(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        pr.seed = pr.seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(pr.seed >> 16);
    }
    return 0;
}

static int make_key(mbedtls_pk_context *k)
{
    mbedtls_pk_init(k);
    int r = mbedtls_pk_setup(k, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    return r != 0 ? r
                  : mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*k),
                                        mbedtls_ctr_drbg_random, &pr.drbg);
}

/* Validity periods (mbedTLS checks them against the system clock). */
static const char *const valid_now[2] = {"20200101000000", "20491231235959"};
static const char *const valid_2001[2] = {"20000101000000", "20011231235959"};
static const char *const valid_2048[2] = {"20480101000000", "20491231235959"};

/* A certificate for subject, signed by issuer_key, valid from valid[0] to
 * valid[1], as PEM into out. */
static int make_cert(mbedtls_pk_context *key, mbedtls_pk_context *issuer_key, const char *subject,
                     const char *issuer, bool ca, int serial, const char *const valid[2],
                     char *out)
{
    mbedtls_x509write_cert w;
    int r;
    mbedtls_x509write_crt_init(&w);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, key);
    mbedtls_x509write_crt_set_issuer_key(&w, issuer_key);
#if MBEDTLS_VERSION_NUMBER >= 0x03040000
    unsigned char sn[1] = {(unsigned char)serial};
    r = mbedtls_x509write_crt_set_serial_raw(&w, sn, sizeof(sn));
#else
    mbedtls_mpi sn;
    mbedtls_mpi_init(&sn);
    r = mbedtls_mpi_lset(&sn, serial);
    if (r == 0)
        r = mbedtls_x509write_crt_set_serial(&w, &sn);
    mbedtls_mpi_free(&sn);
#endif
    if (r == 0)
        r = mbedtls_x509write_crt_set_subject_name(&w, subject);
    if (r == 0)
        r = mbedtls_x509write_crt_set_issuer_name(&w, issuer);
    if (r == 0)
        r = mbedtls_x509write_crt_set_validity(&w, valid[0], valid[1]);
    if (r == 0)
        r = mbedtls_x509write_crt_set_basic_constraints(&w, ca ? 1 : 0, -1);
    if (r == 0)
        r = mbedtls_x509write_crt_pem(&w, (unsigned char *)out, PEM_MAX, mbedtls_ctr_drbg_random,
                                      &pr.drbg);
    mbedtls_x509write_crt_free(&w);
    return r;
}

static const char ca_name[] = "CN=giofetch unit CA";

/* The server's certificates, one per TLSPEER_LEAF_*, all for one key. */
static int make_leaves(void)
{
    static const char *const *const validity[TLSPEER_LEAVES] = {valid_now, valid_2001, valid_2048};
    int r = 0;
    for (int i = 0; i < TLSPEER_LEAVES && r == 0; i++) {
        r = make_cert(&pr.srv_key, &pr.ca_key, "CN=" TLSPEER_HOST, ca_name, false, 3 + i,
                      validity[i], pr.srv_pem);
        if (r == 0)
            r = mbedtls_x509_crt_parse(&pr.leaf_crt[i], (const unsigned char *)pr.srv_pem,
                                       strlen(pr.srv_pem) + 1);
    }
    return r;
}

static int make_pki(void)
{
    static const char other_name[] = "CN=another CA";
    int r = mbedtls_ctr_drbg_seed(&pr.drbg, fixed_entropy, NULL, NULL, 0);
    if (r == 0)
        r = make_key(&pr.ca_key);
    if (r == 0)
        r = make_key(&pr.other_key);
    if (r == 0)
        r = make_key(&pr.srv_key);
    if (r == 0)
        r = make_cert(&pr.ca_key, &pr.ca_key, ca_name, ca_name, true, 1, valid_now, pr.ca_pem);
    if (r == 0)
        r = make_cert(&pr.other_key, &pr.other_key, other_name, other_name, true, 2, valid_now,
                      pr.other_pem);
    if (r == 0)
        r = make_leaves();
    return r;
}

static int server_send(void *ctx, const unsigned char *buf, size_t len)
{
    (void)ctx;
    if (len > sizeof(pr.s2c) - pr.s2c_len)
        len = sizeof(pr.s2c) - pr.s2c_len;
    if (len == 0)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    memcpy(pr.s2c + pr.s2c_len, buf, len);
    pr.s2c_len += len;
    return (int)len;
}

static int server_recv(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    size_t n = pr.c2s_len - pr.c2s_at;
    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (n > len)
        n = len;
    memcpy(buf, pr.c2s + pr.c2s_at, n);
    pr.c2s_at += n;
    return (int)n;
}

/* SNI: show the certificate the fault asks for (the configuration's own
 * is the valid one). */
static int pick_leaf(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len)
{
    (void)ctx;
    (void)name;
    (void)len;
    if (pr.fault.leaf <= TLSPEER_LEAF_VALID || pr.fault.leaf >= TLSPEER_LEAVES)
        return 0;
    return mbedtls_ssl_set_hs_own_cert(ssl, &pr.leaf_crt[pr.fault.leaf], &pr.srv_key);
}

int tlspeer_start(void)
{
    if (pr.ready)
        return 0;
#if defined(PEER_PSA)
    if (psa_crypto_init() != PSA_SUCCESS)
        return -1;
#endif
    mbedtls_ctr_drbg_init(&pr.drbg);
    for (int i = 0; i < TLSPEER_LEAVES; i++)
        mbedtls_x509_crt_init(&pr.leaf_crt[i]);
    mbedtls_ssl_config_init(&pr.conf);
    mbedtls_ssl_init(&pr.ssl);
    int r = make_pki();
    if (r == 0)
        r = mbedtls_ssl_config_defaults(&pr.conf, MBEDTLS_SSL_IS_SERVER,
                                        MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (r == 0) {
        mbedtls_ssl_conf_rng(&pr.conf, mbedtls_ctr_drbg_random, &pr.drbg);
        mbedtls_ssl_conf_sni(&pr.conf, pick_leaf, NULL);
        r = mbedtls_ssl_conf_own_cert(&pr.conf, &pr.leaf_crt[TLSPEER_LEAF_VALID], &pr.srv_key);
    }
    if (r == 0)
        r = mbedtls_ssl_setup(&pr.ssl, &pr.conf);
    if (r == 0) {
        mbedtls_ssl_set_bio(&pr.ssl, NULL, server_send, server_recv, NULL);
        pr.ready = true;
    }
    return r;
}

const char *tlspeer_ca_pem(void) { return pr.ca_pem; }
const char *tlspeer_other_ca_pem(void) { return pr.other_pem; }

void tlspeer_answer(const char *response)
{
    pr.response = response;
    memset(&pr.stats, 0, sizeof(pr.stats));
    memset(&pr.fault, 0, sizeof(pr.fault));
}

void tlspeer_misbehave(const tlspeer_fault *fault) { pr.fault = *fault; }

static bool is_retry(int r) { return r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE; }

/* One step of the server's side; false when it cannot go on for now. */
static bool serve_step(void)
{
    int r;
    if (!pr.handshake_done) {
        if ((r = mbedtls_ssl_handshake(&pr.ssl)) == 0) {
            pr.handshake_done = true;
            pr.stats.handshakes++;
            return true;
        }
    } else if (!pr.answered) {
        size_t room = sizeof(pr.request) - 1 - pr.request_len;
        r = mbedtls_ssl_read(&pr.ssl, (unsigned char *)pr.request + pr.request_len, room);
        if (r > 0) {
            pr.request_len += (size_t)r;
            pr.request[pr.request_len] = '\0';
            pr.answered = strstr(pr.request, "\r\n\r\n") != NULL;
            if (pr.answered) {
                size_t n = pr.request_len < sizeof(pr.stats.request) - 1
                               ? pr.request_len
                               : sizeof(pr.stats.request) - 1;
                memcpy(pr.stats.request, pr.request, n);
                pr.stats.request[n] = '\0';
            }
            return true;
        }
    } else if (pr.response != NULL && pr.response[pr.response_at] != '\0') {
        r = mbedtls_ssl_write(&pr.ssl, (const unsigned char *)pr.response + pr.response_at,
                              strlen(pr.response + pr.response_at));
        if (r > 0) {
            pr.response_at += (size_t)r;
            return true;
        }
    } else {
        (void)mbedtls_ssl_close_notify(&pr.ssl);
        pr.closed = true;
        return false;
    }
    if (!is_retry(r)) {
        pr.stats.error = r;
        pr.closed = true;
    }
    return false;
}

static void serve(void)
{
    while (pr.open && !pr.closed && serve_step())
        ;
}

static int32_t peer_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)ctx;
    (void)host;
    (void)timeout_ms;
    if (!pr.ready || pr.open || port != 443)
        return GF_PORT_E_REFUSED;
#if defined(PEER_PSA)
    (void)psa_crypto_init(); /* the client's last gf_tls_free may have ended it */
#endif
#if MBEDTLS_VERSION_NUMBER >= 0x03020000 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    mbedtls_ssl_conf_max_tls_version(&pr.conf, pr.fault.tls12 ? MBEDTLS_SSL_VERSION_TLS1_2
                                                               : MBEDTLS_SSL_VERSION_TLS1_3);
#endif
    mbedtls_ssl_session_reset(&pr.ssl);
    pr.open = true;
    pr.raw_at = 0;
    pr.handshake_done = pr.answered = pr.closed = false;
    pr.response_at = pr.request_len = 0;
    pr.c2s_len = pr.c2s_at = pr.s2c_len = pr.s2c_at = 0;
    pr.stats.connects++;
    return 1;
}

static int32_t peer_send(void *ctx, int32_t h, const unsigned char *buf, size_t len, uint32_t ms)
{
    (void)ctx;
    (void)h;
    pr.stats.port_calls++;
    if (pr.stats.in_turn != NULL && *pr.stats.in_turn)
        pr.stats.waits_in_turn++;
    if (pr.fault.send_error != 0 && (!pr.fault.after_handshake || pr.handshake_done)) {
        pr.now += ms; /* an error that waited first (a timeout) takes its time */
        return pr.fault.send_error;
    }
    if (len > sizeof(pr.c2s) - pr.c2s_len)
        len = sizeof(pr.c2s) - pr.c2s_len;
    if (len == 0)
        return GF_PORT_E_RESET;
    memcpy(pr.c2s + pr.c2s_len, buf, len);
    pr.c2s_len += len;
    if (pr.fault.raw == NULL)
        serve();
    return (int32_t)len;
}

/* A receive of a peer that answers with fault.raw: those bytes, then the
 * end or fault.recv_error. */
static int32_t raw_recv(unsigned char *buf, size_t len, uint32_t ms)
{
    size_t n = pr.fault.raw_len - pr.raw_at;
    if (n == 0 && pr.fault.recv_error != 0) {
        pr.now += ms;
        return pr.fault.recv_error;
    }
    if (n > len)
        n = len;
    memcpy(buf, pr.fault.raw + pr.raw_at, n);
    pr.raw_at += n;
    return (int32_t)n;
}

static int32_t peer_recv(void *ctx, int32_t h, unsigned char *buf, size_t len, uint32_t ms)
{
    (void)ctx;
    (void)h;
    pr.stats.port_calls++;
    if (pr.stats.in_turn != NULL && *pr.stats.in_turn)
        pr.stats.waits_in_turn++;
    if (pr.fault.raw != NULL)
        return raw_recv(buf, len, ms);
    if (pr.fault.recv_error != 0 && (!pr.fault.after_handshake || pr.answered)) {
        pr.now += ms;
        return pr.fault.recv_error;
    }
    serve();
    size_t n = pr.s2c_len - pr.s2c_at;
    if (n == 0) {
        pr.now += ms; /* the server needs more from the client: nothing comes */
        return pr.closed ? 0 : GF_PORT_E_TIMEOUT;
    }
    if (n > len)
        n = len;
    memcpy(buf, pr.s2c + pr.s2c_at, n);
    pr.s2c_at += n;
    return (int32_t)n;
}

static void peer_close(void *ctx, int32_t h)
{
    (void)ctx;
    (void)h;
    pr.open = false;
}

static uint64_t peer_now(void *ctx)
{
    (void)ctx;
    return pr.now;
}

static int64_t peer_utc(void *ctx)
{
    (void)ctx;
    return GF_PORT_NO_TIME;
}

static void peer_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    pr.now += ms;
}

static int32_t peer_entropy(void *ctx, unsigned char *buf, size_t len)
{
    return fixed_entropy(ctx, buf, len) == 0 ? 0 : GF_PORT_E_FAILED;
}

const gf_port tlspeer_port = {NULL,      peer_connect, peer_send,  peer_recv,   peer_close,
                              peer_now,  peer_utc,     peer_sleep, peer_entropy};

void tlspeer_stop(void)
{
    if (!pr.ready)
        return;
    mbedtls_ssl_free(&pr.ssl);
    mbedtls_ssl_config_free(&pr.conf);
    for (int i = 0; i < TLSPEER_LEAVES; i++)
        mbedtls_x509_crt_free(&pr.leaf_crt[i]);
    mbedtls_pk_free(&pr.ca_key);
    mbedtls_pk_free(&pr.other_key);
    mbedtls_pk_free(&pr.srv_key);
    mbedtls_ctr_drbg_free(&pr.drbg);
    memset(&pr, 0, sizeof(pr));
}

#else
typedef int tlspeer_unavailable; /* ISO C wants something in a file */
#endif /* TLSPEER_AVAILABLE */
