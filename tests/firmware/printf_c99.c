/*
 * Debian's newlib for arm-none-eabi is built without the C99 printf length
 * modifiers: "%zu" prints "zu". The unit tests of tests/unit use them, so
 * the firmware unit images are linked with -Wl,--wrap for the printf family
 * and these wrappers rewrite the modifiers before newlib sees the format:
 * z and t become l (size_t and ptrdiff_t have the width of long on this
 * target, checked below), j becomes ll. Only the test images use this.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef char size_t_is_long[sizeof(size_t) == sizeof(long) ? 1 : -1];
typedef char ptrdiff_t_is_long[sizeof(ptrdiff_t) == sizeof(long) ? 1 : -1];
typedef char intmax_t_is_long_long[sizeof(intmax_t) == sizeof(long long) ? 1 : -1];

int __real_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int __real_vfprintf(FILE *f, const char *fmt, va_list ap);
int __real_vsprintf(char *buf, const char *fmt, va_list ap);
int __wrap_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int __wrap_vfprintf(FILE *f, const char *fmt, va_list ap);
int __wrap_snprintf(char *buf, size_t cap, const char *fmt, ...);
int __wrap_sprintf(char *buf, const char *fmt, ...);
int __wrap_vsprintf(char *buf, const char *fmt, va_list ap);
int __wrap_fprintf(FILE *f, const char *fmt, ...);
int __wrap_printf(const char *fmt, ...);
int __wrap_vprintf(const char *fmt, va_list ap);

/* fmt with z, t and j rewritten, in out; fmt itself when it does not fit. */
static const char *newlib_format(const char *fmt, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = fmt; *p != '\0'; p++) {
        if (n + 3 >= cap)
            return fmt;
        out[n++] = *p;
        if (*p != '%')
            continue;
        /* flags, width, precision */
        while (p[1] != '\0' && strchr("-+ #0123456789.*", p[1]) != NULL) {
            if (n + 3 >= cap)
                return fmt;
            out[n++] = *++p;
        }
        if (p[1] == 'z' || p[1] == 't') {
            out[n++] = 'l';
            p++;
        } else if (p[1] == 'j') {
            out[n++] = 'l';
            out[n++] = 'l';
            p++;
        } else if (p[1] == '%') {
            out[n++] = *++p;
        }
    }
    out[n] = '\0';
    return out;
}

int __wrap_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    char f[512];
    return __real_vsnprintf(buf, cap, newlib_format(fmt, f, sizeof(f)), ap);
}

int __wrap_vfprintf(FILE *out, const char *fmt, va_list ap)
{
    char f[512];
    return __real_vfprintf(out, newlib_format(fmt, f, sizeof(f)), ap);
}

int __wrap_vsprintf(char *buf, const char *fmt, va_list ap)
{
    char f[512];
    return __real_vsprintf(buf, newlib_format(fmt, f, sizeof(f)), ap);
}

int __wrap_vprintf(const char *fmt, va_list ap) { return __wrap_vfprintf(stdout, fmt, ap); }

int __wrap_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __wrap_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

int __wrap_sprintf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __wrap_vsprintf(buf, fmt, ap);
    va_end(ap);
    return n;
}

int __wrap_fprintf(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __wrap_vfprintf(out, fmt, ap);
    va_end(ap);
    return n;
}

int __wrap_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __wrap_vfprintf(stdout, fmt, ap);
    va_end(ap);
    return n;
}
