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
 * What is in (the client's features are in gf_mbedtls_client.h, which the
 * Cortex-M4 configurations of tests/firmware share; this file adds what a
 * Linux router has: a clock, the entropy module):
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

/* ---- platform: a Linux router with a clock ---------------------------------- */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_ECP_WINDOW_SIZE 4

#if defined(GF_MBEDTLS_3)
/* PSA crypto (TLS 1.3's base) draws on the entropy module (getrandom() on
 * Linux); the middlebox compatibility mode and RSA-PSS certificates as a
 * desktop client has them. */
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#endif

/* The TLS client itself, shared with the Cortex-M4 configurations. */
#include "gf_mbedtls_client.h"

/* mbedTLS 2.x checks the combination here; 3.x does it in build_info.h
 * after this file. */
#if !defined(GF_MBEDTLS_3)
#include "mbedtls/check_config.h"
#endif

#endif
