/*
 * gf_part: a test driver for large files. Downloads one URL into DIR/NAME
 * through the CLI's own .part sink (src/cli/store.c: open, fstat, lseek,
 * pread, write, ftruncate, fsync, rename), resuming whatever DIR/NAME.part
 * already holds, and prints
 *     held=N
 *     result=0 ok bytes=N resumed=1 attempts=1
 * Without --md5 the download is checked by size only, so a resumed .part is
 * not read back: a test can hand it a sparse .part of several GiB and look
 * at the offsets alone (held size, Range asked for, size stored), in
 * seconds even under an emulator. With --md5 the held bytes are read back
 * to rebuild the file's MD5, as the CLI does.
 *
 *   gf_part [--ca FILE] [--md5] [--timeout MS] URL DIR NAME
 * Exit 0 when the download gave GF_OK.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "giofetch/giofetch.h"
#include "giofetch/tls.h"
#include "gf_port_posix.h"
#include "../../src/cli/store.h"

int main(int argc, char **argv)
{
    static gf_port port;
    static gf_tls tls;
    static gf_client cl;
    static store_file part;
    const char *ca = NULL;
    const char *etag = NULL;
    int md5 = 0, i, rc;
    uint32_t timeout = 10000;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc) {
            ca = argv[++i];
        } else if (strcmp(argv[i], "--md5") == 0) {
            md5 = 1;
        } else if (strcmp(argv[i], "--etag") == 0 && i + 1 < argc) {
            etag = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            timeout = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "gf_part: bad option %s\n", argv[i]);
            return 2;
        }
    }
    if (argc - i != 3) {
        fprintf(stderr, "usage: gf_part [--ca FILE] [--md5] [--etag ETAG] [--timeout MS] URL DIR NAME\n");
        return 2;
    }
    const char *url = argv[i], *dir = argv[i + 1], *name = argv[i + 2];

    gf_port_posix_init(&port);
    gf_tls_init(&tls);
    if (gf_tls_setup(&tls, &port) != GF_OK)
        return 3;
    if (ca != NULL) {
        size_t len;
        unsigned char *pem = store_read_file(ca, STORE_CA_MAX, &len);
        if (pem == NULL || gf_tls_add_ca(&tls, pem, len) != GF_OK) {
            fprintf(stderr, "gf_part: cannot load %s\n", ca);
            return 3;
        }
        free(pem);
    }
    gf_client_init(&cl, &port, &tls);
    cl.http.timeout_ms = timeout;
    cl.retries = 0;
    cl.crypto = md5 ? &gf_crypto_mbedtls : NULL;

    rc = store_open(&part, dir, name);
    if (rc != 0) {
        fprintf(stderr, "gf_part: cannot open %s/%s.part: %s\n", dir, name, strerror(rc));
        return 3;
    }
    /* The validator an earlier run kept for the held bytes (a caller that
     * persists it): the resume goes out with If-Range. */
    if (etag != NULL)
        snprintf(part.etag, sizeof(part.etag), "%s", etag);
    uint64_t held = 0;
    char held_etag[GF_ETAG_MAX + 1];
    if (part.sink.held(part.sink.ctx, &held, held_etag) != GF_OK) {
        fprintf(stderr, "gf_part: cannot size %s: %s\n", part.part, strerror(part.err));
        return 3;
    }
    printf("held=%llu\n", (unsigned long long)held);
    fflush(stdout);

    gf_download_result res;
    gf_status st = gf_download(&cl, url, &part.sink, &res);
    printf("result=%d %s bytes=%llu resumed=%d attempts=%u", (int)st, gf_strerror(st),
           (unsigned long long)res.bytes, res.resumed ? 1 : 0, (unsigned)res.attempts);
    if (st == GF_E_SINK)
        printf(" (%s)", strerror(part.err));
    printf("\n");
    store_close(&part);
    gf_client_free(&cl);
    gf_tls_free(&tls);
    return st == GF_OK ? 0 : 1;
}
