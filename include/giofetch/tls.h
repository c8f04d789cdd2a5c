/*
 * giofetch TLS: mbedTLS as a transport under the HTTP engine. The only
 * public header that includes mbedTLS; works with mbedTLS 2.28 LTS and 3.6
 * LTS (guarded by MBEDTLS_VERSION_NUMBER).
 *
 *     gf_tls tls;
 *     gf_tls_init(&tls);
 *     if (gf_tls_setup(&tls, &port) != GF_OK ||
 *         gf_tls_add_ca(&tls, ca_pem, ca_pem_len) != GF_OK) ...
 *     gf_client_init(&cl, &port, &tls);
 *     ...
 *     gf_client_free(&cl);
 *     gf_tls_free(&tls);
 *
 * Protocol: TLS 1.2, and TLS 1.3 where the library has it
 * (MBEDTLS_SSL_PROTO_TLS1_3, on by default in 3.6). Suites: ChaCha20-Poly1305
 * first, then AES-GCM, forward secret only; groups X25519, P-256, P-384.
 *
 * Verification is required: the chain must end at a CA given with
 * gf_tls_add_ca and the certificate must name the host of the URL. A DNS
 * name is sent as SNI. An IP literal is not (RFC 6066 section 3) and is
 * matched against the certificate's iPAddress subjectAltName: mbedTLS 3.5
 * and later can; on 2.28, which compares names only, an IP literal always
 * fails with GF_E_TLS_NAME (address servers by name there).
 *
 * Sessions are remembered per host and port and resumed: TLS 1.2 session
 * IDs and tickets, TLS 1.3 tickets (they arrive after the handshake; the
 * latest one is kept).
 *
 * Record size: TLS lets a server send 16 KB records, and mbedTLS needs
 * each whole in its input buffer (MBEDTLS_SSL_IN_CONTENT_LEN). With a
 * smaller buffer, the client asks for records that fit with
 * max_fragment_length (RFC 6066, TLS 1.2; needs
 * MBEDTLS_SSL_MAX_FRAGMENT_LENGTH) and speaks TLS 1.2 only, since mbedTLS's
 * TLS 1.3 has no such extension unless MBEDTLS_SSL_RECORD_SIZE_LIMIT
 * (RFC 8449) is compiled in. A server that still sends a record over the
 * buffer ends the connection with GF_E_TLS_RECORD_SIZE.
 *
 * mbedTLS 3.6.0 to 3.6.6 (upstream issue 10668): a client that offers TLS
 * 1.3 sends one signature_algorithms list for both versions (RFC 8446
 * section 4.2.3), RSA-PSS included, since TLS 1.3 needs it for RSA
 * certificates (section 4.4.3). A TLS 1.2 server may then sign its
 * ServerKeyExchange with RSA-PSS (OpenSSL, GnuTLS and Go do), which these
 * versions refuse in TLS 1.2. The glue notices exactly that failure: the
 * server chose TLS 1.2, signed with RSA-PSS (read from the record it sent)
 * and mbedTLS failed the handshake there. It then asks the engine for one
 * more connection (gf_secure.reconnect), offers that host and port TLS 1.2
 * only with a signature list without RSA-PSS, and keeps doing so for the
 * life of the context (in the host's session slot). Any other failure, and
 * a server that chose TLS 1.3, leave the offer as it is; a fixed library
 * never fails that way, so nothing changes there, nor on 2.28 (no TLS 1.3,
 * no RSA-PSS offered).
 *
 * Failures: every handshake failure gets a gf_status and a reason
 * (gf_tls.reason, shown by describe()) in giofetch's own words, from
 * mbedTLS's error code and the alert the server sent (read from the wire,
 * so builds without MBEDTLS_ERROR_C say the same): the TLS version the
 * server needs (GF_E_TLS_VERSION), nothing in common (GF_E_TLS_NO_SHARED),
 * the server's signature refused (GF_E_TLS_SIGNATURE), a record or
 * handshake message over this build's buffer (GF_E_TLS_RECORD_SIZE, naming
 * MBEDTLS_SSL_IN_CONTENT_LEN), certificate causes, other alerts by name.
 *
 * mbedTLS 3.x, PSA: gf_tls_setup calls psa_crypto_init(), which sets up one
 * state for the whole process and counts nothing. giofetch counts its set-up
 * contexts, and gf_tls_free of the last one calls mbedtls_psa_crypto_free().
 * Set up and free contexts from one thread at a time. An application that
 * uses PSA itself, outside giofetch, builds with GF_TLS_KEEP_PSA=1 and ends
 * PSA on its own.
 */
#ifndef GIOFETCH_TLS_H
#define GIOFETCH_TLS_H

#include "giofetch/giofetch.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1: never call mbedtls_psa_crypto_free(); the application ends PSA itself.
 * Default 0: the last gf_tls_free ends it (mbedTLS 3.x only). */
#ifndef GF_TLS_KEEP_PSA
#define GF_TLS_KEEP_PSA 0
#endif

/* One remembered host and port (private): its session, and whether it
 * gets TLS 1.2 without RSA-PSS (see "mbedTLS 3.6.0 to 3.6.6" above). */
typedef struct gf_tls_session {
    bool valid;              /* session holds a session to resume           */
    bool tls12_no_pss;       /* offer this host TLS 1.2 without RSA-PSS     */
    uint16_t port;
    uint32_t used;           /* for least-recently-used replacement */
    char host[GF_HOST_MAX];
    mbedtls_ssl_session session;
} gf_tls_session;

/* What the glue reads of the server's records while they are plaintext
 * (private): the alert that ended a handshake, and how the server signed
 * its TLS 1.2 key exchange. */
typedef struct gf_tls_peek {
    uint8_t hdr[5];          /* the record header being read                */
    uint8_t hdr_len;
    uint8_t hs_head;         /* handshake message header bytes read (of 4)  */
    uint8_t hs_type;
    uint8_t point_len;       /* ServerKeyExchange: the ECDH point's length  */
    uint16_t rec_left;       /* bytes of the current record still to come   */
    uint16_t rec_pos;
    uint32_t hs_left;        /* bytes of the current handshake message      */
    uint32_t hs_pos;
    uint16_t ske_sig;        /* TLS 1.2 ServerKeyExchange signature scheme  */
    int16_t alert;           /* description of the last alert read, or -1   */
    bool hello;              /* a ServerHello arrived                       */
    bool not_tls;            /* the server's bytes were not a TLS record    */
    bool ccs;                /* ChangeCipherSpec: handshake now encrypted   */
    bool off;                /* encrypted from here on: nothing to read     */
} gf_tls_peek;

/* TLS state for one client: configuration, CA chain, RNG, one connection.
 * Fields are private; the struct is visible so the caller can own it. */
typedef struct gf_tls {
    gf_secure base;          /* first: the engine reaches it through this   */
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_context ssl;
    const gf_port *port;
    int32_t handle;
    uint32_t idle_ms;        /* the operation under way: longest wait       */
    uint64_t deadline_at;    /* ... and its end (now_ms value; 0: none)     */
    uint64_t op_start;
    int32_t io_error;        /* last port error seen by the BIO callbacks   */
    bool ready;              /* gf_tls_setup succeeded                      */
    bool ssl_ready;          /* ssl is set up on conf                       */
    bool open;
    bool has_ca;
    bool verify;
    bool psa_held;           /* this context counts in PSA's users          */
    bool tls13;              /* the open connection speaks TLS 1.3          */
    const char *ip_host;     /* during a handshake: the IP literal to check */
    uint32_t clock;
    int session_slot;        /* slot of the open connection's host, or -1   */
    unsigned handshakes;     /* handshakes done (for tests and -v)          */
    bool lowered;            /* this connection: TLS 1.2 without RSA-PSS    */
    gf_tls_peek peek;
    char reason[256];
    gf_tls_session sessions[GF_TLS_SESSIONS];
} gf_tls;

/* Zero the state. Returns GF_OK, or GF_E_CONFIG when the program was built
 * with other limits than the library (gf_tls's size follows GF_TLS_SESSIONS
 * and GF_HOST_MAX; see GF_CONFIG_ID): then only the first field is written,
 * gf_tls_setup and gf_tls_add_ca return GF_E_CONFIG, gf_tls_free does
 * nothing. A macro, like gf_client_init, so that the size is the caller's. */
#define gf_tls_init(tls) gf_tls_init_for((tls), sizeof(gf_tls), GF_CONFIG_ID)
gf_status gf_tls_init_for(gf_tls *tls, size_t size, uint32_t config_id);

/*
 * Seed the RNG (CTR-DRBG) from the port's entropy function and set up a TLS
 * client configuration (TLS 1.2, and 1.3 where the library has it) with
 * verification required. On mbedTLS 3.x it also starts PSA crypto.
 * Returns GF_OK, GF_E_TLS (no entropy, PSA or mbedTLS refused the setup) or
 * GF_E_CONFIG (see gf_tls_init).
 */
gf_status gf_tls_setup(gf_tls *tls, const gf_port *port);

/*
 * Add trusted CA certificates: PEM (one or many, with or without the final
 * NUL) or one DER certificate. Certificates a bundle holds that mbedTLS
 * cannot parse are skipped as long as one was added.
 * Returns GF_OK, GF_E_TLS_CA or GF_E_CONFIG (see gf_tls_init).
 */
gf_status gf_tls_add_ca(gf_tls *tls, const unsigned char *buf, size_t len);

/*
 * Trust the CA certificates loaded into another context instead of loading
 * them again: several connections at once (one context each) share one
 * parsed chain. Call after gf_tls_setup; from must outlive tls and get no
 * more CAs while tls uses them. Verification only reads the chain, but
 * mbedTLS caches a value in an RSA key the first time it is used: when
 * mbedTLS is built without MBEDTLS_THREADING_C, contexts sharing a chain
 * must not be used by two threads at once.
 * Returns GF_OK, or GF_E_TLS_CA when from holds no CA certificate.
 */
gf_status gf_tls_use_ca(gf_tls *tls, gf_tls *from);

/* How many CA certificates are loaded. */
size_t gf_tls_ca_count(const gf_tls *tls);

/*
 * Turn certificate verification off. For tests against throwaway servers
 * only; no command-line option reaches it.
 */
void gf_tls_insecure_for_tests(gf_tls *tls);

/* Free everything mbedTLS allocated (and, for the last context, PSA's
 * state; see above). Safe on NULL and twice. */
void gf_tls_free(gf_tls *tls);

/*
 * Taking turns inside mbedTLS. An mbedTLS built without
 * MBEDTLS_THREADING_C (OpenWrt's default), and the PSA core of 3.0-3.5,
 * must not be entered by two threads at once, even with a context each
 * (the PSA key store and RNG are global; a shared CA chain caches values in
 * its RSA keys). An application that runs several gf_tls contexts in
 * several threads there sets a lock once, before the threads start, as it
 * would with mbedtls_threading_set_alt: the glue then calls take() before
 * every call into mbedTLS (handshake, read, write, close, setup, free) and
 * give() after it, and gives the turn away while the port waits for the
 * network, so the waits (and MD5, disk writes, everything outside mbedTLS)
 * still overlap. take and give must both be set, or both NULL (the default:
 * no turns, for a single thread or an mbedTLS built with threads). Not
 * itself thread-safe: set it while no context is in use.
 */
typedef void gf_tls_turn_fn(void *user);
void gf_tls_set_turns(gf_tls_turn_fn *take, gf_tls_turn_fn *give, void *user);

/* The mbedTLS version giofetch was compiled with and the TLS versions it
 * speaks, e.g. "mbedTLS 3.6.6, TLS 1.2 and 1.3". A static string. */
const char *gf_tls_library(void);

#ifdef __cplusplus
}
#endif

#endif /* GIOFETCH_TLS_H */
