/* SPDX-License-Identifier: ISC */
/*
 * apply_invoices: free-text invoices (CONTRACT 3.7): lines of a
 * description, quantity, unit price (excluding VAT) and VAT rate, for a
 * buyer the file names, optionally of an order, in a template the file may
 * name.  Each gets an invoice number from the invoice series.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger/ledger.h"
#include "base/log.h"
#include "stages/issue.h"
#include "stages/lifecycle.h"
#include "base/money.h"

/* The free-text invoice the record gives (borrowing its strings), lines
 * included; an invoice beyond MONEY_MAX is reported (errors added). */
static void
invoice_from_record(struct apply_ctx *a, const struct record *rec, struct free_invoice *f,
    struct errlist *errs)
{
	const struct field_value *h = rec->head;
	int64_t total = 0;
	int digits = currency_digits(h[IH_currency].s, h[IH_currency].len);

	*f = (struct free_invoice){ .invoice_id = h[IH_invoice_id].s,
		.order_number = h[IH_order_number].s, .input_id = a->input_id,
		.currency = h[IH_currency].s, .email = h[IH_email].s, .name = h[IH_name].s,
		.due_date = h[IH_due_date].s, .text = h[IH_text].s,
		.template = h[IH_template].s != NULL ? h[IH_template].s : a->conf->default_template,
		.billing = { h[IH_billing_address1].s, NULL, h[IH_billing_zip].s,
		    h[IH_billing_city].s, h[IH_billing_country].s },
		.nlines = rec->nlines, .lines = xcalloc(rec->nlines ? rec->nlines : 1, sizeof *f->lines) };
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);
		struct line_money m = { 0 };
		char price[MONEY_SIZE];

		/* free-text invoices give prices without VAT; an invoice
		 * beyond MONEY_MAX is not issued (its number is not taken) */
		if (line_money(v[IL_quantity].num, v[IL_unit_price].num, 0, v[IL_vat_rate].num, false,
		    &m) != 0) {
			money_format(v[IL_unit_price].num, digits, price, sizeof price);
			amount_too_large(errs, v[IL_unit_price].line, "unit_price", digits,
			    "quantity x unit_price with VAT added (%lld x %s) is",
			    (long long)v[IL_quantity].num, price);
		} else if (total >= 0 && money_add(total, m.total, &total) != 0) {
			amount_too_large(errs, v[IL_unit_price].line, "unit_price", digits,
			    "the invoice's total with this line is");
			total = -1;   /* named once, at the line that goes beyond */
		}
		f->lines[i] = (struct free_invoice_line){ v[IL_description].s,
			v[IL_quantity].num, v[IL_unit_price].num, v[IL_vat_rate].num, m.vat, m.total };
	}
}

/* Issues the invoice of a free-text invoice in the ledger; a template it
 * cannot be issued in rejects the record. */
static enum apply_result
issue(struct apply_ctx *a, const struct record *rec, const struct free_invoice *f,
    struct errlist *errs)
{
	const struct field_value *tpl = &rec->head[IH_template];
	struct buf why = { 0 };
	int rc = issue_free_invoice(a, f->invoice_id, f->order_number, tpl->s, &why);

	if (rc > 0) {
		/* the reason names the server's files: the operator's log has
		 * it, the sender's receipt does not */
		log_warn("free-text invoice %s: template %s cannot be used: %s", f->invoice_id,
		    f->template, why.len > 0 ? str_trim(why.data) : "");
		errlist_add(errs, tpl->line, "template", ERR_UNKNOWN_TEMPLATE,
		    "template %s cannot be found or read", f->template);
	}
	buf_free(&why);
	return rc > 0 ? APPLY_REJECTED : rc == 0 ? APPLY_OK : APPLY_FAILED;
}

enum apply_result
apply_invoice(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	struct apply_frame f;
	struct free_invoice inv = { 0 };
	enum apply_result res = lifecycle_begin(&f, a, rec, IH_order_number, errs);

	f.settle = false;   /* a free-text invoice changes no order */
	if (res == APPLY_OK) {
		invoice_from_record(a, rec, &inv, errs);
		res = lifecycle_checked(&f);
	}
	if (res == APPLY_OK && ledger_free_invoice_insert(a->ledger, &inv) != 0)
		res = APPLY_FAILED;
	/* its identity is recorded before it is issued */
	res = lifecycle_end(&f, res);
	if (res == APPLY_OK)
		res = issue(a, rec, &inv, errs);
	free(inv.lines);
	return res;
}
