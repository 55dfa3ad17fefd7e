/* SPDX-License-Identifier: ISC */
/*
 * documents: the ledger's documents, their number series, the templates
 * they were issued with, free-text invoices, and the view of one document
 * that rendering it needs (ledger.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "pipeline/ledger/ledger_int.h"

#define col_int sqlite3_column_int64

int
ledger_series_next(struct ledger *l, const char *prefix, int64_t *n)
{
	if (ledger_run(l, "INSERT INTO number_series (prefix, last) VALUES (?, 1)"
	    " ON CONFLICT (prefix) DO UPDATE SET last = last + 1", "s", prefix) != 0)
		return -1;
	return ledger_query(l, "SELECT last FROM number_series WHERE prefix = ?", ledger_int_row,
	    n, "s", prefix) == 1 ? 0 : -1;
}

int
ledger_document_insert(struct ledger *l, struct document *d)
{
	int64_t id = 0;

	if (ledger_run(l, "INSERT INTO documents (type, number, order_number, shipment_id,"
	    " return_id, request_id, link_id, invoice_id, issued_at, template_sha256, input_id)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssssssssssi", document_type_name(d->type),
	    d->number,
	    d->order_number, d->shipment_id, d->return_id, d->request_id, d->link_id, d->invoice_id,
	    d->issued_at, d->template_sha256, d->input_id) != 0 ||
	    ledger_query(l, "SELECT id FROM documents WHERE number = ?", ledger_int_row, &id, "s",
	    d->number) != 1)
		return -1;
	d->id = id;
	return 0;
}

#define DOCUMENT_COLUMNS "id, type, number, order_number, shipment_id, return_id, request_id," \
	" link_id, invoice_id, issued_at, template_sha256, input_id"

/* Reads a document row, its strings into arena a.  0, or -1 (logged) when
 * its type is none sluice knows. */
static int
document_from_row(sqlite3_stmt *st, struct document *d, struct arena *a)
{
	int type;

	if (ledger_column_enum(st, 1, &document_type_names, "documents.type", &type) != 0)
		return -1;
	d->type = (enum document_type)type;
	d->id = col_int(st, 0);
	d->number = ledger_column_str(st, 2, a);
	d->order_number = ledger_column_str(st, 3, a);
	d->shipment_id = ledger_column_str(st, 4, a);
	d->return_id = ledger_column_str(st, 5, a);
	d->request_id = ledger_column_str(st, 6, a);
	d->link_id = ledger_column_str(st, 7, a);
	d->invoice_id = ledger_column_str(st, 8, a);
	d->issued_at = ledger_column_str(st, 9, a);
	d->template_sha256 = ledger_column_str(st, 10, a);
	d->input_id = col_int(st, 11);
	return 0;
}

struct each_document {
	void (*fn)(void *ctx, const struct document *d);
	void *ctx;
	struct arena arena;
};

static int
each_document(sqlite3_stmt *st, void *ctx)
{
	struct each_document *e = ctx;
	struct document d = { 0 };

	arena_reset(&e->arena);
	if (document_from_row(st, &d, &e->arena) != 0)
		return -1;
	e->fn(e->ctx, &d);
	return 0;
}

int
ledger_documents_for_order(struct ledger *l, const char *order_number,
    void (*fn)(void *ctx, const struct document *d), void *ctx)
{
	struct each_document e = { fn, ctx, { 0 } };
	int n = ledger_query(l, "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE order_number = ?"
	    " ORDER BY id", each_document, &e, "s", order_number);

	arena_free(&e.arena);
	return n < 0 ? -1 : 0;
}

int
ledger_template_store(struct ledger *l, const char *sha256, const char *name, const char *text,
    const void *logo, size_t logo_len)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "INSERT OR IGNORE INTO templates (sha256, name, text, logo) VALUES (?, ?, ?, ?)");

	ledger_bind_text(st, 1, sha256);
	ledger_bind_text(st, 2, name);
	ledger_bind_text(st, 3, text);
	if (logo != NULL)
		sqlite3_bind_blob(st, 4, logo, (int)logo_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	return ledger_exec_stmt(l, st);
}

int
ledger_shipment_set_delivery(struct ledger *l, const char *shipment_id, const struct address *a)
{
	return ledger_run(l, "UPDATE shipments SET delivery_address1 = ?, delivery_address2 = ?,"
	    " delivery_zip = ?, delivery_city = ?, delivery_country = ?, delivery_state = ?"
	    " WHERE shipment_id = ?", "sssssss", LEDGER_ADDRESS(a), shipment_id);
}

int
ledger_free_invoice_insert(struct ledger *l, const struct free_invoice *f)
{
	if (ledger_run(l, "INSERT INTO free_invoices (invoice_id, order_number, input_id, currency,"
	    " email, name, billing_address1, billing_zip, billing_city, billing_country, due_date,"
	    " template, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssissssssssss",
	    f->invoice_id, f->order_number, f->input_id, f->currency, f->email, f->name,
	    f->billing.address1, f->billing.zip, f->billing.city, f->billing.country, f->due_date,
	    f->template, f->text) != 0)
		return -1;
	for (size_t i = 0; i < f->nlines; i++) {
		const struct free_invoice_line *ln = &f->lines[i];

		if (ledger_run(l, "INSERT INTO free_invoice_lines (invoice_id, n, description, quantity,"
		    " unit_price, vat_rate, vat, line_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    "sisiiiii", f->invoice_id, (int64_t)i + 1, ln->description, ln->quantity,
		    ln->unit_price, ln->vat_rate, ln->vat, ln->line_total) != 0)
			return -1;
	}
	return 0;
}

/*
 * The view of one document.  Each reader below fills a part of it from
 * one row, its strings into the view's arena.
 */

static int
view_document_row(sqlite3_stmt *st, void *ctx)
{
	struct document_view *v = ctx;

	return document_from_row(st, &v->doc, &v->arena);
}

static int
view_template_row(sqlite3_stmt *st, void *ctx)
{
	struct document_view *v = ctx;

	v->template_found = true;
	v->template_text = ledger_column_str(st, 0, &v->arena);
	if (sqlite3_column_type(st, 1) == SQLITE_BLOB)
		buf_append(&v->logo, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
	return 0;
}

static int
view_delivery_row(sqlite3_stmt *st, void *ctx)
{
	struct document_view *v = ctx;

	ledger_column_address(st, 0, &v->delivery, &v->arena);
	return 0;
}

static int
view_invoice_row(sqlite3_stmt *st, void *ctx)
{
	struct document_view *v = ctx;
	struct free_invoice *f = &v->invoice;
	struct arena *a = &v->arena;

	if (ledger_column_currency(st, 3, a, "free_invoices.currency", &f->currency) != 0)
		return -1;
	v->invoice_found = true;
	f->invoice_id = ledger_column_str(st, 0, a);
	f->order_number = ledger_column_str(st, 1, a);
	f->input_id = col_int(st, 2);
	f->email = ledger_column_str(st, 4, a);
	f->name = ledger_column_str(st, 5, a);
	f->billing.address1 = ledger_column_str(st, 6, a);
	f->billing.zip = ledger_column_str(st, 7, a);
	f->billing.city = ledger_column_str(st, 8, a);
	f->billing.country = ledger_column_str(st, 9, a);
	f->due_date = ledger_column_str(st, 10, a);
	f->template = ledger_column_str(st, 11, a);
	f->text = ledger_column_str(st, 12, a);
	return 0;
}

static int
view_invoice_line_row(sqlite3_stmt *st, void *ctx)
{
	struct document_view *v = ctx;
	struct free_invoice *f = &v->invoice;
	struct free_invoice_line *ln;

	f->lines = xgrow(f->lines, &f->nlines, sizeof *f->lines);
	ln = &f->lines[f->nlines - 1];
	ln->description = ledger_column_str(st, 0, &v->arena);
	ln->quantity = col_int(st, 1);
	ln->unit_price = col_int(st, 2);
	ln->vat_rate = col_int(st, 3);
	ln->vat = col_int(st, 4);
	ln->line_total = col_int(st, 5);
	return 0;
}

/* Points the view at what its document concerns in the order's state
 * (the return first: a credit note's shipment is its return's). */
static void
view_find(struct document_view *v)
{
	const struct order_state *s = v->state;
	const struct document *d = &v->doc;
	const char *shipment_id = d->shipment_id;

	for (size_t i = 0; i < s->nreturns && d->return_id != NULL; i++)
		if (strcmp(s->returns[i].return_id, d->return_id) == 0)
			v->ret = &s->returns[i];
	if (shipment_id == NULL && v->ret != NULL)
		shipment_id = v->ret->shipment_id;
	for (size_t i = 0; i < s->nshipments && shipment_id != NULL; i++)
		if (strcmp(s->shipments[i].shipment_id, shipment_id) == 0)
			v->shipment = &s->shipments[i];
	for (size_t i = 0; i < s->nrequests && d->request_id != NULL; i++)
		if (strcmp(s->requests[i].request_id, d->request_id) == 0)
			v->request = &s->requests[i];
	for (size_t i = 0; i < s->nlinks && d->link_id != NULL; i++)
		if (strcmp(s->links[i].link_id, d->link_id) == 0)
			v->link = &s->links[i];
}

/* Loads what the view's document is about: its free-text invoice (and the
 * state of the order it names, for its language), or its order's state
 * and, for a pro-forma, where the shipment went.  0, or -1. */
static int
view_subject(struct ledger *l, struct document_view *v)
{
	const struct document *d = &v->doc;
	int found;

	if (d->invoice_id != NULL) {
		if (ledger_query(l, "SELECT invoice_id, order_number, input_id, currency, email, name,"
		    " billing_address1, billing_zip, billing_city, billing_country, due_date, template,"
		    " text FROM free_invoices WHERE invoice_id = ?", view_invoice_row, v, "s",
		    d->invoice_id) < 0 ||
		    ledger_query(l, "SELECT description, quantity, unit_price, vat_rate, vat,"
		    " line_total FROM free_invoice_lines WHERE invoice_id = ? ORDER BY n",
		    view_invoice_line_row, v, "s", d->invoice_id) < 0)
			return -1;
		return v->invoice.order_number == NULL ||
		    ledger_order_state(l, v->invoice.order_number, &v->state) >= 0 ? 0 : -1;
	}
	if (d->order_number == NULL)
		return 0;
	if ((found = ledger_order_state(l, d->order_number, &v->state)) <= 0)
		return found;
	view_find(v);
	if (v->link != NULL &&
	    ledger_link_lines(l, v->link->link_id, &v->link_lines, &v->nlink_lines) != 0)
		return -1;
	if (d->type == DOC_PROFORMA && v->shipment != NULL &&
	    ledger_query(l, "SELECT delivery_address1, delivery_address2, delivery_zip,"
	    " delivery_city, delivery_country, delivery_state FROM shipments WHERE shipment_id = ?",
	    view_delivery_row, v, "s", v->shipment->shipment_id) < 0)
		return -1;
	return 0;
}

int
ledger_document_view(struct ledger *l, int64_t id, struct document_view *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE id = ?",
	    view_document_row, out, "i", id);
	if (n <= 0)
		return n;
	if ((out->doc.template_sha256 != NULL &&
	    ledger_query(l, "SELECT text, logo FROM templates WHERE sha256 = ?", view_template_row,
	    out, "s", out->doc.template_sha256) < 0) || view_subject(l, out) != 0)
		goto fail;
	return 1;
fail:
	ledger_document_view_clear(out);
	return -1;
}

void
ledger_document_view_clear(struct document_view *v)
{
	buf_free(&v->logo);
	free(v->invoice.lines);
	free(v->link_lines);
	order_state_free(v->state);
	arena_free(&v->arena);
	memset(v, 0, sizeof *v);
}
