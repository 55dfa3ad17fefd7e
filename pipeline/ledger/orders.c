/* SPDX-License-Identifier: ISC */
/*
 * orders: orders and their lines in the ledger: the identity of an order's
 * content, inserting an order, and loading one with its lines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger/ledger_int.h"
#include "base/util.h"

int
ledger_identity_row(sqlite3_stmt *st, void *ctx)
{
	struct ledger_identity *id = ctx;

	*id->input_id = sqlite3_column_int64(st, 0);
	snprintf(id->sha, SHA256_HEX, "%s", (const char *)sqlite3_column_text(st, 1));
	return 0;
}

int
ledger_order_identity(struct ledger *l, const char *order_number, int64_t *input_id,
    char sha[SHA256_HEX])
{
	struct ledger_identity id = { input_id, sha };
	int n = ledger_query(l, "SELECT input_id, content_sha256 FROM orders WHERE order_number = ?",
	    ledger_identity_row, &id, "s", order_number);

	return n < 0 ? -1 : n > 0;
}

int
ledger_order_insert(struct ledger *l, const struct order *o)
{
	return ledger_run(l,
	    "INSERT INTO orders (order_number, input_id, content_sha256, order_date, market,"
	    " currency, prices_include_vat, status, hold, email, first_name, last_name, phone,"
	    " billing_address1, billing_address2, billing_zip, billing_city, billing_country,"
	    " billing_state, delivery_address1, delivery_address2, delivery_zip, delivery_city,"
	    " delivery_country, delivery_state, shipping_method, shipping_price,"
	    " shipping_vat_rate, payment_method, payment_reference, authorized, comment,"
	    " awaiting_payment, language, delivery_date, internal_comment, voucher_code,"
	    " voucher_value, captured_amount, capture_reference) VALUES (?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " coalesce(?, ''), coalesce(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "sissssbsbssss" "ssssss" "ssssss" "siissisb" "sss" "si" "is", o->order_number, o->input_id,
	    o->content_sha256, o->order_date, o->market, o->currency, o->prices_include_vat,
	    order_status_name(o->status), o->hold, o->email, o->first_name, o->last_name, o->phone,
	    LEDGER_ADDRESS(&o->billing), LEDGER_ADDRESS(&o->delivery), o->shipping_method,
	    o->shipping_price, o->shipping_vat_rate, o->payment_method, o->payment_reference,
	    o->authorized, o->comment, o->awaiting_payment, o->language, o->delivery_date,
	    o->internal_comment, o->voucher_code, o->voucher_value, o->captured_amount,
	    o->capture_reference);
}

int
ledger_order_attr_insert(struct ledger *l, const char *order_number, const struct order_attr *a)
{
	return ledger_run(l, "INSERT INTO order_attributes (order_number, name, value)"
	    " VALUES (?, ?, ?)", "sss", order_number, a->name, a->value);
}

/* An unknown weight (-1) is kept as NULL. */
int
ledger_order_line_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct order_line *ln)
{
	return ledger_run(l,
	    "INSERT INTO order_lines (order_number, line_id, input_id, sku, ean, name, variant,"
	    " size, quantity, unit_price, discount, vat_rate, country_of_origin, hs_code,"
	    " weight_grams, voucher) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " nullif(?, -1), ?)",
	    "siisssssiiiissii", order_number, ln->line_id, input_id, ln->sku, ln->ean, ln->name,
	    ln->variant, ln->size, ln->quantity, ln->unit_price, ln->discount, ln->vat_rate,
	    ln->country_of_origin, ln->hs_code, ln->weight_grams, ln->voucher);
}

void
ledger_column_address(sqlite3_stmt *st, int i, struct address *a, struct arena *arena)
{
	a->address1 = ledger_column_str(st, i, arena);
	a->address2 = ledger_column_str(st, i + 1, arena);
	a->zip = ledger_column_str(st, i + 2, arena);
	a->city = ledger_column_str(st, i + 3, arena);
	a->country = ledger_column_str(st, i + 4, arena);
	a->state = ledger_column_str(st, i + 5, arena);
}

static int
load_lines(struct ledger *l, struct order *o)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT line_id, sku, ean, name, variant, size, quantity, unit_price, discount,"
	    " vat_rate, country_of_origin, hs_code, coalesce(weight_grams, -1), shipped, cancelled,"
	    " voucher FROM order_lines WHERE order_number = ? ORDER BY line_id");
	size_t cap = 0;
	int rc;

	ledger_bind_text(st, 1, o->order_number);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct order_line *ln;

		o->lines = xreserve(o->lines, o->nlines, &cap, 8, sizeof *o->lines);
		ln = &o->lines[o->nlines++];
		if (ledger_column_required(st, 1, &o->arena, "order_lines.sku", &ln->sku) != 0 ||
		    ledger_column_required(st, 3, &o->arena, "order_lines.name", &ln->name) != 0)
			return ledger_rows_end(l, st, rc, -1, "loading order lines");
		ln->line_id = sqlite3_column_int64(st, 0);
		ln->ean = ledger_column_str(st, 2, &o->arena);
		ln->variant = ledger_column_str(st, 4, &o->arena);
		ln->size = ledger_column_str(st, 5, &o->arena);
		ln->quantity = sqlite3_column_int64(st, 6);
		ln->unit_price = sqlite3_column_int64(st, 7);
		ln->discount = sqlite3_column_int64(st, 8);
		ln->vat_rate = sqlite3_column_int64(st, 9);
		ln->country_of_origin = ledger_column_str(st, 10, &o->arena);
		ln->hs_code = ledger_column_str(st, 11, &o->arena);
		ln->weight_grams = sqlite3_column_int64(st, 12);
		ln->shipped = sqlite3_column_int64(st, 13);
		ln->cancelled = sqlite3_column_int64(st, 14);
		ln->voucher = sqlite3_column_int64(st, 15);
	}
	return ledger_rows_end(l, st, rc, 0, "loading order lines");
}

static int
load_attrs(struct ledger *l, struct order *o)
{
	sqlite3_stmt *st = ledger_stmt(l, "SELECT name, value FROM order_attributes"
	    " WHERE order_number = ? ORDER BY name");
	size_t cap = 0;
	int rc;

	ledger_bind_text(st, 1, o->order_number);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct order_attr *a;

		o->attrs = xreserve(o->attrs, o->nattrs, &cap, 8, sizeof *o->attrs);
		a = &o->attrs[o->nattrs++];
		if (ledger_column_required(st, 0, &o->arena, "order_attributes.name", &a->name) != 0 ||
		    ledger_column_required(st, 1, &o->arena, "order_attributes.value", &a->value) != 0)
			return ledger_rows_end(l, st, rc, -1, "loading order attributes");
	}
	return ledger_rows_end(l, st, rc, 0, "loading order attributes");
}

/* A new order from an order's row; NULL (logged) when its status or its
 * currency is none sluice knows. */
static struct order *
order_from_row(sqlite3_stmt *st)
{
	struct order *o;
	struct arena *a;
	int status;

	if (ledger_column_enum(st, 7, &order_status_names, "orders.status", &status) != 0)
		return NULL;
	o = xcalloc(1, sizeof *o);
	a = &o->arena;
	o->status = (enum order_status)status;
	if (ledger_column_currency(st, 5, a, "orders.currency", &o->currency) != 0) {
		order_free(o);
		return NULL;
	}

	o->order_number = ledger_column_str(st, 0, a);
	o->input_id = sqlite3_column_int64(st, 1);
	o->content_sha256 = ledger_column_str(st, 2, a);
	o->order_date = ledger_column_str(st, 3, a);
	o->market = ledger_column_str(st, 4, a);
	o->prices_include_vat = sqlite3_column_int(st, 6) != 0;
	o->hold = sqlite3_column_int(st, 8) != 0;
	o->email = ledger_column_str(st, 9, a);
	o->first_name = ledger_column_str(st, 10, a);
	o->last_name = ledger_column_str(st, 11, a);
	o->phone = ledger_column_str(st, 12, a);
	ledger_column_address(st, 13, &o->billing, a);
	ledger_column_address(st, 19, &o->delivery, a);
	o->shipping_method = ledger_column_str(st, 25, a);
	o->shipping_price = sqlite3_column_int64(st, 26);
	o->shipping_vat_rate = sqlite3_column_int64(st, 27);
	o->payment_method = ledger_column_str(st, 28, a);
	o->payment_reference = ledger_column_str(st, 29, a);
	o->authorized = sqlite3_column_int64(st, 30);
	o->comment = ledger_column_str(st, 31, a);
	o->awaiting_payment = sqlite3_column_int(st, 32) != 0;
	o->language = ledger_column_str(st, 33, a);
	o->delivery_date = ledger_column_str(st, 34, a);
	o->internal_comment = ledger_column_str(st, 35, a);
	o->voucher_code = ledger_column_str(st, 36, a);
	o->voucher_value = sqlite3_column_int64(st, 37);
	o->captured_amount = sqlite3_column_int64(st, 38);
	o->capture_reference = ledger_column_str(st, 39, a);
	return o;
}

int
ledger_order_load(struct ledger *l, const char *order_number, struct order **out)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT order_number, input_id, content_sha256, order_date, market, currency,"
	    " prices_include_vat, status, hold, email, first_name, last_name, phone,"
	    " billing_address1, billing_address2, billing_zip, billing_city, billing_country,"
	    " billing_state, delivery_address1, delivery_address2, delivery_zip, delivery_city,"
	    " delivery_country, delivery_state, shipping_method, shipping_price,"
	    " shipping_vat_rate, payment_method, payment_reference, authorized, comment,"
	    " awaiting_payment, language, delivery_date, internal_comment, voucher_code,"
	    " voucher_value, captured_amount, capture_reference FROM orders"
	    " WHERE order_number = ?");
	struct order *o = NULL;
	int rc, found;

	*out = NULL;
	ledger_bind_text(st, 1, order_number);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && (o = order_from_row(st)) == NULL)
		return ledger_rows_end(l, st, rc, -1, "loading an order");
	if ((found = ledger_rows_end(l, st, rc, o != NULL, "loading an order")) <= 0)
		return found;
	if (load_lines(l, o) != 0 || load_attrs(l, o) != 0) {
		order_free(o);
		return -1;
	}
	*out = o;
	return 1;
}

/* The condition of struct order_filter, its members bound as ?1 to ?6:
 * the order date's instant in whole seconds (SQLite reads RFC 3339 with an
 * offset) against the bounds in seconds (bind_filter). */
#define ORDER_FILTER \
	"(?1 IS NULL OR instr(?1, ',' || status || ',') > 0)" \
	" AND (?2 IS NULL OR market = ?2) AND (?3 IS NULL OR delivery_country = ?3)" \
	" AND (?4 IS NULL OR CAST(strftime('%s', upper(order_date)) AS INTEGER) >= ?4)" \
	" AND (?5 IS NULL OR CAST(strftime('%s', upper(order_date)) AS INTEGER) <= ?5)" \
	" AND (?6 < 0 OR hold = ?6)"

/* Binds filter f to st as ORDER_FILTER reads it: a whole second S is at or
 * after since_ns when S is at or after since_ns rounded up to the second,
 * at or before until_ns when at or before until_ns rounded down (the
 * bounds are not negative). */
static void
bind_filter(sqlite3_stmt *st, const struct order_filter *f)
{
	ledger_bind_text(st, 1, f->statuses);
	ledger_bind_text(st, 2, f->market);
	ledger_bind_text(st, 3, f->country);
	if (f->since_set)
		sqlite3_bind_int64(st, 4, f->since_ns / 1000000000 + (f->since_ns % 1000000000 != 0));
	if (f->until_set)
		sqlite3_bind_int64(st, 5, f->until_ns / 1000000000);
	sqlite3_bind_int(st, 6, f->hold);
}

int
ledger_orders_each(struct ledger *l, const struct order_filter *f,
    int (*fn)(void *ctx, const char *order_number), void *ctx)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT order_number FROM orders WHERE " ORDER_FILTER " ORDER BY order_number");
	int rc, ret = 0;

	bind_filter(st, f);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ret = fn(ctx, (const char *)sqlite3_column_text(st, 0));
	return ledger_rows_end(l, st, rc, ret, "selecting orders");
}

int
ledger_order_selected(struct ledger *l, const struct order_filter *f, const char *order_number)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT " ORDER_FILTER " FROM orders WHERE order_number = ?7");
	int rc, found, selected = 0;

	bind_filter(st, f);
	ledger_bind_text(st, 7, order_number);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		selected = sqlite3_column_int(st, 0) != 0;
	if ((found = ledger_rows_end(l, st, rc, rc == SQLITE_ROW, "selecting an order")) < 0)
		return -1;
	return found ? selected : 2;
}

void
order_free(struct order *o)
{
	if (o == NULL)
		return;
	free(o->lines);
	free(o->attrs);
	arena_free(&o->arena);
	free(o);
}
