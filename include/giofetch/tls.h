/*
 * giofetch TLS: mbedTLS as a transport under the HTTP engine. The only
 * public header that includes mbedTLS; works with mbedTLS 2.28 and 3.x.
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
 * Verification is required: the chain must end at a CA given with
 * gf_tls_add_ca and the certificate must name the host of the URL (also
 * sent as SNI). Sessions are remembered per host and port and resumed.
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

/* One remembered session (private). */
typedef struct gf_tls_session {
    bool valid;
    uint16_t port;
    uint32_t used;           /* for least-recently-used replacement */
    char host[GF_HOST_MAX];
    mbedtls_ssl_session session;
} gf_tls_session;

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
    uint32_t clock;
    int session_slot;        /* slot of the open connection's host, or -1   */
    unsigned handshakes;     /* handshakes done (for tests and -v)          */
    char reason[192];
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
 * 1.2+ client configuration with verification required.
 * Returns GF_OK, GF_E_TLS (no entropy, or mbedTLS refused the setup) or
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

/* How many CA certificates are loaded. */
size_t gf_tls_ca_count(const gf_tls *tls);

/*
 * Turn certificate verification off. For tests against throwaway servers
 * only; no command-line option reaches it.
 */
void gf_tls_insecure_for_tests(gf_tls *tls);

/* Free everything mbedTLS allocated. Safe on NULL and twice. */
void gf_tls_free(gf_tls *tls);

#ifdef __cplusplus
}
#endif

#endif /* GIOFETCH_TLS_H */
