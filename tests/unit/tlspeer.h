/* An in-process mbedTLS server for the TLS glue's unit tests (tlspeer.c):
 * the port it stands behind, its CA, what it saw. */
#ifndef GF_TLSPEER_H
#define GF_TLSPEER_H

#include "giofetch/port.h"

#include <mbedtls/ssl.h> /* the configuration: which parts this mbedTLS has */

/* The peer needs a TLS server with SNI (it picks its certificate there),
 * the X.509 writer and ECDSA keys. A client-only mbedTLS (the router
 * build's, port/openwrt) has none of them: there the tls_glue suite is
 * skipped, and the TLS glue is tested end to end only. */
#if defined(MBEDTLS_SSL_SRV_C) && defined(MBEDTLS_X509_CRT_WRITE_C) &&                    \
    defined(MBEDTLS_PEM_WRITE_C) && defined(MBEDTLS_ECDSA_C) && defined(MBEDTLS_CTR_DRBG_C) && \
    defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
#define TLSPEER_AVAILABLE 1
#else
#define TLSPEER_AVAILABLE 0
#endif

#include <stdbool.h>
#include <stddef.h>

/* The name its certificate is for; any port but 443 is refused. */
#define TLSPEER_HOST "files.example"

typedef struct tlspeer_stats {
    unsigned connects, handshakes;
    int error;                    /* the server's last mbedTLS error      */
    char request[512];            /* the request it read (head)           */
    unsigned port_calls;          /* the client's sends and receives      */
    const bool *in_turn;          /* when set: *in_turn during a port call */
    unsigned waits_in_turn;       /* ... counts here                      */
} tlspeer_stats;

/* The certificate it shows: valid now, expired (2001), or valid only from
 * 2048 on, all for TLSPEER_HOST and signed by its CA. */
enum { TLSPEER_LEAF_VALID, TLSPEER_LEAF_EXPIRED, TLSPEER_LEAF_FUTURE, TLSPEER_LEAVES };

/* How the peer misbehaves from the next connection on, until the next
 * tlspeer_answer (all zero: it does not). */
typedef struct tlspeer_fault {
    /* Answer the ClientHello with these bytes instead of TLS; after them
     * the connection ends (receives return 0) or fails with recv_error. */
    const unsigned char *raw;
    size_t raw_len;
    /* The client's sends and receives return these port errors (0: none),
     * from the first one on, or with after_handshake only sends once the
     * server's handshake is done (the request's) and receives once it has
     * read the request (the response's). */
    int32_t send_error, recv_error;
    bool after_handshake;
    bool tls12;       /* the server speaks TLS 1.2 only                     */
    int leaf;         /* TLSPEER_LEAF_*                                     */
} tlspeer_fault;

/* Make the PKI and the server (once). 0, or an mbedTLS error. */
int tlspeer_start(void);
/* The PEM (NUL-terminated) of the CA that signed its certificate, and of
 * another CA that did not. */
const char *tlspeer_ca_pem(void);
const char *tlspeer_other_ca_pem(void);
/* Answer the next connection's request with response (an HTTP response),
 * then close_notify; clears the stats and any fault. */
void tlspeer_answer(const char *response);
tlspeer_stats *tlspeer_seen(void);
/* Misbehave as *fault says (copied) from the next connection on. */
void tlspeer_misbehave(const tlspeer_fault *fault);
void tlspeer_stop(void);

extern const gf_port tlspeer_port;

#endif
