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

enum apply_result
apply_invoice(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	const struct field_value *h = rec->head;
	struct order_state *st = NULL;
	struct free_invoice f = { 0 };
	size_t before = errlist_total(errs);
	struct buf why = { 0 };
	char sha[SHA256_HEX];
	enum apply_result res;
	int64_t total = 0;
	int rc, digits = currency_digits(h[IH_currency].s, h[IH_currency].len);

	if ((res = lifecycle_begin(a, rec, IH_order_number, &st, sha, errs)) != APPLY_OK)
		goto out;
	f.invoice_id = h[IH_invoice_id].s;
	f.order_number = h[IH_order_number].s;
	f.input_id = a->input_id;
	f.currency = h[IH_currency].s;
	f.email = h[IH_email].s;
	f.name = h[IH_name].s;
	f.billing = (struct address){ h[IH_billing_address1].s, NULL, h[IH_billing_zip].s,
		h[IH_billing_city].s, h[IH_billing_country].s };
	f.due_date = h[IH_due_date].s;
	f.template = h[IH_template].s != NULL ? h[IH_template].s : a->conf->default_template;
	f.text = h[IH_text].s;
	f.nlines = rec->nlines;
	f.lines = xcalloc(rec->nlines ? rec->nlines : 1, sizeof *f.lines);
	res = APPLY_REJECTED;
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
		f.lines[i] = (struct free_invoice_line){ v[IL_description].s,
			v[IL_quantity].num, v[IL_unit_price].num, v[IL_vat_rate].num, m.vat, m.total };
	}
	if (errlist_total(errs) != before)
		goto out;
	res = APPLY_FAILED;
	if (ledger_free_invoice_insert(a->ledger, &f) != 0 ||
	    lifecycle_remember(a, rec, f.order_number != NULL ? f.order_number : "", sha) != 0)
		goto out;
	rc = issue_free_invoice(a, f.invoice_id, f.order_number, h[IH_template].s, &why);
	if (rc > 0) {
		/* the reason names the server's files: the operator's log has
		 * it, the sender's receipt does not */
		log_warn("free-text invoice %s: template %s cannot be used: %s", f.invoice_id,
		    f.template, why.len > 0 ? str_trim(why.data) : "");
		errlist_add(errs, h[IH_template].line, "template", ERR_UNKNOWN_TEMPLATE,
		    "template %s cannot be found or read", f.template);
		res = APPLY_REJECTED;
	} else if (rc == 0)
		res = APPLY_OK;
out:
	buf_free(&why);
	free(f.lines);
	order_state_free(st);
	return res;
}
