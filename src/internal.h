/* Small helpers shared by the library's source files. Not part of the API. */
#ifndef GF_INTERNAL_H
#define GF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "giofetch/giofetch.h"

#define GF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A compile-time check that works in C99. */
#define GF_STATIC_ASSERT(name, cond) typedef char gf_static_assert_##name[(cond) ? 1 : -1]

static inline bool gf_is_digit(char c) { return c >= '0' && c <= '9'; }
static inline bool gf_is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline char gf_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static inline int gf_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = gf_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Case-insensitive comparison of a view with a NUL-terminated ASCII word. */
bool gf_view_ieq(gf_view v, const char *word);
/* Exact comparison of a view with a NUL-terminated string. */
bool gf_view_eq(gf_view v, const char *s);
/* The index of the name in names[0..count) that v equals exactly, or -1. */
int gf_view_index(gf_view v, const char *const *names, size_t count);
/* Parse a decimal without sign into *out; false on anything else or overflow. */
bool gf_parse_u64(const char *s, size_t len, uint64_t *out);

/* Room for any uint64_t in decimal: 20 digits and the NUL. */
#define GF_U64_TEXT 21
/* Write v in decimal to out (NUL-terminated); returns the length. */
size_t gf_format_u64(char out[GF_U64_TEXT], uint64_t v);

/* Appends to a bounded buffer and remembers an overflow instead of checking
 * each call: nothing is ever written past cap, and once a piece does not fit
 * the writer stays in overflow. It does not NUL-terminate; put "" with
 * length 1 for that. */
typedef struct gf_writer {
    char *buf;
    size_t cap, len;
    bool overflow;
} gf_writer;

void gf_put(gf_writer *w, const char *s, size_t n);
void gf_puts(gf_writer *w, const char *s);

/* How long the next wait for the peer may last: idle_ms, cut short by the
 * deadline (a now_ms value; 0: none); 0 once the deadline has passed. Reads
 * the clock only under a deadline. The engine, the TLS glue and any other
 * gf_secure_ops take their waits from here. */
uint32_t gf_wait_ms(const gf_port *port, uint32_t idle_ms, uint64_t deadline_at);
/* A port that keeps saying "would block" since `since` (a now_ms value) is
 * waited out: no time left, or one idle timeout spent. */
static inline bool gf_waited_out(const gf_port *port, uint32_t idle_ms, uint64_t deadline_at,
                                 uint64_t since)
{
    return gf_wait_ms(port, idle_ms, deadline_at) == 0 ||
           port->now_ms(port->ctx) - since >= idle_ms;
}

/* Wait ms on the port's sleep, cut short by the engine's cancel hook:
 * asked first and then every GF_CANCEL_SLICE_MS. Returns GF_OK after the
 * whole wait, GF_E_CANCELLED as soon as the hook says stop. Every pause the
 * library makes on its own (backoff, RUNNING polls, pacing) goes here. */
gf_status gf_pause(const gf_http *h, uint32_t ms);

/* An event of kind about st with text (NULL: ""), every other field zero:
 * no peer, no counts. Each event the library reports starts here. */
void gf_event_init(gf_event *ev, gf_event_kind kind, gf_status st, const char *text);

/* The length of a project id (or project uid): 1..GF_AI_MAX letters, digits,
 * '-' or '_'; 0 for NULL or anything else. */
size_t gf_id_len(const char *s);

/* Resolve the reference ref (a Location value, NUL-terminated) against the
 * absolute URL in url (RFC 3986 section 5.2), in place: url holds cap
 * bytes, scratch is working space of scratch_cap bytes. The fragment of
 * ref is dropped; the result is not parsed. Returns GF_OK, or
 * GF_E_REDIRECT_LOCATION when the result or the merged path does not fit. */
gf_status gf_url_resolve(char *url, size_t cap, const char *ref, char *scratch, size_t scratch_cap);

/* GF_OK for a client gf_client_init set up; GF_E_CONFIG for one it refused
 * (other limits), GF_E_ARGUMENT for NULL or one never set up. Every call
 * that takes a gf_client checks this first. */
gf_status gf_client_ready(const gf_client *cl);

#endif /* GF_INTERNAL_H */
