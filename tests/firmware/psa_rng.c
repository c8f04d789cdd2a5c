/*
 * PSA's random generator on the emulated board (mbedTLS 3.x images,
 * MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG). A board returns bytes of its TRNG here;
 * this fixed sequence is for the tests on qemu only.
 */
#include <mbedtls/version.h> /* and, through it, the configuration */

#if defined(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG)
#include <psa/crypto.h>

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size,
                                             size_t *output_length)
{
    static uint32_t x = 0x2545F491u;
    (void)context;
    for (size_t i = 0; i < output_size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        output[i] = (uint8_t)x;
    }
    *output_length = output_size;
    return PSA_SUCCESS;
}
#endif
