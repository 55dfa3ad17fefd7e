/*
 * apply_invoices: free-text invoices (CONTRACT 3.7): lines of a
 * description, quantity, unit price (excluding VAT) and VAT rate, for a
 * buyer the file names, optionally of an order, in a template the file may
 * name.  Each gets an invoice number from the invoice series.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger_documents.h"
#include "pipeline/log.h"
#include "stages/issue.h"
#include "stages/lifecycle.h"
#include "stages/money.h"

enum apply_result
apply_invoice(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	const struct field_value *h = rec->head;
	struct order_state *st = NULL;
	struct free_invoice f = { 0 };
	struct buf why = { 0 };
	char sha[SHA256_HEX];
	enum apply_result res;
	int rc;

	if ((res = lifecycle_identity(a, rec, sha, errs)) != APPLY_OK)
		return res;
	if (h[IH_order_number].s != NULL &&
	    (res = lifecycle_order(a, rec, IH_order_number, &st)) != APPLY_OK)
		return res;
	f.invoice_id = (char *)h[IH_invoice_id].s;
	f.order_number = (char *)h[IH_order_number].s;
	f.input_id = a->input_id;
	f.currency = (char *)h[IH_currency].s;
	f.email = (char *)h[IH_email].s;
	f.name = (char *)h[IH_name].s;
	f.billing = (struct address){ h[IH_billing_address1].s, NULL, h[IH_billing_zip].s,
		h[IH_billing_city].s, h[IH_billing_country].s };
	f.due_date = (char *)h[IH_due_date].s;
	f.template = (char *)(h[IH_template].s != NULL ? h[IH_template].s : a->conf->default_template);
	f.text = (char *)h[IH_text].s;
	f.nlines = rec->nlines;
	f.lines = xcalloc(rec->nlines ? rec->nlines : 1, sizeof *f.lines);
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);
		struct line_money m;

		/* free-text invoices give prices without VAT */
		line_money(v[IL_quantity].num, v[IL_unit_price].num, 0, v[IL_vat_rate].num, false, &m);
		f.lines[i] = (struct free_invoice_line){ (char *)v[IL_description].s,
			v[IL_quantity].num, v[IL_unit_price].num, v[IL_vat_rate].num, m.vat, m.total };
	}
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
