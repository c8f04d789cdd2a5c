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

/* Signature algorithms (3.x builds that offer TLS 1.3). sig_algs is
 * mbedTLS 3.6's own default list, same entries under the same conditions in
 * the same order, set explicitly only so that a connection can be switched
 * to sig_algs_no_pss and back. One ClientHello carries one list for both
 * versions (RFC 8446 section 4.2.3) and TLS 1.3 needs RSA-PSS for RSA
 * certificates (section 4.4.3), so RSA-PSS cannot be kept out of TLS 1.2
 * alone: only a connection that offers TLS 1.2 and nothing else can drop it
 * (see tls.h, "mbedTLS 3.6.0 to 3.6.6"). */
/* GF_TLS_NO_PSS_FALLBACK: build without the fallback, to see that a test
 * needs it (a library with the fix never uses it either). */
#if defined(GF_TLS13) && !defined(GF_TLS_NO_PSS_FALLBACK)
#define GF_TLS_PSS_FALLBACK 1
static const uint16_t sig_algs[] = {
#if defined(MBEDTLS_KEY_EXCHANGE_ECDSA_CERT_REQ_ANY_ALLOWED_ENABLED) &&                             \
    defined(MBEDTLS_MD_CAN_SHA256) && defined(PSA_WANT_ECC_SECP_R1_256)
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
#endif
#if defined(MBEDTLS_KEY_EXCHANGE_ECDSA_CERT_REQ_ANY_ALLOWED_ENABLED) &&                             \
    defined(MBEDTLS_MD_CAN_SHA384) && defined(PSA_WANT_ECC_SECP_R1_384)
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
#endif
#if defined(MBEDTLS_KEY_EXCHANGE_ECDSA_CERT_REQ_ANY_ALLOWED_ENABLED) &&                             \
    defined(MBEDTLS_MD_CAN_SHA512) && defined(PSA_WANT_ECC_SECP_R1_521)
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP521R1_SHA512,
#endif
#if defined(MBEDTLS_X509_RSASSA_PSS_SUPPORT) && defined(MBEDTLS_MD_CAN_SHA512)
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,
#endif
#if defined(MBEDTLS_X509_RSASSA_PSS_SUPPORT) && defined(MBEDTLS_MD_CAN_SHA384)
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
#endif
#if defined(MBEDTLS_X509_RSASSA_PSS_SUPPORT) && defined(MBEDTLS_MD_CAN_SHA256)
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
#endif
#if defined(MBEDTLS_RSA_C) && defined(MBEDTLS_MD_CAN_SHA512)
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
#endif
#if defined(MBEDTLS_RSA_C) && defined(MBEDTLS_MD_CAN_SHA384)
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
#endif
#if defined(MBEDTLS_RSA_C) && defined(MBEDTLS_MD_CAN_SHA256)
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
#endif
    MBEDTLS_TLS1_3_SIG_NONE,
};
static const uint16_t sig_algs_no_pss[] = {
#if defined(MBEDTLS_KEY_EXCHANGE_ECDSA_CERT_REQ_ANY_ALLOWED_ENABLED) &&                             \
    defined(MBEDTLS_MD_CAN_SHA256) && defined(PSA_WANT_ECC_SECP_R1_256)
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
#endif
#if defined(MBEDTLS_KEY_EXCHANGE_ECDSA_CERT_REQ_ANY_ALLOWED_ENABLED) &&                             \
    defined(MBEDTLS_MD_CAN_SHA384) && defined(PSA_WANT_ECC_SECP_R1_384)
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
#endif
#if defined(MBEDTLS_KEY_EXCHANGE_ECDSA_CERT_REQ_ANY_ALLOWED_ENABLED) &&                             \
    defined(MBEDTLS_MD_CAN_SHA512) && defined(PSA_WANT_ECC_SECP_R1_521)
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP521R1_SHA512,
#endif
#if defined(MBEDTLS_RSA_C) && defined(MBEDTLS_MD_CAN_SHA512)
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
#endif
#if defined(MBEDTLS_RSA_C) && defined(MBEDTLS_MD_CAN_SHA384)
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
#endif
#if defined(MBEDTLS_RSA_C) && defined(MBEDTLS_MD_CAN_SHA256)
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
#endif
    MBEDTLS_TLS1_3_SIG_NONE,
};
#endif

/* ---- What the server says in plaintext --------------------------------- */

/* The glue reads the server's records as they pass through bio_recv, up to
 * the point where they are encrypted, for two things mbedTLS has no API
 * for: the alert that ended a handshake (RFC 5246 section 7.2, RFC 8446
 * section 6) and the signature scheme of a TLS 1.2 ServerKeyExchange. */

/* A TLS 1.2 ServerKeyExchange for ECDHE (RFC 8422 section 5.4): curve type
 * (1 byte), named curve (2), the point's length (1), the point, then the
 * signature's SignatureAndHashAlgorithm (RFC 5246 section 7.4.1.4.1). */
static void peek_ske(gf_tls_peek *p, unsigned char b)
{
    uint32_t pos = p->hs_pos;
    if (pos == 3)
        p->point_len = b;
    else if (pos == 4u + p->point_len)
        p->ske_sig = (uint16_t)(b << 8);
    else if (pos == 5u + p->point_len)
        p->ske_sig = (uint16_t)(p->ske_sig | b);
}

/* One byte of a plaintext handshake record: messages have a 4-byte header,
 * type and 24-bit length (RFC 5246 section 7.4), and may span records. */
static void peek_handshake(gf_tls_peek *p, unsigned char b)
{
    if (p->hs_head < 4) {
        if (p->hs_head == 0) {
            p->hs_type = b;
            p->hs_left = 0;
        } else {
            p->hs_left = p->hs_left << 8 | b;
        }
        if (++p->hs_head == 4) {
            p->hs_pos = 0;
            p->hello = p->hello || p->hs_type == 2; /* ServerHello */
            if (p->hs_left == 0)
                p->hs_head = 0;
        }
        return;
    }
    if (p->hs_type == 12) /* ServerKeyExchange */
        peek_ske(p, b);
    p->hs_pos++;
    if (--p->hs_left == 0)
        p->hs_head = 0;
}

/* A record header: content type 20..23, version 3.x (RFC 5246 section
 * 6.2.1). ChangeCipherSpec ends the plaintext handshake of TLS 1.2;
 * application_data (TLS 1.3's encrypted records) ends it for both. */
static void peek_record(gf_tls_peek *p)
{
    uint8_t type = p->hdr[0];
    p->rec_left = (uint16_t)(p->hdr[3] << 8 | p->hdr[4]);
    p->rec_pos = 0;
    if (type < 20 || type > 23 || p->hdr[1] != 3) {
        p->not_tls = true;
        p->off = true;
    } else if (p->rec_left == 0) {
        p->hdr_len = 0; /* nothing in it (mbedTLS decides if that is allowed) */
    } else if (type == 23) {
        p->off = true;
    } else if (type == 20) {
        p->ccs = true;
    }
}

static void peek(gf_tls_peek *p, const unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < len && !p->off; i++) {
        if (p->hdr_len < sizeof(p->hdr)) {
            p->hdr[p->hdr_len++] = buf[i];
            if (p->hdr_len == sizeof(p->hdr))
                peek_record(p);
            continue;
        }
        /* An alert in plaintext is 2 bytes, level and description; after a
         * ChangeCipherSpec a TLS 1.2 record is encrypted and longer. */
        if (p->hdr[0] == 21 && p->hdr[4] == 2 && p->hdr[3] == 0 && p->rec_pos == 1)
            p->alert = buf[i];
        else if (p->hdr[0] == 22 && !p->ccs)
            peek_handshake(p, buf[i]);
        p->rec_pos++;
        if (--p->rec_left == 0)
            p->hdr_len = 0;
    }
}

static void peek_start(gf_tls_peek *p)
{
    memset(p, 0, sizeof(*p));
    p->alert = -1;
}

/* RSASSA-PSS schemes (RFC 8446 section 4.2.3): rsa_pss_rsae_* and
 * rsa_pss_pss_*, in TLS 1.2 read as "hash" 8 and "signature" 4..6, 9..11. */
static bool is_rsa_pss(uint16_t scheme)
{
    unsigned lo = scheme & 0xffu;
    return (scheme >> 8) == 8u && ((lo >= 4u && lo <= 6u) || (lo >= 9u && lo <= 11u));
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
    if (r > 0 && !t->peek.off)
        peek(&t->peek, buf, (size_t)r);
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

/* What a build speaks and offers, for the texts below. */
#define GF_STR_(x) #x
#define GF_STR(x) GF_STR_(x)
#define GF_MBEDTLS_NAME                                                                            \
    "mbedTLS " GF_STR(MBEDTLS_VERSION_MAJOR) "." GF_STR(MBEDTLS_VERSION_MINOR) "." GF_STR(          \
        MBEDTLS_VERSION_PATCH)
#if defined(GF_TLS13)
#define GF_TEXT_VERSION                                                                            \
    "the server refused TLS 1.2 and 1.3 (protocol_version alert): it wants a TLS version "         \
    "giofetch never speaks"
#elif defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define GF_TEXT_VERSION                                                                            \
    "the server refused TLS 1.2 (protocol_version alert), the only version this build speaks: "    \
    "it needs TLS 1.3, which this build leaves out because its TLS buffer "                        \
    "(MBEDTLS_SSL_IN_CONTENT_LEN) is under 16384 bytes; a build with the default buffer speaks it"
#elif MBEDTLS_VERSION_NUMBER >= 0x03000000
#define GF_TEXT_VERSION                                                                            \
    "the server refused TLS 1.2 (protocol_version alert), the only version this build speaks: "    \
    "it needs TLS 1.3, which this build's " GF_MBEDTLS_NAME " has turned off "                     \
    "(MBEDTLS_SSL_PROTO_TLS1_3)"
#else
#define GF_TEXT_VERSION                                                                            \
    "the server refused TLS 1.2 (protocol_version alert), the only version this build "            \
    "(" GF_MBEDTLS_NAME ") speaks: it needs TLS 1.3, which builds with mbedTLS 3.6 speak"
#endif
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
#define GF_OFFER_GROUPS "X25519, P-256, P-384"
#else
#define GF_OFFER_GROUPS "P-256, P-384"
#endif
#define GF_TEXT_NO_SHARED                                                                          \
    "the server found nothing in common with this build's offer (ECDHE with "                      \
    "ChaCha20-Poly1305 or AES-GCM; groups " GF_OFFER_GROUPS "; RSA or ECDSA signatures)"
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define GF_ERR_PROTOCOL_VERSION MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION
#else
#define GF_ERR_PROTOCOL_VERSION MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION
#endif

/* When a row applies beyond the error code and the alert. */
enum gf_tls_seen {
    GF_SEEN_ANY,
    GF_SEEN_NO_HELLO,  /* the server answered the ClientHello with it       */
    GF_SEEN_PSS_SKE,   /* a TLS 1.2 ServerKeyExchange signed with RSA-PSS   */
    GF_SEEN_NOT_TLS,   /* the server's bytes are no TLS record              */
    GF_SEEN_HANDSHAKE, /* during the handshake                              */
};

/* Every failure mbedTLS reports, in giofetch's words: the first row whose
 * error code (0: any), alert (-1: any, read by peek) and condition match.
 * Builds without MBEDTLS_ERROR_C say the same: mbedtls_strerror() is not
 * used. Certificate failures are verify_status's. */
typedef struct gf_tls_cause {
    int ret;
    int alert;
    uint8_t seen;
    gf_status st;
    const char *text;
} gf_tls_cause;

static const gf_tls_cause causes[] = {
    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, 70, GF_SEEN_ANY, GF_E_TLS_VERSION, GF_TEXT_VERSION},
    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, 40, GF_SEEN_NO_HELLO, GF_E_TLS_NO_SHARED,
     GF_TEXT_NO_SHARED " (handshake_failure alert)"},
    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, 71, GF_SEEN_NO_HELLO, GF_E_TLS_NO_SHARED,
     GF_TEXT_NO_SHARED " (insufficient_security alert)"},
    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, 112, GF_SEEN_ANY, GF_E_TLS_ALERT,
     "the server does not serve this host name (unrecognized_name alert)"},
    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, 116, GF_SEEN_ANY, GF_E_TLS_ALERT,
     "the server requires a client certificate, which giofetch does not send "
     "(certificate_required alert)"},
    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, 40, GF_SEEN_ANY, GF_E_TLS_ALERT,
     "the server ended the handshake: handshake_failure alert (a client certificate it wants?)"},
    {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, -1, GF_SEEN_ANY, GF_E_TLS_ALERT,
     "the server ended the connection with a fatal alert"},
#if defined(MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER)
    {MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER, -1, GF_SEEN_PSS_SKE, GF_E_TLS_SIGNATURE,
     "the server chose TLS 1.2 and signed its key exchange with RSA-PSS, which " GF_MBEDTLS_NAME
     " refuses in TLS 1.2 (mbedTLS issue 10668)"},
    {MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER, -1, GF_SEEN_ANY, GF_E_TLS,
     "the server's handshake holds a value this build did not offer or cannot use"},
#endif
#if defined(MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE)
    {MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE, -1, GF_SEEN_ANY, GF_E_TLS,
     "the handshake did not check out: the server's signature or Finished message did not "
     "verify, or it chose what this build did not offer"},
#endif
#if defined(MBEDTLS_ERR_SSL_DECODE_ERROR)
    {MBEDTLS_ERR_SSL_DECODE_ERROR, -1, GF_SEEN_ANY, GF_E_TLS,
     "the server sent a malformed handshake message"},
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO)
    {MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO, -1, GF_SEEN_ANY, GF_E_TLS,
     "the server's ServerHello chose what this build did not offer, or is malformed"},
    {MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE, -1, GF_SEEN_ANY, GF_E_TLS_SIGNATURE,
     "the server's key exchange is malformed or signed in a way this build did not offer"},
#endif
    {GF_ERR_PROTOCOL_VERSION, -1, GF_SEEN_ANY, GF_E_TLS_VERSION,
     "the server chose a TLS version older than 1.2, which giofetch never speaks"},
#if defined(MBEDTLS_ERR_RSA_VERIFY_FAILED)
    {MBEDTLS_ERR_RSA_VERIFY_FAILED, -1, GF_SEEN_ANY, GF_E_TLS_SIGNATURE,
     "the server's RSA signature does not verify with the key of its certificate"},
#endif
#if defined(MBEDTLS_ERR_ECP_VERIFY_FAILED)
    {MBEDTLS_ERR_ECP_VERIFY_FAILED, -1, GF_SEEN_ANY, GF_E_TLS_SIGNATURE,
     "the server's ECDSA signature does not verify with the key of its certificate"},
#endif
    {MBEDTLS_ERR_PK_SIG_LEN_MISMATCH, -1, GF_SEEN_ANY, GF_E_TLS_SIGNATURE,
     "the server's signature has the wrong length for the key of its certificate"},
    {MBEDTLS_ERR_SSL_INVALID_RECORD, -1, GF_SEEN_NOT_TLS, GF_E_TLS,
     "the server did not answer in TLS (a plain HTTP port?)"},
    {MBEDTLS_ERR_SSL_BAD_INPUT_DATA, -1, GF_SEEN_ANY, GF_E_TLS_RECORD_SIZE,
     "the server sent a TLS record or handshake message larger than this build's input buffer "
     "(MBEDTLS_SSL_IN_CONTENT_LEN, " GF_STR(MBEDTLS_SSL_IN_CONTENT_LEN) " bytes)"
#if defined(GF_SMALL_RECORDS)
     " and did not accept max_fragment_length"
#endif
    },
    {MBEDTLS_ERR_SSL_INVALID_RECORD, -1, GF_SEEN_ANY, GF_E_TLS,
     "the server sent a malformed TLS record, or one over this build's input buffer "
     "(MBEDTLS_SSL_IN_CONTENT_LEN, " GF_STR(MBEDTLS_SSL_IN_CONTENT_LEN) " bytes)"},
#if MBEDTLS_VERSION_NUMBER < 0x03000000
    {MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE, -1, GF_SEEN_HANDSHAKE, GF_E_TLS_RECORD_SIZE,
     "the server split a handshake message over several TLS records (a certificate chain over "
     "16 KB?), which " GF_MBEDTLS_NAME " cannot join; builds with mbedTLS 3.6 can, up to "
     "MBEDTLS_SSL_IN_CONTENT_LEN"},
#endif
    {MBEDTLS_ERR_SSL_INVALID_MAC, -1, GF_SEEN_ANY, GF_E_TLS,
     "a TLS record from the server failed its integrity check"},
    {MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, -1, GF_SEEN_ANY, GF_E_TLS,
     "the server sent a TLS message out of order"},
    {MBEDTLS_ERR_SSL_CONN_EOF, -1, GF_SEEN_HANDSHAKE, GF_E_TLS,
     "the server closed the connection during the TLS handshake"},
    {MBEDTLS_ERR_SSL_ALLOC_FAILED, -1, GF_SEEN_ANY, GF_E_RESOURCES,
     "mbedTLS could not allocate memory for the connection"},
    {MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED, -1, GF_SEEN_ANY, GF_E_TLS_CA,
     "no CA certificates to verify the server with"},
    {MBEDTLS_ERR_SSL_TIMEOUT, -1, GF_SEEN_ANY, GF_E_IDLE_TIMEOUT, "the server went silent"},
    {MBEDTLS_ERR_NET_CONN_RESET, -1, GF_SEEN_ANY, GF_E_RESET, "the server reset the connection"},
    {0, -1, GF_SEEN_HANDSHAKE, GF_E_TLS, "the TLS handshake failed inside mbedTLS"},
    {0, -1, GF_SEEN_ANY, GF_E_TLS, "the TLS connection failed inside mbedTLS"},
};

/* Alert names (RFC 8446 section 6, RFC 5246 section 7.2) for the reason. */
static const char *alert_name(int alert)
{
    static const struct {
        uint8_t code;
        const char *name;
    } names[] = {
        {10, "unexpected_message"}, {20, "bad_record_mac"}, {22, "record_overflow"},
        {40, "handshake_failure"}, {42, "bad_certificate"}, {43, "unsupported_certificate"},
        {44, "certificate_revoked"}, {45, "certificate_expired"}, {46, "certificate_unknown"},
        {47, "illegal_parameter"}, {48, "unknown_ca"}, {49, "access_denied"},
        {50, "decode_error"}, {51, "decrypt_error"}, {70, "protocol_version"},
        {71, "insufficient_security"}, {80, "internal_error"}, {86, "inappropriate_fallback"},
        {109, "missing_extension"}, {110, "unsupported_extension"}, {112, "unrecognized_name"},
        {116, "certificate_required"}, {120, "no_application_protocol"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].code == alert)
            return names[i].name;
    }
    return NULL;
}

static bool cause_seen(const gf_tls *t, uint8_t seen, bool handshake)
{
    switch (seen) {
    case GF_SEEN_NO_HELLO:
        return !t->peek.hello;
    case GF_SEEN_PSS_SKE:
        return is_rsa_pss(t->peek.ske_sig);
    case GF_SEEN_NOT_TLS:
        return t->peek.not_tls;
    case GF_SEEN_HANDSHAKE:
        return handshake;
    default:
        return true;
    }
}

static const gf_tls_cause *cause_of(const gf_tls *t, int ret, bool handshake)
{
    size_t i = 0, n = sizeof(causes) / sizeof(causes[0]);
    for (; i + 1 < n; i++) {
        const gf_tls_cause *c = &causes[i];
        if ((c->ret == 0 || c->ret == ret) && (c->alert < 0 || c->alert == t->peek.alert) &&
            cause_seen(t, c->seen, handshake))
            return c;
    }
    return &causes[n - 1];
}

/* Map an mbedTLS error of a handshake, read or write to a gf_status, and
 * say why in t->reason. */
static gf_status failure(gf_tls *t, int ret, bool handshake)
{
    if (t->io_error != 0) {
        snprintf(t->reason, sizeof(t->reason), "%s", "the network failed under TLS");
        switch (t->io_error) {
        case GF_PORT_E_TIMEOUT:
            return GF_E_IDLE_TIMEOUT;
        case GF_PORT_E_RESET:
            return GF_E_RESET;
        default:
            return GF_E_NETWORK;
        }
    }
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
#if defined(MBEDTLS_ERR_SSL_BAD_CERTIFICATE)
        || ret == MBEDTLS_ERR_SSL_BAD_CERTIFICATE /* 3.x: refused by the usage checks */
#endif
    ) {
        snprintf(t->reason, sizeof(t->reason), "certificate refused");
        return verify_status(t);
    }
    const gf_tls_cause *c = cause_of(t, ret, handshake);
    const char *name = c->st == GF_E_TLS_ALERT ? alert_name(t->peek.alert) : NULL;
    if (c->ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && c->alert < 0 && name != NULL)
        snprintf(t->reason, sizeof(t->reason), "%s: %s (%d)", c->text, name, t->peek.alert);
    else if (c->ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && c->alert < 0)
        snprintf(t->reason, sizeof(t->reason), "%s (%s)", c->text,
                 t->peek.alert < 0 ? "sent encrypted, not readable" : "of an unknown kind");
    else if (c->ret == 0)
        snprintf(t->reason, sizeof(t->reason), "%s (mbedTLS error -0x%04X)", c->text,
                 (unsigned)-ret);
    else
        snprintf(t->reason, sizeof(t->reason), "%s", c->text);
    return c->st;
}

/* ---- Sessions ---------------------------------------------------------- */

/* A slot is in use while it holds a session or the TLS 1.2 fallback. */
static bool slot_used(const gf_tls_session *s) { return s->valid || s->tls12_no_pss; }

static int find_session(gf_tls *t, const char *host, uint16_t port)
{
    for (int i = 0; i < (int)GF_TLS_SESSIONS; i++) {
        if (slot_used(&t->sessions[i]) && t->sessions[i].port == port &&
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
            if (!slot_used(&t->sessions[i]))
                break;
            if (t->sessions[i].used < t->sessions[lru].used)
                lru = i;
        }
        if (i == (int)GF_TLS_SESSIONS)
            i = lru;
        t->sessions[i].valid = false;
        t->sessions[i].tls12_no_pss = false;
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

/* What this connection offers: everything, or for a host that needs it TLS
 * 1.2 only without RSA-PSS (tls.h). Set on the configuration before
 * mbedtls_ssl_setup or mbedtls_ssl_session_reset, which take the maximum
 * version from it; the context reads the signature list during the
 * handshake, and no other connection uses this configuration meanwhile. */
static void offer(gf_tls *t, bool lowered)
{
    t->lowered = lowered;
#if defined(GF_TLS_PSS_FALLBACK)
    mbedtls_ssl_conf_max_tls_version(&t->conf, lowered ? MBEDTLS_SSL_VERSION_TLS1_2
                                                       : GF_TLS_MAX_VERSION);
    mbedtls_ssl_conf_sig_algs(&t->conf, lowered ? sig_algs_no_pss : sig_algs);
#endif
}

/* The handshake failed: the TLS 1.2 fallback (tls.h) when it failed the way
 * mbedTLS 3.6.0 to 3.6.6 fail, after the server itself chose TLS 1.2 and
 * signed with RSA-PSS; any other failure is reported as it is. */
static gf_status handshake_failed(gf_tls *t, int ret, const char *host, uint16_t tcp_port)
{
    gf_status st = failure(t, ret, true);
#if defined(GF_TLS_PSS_FALLBACK)
    if (st == GF_E_TLS_SIGNATURE && ret == MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER && !t->lowered &&
        mbedtls_ssl_get_version_number(&t->ssl) == MBEDTLS_SSL_VERSION_TLS1_2 &&
        is_rsa_pss(t->peek.ske_sig)) {
        int slot = claim_slot(t, host, tcp_port);
        t->sessions[slot].tls12_no_pss = true;
        t->base.reconnect = true;
        size_t n = strlen(t->reason);
        snprintf(t->reason + n, sizeof(t->reason) - n,
                 "; connecting again, offering this server TLS 1.2 without RSA-PSS");
    } else if (t->lowered) {
        /* a server that signs TLS 1.2 with RSA-PSS only: no build can reach it */
        size_t n = strlen(t->reason);
        snprintf(t->reason + n, sizeof(t->reason) - n,
                 "; offered TLS 1.2 without RSA-PSS, which " GF_MBEDTLS_NAME
                 " refuses in TLS 1.2");
    }
#else
    (void)host;
    (void)tcp_port;
#endif
    return st;
}

static gf_status tls_open(struct gf_tls *t, const gf_port *port, int32_t handle, const char *host,
                          uint16_t tcp_port, uint32_t idle_ms, uint64_t deadline_at)
{
    int ret;
    t->base.reconnect = false;
    if (!t->ready) {
        snprintf(t->reason, sizeof(t->reason), "TLS is not set up");
        return GF_E_TLS;
    }
    if (t->verify && !t->has_ca) {
        snprintf(t->reason, sizeof(t->reason), "no CA certificates to verify the server with");
        return GF_E_TLS_CA;
    }
    int slot = find_session(t, host, tcp_port);
    offer(t, slot >= 0 && t->sessions[slot].tls12_no_pss);
    peek_start(&t->peek);
    t->io_error = 0;
    if (!t->ssl_ready) {
        if ((ret = mbedtls_ssl_setup(&t->ssl, &t->conf)) != 0)
            return failure(t, ret, false);
        t->ssl_ready = true;
    } else if ((ret = mbedtls_ssl_session_reset(&t->ssl)) != 0) {
        return failure(t, ret, false);
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
        return failure(t, ret, false);
    mbedtls_ssl_set_verify(&t->ssl, t->ip_host != NULL ? verify_ip_name : NULL, t);

    if (slot >= 0 && t->sessions[slot].valid)
        mbedtls_ssl_set_session(&t->ssl, &t->sessions[slot].session);

    while ((ret = mbedtls_ssl_handshake(&t->ssl)) != 0) {
        bool again = ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE;
        if (took_ticket(t, ret))
            continue;
        if (!again) {
            t->ip_host = NULL;
            return handshake_failed(t, ret, host, tcp_port);
        }
        if (!may_wait_again(t)) {
            t->ip_host = NULL;
            return GF_E_IDLE_TIMEOUT;
        }
    }
    t->ip_host = NULL; /* the caller's string: only used during the handshake */
    t->peek.off = true;
    t->handshakes++;
    t->open = true;

#if defined(GF_TLS13)
    t->tls13 = mbedtls_ssl_get_version_number(&t->ssl) == MBEDTLS_SSL_VERSION_TLS1_3;
#endif
    t->session_slot = claim_slot(t, host, tcp_port);
    if (!t->tls13)
        keep_session(t); /* TLS 1.3: the tickets come later, in tls_recv */
    snprintf(t->reason, sizeof(t->reason), "%s %s%s", mbedtls_ssl_get_version(&t->ssl),
             mbedtls_ssl_get_ciphersuite(&t->ssl),
             t->lowered ? " (TLS 1.2 without RSA-PSS for this server)" : "");
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
            return failure(t, ret, false);
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
            return failure(t, ret, false);
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
#if defined(GF_TLS_PSS_FALLBACK)
    mbedtls_ssl_conf_sig_algs(&t->conf, sig_algs);
#endif
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

const char *gf_tls_library(void)
{
    return "mbedTLS " GF_STR(MBEDTLS_VERSION_MAJOR) "." GF_STR(MBEDTLS_VERSION_MINOR) "." GF_STR(
        MBEDTLS_VERSION_PATCH) ", TLS 1.2"
#if defined(GF_TLS13)
                               " and 1.3"
#endif
        ;
}
