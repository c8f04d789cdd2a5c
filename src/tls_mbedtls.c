/*
 * The TLS transport: mbedTLS on a connection the port opened. The BIO
 * callbacks below are the one place where the port's return contract is
 * translated into mbedTLS's (0 = closed, WANT_READ = would block).
 */
#include "giofetch/tls.h"
#include "internal.h" /* gf_wait_ms: the one place waits meet the deadline */

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/version.h>
#include <mbedtls/x509.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#define GF_TLS_PSA 1
#endif

#include <stdio.h>
#include <string.h>

/* TLS 1.3 only where the library has it and where a record fits: TLS 1.3
 * cannot ask the server for smaller records (mbedTLS has no max_fragment_length
 * there), except through record_size_limit (RFC 8449) when it is compiled in.
 * A build with a smaller input buffer speaks TLS 1.2 and negotiates
 * max_fragment_length (RFC 6066) instead. */
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && MBEDTLS_VERSION_NUMBER >= 0x03020000 &&                  \
    (MBEDTLS_SSL_IN_CONTENT_LEN >= 16384 || defined(MBEDTLS_SSL_RECORD_SIZE_LIMIT))
#define GF_TLS13 1
#endif
#if MBEDTLS_SSL_IN_CONTENT_LEN < 16384
#define GF_SMALL_RECORDS 1
#endif
/* The largest max_fragment_length code whose records fit the input buffer. */
#if MBEDTLS_SSL_IN_CONTENT_LEN >= 4096
#define GF_TLS_MFL MBEDTLS_SSL_MAX_FRAG_LEN_4096
#elif MBEDTLS_SSL_IN_CONTENT_LEN >= 2048
#define GF_TLS_MFL MBEDTLS_SSL_MAX_FRAG_LEN_2048
#elif MBEDTLS_SSL_IN_CONTENT_LEN >= 1024
#define GF_TLS_MFL MBEDTLS_SSL_MAX_FRAG_LEN_1024
#else
#define GF_TLS_MFL MBEDTLS_SSL_MAX_FRAG_LEN_512
#endif
#if defined(GF_TLS13)
#define GF_TLS_MAX_VERSION MBEDTLS_SSL_VERSION_TLS1_3
#else
#define GF_TLS_MAX_VERSION MBEDTLS_SSL_VERSION_TLS1_2
#endif

/* Forward-secret AEAD suites only; ChaCha20 first: it is the fastest where
 * the CPU has no AES instructions (most routers) and on mbedTLS's portable
 * GCM. The server may still pick by its own preference. TLS 1.3 suites name
 * only the AEAD (every TLS 1.3 key exchange is ephemeral); a client that
 * offers TLS 1.3 without them gets "no shared cipher" from OpenSSL. */
static const int suites[] = {
#if defined(GF_TLS13)
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
#endif
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

/* ---- Taking turns inside mbedTLS (gf_tls_set_turns) -------------------- */

/* Process-wide, like mbedtls_threading_set_alt: what it guards is mbedTLS's
 * own process-wide state. */
static struct {
    gf_tls_turn_fn *take, *give;
    void *user;
} turns;

void gf_tls_set_turns(gf_tls_turn_fn *take, gf_tls_turn_fn *give, void *user)
{
    bool both = take != NULL && give != NULL;
    turns.take = both ? take : NULL;
    turns.give = both ? give : NULL;
    turns.user = both ? user : NULL;
}

static void turn_take(void)
{
    if (turns.take != NULL)
        turns.take(turns.user);
}

static void turn_give(void)
{
    if (turns.give != NULL)
        turns.give(turns.user);
}

/* ---- BIO: port contract -> mbedTLS contract --------------------------- */

/* How long the next read or write may wait: the idle timeout, cut short
 * by the deadline. mbedTLS reads a record or a handshake message in as many
 * calls as the bytes come in, so the deadline must be checked per call, or
 * a drip could stretch one record past it. */
static uint32_t left(const gf_tls *t) { return gf_wait_ms(t->port, t->idle_ms, t->deadline_at); }

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
    return !gf_waited_out(t->port, t->idle_ms, t->deadline_at, t->op_start);
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    gf_tls *t = ctx;
    uint32_t wait = left(t);
    turn_give(); /* the port may wait: another thread may use mbedTLS meanwhile */
    int32_t r = wait == 0 ? GF_PORT_E_TIMEOUT : t->port->send(t->port->ctx, t->handle, buf, len, wait);
    turn_take();
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
    turn_give();
    int32_t r = wait == 0 ? GF_PORT_E_TIMEOUT : t->port->recv(t->port->ctx, t->handle, buf, len, wait);
    turn_take();
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
#if defined(MBEDTLS_ERR_SSL_BAD_CERTIFICATE)
    case MBEDTLS_ERR_SSL_BAD_CERTIFICATE: /* 3.x: refused by the usage checks */
#endif
        return verify_status(t);
#if defined(GF_SMALL_RECORDS)
    case MBEDTLS_ERR_SSL_BAD_INPUT_DATA:
        /* mbedTLS says so when a record does not fit its input buffer */
        snprintf(t->reason, sizeof(t->reason),
                 "the server sent a TLS record over this build's %d bytes "
                 "(MBEDTLS_SSL_IN_CONTENT_LEN)%s",
                 (int)MBEDTLS_SSL_IN_CONTENT_LEN, t->tls13 ? " over TLS 1.3" :
                 " and did not accept max_fragment_length");
        return GF_E_TLS_RECORD_SIZE;
#endif
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

/* The slot of host:port, else a free one, else the least recently used;
 * a slot taken over forgets the session it held. */
static int claim_slot(gf_tls *t, const char *host, uint16_t port)
{
    int i = find_session(t, host, port), lru = 0;
    if (i < 0) {
        for (i = 0; i < (int)GF_TLS_SESSIONS; i++) {
            if (!t->sessions[i].valid)
                break;
            if (t->sessions[i].used < t->sessions[lru].used)
                lru = i;
        }
        if (i == (int)GF_TLS_SESSIONS)
            i = lru;
        t->sessions[i].valid = false;
        t->sessions[i].port = port;
        snprintf(t->sessions[i].host, sizeof(t->sessions[i].host), "%s", host);
    }
    t->sessions[i].used = ++t->clock;
    return i;
}

/* Keep the open connection's session for the next connection to its host.
 * TLS 1.2: the session of the handshake (ID or ticket). TLS 1.3: each
 * NewSessionTicket, which arrives after the handshake; the latest wins. */
static void keep_session(gf_tls *t)
{
    if (t->session_slot < 0)
        return;
    gf_tls_session *s = &t->sessions[t->session_slot];
    mbedtls_ssl_session_free(&s->session);
    mbedtls_ssl_session_init(&s->session);
    s->valid = mbedtls_ssl_get_session(&t->ssl, &s->session) == 0;
}

/* A ticket arrived (TLS 1.3): keep it and go on with what was asked. */
static bool took_ticket(gf_tls *t, int ret)
{
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
        keep_session(t);
        return true;
    }
#else
    (void)t;
    (void)ret;
#endif
    return false;
}

/* ---- Names ------------------------------------------------------------- */

/* An IPv4 or IPv6 literal (the URL's brackets already removed). No DNS
 * name is all digits and dots (its last label is never numeric). */
static bool is_ip_literal(const char *host)
{
    bool dot = false;
    if (strchr(host, ':') != NULL)
        return true;
    for (const char *p = host; *p != '\0'; p++) {
        if (*p == '.')
            dot = true;
        else if (*p < '0' || *p > '9')
            return false;
    }
    return dot;
}

/* The name check for an IP literal, which must not go out as SNI (RFC 6066
 * section 3) and so cannot be mbedTLS's own check of the name given to
 * mbedtls_ssl_set_hostname. At the leaf, the certificate is checked against
 * the address as mbedtls_x509_crt_verify does it: mbedTLS 3.5 and later
 * match it with an iPAddress in the subjectAltName; 2.28 compares names
 * only, so an IP literal never matches there and fails as a name mismatch. */
static int verify_ip_name(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    gf_tls *t = ctx;
    if (depth == 0 && t->ip_host != NULL) {
        uint32_t f = 0;
        (void)mbedtls_x509_crt_verify(crt, &t->ca, NULL, t->ip_host, &f, NULL, NULL);
        *flags |= f & MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    return 0;
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
    t->session_slot = -1;
    t->tls13 = false;
    start_clock(t, idle_ms, deadline_at);
    t->reason[0] = '\0';
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    /* A name goes out as SNI and is checked by mbedTLS; an IP literal is
     * not sent (RFC 6066) and is checked by verify_ip_name. NULL still
     * counts as "set" for mbedTLS 3.6, which refuses to verify otherwise. */
    t->ip_host = is_ip_literal(host) ? host : NULL;
    if ((ret = mbedtls_ssl_set_hostname(&t->ssl, t->ip_host != NULL ? NULL : host)) != 0)
        return failure(t, ret);
    mbedtls_ssl_set_verify(&t->ssl, t->ip_host != NULL ? verify_ip_name : NULL, t);

    int slot = find_session(t, host, tcp_port);
    if (slot >= 0)
        mbedtls_ssl_set_session(&t->ssl, &t->sessions[slot].session);

    while ((ret = mbedtls_ssl_handshake(&t->ssl)) != 0) {
        bool again = ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE;
        if (took_ticket(t, ret))
            continue;
        if (!again) {
            t->ip_host = NULL;
            return failure(t, ret);
        }
        if (!may_wait_again(t)) {
            t->ip_host = NULL;
            return GF_E_IDLE_TIMEOUT;
        }
    }
    t->ip_host = NULL; /* the caller's string: only used during the handshake */
    t->handshakes++;
    t->open = true;

#if defined(GF_TLS13)
    t->tls13 = mbedtls_ssl_get_version_number(&t->ssl) == MBEDTLS_SSL_VERSION_TLS1_3;
#endif
    t->session_slot = claim_slot(t, host, tcp_port);
    if (!t->tls13)
        keep_session(t); /* TLS 1.3: the tickets come later, in tls_recv */
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
        if (took_ticket(t, ret))
            continue;
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
        if (took_ticket(t, ret))
            continue;
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
    t->session_slot = -1;
}

static const char *tls_describe(struct gf_tls *t)
{
    return t->reason[0] != '\0' ? t->reason : "TLS";
}

/* The operations as the engine calls them: each one a turn inside mbedTLS
 * (the BIO callbacks give it away while the port waits). */
static gf_status turn_open(struct gf_tls *t, const gf_port *port, int32_t handle,
                           const char *host, uint16_t tcp_port, uint32_t idle_ms,
                           uint64_t deadline_at)
{
    turn_take();
    gf_status st = tls_open(t, port, handle, host, tcp_port, idle_ms, deadline_at);
    turn_give();
    return st;
}

static gf_status turn_send(struct gf_tls *t, const unsigned char *buf, size_t len, size_t *sent,
                           uint32_t idle_ms, uint64_t deadline_at)
{
    turn_take();
    gf_status st = tls_send(t, buf, len, sent, idle_ms, deadline_at);
    turn_give();
    return st;
}

static gf_status turn_recv(struct gf_tls *t, unsigned char *buf, size_t cap, size_t *got,
                           uint32_t idle_ms, uint64_t deadline_at)
{
    turn_take();
    gf_status st = tls_recv(t, buf, cap, got, idle_ms, deadline_at);
    turn_give();
    return st;
}

static void turn_close(struct gf_tls *t, bool graceful)
{
    turn_take();
    tls_close(t, graceful);
    turn_give();
}

static const gf_secure_ops ops = {.open = turn_open, .send = turn_send, .recv = turn_recv,
                                  .close = turn_close, .describe = tls_describe};

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

#if defined(GF_TLS_PSA)
/* psa_crypto_init() sets up one process-wide state and counts nothing;
 * mbedtls_psa_crypto_free() ends it for everyone. The contexts set up here
 * are counted, and the last one freed ends PSA, after its own keys are gone.
 * Not locked: contexts are set up and freed from one thread at a time (each
 * context itself belongs to one thread anyway). */
static unsigned psa_users;
#endif

static gf_status tls_setup(gf_tls *t, const gf_port *port)
{
    static const unsigned char personal[] = "giofetch";
    int ret;
    if (t->base.ops == NULL)
        return GF_E_CONFIG; /* refused by gf_tls_init: another layout */
#if defined(GF_TLS_PSA)
    if (!t->psa_held) {
        if (psa_crypto_init() != PSA_SUCCESS) {
            snprintf(t->reason, sizeof(t->reason), "PSA crypto failed to start");
            return GF_E_TLS;
        }
        t->psa_held = true;
        psa_users++;
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
    mbedtls_ssl_conf_max_tls_version(&t->conf, GF_TLS_MAX_VERSION);
#else
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if defined(GF_SMALL_RECORDS) && defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
    /* Ask for records the input buffer holds. A server that ignores it
     * fails the first big record with GF_E_TLS_RECORD_SIZE. */
    (void)mbedtls_ssl_conf_max_frag_len(&t->conf, GF_TLS_MFL);
#endif
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(&t->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#if defined(GF_TLS13) && MBEDTLS_VERSION_NUMBER >= 0x03060100
    /* 3.6.1 on: TLS 1.3 tickets are dropped unless asked for; then reads
     * return MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET (took_ticket). */
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        &t->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
#endif
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(&t->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
    t->port = port;
    t->ready = true;
    return GF_OK;
}

gf_status gf_tls_setup(gf_tls *t, const gf_port *port)
{
    turn_take();
    gf_status st = tls_setup(t, port);
    turn_give();
    return st;
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
    turn_take();
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_x509_crt_free(&t->ca);
    for (size_t i = 0; i < GF_TLS_SESSIONS; i++)
        mbedtls_ssl_session_free(&t->sessions[i].session);
#if defined(GF_TLS_PSA)
    if (t->psa_held && --psa_users == 0 && !GF_TLS_KEEP_PSA)
        mbedtls_psa_crypto_free();
#endif
    turn_give();
    memset(t, 0, sizeof(*t));
}

gf_status gf_tls_use_ca(gf_tls *t, gf_tls *from)
{
    if (t == NULL || from == NULL || !from->has_ca)
        return GF_E_TLS_CA;
    /* Read only while verifying a peer: several contexts may share one
     * chain (see tls.h for threads). */
    mbedtls_ssl_conf_ca_chain(&t->conf, &from->ca, NULL);
    t->has_ca = true;
    return GF_OK;
}

#define GF_STR_(x) #x
#define GF_STR(x) GF_STR_(x)

const char *gf_tls_library(void)
{
    return "mbedTLS " GF_STR(MBEDTLS_VERSION_MAJOR) "." GF_STR(MBEDTLS_VERSION_MINOR) "." GF_STR(
        MBEDTLS_VERSION_PATCH) ", TLS 1.2"
#if defined(GF_TLS13)
                               " and 1.3"
#endif
        ;
}
