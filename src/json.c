/* A JSON validator and string decoder (RFC 8259), both without allocation. */
#include "json.h"

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Length of the well-formed UTF-8 sequence at s[0..left), or 0: no
 * overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    size_t n;
    uint32_t cp, min;
    if (s[0] < 0xC2 || s[0] > 0xF4)
        return 0; /* continuation bytes, overlong leads, beyond U+10FFFF */
    n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    min = n == 2 ? 0x80u : n == 3 ? 0x800u : 0x10000u;
    cp = s[0] & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
    if (n > left)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* The one-letter escapes (section 7) and what each stands for. */
#define ESCAPES "\"\\/bfnrt"
#define ESCAPED "\"\\/\b\f\n\r\t"

/* Scan a string starting at s[*i] == '"'; on success *i is past the quote.
 * A JSON text is UTF-8 (RFC 8259 section 8.1): other bytes are refused, so
 * nothing that is not text reaches a caller's output. */
static bool scan_string(const char *s, size_t len, size_t *i)
{
    size_t k = *i + 1;
    while (k < len) {
        unsigned char c = (unsigned char)s[k];
        if (c == '"') {
            *i = k + 1;
            return true;
        }
        if (c < 0x20)
            return false; /* control characters must be escaped (section 7) */
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)s + k, len - k);
            if (n == 0)
                return false;
            k += n;
            continue;
        }
        if (c == '\\') {
            if (k + 1 >= len)
                return false;
            char e = s[k + 1];
            if (e == 'u') {
                if (k + 5 >= len)
                    return false;
                for (size_t h = k + 2; h < k + 6; h++) {
                    if (gf_hex_value(s[h]) < 0)
                        return false;
                }
                k += 6;
                continue;
            }
            if (e == '\0' || strchr(ESCAPES, e) == NULL)
                return false;
            k += 2;
            continue;
        }
        k++;
    }
    return false;
}

static size_t scan_digits(const char *s, size_t len, size_t i)
{
    while (i < len && gf_is_digit(s[i]))
        i++;
    return i;
}

/* number = [ minus ] int [ frac ] [ exp ] (section 6). */
static bool scan_number(const char *s, size_t len, size_t *i)
{
    size_t k = *i, d;
    if (s[k] == '-')
        k++;
    if (k >= len || !gf_is_digit(s[k]))
        return false;
    if (s[k] == '0')
        k++;
    else
        k = scan_digits(s, len, k);
    if (k < len && s[k] == '.') {
        d = scan_digits(s, len, k + 1);
        if (d == k + 1)
            return false;
        k = d;
    }
    if (k < len && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        if (k < len && (s[k] == '+' || s[k] == '-'))
            k++;
        d = scan_digits(s, len, k);
        if (d == k)
            return false;
        k = d;
    }
    *i = k;
    return true;
}

static bool scan_literal(const char *s, size_t len, size_t *i)
{
    static const char *const words[] = {"true", "false", "null"};
    for (size_t w = 0; w < GF_ARRAY_LEN(words); w++) {
        size_t n = strlen(words[w]);
        if (len - *i >= n && memcmp(s + *i, words[w], n) == 0) {
            *i += n;
            return true;
        }
    }
    return false;
}

enum want { WANT_VALUE, WANT_VALUE_OR_CLOSE, WANT_KEY, WANT_KEY_OR_CLOSE, WANT_COLON,
            WANT_COMMA_OR_CLOSE, WANT_END };

gf_status gf_json_validate(const char *s, size_t len)
{
    uint32_t objects = 0; /* bit d set: the container at depth d is an object */
    unsigned depth = 0;
    enum want want = WANT_VALUE;
    size_t i = 0;

    for (;;) {
        while (i < len && is_ws(s[i]))
            i++;
        if (i == len)
            return want == WANT_END ? GF_OK : GF_E_JSON;
        char c = s[i];
        bool in_object = depth > 0 && (objects >> (depth - 1) & 1u);

        switch (want) {
        case WANT_END:
            return GF_E_JSON;
        case WANT_COLON:
            if (c != ':')
                return GF_E_JSON;
            i++;
            want = WANT_VALUE;
            continue;
        case WANT_COMMA_OR_CLOSE:
            if (c == ',') {
                i++;
                want = in_object ? WANT_KEY : WANT_VALUE;
                continue;
            }
            if (c != (in_object ? '}' : ']'))
                return GF_E_JSON;
            i++;
            depth--;
            want = depth > 0 ? WANT_COMMA_OR_CLOSE : WANT_END;
            continue;
        case WANT_KEY_OR_CLOSE:
            if (c == '}') {
                i++;
                depth--;
                want = depth > 0 ? WANT_COMMA_OR_CLOSE : WANT_END;
                continue;
            }
            /* fall through */
        case WANT_KEY:
            if (c != '"' || !scan_string(s, len, &i))
                return GF_E_JSON;
            want = WANT_COLON;
            continue;
        case WANT_VALUE_OR_CLOSE:
            if (c == ']') {
                i++;
                depth--;
                want = depth > 0 ? WANT_COMMA_OR_CLOSE : WANT_END;
                continue;
            }
            /* fall through */
        case WANT_VALUE:
            if (c == '{' || c == '[') {
                if (depth >= GF_JSON_DEPTH_MAX)
                    return GF_E_TOO_LARGE;
                if (c == '{')
                    objects |= 1u << depth;
                else
                    objects &= ~(1u << depth);
                depth++;
                i++;
                want = c == '{' ? WANT_KEY_OR_CLOSE : WANT_VALUE_OR_CLOSE;
                continue;
            }
            if (c == '"') {
                if (!scan_string(s, len, &i))
                    return GF_E_JSON;
            } else if (c == '-' || gf_is_digit(c)) {
                if (!scan_number(s, len, &i))
                    return GF_E_JSON;
            } else if (!scan_literal(s, len, &i)) {
                return GF_E_JSON;
            }
            want = depth > 0 ? WANT_COMMA_OR_CLOSE : WANT_END;
            continue;
        }
    }
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++)
        v = v << 4 | (unsigned)gf_hex_value(s[k]);
    return v;
}

/* cp as UTF-8: continuation bytes of 6 bits each from the end, then the
 * lead byte, whose high bits say how many bytes follow (RFC 3629). */
static size_t put_utf8(char *out, uint32_t cp)
{
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (n == 1) {
        out[0] = (char)cp;
        return 1;
    }
    for (size_t k = n - 1; k > 0; k--) {
        out[k] = (char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    out[0] = (char)((0xF00u >> n) | cp); /* 0xC0, 0xE0 or 0xF0 in the low byte */
    return n;
}

bool gf_json_unescape(char *s, size_t len, size_t *out_len)
{
    size_t r = 0, w = 0;
    while (r < len) {
        if (s[r] != '\\') {
            s[w++] = s[r++];
            continue;
        }
        char e = s[r + 1];
        if (e != 'u') {
            s[w++] = ESCAPED[strchr(ESCAPES, e) - ESCAPES];
            r += 2;
            continue;
        }
        uint32_t cp = hex4(s + r + 2);
        r += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return false; /* a low surrogate with no high one before it */
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (r + 6 > len || s[r] != '\\' || s[r + 1] != 'u')
                return false;
            uint32_t lo = hex4(s + r + 2);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            r += 6;
        }
        w += put_utf8(s + w, cp);
    }
    s[w] = '\0';
    *out_len = w;
    return true;
}
