/*
 * mbedTLS 3.6 configuration for giofetch on a Cortex-M4: the client of
 * mbedtls_config.h (2.28), plus TLS 1.3 and what 3.6 needs for it. Named by
 * -DMBEDTLS_CONFIG_FILE='"mbedtls_config_36.h"' (make firmware-test
 * FW_MBEDTLS=3.6).
 *
 * Beyond the 2.28 configuration:
 * - TLS 1.3 (ephemeral key exchange, and PSK-ephemeral for resumption with
 *   tickets) with its three AEAD suites, ChaCha20-Poly1305 first.
 * - PSA crypto, which TLS 1.3 is built on. Its random generator comes from
 *   the board (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG: the application supplies
 *   mbedtls_psa_external_get_random(), usually its TRNG); giofetch's own
 *   CTR-DRBG is still seeded from gf_port.entropy.
 * - HKDF (TLS 1.3's key schedule) and the peer certificate kept (TLS 1.3
 *   needs it).
 * TLS 1.3, PSA crypto, HKDF and the kept certificate come with the client
 * part shared with the router (port/openwrt/gf_mbedtls_client.h) under 3.x;
 * this file adds the board's PSA random source and the suite list.
 */
#ifndef GF_FW_MBEDTLS_CONFIG_36_H
#define GF_FW_MBEDTLS_CONFIG_36_H

/* ---- PSA: the board's random generator ------------------------------------ */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8

/* ---- TLS 1.3 suites first, then the 1.2 ones of mbedtls_config.h ------------ */
#define MBEDTLS_SSL_CIPHERSUITES                                  \
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,                      \
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,                            \
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                            \
    GF_FW_TLS12_SUITES
#define MBEDTLS_PK_WRITE_C

/* TLS 1.3 itself (PSA crypto, HKDF, SHA-224/384 apart, the peer certificate
 * kept) comes with the shared client part under 3.x. */
#include "mbedtls_config.h"

#endif
