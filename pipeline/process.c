/* SPDX-License-Identifier: ISC */
/*
 * process: one input through the stages, in three steps under its own
 * savepoint: apply its records; defer it (or, once it waited too long,
 * expire it); record the verdict and queue the receipt.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/ledger/ledger.h"
#include "base/alive.h"
#include "base/log.h"
#include "pipeline/outbox.h"
#include "pipeline/process.h"
#include "pipeline/reader.h"
#include "pipeline/spool.h"
#include "pipeline/templates.h"
#include "base/token.h"
#include "stages/stages.h"

char *
processor_secret_path(const struct conf *cf, const char *root)
{
	return cf->link_secret_file[0] != '\0' ? xstrdup(cf->link_secret_file) :
	    xasprintf("%s/link.secret", root);
}

char *
processor_templates_dir(const struct conf *cf, const char *root)
{
	return cf->templates[0] != '\0' ? xstrdup(cf->templates) : xasprintf("%s/templates", root);
}

void
processor_configure(struct processor *p, const char *root)
{
	p->limits.max_field_bytes = (size_t)p->conf->max_field_bytes;
	p->limits.max_record_lines = (size_t)p->conf->max_record_lines;
	p->limits.max_record_bytes = MAX_RECORD_BYTES;
	free(p->templates_dir);
	p->templates_dir = processor_templates_dir(p->conf, root);
}

int
processor_init(struct processor *p, struct ledger *l, const struct conf *cf, const char *root,
    bool need_secret)
{
	char *secret = processor_secret_path(cf, root);
	struct buf why = { 0 };
	int ret = 0;

	memset(p, 0, sizeof *p);
	p->ledger = l;
	p->conf = cf;
	p->hash = sha256_new();
	processor_configure(p, root);
	if (token_secret_load(secret, &p->secret, &why) != 0) {
		if (need_secret) {
			log_error("%s; payment links cannot be signed without it (sluice init creates "
			    "one; link_secret_file names another)", buf_str(&why));
			ret = -1;
		} else
			log_warn("%s; payment link tokens cannot be checked", buf_str(&why));
	}
	buf_free(&why);
	free(secret);
	return ret;
}

void
processor_free(struct processor *p)
{
	sha256_free(p->hash);
	p->hash = NULL;
	buf_free(&p->scratch);
	buf_free(&p->secret);
	buf_free(&p->template_text);
	buf_free(&p->template_logo);
	free(p->templates_dir);
	p->templates_dir = NULL;
}

/* For the stages (apply_ctx.use_template): reads template NAME, keeps it in
 * the ledger under the digest of its text and logo, and gives the digest.
 * 1 when the template cannot be used (why says why); -1 when the machine
 * failed (reading it, or the ledger: logged). */
static int
use_template(void *ctx, const char *name, char sha[SHA256_HEX], struct buf *why)
{
	struct processor *p = ctx;
	int rc = templates_read(p->templates_dir, name, strcmp(name, p->conf->default_template) == 0,
	    &p->template_text, &p->template_logo, why);

	if (rc == -2) {
		log_error("template %s: %s", name, str_trim(why->data));
		return -1;
	}
	if (rc != 0)
		return 1;
	sha256_reset(p->hash);
	sha256_update(p->hash, buf_str(&p->template_text), p->template_text.len + 1);
	sha256_update(p->hash, p->template_logo.data != NULL ? p->template_logo.data : "",
	    p->template_logo.len);
	sha256_final(p->hash, sha);
	return ledger_template_store(p->ledger, sha, name, buf_str(&p->template_text),
	    p->template_logo.len > 0 ? p->template_logo.data : NULL, p->template_logo.len);
}

void
outcome_init(struct outcome *o, size_t max_errors)
{
	memset(o, 0, sizeof *o);
	errlist_init(&o->errs, max_errors);
	errlist_init(&o->defers, max_errors);
}

void
outcome_free(struct outcome *o)
{
	free(o->filed_as);
	free(o->order);
	errlist_free(&o->errs);
	errlist_free(&o->defers);
	memset(o, 0, sizeof *o);
}

/* Inputs of at least this size are parsed on a thread of their own
 * (pipeline/reader.h): below it, starting the thread costs more than it
 * gains. */
#define PARSE_APART (256 * 1024)

struct run {
	struct apply_ctx actx;
	apply_fn apply;
	struct outcome *out;
	int order_field;         /* the kind's order_number in the header, or -1 */
	bool order_faulted;      /* out->order is that of the first faulty record */
	struct errlist *errs;
	size_t applied;
	size_t duplicates;
	size_t deferred;
};

/* Notes the order rec names, when it names one, as the input's order: that
 * of its first record, or once the record is the first to be rejected or
 * deferred, that record's (the outcome's first error or wait is in it). */
static void
note_order(struct run *r, const struct record *rec, bool faulted)
{
	const char *number = r->order_field >= 0 ? rec->head[r->order_field].s : NULL;

	if (number == NULL || r->order_faulted || (r->out->order != NULL && !faulted))
		return;
	free(r->out->order);
	r->out->order = xstrdup(number);
	r->order_faulted = faulted;
}

static int
on_record(void *ctx, struct record *rec, bool valid)
{
	struct run *r = ctx;
	enum apply_result res = APPLY_REJECTED;

	alive();   /* a large file's records can take long */
	if (valid)
		res = r->apply(&r->actx, rec, r->errs);
	if (res == APPLY_OK)
		r->applied++;
	else if (res == APPLY_DUPLICATE)
		r->duplicates++;
	else if (res == APPLY_DEFERRED)
		r->deferred++;
	note_order(r, rec, res == APPLY_REJECTED || res == APPLY_DEFERRED);
	return res == APPLY_FAILED ? -1 : 0;
}

/* Everything that can be decided before the file's content is parsed:
 * its type, size and format.  Returns 1 when it is to be read; 0 with an
 * error added when it is to be rejected unread; -1 (logged) when the
 * environment failed and nothing can be decided. */
static int
precheck(struct processor *p, const struct input_file *in, int64_t *size, struct errlist *errs)
{
	struct stat st;

	*size = 0;
	if (in->fd < 0) {
		if (in->not_regular)
			errlist_add(errs, 0, NULL, ERR_NOT_REGULAR_FILE,
			    "the name is not a regular file (a link, folder, FIFO, socket or "
			    "device); it was not read");
		else if (in->denied)
			/* the file's own mode: it stays so until someone changes it */
			errlist_add(errs, 0, NULL, ERR_IO_ERROR, "the file could not be opened: %s",
			    strerror(in->open_errno));
		else {
			log_error("%s could not be opened: %s; it stays claimed and is tried again",
			    in->name, strerror(in->open_errno));
			return -1;
		}
		return 0;
	}
	if (fstat(in->fd, &st) != 0) {
		log_error("%s could not be read: %s; it stays claimed and is tried again", in->name,
		    strerror(errno));
		return -1;
	}
	*size = st.st_size;
	if (stage_parser(in->name) == NULL) {
		errlist_add(errs, 0, NULL, ERR_UNKNOWN_FORMAT,
		    "the file name does not end in .csv or .xml, so its format is unknown");
		return 0;
	}
	if (st.st_size > p->conf->max_file_size) {
		errlist_add(errs, 0, NULL, ERR_FILE_TOO_LARGE,
		    "the file has %lld bytes, more than max_file_size (%lld)",
		    (long long)st.st_size, (long long)p->conf->max_file_size);
		return 0;
	}
	if (st.st_size == 0) {
		errlist_add(errs, 0, NULL, ERR_EMPTY_FILE, "the file is empty");
		return 0;
	}
	return 1;
}

/* Moves the deferral reasons into the errors, for a rejection at expiry:
 * of the payment link a record waited for (which expired at link_ends), or
 * of defer_expiry. */
static void
expire(struct outcome *out, int64_t waited_ns, bool link, int64_t link_ends)
{
	char at[TIME_SIZE];

	for (size_t i = 0; i < out->defers.n; i++) {
		const struct error_item *d = &out->defers.items[i];

		errlist_add(&out->errs, d->line, d->field, d->code, "%s", d->message);
	}
	if (!link)
		errlist_add(&out->errs, 0, NULL, ERR_DEFERRAL_EXPIRED,
		    "the file waited %lld hours for what it refers to, longer than defer_expiry",
		    (long long)(waited_ns / 3600000000000));
	else if (link_ends == INT64_MIN)
		errlist_add(&out->errs, 0, NULL, ERR_DEFERRAL_EXPIRED,
		    "the file waits for the payment of an order that has no open payment link");
	else {
		format_time(link_ends, at, sizeof at);
		errlist_add(&out->errs, 0, NULL, ERR_DEFERRAL_EXPIRED,
		    "the payment link the file waited for expired at %s before it was paid", at);
	}
}

static void
error_text(struct buf *b, const struct error_item *e)
{
	buf_printf(b, "%ld|%s|%s|%s\n", e->line, e->field != NULL ? e->field : "",
	    err_code_name(e->code), e->message);
}

static int
stored_error_text(void *ctx, const struct error_item *e)
{
	error_text(ctx, e);
	return 0;
}

/* True when the reasons a deferred input waits for are the ones its ledger
 * row (and receipt) already give; -1 on failure. */
static int
same_reasons(struct processor *p, int64_t id, struct errlist *defers)
{
	struct buf stored = { 0 }, now = { 0 };
	int ret;

	errlist_sort(defers);
	for (size_t i = 0; i < defers->n; i++)
		error_text(&now, &defers->items[i]);
	ret = ledger_input_errors(p->ledger, id, stored_error_text, &stored);
	if (ret == 0)
		ret = strcmp(buf_str(&stored), buf_str(&now)) == 0;
	buf_free(&stored);
	buf_free(&now);
	return ret;
}

/* Inserts the input's row, or (for a deferred input tried again) reuses it
 * without the reasons it waited. */
static int
begin_row(struct processor *p, struct input_row *row, int64_t existing, const char *at)
{
	if (existing > 0) {
		/* why it waited is no error of what it comes to */
		struct errlist none;

		errlist_init(&none, 1);
		row->id = existing;
		return ledger_input_finish(p->ledger, existing, INPUT_ACCEPTED, 0, 0, "") == 0 &&
		    ledger_input_set_errors(p->ledger, existing, &none) == 0 &&
		    ledger_input_touch(p->ledger, existing, at) == 0 ? 0 : -1;
	}
	return ledger_input_insert(p->ledger, row);
}

/* One input on its way through process_input(): what is known of it, and
 * whether its savepoint is open (to be rolled back when the machine
 * fails). */
struct job {
	struct processor *p;
	const struct input_file *in;
	struct outcome *out;
	struct input_row row;
	int64_t now, size;
	int64_t existing;        /* its row from an earlier pass, or 0 */
	bool was_deferred;       /* ... which deferred it */
	int64_t prior_link_ends; /* ... and the link expiry it kept */
	bool readable;
	bool open;               /* its savepoint is open */
	size_t deferred;         /* records that wait for something unknown */
	int64_t link_wait_ends;  /* when the payment link a record waits for
	                            expires (ns since the epoch), or 0 */
	char at[TIME_SIZE], received_at[TIME_SIZE];
};

/* Where a step leaves the input: to go on to the next step, decided (its
 * row written, its receipt to queue), or done (nothing more to write). */
enum step { STEP_FAILED = -1, STEP_ON, STEP_DECIDED, STEP_DONE };

/* Before the savepoint: whether the input can be read, its digest, and the
 * row an earlier pass left (a deferred input keeps its row and id). */
static int
examine(struct job *j)
{
	struct input_row prior = { 0 };
	int rc = precheck(j->p, j->in, &j->size, &j->out->errs);

	if (rc < 0)
		return -1;
	j->readable = rc == 1;
	/* every file that was opened and is not too large is hashed, read or
	 * not, so its receipt identifies it */
	if (j->in->fd >= 0 && j->size <= j->p->conf->max_file_size &&
	    sha256_fd(j->in->fd, j->out->sha256) != 0) {
		log_error("%s could not be read: %s; it stays claimed and is tried again",
		    j->in->name, strerror(errno));
		return -1;
	}
	switch (ledger_input_by_work_name(j->p->ledger, j->in->work_name, &prior)) {
	case 1:
		j->existing = prior.id;
		j->was_deferred = prior.status == INPUT_DEFERRED;
		j->prior_link_ends = prior.link_expires_ns;
		ledger_input_clear(&prior);
		return 0;
	case 0:
		return 0;
	default:
		return -1;
	}
}

/* Parses the input and applies its records, under its savepoint. */
static enum step
apply_records(struct job *j)
{
	struct processor *p = j->p;
	struct outcome *out = j->out;
	struct run r = { .apply = stage_apply(j->in->kind), .errs = &out->errs, .out = out,
		.order_field = kind_field_index(kind_get(j->in->kind), false, "order_number",
		    strlen("order_number")) };
	size_t nrecords = 0;

	r.actx = (struct apply_ctx){ .ledger = p->ledger, .conf = p->conf, .input_id = j->row.id,
		.at = j->at, .hash = p->hash, .scratch = &p->scratch, .defers = &out->defers,
		.received_at = j->received_at, .received_ns = j->in->received_ns,
		.secret = &p->secret, .use_template = use_template, .template_ctx = p };
	/* a large file is parsed on a second thread while this one applies */
	if (reader_run(stage_parser(j->in->name), j->size >= PARSE_APART, j->in->fd, j->in->name,
	    kind_get(j->in->kind), &p->limits, on_record, &r, &out->errs, &nrecords) != 0)
		return STEP_FAILED;
	out->records = (int64_t)nrecords;
	if (nrecords == 0 && errlist_total(&out->errs) == 0)
		errlist_add(&out->errs, 1, NULL, ERR_NO_RECORDS, "the file holds no records");
	out->status = r.applied == 0 && r.duplicates > 0 ? INPUT_DUPLICATE : INPUT_ACCEPTED;
	j->deferred = r.deferred;
	j->link_wait_ends = r.actx.defer_until_ns;
	return STEP_ON;
}

/* Step one: opens the input's savepoint, writes its row, and applies its
 * records, unless its content was seen before (a duplicate) or it cannot
 * be read (its errors say why). */
static enum step
apply_input(struct job *j)
{
	struct processor *p = j->p;
	int64_t seen_records = 0;
	int seen = 0;

	if (ledger_savepoint(p->ledger) != 0)
		return STEP_FAILED;
	j->open = true;
	if (j->readable && (seen = ledger_input_seen(p->ledger, j->out->sha256, &seen_records)) < 0)
		return STEP_FAILED;
	j->row = (struct input_row){ .work_name = j->in->work_name, .name = j->in->name,
		.kind = kind_get(j->in->kind)->plural,
		.sha256 = j->out->sha256, .size = j->size, .received_ns = j->in->received_ns,
		.status = INPUT_ACCEPTED, .processed_at = j->at, .filed_as = "" };
	if (begin_row(p, &j->row, j->existing, j->at) != 0)
		return STEP_FAILED;
	if (seen) {
		j->out->status = INPUT_DUPLICATE;
		j->out->records = seen_records;
		return STEP_ON;
	}
	return j->readable ? apply_records(j) : STEP_ON;
}

/* Writes the deferral: nothing of the input counts yet, so the savepoint
 * is rolled back; a row deferred before for the same reasons stays as it
 * was (same receipt), else it is written anew under a new savepoint. */
static enum step
defer(struct job *j)
{
	struct processor *p = j->p;
	struct outcome *out = j->out;
	int same;

	out->status = INPUT_DEFERRED;
	j->open = false;
	if (ledger_rollback_savepoint(p->ledger) != 0)
		return STEP_FAILED;
	if (j->was_deferred && (same = same_reasons(p, j->existing, &out->defers)) != 0) {
		out->input_id = j->existing;
		out->unchanged = true;
		/* a row deferred before the ledger kept link expiries gets it */
		if (same > 0 && j->prior_link_ends != j->link_wait_ends &&
		    ledger_input_set_link_expiry(p->ledger, j->existing, j->link_wait_ends) != 0)
			return STEP_FAILED;
		return same < 0 ? STEP_FAILED : STEP_DONE;
	}
	/* newly deferred, or waiting for something else now */
	if (ledger_savepoint(p->ledger) != 0)
		return STEP_FAILED;
	j->open = true;
	j->row.status = INPUT_DEFERRED;
	if ((j->was_deferred ? ledger_input_touch(p->ledger, j->existing, j->at) :
	    ledger_input_insert(p->ledger, &j->row)) != 0)
		return STEP_FAILED;
	if (j->was_deferred)
		j->row.id = j->existing;
	if (ledger_input_set_errors(p->ledger, j->row.id, &out->defers) != 0 ||
	    ledger_input_finish(p->ledger, j->row.id, INPUT_DEFERRED, out->records,
	    (int64_t)errlist_total(&out->defers), "") != 0 ||
	    ledger_input_set_link_expiry(p->ledger, j->row.id, j->link_wait_ends) != 0)
		return STEP_FAILED;
	out->input_id = j->row.id;
	return STEP_DECIDED;
}

/* Whether a deferred input that waits for code waits at most defer_expiry
 * (for what is not known yet); false for a payment that is due, which
 * waits as long as the payment link it waits for is open. */
static bool
waits_plain(enum err_code code)
{
	return code != ERR_PAYMENT_DUE;
}

/* The instant a deferred input received at received_ns is rejected: the
 * earliest of defer_expiry after its receipt, when it waits for anything
 * plain, and of the expiry of the payment link it waits for (link_ends;
 * 0: none; INT64_MAX when neither).  *by_link says whether the link ends
 * it. */
static int64_t
defer_ends(const struct conf *cf, int64_t received_ns, bool plain, int64_t link_ends,
    bool *by_link)
{
	int64_t ends = plain ? received_ns + cf->defer_expiry_ms * 1000000 : INT64_MAX;

	*by_link = link_ends != 0 && link_ends < ends;
	return *by_link ? link_ends : ends;
}

static int
stored_reason(void *ctx, const struct error_item *e)
{
	if (waits_plain(e->code))
		*(bool *)ctx = true;
	return 0;
}

int
process_deferred_ends(struct ledger *l, const struct conf *cf, const struct input_row *in,
    int64_t *ends, bool *by_link)
{
	bool plain = false;

	if (ledger_input_errors(l, in->id, stored_reason, &plain) != 0)
		return -1;
	*ends = defer_ends(cf, in->received_ns, plain, in->link_expires_ns, by_link);
	return 0;
}

/* Step two: an input whose records wait for something unknown, and that
 * has no error, is deferred while defer_expiry has not passed since it was
 * received (and while the payment link a shipment waits for is open);
 * after that, it is rejected for what it waited for.  A replay judges
 * this at the time the input it replays was received, as it was judged
 * then, not by its own clock. */
static enum step
defer_or_expire(struct job *j)
{
	const struct errlist *defers = &j->out->defers;
	int64_t now = j->p->replay_at != 0 ? j->p->replay_at : j->now;
	int64_t waited = now - j->in->received_ns, ends;
	bool plain = errlist_total(defers) > defers->n, link;

	if (errlist_total(&j->out->errs) > 0 || j->deferred == 0)
		return STEP_ON;
	/* the earliest of its reasons' ends: defer_expiry for what is not
	 * known yet, the link's expiry for a payment that is due */
	for (size_t i = 0; i < defers->n; i++)
		if (waits_plain(defers->items[i].code))
			plain = true;
	ends = defer_ends(j->p->conf, j->in->received_ns, plain, j->link_wait_ends, &link);
	if (now < ends)
		return defer(j);
	expire(j->out, waited, link, j->link_wait_ends);
	return STEP_ON;
}

/* Step three: the verdict.  A rejected input keeps nothing of what it
 * applied (all or nothing), only its row and errors; every decided input
 * gets the name it is filed under. */
static enum step
record_verdict(struct job *j)
{
	struct processor *p = j->p;
	struct outcome *out = j->out;

	if (errlist_total(&out->errs) > 0) {
		out->status = INPUT_REJECTED;
		if (ledger_rollback_savepoint(p->ledger) != 0 || ledger_savepoint(p->ledger) != 0)
			return STEP_FAILED;
		j->row.status = INPUT_REJECTED;
		if (begin_row(p, &j->row, j->existing, j->at) != 0 ||
		    ledger_input_set_errors(p->ledger, j->row.id, &out->errs) != 0)
			return STEP_FAILED;
	}
	out->input_id = j->row.id;
	out->filed_as = spool_filed_path(out->status == INPUT_REJECTED, j->row.id,
	    j->in->kind, j->in->received_ns, j->in->name, j->now);
	return ledger_input_finish(p->ledger, j->row.id, out->status, out->records,
	    (int64_t)errlist_total(&out->errs), out->filed_as) != 0 ? STEP_FAILED : STEP_DECIDED;
}

/* Queues the decided input's receipt (unless for sluice check) and
 * releases its savepoint. */
static enum step
close_input(struct job *j)
{
	if (!j->p->dry_run) {
		/* an input decided after a later one of its name arrived keeps
		 * its receipt beside the later one's */
		const struct input_file *in = j->in;
		char *receipt = in->superseded ?
		    spool_receipt_path(in->kind, in->name, in->received_ns) :
		    outbox_receipt_path(j->p->ledger, in->kind, in->name, in->received_ns);
		int rc = receipt != NULL ?
		    ledger_outbox_add(j->p->ledger, receipt, "receipt", j->row.id) : -1;

		free(receipt);
		if (rc != 0)
			return STEP_FAILED;
	}
	j->open = false;
	return ledger_release(j->p->ledger) != 0 ? STEP_FAILED : STEP_DONE;
}

/* Names to the ledger who asked for input in: the operator of the bulk
 * job that submitted it (named bulk-..., the first input of its name),
 * else nobody.  0, or -1. */
static int
input_actor(struct processor *p, const struct input_file *in)
{
	char *job = NULL, *actor = NULL;
	int found = 0;

	if (strncmp(in->name, "bulk-", 5) == 0)
		found = ledger_job_of_input(p->ledger, kind_get(in->kind)->plural, in->name,
		    in->received_ns, &job, &actor);
	ledger_set_input_actor(p->ledger, actor);
	free(job);
	free(actor);
	return found < 0 ? -1 : 0;
}

int
process_input(struct processor *p, const struct input_file *in, struct outcome *out)
{
	struct job j = { .p = p, .in = in, .out = out, .now = now_ns() };
	enum step step;

	format_time(j.now, j.at, sizeof j.at);
	format_time(in->received_ns, j.received_at, sizeof j.received_at);
	if (input_actor(p, in) != 0 || examine(&j) != 0)
		return -1;
	step = apply_input(&j);
	if (step == STEP_ON)
		step = defer_or_expire(&j);
	if (step == STEP_ON)
		step = record_verdict(&j);
	if (step == STEP_DECIDED)
		step = close_input(&j);
	/* the machine failed: nothing of the input is decided */
	if (step == STEP_FAILED && j.open)
		ledger_rollback_savepoint(p->ledger);
	return step == STEP_FAILED ? -1 : 0;
}

int
process_check(struct processor *p, const struct input_file *in, struct outcome *out)
{
	int ret;

	if (ledger_begin(p->ledger) != 0)
		return -1;
	ret = process_input(p, in, out);
	ledger_rollback(p->ledger);
	return ret;
}
