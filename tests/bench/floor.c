/*
 * gf_floor: the least work a download can do, as the benchmark's baseline.
 *
 *   gf_floor [--ca FILE] [--suite NAME] [--md5] [--buf N] -o FILE|-d DIR URL...
 *   gf_floor --version
 *
 * Every URL is fetched in turn on one kept-alive connection (all URLs must
 * share one origin). The bodies go into FILE, one after the other, or into
 * DIR/0, DIR/1, ... (one file per URL), with write(2), one call per buffer
 * read:
 *
 *   http    connect, send a minimal GET, recv into a 16 KB buffer, write.
 *   https   the same through mbedTLS: verification on (--ca, the host name
 *           checked), one cipher suite only (--suite, an IANA name as
 *           mbedTLS spells it; default ECDHE-ECDSA with ChaCha20-Poly1305),
 *           the cheapest key exchange mbedTLS offers (X25519, then P-256;
 *           --default-curves keeps mbedTLS's own list, which puts P-521
 *           first), mbedTLS's default 16 KB record buffers, mbedtls_ssl_read
 *           into the same 16 KB buffer.
 *
 * No HTTP parsing beyond the status code, Content-Length (to find the end
 * of a body on a kept-alive connection) and the blank line that ends the
 * header. No retry, no resume, no timeout. --md5 adds an MD5 of the bodies
 * (what verifying the x-amz-meta-md5-hash header costs); --buf changes the
 * buffer size. Prints "floor: <protocol> <suite> bytes=N" on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md5.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <psa/crypto.h>
#define mbedtls_md5_starts_ret mbedtls_md5_starts
#define mbedtls_md5_update_ret mbedtls_md5_update
#define mbedtls_md5_finish_ret mbedtls_md5_finish
#endif

#define BUF_MAX (1024u * 1024u)

static unsigned char *buf;
static size_t buf_size = 16384;

typedef struct conn {
    int fd;
    int tls;
    mbedtls_ssl_context ssl;
} conn;

static void die(const char *what, int ret)
{
    char msg[160] = "";
    if (ret < 0)
        mbedtls_strerror(ret, msg, sizeof(msg));
    else if (ret > 0)
        snprintf(msg, sizeof(msg), "%s", strerror(ret));
    fprintf(stderr, "floor: %s%s%s\n", what, msg[0] ? ": " : "", msg);
    exit(1);
}

/* ---- URL: scheme://host[:port]/path?query ------------------------------ */

typedef struct url {
    int https;
    char host[256];
    char port[8];
    const char *target; /* path and query, as given */
} url;

static void parse_url(const char *s, url *u)
{
    const char *p;
    if (strncmp(s, "https://", 8) == 0) {
        u->https = 1;
        p = s + 8;
    } else if (strncmp(s, "http://", 7) == 0) {
        u->https = 0;
        p = s + 7;
    } else {
        die("URL must start with http:// or https://", 0);
        return;
    }
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof(u->host))
        die("bad host in URL", 0);
    memcpy(u->host, p, hl);
    u->host[hl] = '\0';
    p += hl;
    if (*p == ':') {
        size_t pl = strcspn(p + 1, "/");
        if (pl == 0 || pl >= sizeof(u->port))
            die("bad port in URL", 0);
        memcpy(u->port, p + 1, pl);
        u->port[pl] = '\0';
        p += 1 + pl;
    } else {
        snprintf(u->port, sizeof(u->port), "%s", u->https ? "443" : "80");
    }
    u->target = *p == '/' ? p : "/";
}

/* ---- bytes in and out ------------------------------------------------- */

static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints, *list, *ai;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        fprintf(stderr, "floor: %s: %s\n", host, gai_strerror(rc));
        exit(1);
    }
    int fd = -1;
    for (ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd < 0)
        die("connect", errno);
    return fd;
}

static int bio_send(void *ctx, const unsigned char *p, size_t len)
{
    ssize_t n = send(*(int *)ctx, p, len, MSG_NOSIGNAL);
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int bio_recv(void *ctx, unsigned char *p, size_t len)
{
    ssize_t n;
    do
        n = recv(*(int *)ctx, p, len, 0);
    while (n < 0 && errno == EINTR);
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

/* Read up to cap bytes; 0 at the end of the stream. */
static size_t conn_read(conn *c, unsigned char *p, size_t cap)
{
    if (!c->tls) {
        ssize_t n;
        do
            n = recv(c->fd, p, cap, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            die("recv", errno);
        return (size_t)n;
    }
    for (;;) {
        int ret = mbedtls_ssl_read(&c->ssl, p, cap);
        if (ret > 0)
            return (size_t)ret;
        if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
            return 0;
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
            die("mbedtls_ssl_read", ret);
    }
}

static void conn_write(conn *c, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n;
        if (c->tls) {
            int ret = mbedtls_ssl_write(&c->ssl, p, len);
            if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
                continue;
            if (ret < 0)
                die("mbedtls_ssl_write", ret);
            n = ret;
        } else {
            n = send(c->fd, p, len, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                die("send", errno);
        }
        p += n;
        len -= (size_t)n;
    }
}

static void file_write(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("write", n < 0 ? errno : ENOSPC);
        p += n;
        len -= (size_t)n;
    }
}

/* ---- one response ------------------------------------------------------ */

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Content-Length from a header block (NUL-terminated); -1 when absent. */
static long long content_length(const char *h)
{
    static const char name[] = "\ncontent-length:";
    for (const char *p = h; *p != '\0'; p++) {
        size_t i = 0;
        while (name[i] != '\0' && lower((unsigned char)p[i]) == name[i])
            i++;
        if (name[i] == '\0') {
            p += i;
            while (*p == ' ' || *p == '\t')
                p++;
            return strtoll(p, NULL, 10);
        }
    }
    return -1;
}

/* Fetch one target on the connection; the body goes to out. */
static unsigned long long fetch(conn *c, const url *u, int out, mbedtls_md5_context *md5)
{
    char req[4096];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%s\r\n\r\n", u->target,
                     u->host, u->port);
    if (n < 0 || (size_t)n >= sizeof(req))
        die("URL too long", 0);
    conn_write(c, (const unsigned char *)req, (size_t)n);

    /* The header: read until the blank line; what follows is body. */
    size_t have = 0, end = 0;
    for (;;) {
        if (have == buf_size)
            die("response header larger than the buffer", 0);
        size_t got = conn_read(c, buf + have, buf_size - have);
        if (got == 0)
            die("connection closed in the header", 0);
        size_t from = have >= 3 ? have - 3 : 0;
        have += got;
        for (size_t i = from; i + 4 <= have; i++) {
            if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
                end = i + 4;
                break;
            }
        }
        if (end != 0)
            break;
    }
    if (end < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || memcmp(buf + 9, "200", 3) != 0) {
        fprintf(stderr, "floor: not a 200 answer: %.*s\n", (int)strcspn((char *)buf, "\r"), buf);
        exit(1);
    }
    char saved = (char)buf[end - 1];
    buf[end - 1] = '\0';
    long long left = content_length((const char *)buf);
    buf[end - 1] = (unsigned char)saved;

    unsigned long long total = 0;
    size_t len = have - end;
    unsigned char *p = buf + end;
    for (;;) {
        if (left >= 0 && (long long)len > left)
            die("more bytes than Content-Length", 0);
        if (len > 0) {
            file_write(out, p, len);
            if (md5 != NULL)
                mbedtls_md5_update_ret(md5, p, len);
            total += len;
            if (left >= 0)
                left -= (long long)len;
        }
        if (left == 0)
            return total;
        len = conn_read(c, buf, buf_size);
        p = buf;
        if (len == 0) {
            if (left > 0)
                die("connection closed before the end of the body", 0);
            return total;
        }
    }
}

/* ---- main -------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const char *ca = NULL, *suite = "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256";
    const char *outpath = NULL, *outdir = NULL;
    int want_md5 = 0, default_curves = 0, i;

    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        char v[32];
        mbedtls_version_get_string(v);
        printf("gf_floor (mbedTLS %s)\n", v);
        return 0;
    }

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--ca") == 0 && v != NULL) {
            ca = v;
            i++;
        } else if (strcmp(argv[i], "--suite") == 0 && v != NULL) {
            suite = v;
            i++;
        } else if (strcmp(argv[i], "-o") == 0 && v != NULL) {
            outpath = v;
            i++;
        } else if (strcmp(argv[i], "-d") == 0 && v != NULL) {
            outdir = v;
            i++;
        } else if (strcmp(argv[i], "--buf") == 0 && v != NULL) {
            buf_size = (size_t)strtoul(v, NULL, 10);
            i++;
        } else if (strcmp(argv[i], "--md5") == 0) {
            want_md5 = 1;
        } else if (strcmp(argv[i], "--default-curves") == 0) {
            default_curves = 1;
        } else {
            break;
        }
    }
    if (i >= argc || (outpath == NULL) == (outdir == NULL) || buf_size < 1024 || buf_size > BUF_MAX) {
        fprintf(stderr, "usage: gf_floor [--ca FILE] [--suite NAME] [--md5] [--buf N] "
                        "[--default-curves] -o FILE|-d DIR URL...\n");
        return 2;
    }
    buf = malloc(buf_size);
    if (buf == NULL)
        die("out of memory", 0);

    url first;
    parse_url(argv[i], &first);

    conn c;
    memset(&c, 0, sizeof(c));
    c.fd = tcp_connect(first.host, first.port);
    c.tls = first.https;

    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt cas;
    int suites[2] = {0, 0};
    if (c.tls) {
        int ret;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
        if (psa_crypto_init() != PSA_SUCCESS)
            die("psa_crypto_init", 0);
#endif
        if (ca == NULL)
            die("https needs --ca FILE", 0);
        suites[0] = mbedtls_ssl_get_ciphersuite_id(suite);
        if (suites[0] == 0) {
            fprintf(stderr, "floor: unknown cipher suite %s\n", suite);
            return 2;
        }
        mbedtls_ssl_config_init(&conf);
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
        mbedtls_x509_crt_init(&cas);
        mbedtls_ssl_init(&c.ssl);
        if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)) != 0)
            die("mbedtls_ctr_drbg_seed", ret);
        if ((ret = mbedtls_x509_crt_parse_file(&cas, ca)) != 0)
            die("loading the CA file", ret);
        if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                               MBEDTLS_SSL_TRANSPORT_STREAM,
                                               MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
            die("mbedtls_ssl_config_defaults", ret);
        mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&conf, &cas, NULL);
        mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
        mbedtls_ssl_conf_ciphersuites(&conf, suites);
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
        /* one suite, so one protocol version: TLS 1.3 suites are named TLS1-3-... */
        if (strncmp(suite, "TLS1-3-", 7) == 0) {
            mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_3);
        } else {
            mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
        }
#endif
        if (!default_curves) {
#if MBEDTLS_VERSION_NUMBER >= 0x03010000
            static const uint16_t groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
                                              MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1, 0};
            mbedtls_ssl_conf_groups(&conf, groups);
#else
            static const mbedtls_ecp_group_id curves[] = {MBEDTLS_ECP_DP_CURVE25519,
                                                          MBEDTLS_ECP_DP_SECP256R1,
                                                          MBEDTLS_ECP_DP_NONE};
            mbedtls_ssl_conf_curves(&conf, curves);
#endif
        }
        if ((ret = mbedtls_ssl_setup(&c.ssl, &conf)) != 0)
            die("mbedtls_ssl_setup", ret);
        if ((ret = mbedtls_ssl_set_hostname(&c.ssl, first.host)) != 0)
            die("mbedtls_ssl_set_hostname", ret);
        mbedtls_ssl_set_bio(&c.ssl, &c.fd, bio_send, bio_recv, NULL);
        while ((ret = mbedtls_ssl_handshake(&c.ssl)) != 0) {
            if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
                uint32_t flags = mbedtls_ssl_get_verify_result(&c.ssl);
                if (flags != 0 && flags != (uint32_t)-1) {
                    char info[256];
                    mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
                    fprintf(stderr, "floor: certificate refused: %s", info);
                }
                die("TLS handshake", ret);
            }
        }
        suite = mbedtls_ssl_get_ciphersuite(&c.ssl);
    }

    int out = -1, index = 0;
    char path[4096];
    mbedtls_md5_context md5;
    unsigned char digest[16];
    if (want_md5) {
        mbedtls_md5_init(&md5);
        mbedtls_md5_starts_ret(&md5);
    }
    unsigned long long bytes = 0;
    for (; i < argc; i++) {
        url u;
        parse_url(argv[i], &u);
        if (u.https != first.https || strcmp(u.host, first.host) != 0 ||
            strcmp(u.port, first.port) != 0)
            die("every URL must have the origin of the first", 0);
        if (out < 0) {
            if (outdir != NULL &&
                (size_t)snprintf(path, sizeof(path), "%s/%d", outdir, index++) >= sizeof(path))
                die("output path too long", 0);
            out = open(outdir != NULL ? path : outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (out < 0)
                die(outdir != NULL ? path : outpath, errno);
        }
        bytes += fetch(&c, &u, out, want_md5 ? &md5 : NULL);
        if (outdir != NULL || i + 1 == argc) {
            if (close(out) != 0)
                die("close", errno);
            out = -1;
        }
    }
    if (c.tls) {
        (void)mbedtls_ssl_close_notify(&c.ssl);
        mbedtls_ssl_free(&c.ssl);
        mbedtls_ssl_config_free(&conf);
        mbedtls_x509_crt_free(&cas);
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
        mbedtls_psa_crypto_free();
#endif
    }
    close(c.fd);
    fprintf(stderr, "floor: %s %s bytes=%llu", c.tls ? "https" : "http", c.tls ? suite : "-",
            bytes);
    if (want_md5) {
        mbedtls_md5_finish_ret(&md5, digest);
        mbedtls_md5_free(&md5);
        fprintf(stderr, " md5=");
        for (int k = 0; k < 16; k++)
            fprintf(stderr, "%02x", digest[k]);
    }
    fprintf(stderr, "\n");
    free(buf);
    return 0;
}
