#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger/ledger_int.h"

#define col_str ledger_column_dup
#define col_int sqlite3_column_int64

static void
first_int(sqlite3_stmt *st, void *ctx)
{
	*(int64_t *)ctx = col_int(st, 0);
}

int
ledger_series_next(struct ledger *l, const char *prefix, int64_t *n)
{
	if (ledger_run(l, "INSERT INTO number_series (prefix, last) VALUES (?, 1)"
	    " ON CONFLICT (prefix) DO UPDATE SET last = last + 1", "s", prefix) != 0)
		return -1;
	return ledger_query(l, "SELECT last FROM number_series WHERE prefix = ?", first_int, n, "s",
	    prefix) == 1 ? 0 : -1;
}

int
ledger_document_insert(struct ledger *l, struct document *d)
{
	int64_t id = 0;

	if (ledger_run(l, "INSERT INTO documents (type, number, order_number, shipment_id,"
	    " return_id, request_id, link_id, invoice_id, issued_at, template_sha256, input_id)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssssssssssi", d->type, d->number,
	    d->order_number, d->shipment_id, d->return_id, d->request_id, d->link_id, d->invoice_id,
	    d->issued_at, d->template_sha256, d->input_id) != 0 ||
	    ledger_query(l, "SELECT id FROM documents WHERE number = ?", first_int, &id, "s",
	    d->number) != 1)
		return -1;
	d->id = id;
	return 0;
}

#define DOCUMENT_COLUMNS "id, type, number, order_number, shipment_id, return_id, request_id," \
	" link_id, invoice_id, issued_at, template_sha256, input_id"

static void
document_row(sqlite3_stmt *st, void *ctx)
{
	struct document *d = ctx;

	d->id = col_int(st, 0);
	d->type = col_str(st, 1);
	d->number = col_str(st, 2);
	d->order_number = col_str(st, 3);
	d->shipment_id = col_str(st, 4);
	d->return_id = col_str(st, 5);
	d->request_id = col_str(st, 6);
	d->link_id = col_str(st, 7);
	d->invoice_id = col_str(st, 8);
	d->issued_at = col_str(st, 9);
	d->template_sha256 = col_str(st, 10);
	d->input_id = col_int(st, 11);
}

int
ledger_document_get(struct ledger *l, int64_t id, struct document *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE id = ?", document_row,
	    out, "i", id);
	return n < 0 ? -1 : n > 0;
}

void
ledger_document_clear(struct document *d)
{
	free(d->type);
	free(d->number);
	free(d->order_number);
	free(d->shipment_id);
	free(d->return_id);
	free(d->request_id);
	free(d->link_id);
	free(d->invoice_id);
	free(d->issued_at);
	free(d->template_sha256);
	memset(d, 0, sizeof *d);
}

struct each_document {
	void (*fn)(void *ctx, const struct document *d);
	void *ctx;
};

static void
each_document(sqlite3_stmt *st, void *ctx)
{
	struct each_document *e = ctx;
	struct document d = { 0 };

	document_row(st, &d);
	e->fn(e->ctx, &d);
	ledger_document_clear(&d);
}

int
ledger_documents_for_order(struct ledger *l, const char *order_number,
    void (*fn)(void *ctx, const struct document *d), void *ctx)
{
	struct each_document e = { fn, ctx };

	return ledger_query(l, "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE order_number = ?"
	    " ORDER BY id", each_document, &e, "s", order_number) < 0 ? -1 : 0;
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

struct template_row {
	char **text;
	struct buf *logo;
};

static void
template_row(sqlite3_stmt *st, void *ctx)
{
	struct template_row *t = ctx;

	*t->text = col_str(st, 0);
	buf_reset(t->logo);
	if (sqlite3_column_type(st, 1) == SQLITE_BLOB)
		buf_append(t->logo, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
}

int
ledger_template_get(struct ledger *l, const char *sha256, char **text, struct buf *logo)
{
	struct template_row t = { text, logo };
	int n;

	*text = NULL;
	n = ledger_query(l, "SELECT text, logo FROM templates WHERE sha256 = ?", template_row, &t,
	    "s", sha256);
	return n < 0 ? -1 : n > 0;
}

int
ledger_shipment_set_delivery(struct ledger *l, const char *shipment_id, const struct address *a)
{
	return ledger_run(l, "UPDATE shipments SET delivery_address1 = ?, delivery_address2 = ?,"
	    " delivery_zip = ?, delivery_city = ?, delivery_country = ? WHERE shipment_id = ?",
	    "ssssss", a->address1, a->address2, a->zip, a->city, a->country, shipment_id);
}

static void
address_row(sqlite3_stmt *st, void *ctx)
{
	ledger_column_address(st, 0, ctx);
}

int
ledger_shipment_delivery(struct ledger *l, const char *shipment_id, struct address *a)
{
	memset(a, 0, sizeof *a);
	return ledger_query(l, "SELECT delivery_address1, delivery_address2, delivery_zip,"
	    " delivery_city, delivery_country FROM shipments WHERE shipment_id = ?", address_row, a,
	    "s", shipment_id) == 1 ? 0 : -1;
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

static void
free_invoice_row(sqlite3_stmt *st, void *ctx)
{
	struct free_invoice *f = ctx;

	f->invoice_id = col_str(st, 0);
	f->order_number = col_str(st, 1);
	f->input_id = col_int(st, 2);
	f->currency = col_str(st, 3);
	f->email = col_str(st, 4);
	f->name = col_str(st, 5);
	f->billing.address1 = col_str(st, 6);
	f->billing.zip = col_str(st, 7);
	f->billing.city = col_str(st, 8);
	f->billing.country = col_str(st, 9);
	f->due_date = col_str(st, 10);
	f->template = col_str(st, 11);
	f->text = col_str(st, 12);
}

static void
free_invoice_line_row(sqlite3_stmt *st, void *ctx)
{
	struct free_invoice *f = ctx;
	struct free_invoice_line *ln;

	f->lines = xgrow(f->lines, &f->nlines, sizeof *f->lines);
	ln = &f->lines[f->nlines - 1];
	ln->description = col_str(st, 0);
	ln->quantity = col_int(st, 1);
	ln->unit_price = col_int(st, 2);
	ln->vat_rate = col_int(st, 3);
	ln->vat = col_int(st, 4);
	ln->line_total = col_int(st, 5);
}

int
ledger_free_invoice_get(struct ledger *l, const char *invoice_id, struct free_invoice *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT invoice_id, order_number, input_id, currency, email, name,"
	    " billing_address1, billing_zip, billing_city, billing_country, due_date, template, text"
	    " FROM free_invoices WHERE invoice_id = ?", free_invoice_row, out, "s", invoice_id);
	if (n <= 0)
		return n;
	if (ledger_query(l, "SELECT description, quantity, unit_price, vat_rate, vat, line_total"
	    " FROM free_invoice_lines WHERE invoice_id = ? ORDER BY n", free_invoice_line_row, out,
	    "s", invoice_id) < 0) {
		free_invoice_clear(out);
		return -1;
	}
	return 1;
}

void
free_invoice_clear(struct free_invoice *f)
{
	for (size_t i = 0; i < f->nlines; i++)
		free(f->lines[i].description);
	free(f->lines);
	free(f->invoice_id);
	free(f->order_number);
	free(f->currency);
	free(f->email);
	free(f->name);
	address_clear(&f->billing);
	free(f->due_date);
	free(f->template);
	free(f->text);
	memset(f, 0, sizeof *f);
}
