/* SPDX-License-Identifier: ISC */
/*
 * scheduler: which input is taken when.  The truth is the folders plus the
 * ledger, never memory: claiming moves ready files from in/ into work/;
 * draining lists work/, files away every input the ledger already decided
 * (crash recovery is the same code), and processes the rest in dependency
 * order of kinds, then byte order of names, in batches that share one
 * ledger transaction (group commit).
 */
#ifndef SLUICE_SCHEDULER_H
#define SLUICE_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/conf.h"
#include "pipeline/ledger/ledger.h"
#include "pipeline/process.h"
#include "pipeline/spool.h"

struct sched_stats {
	size_t accepted;
	size_t duplicate;
	size_t rejected;
};

struct sched {
	struct spool *spool;
	struct ledger *ledger;
	const struct conf *conf;
	struct processor proc;
	struct sched_stats stats;
	struct workers *workers;    /* that draw PDFs (render_threads) */
	int nworkers;
	int cpus;                   /* processors online, 1 to 8 */
	size_t pass_deferred;       /* inputs left deferred by the last pass */
	struct in_name *moved;      /* names that arrived by rename */
	size_t nmoved;
	struct in_name *stuck;      /* entries of in/ that cannot be claimed */
	size_t nstuck;
	bool (*should_stop)(void *ctx);
	void *stop_ctx;
};

/* Sets up a scheduler; -1 (logged) when its processor cannot start (the
 * payment link secret).  sched_free() it either way. */
int sched_init(struct sched *s, struct spool *sp, struct ledger *l, const struct conf *cf);
void sched_free(struct sched *s);

/* Notes that in/<kind>/<name> arrived by rename: it is complete and is
 * claimed without waiting for the quiet period. */
void sched_moved_in(struct sched *s, enum kind kind, const char *name);

/* Claims every ready file of in/.  Files still within their quiet period
 * are left: *waiting counts them and *wait_ns says how long until the
 * first may be ready.  An entry that cannot be moved (spool_claim()) is
 * left where it is and skipped, logged once while it stays so, and
 * listed in stuck.  Returns the number claimed, or -1 when the machine
 * failed. */
int sched_claim(struct sched *s, size_t *waiting, int64_t *wait_ns);

/* Publishes pending outputs, files away decided inputs, and processes every
 * claimed input, deferred ones included, passing again while a pass
 * accepts something and leaves something deferred.  A stop asked for
 * (should_stop) ends it after the batch in hand.  Returns 0, or -1 when
 * the ledger or spool failed. */
int sched_drain(struct sched *s);

/* Claims and drains until nothing ready is left in in/, waiting out the
 * quiet period of files still being written: what `run --once` does.
 * 0, or -1 when the ledger or spool failed. */
int sched_once(struct sched *s);

/* Brings a spool of an earlier version up to date before anything is
 * processed (outbox_upgrade()).  0, or -1 (logged). */
int sched_upgrade(struct sched *s);

/* True when this build applies files of the kind (others wait in in/). */
bool sched_handles(enum kind kind);

#endif
