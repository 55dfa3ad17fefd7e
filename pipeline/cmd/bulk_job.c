/* SPDX-License-Identifier: ISC */
/*
 * bulk_job: an action of `sluice bulk` that changes orders, run as a job.
 *
 * The job is recorded first (jobs, job_orders: the selection as evaluated
 * now), then taken a chunk of orders at a time: each order's input is
 * built from its state (bulk_records.c) or the order is skipped, the
 * chunk's outcomes are committed as "submitted" before its files are
 * dropped into in/ together (spool_drop_all), then the inputs are
 * processed (by this process under the spool's lock when no daemon runs,
 * else by the daemon, whose verdicts are waited for) and each order's
 * outcome is read from its input's.  Memory is one chunk's.
 *
 * Exactly once: only one job runs at a time (.bulk.lock).  A job that was
 * interrupted is settled when the next starts: an order it submitted gets
 * its input's outcome, or is abandoned when its file never reached the
 * spool; an order it never took is abandoned.  Since the selection and
 * each order's input are evaluated when the job runs, against the ledger
 * as it is then, the orders an interrupted job changed are skipped by the
 * next as done, and those whose input still waits are skipped as in
 * progress: nothing is applied twice.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "pipeline/cmd/bulk.h"
#include "base/log.h"
#include "pipeline/process.h"
#include "pipeline/scheduler.h"
#include "stages/json_out.h"

/* Orders taken at once: their inputs are dropped, processed and waited
 * for together. */
#define CHUNK 1000
#define JOB_ID_LEN 8

/* An order of the chunk in hand. */
struct slot {
	char *job;
	int64_t seq;
	char *order_number;
	enum job_outcome outcome;
	enum kind kind;
	char *input_name;      /* NULL: none submitted */
	char *code;
	char *message;
	struct buf csv;        /* its input's bytes, until dropped */
};

struct job {
	struct bulk *b;
	struct app *a;
	struct spool *sp;
	struct ledger *l;
	struct sched s;
	bool started;          /* s was initialized (sched_free it) */
	bool own;              /* this process holds the spool's lock: it processes */
	bool json;
	bool dry_run;
	bool no_wait;
	bool progress;         /* standard error is a terminal: a progress line */
	char id[JOB_ID_LEN + 1];
	int64_t seq;           /* orders selected so far */
	int64_t printed;       /* orders whose outcome was printed */
	int64_t counts[JOB_OUTCOME__COUNT];
	struct processor proc; /* --dry-run: checks each input */
	struct slot *slots;
	size_t nslots;
};

/* A new job id: 8 characters of an alphabet without look-alikes (40 random
 * bits).  False when the kernel gives no randomness (logged). */
static bool
new_job_id(char id[JOB_ID_LEN + 1])
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
	unsigned char raw[JOB_ID_LEN];

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		log_error("getrandom: %s", strerror(errno));
		return false;
	}
	for (size_t i = 0; i < JOB_ID_LEN; i++)
		id[i] = alphabet[raw[i] % 32];
	id[JOB_ID_LEN] = '\0';
	return true;
}

/* The id of the records a job submits for an order: JOB-ORDER, or, when
 * that would pass the 64 characters of an id, JOB- and 40 hex digits of
 * the order number's SHA-256. */
static void
record_id(const char *job, const char *order_number, char out[65])
{
	size_t jl = strlen(job), ol = strlen(order_number);

	if (jl + 1 + ol <= 64) {
		memcpy(out, job, jl);
		out[jl] = '-';
		memcpy(out + jl + 1, order_number, ol + 1);
	} else {
		struct sha256 *h = sha256_new();
		char hex[SHA256_HEX];

		sha256_update(h, order_number, strlen(order_number));
		sha256_final(h, hex);
		sha256_free(h);
		snprintf(out, 65, "%s-%.40s", job, hex);
	}
}

/* Clears the progress line, if one is shown. */
static void
progress_clear(struct job *j)
{
	if (j->progress)
		fputs("\r\033[K", stderr);
}

static void
progress_show(struct job *j, const char *doing)
{
	enum { WIDTH = 30 };
	int64_t total = j->seq > 0 ? j->seq : 1;
	int filled = (int)(j->printed * WIDTH / total);

	if (!j->progress)
		return;
	fprintf(stderr, "\r\033[K[%.*s%*s] %lld/%lld orders %s", filled,
	    "##############################", WIDTH - filled, "", (long long)j->printed,
	    (long long)j->seq, doing);
	fflush(stderr);
}

/* Prints an order's outcome: a line, or an element of --json's orders. */
static void
print_order(struct job *j, const char *order_number, enum job_outcome outcome, enum kind kind,
    const char *input_name, const char *code, const char *message)
{
	j->counts[outcome]++;
	j->printed++;
	if (j->json) {
		/* a number of --orders may be any bytes: shown sanitized */
		json_t *o = json_pack("{s:o, s:s, s:o, s:o}", "order_number", json_text(order_number),
		    "outcome", job_outcome_name(outcome), "code", json_text(code), "message",
		    json_text(message));

		if (input_name != NULL)
			json_object_set_new(o, "input", json_sprintf("%s/%s", kind_get(kind)->plural,
			    input_name));
		fputs(j->printed == 1 ? "\n    " : ",\n    ", stdout);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		return;
	}
	progress_clear(j);
	if (code != NULL)
		sanitized_printf(stdout, "%s %s %s: %s\n", order_number, job_outcome_name(outcome),
		    code, message != NULL ? message : "");
	else
		sanitized_printf(stdout, "%s %s\n", order_number, job_outcome_name(outcome));
}

static void
print_begin(struct job *j, const char *action)
{
	if (j->json)
		printf("{\n  \"job\": \"%s\",\n  \"action\": \"%s\",\n  \"dry_run\": %s,\n"
		    "  \"orders\": [", j->id, action, j->dry_run ? "true" : "false");
}

/* Prints the totals; the exit status: 1 when an order was rejected. */
static int
print_end(struct job *j, const char *action)
{
	const int64_t *c = j->counts;

	progress_clear(j);
	if (j->json) {
		printf("%s],\n  \"totals\": {", j->printed > 0 ? "\n  " : "");
		for (int i = JOB_SUBMITTED; i < JOB_OUTCOME__COUNT; i++)
			printf("%s\"%s\": %lld", i > JOB_SUBMITTED ? ", " : "",
			    job_outcome_name((enum job_outcome)i), (long long)c[i]);
		printf("}\n}\n");
	} else {
		printf("%s %s %s: %lld applied, %lld skipped, %lld deferred, %lld rejected",
		    j->dry_run ? "dry run of job" : "job", j->id, action, (long long)c[JOB_APPLIED],
		    (long long)c[JOB_SKIPPED], (long long)c[JOB_DEFERRED], (long long)c[JOB_REJECTED]);
		if (c[JOB_SUBMITTED] > 0)
			printf(", %lld submitted, not yet decided", (long long)c[JOB_SUBMITTED]);
		if (c[JOB_ABANDONED] > 0)
			printf(", %lld not submitted", (long long)c[JOB_ABANDONED]);
		printf("\n");
	}
	fflush(stdout);
	return c[JOB_REJECTED] > 0 ? EXIT_FAILED : EXIT_OK;
}

/* The outcome of an order whose input is in, from the input's: 0 with
 * *outcome (and a new *code and *message) set, or left as they are while
 * it is not decided; -1. */
static int
input_outcome(struct ledger *l, enum kind kind, const char *name, enum job_outcome *outcome,
    char **code, char **message)
{
	enum input_status status;
	char *c, *m;
	int found = ledger_input_outcome(l, kind_get(kind)->plural, name, &status, &c, &m);

	if (found <= 0)
		return found;
	free(*code);
	free(*message);
	*code = c;
	*message = m;
	switch (status) {
	case INPUT_ACCEPTED:
		*outcome = JOB_APPLIED;
		break;
	case INPUT_DUPLICATE:
		*outcome = JOB_SKIPPED;
		free(*code);
		free(*message);
		*code = xstrdup("duplicate");
		*message = xasprintf("input %s changed nothing: it was applied before", name);
		break;
	case INPUT_DEFERRED:
		*outcome = JOB_DEFERRED;
		break;
	case INPUT_REJECTED:
		*outcome = JOB_REJECTED;
		break;
	case INPUT_NONE:
		break;
	}
	return 0;
}

/* Whether the input in/<kind>/<name> is still on its way: waiting in in/,
 * or claimed in work/ and not yet decided.  1, 0, or -1. */
static int
in_flight(struct spool *sp, enum kind kind, const char *name)
{
	char *rel = xasprintf("in/%s/%s", kind_get(kind)->plural, name);
	char **names;
	size_t n;
	int64_t size;
	int ret = spool_present(sp, rel, &size);

	free(rel);
	if (ret != 0)
		return ret;
	if (spool_work_list(sp, kind, &names, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *orig;
		int64_t at;

		if (ret == 0 && spool_work_name_parse(names[i], &at, &orig) == 0 &&
		    strcmp(orig, name) == 0)
			ret = 1;
		free(names[i]);
	}
	free(names);
	return ret;
}

static void
slots_clear(struct job *j)
{
	for (size_t i = 0; i < j->nslots; i++) {
		struct slot *s = &j->slots[i];

		free(s->job);
		free(s->order_number);
		free(s->input_name);
		free(s->code);
		free(s->message);
		buf_free(&s->csv);
	}
	free(j->slots);
	j->slots = NULL;
	j->nslots = 0;
}

/* Keeps a job's order as a slot of the chunk.  As ledger_job_orders_each's
 * fn. */
static int
slot_add(void *ctx, const struct job_order *o)
{
	struct job *j = ctx;
	struct slot *s;
	enum kind kind = KIND__COUNT;

	if (o->kind != NULL && kind_by_name(o->kind) != NULL)
		kind = kind_by_name(o->kind)->kind;
	j->slots = xreallocarray(j->slots, j->nslots + 1, sizeof *j->slots);
	s = &j->slots[j->nslots++];
	*s = (struct slot){ xstrdup(o->job), o->seq, xstrdup(o->order_number), o->outcome, kind,
	    o->input_name != NULL ? xstrdup(o->input_name) : NULL,
	    o->code != NULL ? xstrdup(o->code) : NULL,
	    o->message != NULL ? xstrdup(o->message) : NULL, { 0 } };
	return 0;
}

/* Records slot s's outcome. */
static int
slot_save(struct job *j, const struct slot *s)
{
	struct job_order o = { s->job, s->seq, s->order_number, s->outcome,
		s->input_name != NULL ? kind_get(s->kind)->plural : NULL, s->input_name, s->code,
		s->message };

	return ledger_job_order_set(j->l, &o);
}

/* Adds a selected order to the job.  As bulk_select_each's fn. */
static int
select_order(void *ctx, const char *order_number)
{
	struct job *j = ctx;
	struct job_order o = { j->id, ++j->seq, order_number, JOB_SELECTED, NULL, NULL, NULL, NULL };

	return ledger_job_order_add(j->l, &o);
}

/* Adds an order of --orders the ledger does not know, skipped. */
static int
select_unknown(void *ctx, const char *order_number)
{
	struct job *j = ctx;
	char *message = xasprintf("no order %s in the ledger", order_number);
	struct job_order o = { j->id, ++j->seq, order_number, JOB_SKIPPED, NULL, NULL,
		"order_unknown", message };
	int ret = ledger_job_order_add(j->l, &o);

	free(message);
	return ret;
}

/* Records the job and its selection, evaluated now.  0, or -1. */
static int
create(struct job *j)
{
	struct job_row row = { .action = j->b->act->name, .command = j->b->command,
		.actor = j->a->actor, .started_ns = now_ns() };
	int ret = ledger_begin(j->l), taken = 1;

	while (ret == 0 && taken == 1) {
		row.job = j->id;
		if (!new_job_id(j->id) || (taken = ledger_job_create(j->l, &row)) < 0)
			ret = -1;
	}
	if (ret == 0)
		ret = bulk_select_each(j->b, select_order, select_unknown, j);
	if (ret == 0 && ledger_commit(j->l) == 0)
		return 0;
	ledger_rollback(j->l);
	return -1;
}

/* Notes in s that the input of an earlier job of the same action for its
 * order is on its way or waits (the order is left to it; another action
 * goes on).  As ledger_job_order_open_for's fn: the first one says. */
static int
in_progress(void *ctx, const struct job_order *o)
{
	struct slot *s = ctx;

	if (s->code != NULL)
		return 0;
	s->code = xstrdup("in_progress");
	s->message = xasprintf("input %s/%s for this order %s", o->kind, o->input_name,
	    o->outcome == JOB_DEFERRED ? "waits" : "is not yet decided");
	return 0;
}

/* Builds slot s's input, or says why it is skipped.  0, or -1. */
static int
build(struct job *j, struct slot *s)
{
	const struct bulk_change *c = j->b->act->change;
	struct order_state *st;
	struct buf why = { 0 };
	const char *code = NULL;
	char id[65];
	int ret = ledger_job_order_open_for(j->l, s->order_number, j->b->act->name, in_progress,
	    s);

	if (ret != 0) {
		s->outcome = JOB_SKIPPED;
		return ret < 0 ? -1 : 0;
	}
	if ((ret = ledger_order_state(j->l, s->order_number, &st)) <= 0) {
		s->outcome = JOB_SKIPPED;
		s->code = xstrdup("order_unknown");
		s->message = xasprintf("no order %s in the ledger", s->order_number);
		return ret;
	}
	record_id(j->id, s->order_number, id);
	ret = c->build(j->b, st, id, &s->csv, &code, &why);
	order_state_free(st);
	if (ret == 1) {
		s->outcome = JOB_SKIPPED;
		s->code = xstrdup(code);
		s->message = xstrdup(buf_str(&why));
		ret = 0;
	} else if (ret == 0) {
		s->outcome = JOB_SUBMITTED;
		s->kind = c->kind;
		s->input_name = xasprintf("bulk-%s-%07lld.csv", j->id, (long long)s->seq);
	}
	buf_free(&why);
	return ret;
}

/* Builds the chunk's inputs and records them as submitted (the others
 * skipped), in one transaction.  0, or -1. */
static int
build_chunk(struct job *j)
{
	int ret = ledger_begin(j->l);

	for (size_t i = 0; ret == 0 && i < j->nslots; i++) {
		struct slot *s = &j->slots[i];

		if (s->outcome != JOB_SELECTED)
			continue;
		if ((ret = build(j, s)) == 0)
			ret = slot_save(j, s);
	}
	if (ret == 0 && ledger_commit(j->l) == 0)
		return 0;
	ledger_rollback(j->l);
	return -1;
}

/* Drops the chunk's inputs into in/ together; the orders of those that
 * could not be placed are abandoned.  0, or -1 (logged). */
static int
drop_chunk(struct job *j)
{
	struct spool_drop *d = xcalloc(j->nslots + 1, sizeof *d);
	size_t n = 0, placed = 0;
	int ret;

	for (size_t i = 0; i < j->nslots; i++)
		if (j->slots[i].outcome == JOB_SUBMITTED)
			d[n++] = (struct spool_drop){ j->slots[i].kind, j->slots[i].input_name,
			    buf_str(&j->slots[i].csv), j->slots[i].csv.len };
	ret = spool_drop_all(j->sp, d, n, &placed);
	for (size_t i = 0; i < j->nslots; i++) {
		struct slot *s = &j->slots[i];

		buf_free(&s->csv);
		if (s->outcome != JOB_SUBMITTED)
			continue;
		if (placed > 0) {
			if (j->own)
				sched_moved_in(&j->s, s->kind, s->input_name);
			placed--;
			continue;
		}
		s->outcome = JOB_ABANDONED;
		s->code = xstrdup("not_submitted");
		s->message = xstrdup("its input could not be written to the spool");
	}
	free(d);
	return ret;
}

/* Takes the spool's lock when no daemon holds it, and with it the work of
 * processing: starts the scheduler and processes what is in the spool.
 * 0 (j->own says whether it was taken), or -1. */
static int
take_over(struct job *j)
{
	long holder;

	if (j->own || spool_lock(j->sp, &holder) != 0)
		return 0;
	j->own = true;
	j->started = true;
	if (app_sched_start(j->a, j->sp, j->l, &j->s) != EXIT_OK)
		return -1;
	return sched_once(&j->s);
}

/* Waits until each submitted input of the chunk is decided (or
 * deferred), reading their outcomes into the slots: processed by this
 * process when it holds the spool, else by the daemon, whose work it takes
 * over when no daemon holds the spool any more.  0, or -1. */
static int
wait_chunk(struct job *j)
{
	int64_t pause = 10 * 1000000;
	bool processed = false;
	long pid;

	for (;;) {
		size_t waiting = 0;

		for (size_t i = 0; i < j->nslots; i++) {
			struct slot *s = &j->slots[i];

			if (s->outcome == JOB_SUBMITTED &&
			    input_outcome(j->l, s->kind, s->input_name, &s->outcome, &s->code,
			    &s->message) != 0)
				return -1;
			waiting += s->outcome == JOB_SUBMITTED;
		}
		/* what this process processed and left undecided waits in work/ */
		if (waiting == 0 || processed)
			return 0;
		if (!j->own && spool_lock_holder(j->sp, &pid) == 0 && take_over(j) != 0)
			return -1;
		if (j->own) {
			if (sched_once(&j->s) != 0)
				return -1;
			processed = true;
			continue;
		}
		progress_show(j, "(waiting for the daemon)");
		sleep_ns(pause);
		if (pause < 250 * 1000000)
			pause *= 2;
	}
}

/* Settles what jobs before this one left: an order never taken is
 * abandoned; one submitted gets its input's outcome, or, when its file
 * never reached the spool, is abandoned; one whose input is still on its
 * way is waited for (unless --no-wait), so that this job finds the order
 * as that input left it.  0, or -1. */
static int
settle_earlier(struct job *j)
{
	size_t flying = 0;
	int ret = ledger_begin(j->l) == 0 && ledger_jobs_abandon(j->l, "") == 0 &&
	    ledger_commit(j->l) == 0 && ledger_job_orders_open(j->l, slot_add, j) == 0 ? 0 : -1;

	for (size_t i = 0; ret == 0 && i < j->nslots; i++) {
		struct slot *s = &j->slots[i];
		int on_way = 0;

		if (s->input_name == NULL || s->kind == KIND__COUNT)
			continue;
		if (input_outcome(j->l, s->kind, s->input_name, &s->outcome, &s->code,
		    &s->message) != 0 ||
		    (s->outcome == JOB_SUBMITTED &&
		    (on_way = in_flight(j->sp, s->kind, s->input_name)) < 0))
			ret = -1;
		else if (s->outcome == JOB_SUBMITTED && on_way == 0) {
			s->outcome = JOB_ABANDONED;
			free(s->code);
			free(s->message);
			s->code = xstrdup("not_submitted");
			s->message = xstrdup("the job was interrupted before this order's input "
			    "reached the spool");
		}
		flying += on_way == 1;
	}
	if (ret == 0 && flying > 0 && !j->no_wait)
		ret = wait_chunk(j);
	if (ret == 0 && ledger_begin(j->l) == 0) {
		for (size_t i = 0; ret == 0 && i < j->nslots; i++)
			if (j->slots[i].input_name != NULL && j->slots[i].kind != KIND__COUNT)
				ret = slot_save(j, &j->slots[i]);
		if (ret != 0 || ledger_commit(j->l) != 0) {
			ledger_rollback(j->l);
			ret = -1;
		}
	} else
		ret = -1;
	slots_clear(j);
	return ret;
}

/* Carries out the orders of the chunk in hand.  0, or -1. */
static int
run_chunk(struct job *j)
{
	int ret = build_chunk(j);

	if (ret == 0)
		ret = drop_chunk(j);
	if (ret == 0 && !j->no_wait)
		ret = wait_chunk(j);
	/* the outcomes so far are kept, even when the rest failed */
	if (ledger_begin(j->l) != 0)
		return -1;
	for (size_t i = 0; i < j->nslots; i++) {
		struct slot *s = &j->slots[i];

		if (ret == 0 && s->outcome == JOB_SUBMITTED &&
		    input_outcome(j->l, s->kind, s->input_name, &s->outcome, &s->code,
		    &s->message) != 0)
			ret = -1;
		if (slot_save(j, s) != 0)
			ret = -1;
	}
	if (ledger_commit(j->l) != 0) {
		ledger_rollback(j->l);
		ret = -1;
	}
	for (size_t i = 0; i < j->nslots; i++) {
		struct slot *s = &j->slots[i];

		print_order(j, s->order_number, s->outcome, s->kind, s->input_name, s->code,
		    s->message);
	}
	progress_show(j, "");
	return ret;
}

/* Runs the job: settles what earlier ones left, records this one, then
 * takes its orders a chunk at a time.  The exit status. */
static int
run(struct job *j)
{
	int64_t after = 0;
	int lockfd, ret = 0;

	if ((lockfd = spool_lock_jobs(j->sp, false)) == -2) {
		fprintf(stderr, "sluice bulk: another bulk job runs on this spool; waiting for it\n");
		lockfd = spool_lock_jobs(j->sp, true);
	}
	if (lockfd < 0)
		return EXIT_SOFTWARE;
	if (!j->no_wait)
		ret = take_over(j);
	if (ret == 0)
		ret = settle_earlier(j);
	if (ret == 0)
		ret = create(j);
	if (ret != 0) {
		close(lockfd);
		return EXIT_SOFTWARE;
	}
	print_begin(j, j->b->act->name);
	do {
		ret = ledger_job_orders_each(j->l, j->id, after, CHUNK, slot_add, j);
		if (ret == 0 && j->nslots > 0) {
			after = j->slots[j->nslots - 1].seq;
			ret = run_chunk(j);
		}
		ret = ret == 0 && j->nslots > 0 ? 1 : ret;
		slots_clear(j);
	} while (ret == 1);
	if (ret == 0 && (ledger_job_finish(j->l, j->id, now_ns()) != 0))
		ret = -1;
	close(lockfd);
	if (ret != 0) {
		print_end(j, j->b->act->name);
		fprintf(stderr, "sluice bulk: job %s stopped; run the command again to finish it\n",
		    j->id);
		return EXIT_SOFTWARE;
	}
	return print_end(j, j->b->act->name);
}

/* --dry-run: what would become of one order.  As bulk_select_each's fn. */
static int
dry_order(void *ctx, const char *order_number)
{
	struct job *j = ctx;
	struct slot s = { .job = j->id, .seq = ++j->seq, .order_number = (char *)order_number,
		.outcome = JOB_SELECTED };
	int ret = build(j, &s);

	if (ret == 0 && s.outcome == JOB_SUBMITTED) {
		struct input_file in = { .kind = s.kind, .name = s.input_name, .work_name = "",
			.received_ns = now_ns(), .fd = -1 };
		struct outcome o;

		in.fd = memfd_create("bulk", MFD_CLOEXEC);
		if (in.fd < 0 || write_all(in.fd, s.csv.data, s.csv.len) != 0 ||
		    lseek(in.fd, 0, SEEK_SET) != 0) {
			log_error("cannot check order %s's input: %s", order_number, strerror(errno));
			ret = -1;
		}
		outcome_init(&o, (size_t)j->a->conf.max_errors);
		if (ret == 0 && (ret = process_check(&j->proc, &in, &o)) == 0) {
			const struct errlist *l = o.status == INPUT_DEFERRED ? &o.defers : &o.errs;
			static const enum job_outcome of[] = { [INPUT_NONE] = JOB_SUBMITTED,
				[INPUT_ACCEPTED] = JOB_APPLIED, [INPUT_DUPLICATE] = JOB_SKIPPED,
				[INPUT_DEFERRED] = JOB_DEFERRED, [INPUT_REJECTED] = JOB_REJECTED };

			s.outcome = of[o.status];
			if (l->n > 0) {
				s.code = xstrdup(err_code_name(l->items[0].code));
				s.message = xstrdup(l->items[0].message);
			} else if (o.status == INPUT_DUPLICATE) {
				s.code = xstrdup("duplicate");
				s.message = xstrdup("it would change nothing");
			}
		}
		outcome_free(&o);
		if (in.fd >= 0)
			close(in.fd);
	}
	if (ret == 0)
		print_order(j, order_number, s.outcome, s.kind, NULL, s.code, s.message);
	free(s.input_name);
	free(s.code);
	free(s.message);
	buf_free(&s.csv);
	return ret;
}

static int
dry_unknown(void *ctx, const char *order_number)
{
	struct job *j = ctx;
	char *message = xasprintf("no order %s in the ledger", order_number);

	j->seq++;
	print_order(j, order_number, JOB_SKIPPED, KIND__COUNT, NULL, "order_unknown", message);
	free(message);
	return 0;
}

/* --dry-run: each selected order's input checked as `sluice check` does,
 * inside transactions rolled back; nothing is recorded or written.  The
 * exit status. */
static int
dry_run(struct job *j)
{
	int ret;

	if (!new_job_id(j->id))
		return EXIT_SOFTWARE;
	(void)processor_init(&j->proc, j->l, &j->a->conf, j->a->spool_path, false);
	j->proc.dry_run = true;
	print_begin(j, j->b->act->name);
	ret = bulk_select_each(j->b, dry_order, dry_unknown, j);
	processor_free(&j->proc);
	if (ret != 0) {
		print_end(j, j->b->act->name);
		return EXIT_SOFTWARE;
	}
	return print_end(j, j->b->act->name);
}

int
bulk_job_run(struct bulk *b)
{
	const char *const *opt = b->args->opt;
	struct job j = { .b = b, .a = b->app, .json = opt[OPT_JSON] != NULL,
		.dry_run = opt[OPT_DRY_RUN] != NULL, .no_wait = opt[OPT_NO_WAIT] != NULL,
		.progress = isatty(STDERR_FILENO) };
	int status;

	format_time(now_ns(), b->now, sizeof b->now);
	/* each order's line tells what became of its input */
	if (!b->app->log_level_fixed)
		log_set_level(LOG_LEVEL_WARN);
	if ((status = app_open(b->app, false, &j.sp, &j.l)) != 0)
		return status == -2 ? EXIT_DATAERR : EXIT_SOFTWARE;
	b->ledger = j.l;
	status = j.dry_run ? dry_run(&j) : run(&j);
	if (j.started)
		sched_free(&j.s);
	ledger_close(j.l);
	spool_close(j.sp);
	return status;
}

/* One job of the list of `bulk status`.  As ledger_jobs_each's fn. */
static int
list_job(void *ctx, const struct job_row *r)
{
	json_t *list = ctx, *counts;
	char started[TIME_SIZE], finished[TIME_SIZE] = "";

	format_time(r->started_ns, started, sizeof started);
	if (r->finished_ns > 0)
		format_time(r->finished_ns, finished, sizeof finished);
	if (list == NULL) {
		int64_t total = 0;

		for (int i = 0; i < JOB_OUTCOME__COUNT; i++)
			total += r->counts[i];
		sanitized_printf(stdout, "%s %s by %s, started %s, %s%s: ", r->job, r->action,
		    r->actor != NULL ? r->actor : "?", started,
		    r->finished_ns > 0 ? "finished " : "not finished", finished);
		printf("%lld orders, %lld applied, %lld skipped, %lld deferred, %lld rejected\n",
		    (long long)total, (long long)r->counts[JOB_APPLIED],
		    (long long)r->counts[JOB_SKIPPED], (long long)r->counts[JOB_DEFERRED],
		    (long long)r->counts[JOB_REJECTED]);
		return 0;
	}
	counts = json_object();
	for (int i = 0; i < JOB_OUTCOME__COUNT; i++)
		json_object_set_new(counts, job_outcome_name((enum job_outcome)i),
		    json_integer(r->counts[i]));
	/* the command line, as given, may be any bytes: shown sanitized */
	json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "job",
	    r->job, "action", r->action, "command", json_text(r->command), "actor",
	    json_text(r->actor), "started", started, "finished",
	    json_text(r->finished_ns > 0 ? finished : NULL), "orders", counts));
	return 0;
}

/* Prints the orders of the chunk in hand with their outcomes now: those
 * whose input was submitted or waits as their input's outcome is. */
static int
status_chunk(struct job *j)
{
	for (size_t i = 0; i < j->nslots; i++) {
		struct slot *s = &j->slots[i];

		if ((s->outcome == JOB_SUBMITTED || s->outcome == JOB_DEFERRED) &&
		    input_outcome(j->l, s->kind, s->input_name, &s->outcome, &s->code,
		    &s->message) != 0)
			return -1;
		print_order(j, s->order_number, s->outcome, s->kind, s->input_name, s->code,
		    s->message);
	}
	return 0;
}

/* Prints job id's orders and their outcomes now.  The exit status. */
static int
show_job(struct job *j, const char *id)
{
	struct job_row r;
	int64_t after = 0;
	int ret = ledger_job_get(j->l, id, &r);

	if (ret <= 0) {
		if (ret == 0)
			sanitized_printf(stderr, "sluice bulk: no job %s\n", id);
		return ret == 0 ? EXIT_FAILED : EXIT_SOFTWARE;
	}
	snprintf(j->id, sizeof j->id, "%s", r.job);
	if (!j->json) {
		list_job(NULL, &r);
		sanitized_printf(stdout, "%s\n", r.command);
	}
	print_begin(j, r.action);
	do {
		ret = ledger_job_orders_each(j->l, j->id, after, CHUNK, slot_add, j);
		if (ret == 0 && j->nslots > 0) {
			after = j->slots[j->nslots - 1].seq;
			ret = status_chunk(j) == 0 ? 1 : -1;
		}
		slots_clear(j);
	} while (ret == 1);
	ret = ret == 0 ? print_end(j, r.action) : EXIT_SOFTWARE;
	ledger_job_clear(&r);
	return ret;
}

int
bulk_job_status(struct app *a, const char *id, bool json)
{
	struct job j = { .a = a, .json = json };
	json_t *list = json ? json_array() : NULL;
	int status = EXIT_OK;

	if (app_open_read(a, &j.sp, &j.l) != 0) {
		json_decref(list);
		return EXIT_SOFTWARE;
	}
	if (id != NULL)
		status = show_job(&j, id);
	else if (ledger_jobs_each(j.l, 50, list_job, list) != 0)
		status = EXIT_SOFTWARE;
	else if (list != NULL) {
		json_dumpf(list, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(list);
	ledger_close(j.l);
	spool_close(j.sp);
	return status;
}
