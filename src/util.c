/* Helpers of internal.h. */
#include "internal.h"

bool gf_view_ieq(gf_view v, const char *word)
{
    size_t i;
    for (i = 0; i < v.len; i++) {
        if (word[i] == '\0' || gf_lower(v.ptr[i]) != gf_lower(word[i]))
            return false;
    }
    return word[i] == '\0';
}

bool gf_view_eq(gf_view v, const char *s)
{
    size_t n = strlen(s);
    return v.len == n && (n == 0 || memcmp(v.ptr, s, n) == 0);
}

int gf_view_index(gf_view v, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (gf_view_eq(v, names[i]))
            return (int)i;
    }
    return -1;
}

bool gf_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!gf_is_digit(s[i]))
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return false;
        v = v * 10u + d;
    }
    *out = v;
    return true;
}

size_t gf_format_u64(char out[GF_U64_TEXT], uint64_t v)
{
    char tmp[GF_U64_TEXT];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

void gf_hex_encode(char *out, const unsigned char *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        *out++ = digits[in[i] >> 4];
        *out++ = digits[in[i] & 15u];
    }
    *out = '\0';
}

void gf_put(gf_writer *w, const char *s, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void gf_puts(gf_writer *w, const char *s) { gf_put(w, s, strlen(s)); }

uint32_t gf_wait_ms(const gf_port *port, uint32_t idle_ms, uint64_t deadline_at)
{
    if (deadline_at != 0) {
        uint64_t now = port->now_ms(port->ctx);
        if (now >= deadline_at)
            return 0;
        if (deadline_at - now < idle_ms)
            return (uint32_t)(deadline_at - now);
    }
    return idle_ms;
}

void gf_event_init(gf_event *ev, gf_event_kind kind, gf_status st, const char *text)
{
    memset(ev, 0, sizeof(*ev));
    ev->kind = kind;
    ev->status = st;
    ev->text = text != NULL ? text : "";
}

gf_status gf_pause(const gf_http *h, uint32_t ms)
{
    const gf_port *p = h->port;
    if (h->cancel == NULL) {
        p->sleep_ms(p->ctx, ms);
        return GF_OK;
    }
    /* Slices by the clock, not by counting sleeps: a sleep may end early. */
    uint64_t end = p->now_ms(p->ctx) + ms;
    for (;;) {
        if (h->cancel(h->cancel_user))
            return GF_E_CANCELLED;
        uint64_t now = p->now_ms(p->ctx);
        if (now >= end)
            return GF_OK;
        uint64_t left = end - now;
        p->sleep_ms(p->ctx, left < GF_CANCEL_SLICE_MS ? (uint32_t)left : GF_CANCEL_SLICE_MS);
    }
}
