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
 * Written for mbedTLS 2.28 (Debian's); mbedtls_config_36.h adds what 3.6
 * needs (PSA, TLS 1.3) on top of it.
 */
#ifndef GF_FW_MBEDTLS_CONFIG_H
#define GF_FW_MBEDTLS_CONFIG_H

/* ---- platform -------------------------------------------------------------- */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_DEPRECATED_REMOVED

/* ---- TLS ----------------------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH /* asked for when the input buffer is below 16 KB */
#ifndef MBEDTLS_SSL_IN_CONTENT_LEN
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#endif
#ifndef MBEDTLS_SSL_OUT_CONTENT_LEN
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#endif
#ifndef MBEDTLS_SSL_CIPHERSUITES
#define MBEDTLS_SSL_CIPHERSUITES                                  \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,        \
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,          \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,              \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,              \
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
#endif

/* ---- certificates ---------------------------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* ---- public key ---------------------------------------------------------- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA up to 4096 bits */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0

/* ---- symmetric ----------------------------------------------------------- */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CTR_DRBG_C

/* ---- hashes ----------------------------------------------------------------- */
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_C /* SHA-384 suites and signatures */
#define MBEDTLS_SHA512_SMALLER

/* ---- size ------------------------------------------------------------------- */
#define MBEDTLS_ERROR_STRERROR_DUMMY

/* mbedTLS 2.x checks the combination here; 3.x does it in build_info.h,
 * which defines MBEDTLS_VERSION_NUMBER before it includes this file. */
#if !defined(MBEDTLS_VERSION_NUMBER)
#include "mbedtls/check_config.h"
#endif

#endif
