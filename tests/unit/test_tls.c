/* The TLS context's life: set-up, freeing, what the build says it speaks,
 * and (mbedTLS 3.x) PSA crypto started and ended with the contexts. */
#include "check.h"

#include "giofetch/tls.h"

#include <mbedtls/version.h>
#include <stdio.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#define HAVE_PSA 1
#endif

static int32_t counter_entropy(void *ctx, unsigned char *buf, size_t len)
{
    static unsigned char x = 7;
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        buf[i] = x = (unsigned char)(x * 29u + 11u);
    return 0;
}

static const gf_port entropy_port = {.entropy = counter_entropy};

static gf_tls a, b;

/* psa_crypto_init() has no reference count: the contexts hold PSA
 * together, and only the last one freed ends it. */
static void psa_lives_as_long_as_a_context(void)
{
    gf_tls_init(&a);
    gf_tls_init(&b);
    CHECK_ST(gf_tls_setup(&a, &entropy_port), GF_OK);
    CHECK_ST(gf_tls_setup(&b, &entropy_port), GF_OK);
    CHECK_ST(gf_tls_setup(&b, &entropy_port), GF_OK); /* set up again: still one user */
#if defined(HAVE_PSA)
    unsigned char r[16];
    CHECK(psa_generate_random(r, sizeof(r)) == PSA_SUCCESS);
    gf_tls_free(&a);
    CHECK(psa_generate_random(r, sizeof(r)) == PSA_SUCCESS); /* b still needs it */
    gf_tls_free(&b);
#if GF_TLS_KEEP_PSA
    CHECK(psa_generate_random(r, sizeof(r)) == PSA_SUCCESS);
#else
    CHECK(psa_generate_random(r, sizeof(r)) == PSA_ERROR_BAD_STATE); /* ended */
#endif
    /* and a new context starts it again */
    gf_tls_init(&a);
    CHECK_ST(gf_tls_setup(&a, &entropy_port), GF_OK);
    CHECK(psa_generate_random(r, sizeof(r)) == PSA_SUCCESS);
#endif
    gf_tls_free(&a);
    gf_tls_free(&b);
}

static void free_is_safe_twice_and_on_null(void)
{
    gf_tls_init(&a);
    CHECK_ST(gf_tls_setup(&a, &entropy_port), GF_OK);
    gf_tls_free(&a);
    gf_tls_free(&a);
    gf_tls_free(NULL);
    gf_tls_init(&a); /* never set up */
    gf_tls_free(&a);
}

static void the_build_names_its_tls(void)
{
    char want[64];
    const char *s = gf_tls_library();
    snprintf(want, sizeof(want), "mbedTLS %d.%d.%d, TLS 1.2", MBEDTLS_VERSION_MAJOR,
             MBEDTLS_VERSION_MINOR, MBEDTLS_VERSION_PATCH);
    CHECK(strncmp(s, want, strlen(want)) == 0);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && MBEDTLS_SSL_IN_CONTENT_LEN >= 16384
    CHECK_STR(s + strlen(want), " and 1.3");
#elif !defined(MBEDTLS_SSL_PROTO_TLS1_3)
    CHECK_STR(s + strlen(want), "");
#endif
}

CHECK_SUITE(tls, CASE(psa_lives_as_long_as_a_context), CASE(free_is_safe_twice_and_on_null),
            CASE(the_build_names_its_tls));
