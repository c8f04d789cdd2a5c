/* gf_strerror: one message per status, in the order of the enum. */
#include "giofetch/giofetch.h"

static const char *const messages[GF_STATUS_COUNT] = {
    [GF_OK] = "ok",
    [GF_RUNNING] = "the export is still running",
    [GF_NOT_EXISTS] = "the export does not exist",
    [GF_E_API_ERROR] = "the API reported an error for this export",

    [GF_E_EXPORT_TYPE] = "export type must be hour or day",
    [GF_E_DATA_TYPE] = "unknown data type",
    [GF_E_AI] = "project id must be 1..64 letters, digits, '-' or '_'",
    [GF_E_DATE_FORMAT] = "date must be yyyyMMdd, yyyyMMddHH or yyyyMMddHHmm",
    [GF_E_DATE_NEEDS_HOUR] = "an hour export needs the hour: yyyyMMddHH",
    [GF_E_DATE_INVALID] = "no such date or time",
    [GF_E_EXPIRE] = "expire must be 1..10080 minutes",
    [GF_E_BUFFER] = "buffer too small",
    [GF_E_ARGUMENT] = "invalid argument",
    [GF_E_NO_CLOCK] = "the wall-clock time is not known",
    [GF_E_CRYPTO] = "the crypto implementation failed",
    [GF_E_CONFIG] = "the program was built with other limits (config.h) than the library",

    [GF_E_JSON] = "the answer is not valid JSON",
    [GF_E_JSON_TOP] = "the answer is not a JSON object",
    [GF_E_STATUS_MISSING] = "the answer has no status",
    [GF_E_STATUS_UNKNOWN] = "the answer has an unknown status",
    [GF_E_LINKS_TYPE] = "downloadLinks in the answer has the wrong type",
    [GF_E_FIELD_TYPE] = "a field of the answer has the wrong type",
    [GF_E_LINK_URL] = "a download link is not an absolute http(s) URL",
    [GF_E_ANSWER_MISMATCH] = "the answer is about another export than the one asked for",
    [GF_E_TOO_LARGE] = "the answer exceeds the configured limits",

    [GF_E_URL] = "malformed URL",
    [GF_E_URL_SCHEME] = "only http:// and https:// URLs are supported",
    [GF_E_URL_USERINFO] = "URLs with user:password@ are refused",

    [GF_E_HEADER_INJECTION] = "a request header contains CR, LF or NUL",
    [GF_E_HTTP_SYNTAX] = "malformed HTTP response",
    [GF_E_HTTP_LINE_TOO_LONG] = "an HTTP response line is too long",
    [GF_E_HTTP_TOO_MANY_HEADERS] = "too many HTTP response headers",
    [GF_E_HTTP_CONTENT_LENGTH] = "invalid or conflicting Content-Length",
    [GF_E_HTTP_CHUNK] = "invalid chunked transfer coding",
    [GF_E_HTTP_TRUNCATED] = "the connection closed before the response was complete",
    [GF_E_HTTP_STATUS] = "unexpected HTTP status",
    [GF_E_REDIRECT_LIMIT] = "too many redirects",
    [GF_E_REDIRECT_INSECURE] = "redirect from https to http refused",
    [GF_E_REDIRECT_LOCATION] = "redirect without a usable Location",

    [GF_E_DNS] = "the host name did not resolve",
    [GF_E_CONNECT_REFUSED] = "connection refused",
    [GF_E_CONNECT_TIMEOUT] = "connect timed out",
    [GF_E_IDLE_TIMEOUT] = "no data within the idle timeout",
    [GF_E_DEADLINE] = "the overall deadline passed",
    [GF_E_RESET] = "connection reset by peer",
    [GF_E_NETWORK] = "network failure",
    [GF_E_PROXY] = "the proxy refused the tunnel",
    [GF_E_NO_TLS] = "https needs TLS, which this client was built without",

    [GF_E_TLS] = "the TLS connection failed",
    [GF_E_TLS_ALERT] = "the server ended the TLS handshake with an alert",
    [GF_E_TLS_UNTRUSTED] = "certificate not trusted (unknown CA or self-signed)",
    [GF_E_TLS_NAME] = "certificate does not match the host name",
    [GF_E_TLS_EXPIRED] = "certificate expired",
    [GF_E_TLS_NOT_YET_VALID] = "certificate not valid yet (check the system clock)",
    [GF_E_TLS_CERT] = "certificate refused",
    [GF_E_TLS_RECORD_SIZE] = "a TLS record or handshake message is larger than this build's TLS buffer",
    [GF_E_TLS_VERSION] = "the server needs a TLS version this build does not speak",
    [GF_E_TLS_NO_SHARED] = "no TLS cipher suite or key exchange group in common with the server",
    [GF_E_TLS_SIGNATURE] = "the server's TLS handshake signature was refused",
    [GF_E_TLS_CA] = "cannot load the CA certificates",

    [GF_E_AUTH] = "authentication rejected",
    [GF_E_RATE_LIMITED] = "rate limited (429) after every retry",
    [GF_E_SERVER] = "server error (5xx) after every retry",
    [GF_E_LINK_EXPIRED] = "the download link expired (403)",
    [GF_E_LINK_SIGNATURE] = "the file host refused the link's signature (403 SignatureDoesNotMatch)",
    [GF_E_LINK_DENIED] = "the file host denied access to the link (403)",

    [GF_E_SIZE_MISMATCH] = "the file size differs from the announced size",
    [GF_E_MD5_MISMATCH] = "the file's MD5 differs from the server's",
    [GF_E_RANGE] = "the server answered the range request wrongly",
    [GF_E_SINK] = "the data could not be stored",

    [GF_E_RESOURCES] = "out of file descriptors or memory",
    [GF_E_PROXY_CONNECT] = "cannot connect to the proxy",
    [GF_E_PROXY_DENIED] = "the proxy refused the tunnel: access denied by its rules (403)",
    [GF_E_PROXY_AUTH] = "the proxy refused the tunnel: proxy credentials missing or wrong",
};

const char *gf_strerror(gf_status st)
{
    if ((unsigned)st >= (unsigned)GF_STATUS_COUNT || messages[st] == NULL)
        return "unknown status";
    return messages[st];
}

const char *gf_verified_name(gf_verified v)
{
    switch (v) {
    case GF_VERIFIED_ETAG:
        return "etag";
    case GF_VERIFIED_CONTENT_MD5:
        return "content-md5";
    case GF_VERIFIED_MD5_HEADER:
        return "md5-header";
    default:
        return "size";
    }
}
