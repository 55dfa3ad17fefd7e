/* SPDX-License-Identifier: ISC */
/*
 * outbox: publishing the ledger's queued output files (outbox.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/alive.h"
#include "base/log.h"
#include "pipeline/outbox.h"
#include "pipeline/workers.h"
#include "schemas/layout.h"
#include "stages/stages.h"

#define RECEIPT_SUFFIX ".receipt.xml"
/* Outputs published with one durability barrier, at most. */
#define PUBLISH_CHUNK 1024
/* Outputs rendered together, their PDFs drawn at once by the workers. */
#define DRAW_WINDOW 32

char *
outbox_receipt_path(struct ledger *l, enum kind kind, const char *name, int64_t received_ns)
{
	int64_t latest;

	if (ledger_input_latest(l, kind_get(kind)->plural, name, &latest) != 0)
		return NULL;
	return spool_receipt_path(kind, name, latest > received_ns ? received_ns : 0);
}

/* The path of the receipt of the input in (its ledger row); NULL (logged)
 * on failure. */
static char *
receipt_path_of(struct ledger *l, const struct input_row *in)
{
	const struct kind_def *k = kind_by_name(in->kind);

	if (k == NULL) {
		log_error("input %lld has the unknown kind '%s'", (long long)in->id, in->kind);
		return NULL;
	}
	return outbox_receipt_path(l, k->kind, in->name, in->received_ns);
}

/* Gives the queued receipts of the earlier layout (out/receipts/<name>...)
 * their path now, in one transaction.  0, or -1. */
static int
move_queued_receipts(struct ledger *l)
{
	struct outbox_list list;
	int ret = -1;

	if (ledger_outbox_pending(l, &list) != 0)
		return -1;
	if (ledger_begin(l) != 0)
		goto out;
	for (size_t i = 0; i < list.n; i++) {
		const struct outbox_row *row = &list.rows[i];
		struct input_row in = { 0 };
		char *path = NULL;
		int rc;

		if (strcmp(row->doc, "receipt") != 0 || !out_path_in(OUT_RECEIPTS, row->path))
			continue;
		rc = ledger_input_get(l, row->ref, &in);
		if (rc == 0)
			log_error("outbox row %lld: input %lld is not in the ledger",
			    (long long)row->id, (long long)row->ref);
		if (rc > 0)
			path = receipt_path_of(l, &in);
		rc = path != NULL ? ledger_outbox_move(l, row->id, path) : -1;
		free(path);
		ledger_input_clear(&in);
		if (rc != 0) {
			ledger_rollback(l);
			goto out;
		}
	}
	if (ledger_commit(l) != 0) {
		ledger_rollback(l);
		goto out;
	}
	ret = 0;
out:
	ledger_outbox_free(&list);
	return ret;
}

/* Moves out/receipts/<file>, a receipt of the earlier layout, to where the
 * receipt of its input belongs now.  Its input is the one of that name
 * whose receipt, rendered from the ledger, has the file's bytes; when none
 * has (an earlier version rendered it), the one of that name received
 * last.  A file of no input in the ledger is left.  0, or -1. */
static int
move_flat_receipt(const struct render_ctx *r, struct spool *sp, const char *file,
    struct buf *bytes, struct buf *doc)
{
	char *from = out_path(OUT_RECEIPTS, "%s", file), *to = NULL;
	char *name = xstrndup(file, strlen(file) - strlen(RECEIPT_SUFFIX));
	struct input_list inputs = { 0 };
	size_t owner = 0;
	int ret = -1;

	if (spool_read(sp, from, bytes) != 0 || ledger_inputs_named(r->ledger, name, &inputs) != 0)
		goto out;
	if (inputs.n == 0) {
		log_warn("%s/%s is the receipt of no input in the ledger; it is left there",
		    spool_root(sp), from);
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < inputs.n; i++) {
		buf_reset(doc);
		if (stage_renderer("receipt")->render(r, inputs.rows[i].id, doc) != 0)
			goto out;
		if (doc->len == bytes->len && memcmp(doc->data, bytes->data, doc->len) == 0) {
			owner = i;
			break;
		}
	}
	if ((to = receipt_path_of(r->ledger, &inputs.rows[owner])) != NULL)
		ret = spool_move(sp, from, to);
out:
	ledger_inputs_free(&inputs);
	free(from);
	free(to);
	free(name);
	return ret;
}

int
outbox_upgrade(const struct render_ctx *r, struct spool *sp)
{
	struct buf bytes = { 0 }, doc = { 0 };
	char **files;
	size_t n;
	int ret = 0;

	if (spool_add_folders(sp) != 0 || move_queued_receipts(r->ledger) != 0 ||
	    spool_flat_receipts(sp, &files, &n) != 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = move_flat_receipt(r, sp, files[i], &bytes, &doc);
	if (n > 0 && ret == 0)
		log_info("moved %zu receipt%s into the folders of their kinds", n, n == 1 ? "" : "s");
	spool_names_free(files, n);
	buf_free(&bytes);
	buf_free(&doc);
	return ret;
}

/* Marks rows[0..n) published, in one transaction.  0, or -1. */
static int
mark_published(struct ledger *l, const struct outbox_row *rows, size_t n)
{
	if (n == 0)
		return 0;
	if (ledger_begin(l) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (ledger_outbox_mark(l, rows[i].id) != 0) {
			ledger_rollback(l);
			return -1;
		}
	if (ledger_commit(l) != 0) {
		ledger_rollback(l);
		return -1;
	}
	return 0;
}

/* One output of a window: rendered on the ledger's thread, or a PDF loaded
 * there and drawn by the workers. */
struct rendered {
	const struct renderer *how;
	struct render_job *job;  /* loaded, to draw; or NULL */
	struct buf out;
	int ret;
};

static void
draw_one(void *ctx, size_t i)
{
	struct rendered *o = &((struct rendered *)ctx)[i];

	if (o->job != NULL)
		o->ret = o->how->draw(o->job, &o->out);
}

static void
drop_job(struct rendered *o)
{
	if (o->job != NULL)
		o->how->job_free(o->job);
	o->job = NULL;
}

/* Renders rows[0..n) (n <= DRAW_WINDOW) into o: those made in one step
 * here, the others loaded here, then drawn by w all at once.  The number
 * of rows up to the first that failed, or n. */
static size_t
render_window(const struct render_ctx *r, struct workers *w, const struct outbox_row *rows,
    size_t n, struct rendered *o)
{
	size_t ok = 0, jobs = 0;

	for (; ok < n; ok++) {
		const struct renderer *how = stage_renderer(rows[ok].doc);

		buf_reset(&o[ok].out);
		o[ok].ret = 0;
		o[ok].how = how;
		o[ok].job = NULL;
		if (how == NULL) {
			log_error("outbox row %lld: no renderer for '%s'", (long long)rows[ok].id,
			    rows[ok].doc);
			break;
		}
		if (how->render != NULL ? how->render(r, rows[ok].ref, &o[ok].out) != 0 :
		    (o[ok].job = how->load(r, rows[ok].ref)) == NULL)
			break;
		jobs += o[ok].job != NULL;
		alive();   /* thousands of documents can take long */
	}
	if (jobs > 0)   /* else the threads would wake for nothing */
		workers_run(w, draw_one, o, ok);
	for (size_t i = 0; i < ok; i++)
		drop_job(&o[i]);
	for (size_t i = 0; i < ok; i++)
		if (o[i].ret != 0)
			return i;
	return ok;
}

/* Renders rows[0..n) into b, stopping at the first that fails; the
 * number staged. */
static size_t
stage_rows(const struct render_ctx *r, struct spool *sp, struct workers *w,
    const struct outbox_row *rows, size_t n, struct spool_batch *b, struct rendered *o)
{
	size_t staged = 0;

	while (staged < n) {
		size_t m = n - staged < DRAW_WINDOW ? n - staged : DRAW_WINDOW;
		size_t ok = render_window(r, w, rows + staged, m, o);

		for (size_t i = 0; i < ok; i++, staged++)
			if (spool_stage(sp, b, rows[staged].path, o[i].out.data, o[i].out.len) != 0)
				return staged;
		if (ok < m)
			break;
		alive();
	}
	return staged;
}

int
outbox_publish(const struct render_ctx *r, struct spool *sp, struct workers *w)
{
	struct outbox_list list;
	struct spool_batch batch = { 0 };
	struct rendered o[DRAW_WINDOW] = { 0 };
	int ret = 0;

	if (ledger_outbox_pending(r->ledger, &list) != 0)
		return -1;
	/* a chunk at a time, with one durability barrier: written, synced
	 * together, renamed into place, their folders synced; only what is
	 * durable in place is marked published */
	for (size_t at = 0; at < list.n && ret == 0; at += PUBLISH_CHUNK) {
		const struct outbox_row *rows = &list.rows[at];
		size_t n = list.n - at < PUBLISH_CHUNK ? list.n - at : PUBLISH_CHUNK;
		size_t staged = stage_rows(r, sp, w, rows, n, &batch, o), placed;

		if (staged < n)
			ret = -1;
		if (spool_place(sp, &batch, &placed) != 0)
			ret = -1;
		alive();   /* the sync and the renames of a whole chunk */
		if (spool_sync_outputs(sp) != 0)
			placed = 0;
		if (mark_published(r->ledger, rows, placed) != 0 || placed < staged)
			ret = -1;
	}
	spool_batch_free(sp, &batch);
	for (size_t i = 0; i < DRAW_WINDOW; i++)
		buf_free(&o[i].out);
	ledger_outbox_free(&list);
	return ret;
}
