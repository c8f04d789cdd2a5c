/*
 * mbedTLS 3.6 configuration of the TLS loop image: as mbedtls_config_loop.h
 * (a 4 KB input buffer, a 16 KB output buffer, a server, the counting
 * calloc/free hook) on top of the 3.6 board configuration.
 */
#ifndef GF_FW_MBEDTLS_CONFIG_LOOP_36_H
#define GF_FW_MBEDTLS_CONFIG_LOOP_36_H

#define MBEDTLS_SSL_IN_CONTENT_LEN 4096
#define MBEDTLS_SSL_OUT_CONTENT_LEN 16384
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY

#include "mbedtls_config_36.h"

#endif
