#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/ledger/ledger.h"
#include "base/log.h"
#include "pipeline/outbox.h"
#include "pipeline/process.h"
#include "pipeline/spool.h"
#include "pipeline/templates.h"
#include "base/token.h"
#include "stages/stages.h"
#include "stages/validate.h"

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
	p->limits.max_field_bytes = (size_t)cf->max_field_bytes;
	p->limits.max_record_lines = (size_t)cf->max_record_lines;
	p->limits.max_record_bytes = MAX_RECORD_BYTES;
	p->hash = sha256_new();
	p->templates_dir = processor_templates_dir(cf, root);
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
	errlist_free(&o->errs);
	errlist_free(&o->defers);
	memset(o, 0, sizeof *o);
}

struct run {
	struct apply_ctx actx;
	apply_fn apply;
	struct errlist *errs;
	size_t applied;
	size_t duplicates;
	size_t deferred;
};

static int
on_record(void *ctx, struct record *rec)
{
	struct run *r = ctx;

	if (validate_record(rec, r->errs) > 0)
		return 0;
	switch (r->apply(&r->actx, rec, r->errs)) {
	case APPLY_OK:
		r->applied++;
		return 0;
	case APPLY_DUPLICATE:
		r->duplicates++;
		return 0;
	case APPLY_REJECTED:
		return 0;
	case APPLY_DEFERRED:
		r->deferred++;
		return 0;
	case APPLY_FAILED:
		break;
	}
	return -1;
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

/* Moves the deferral reasons into the errors, for a rejection at expiry. */
static void
expire(struct outcome *out, int64_t waited_ns)
{
	for (size_t i = 0; i < out->defers.n; i++) {
		const struct error_item *d = &out->defers.items[i];

		errlist_add(&out->errs, d->line, d->field, d->code, "%s", d->message);
	}
	errlist_add(&out->errs, 0, NULL, ERR_DEFERRAL_EXPIRED,
	    "the file waited %lld hours for what it refers to, longer than defer_expiry",
	    (long long)(waited_ns / 3600000000000));
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

int
process_input(struct processor *p, const struct input_file *in, struct outcome *out)
{
	int64_t now = now_ns(), seen_records = 0, size, existing = 0;
	char at[TIME_SIZE], received_at[TIME_SIZE];
	struct input_row row = { 0 }, prior = { 0 };
	struct run r = { 0 };
	size_t nrecords = 0;
	bool readable, was_deferred = false;
	int seen = 0;

	format_time(now, at, sizeof at);
	format_time(in->received_ns, received_at, sizeof received_at);
	switch (precheck(p, in, &size, &out->errs)) {
	case 1:
		readable = true;
		break;
	case 0:
		readable = false;
		break;
	default:
		return -1;
	}
	/* every file that was opened and is not too large is hashed, read or
	 * not, so its receipt identifies it */
	if (in->fd >= 0 && size <= p->conf->max_file_size && sha256_fd(in->fd, out->sha256) != 0) {
		log_error("%s could not be read: %s; it stays claimed and is tried again", in->name,
		    strerror(errno));
		return -1;
	}
	/* a deferred input tried again keeps its row (and its id) */
	switch (ledger_input_by_work_name(p->ledger, in->work_name, &prior)) {
	case 1:
		existing = prior.id;
		was_deferred = prior.status == INPUT_DEFERRED;
		ledger_input_clear(&prior);
		break;
	case 0:
		break;
	default:
		return -1;
	}
	if (ledger_savepoint(p->ledger) != 0)
		return -1;
	if (readable && (seen = ledger_input_seen(p->ledger, out->sha256, &seen_records)) < 0)
		goto fail;

	row.work_name = in->work_name;
	row.name = in->name;
	row.kind = kind_get(in->kind)->plural;
	row.sha256 = out->sha256;
	row.size = size;
	row.received_ns = in->received_ns;
	row.status = INPUT_ACCEPTED;
	row.processed_at = at;
	row.filed_as = "";
	if (begin_row(p, &row, existing, at) != 0)
		goto fail;

	if (seen) {
		out->status = INPUT_DUPLICATE;
		out->records = seen_records;
	} else if (readable) {
		r.actx = (struct apply_ctx){ p->ledger, p->conf, row.id, at, p->hash, &p->scratch,
			&out->defers, received_at, &p->secret, use_template, p };
		r.apply = stage_apply(in->kind);
		r.errs = &out->errs;
		if (stage_parser(in->name)(in->fd, in->name, kind_get(in->kind), &p->limits,
		    on_record, &r, &out->errs, &nrecords) != 0)
			goto fail;
		out->records = (int64_t)nrecords;
		if (nrecords == 0 && errlist_total(&out->errs) == 0)
			errlist_add(&out->errs, 1, NULL, ERR_NO_RECORDS, "the file holds no records");
		out->status = r.applied == 0 && r.duplicates > 0 ? INPUT_DUPLICATE : INPUT_ACCEPTED;
	}
	if (errlist_total(&out->errs) == 0 && r.deferred > 0) {
		int64_t waited = now - in->received_ns;

		if (waited < p->conf->defer_expiry_ms * 1000000) {
			/* nothing of it counts yet: undo it all and wait; a row that
			 * was deferred before stays as it was (same receipt) */
			int same;

			out->status = INPUT_DEFERRED;
			if (ledger_rollback_savepoint(p->ledger) != 0)
				return -1;
			if (was_deferred && (same = same_reasons(p, existing, &out->defers)) != 0) {
				out->input_id = existing;
				out->unchanged = true;
				return same < 0 ? -1 : 0;
			}
			/* newly deferred, or waiting for something else now */
			if (ledger_savepoint(p->ledger) != 0)
				return -1;
			row.status = INPUT_DEFERRED;
			if ((was_deferred ? ledger_input_touch(p->ledger, existing, at) :
			    ledger_input_insert(p->ledger, &row)) != 0)
				goto fail;
			if (was_deferred)
				row.id = existing;
			if (ledger_input_set_errors(p->ledger, row.id, &out->defers) != 0 ||
			    ledger_input_finish(p->ledger, row.id, INPUT_DEFERRED, out->records,
			    (int64_t)errlist_total(&out->defers), "") != 0)
				goto fail;
			out->input_id = row.id;
			goto receipt;
		}
		expire(out, waited);
	}
	if (errlist_total(&out->errs) > 0) {
		/* all or nothing: undo every record, keep only the verdict */
		out->status = INPUT_REJECTED;
		if (ledger_rollback_savepoint(p->ledger) != 0 || ledger_savepoint(p->ledger) != 0)
			goto fail;
		row.status = INPUT_REJECTED;
		if (begin_row(p, &row, existing, at) != 0 ||
		    ledger_input_set_errors(p->ledger, row.id, &out->errs) != 0)
			goto fail;
	}
	out->input_id = row.id;
	out->filed_as = spool_filed_path(out->status == INPUT_REJECTED, row.id, in->kind,
	    in->received_ns, in->name, now);
	if (ledger_input_finish(p->ledger, row.id, out->status, out->records,
	    (int64_t)errlist_total(&out->errs), out->filed_as) != 0)
		goto fail;
receipt:
	if (!p->dry_run) {
		/* an input decided after a later one of its name arrived keeps
		 * its receipt beside the later one's */
		char *receipt = in->superseded ?
		    spool_receipt_path(in->kind, in->name, in->received_ns) :
		    outbox_receipt_path(p->ledger, in->kind, in->name, in->received_ns);
		int rc = receipt != NULL ? ledger_outbox_add(p->ledger, receipt, "receipt", row.id) : -1;

		free(receipt);
		if (rc != 0)
			goto fail;
	}
	if (ledger_release(p->ledger) != 0)
		return -1;
	return 0;
fail:
	ledger_rollback_savepoint(p->ledger);
	return -1;
}
