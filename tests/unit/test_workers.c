/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "pipeline/workers.h"
#include "testlib.h"

/* A job that counts each index's calls, and the threads that ran them. */
struct tally {
	pthread_mutex_t mu;
	int *calls;
	pthread_t seen[16];
	size_t nseen;
};

static void
count(void *ctx, size_t i)
{
	struct tally *t = ctx;
	pthread_t self = pthread_self();
	bool known = false;

	pthread_mutex_lock(&t->mu);
	t->calls[i]++;
	for (size_t k = 0; k < t->nseen; k++)
		known = known || pthread_equal(t->seen[k], self);
	if (!known && t->nseen < 16)
		t->seen[t->nseen++] = self;
	pthread_mutex_unlock(&t->mu);
}

/* Runs jobs of n indexes on a pool of threads, each index exactly once. */
static void
run_jobs(int threads, size_t n, int jobs)
{
	struct workers *w = workers_start(threads);
	struct tally t = { .calls = calloc(n + 1, sizeof(int)) };

	pthread_mutex_init(&t.mu, NULL);
	for (int j = 1; j <= jobs; j++) {
		workers_run(w, count, &t, n);
		for (size_t i = 0; i < n; i++)
			ck_assert_int_eq(t.calls[i], j);
		ck_assert_int_eq(t.calls[n], 0);
	}
	ck_assert_uint_le(t.nseen, (size_t)threads);
	workers_stop(w);
	pthread_mutex_destroy(&t.mu);
	free(t.calls);
}

START_TEST(each_index_once_per_job)
{
	run_jobs(1, 100, 3);
	run_jobs(2, 1, 50);
	run_jobs(4, 1000, 20);
	run_jobs(8, 7, 200);
	run_jobs(3, 0, 5);
}
END_TEST

START_TEST(the_callers_thread_works_too)
{
	struct workers *w = workers_start(1);
	struct tally t = { .calls = calloc(10, sizeof(int)) };

	pthread_mutex_init(&t.mu, NULL);
	workers_run(w, count, &t, 10);
	ck_assert_uint_eq(t.nseen, 1);
	ck_assert(pthread_equal(t.seen[0], pthread_self()));
	workers_stop(w);
	workers_stop(NULL);
	pthread_mutex_destroy(&t.mu);
	free(t.calls);
}
END_TEST

CHECK_MAIN("workers", "workers", NULL, each_index_once_per_job, the_callers_thread_works_too)
