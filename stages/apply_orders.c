/*
 * apply_orders: a new order (CONTRACT 3.1).  Checks the order rules (line
 * ids unique, discounts, shipping VAT, grand total, authorization), then
 * creates the order once: the same order number with the same content
 * again is a duplicate, with other content it is rejected.
 */
#include "config.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger/ledger.h"
#include "stages/identity.h"
#include "stages/lifecycle.h"
#include "base/money.h"
#include "stages/stages.h"
#include "stages/totals.h"

struct id_at {
	int64_t id;
	size_t index;
};

static int
cmp_id_at(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void
check_line_ids(const struct record *rec, size_t id_field, struct errlist *errs)
{
	struct id_at *ids = xreallocarray(NULL, rec->nlines ? rec->nlines : 1, sizeof *ids);

	for (size_t i = 0; i < rec->nlines; i++)
		ids[i] = (struct id_at){ record_line(rec, i)[id_field].num, i };
	if (rec->nlines > 1)
		qsort(ids, rec->nlines, sizeof *ids, cmp_id_at);
	for (size_t i = 1; i < rec->nlines; i++)
		if (ids[i].id == ids[i - 1].id)
			errlist_add(errs, record_line(rec, ids[i].index)[id_field].line, "line_id",
			    ERR_DUPLICATE_LINE_ID, "line_id %lld is used by an earlier line (line %ld)",
			    (long long)ids[i].id, rec->line_at[ids[i - 1].index]);
	free(ids);
}

static const char *
str(const struct field_value *v)
{
	return v->s;
}

void
product_line_from_fields(const struct field_value *v, struct order_line *ln)
{
	*ln = (struct order_line){
		.line_id = v[PL_line_id].num, .sku = v[PL_sku].s, .ean = v[PL_ean].s,
		.name = v[PL_name].s, .variant = v[PL_variant].s, .size = v[PL_size].s,
		.quantity = v[PL_quantity].num, .unit_price = v[PL_unit_price].num,
		.discount = v[PL_discount].num, .vat_rate = v[PL_vat_rate].num,
		.country_of_origin = v[PL_country_of_origin].s, .hs_code = v[PL_hs_code].s,
		.weight_grams = v[PL_weight_grams].s != NULL ? v[PL_weight_grams].num : -1,
	};
}

void
check_product_lines(const struct record *rec, int digits, bool prices_include_vat,
    struct errlist *errs)
{
	char a[MONEY_SIZE], b[MONEY_SIZE];

	check_line_ids(rec, PL_line_id, errs);
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);
		int64_t q = v[PL_quantity].num, gross;
		struct line_money m;

		if (money_mul(q, v[PL_unit_price].num, &gross) != 0) {
			money_format(v[PL_unit_price].num, digits, b, sizeof b);
			amount_too_large(errs, v[PL_unit_price].line, "unit_price", digits,
			    "quantity x unit_price (%lld x %s) is", (long long)q, b);
		} else if (v[PL_discount].num > gross) {
			money_format(v[PL_discount].num, digits, a, sizeof a);
			money_format(gross, digits, b, sizeof b);
			errlist_add(errs, v[PL_discount].line, "discount", ERR_DISCOUNT_TOO_LARGE,
			    "discount %s exceeds quantity x unit_price (%s)", a, b);
		} else if (line_money(q, v[PL_unit_price].num, v[PL_discount].num, v[PL_vat_rate].num,
		    prices_include_vat, &m) != 0)
			amount_too_large(errs, v[PL_unit_price].line, "unit_price", digits,
			    "the total of line %lld with VAT added is", (long long)v[PL_line_id].num);
	}
}

int
check_totals(const struct record *rec, const struct order *o, int digits,
    struct order_totals *t, struct errlist *errs)
{
	size_t first = o->nlines - rec->nlines, at;
	struct line_totals lt;

	if (totals_order(o, t) == 0)
		return 0;
	if (t->beyond == o->nlines && rec->kind->kind == KIND_ORDERS) {
		amount_too_large(errs, rec->head[OH_shipping_price].line, "shipping_price", digits,
		    "the order's total with shipping_price %s is", rec->head[OH_shipping_price].s);
		return -1;
	}
	/* a line of the record beyond on its own: check_product_lines() */
	if (t->beyond >= first && t->beyond < o->nlines &&
	    totals_line(&o->lines[t->beyond], o->prices_include_vat, &lt) != 0)
		return -1;
	/* the record's line that takes the sum beyond: its first one when the
	 * order was beyond before it, its last one when the shipping is */
	at = t->beyond < first ? 0 : t->beyond >= o->nlines ? rec->nlines - 1 : t->beyond - first;
	amount_too_large(errs, record_line(rec, at)[PL_unit_price].line, "unit_price", digits,
	    "the order's total with line %lld is", (long long)o->lines[first + at].line_id);
	return -1;
}

bool
delivery_given(const struct record *rec, size_t first)
{
	for (size_t i = first; i < first + 5; i++)
		if (rec->head[i].s != NULL)
			return true;
	return false;
}

void
check_delivery(const struct record *rec, size_t first, struct errlist *errs)
{
	/* address1, address2, zip, city, country: all but address2 needed */
	static const size_t need[] = { 0, 2, 3, 4 };

	if (!delivery_given(rec, first))
		return;
	for (size_t i = 0; i < NELEM(need); i++)
		if (rec->head[first + need[i]].s == NULL)
			errlist_add(errs, rec->line, rec->kind->head[first + need[i]].name,
			    ERR_MISSING_FIELD, "%s is required when any delivery field is given",
			    rec->kind->head[first + need[i]].name);
}

struct address
delivery_from_fields(const struct field_value *h, size_t first)
{
	return (struct address){ h[first].s, h[first + 1].s, h[first + 2].s, h[first + 3].s,
		h[first + 4].s };
}

/* Builds the order (borrowing the record's strings) and its lines. */
static void
order_from_record(const struct record *rec, const struct conf *cf, struct order *o)
{
	const struct field_value *h = rec->head;

	memset(o, 0, sizeof *o);
	o->order_number = str(&h[OH_order_number]);
	o->order_date = str(&h[OH_order_date]);
	o->market = str(&h[OH_market]);
	o->currency = str(&h[OH_currency]);
	o->prices_include_vat = h[OH_prices_include_vat].num != 0;
	o->status = cf->default_order_status;
	if (h[OH_status].s != NULL)
		order_status_parse(h[OH_status].s, &o->status);
	o->email = str(&h[OH_email]);
	o->first_name = str(&h[OH_first_name]);
	o->last_name = str(&h[OH_last_name]);
	o->phone = str(&h[OH_phone]);
	o->billing = (struct address){ str(&h[OH_billing_address1]), str(&h[OH_billing_address2]),
		str(&h[OH_billing_zip]), str(&h[OH_billing_city]), str(&h[OH_billing_country]) };
	o->delivery = delivery_given(rec, OH_delivery_address1) ?
	    delivery_from_fields(h, OH_delivery_address1) : o->billing;
	o->shipping_method = str(&h[OH_shipping_method]);
	o->shipping_price = h[OH_shipping_price].num;
	o->shipping_vat_rate = h[OH_shipping_vat_rate].s != NULL ? h[OH_shipping_vat_rate].num : 0;
	o->payment_method = str(&h[OH_payment_method]);
	o->payment_reference = str(&h[OH_payment_reference]);
	o->authorized = h[OH_authorized_amount].num;
	o->comment = str(&h[OH_comment]);
	o->nlines = rec->nlines;
	o->lines = xcalloc(rec->nlines ? rec->nlines : 1, sizeof *o->lines);
	for (size_t i = 0; i < rec->nlines; i++)
		product_line_from_fields(record_line(rec, i), &o->lines[i]);
}

/* The order rules that need no ledger; reports every violation. */
static void
check_order(const struct record *rec, const struct order *o, struct order_totals *t,
    struct errlist *errs)
{
	const struct field_value *h = rec->head;
	int digits = currency_digits(o->currency, strlen(o->currency));
	char b[MONEY_SIZE];

	check_product_lines(rec, digits, o->prices_include_vat, errs);
	if (o->shipping_price > 0 && h[OH_shipping_vat_rate].s == NULL)
		errlist_add(errs, h[OH_shipping_price].line, "shipping_vat_rate",
		    ERR_SHIPPING_VAT_RATE_MISSING,
		    "shipping_price is above zero, so shipping_vat_rate is required");
	check_delivery(rec, OH_delivery_address1, errs);
	if (check_totals(rec, o, digits, t, errs) != 0)
		return;
	money_format(t->grand_total, digits, b, sizeof b);
	if (h[OH_grand_total].s != NULL && h[OH_grand_total].num != t->grand_total) {
		char lines[MONEY_SIZE], ship[MONEY_SIZE];

		money_format(t->lines_total, digits, lines, sizeof lines);
		money_format(t->shipping_total, digits, ship, sizeof ship);
		errlist_add(errs, h[OH_grand_total].line, "grand_total", ERR_GRAND_TOTAL_MISMATCH,
		    "grand_total %s differs from the computed total %s (lines %s + shipping %s)",
		    h[OH_grand_total].s, b, lines, ship);
	}
	if (o->authorized < t->grand_total)
		errlist_add(errs, h[OH_authorized_amount].line, "authorized_amount",
		    ERR_AUTHORIZATION_TOO_LOW,
		    "authorized_amount %s is below the order's grand total %s",
		    h[OH_authorized_amount].s, b);
}

enum apply_result
apply_order(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	struct order o;
	struct order_totals t;
	char sha[SHA256_HEX], seen_sha[SHA256_HEX], total[MONEY_SIZE];
	char authorized[MONEY_SIZE];
	struct buf lines = { 0 };
	size_t before = errlist_total(errs);
	enum apply_result res = APPLY_FAILED;
	int64_t seen_input;
	int found;

	/* the identity first: an order number used before is named as such,
	 * whatever else is wrong with the other content */
	order_from_record(rec, a->conf, &o);
	identity_digest(rec, a->hash, a->scratch, sha);
	found = ledger_order_identity(a->ledger, o.order_number, &seen_input, seen_sha);
	if (found < 0)
		goto out;
	if (found) {
		if (seen_input == a->input_id)
			errlist_add(errs, rec->line, "order_number", ERR_CSV_SPLIT_RECORD,
			    "order %s appears more than once in this file; a record's rows must "
			    "be contiguous", o.order_number);
		else if (strcmp(seen_sha, sha) == 0) {
			res = APPLY_DUPLICATE;
			goto out;
		} else
			errlist_add(errs, rec->line, "order_number", ERR_ORDER_NUMBER_REUSED,
			    "order number %s was used before for an order with other content; an "
			    "order number is never reused", o.order_number);
		res = APPLY_REJECTED;
		goto out;
	}
	check_order(rec, &o, &t, errs);
	if (errlist_total(errs) != before) {
		res = APPLY_REJECTED;
		goto out;
	}
	o.input_id = a->input_id;
	o.content_sha256 = sha;
	if (ledger_order_insert(a->ledger, &o) != 0)
		goto out;
	for (size_t i = 0; i < o.nlines; i++)
		if (ledger_order_line_insert(a->ledger, o.order_number, a->input_id, &o.lines[i]) != 0)
			goto out;
	money_format(t.grand_total, currency_digits(o.currency, 3), total, sizeof total);
	money_format(o.authorized, currency_digits(o.currency, 3), authorized, sizeof authorized);
	for (size_t i = 0; i < o.nlines; i++)
		journal_line(&lines, o.lines[i].line_id, o.lines[i].quantity);
	if (lifecycle_journal(a, o.order_number, "order_received",
	    "\"status\":\"%s\",\"grand_total\":\"%s\",\"authorized\":\"%s\",\"lines\":[%s]",
	    order_status_name(o.status), total, authorized, buf_str(&lines)) != 0)
		goto out;
	res = APPLY_OK;
out:
	free(o.lines);
	buf_free(&lines);
	return res;
}
