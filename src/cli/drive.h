/* One file of an export flow (gf_flow), from its hand-out to its outcome,
 * on one connection: what jobs.c does with each file, with or without
 * threads. */
#ifndef GF_DRIVE_H
#define GF_DRIVE_H

#include <pthread.h>

#include "jobs.h"

/* Where one download runs: its connection, and what the --jobs progress
 * line reads of it (under the lock). */
typedef struct drive_slot {
    jobs_conn conn;          /* the client it downloads with, for messages */
    bool busy;               /* downloading                                */
    uint64_t done;           /* bytes of its file so far                   */
    char url[GF_URL_MAX];    /* its own copy of the link                   */
} drive_slot;

/* What the slots of one export share. m is NULL when there are no threads. */
typedef struct drive {
    gf_flow *flow;
    const gf_answer *ans;
    const jobs_files *jf;
    pthread_mutex_t *m;
} drive;

/* File i, handed out by gf_flow_next, on slot s: begin, download (without
 * the lock), tell the flow, and end or drop. Called, and returns, with the
 * lock held. Returns the file's size when it arrived, else 0. */
uint64_t drive_file(const drive *d, drive_slot *s, size_t i);

/* Every file of the flow, one after the other on slot s. Returns
 * gf_flow_result. */
gf_status drive_in_turn(const drive *d, drive_slot *s);

#endif
