/*
 * A TLS 1.2 server inside the firmware image, behind a port of its own: the
 * bytes giofetch sends go to an mbedTLS server context in the same program,
 * and what that server writes is what giofetch receives. The server runs
 * when giofetch waits for bytes. It serves one HTTP response per
 * connection, for any request. Certificates come from the build
 * (tests/edge/loop_certs.sh): a CA, and a server certificate for
 * files.example signed by it.
 *
 * mbedTLS's heap use is counted per side through
 * mbedtls_platform_set_calloc_free (MBEDTLS_PLATFORM_MEMORY).
 */
#ifndef FW_TLS_LOOP_H
#define FW_TLS_LOOP_H

#include "giofetch/port.h"

#include <stdbool.h>
#include <stddef.h>

enum { TLS_LOOP_CLIENT = 0, TLS_LOOP_SERVER = 1 };

typedef struct tls_loop_heap {
    size_t now, peak, calls;
} tls_loop_heap;

extern tls_loop_heap tls_loop_heap_of[2];

/* The port to hand to gf_client_init (and gf_tls_setup). */
extern const gf_port tls_loop_port;

/* Set up the server to answer with response[0..len) (an HTTP response,
 * head and body). Returns 0 or an mbedTLS error code. */
int tls_loop_start(const void *response, size_t len);
/* The server's view: handshake done, request received, its last error. */
/* For the next tls_loop_start: answer the request with a raw record header
 * of len bytes and len bytes of junk, as a server that ignores
 * max_fragment_length. */
void tls_loop_raw_record(size_t len);
/* The max_fragment_length code in the client's ClientHello (1..4: 512..4096
 * bytes), 0 when it has none, -1 when the hello was not seen. */
int tls_loop_client_mfl(void);
bool tls_loop_handshake_done(void);
const char *tls_loop_request(void);
int tls_loop_error(void);
/* The CA certificate that signed the server's (PEM, NUL included). */
extern const char tls_loop_ca_pem[];
extern const size_t tls_loop_ca_pem_size;
void tls_loop_stop(void);

#endif
