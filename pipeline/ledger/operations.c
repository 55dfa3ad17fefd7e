/* SPDX-License-Identifier: ISC */
/*
 * operations: what operators watch and purge (ledger.h): the counts sluice
 * metrics shows, the last batch the pipeline applied, and what the ledger
 * knows of a file of out/ (sluice purge).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/ledger/ledger_int.h"

int
ledger_batch_record(struct ledger *l, const struct batch_stats *b)
{
	/* stamped by the system's clock: it takes no reading of sluice's own,
	 * which would move a fixed clock (SLUICE_CLOCK) on */
	return ledger_run(l, "INSERT OR REPLACE INTO last_batch (one, ended_at, files, records,"
	    " duration_ns) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?)", "iii",
	    b->files, b->records, b->duration_ns);
}

static int
batch_row(sqlite3_stmt *st, void *ctx)
{
	struct batch_stats *b = ctx;
	const char *at = (const char *)sqlite3_column_text(st, 0);

	snprintf(b->ended_at, sizeof b->ended_at, "%s", at != NULL ? at : "");
	b->files = sqlite3_column_int64(st, 1);
	b->records = sqlite3_column_int64(st, 2);
	b->duration_ns = sqlite3_column_int64(st, 3);
	return 0;
}

int
ledger_last_batch(struct ledger *l, struct batch_stats *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT ended_at, files, records, duration_ns FROM last_batch",
	    batch_row, out, "");
	return n < 0 ? -1 : n > 0;
}

int
ledger_input_counts_by_kind(struct ledger *l,
    int (*fn)(void *ctx, const char *kind, enum input_status status, int64_t n), void *ctx)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT kind, status, count(*) FROM inputs GROUP BY kind, status ORDER BY kind, status");
	int rc, status, ret = 0;

	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = ledger_column_enum(st, 1, &input_status_names, "inputs.status", &status);
		if (ret == 0)
			ret = fn(ctx, (const char *)sqlite3_column_text(st, 0),
			    (enum input_status)status, sqlite3_column_int64(st, 2));
	}
	return ledger_rows_end(l, st, rc, ret, "counting inputs by kind");
}

int
ledger_document_counts(struct ledger *l, int64_t *counts)
{
	sqlite3_stmt *st = ledger_stmt(l, "SELECT type, count(*) FROM documents GROUP BY type");
	int rc, type, ret = 0;

	memset(counts, 0, document_type_names.n * sizeof *counts);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = ledger_column_enum(st, 0, &document_type_names, "documents.type", &type);
		if (ret == 0)
			counts[type] = sqlite3_column_int64(st, 1);
	}
	return ledger_rows_end(l, st, rc, ret, "counting documents");
}

int
ledger_outbox_pending_count(struct ledger *l, int64_t *n)
{
	*n = 0;
	return ledger_query(l, "SELECT count(*) FROM outbox WHERE published = 0", ledger_int_row, n,
	    "") < 0 ? -1 : 0;
}

static int
output_row(sqlite3_stmt *st, void *ctx)
{
	struct output_state *o = ctx;
	const char *at = (const char *)sqlite3_column_text(st, 1);

	if (sqlite3_column_int(st, 0) == 0)
		o->unpublished = true;
	/* the latest output written there says when */
	snprintf(o->at, sizeof o->at, "%s", at != NULL ? at : "");
	return 0;
}

int
ledger_output_state(struct ledger *l, const char *path, struct output_state *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT o.published, CASE WHEN o.doc = 'receipt'"
	    " THEN (SELECT processed_at FROM inputs WHERE id = o.ref)"
	    " ELSE (SELECT issued_at FROM documents WHERE id = o.ref) END"
	    " FROM outbox o WHERE o.path = ? ORDER BY o.id", output_row, out, "s", path);
	return n < 0 ? -1 : n > 0;
}
