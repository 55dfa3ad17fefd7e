/* SPDX-License-Identifier: ISC */
/*
 * process: one input file through the stages (detect, parse, validate,
 * apply) inside the caller's transaction, under its own savepoint, ending
 * with its outcome and its receipt queued in the same savepoint.  Either
 * every record of the file is applied or none is.
 */
#ifndef SLUICE_PROCESS_H
#define SLUICE_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/conf.h"
#include "base/errors.h"
#include "base/hash.h"
#include "pipeline/ledger/ledger.h"
#include "stages/parse.h"

struct processor {
	struct ledger *ledger;
	const struct conf *conf;
	struct parse_limits limits;
	struct sha256 *hash;
	struct buf scratch;
	bool dry_run;            /* sluice check: no receipt is queued */
	int64_t replay_at;       /* replay: when the latest input replayed was first
	                          * received, the time waits are judged at; 0: the
	                          * clock */
	char *templates_dir;
	struct buf secret;       /* signs and verifies payment link tokens */
	struct buf template_text;
	struct buf template_logo;
};

/* Sets up a processor for the spool at root: its templates folder and the
 * payment link secret (from the configuration, else in the root).  Returns
 * 0, or -1 (logged) when need_secret and the secret is missing, unreadable
 * or too short: whatever can issue links must not start without it.  The
 * processor is to be freed either way. */
int processor_init(struct processor *p, struct ledger *l, const struct conf *cf,
    const char *root, bool need_secret);
/* Takes again from the configuration (changed by a reload) what p keeps
 * of it: the parsers' limits and the templates folder. */
void processor_configure(struct processor *p, const char *root);
/* The path of the payment link secret of the spool at root. */
char *processor_secret_path(const struct conf *cf, const char *root);
/* The templates folder of the spool at root. */
char *processor_templates_dir(const struct conf *cf, const char *root);
void processor_free(struct processor *p);

struct input_file {
	enum kind kind;
	const char *name;        /* the name it arrived under */
	const char *work_name;   /* its claimed name ("" for sluice check) */
	int64_t received_ns;
	int fd;                  /* open for reading, or -1 */
	bool not_regular;        /* fd is -1 because it is no regular file */
	bool denied;             /* fd is -1 because its mode forbids reading it */
	int open_errno;          /* fd is -1 because opening failed */
	bool superseded;         /* a later input of its kind and name is claimed */
};

struct outcome {
	enum input_status status; /* INPUT_NONE until the input has an outcome */
	bool unchanged;          /* deferred again: nothing was written */
	int64_t input_id;
	int64_t records;
	char sha256[SHA256_HEX];
	char *filed_as;          /* owned; NULL while deferred */
	char *order;             /* owned: the order its first error or wait is
	                          * about, else its first record's; NULL: none */
	struct errlist errs;
	struct errlist defers;   /* why it waits */
};

void outcome_init(struct outcome *o, size_t max_errors);
void outcome_free(struct outcome *o);

/* Processes one input; fills out.  An input that refers to something not
 * known yet is deferred: nothing of it is applied, its ledger row says why,
 * and it is tried again later with the same work name (keeping its id),
 * until defer_expiry has passed since it was received, when it is rejected.
 * Returns 0, or -1 when the environment failed: the ledger, or reading the
 * input (EIO, ...; a file that may not be read, EACCES, is rejected).  The
 * caller rolls the transaction back; nothing is decided and the input
 * stays claimed, to be tried again. */
int process_input(struct processor *p, const struct input_file *in, struct outcome *out);

/* Processes in as `sluice check` does (p->dry_run set): inside a
 * transaction that is rolled back, so nothing is applied.  0, or -1 as
 * process_input(). */
int process_check(struct processor *p, const struct input_file *in, struct outcome *out);

/* When the deferred input in (a row of l, its reasons listed there) is
 * rejected if nothing changes, judged by cf as process_input() judges it:
 * *ends (INT64_MAX when its row does not say: a wait for a payment
 * deferred before the ledger kept link expiries, until its next try), and
 * *by_link when the expiry of the payment link it waits for ends it rather
 * than defer_expiry.  0, or -1. */
int process_deferred_ends(struct ledger *l, const struct conf *cf, const struct input_row *in,
    int64_t *ends, bool *by_link);

#endif
