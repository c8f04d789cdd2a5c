/*
 * mbedTLS configuration for a static giofetch on a router (musl, OpenWrt-
 * like): what a TLS client that fetches files needs, and nothing else.
 * mbedTLS and giofetch are both compiled with
 *     -I port/openwrt -DMBEDTLS_CONFIG_FILE='"gf_mbedtls_config.h"'
 * (`make LIBC=musl` does this; the structs in mbedTLS's headers depend on
 * the configuration, so the two must agree). One file serves mbedTLS 2.28
 * and 3.6: 3.6's build_info.h defines MBEDTLS_VERSION_MAJOR before it
 * includes this file, 2.28 does not.
 *
 * What is in:
 * - the TLS 1.2 client, and on 3.6 the TLS 1.3 client (full handshake and
 *   resumption with tickets); SNI, extended master secret, session tickets,
 *   max_fragment_length;
 * - the suites src/tls_mbedtls.c offers: ECDHE-ECDSA and ECDHE-RSA with
 *   ChaCha20-Poly1305 or AES-GCM (TLS 1.3: the same AEADs), groups X25519,
 *   P-256 and P-384;
 * - X.509 parsing and verification (PEM and DER; RSA up to 4096 bits,
 *   RSA-PSS, ECDSA; SHA-256/384 signatures), with certificate dates checked
 *   against the system clock;
 * - MD5, SHA-256 with HMAC and base64 for the crypto glue
 *   (src/crypto_mbedtls.c), CTR-DRBG seeded by the port's entropy.
 *
 * What is out: the server side, DTLS, CBC and static-RSA suites, SHA-1 and
 * older hashes, DES, CCM, CMAC, key and certificate writing, mbedTLS's own
 * file and socket I/O (giofetch reads CA files and owns its sockets),
 * self-tests, test certificates, debug output and error strings
 * (mbedtls_strerror() gives an empty text; giofetch names every failure
 * itself).
 *
 * Buffers: a 16 KB input record (servers send full-size records) and a
 * 4 KB output record (requests are small).
 */
#ifndef GF_MBEDTLS_CONFIG_H
#define GF_MBEDTLS_CONFIG_H

#if defined(MBEDTLS_VERSION_MAJOR) && MBEDTLS_VERSION_MAJOR >= 3
#define GF_MBEDTLS_3
#endif

/* ---- platform ------------------------------------------------------------- */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_DEPRECATED_REMOVED

/* ---- TLS ------------------------------------------------------------------ */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#if defined(GF_MBEDTLS_3)
/* TLS 1.3 runs on PSA crypto (HKDF, key exchange), which draws on the
 * entropy module (getrandom() on Linux). It keeps the peer's certificate. */
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
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

/* ---- public key ----------------------------------------------------------- */
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
#define MBEDTLS_ECP_WINDOW_SIZE 4
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
#if defined(GF_MBEDTLS_3)
#define MBEDTLS_SHA224_C /* 3.x: SHA-256's code needs its SHA-224 half */
#define MBEDTLS_SHA384_C
#endif

/* ---- size ----------------------------------------------------------------- */
#define MBEDTLS_ERROR_STRERROR_DUMMY

/* mbedTLS 2.x checks the combination here; 3.x does it in build_info.h
 * after this file. */
#if !defined(GF_MBEDTLS_3)
#include "mbedtls/check_config.h"
#endif

#endif
