/*
 * gf_example: the C API example of README.md, as a program. The part
 * between the README markers is the README's text, word for word (the
 * end-to-end test tests/e2e/test_example.py compares them and runs this
 * program against the local servers). Around it: a POSIX port, a sink that
 * writes one file per link, and main().
 *
 *   GIO_TOKEN=... gf_example BASE_URL CA_FILE PROJECT hour|day DATA DATE OUT_DIR
 *
 * Prints one line per file written ("part-0 1234 md5-header"), then the
 * result's gf_strerror(); exits 0 when every file arrived.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "giofetch/giofetch.h"
#include "giofetch/tls.h"
#include "gf_port_posix.h"

/* ---- the application's side: settings and a file sink --------------------- */

static unsigned char *ca_pem;
static size_t ca_pem_len;
static const char *my_token, *my_base_url, *out_dir;

typedef struct file_sink {
    gf_sink sink;
    int fd;
    char etag[GF_ETAG_MAX + 1];
} file_sink;

static gf_status fs_held(void *ctx, uint64_t *bytes, char etag[GF_ETAG_MAX + 1])
{
    file_sink *f = ctx;
    struct stat sb;
    if (fstat(f->fd, &sb) != 0)
        return GF_E_SINK;
    *bytes = (uint64_t)sb.st_size;
    memcpy(etag, f->etag, sizeof(f->etag));
    return GF_OK;
}

static gf_status fs_read_back(void *ctx, uint64_t off, unsigned char *buf, size_t len)
{
    file_sink *f = ctx;
    ssize_t r = pread(f->fd, buf, len, (off_t)off);
    return r >= 0 && (size_t)r == len ? GF_OK : GF_E_SINK;
}

static gf_status fs_write(void *ctx, const unsigned char *data, size_t len)
{
    file_sink *f = ctx;
    ssize_t r = write(f->fd, data, len);
    return r >= 0 && (size_t)r == len ? GF_OK : GF_E_SINK;
}

static gf_status fs_restart(void *ctx, const char *etag)
{
    file_sink *f = ctx;
    if (ftruncate(f->fd, 0) != 0 || lseek(f->fd, 0, SEEK_SET) != 0)
        return GF_E_SINK;
    snprintf(f->etag, sizeof(f->etag), "%s", etag);
    return GF_OK;
}

static gf_status fs_commit(void *ctx)
{
    file_sink *f = ctx;
    return fsync(f->fd) == 0 ? GF_OK : GF_E_SINK;
}

static file_sink files[GF_LINKS_MAX];

/* The sink of link i: OUT_DIR/part-<i>, a file of its own. */
static gf_status open_sink(size_t i, const gf_sink **sink)
{
    file_sink *f = &files[i];
    char path[4096];
    snprintf(path, sizeof(path), "%s/part-%zu", out_dir, i);
    f->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (f->fd < 0)
        return GF_E_SINK;
    f->sink = (gf_sink){.ctx = f,
                        .held = fs_held,
                        .read_back = fs_read_back,
                        .write = fs_write,
                        .restart = fs_restart,
                        .commit = fs_commit};
    *sink = &f->sink;
    return GF_OK;
}

static void close_sink(size_t i)
{
    if (files[i].fd >= 0)
        close(files[i].fd);
    files[i].fd = -1;
}

static void print_file(size_t i, const gf_download_result *res)
{
    printf("part-%zu %llu %s\n", i, (unsigned long long)res->bytes,
           gf_verified_name(res->verified));
}

/* README: begin */
static gf_client cl;                  /* its buffers are sized in config.h */
static gf_tls tls;
static gf_answer ans;                 /* links: views into cl's answer buffer */

gf_status fetch_export(const gf_port *port, const gf_request *req)
{
    gf_status st;

    if ((st = gf_tls_init(&tls)) != GF_OK ||          /* GF_E_CONFIG: other limits */
        (st = gf_tls_setup(&tls, port)) != GF_OK ||   /* RNG from port->entropy */
        (st = gf_tls_add_ca(&tls, ca_pem, ca_pem_len)) != GF_OK ||
        (st = gf_client_init(&cl, port, &tls)) != GF_OK) /* GF_E_CONFIG too */
        goto out;
    cl.crypto = &gf_crypto_mbedtls;                   /* MD5 checks; NULL: size only */
    cl.token = my_token;                              /* sent to the API's origin only */
    cl.base_url = my_base_url;                        /* NULL: www.growingio.com */

    st = gf_export_links(&cl, req, &ans);             /* GF_OK means FINISHED */
    for (size_t i = 0; st == GF_OK && i < ans.count; i++) {
        const gf_sink *sink;                          /* one sink per file */
        gf_download_result res;
        if ((st = open_sink(i, &sink)) != GF_OK)
            break;
        st = gf_download(&cl, ans.link[i].ptr, sink, &res);
        if (st == GF_OK)
            print_file(i, &res);                      /* res.verified: md5-header... */
        close_sink(i);
    }
out:
    gf_client_free(&cl);
    gf_tls_free(&tls);
    return st;                       /* GF_RUNNING, GF_NOT_EXISTS, GF_E_LINK_EXPIRED, ... */
}
/* README: end */

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (n + 4097 > cap) {
            unsigned char *b = realloc(buf, cap = cap * 2 + 8192);
            if (b == NULL)
                break;
            buf = b;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    if (buf != NULL)
        buf[n++] = '\0'; /* mbedTLS wants PEM NUL-terminated */
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    static gf_port port;
    gf_request req;
    if (argc != 8 || getenv("GIO_TOKEN") == NULL) {
        fprintf(stderr, "usage: GIO_TOKEN=... gf_example BASE_URL CA_FILE PROJECT hour|day "
                        "DATA DATE OUT_DIR\n");
        return 2;
    }
    my_base_url = argv[1];
    my_token = getenv("GIO_TOKEN");
    out_dir = argv[7];
    if ((ca_pem = read_all(argv[2], &ca_pem_len)) == NULL) {
        fprintf(stderr, "gf_example: cannot read %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    memset(&req, 0, sizeof(req));
    req.ai = argv[3];
    req.date = argv[6];
    req.expire_min = 5;
    if (gf_export_type_parse(argv[4], strlen(argv[4]), &req.type) != GF_OK ||
        gf_data_type_parse(argv[5], strlen(argv[5]), &req.data) != GF_OK) {
        fprintf(stderr, "gf_example: bad type or data type\n");
        return 2;
    }
    for (size_t i = 0; i < GF_LINKS_MAX; i++)
        files[i].fd = -1;
    gf_port_posix_init(&port);
    gf_status st = fetch_export(&port, &req);
    printf("%s\n", gf_strerror(st));
    free(ca_pem);
    return st == GF_OK ? 0 : 1;
}
