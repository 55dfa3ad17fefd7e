#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/token.h"
#include "stages/document.h"
#include "stages/lifecycle.h"
#include "base/money.h"

static char *
dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
dup_address(struct address *to, const struct address *from)
{
	to->address1 = dup(from->address1);
	to->address2 = dup(from->address2);
	to->zip = dup(from->zip);
	to->city = dup(from->city);
	to->country = dup(from->country);
}

static struct doc_line *
add_line(struct doc *d)
{
	d->lines = xgrow(d->lines, &d->nlines, sizeof *d->lines);
	d->lines[d->nlines - 1].weight_grams = -1;
	return &d->lines[d->nlines - 1];
}

/* A line of an order's product, with the product fields the template shows. */
static struct doc_line *
product_line(struct doc *d, const struct order_line *ol)
{
	struct doc_line *ln = add_line(d);

	ln->description = dup(ol->name);
	ln->sku = d->tpl.show_sku ? dup(ol->sku) : NULL;
	ln->ean = d->tpl.show_ean ? dup(ol->ean) : NULL;
	ln->variant = d->tpl.show_variant ? dup(ol->variant) : NULL;
	ln->size = d->tpl.show_size ? dup(ol->size) : NULL;
	ln->unit_price = ol->unit_price;
	ln->vat_rate = ol->vat_rate;
	ln->hs_code = dup(ol->hs_code);
	ln->origin = dup(ol->country_of_origin);
	ln->weight_grams = ol->weight_grams;
	return ln;
}

static void
shipping_line(struct doc *d, const struct order *o, int64_t amount, int64_t vat)
{
	struct doc_line *ln = add_line(d);

	ln->description = xstrdup(d->tpl.labels[LABEL_SHIPPING]);
	ln->quantity = 1;
	ln->unit_price = o->shipping_price;
	ln->vat_rate = o->shipping_vat_rate;
	ln->vat = vat;
	ln->line_total = amount;
}

/* VAT per rate and the totals, from the lines; -1 when an amount is beyond
 * MONEY_MAX or the weight beyond int64. */
static int
summarize(struct doc *d)
{
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *ln = &d->lines[i];
		int64_t base, weight;
		size_t k;

		for (k = 0; k < d->nvats && d->vats[k].rate != ln->vat_rate; k++)
			;
		if (k == d->nvats) {
			d->vats = xreallocarray(d->vats, d->nvats + 1, sizeof *d->vats);
			d->vats[d->nvats++] = (struct doc_vat){ ln->vat_rate, 0, 0 };
			/* keep rates in ascending order */
			for (; k > 0 && d->vats[k - 1].rate > d->vats[k].rate; k--) {
				struct doc_vat tmp = d->vats[k];

				d->vats[k] = d->vats[k - 1];
				d->vats[k - 1] = tmp;
			}
		}
		for (k = 0; d->vats[k].rate != ln->vat_rate; k++)
			;
		if (money_sub(ln->line_total, ln->vat, &base) != 0 ||
		    money_add(d->vats[k].base, base, &d->vats[k].base) != 0 ||
		    money_add(d->vats[k].amount, ln->vat, &d->vats[k].amount) != 0 ||
		    money_add(d->vat_total, ln->vat, &d->vat_total) != 0 ||
		    money_add(d->total, ln->line_total, &d->total) != 0)
			return -1;
		/* weights are no money: only int64 bounds them */
		if (ln->weight_grams > 0 &&
		    (__builtin_mul_overflow(ln->weight_grams, ln->quantity, &weight) ||
		    __builtin_add_overflow(d->weight_total, weight, &d->weight_total)))
			return -1;
	}
	return 0;
}

static void
buyer_of_order(struct doc *d, const struct order *o)
{
	struct buf name = { 0 };

	if (o->first_name != NULL)
		buf_puts(&name, o->first_name);
	if (o->last_name != NULL) {
		if (name.len > 0)
			buf_putc(&name, ' ');
		buf_puts(&name, o->last_name);
	}
	d->buyer_name = name.len > 0 ? name.data : xstrdup(o->email);
	if (name.len == 0)
		buf_free(&name);
	d->buyer_email = xstrdup(o->email);
	dup_address(&d->buyer, &o->billing);
	d->payment_reference = xstrdup(o->payment_reference);
	d->currency = xstrdup(o->currency);
	d->digits = currency_digits(o->currency, strlen(o->currency));
}

/* The part of an order line's discount that a shipment line's units carry:
 * the discount is allocated over the line's units like its total. */
static int
shipped_discount(const struct order_line *ol, const struct shipment_line *sl, int64_t *out)
{
	return money_sub(part_of(ol->discount, sl->first_unit + sl->quantity, ol->quantity),
	    part_of(ol->discount, sl->first_unit, ol->quantity), out);
}

/* Units of line_id that returns made before r took back from r's shipment
 * (returns are in the order they were applied). */
static int64_t
returned_before(const struct order_state *st, const struct order_return *r, int64_t line_id)
{
	int64_t n = 0;

	for (size_t i = 0; i < st->nreturns && strcmp(st->returns[i].return_id, r->return_id) != 0;
	    i++) {
		if (strcmp(st->returns[i].shipment_id, r->shipment_id) != 0)
			continue;
		for (size_t k = 0; k < st->returns[i].nlines; k++)
			if (st->returns[i].lines[k].line_id == line_id)
				n += st->returns[i].lines[k].quantity;
	}
	return n;
}

static int
shipment_lines(struct doc *d, const struct order_state *st, const struct shipment *sh)
{
	int64_t line_vat = 0;

	for (size_t i = 0; i < sh->nlines; i++) {
		const struct shipment_line *sl = &sh->lines[i];
		const struct order_line *ol = state_line(st, sl->line_id);
		struct doc_line *ln;

		if (ol == NULL)
			return -1;
		ln = product_line(d, ol);
		ln->quantity = sl->quantity;
		ln->vat = sl->vat;
		ln->line_total = sl->amount;
		if (shipped_discount(ol, sl, &ln->discount) != 0 ||
		    money_add(line_vat, sl->vat, &line_vat) != 0)
			return -1;
	}
	if (sh->shipping_amount > 0) {
		int64_t shipping_vat;

		if (money_sub(sh->vat, line_vat, &shipping_vat) != 0)
			return -1;
		shipping_line(d, st->order, sh->shipping_amount, shipping_vat);
	}
	return 0;
}

static int
return_lines(struct doc *d, const struct order_state *st, const struct order_return *r)
{
	const struct shipment *sh = state_shipment(st, r->shipment_id);
	int64_t worth;

	if (sh == NULL)
		return -1;
	for (size_t i = 0; i < r->nlines; i++) {
		const struct return_line *rl = &r->lines[i];
		const struct order_line *ol = state_line(st, rl->line_id);
		const struct shipment_line *sl = shipment_line_of(sh, rl->line_id);
		struct doc_line *ln;
		int64_t shipped, before;

		if (ol == NULL || sl == NULL)
			return -1;
		ln = product_line(d, ol);
		ln->quantity = rl->quantity;
		ln->vat = rl->vat;
		ln->line_total = rl->amount;
		/* the returned units' share of the discount their shipment line
		 * carried, split over its units like its charge */
		before = returned_before(st, r, rl->line_id);
		if (shipped_discount(ol, sl, &shipped) != 0 ||
		    money_sub(part_of(shipped, before + rl->quantity, sl->quantity),
		    part_of(shipped, before, sl->quantity), &ln->discount) != 0)
			return -1;
	}
	if (r->shipping_amount > 0)
		shipping_line(d, st->order, r->shipping_amount,
		    vat_of(st->order->shipping_price, st->order->shipping_vat_rate,
		    st->order->prices_include_vat));
	/* the fee as charged: at most what the return was worth */
	if (money_add(r->lines_amount, r->shipping_amount, &worth) != 0)
		return -1;
	d->return_fee = r->return_fee > worth ? worth : r->return_fee;
	return 0;
}

static int
load_free_invoice(const struct render_ctx *r, struct doc *d)
{
	struct free_invoice f;

	if (ledger_free_invoice_get(r->ledger, d->row.invoice_id, &f) != 1)
		return -1;
	d->currency = xstrdup(f.currency);
	d->digits = currency_digits(f.currency, strlen(f.currency));
	d->buyer_name = xstrdup(f.name);
	d->buyer_email = xstrdup(f.email);
	dup_address(&d->buyer, &f.billing);
	d->due_date = dup(f.due_date);
	d->text = dup(f.text);
	for (size_t i = 0; i < f.nlines; i++) {
		struct doc_line *ln = add_line(d);

		ln->description = xstrdup(f.lines[i].description);
		ln->quantity = f.lines[i].quantity;
		ln->unit_price = f.lines[i].unit_price;
		ln->vat_rate = f.lines[i].vat_rate;
		ln->vat = f.lines[i].vat;
		ln->line_total = f.lines[i].line_total;
	}
	free_invoice_clear(&f);
	return 0;
}

static int
load_from_order(const struct render_ctx *r, struct doc *d)
{
	const struct document *row = &d->row;
	struct order_state *st;
	int ret = -1;

	if (ledger_order_state(r->ledger, row->order_number, &st) != 1)
		return -1;
	buyer_of_order(d, st->order);
	if (strcmp(row->type, "invoice") == 0 || strcmp(row->type, "proforma") == 0) {
		const struct shipment *sh = state_shipment(st, row->shipment_id);

		if (sh == NULL || shipment_lines(d, st, sh) != 0)
			goto out;
		if (strcmp(row->type, "proforma") == 0 &&
		    ledger_shipment_delivery(r->ledger, row->shipment_id, &d->delivery) != 0)
			goto out;
	} else if (strcmp(row->type, "credit_note") == 0) {
		const struct order_return *rt = state_return(st, row->return_id);

		if (rt == NULL || return_lines(d, st, rt) != 0)
			goto out;
	} else if (strcmp(row->type, "link") == 0) {
		const struct payment_link *k = state_link(st, row->link_id);
		struct link_claim c = { 0 };

		if (k == NULL)
			goto out;
		d->total = k->amount;
		snprintf(c.link_id, sizeof c.link_id, "%s", row->link_id);
		snprintf(c.order_number, sizeof c.order_number, "%s", st->order->order_number);
		snprintf(c.currency, sizeof c.currency, "%s", st->order->currency);
		c.amount = d->total;
		token_make(r->secret, &c, &d->token);
		/* the URL template holds {token} once (checked by conf) */
		{
			const char *u = r->conf->link_url, *at = strstr(u, "{token}");

			buf_append(&d->url, u, (size_t)(at - u));
			buf_append(&d->url, d->token.data, d->token.len);
			buf_puts(&d->url, at + 7);
		}
	} else {
		/* capture, refund, release: the request's amount */
		const struct payment_request *q = state_request(st, row->request_id);

		if (q == NULL)
			goto out;
		d->total = q->amount;
	}
	ret = 0;
out:
	order_state_free(st);
	return ret;
}

int
doc_load(const struct render_ctx *r, int64_t id, struct doc *d)
{
	struct buf errs = { 0 };
	char *text = NULL;
	int ret = -1;

	memset(d, 0, sizeof *d);
	if (ledger_document_get(r->ledger, id, &d->row) != 1)
		return -1;
	if (d->row.template_sha256 != NULL) {
		if (ledger_template_get(r->ledger, d->row.template_sha256, &text, &d->logo) != 1 ||
		    template_parse(text, &d->tpl, &errs) != 0) {
			log_error("document %s: its template does not load: %s", d->row.number,
			    buf_str(&errs));
			goto out;
		}
	} else if (template_parse(template_default_text(), &d->tpl, &errs) != 0)
		fatal("the built-in template does not parse: %s", buf_str(&errs));
	if (d->row.invoice_id != NULL ? load_free_invoice(r, d) != 0 : load_from_order(r, d) != 0)
		goto out;
	if (d->nlines > 0) {
		d->total = 0;
		if (summarize(d) != 0 || money_sub(d->total, d->return_fee, &d->total) != 0) {
			log_error("document %s: its amounts add up beyond %lld minor units, or its "
			    "weights beyond 2^63 grams", d->row.number, (long long)MONEY_MAX);
			goto out;
		}
	}
	ret = 0;
out:
	free(text);
	buf_free(&errs);
	return ret;
}

void
doc_clear(struct doc *d)
{
	for (size_t i = 0; i < d->nlines; i++) {
		struct doc_line *ln = &d->lines[i];

		free(ln->description);
		free(ln->sku);
		free(ln->ean);
		free(ln->variant);
		free(ln->size);
		free(ln->hs_code);
		free(ln->origin);
	}
	free(d->lines);
	free(d->vats);
	ledger_document_clear(&d->row);
	template_clear(&d->tpl);
	buf_free(&d->logo);
	free(d->currency);
	free(d->buyer_name);
	free(d->buyer_email);
	address_clear(&d->buyer);
	address_clear(&d->delivery);
	free(d->payment_reference);
	free(d->due_date);
	free(d->text);
	buf_free(&d->token);
	buf_free(&d->url);
	memset(d, 0, sizeof *d);
}

const char *
doc_title(const struct doc *d)
{
	if (strcmp(d->row.type, "credit_note") == 0)
		return d->tpl.labels[LABEL_CREDIT_NOTE];
	if (strcmp(d->row.type, "proforma") == 0)
		return d->tpl.labels[LABEL_PROFORMA];
	return d->tpl.labels[LABEL_INVOICE];
}
