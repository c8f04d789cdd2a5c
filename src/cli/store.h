/* The tool's files on disk (see store.c). */
#ifndef GF_STORE_H
#define GF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "giofetch/giofetch.h"

#define STORE_PATH_MAX 4096
#define STORE_NAME_MAX 144 /* 128 bytes of name and a part-<i>-<n> fallback */

/* mkdir -p; 0 or an errno. */
int store_mkdirs(const char *path);
/* A regular file dir/name exists. */
bool store_exists(const char *dir, const char *name);

/* The file name for link number index of a folder, given the names already
 * taken there (names[0..count)). */
void store_name(const char *link, size_t index, char names[][STORE_NAME_MAX], size_t count,
                char out[STORE_NAME_MAX]);

/* A download's sink: dir/name.part, resumed if it exists; commit fsyncs and
 * renames it to dir/name. err holds the errno of a failure. */
typedef struct store_file {
    gf_sink sink;
    int fd;
    int err;
    uint64_t unsynced;       /* bytes written since the last writeback hint */
    char etag[GF_ETAG_MAX + 1]; /* the validator of the bytes written      */
    uint64_t opened_with;    /* bytes the .part held when opened        */
    char part[STORE_PATH_MAX];
    char final[STORE_PATH_MAX];
} store_file;

int store_open(store_file *f, const char *dir, const char *name); /* 0 or errno */
void store_close(store_file *f); /* keeps the .part, unless it is empty */

/* One MANIFEST line. */
typedef struct store_entry {
    char name[STORE_NAME_MAX];
    char md5[33];
    uint64_t bytes;
} store_entry;

/* MD5 (hex) and size of dir/name. 0 or errno. */
int store_md5_file(const char *dir, const char *name, char hex[33], uint64_t *size);
/* Write dir/MANIFEST atomically (md5sum format), then fsync dir. 0 or errno. */
int store_write_manifest(const char *dir, const store_entry *e, size_t count);
/* Read dir/MANIFEST; returns the entries read (0 when absent). */
size_t store_read_manifest(const char *dir, store_entry *e, size_t max);

/* Take dir/.giofetch.lock (flock), read-write or else read-only, waiting up
 * to wait_s; waiting (may be NULL) is told once, with user, when the lock
 * is held by someone else. path receives the lock's path, step what was being done
 * ("create the folder", "create the lock file", "open the lock file",
 * "lock"). 0, EWOULDBLOCK when still held, or another errno. */
int store_lock(const char *dir, uint32_t wait_s, int *fd, char *path, size_t cap,
               const char **step,
               void (*waiting)(void *user, const char *path, uint32_t wait_s), void *user);
void store_unlock(int fd);

/* A whole file, malloc'd, with a NUL after its bytes (mbedTLS wants one
 * after PEM); *len counts the NUL. NULL with errno set on failure (EFBIG:
 * larger than about max bytes). */
unsigned char *store_read_file(const char *path, size_t max, size_t *len);
/* No CA bundle is this large; a larger file is not one. */
#define STORE_CA_MAX (64u << 20)

#endif
