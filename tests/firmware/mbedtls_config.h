/*
 * mbedTLS configuration for giofetch on a Cortex-M4 (named by
 * -DMBEDTLS_CONFIG_FILE='"mbedtls_config.h"' when mbedTLS and the giofetch
 * glue are compiled). A TLS 1.2 client and nothing else: the forward-secret
 * AEAD suites that src/tls_mbedtls.c offers (ECDHE with ChaCha20-Poly1305 or
 * AES-GCM), ECDSA and RSA certificates, plus MD5, base64 and HMAC-SHA256 for
 * the crypto glue (src/crypto_mbedtls.c).
 *
 * Choices a board makes differently from Debian's desktop build:
 * - no clock: certificate dates are not checked (MBEDTLS_HAVE_TIME_DATE
 *   off); a board with a trusted RTC turns MBEDTLS_HAVE_TIME and
 *   MBEDTLS_HAVE_TIME_DATE on and supplies the time.
 * - no mbedtls_entropy: the giofetch glue seeds CTR-DRBG from gf_port.entropy
 *   (the board's TRNG), so no entropy poll function is needed.
 * - tables in flash, smaller SHA and ECP code, no error strings, a 4 KB
 *   output record buffer (requests are small; the input buffer stays at
 *   16 KB because servers send full-size records unless the client asks
 *   for smaller ones with max_fragment_length: a board short of RAM sets
 *   MBEDTLS_SSL_IN_CONTENT_LEN to 4096 and giofetch asks for 4 KB records,
 *   as the TLS loop image does; see include/giofetch/tls.h).
 *
 * The client's features are port/openwrt/gf_mbedtls_client.h, which the
 * router's configuration shares; this file makes the board's choices and
 * then includes it. Written for mbedTLS 2.28 (Debian's); under
 * mbedtls_config_36.h the shared part adds TLS 1.3 and what it needs, and
 * that file the board's PSA random source.
 */
#ifndef GF_FW_MBEDTLS_CONFIG_H
#define GF_FW_MBEDTLS_CONFIG_H

/* ---- platform: no clock, the board's TRNG through gf_port.entropy ------------ */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_ECP_WINDOW_SIZE 2
/* The TLS 1.2 suites src/tls_mbedtls.c offers; mbedtls_config_36.h puts
 * the TLS 1.3 ones before them (a macro expands where it is used, so that
 * file may name this one before it is defined). */
#define GF_FW_TLS12_SUITES                                        \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,        \
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,          \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,              \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,              \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
#ifndef MBEDTLS_SSL_CIPHERSUITES
#define MBEDTLS_SSL_CIPHERSUITES GF_FW_TLS12_SUITES
#endif

/* The TLS client itself, shared with the router's configuration. */
#include "../../port/openwrt/gf_mbedtls_client.h"

/* mbedTLS 2.x checks the combination here; 3.x does it in build_info.h,
 * which defines MBEDTLS_VERSION_NUMBER before it includes this file. */
#if !defined(MBEDTLS_VERSION_NUMBER)
#include "mbedtls/check_config.h"
#endif

#endif
