/* Credentials: --token-file, GIO_TOKEN, or GIO_PROJECT_UID + GIO_SECRET_FILE
 * to mint one. A file's content counts up to its first CR or LF. Nothing
 * here ever prints a token or a secret. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Read the first line of a credential file into out (NUL-terminated).
 * Returns its length, or -1 after a message. */
static long read_first_line(cli_report *rp, const char *what, const char *path, char *out,
                            size_t cap)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error(rp, "cannot read the %s file %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &sb) == 0 && (sb.st_mode & (S_IRGRP | S_IROTH)))
        cli_warn(rp, "the %s file %s is readable by group or others (chmod 600 it)", what, path);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, out + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            cli_error(rp, "cannot read the %s file %s: %s", what, path, strerror(errno));
            close(fd);
            return -1;
        }
        n += (size_t)r;
        if (r == 0 || n == cap - 1 || memchr(out, '\n', n) != NULL || memchr(out, '\r', n) != NULL)
            break;
    }
    close(fd);
    size_t len = 0;
    while (len < n && out[len] != '\r' && out[len] != '\n')
        len++;
    if (len == cap - 1) {
        cli_error(rp, "the %s in %s is too long", what, path);
        return -1;
    }
    out[len] = '\0';
    return (long)len;
}

/* A token goes into a header: no control bytes, and something in it. */
static bool usable(cli_report *rp, const char *what, const char *s, size_t len)
{
    if (len == 0) {
        cli_error(rp, "the %s is empty", what);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            cli_error(rp, "the %s holds control characters; refused", what);
            return false;
        }
    }
    return true;
}

int cli_load_creds(const cli_opts *o, cli_report *rp, cli_creds *c)
{
    const char *env;
    memset(c, 0, sizeof(*c));

    env = getenv("GIO_CLIENT_ID");
    if (env != NULL && env[0] != '\0') {
        size_t n = strlen(env);
        if (n >= sizeof(c->client_id) || !usable(rp, "GIO_CLIENT_ID", env, n))
            return EXIT_USAGE;
        memcpy(c->client_id, env, n + 1);
        c->have_client_id = true;
    }

    if (o->token_file != NULL) {
        long n = read_first_line(rp, "token", o->token_file, c->token, sizeof(c->token));
        if (n < 0 || !usable(rp, "token", c->token, (size_t)n))
            return EXIT_USAGE;
        return 0;
    }
    env = getenv("GIO_TOKEN");
    if (env != NULL && env[0] != '\0') {
        size_t n = strlen(env);
        if (n >= sizeof(c->token)) {
            cli_error(rp, "GIO_TOKEN is too long");
            return EXIT_USAGE;
        }
        if (!usable(rp, "token in GIO_TOKEN", env, n))
            return EXIT_USAGE;
        memcpy(c->token, env, n + 1);
        return 0;
    }
    const char *uid = getenv("GIO_PROJECT_UID"), *secret = getenv("GIO_SECRET_FILE");
    if (uid != NULL && uid[0] != '\0' && secret != NULL && secret[0] != '\0') {
        size_t n = strlen(uid);
        if (n >= sizeof(c->project_uid)) {
            cli_error(rp, "GIO_PROJECT_UID is too long");
            return EXIT_USAGE;
        }
        memcpy(c->project_uid, uid, n + 1);
        long s = read_first_line(rp, "secret", secret, (char *)c->secret, sizeof(c->secret));
        if (s < 0 || !usable(rp, "secret", (const char *)c->secret, (size_t)s))
            return EXIT_USAGE;
        c->secret_len = (size_t)s;
        if (!c->have_client_id) {
            cli_error(rp, "minting a token needs GIO_CLIENT_ID too");
            return EXIT_USAGE;
        }
        c->mint = true;
        return 0;
    }
    cli_error(rp, "no credentials: use --token-file FILE or GIO_TOKEN (or GIO_PROJECT_UID with "
              "GIO_SECRET_FILE and GIO_CLIENT_ID)");
    return EXIT_USAGE;
}
