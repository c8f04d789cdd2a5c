/*
 * The TLS transport: mbedTLS on a connection the port opened. The BIO
 * callbacks below are the one place where the port's return contract is
 * translated into mbedTLS's (0 = closed, WANT_READ = would block).
 */
#include "giofetch/tls.h"

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/version.h>
#include <mbedtls/x509.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <psa/crypto.h>
#endif

#include <stdio.h>
#include <string.h>

/* Forward-secret AEAD suites only; ChaCha20 first: it is the fastest where
 * the CPU has no AES instructions (most routers) and on mbedTLS's portable
 * GCM. The server may still pick by its own preference. */
static const int suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

/* Key exchange groups, fastest first. Without a list mbedTLS 2.28 offers
 * P-521 first and servers that follow the client take it: a handshake then
 * costs about 60% more. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
static const uint16_t groups[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
    MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
#endif
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_NONE,
};
#else
static const mbedtls_ecp_group_id groups[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
    MBEDTLS_ECP_DP_CURVE25519,
#endif
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};
#endif

/* ---- BIO: port contract -> mbedTLS contract --------------------------- */

/* How long the next read or write may wait: the idle timeout, cut short
 * by the deadline. mbedTLS reads a record or a handshake message in as many
 * calls as the bytes come in, so the deadline must be checked per call, or
 * a drip could stretch one record past it. */
static uint32_t left(const gf_tls *t)
{
    uint32_t wait = t->idle_ms;
    if (t->deadline_at != 0) {
        uint64_t now = t->port->now_ms(t->port->ctx);
        if (now >= t->deadline_at)
            return 0;
        if (t->deadline_at - now < wait)
            wait = (uint32_t)(t->deadline_at - now);
    }
    return wait;
}

static void start_clock(gf_tls *t, uint32_t idle_ms, uint64_t deadline_at)
{
    t->idle_ms = idle_ms;
    t->deadline_at = deadline_at;
    t->op_start = t->port->now_ms(t->port->ctx);
    t->io_error = 0;
}

/* mbedTLS said "want read/write": the port would block. Go on while time
 * is left, but never spin longer than one idle timeout. */
static bool may_wait_again(gf_tls *t)
{
    t->io_error = 0;
    return left(t) > 0 && t->port->now_ms(t->port->ctx) - t->op_start < t->idle_ms;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    gf_tls *t = ctx;
    uint32_t wait = left(t);
    int32_t r = wait == 0 ? GF_PORT_E_TIMEOUT : t->port->send(t->port->ctx, t->handle, buf, len, wait);
    if (r > 0)
        return (int)r;
    t->io_error = r;
    if (r == GF_PORT_E_WOULD_BLOCK)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (r == GF_PORT_E_TIMEOUT)
        return MBEDTLS_ERR_SSL_TIMEOUT;
    if (r == GF_PORT_E_RESET)
        return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    gf_tls *t = ctx;
    uint32_t wait = left(t);
    int32_t r = wait == 0 ? GF_PORT_E_TIMEOUT : t->port->recv(t->port->ctx, t->handle, buf, len, wait);
    if (r >= 0)
        return (int)r; /* 0: the peer closed */
    t->io_error = r;
    if (r == GF_PORT_E_WOULD_BLOCK)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (r == GF_PORT_E_TIMEOUT)
        return MBEDTLS_ERR_SSL_TIMEOUT;
    if (r == GF_PORT_E_RESET)
        return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

static int entropy(void *ctx, unsigned char *buf, size_t len)
{
    const gf_port *port = ctx;
    return port->entropy(port->ctx, buf, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

/* ---- Errors ------------------------------------------------------------ */

static gf_status verify_status(gf_tls *t)
{
    uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
    char info[160];
    int n = mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
    if (n > 0) {
        info[strcspn(info, "\n")] = '\0';
        snprintf(t->reason, sizeof(t->reason), "certificate refused: %s", info);
    }
    /* An untrusted chain makes every other finding moot: report it first. */
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return GF_E_TLS_UNTRUSTED;
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        return GF_E_TLS_NAME;
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
        return GF_E_TLS_EXPIRED;
    if (flags & MBEDTLS_X509_BADCERT_FUTURE)
        return GF_E_TLS_NOT_YET_VALID;
    return GF_E_TLS_CERT;
}

/* Map an mbedTLS error of a handshake, read or write to a gf_status. */
static gf_status failure(gf_tls *t, int ret)
{
    char msg[128];
    mbedtls_strerror(ret, msg, sizeof(msg));
    snprintf(t->reason, sizeof(t->reason), "%s", msg);
    if (t->io_error != 0) {
        switch (t->io_error) {
        case GF_PORT_E_TIMEOUT:
            return GF_E_IDLE_TIMEOUT;
        case GF_PORT_E_RESET:
            return GF_E_RESET;
        default:
            return GF_E_NETWORK;
        }
    }
    switch (ret) {
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
        return verify_status(t);
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        return GF_E_TLS_ALERT;
    case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
        return GF_E_TLS_CA;
    case MBEDTLS_ERR_SSL_TIMEOUT:
        return GF_E_IDLE_TIMEOUT;
    case MBEDTLS_ERR_NET_CONN_RESET:
        return GF_E_RESET;
    default:
        return GF_E_TLS;
    }
}

/* ---- Sessions ---------------------------------------------------------- */

static int find_session(gf_tls *t, const char *host, uint16_t port)
{
    for (int i = 0; i < (int)GF_TLS_SESSIONS; i++) {
        if (t->sessions[i].valid && t->sessions[i].port == port &&
            strcmp(t->sessions[i].host, host) == 0)
            return i;
    }
    return -1;
}

static int slot_for(gf_tls *t, const char *host, uint16_t port)
{
    int i = find_session(t, host, port), lru = 0;
    if (i >= 0)
        return i;
    for (i = 0; i < (int)GF_TLS_SESSIONS; i++) {
        if (!t->sessions[i].valid)
            return i;
        if (t->sessions[i].used < t->sessions[lru].used)
            lru = i;
    }
    return lru;
}

/* ---- gf_secure_ops ----------------------------------------------------- */

static gf_status tls_open(struct gf_tls *t, const gf_port *port, int32_t handle, const char *host,
                          uint16_t tcp_port, uint32_t idle_ms, uint64_t deadline_at)
{
    int ret;
    if (!t->ready) {
        snprintf(t->reason, sizeof(t->reason), "TLS is not set up");
        return GF_E_TLS;
    }
    if (t->verify && !t->has_ca) {
        snprintf(t->reason, sizeof(t->reason), "no CA certificates to verify the server with");
        return GF_E_TLS_CA;
    }
    if (!t->ssl_ready) {
        if ((ret = mbedtls_ssl_setup(&t->ssl, &t->conf)) != 0)
            return failure(t, ret);
        t->ssl_ready = true;
    } else if ((ret = mbedtls_ssl_session_reset(&t->ssl)) != 0) {
        return failure(t, ret);
    }
    t->port = port;
    t->handle = handle;
    start_clock(t, idle_ms, deadline_at);
    t->reason[0] = '\0';
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    if ((ret = mbedtls_ssl_set_hostname(&t->ssl, host)) != 0) /* SNI and name check */
        return failure(t, ret);

    int slot = find_session(t, host, tcp_port);
    if (slot >= 0)
        mbedtls_ssl_set_session(&t->ssl, &t->sessions[slot].session);

    while ((ret = mbedtls_ssl_handshake(&t->ssl)) != 0) {
        bool again = ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE;
        if (!again)
            return failure(t, ret);
        if (!may_wait_again(t))
            return GF_E_IDLE_TIMEOUT;
    }
    t->handshakes++;
    t->open = true;

    slot = slot_for(t, host, tcp_port);
    gf_tls_session *s = &t->sessions[slot];
    mbedtls_ssl_session_free(&s->session);
    mbedtls_ssl_session_init(&s->session);
    s->valid = mbedtls_ssl_get_session(&t->ssl, &s->session) == 0;
    s->port = tcp_port;
    s->used = ++t->clock;
    snprintf(s->host, sizeof(s->host), "%s", host);
    snprintf(t->reason, sizeof(t->reason), "%s %s", mbedtls_ssl_get_version(&t->ssl),
             mbedtls_ssl_get_ciphersuite(&t->ssl));
    return GF_OK;
}

static gf_status tls_send(struct gf_tls *t, const unsigned char *buf, size_t len, size_t *sent,
                          uint32_t idle_ms, uint64_t deadline_at)
{
    start_clock(t, idle_ms, deadline_at);
    for (;;) {
        int ret = mbedtls_ssl_write(&t->ssl, buf, len);
        if (ret > 0) {
            *sent = (size_t)ret;
            return GF_OK;
        }
        if (ret != MBEDTLS_ERR_SSL_WANT_WRITE && ret != MBEDTLS_ERR_SSL_WANT_READ)
            return failure(t, ret);
        if (!may_wait_again(t))
            return GF_E_IDLE_TIMEOUT;
    }
}

static gf_status tls_recv(struct gf_tls *t, unsigned char *buf, size_t cap, size_t *got,
                          uint32_t idle_ms, uint64_t deadline_at)
{
    start_clock(t, idle_ms, deadline_at);
    for (;;) {
        int ret = mbedtls_ssl_read(&t->ssl, buf, cap);
        if (ret > 0) {
            *got = (size_t)ret;
            return GF_OK;
        }
        if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
            /* An end without close_notify is reported as an end too: the
             * HTTP framing above decides whether the response is complete,
             * and a kept-alive connection the server dropped is retried. */
            *got = 0;
            return GF_OK;
        }
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
            return failure(t, ret);
        if (!may_wait_again(t))
            return GF_E_IDLE_TIMEOUT;
    }
}

static void tls_close(struct gf_tls *t, bool graceful)
{
    if (t->open && graceful) {
        /* close_notify is a courtesy: do not wait long for it */
        start_clock(t, 1000, t->port->now_ms(t->port->ctx) + 1000);
        (void)mbedtls_ssl_close_notify(&t->ssl);
    }
    t->open = false;
}

static const char *tls_describe(struct gf_tls *t)
{
    return t->reason[0] != '\0' ? t->reason : "TLS";
}

static const gf_secure_ops ops = {tls_open, tls_send, tls_recv, tls_close, tls_describe};

/* ---- Setup ------------------------------------------------------------- */

gf_status gf_tls_init_for(gf_tls *t, size_t size, uint32_t config_id)
{
    if (size != sizeof(gf_tls) || config_id != GF_CONFIG_ID) {
        t->base.ops = NULL; /* the first field: the same place in any layout */
        return GF_E_CONFIG;
    }
    memset(t, 0, sizeof(*t));
    t->base.ops = &ops;
    t->verify = true;
    t->handle = -1;
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_ssl_init(&t->ssl);
    for (size_t i = 0; i < GF_TLS_SESSIONS; i++)
        mbedtls_ssl_session_init(&t->sessions[i].session);
    return GF_OK;
}

gf_status gf_tls_setup(gf_tls *t, const gf_port *port)
{
    static const unsigned char personal[] = "giofetch";
    int ret;
    if (t->base.ops == NULL)
        return GF_E_CONFIG; /* refused by gf_tls_init: another layout */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (psa_crypto_init() != PSA_SUCCESS) {
        snprintf(t->reason, sizeof(t->reason), "PSA crypto failed to start");
        return GF_E_TLS;
    }
#endif
    ret = mbedtls_ctr_drbg_seed(&t->drbg, entropy, (void *)port, personal, sizeof(personal) - 1);
    if (ret == 0)
        ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
                                          MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        mbedtls_strerror(ret, t->reason, sizeof(t->reason));
        return GF_E_TLS;
    }
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    mbedtls_ssl_conf_ciphersuites(&t->conf, suites);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    mbedtls_ssl_conf_groups(&t->conf, groups);
#else
    mbedtls_ssl_conf_curves(&t->conf, groups);
#endif
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(&t->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(&t->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#endif
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(&t->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
    t->port = port;
    t->ready = true;
    return GF_OK;
}

static bool has_pem_marker(const unsigned char *buf, size_t len)
{
    static const char marker[] = "-----BEGIN ";
    for (size_t i = 0; i + sizeof(marker) - 1 <= len; i++) {
        if (memcmp(buf + i, marker, sizeof(marker) - 1) == 0)
            return true;
    }
    return false;
}

gf_status gf_tls_add_ca(gf_tls *t, const unsigned char *buf, size_t len)
{
    if (t->base.ops == NULL)
        return GF_E_CONFIG;
    size_t before = gf_tls_ca_count(t);
    int ret;
    if (buf == NULL || len == 0)
        return GF_E_TLS_CA;
    if (!has_pem_marker(buf, len)) {
        ret = mbedtls_x509_crt_parse_der(&t->ca, buf, len);
    } else if (buf[len - 1] == '\0') {
        ret = mbedtls_x509_crt_parse(&t->ca, buf, len);
    } else {
        snprintf(t->reason, sizeof(t->reason), "PEM data must end with a NUL byte");
        return GF_E_TLS_CA;
    }
    if (ret < 0 || gf_tls_ca_count(t) == before) {
        if (ret < 0)
            mbedtls_strerror(ret, t->reason, sizeof(t->reason));
        else
            snprintf(t->reason, sizeof(t->reason), "no certificate found");
        return GF_E_TLS_CA;
    }
    t->has_ca = true;
    return GF_OK;
}

size_t gf_tls_ca_count(const gf_tls *t)
{
    size_t n = 0;
    for (const mbedtls_x509_crt *c = &t->ca; c != NULL; c = c->next) {
        if (c->raw.len != 0)
            n++;
    }
    return n;
}

void gf_tls_insecure_for_tests(gf_tls *t)
{
    t->verify = false;
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_NONE);
}

void gf_tls_free(gf_tls *t)
{
    if (t == NULL || t->base.ops == NULL)
        return;
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_x509_crt_free(&t->ca);
    for (size_t i = 0; i < GF_TLS_SESSIONS; i++)
        mbedtls_ssl_session_free(&t->sessions[i].session);
    memset(t, 0, sizeof(*t));
}
