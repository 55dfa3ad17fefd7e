/* SPDX-License-Identifier: ISC */
/*
 * workers: a pool of kept threads (workers.h).  A job is published under
 * the mutex with a new generation number; each thread takes indexes until
 * none is left, and the last to finish wakes the caller.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "pipeline/workers.h"

struct workers {
	pthread_mutex_t mu;
	pthread_cond_t job;      /* a new job, or the end */
	pthread_cond_t done;     /* the job's last index returned */
	pthread_t *threads;
	int nthreads;
	bool ending;
	unsigned long generation;
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	size_t n;
	size_t next;             /* the next index to take */
	size_t running;          /* indexes taken and not yet returned */
};

/* Takes and runs the job's indexes until none is left; called and
 * returns with the mutex held. */
static void
work(struct workers *w)
{
	while (w->next < w->n) {
		size_t i = w->next++;

		w->running++;
		pthread_mutex_unlock(&w->mu);
		w->fn(w->ctx, i);
		pthread_mutex_lock(&w->mu);
		if (--w->running == 0 && w->next >= w->n)
			pthread_cond_signal(&w->done);
	}
}

static void *
thread_main(void *arg)
{
	struct workers *w = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->ending && w->generation == seen)
			pthread_cond_wait(&w->job, &w->mu);
		if (w->ending)
			break;
		seen = w->generation;
		work(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct workers *
workers_start(int n)
{
	struct workers *w = xcalloc(1, sizeof *w);

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->job, NULL);
	pthread_cond_init(&w->done, NULL);
	w->threads = xcalloc(n > 1 ? (size_t)n - 1 : 1, sizeof *w->threads);
	for (int i = 0; i + 1 < n; i++) {
		int rc = pthread_create(&w->threads[w->nthreads], NULL, thread_main, w);

		if (rc != 0) {
			log_warn("cannot start a worker thread: %s; %d thread%s work%s", strerror(rc),
			    w->nthreads + 1, w->nthreads == 0 ? "" : "s", w->nthreads == 0 ? "s" : "");
			break;
		}
		w->nthreads++;
	}
	return w;
}

void
workers_run(struct workers *w, void (*fn)(void *ctx, size_t i), void *ctx, size_t n)
{
	pthread_mutex_lock(&w->mu);
	w->fn = fn;
	w->ctx = ctx;
	w->n = n;
	w->next = 0;
	w->generation++;
	pthread_cond_broadcast(&w->job);
	work(w);
	while (w->running > 0)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void
workers_stop(struct workers *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->ending = true;
	pthread_cond_broadcast(&w->job);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->job);
	pthread_mutex_destroy(&w->mu);
	free(w->threads);
	free(w);
}
