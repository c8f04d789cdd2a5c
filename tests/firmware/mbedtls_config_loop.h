/*
 * mbedTLS configuration of the TLS loop image (tls_loop_main.c): the
 * board's client configuration plus a server, for the in-image peer, and
 * the calloc/free hook that counts mbedTLS's heap. Not for a board.
 */
#ifndef GF_FW_MBEDTLS_CONFIG_LOOP_H
#define GF_FW_MBEDTLS_CONFIG_LOOP_H

#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY

#include "mbedtls_config.h"

#endif
