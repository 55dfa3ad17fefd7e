/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "pipeline/outbox.h"
#include "pipeline/scheduler.h"
#include "pipeline/workers.h"
#include "stages/stages.h"

/* An entry of in/<kind>/. */
struct in_name {
	enum kind kind;
	char *name;
};

struct work_item {
	enum kind kind;
	char *work_name;
	const char *name;      /* inside work_name */
	int64_t received_ns;
	bool superseded;       /* a later input of its kind and name is claimed */
};

int
sched_init(struct sched *s, struct spool *sp, struct ledger *l, const struct conf *cf)
{
	memset(s, 0, sizeof *s);
	s->spool = sp;
	s->ledger = l;
	s->conf = cf;
	/* what render_threads = 0 means, read once: sysconf reads /sys */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	s->cpus = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
	return processor_init(&s->proc, l, cf, spool_root(sp), true);
}

static void
names_clear(struct in_name **names, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*names)[i].name);
	free(*names);
	*names = NULL;
	*n = 0;
}

static void
names_add(struct in_name **names, size_t *n, enum kind kind, const char *name)
{
	*names = xreallocarray(*names, *n + 1, sizeof **names);
	(*names)[(*n)++] = (struct in_name){ kind, xstrdup(name) };
}

static bool
names_have(const struct in_name *names, size_t n, enum kind kind, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i].kind == kind && strcmp(names[i].name, name) == 0)
			return true;
	return false;
}

void
sched_free(struct sched *s)
{
	names_clear(&s->moved, &s->nmoved);
	names_clear(&s->stuck, &s->nstuck);
	processor_free(&s->proc);
	workers_stop(s->workers);
	s->workers = NULL;
}

bool
sched_handles(enum kind kind)
{
	return stage_apply(kind) != NULL;
}

void
sched_moved_in(struct sched *s, enum kind kind, const char *name)
{
	names_add(&s->moved, &s->nmoved, kind, name);
}

/* Notes that in/<kind>/<name> cannot be moved (err says why): it joins
 * the list of this pass, and is logged unless the last pass had it. */
static void
note_stuck(struct sched *s, struct in_name **now, size_t *n, enum kind kind, const char *name,
    int err)
{
	if (!names_have(s->stuck, s->nstuck, kind, name)) {
		struct buf text = { 0 };

		sanitize_text(name, strlen(name), &text);
		log_warn("in/%s/%s cannot be taken: %s; it stays where it is and the other files go "
		    "on", kind_get(kind)->plural, buf_str(&text), strerror(err));
		buf_free(&text);
	}
	names_add(now, n, kind, name);
}

/* Ends a claim pass: what could not be claimed is now what it found (when
 * it saw every entry), or that as well (when it was cut short). */
static void
stuck_end(struct sched *s, struct in_name *now, size_t n, bool whole)
{
	if (whole) {
		names_clear(&s->stuck, &s->nstuck);
		s->stuck = now;
		s->nstuck = n;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!names_have(s->stuck, s->nstuck, now[i].kind, now[i].name))
			names_add(&s->stuck, &s->nstuck, now[i].kind, now[i].name);
	names_clear(&now, &n);
}

/* Whether in/<kind>/<e> may still be being written: a file written in
 * place is complete once it has stayed unchanged for the quiet period; one
 * renamed in (or anything that is not a file) is taken at once.  A file
 * that waits is counted, and the time until it may be taken kept if it is
 * the shortest. */
static bool
still_written(struct sched *s, enum kind kind, const struct spool_entry *e, int64_t now,
    size_t *waiting, int64_t *wait_ns)
{
	int64_t quiet = s->conf->quiet_period_ms * 1000000, age = now - e->changed_ns, left;

	if (!e->regular || quiet <= 0 || age >= quiet ||
	    names_have(s->moved, s->nmoved, kind, e->name))
		return false;
	/* a time in the future (a clock set back): wait once more */
	left = age < 0 ? quiet : quiet - age;
	(*waiting)++;
	if (*wait_ns == 0 || left < *wait_ns)
		*wait_ns = left;
	return true;
}

/* Claims what in/<kind>/ holds that is complete, noting what cannot be
 * moved in stuck; the claims are durable on return.  The number claimed,
 * or -1. */
static int
claim_kind(struct sched *s, enum kind kind, int64_t now, struct in_name **stuck,
    size_t *nstuck, size_t *waiting, int64_t *wait_ns)
{
	struct spool_entry *e;
	size_t n;
	int here = 0, rc = 0;

	if (spool_scan(s->spool, kind, &e, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *work_name;

		if (still_written(s, kind, &e[i], now, waiting, wait_ns))
			continue;
		rc = spool_claim(s->spool, kind, e[i].name, now_ns(), &work_name);
		if (rc == 2)
			note_stuck(s, stuck, nstuck, kind, e[i].name, errno);
		if (rc == 0) {
			free(work_name);
			here++;
		}
		if (rc < 0)
			break;
	}
	spool_entries_free(e, n);
	/* claims must be durable before anything of them is committed */
	if (here > 0 && spool_sync_claims(s->spool, kind) != 0)
		rc = -1;
	return rc < 0 ? -1 : here;
}

int
sched_claim(struct sched *s, size_t *waiting, int64_t *wait_ns)
{
	int64_t now = now_ns();
	struct in_name *stuck = NULL;
	size_t nstuck = 0;
	int claimed = 0;

	*waiting = 0;
	*wait_ns = 0;
	for (int k = 0; k < KIND__COUNT; k++) {
		int here;

		if (!sched_handles((enum kind)k))
			continue;
		if ((here = claim_kind(s, (enum kind)k, now, &stuck, &nstuck, waiting, wait_ns)) < 0) {
			stuck_end(s, stuck, nstuck, false);
			return -1;
		}
		claimed += here;
	}
	stuck_end(s, stuck, nstuck, true);
	names_clear(&s->moved, &s->nmoved);
	return claimed;
}

static int
publish(struct sched *s)
{
	struct render_ctx r = { s->ledger, s->conf, &s->proc.secret };
	int n = s->conf->render_threads > 0 ? (int)s->conf->render_threads : s->cpus;

	/* started on first use, and again when a reload changed the count */
	if (s->workers == NULL || s->nworkers != n) {
		workers_stop(s->workers);
		s->workers = workers_start(n);
		s->nworkers = n;
	}
	return outbox_publish(&r, s->spool, s->workers);
}

int
sched_upgrade(struct sched *s)
{
	struct render_ctx r = { s->ledger, s->conf, &s->proc.secret };

	return outbox_upgrade(&r, s->spool);
}

static int
cmp_item(const void *a, const void *b)
{
	const struct work_item *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->received_ns < y->received_ns ? -1 : x->received_ns > y->received_ns;
}

static void
items_free(struct work_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].work_name);
	free(items);
}

/* Lists work/: files away what the ledger decided, returns the rest. */
static int
collect(struct sched *s, struct work_item **out, size_t *nout)
{
	size_t cap = 0;

	*out = NULL;
	*nout = 0;
	for (int k = 0; k < KIND__COUNT; k++) {
		char **names;
		size_t n;

		if (!sched_handles((enum kind)k))
			continue;
		if (spool_work_list(s->spool, (enum kind)k, &names, &n) != 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			struct input_row row = { 0 };
			int found = ledger_input_by_work_name(s->ledger, names[i], &row);

			if (found < 0) {
				spool_names_free(names, n);
				return -1;
			}
			if (found && row.status != INPUT_DEFERRED) {
				/* decided before a crash or a failed move: finish it */
				if (spool_file_away(s->spool, (enum kind)k, names[i], row.filed_as) != 0) {
					ledger_input_clear(&row);
					spool_names_free(names, n);
					return -1;
				}
				ledger_input_clear(&row);
				continue;
			}
			ledger_input_clear(&row);
			*out = xreserve(*out, *nout, &cap, 16, sizeof **out);
			(*out)[*nout].kind = (enum kind)k;
			(*out)[*nout].work_name = names[i];
			(*out)[*nout].superseded = false;
			names[i] = NULL;
			spool_work_name_parse((*out)[*nout].work_name, &(*out)[*nout].received_ns,
			    &(*out)[*nout].name);
			(*nout)++;
		}
		spool_names_free(names, n);
	}
	if (*nout > 1)
		qsort(*out, *nout, sizeof **out, cmp_item);
	for (size_t i = 0; i + 1 < *nout; i++)
		(*out)[i].superseded = (*out)[i].kind == (*out)[i + 1].kind &&
		    strcmp((*out)[i].name, (*out)[i + 1].name) == 0;
	return 0;
}

/* Logs what became of an input: its id in the ledger (what `order show`
 * and the receipt's row name), and the code and place of its first error
 * or of what it waits for. */
static void
log_outcome(const struct work_item *it, const struct outcome *o)
{
	const char *kind = kind_get(it->kind)->plural;
	const struct error_item *e = o->status == INPUT_DEFERRED ?
	    (o->defers.n > 0 ? &o->defers.items[0] : NULL) :
	    (o->errs.n > 0 ? &o->errs.items[0] : NULL);
	struct log_about about = { o->input_id, kind, e != NULL ? err_code_name(e->code) : NULL,
		o->order };
	struct buf name = { 0 };

	sanitize_text(it->name, strlen(it->name), &name);
	if (o->status == INPUT_DEFERRED)
		log_about(LOG_LEVEL_INFO, &about, "%s/%s: input %lld deferred: %s: %s", kind,
		    buf_str(&name), (long long)o->input_id, e != NULL ? err_code_name(e->code) : "",
		    e != NULL ? e->message : "it waits");
	else if (o->status == INPUT_REJECTED && e != NULL)
		log_about(LOG_LEVEL_WARN, &about,
		    "%s/%s: input %lld rejected with %zu error%s; first: line %ld: %s%s%s: %s",
		    kind, buf_str(&name), (long long)o->input_id, errlist_total(&o->errs),
		    errlist_total(&o->errs) == 1 ? "" : "s", e->line, e->field != NULL ? e->field : "",
		    e->field != NULL ? ": " : "", err_code_name(e->code), e->message);
	else
		log_about(LOG_LEVEL_INFO, &about, "%s/%s: input %lld %s (%lld record%s)", kind,
		    buf_str(&name), (long long)o->input_id, input_status_name(o->status),
		    (long long)o->records, o->records == 1 ? "" : "s");
	buf_free(&name);
}

static void
log_held(const struct work_item *it)
{
	struct buf name = { 0 };

	sanitize_text(it->name, strlen(it->name), &name);
	log_warn("%s/%s is held by another program (a lease); it stays claimed and is tried "
	    "again", kind_get(it->kind)->plural, buf_str(&name));
	buf_free(&name);
}

/* Opens and processes one claimed input, its outcome into o (set up
 * here).  An input that another program holds by a lease, which the
 * kernel ends within its lease-break-time, gets no outcome: it waits,
 * claimed, for a later pass.  0, or -1 when the machine failed. */
static int
process_item(struct sched *s, struct work_item *it, struct outcome *o)
{
	struct input_file in = { it->kind, it->name, it->work_name, it->received_ns, -1,
		false, false, 0, it->superseded };
	int rc;

	in.fd = spool_work_open(s->spool, it->kind, it->work_name, s->conf->max_file_size,
	    &in.not_regular, &in.denied);
	in.open_errno = errno;
	outcome_init(o, (size_t)s->conf->max_errors);
	if (in.fd < 0 && in.open_errno == EWOULDBLOCK) {
		log_held(it);
		return 0;
	}
	rc = process_input(&s->proc, &in, o);
	if (in.fd >= 0)
		close(in.fd);
	return rc;
}

/* Keeps what the batch of out[0..n), begun at started (monotonic_ns()),
 * took as the ledger's last batch, in the batch's transaction: sluice
 * metrics reads it. */
static int
record_batch(struct sched *s, const struct outcome *out, size_t n, int64_t started)
{
	struct batch_stats b = { .files = (int64_t)n, .duration_ns = monotonic_ns() - started };

	for (size_t i = 0; i < n; i++)
		b.records += out[i].records;
	return ledger_batch_record(s->ledger, &b);
}

/* Processes items[0..n) in one transaction, their outcomes into out;
 * *done counts the outcomes set up.  0 once committed, or -1 (rolled
 * back). */
static int
process_batch(struct sched *s, struct work_item *items, size_t n, struct outcome *out,
    size_t *done)
{
	int64_t started = monotonic_ns();

	*done = 0;
	if (ledger_begin(s->ledger) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		*done = i + 1;
		if (process_item(s, &items[i], &out[i]) != 0) {
			ledger_rollback(s->ledger);
			return -1;
		}
	}
	if (record_batch(s, out, n, started) != 0 || ledger_commit(s->ledger) != 0) {
		ledger_rollback(s->ledger);
		return -1;
	}
	return 0;
}

/* Counts, logs and files away what a committed batch decided; a deferred
 * input stays claimed in work/ and is tried again.  0, or -1 when an input
 * could not be filed away (the others still are). */
static int
file_batch(struct sched *s, const struct work_item *items, const struct outcome *out, size_t n)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		if (out[i].status == INPUT_NONE)
			continue;
		if (out[i].status == INPUT_DEFERRED) {
			s->pass_deferred++;
			if (!out[i].unchanged)
				log_outcome(&items[i], &out[i]);
			continue;
		}
		log_outcome(&items[i], &out[i]);
		if (out[i].status == INPUT_ACCEPTED)
			s->stats.accepted++;
		else if (out[i].status == INPUT_DUPLICATE)
			s->stats.duplicate++;
		else
			s->stats.rejected++;
		if (spool_file_away(s->spool, items[i].kind, items[i].work_name, out[i].filed_as) != 0)
			ret = -1;
	}
	return ret;
}

/* Processes items[0..n) in one transaction, then files them away and
 * publishes their receipts. */
static int
run_batch(struct sched *s, struct work_item *items, size_t n)
{
	struct outcome *out = xcalloc(n, sizeof *out);
	size_t done;
	int ret = -1;

	if (process_batch(s, items, n, out, &done) == 0) {
		ret = file_batch(s, items, out, n);
		if (publish(s) != 0)
			ret = -1;
	}
	for (size_t i = 0; i < done; i++)
		outcome_free(&out[i]);
	free(out);
	return ret;
}

/* Whether a stop was asked for (the daemon's signals). */
static bool
stop_asked(struct sched *s)
{
	return s->should_stop != NULL && s->should_stop(s->stop_ctx);
}

int
sched_drain(struct sched *s)
{
	size_t batch = (size_t)s->conf->batch_files;

	if (publish(s) != 0)
		return -1;
	/* deferred inputs are tried again on every pass; while a pass
	 * accepts something and leaves something deferred, another pass may
	 * let a deferred input through (unless a stop was asked for: it comes
	 * after the batch in hand, and a deferred input waits for the next
	 * start as it waits for the next pass) */
	for (bool again = false;; again = true) {
		struct work_item *items;
		size_t n, accepted = s->stats.accepted;
		int ret = 0;

		if (again && stop_asked(s))
			return 0;
		s->pass_deferred = 0;
		if (collect(s, &items, &n) != 0)
			return -1;
		for (size_t i = 0; i < n && ret == 0; i += batch) {
			if (i > 0 && stop_asked(s))
				break;
			ret = run_batch(s, items + i, n - i < batch ? n - i : batch);
		}
		items_free(items, n);
		if (ret != 0)
			return ret;
		if (s->pass_deferred == 0 || s->stats.accepted == accepted)
			return 0;
	}
}

int
sched_once(struct sched *s)
{
	for (;;) {
		size_t waiting;
		int64_t wait_ns;
		int claimed = sched_claim(s, &waiting, &wait_ns);

		if (claimed < 0 || sched_drain(s) != 0)
			return -1;
		if (claimed > 0)
			continue;
		if (waiting == 0)
			return 0;
		log_debug("%zu file%s still being written; waiting %lld ms", waiting,
		    waiting == 1 ? " is" : "s are", (long long)(wait_ns / 1000000));
		sleep_ns(wait_ns);
	}
}
