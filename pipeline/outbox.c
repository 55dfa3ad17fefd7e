#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "pipeline/outbox.h"
#include "schemas/layout.h"
#include "stages/stages.h"

#define RECEIPT_SUFFIX ".receipt.xml"

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
	struct outbox_row *rows;
	size_t n;
	int ret = -1;

	if (ledger_outbox_pending(l, &rows, &n) != 0)
		return -1;
	if (ledger_begin(l) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct input_row in = { 0 };
		char *path = NULL;
		int rc;

		if (strcmp(rows[i].doc, "receipt") != 0 || !out_path_in(OUT_RECEIPTS, rows[i].path))
			continue;
		rc = ledger_input_get(l, rows[i].ref, &in);
		if (rc == 0)
			log_error("outbox row %lld: input %lld is not in the ledger",
			    (long long)rows[i].id, (long long)rows[i].ref);
		if (rc > 0)
			path = receipt_path_of(l, &in);
		rc = path != NULL ? ledger_outbox_move(l, rows[i].id, path) : -1;
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
	ledger_outbox_free(rows, n);
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
	struct input_row *rows = NULL;
	size_t n = 0, owner = 0;
	int ret = -1;

	if (spool_read(sp, from, bytes) != 0 || ledger_inputs_named(r->ledger, name, &rows, &n) != 0)
		goto out;
	if (n == 0) {
		log_warn("%s/%s is the receipt of no input in the ledger; it is left there",
		    spool_root(sp), from);
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		buf_reset(doc);
		if (stage_renderer("receipt")(r, rows[i].id, doc) != 0)
			goto out;
		if (doc->len == bytes->len && memcmp(doc->data, bytes->data, doc->len) == 0) {
			owner = i;
			break;
		}
	}
	if ((to = receipt_path_of(r->ledger, &rows[owner])) != NULL)
		ret = spool_move(sp, from, to);
out:
	ledger_inputs_free(rows, n);
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

int
outbox_publish(const struct render_ctx *r, struct spool *sp)
{
	struct ledger *l = r->ledger;
	struct outbox_row *rows;
	struct buf doc = { 0 };
	size_t n, done = 0;
	int ret = -1;

	if (ledger_outbox_pending(l, &rows, &n) != 0)
		return -1;
	if (n == 0) {
		ret = 0;
		goto out;
	}
	for (; done < n; done++) {
		render_fn render = stage_renderer(rows[done].doc);

		if (render == NULL) {
			log_error("outbox row %lld: no renderer for '%s'", (long long)rows[done].id,
			    rows[done].doc);
			break;
		}
		buf_reset(&doc);
		if (render(r, rows[done].ref, &doc) != 0 ||
		    spool_publish(sp, rows[done].path, doc.data, doc.len) != 0)
			break;
	}
	/* what was renamed into place must be durable before it is marked */
	if (spool_sync_outputs(sp) != 0)
		goto out;
	if (done > 0) {
		if (ledger_begin(l) != 0)
			goto out;
		for (size_t i = 0; i < done; i++)
			if (ledger_outbox_mark(l, rows[i].id) != 0) {
				ledger_rollback(l);
				goto out;
			}
		if (ledger_commit(l) != 0) {
			ledger_rollback(l);
			goto out;
		}
	}
	ret = done == n ? 0 : -1;
out:
	buf_free(&doc);
	ledger_outbox_free(rows, n);
	return ret;
}
