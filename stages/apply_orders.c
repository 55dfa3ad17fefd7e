/* SPDX-License-Identifier: ISC */
/*
 * apply_orders: a new order (CONTRACT 3.1).  Checks the order rules (line
 * ids unique, discounts, shipping VAT, grand total, what an authorization
 * needs), then creates the order once: the same order number with the same
 * content again is a duplicate, with other content it is rejected.  An
 * order whose authorization does not cover its grand total awaits payment,
 * and gets a payment link for the rest at once.
 */
#include "config.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger/ledger.h"
#include "stages/identity.h"
#include "stages/lifecycle.h"
#include "stages/links.h"
#include "base/money.h"
#include "stages/stages.h"
#include "stages/totals.h"

static const char *
str(const struct field_value *v)
{
	return v->s;
}

/* Builds the order (borrowing the record's strings), its lines and its
 * attributes (as given: the ledger keeps them by name). */
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
		str(&h[OH_billing_zip]), str(&h[OH_billing_city]), str(&h[OH_billing_country]),
		str(&h[OH_billing_state]) };
	o->delivery = delivery_given(rec, OH_delivery_address1, OH_delivery_state) ?
	    delivery_from_fields(h, OH_delivery_address1, OH_delivery_state) : o->billing;
	o->shipping_method = str(&h[OH_shipping_method]);
	o->shipping_price = h[OH_shipping_price].num;
	o->shipping_vat_rate = h[OH_shipping_vat_rate].s != NULL ? h[OH_shipping_vat_rate].num : 0;
	o->payment_method = str(&h[OH_payment_method]);
	o->payment_reference = str(&h[OH_payment_reference]);
	o->authorized = h[OH_authorized_amount].num;
	o->captured_amount = h[OH_captured_amount].num;
	o->capture_reference = str(&h[OH_capture_reference]);
	o->voucher_code = str(&h[OH_voucher_code]);
	o->voucher_value = h[OH_voucher_value].num;
	o->language = str(&h[OH_language]);
	o->delivery_date = str(&h[OH_delivery_date]);
	o->internal_comment = str(&h[OH_internal_comment]);
	o->comment = str(&h[OH_comment]);
	o->nattrs = rec->nattrs < ATTR_MAX ? rec->nattrs : ATTR_MAX;
	o->attrs = xcalloc(o->nattrs ? o->nattrs : 1, sizeof *o->attrs);
	for (size_t i = 0; i < o->nattrs; i++)
		o->attrs[i] = (struct order_attr){ rec->attrs[i].name, rec->attrs[i].value.s };
	o->nlines = rec->nlines;
	o->lines = xcalloc(rec->nlines ? rec->nlines : 1, sizeof *o->lines);
	for (size_t i = 0; i < rec->nlines; i++)
		product_line_from_fields(record_line(rec, i), &o->lines[i]);
}

static int
line_id_cmp(const void *x, const void *y)
{
	const struct order_line *a = *(const struct order_line *const *)x;
	const struct order_line *b = *(const struct order_line *const *)y;

	return (a->line_id > b->line_id) - (a->line_id < b->line_id);
}

/* A checked line's gross before the voucher: quantity x unit_price -
 * discount (check_product_lines() saw it fit). */
static int64_t
line_gross(const struct order_line *ln)
{
	return ln->quantity * ln->unit_price - ln->discount;
}

/* Spreads the order's voucher over its lines in proportion to their gross
 * amounts, in line_id order, by cumulative parts rounded half away from
 * zero: each line's share is at most its gross, and the shares add up to
 * the voucher.  A voucher beyond the lines' gross is an error; lines whose
 * gross adds up beyond MONEY_MAX are check_totals()'s to report.  Whether
 * it was spread (a voucher of 0 always is). */
static bool
spread_voucher(const struct record *rec, struct order *o, int digits, struct errlist *errs)
{
	struct order_line **by_id;
	int64_t gross = 0, cum = 0, before = 0;
	char a[MONEY_SIZE], b[MONEY_SIZE];

	if (o->voucher_value == 0)
		return true;
	for (size_t i = 0; i < o->nlines; i++)
		if (money_add(gross, line_gross(&o->lines[i]), &gross) != 0)
			return false;
	if (o->voucher_value > gross) {
		money_format(o->voucher_value, digits, a, sizeof a);
		money_format(gross, digits, b, sizeof b);
		errlist_add(errs, rec->head[OH_voucher_value].line, "voucher_value",
		    ERR_VOUCHER_TOO_LARGE, "voucher_value %s exceeds the gross of the order's lines (%s)",
		    a, b);
		return false;
	}
	by_id = xcalloc(o->nlines ? o->nlines : 1, sizeof *by_id);
	for (size_t i = 0; i < o->nlines; i++)
		by_id[i] = &o->lines[i];
	qsort(by_id, o->nlines, sizeof *by_id, line_id_cmp);
	for (size_t i = 0; i < o->nlines; i++) {
		int64_t upto;

		cum += line_gross(by_id[i]);
		upto = part_of(o->voucher_value, cum, gross);
		by_id[i]->voucher = upto - before;
		before = upto;
	}
	free(by_id);
	return true;
}

/* The order rules that need no ledger, reporting every violation; and the
 * lines' shares of the voucher. */
static void
check_order(const struct record *rec, struct order *o, struct order_totals *t,
    struct errlist *errs)
{
	const struct field_value *h = rec->head;
	int digits = currency_digits(o->currency, strlen(o->currency));
	size_t before = errlist_total(errs);
	bool spread = false;
	char b[MONEY_SIZE];

	check_product_lines(rec, digits, o->prices_include_vat, errs);
	if (errlist_total(errs) == before)
		spread = spread_voucher(rec, o, digits, errs);
	if (o->shipping_price > 0 && h[OH_shipping_vat_rate].s == NULL)
		errlist_add(errs, h[OH_shipping_price].line, "shipping_vat_rate",
		    ERR_SHIPPING_VAT_RATE_MISSING,
		    "shipping_price is above zero, so shipping_vat_rate is required");
	check_state(rec, OH_billing_country, OH_billing_state, errs);
	check_delivery(rec, OH_delivery_address1, OH_delivery_state, errs);
	if (check_totals(rec, o, digits, t, errs) != 0)
		return;
	money_format(t->grand_total, digits, b, sizeof b);
	/* a voucher not spread leaves the total unknown */
	if (h[OH_grand_total].s != NULL && (spread || o->voucher_value == 0) &&
	    h[OH_grand_total].num != t->grand_total) {
		char lines[MONEY_SIZE], ship[MONEY_SIZE];

		money_format(t->lines_total, digits, lines, sizeof lines);
		money_format(t->shipping_total, digits, ship, sizeof ship);
		errlist_add(errs, h[OH_grand_total].line, "grand_total", ERR_GRAND_TOTAL_MISMATCH,
		    "grand_total %s differs from the computed total %s (lines %s + shipping %s)",
		    h[OH_grand_total].s, b, lines, ship);
	}
}

/* Reports header field idx when absent (named where it stands when
 * empty, else at the record): `amount` is above zero and needs it. */
static void
need_field(const struct record *rec, size_t idx, const char *amount, struct errlist *errs)
{
	const struct field_value *v = &rec->head[idx];

	if (v->s == NULL)
		errlist_add(errs, v->line > 0 ? v->line : rec->line, rec->kind->head[idx].name,
		    ERR_MISSING_FIELD, "%s is required when %s is above zero",
		    rec->kind->head[idx].name, amount);
}

/* What an authorization needs: the method and the PSP's reference of it;
 * and what a capture at checkout needs: its reference, and an
 * authorization that covers it. */
static void
check_payment_fields(const struct record *rec, const struct order *o, struct errlist *errs)
{
	int digits = currency_digits(o->currency, strlen(o->currency));
	char captured[MONEY_SIZE], authorized[MONEY_SIZE];

	if (o->authorized > 0) {
		need_field(rec, OH_payment_method, "authorized_amount", errs);
		need_field(rec, OH_payment_reference, "authorized_amount", errs);
	}
	if (o->captured_amount == 0)
		return;
	need_field(rec, OH_capture_reference, "captured_amount", errs);
	if (o->captured_amount <= o->authorized)
		return;
	money_format(o->captured_amount, digits, captured, sizeof captured);
	money_format(o->authorized, digits, authorized, sizeof authorized);
	errlist_add(errs, rec->head[OH_captured_amount].line, "captured_amount",
	    ERR_CAPTURED_EXCEEDS_AUTHORIZED, "captured_amount %s exceeds authorized_amount %s: "
	    "only money authorized is captured", captured, authorized);
}

/* An order's own release request would be REL-<order_number>: a name that
 * a release of money paid on a dead link may have taken.  0 (error added
 * when taken), or -1 when the ledger failed. */
static int
check_release_name(struct apply_ctx *a, const struct record *rec, const char *order_number,
    struct errlist *errs)
{
	char *id = xasprintf("REL-%s", order_number), *owner = NULL;
	int found = ledger_payment_target_order(a->ledger, id, &owner);

	if (found > 0)
		errlist_add(errs, rec->head[OH_order_number].line, "order_number",
		    ERR_REQUEST_ID_TAKEN, "the release request of order %s would be %s, the name "
		    "of a release request of order %s", order_number, id, owner);
	free(owner);
	free(id);
	return found < 0 ? -1 : 0;
}

/* Writes a checked order, and the link of an order that arrives with less
 * authorized than its grand total: it awaits payment. */
static int
create_order(struct apply_ctx *a, struct order *o, const struct order_totals *t)
{
	char money[MONEY_SIZE];
	int digits = currency_digits(o->currency, strlen(o->currency));
	struct buf lines = { 0 }, detail = { 0 };
	int ret = -1;

	o->awaiting_payment = o->authorized < t->grand_total;
	if (ledger_order_insert(a->ledger, o) != 0)
		goto out;
	for (size_t i = 0; i < o->nlines; i++)
		if (ledger_order_line_insert(a->ledger, o->order_number, a->input_id, &o->lines[i]) != 0)
			goto out;
	for (size_t i = 0; i < o->nattrs; i++)
		if (ledger_order_attr_insert(a->ledger, o->order_number, &o->attrs[i]) != 0)
			goto out;
	/* {"status":..,"grand_total":..,"authorized":..,"captured":..,
	 * "awaiting_payment":..,"lines":[..]}, without printf: one per order */
	buf_puts(&detail, "{\"status\":\"");
	buf_puts(&detail, order_status_name(o->status));
	money_format(t->grand_total, digits, money, sizeof money);
	buf_puts(&detail, "\",\"grand_total\":\"");
	buf_puts(&detail, money);
	money_format(o->authorized, digits, money, sizeof money);
	buf_puts(&detail, "\",\"authorized\":\"");
	buf_puts(&detail, money);
	money_format(o->captured_amount, digits, money, sizeof money);
	buf_puts(&detail, "\",\"captured\":\"");
	buf_puts(&detail, money);
	buf_puts(&detail, o->awaiting_payment ? "\",\"awaiting_payment\":true,\"lines\":[" :
	    "\",\"awaiting_payment\":false,\"lines\":[");
	for (size_t i = 0; i < o->nlines; i++)
		journal_line(&lines, o->lines[i].line_id, o->lines[i].quantity);
	buf_append(&detail, lines.data != NULL ? lines.data : "", lines.len);
	buf_puts(&detail, "]}");
	if (journal_event_json(a, o->order_number, "order_received", buf_str(&detail)) != 0 ||
	    (o->awaiting_payment && link_issue(a, o, t->grand_total - o->authorized) != 0))
		goto out;
	ret = 0;
out:
	buf_free(&lines);
	buf_free(&detail);
	return ret;
}

enum apply_result
apply_order(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	struct order o;
	struct order_totals t;
	char sha[SHA256_HEX], seen_sha[SHA256_HEX];
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
	check_payment_fields(rec, &o, errs);
	if (check_release_name(a, rec, o.order_number, errs) != 0)
		goto out;
	if (errlist_total(errs) != before) {
		res = APPLY_REJECTED;
		goto out;
	}
	o.input_id = a->input_id;
	o.content_sha256 = sha;
	if (create_order(a, &o, &t) == 0)
		res = APPLY_OK;
out:
	free(o.lines);
	free(o.attrs);
	return res;
}
