/* SPDX-License-Identifier: ISC */
/*
 * workers: a pool of threads, started once and kept (what they set up for
 * themselves, such as a font map, is made once per thread), that runs a
 * function over the indexes of a job together with the calling thread.
 */
#ifndef SLUICE_WORKERS_H
#define SLUICE_WORKERS_H

#include <stddef.h>

struct workers;

/* A pool in which n threads work on each job: the caller's and n - 1
 * started here (fewer when they cannot be started: logged; the caller's
 * always works).  Never NULL. */
struct workers *workers_start(int n);
/* Runs fn(ctx, i) for every i in [0, n), each once, on the pool's
 * threads, and returns when every call has returned. */
void workers_run(struct workers *w, void (*fn)(void *ctx, size_t i), void *ctx, size_t n);
/* Ends the threads and frees w (NULL: nothing). */
void workers_stop(struct workers *w);

#endif
