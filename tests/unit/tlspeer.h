/* An in-process mbedTLS server for the TLS glue's unit tests (tlspeer.c):
 * the port it stands behind, its CA, what it saw. */
#ifndef GF_TLSPEER_H
#define GF_TLSPEER_H

#include "giofetch/port.h"

#include <mbedtls/ssl.h> /* the configuration: which parts this mbedTLS has */

/* The peer needs a TLS server, the X.509 writer and ECDSA keys. A client-only
 * mbedTLS (the router build's, port/openwrt) has none of them: there the
 * tls_glue suite is skipped, and the TLS glue is tested end to end only. */
#if defined(MBEDTLS_SSL_SRV_C) && defined(MBEDTLS_X509_CRT_WRITE_C) &&                    \
    defined(MBEDTLS_PEM_WRITE_C) && defined(MBEDTLS_ECDSA_C) && defined(MBEDTLS_CTR_DRBG_C)
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

/* Make the PKI and the server (once). 0, or an mbedTLS error. */
int tlspeer_start(void);
/* The PEM (NUL-terminated) of the CA that signed its certificate, and of
 * another CA that did not. */
const char *tlspeer_ca_pem(void);
const char *tlspeer_other_ca_pem(void);
/* Answer the next connection's request with response (an HTTP response),
 * then close_notify; clears the stats. */
void tlspeer_answer(const char *response);
tlspeer_stats *tlspeer_seen(void);
void tlspeer_stop(void);

extern const gf_port tlspeer_port;

#endif
