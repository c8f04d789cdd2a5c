/*
 * The TLS-client feature set of mbedTLS that giofetch needs, shared by the
 * router configuration (gf_mbedtls_config.h, beside this file) and the
 * Cortex-M4 ones (tests/firmware/mbedtls_config*.h). Included by those
 * files, never named by MBEDTLS_CONFIG_FILE itself: each of them first
 * makes its platform's choices (clock, entropy, window sizes, suite list),
 * then includes this, then has mbedTLS 2.x check the whole.
 *
 * Record buffers: a 16 KB input record (servers send full-size records
 * unless max_fragment_length asks for less) and a 4 KB output record
 * (requests are small), unless the including file set them first.
 *
 * mbedTLS 3.x (its build_info.h defines MBEDTLS_VERSION_MAJOR before it
 * includes the configuration; 2.28 does not) adds the TLS 1.3 client on
 * PSA crypto: ephemeral key exchange, and PSK-ephemeral for resumption with
 * tickets; HKDF for its key schedule; the peer certificate kept (TLS 1.3
 * needs it); SHA-224 and SHA-384 named apart from SHA-256 and SHA-512.
 */
#ifndef GF_MBEDTLS_CLIENT_H
#define GF_MBEDTLS_CLIENT_H

/* ---- platform ------------------------------------------------------------- */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_DEPRECATED_REMOVED

/* ---- TLS ------------------------------------------------------------------ */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH /* asked for when the input buffer is below 16 KB */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#ifndef MBEDTLS_SSL_IN_CONTENT_LEN
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#endif
#ifndef MBEDTLS_SSL_OUT_CONTENT_LEN
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#endif

#if defined(MBEDTLS_VERSION_MAJOR) && MBEDTLS_VERSION_MAJOR >= 3
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_HKDF_C
#endif

/* ---- certificates --------------------------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* ---- public key (the window sizes are the platform's) --------------------- */
#define MBEDTLS_BIGNUM_C
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
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0

/* ---- symmetric ------------------------------------------------------------ */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CTR_DRBG_C

/* ---- hashes --------------------------------------------------------------- */
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_C /* SHA-384: suites and signatures */
#define MBEDTLS_SHA512_SMALLER
#if defined(MBEDTLS_VERSION_MAJOR) && MBEDTLS_VERSION_MAJOR >= 3
#define MBEDTLS_SHA224_C /* SHA-256's code needs its SHA-224 half */
#define MBEDTLS_SHA384_C
#endif

/* ---- size ----------------------------------------------------------------- */
#define MBEDTLS_ERROR_STRERROR_DUMMY

#endif
