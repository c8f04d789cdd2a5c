/* gf_strerror: one message per status, in the order of the enum; or, in a
 * build without GF_FEATURE_MESSAGES, the status's number. */
#include "internal.h"

#if GF_FEATURE_MESSAGES
/* One message per status, in the enum's order. They are kept as one
 * string, each ended by its NUL, rather than a table of pointers (4 bytes a
 * status on a 32-bit board, more on 64 bits): gf_strerror walks to the
 * message, which only an error path asks for. That the order is the enum's
 * is checked when compiling, at no cost in the image. */
#define GF_MESSAGES(X) \
    X(GF_OK, "ok") \
    X(GF_RUNNING, "the export is still running") \
    X(GF_NOT_EXISTS, "the export does not exist") \
    X(GF_E_API_ERROR, "the API reported an error for this export") \
    X(GF_E_EXPORT_TYPE, "export type must be hour or day") \
    X(GF_E_DATA_TYPE, "unknown data type") \
    X(GF_E_AI, "project id must be 1..64 letters, digits, '-' or '_'") \
    X(GF_E_DATE_FORMAT, "date must be yyyyMMdd, yyyyMMddHH or yyyyMMddHHmm") \
    X(GF_E_DATE_NEEDS_HOUR, "an hour export needs the hour: yyyyMMddHH") \
    X(GF_E_DATE_INVALID, "no such date or time") \
    X(GF_E_EXPIRE, "expire must be 1..10080 minutes") \
    X(GF_E_BUFFER, "buffer too small") \
    X(GF_E_ARGUMENT, "invalid argument") \
    X(GF_E_NO_CLOCK, "the wall-clock time is not known") \
    X(GF_E_CONFIG, "the program was built with other limits (config.h) than the library") \
    X(GF_E_CRYPTO, "the crypto implementation failed") \
    X(GF_E_JSON, "the answer is not valid JSON") \
    X(GF_E_JSON_TOP, "the answer is not a JSON object") \
    X(GF_E_STATUS_MISSING, "the answer has no status") \
    X(GF_E_STATUS_UNKNOWN, "the answer has an unknown status") \
    X(GF_E_LINKS_TYPE, "downloadLinks in the answer has the wrong type") \
    X(GF_E_FIELD_TYPE, "a field of the answer has the wrong type") \
    X(GF_E_LINK_URL, "a download link is not an absolute http(s) URL") \
    X(GF_E_ANSWER_MISMATCH, "the answer is about another export than the one asked for") \
    X(GF_E_TOO_LARGE, "the answer exceeds the configured limits") \
    X(GF_E_URL, "malformed URL") \
    X(GF_E_URL_SCHEME, "only http:// and https:// URLs are supported") \
    X(GF_E_URL_USERINFO, "URLs with user:password@ are refused") \
    X(GF_E_HEADER_INJECTION, "a request header contains CR, LF or NUL") \
    X(GF_E_HTTP_SYNTAX, "malformed HTTP response") \
    X(GF_E_HTTP_LINE_TOO_LONG, "an HTTP response line is too long") \
    X(GF_E_HTTP_TOO_MANY_HEADERS, "too many HTTP response headers") \
    X(GF_E_HTTP_CONTENT_LENGTH, "invalid or conflicting Content-Length") \
    X(GF_E_HTTP_CHUNK, "invalid chunked transfer coding") \
    X(GF_E_HTTP_TRUNCATED, "the connection closed before the response was complete") \
    X(GF_E_HTTP_STATUS, "unexpected HTTP status") \
    X(GF_E_REDIRECT_LIMIT, "too many redirects") \
    X(GF_E_REDIRECT_INSECURE, "redirect from https to http refused") \
    X(GF_E_REDIRECT_LOCATION, "redirect without a usable Location") \
    X(GF_E_DNS, "the host name did not resolve") \
    X(GF_E_CONNECT_REFUSED, "connection refused") \
    X(GF_E_CONNECT_TIMEOUT, "connect timed out") \
    X(GF_E_IDLE_TIMEOUT, "no data within the idle timeout") \
    X(GF_E_DEADLINE, "the overall deadline passed") \
    X(GF_E_RESET, "connection reset by peer") \
    X(GF_E_NETWORK, "network failure") \
    X(GF_E_PROXY, "the proxy refused the tunnel") \
    X(GF_E_NO_TLS, "https needs TLS, which this client was built without") \
    X(GF_E_TLS, "the TLS connection failed") \
    X(GF_E_TLS_ALERT, "the server ended the TLS handshake with an alert") \
    X(GF_E_TLS_UNTRUSTED, "certificate not trusted (unknown CA or self-signed)") \
    X(GF_E_TLS_NAME, "certificate does not match the host name") \
    X(GF_E_TLS_EXPIRED, "certificate expired") \
    X(GF_E_TLS_NOT_YET_VALID, "certificate not valid yet (check the system clock)") \
    X(GF_E_TLS_CERT, "certificate refused") \
    X(GF_E_TLS_RECORD_SIZE, "a TLS record or handshake message is larger than this build's TLS buffer") \
    X(GF_E_TLS_VERSION, "the server needs a TLS version this build does not speak") \
    X(GF_E_TLS_NO_SHARED, "no TLS cipher suite or key exchange group in common with the server") \
    X(GF_E_TLS_SIGNATURE, "the server's TLS handshake signature was refused") \
    X(GF_E_TLS_CA, "cannot load the CA certificates") \
    X(GF_E_AUTH, "authentication rejected") \
    X(GF_E_RATE_LIMITED, "rate limited (429) after every retry") \
    X(GF_E_SERVER, "server error (5xx) after every retry") \
    X(GF_E_LINK_EXPIRED, "the download link expired (403)") \
    X(GF_E_LINK_SIGNATURE, "the file host refused the link's signature (403 SignatureDoesNotMatch)") \
    X(GF_E_LINK_DENIED, "the file host denied access to the link (403)") \
    X(GF_E_SIZE_MISMATCH, "the file size differs from the announced size") \
    X(GF_E_MD5_MISMATCH, "the file's MD5 differs from the server's") \
    X(GF_E_RANGE, "the server answered the range request wrongly") \
    X(GF_E_SINK, "the data could not be stored") \
    X(GF_E_RESOURCES, "out of file descriptors or memory") \
    X(GF_E_PROXY_CONNECT, "cannot connect to the proxy") \
    X(GF_E_PROXY_DENIED, "the proxy refused the tunnel: access denied by its rules (403)") \
    X(GF_E_PROXY_AUTH, "the proxy refused the tunnel: proxy credentials missing or wrong") \
    X(GF_E_FEATURE_OFF, "this build of giofetch was made without the feature this needs") \
    X(GF_E_CANCELLED, "cancelled by the caller")

#define GF_POS_(st, text) GF_POS_##st,
enum gf_message_pos { GF_MESSAGES(GF_POS_) GF_MESSAGE_COUNT };
#define GF_IN_ORDER_(st, text) GF_STATIC_ASSERT(st##_in_order, (int)GF_POS_##st == (int)st);
GF_MESSAGES(GF_IN_ORDER_)
GF_STATIC_ASSERT(every_status_has_a_message, (int)GF_MESSAGE_COUNT == (int)GF_STATUS_COUNT);

#define GF_TEXT_(st, text) text "\0"
static const char messages[] = GF_MESSAGES(GF_TEXT_);

const char *gf_strerror(gf_status st)
{
    const char *m = messages;
    if ((unsigned)st >= (unsigned)GF_STATUS_COUNT)
        return "unknown status";
    for (unsigned n = (unsigned)st; n > 0; n--) {
        while (*m++ != '\0')
            ;
    }
    return m;
}
#else
/* The status's number in two digits ("07", "42"), from one string of
 * 3-byte entries: a board's log still names the status, in 3 bytes a
 * status instead of a sentence (look it up in giofetch.h's enum). */
#define GF_NUM_ENTRY 3 /* "NN" and its NUL */
#define GF_NUM_(t, u) #t #u "\0"
#define GF_NUM_ROW_(t)                                                            \
    GF_NUM_(t, 0) GF_NUM_(t, 1) GF_NUM_(t, 2) GF_NUM_(t, 3) GF_NUM_(t, 4)       \
    GF_NUM_(t, 5) GF_NUM_(t, 6) GF_NUM_(t, 7) GF_NUM_(t, 8) GF_NUM_(t, 9)
static const char numbers[] = GF_NUM_ROW_(0) GF_NUM_ROW_(1) GF_NUM_ROW_(2) GF_NUM_ROW_(3)
    GF_NUM_ROW_(4) GF_NUM_ROW_(5) GF_NUM_ROW_(6) GF_NUM_ROW_(7) GF_NUM_ROW_(8) GF_NUM_ROW_(9);
GF_STATIC_ASSERT(every_status_numbered, GF_STATUS_COUNT <= 100);

const char *gf_strerror(gf_status st)
{
    if ((unsigned)st >= (unsigned)GF_STATUS_COUNT)
        return "unknown status";
    return numbers + (size_t)st * GF_NUM_ENTRY;
}
#endif

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
