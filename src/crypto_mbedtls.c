/* The crypto glue on mbedTLS: MD5, base64 and HMAC-SHA256 for the core,
 * which reaches them only through gf_crypto. */
#include "internal.h"

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/version.h>

GF_STATIC_ASSERT(md5_fits, sizeof(mbedtls_md5_context) <= sizeof(gf_md5_ctx));

static mbedtls_md5_context *md5(gf_md5_ctx *ctx) { return (mbedtls_md5_context *)(void *)ctx->bytes; }

/* The _ret names are 2.x's; 3.x took the plain names back with int returns.
 * MD5 over memory cannot fail in either, so the results are not needed. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define MD5_STARTS mbedtls_md5_starts
#define MD5_UPDATE mbedtls_md5_update
#define MD5_FINISH mbedtls_md5_finish
#else
#define MD5_STARTS mbedtls_md5_starts_ret
#define MD5_UPDATE mbedtls_md5_update_ret
#define MD5_FINISH mbedtls_md5_finish_ret
#endif

static void md5_start(gf_md5_ctx *ctx)
{
    mbedtls_md5_init(md5(ctx));
    (void)MD5_STARTS(md5(ctx));
}

static void md5_update(gf_md5_ctx *ctx, const unsigned char *data, size_t len)
{
    (void)MD5_UPDATE(md5(ctx), data, len);
}

static void md5_finish(gf_md5_ctx *ctx, unsigned char digest[16])
{
    (void)MD5_FINISH(md5(ctx), digest);
    mbedtls_md5_free(md5(ctx));
}

static bool b64_decode(unsigned char *dst, size_t cap, size_t *olen, const char *src, size_t slen)
{
    return mbedtls_base64_decode(dst, cap, olen, (const unsigned char *)src, slen) == 0;
}

static bool b64_encode(char *dst, size_t cap, const unsigned char *src, size_t slen)
{
    size_t olen;
    return mbedtls_base64_encode((unsigned char *)dst, cap, &olen, src, slen) == 0;
}

static void hmac_sha256(const unsigned char *key, size_t keylen, const unsigned char *msg,
                        size_t len, unsigned char mac[32])
{
    (void)mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, keylen, msg, len, mac);
}

const gf_crypto gf_crypto_mbedtls = {md5_start, md5_update, md5_finish, b64_decode, b64_encode,
                                     hmac_sha256};
