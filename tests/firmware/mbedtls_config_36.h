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
 */
#ifndef GF_FW_MBEDTLS_CONFIG_36_H
#define GF_FW_MBEDTLS_CONFIG_36_H

/* ---- PSA ------------------------------------------------------------------- */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8

/* ---- TLS 1.3 ------------------------------------------------------------------- */
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_CIPHERSUITES                                  \
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,                      \
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,                            \
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                            \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,        \
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,          \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,              \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,              \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
#define MBEDTLS_PK_WRITE_C

/* ---- hashes: 3.x names SHA-224 and SHA-384 apart; HKDF for TLS 1.3 ---------- */
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_HKDF_C

#include "mbedtls_config.h"

#endif
