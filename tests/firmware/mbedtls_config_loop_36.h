/*
 * mbedTLS 3.6 configuration of the TLS loop image: mbedtls_config_loop.h on
 * top of the 3.6 board configuration.
 */
#ifndef GF_FW_MBEDTLS_CONFIG_LOOP_36_H
#define GF_FW_MBEDTLS_CONFIG_LOOP_36_H

#define GF_FW_LOOP_BASE "mbedtls_config_36.h"
#include "mbedtls_config_loop.h"

#endif
