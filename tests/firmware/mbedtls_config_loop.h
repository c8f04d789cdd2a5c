/*
 * mbedTLS configuration of the TLS loop image (tls_loop_main.c): the
 * board's client configuration plus a server, for the in-image peer, and
 * the calloc/free hook that counts mbedTLS's heap. Not for a board.
 *
 * Records: a 4 KB input buffer, as on a board short of RAM, and a 16 KB
 * output buffer, so that the in-image server sends records over 4 KB unless
 * the client's max_fragment_length asks for less (the client and the server
 * share this configuration).
 */
#ifndef GF_FW_MBEDTLS_CONFIG_LOOP_H
#define GF_FW_MBEDTLS_CONFIG_LOOP_H

#define MBEDTLS_SSL_IN_CONTENT_LEN 4096
#define MBEDTLS_SSL_OUT_CONTENT_LEN 16384
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY

#ifndef GF_FW_LOOP_BASE /* the board configuration under it */
#define GF_FW_LOOP_BASE "mbedtls_config.h"
#endif
#include GF_FW_LOOP_BASE

#endif
