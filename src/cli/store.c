/* Files on disk: the .part sink, safe names, the MANIFEST, the lock. A file
 * gets its final name only once it is complete and verified; a folder gets
 * its MANIFEST only once every file in it has. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#ifdef __linux__
#define _GNU_SOURCE /* sync_file_range */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

int store_mkdirs(const char *path)
{
    char tmp[STORE_PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof(tmp))
        return ENAMETOOLONG;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return errno;
        tmp[i] = c;
    }
    struct stat sb;
    if (stat(path, &sb) != 0)
        return errno;
    return S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
}

bool store_exists(const char *dir, const char *name)
{
    char path[STORE_PATH_MAX];
    struct stat sb;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return false;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* ---- names ------------------------------------------------------------- */

/* Names are ASCII ([A-Za-z0-9._-] or part-<i>...), and the tool never sets
 * a locale: strcasecmp compares them as case-insensitive file systems do. */
static bool taken(char names[][STORE_NAME_MAX], size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcasecmp(names[i], name) == 0)
            return true;
    }
    return false;
}

/* A file keeps the raw last path segment of its link when that is only [A-Za-z0-9._-],
 * 1..128 bytes, no leading dot, not MANIFEST, not ending in .part. */
static bool safe_segment(const char *s, size_t n)
{
    static const char part[] = ".part";
    if (n == 0 || n > 128 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    if (n == 8 && memcmp(s, "MANIFEST", 8) == 0)
        return false;
    return !(n >= sizeof(part) - 1 && memcmp(s + n - (sizeof(part) - 1), part, sizeof(part) - 1) == 0);
}

void store_name(const char *link, size_t index, char names[][STORE_NAME_MAX], size_t count,
                char out[STORE_NAME_MAX])
{
    gf_url u;
    out[0] = '\0';
    if (gf_url_parse(link, strlen(link), &u) == GF_OK) {
        const char *seg = u.path.ptr;
        size_t n = u.path.len;
        for (size_t i = 0; i < u.path.len; i++) {
            if (u.path.ptr[i] == '/') {
                seg = u.path.ptr + i + 1;
                n = u.path.len - i - 1;
            }
        }
        if (safe_segment(seg, n)) {
            memcpy(out, seg, n);
            out[n] = '\0';
            if (!taken(names, count, out))
                return;
        }
    }
    snprintf(out, STORE_NAME_MAX, "part-%zu.csv.gz", index);
    for (unsigned k = 1; taken(names, count, out); k++)
        snprintf(out, STORE_NAME_MAX, "part-%zu-%u.csv.gz", index, k);
}

/* ---- the .part sink ---------------------------------------------------- */

static gf_status fail(store_file *f, int err)
{
    f->err = err;
    return GF_E_SINK;
}

/* The ETag is kept for this run only: a .part from an earlier run is
 * continued only when the server's MD5 checks the result. */
static gf_status f_held(void *ctx, uint64_t *bytes, char etag[GF_ETAG_MAX + 1])
{
    store_file *f = ctx;
    struct stat sb;
    if (fstat(f->fd, &sb) != 0)
        return fail(f, errno);
    *bytes = (uint64_t)sb.st_size;
    memcpy(etag, f->etag, sizeof(f->etag));
    return GF_OK;
}

static gf_status f_read_back(void *ctx, uint64_t off, unsigned char *buf, size_t len)
{
    store_file *f = ctx;
    while (len > 0) {
        ssize_t r = pread(f->fd, buf, len, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return fail(f, r < 0 ? errno : EIO);
        buf += r;
        off += (uint64_t)r;
        len -= (size_t)r;
    }
    return GF_OK;
}

#define WRITEBACK_STEP (1u << 20)

static gf_status f_write(void *ctx, const unsigned char *data, size_t len)
{
    store_file *f = ctx;
    while (len > 0) {
        ssize_t r = write(f->fd, data, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return fail(f, r < 0 ? errno : ENOSPC);
        data += r;
        len -= (size_t)r;
        f->unsynced += (uint64_t)r;
    }
#ifdef SYNC_FILE_RANGE_WRITE
    /* Start writing back each MiB as it arrives, so the fsync before the
     * rename has little left to wait for. Only a hint: errors show there. */
    if (f->unsynced >= WRITEBACK_STEP) {
        off_t end = lseek(f->fd, 0, SEEK_CUR);
        if (end > 0)
            (void)sync_file_range(f->fd, end - (off_t)f->unsynced, (off_t)f->unsynced,
                                  SYNC_FILE_RANGE_WRITE);
        f->unsynced = 0;
    }
#endif
    return GF_OK;
}

static gf_status f_restart(void *ctx, const char *etag)
{
    store_file *f = ctx;
    if (ftruncate(f->fd, 0) != 0 || lseek(f->fd, 0, SEEK_SET) != 0)
        return fail(f, errno);
    snprintf(f->etag, sizeof(f->etag), "%s", etag);
    f->opened_with = 0; /* nothing held counts as fetched before this run */
    return GF_OK;
}

static gf_status f_commit(void *ctx)
{
    store_file *f = ctx;
    if (fsync(f->fd) != 0) {
        int e = errno;
        close(f->fd);
        f->fd = -1;
        return fail(f, e);
    }
    if (close(f->fd) != 0) {
        f->fd = -1;
        return fail(f, errno);
    }
    f->fd = -1;
    if (rename(f->part, f->final) != 0)
        return fail(f, errno);
    return GF_OK;
}

int store_open(store_file *f, const char *dir, const char *name)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    if ((size_t)snprintf(f->final, sizeof(f->final), "%s/%s", dir, name) >= sizeof(f->final) ||
        (size_t)snprintf(f->part, sizeof(f->part), "%s/%s.part", dir, name) >= sizeof(f->part))
        return ENAMETOOLONG;
    /* No O_TRUNC: what an earlier run left is resumed. */
    f->fd = open(f->part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f->fd < 0)
        return errno;
    off_t end = lseek(f->fd, 0, SEEK_END);
    if (end < 0) {
        int e = errno;
        close(f->fd);
        f->fd = -1;
        return e;
    }
    f->opened_with = (uint64_t)end;
    f->sink.ctx = f;
    f->sink.held = f_held;
    f->sink.read_back = f_read_back;
    f->sink.write = f_write;
    f->sink.restart = f_restart;
    f->sink.commit = f_commit;
    return 0;
}

void store_close(store_file *f)
{
    struct stat sb;
    if (f->fd < 0)
        return;
    /* An empty .part (a refusal before the first byte) is no progress. */
    if (fstat(f->fd, &sb) == 0 && sb.st_size == 0)
        unlink(f->part);
    close(f->fd);
    f->fd = -1;
}

/* ---- MANIFEST ---------------------------------------------------------- */

int store_md5_file(const char *dir, const char *name, char hex[33], uint64_t *size)
{
    char path[STORE_PATH_MAX];
    unsigned char buf[16384], md5[16];
    gf_md5_ctx ctx;
    uint64_t total = 0;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return ENAMETOOLONG;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    bool hashed = gf_crypto_mbedtls.md5_start(&ctx) == GF_OK;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            (void)gf_crypto_mbedtls.md5_finish(&ctx, md5); /* frees the context */
            return e;
        }
        if (r == 0)
            break;
        hashed = hashed && gf_crypto_mbedtls.md5_update(&ctx, buf, (size_t)r) == GF_OK;
        total += (uint64_t)r;
    }
    close(fd);
    hashed = gf_crypto_mbedtls.md5_finish(&ctx, md5) == GF_OK && hashed;
    if (!hashed)
        return EIO;
    gf_hex_encode(hex, md5, sizeof(md5));
    *size = total;
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

int store_write_manifest(const char *dir, const store_entry *e, size_t count)
{
    char tmp[STORE_PATH_MAX], path[STORE_PATH_MAX];
    /* A leading dot: no link's file can have this name (see store_name). */
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.MANIFEST.tmp", dir) >= sizeof(tmp) ||
        (size_t)snprintf(path, sizeof(path), "%s/MANIFEST", dir) >= sizeof(path))
        return ENAMETOOLONG;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return errno;
    for (size_t i = 0; i < count; i++)
        fprintf(f, "%s  %s\n", e[i].md5, e[i].name);
    int rc = 0;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = errno;
    if (fclose(f) != 0 && rc == 0)
        rc = errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = errno;
    if (rc != 0) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir(dir);
}

size_t store_read_manifest(const char *dir, store_entry *e, size_t max)
{
    char path[STORE_PATH_MAX], line[STORE_NAME_MAX + 64];
    size_t n = 0;
    if ((size_t)snprintf(path, sizeof(path), "%s/MANIFEST", dir) >= sizeof(path))
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (n < max && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) < 35 || line[32] != ' ' || line[33] != ' ')
            continue;
        memcpy(e[n].md5, line, 32);
        e[n].md5[32] = '\0';
        size_t len = strlen(line + 34);
        if (len >= sizeof(e[n].name))
            continue;
        memcpy(e[n].name, line + 34, len + 1);
        char p[STORE_PATH_MAX];
        struct stat sb;
        e[n].bytes = 0;
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, e[n].name) < sizeof(p) && stat(p, &sb) == 0)
            e[n].bytes = (uint64_t)sb.st_size;
        n++;
    }
    fclose(f);
    return n;
}

/* ---- the lock ---------------------------------------------------------- */

int store_lock(const char *dir, uint32_t wait_s, int *out, char *path, size_t cap,
               const char **step,
               void (*waiting)(void *user, const char *path, uint32_t wait_s), void *user)
{
    *step = "create the folder";
    int rc = store_mkdirs(dir);
    if (rc != 0)
        return rc;
    if ((size_t)snprintf(path, cap, "%s/.giofetch.lock", dir) >= cap)
        return ENAMETOOLONG;
    /* flock needs no write access: a lock file left by another user (root's
     * cron run) serves everyone who can read it. The mode is what umask
     * allows of 0644. */
    *step = "create the lock file";
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
        int e = errno;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
            errno = e; /* no lock file, and no right to create one */
        else
            *step = "open the lock file";
    }
    if (fd < 0)
        return errno;
    *step = "lock";
    for (uint32_t waited = 0;; waited++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *out = fd;
            return 0;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int e = errno;
            close(fd);
            return e;
        }
        if (waited >= wait_s) {
            close(fd);
            return EWOULDBLOCK;
        }
        if (waited == 0 && waiting != NULL)
            waiting(user, path, wait_s);
        sleep(1);
    }
}

void store_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* closing the descriptor releases the flock */
}

/* ---- whole files ------------------------------------------------------- */

unsigned char *store_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (cap - n < 8193) {
            if (cap >= max) {
                free(buf);
                fclose(f);
                errno = EFBIG;
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            unsigned char *b = realloc(buf, cap);
            if (b == NULL) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = b;
        }
        size_t r = fread(buf + n, 1, 8192, f);
        n += r;
        if (r == 0)
            break;
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err != 0) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n++] = '\0';
    *len = n;
    return buf;
}
