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
 * In software MD5 cannot fail, but an accelerated build can. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define MD5_STARTS mbedtls_md5_starts
#define MD5_UPDATE mbedtls_md5_update
#define MD5_FINISH mbedtls_md5_finish
#else
#define MD5_STARTS mbedtls_md5_starts_ret
#define MD5_UPDATE mbedtls_md5_update_ret
#define MD5_FINISH mbedtls_md5_finish_ret
#endif

static gf_status md5_start(gf_md5_ctx *ctx)
{
    mbedtls_md5_init(md5(ctx));
    return MD5_STARTS(md5(ctx)) == 0 ? GF_OK : GF_E_CRYPTO;
}

static gf_status md5_update(gf_md5_ctx *ctx, const unsigned char *data, size_t len)
{
    return MD5_UPDATE(md5(ctx), data, len) == 0 ? GF_OK : GF_E_CRYPTO;
}

static gf_status md5_finish(gf_md5_ctx *ctx, unsigned char digest[16])
{
    int rc = MD5_FINISH(md5(ctx), digest);
    mbedtls_md5_free(md5(ctx));
    return rc == 0 ? GF_OK : GF_E_CRYPTO;
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

static gf_status hmac_sha256(const unsigned char *key, size_t keylen, const unsigned char *msg,
                             size_t len, unsigned char mac[32])
{
    const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (sha256 == NULL || mbedtls_md_hmac(sha256, key, keylen, msg, len, mac) != 0)
        return GF_E_CRYPTO;
    return GF_OK;
}

const gf_crypto gf_crypto_mbedtls = {
    .md5_start = md5_start,
    .md5_update = md5_update,
    .md5_finish = md5_finish,
    .base64_decode = b64_decode,
    .base64_encode = b64_encode,
    .hmac_sha256 = hmac_sha256,
};
