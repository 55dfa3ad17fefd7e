/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/token.h"
#include "stages/document.h"
#include "stages/lifecycle.h"
#include "stages/totals.h"
#include "base/money.h"

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

	ln->line_id = ol->line_id;
	ln->description = ol->name;
	ln->sku = d->tpl.show_sku ? ol->sku : NULL;
	ln->ean = d->tpl.show_ean ? ol->ean : NULL;
	ln->variant = d->tpl.show_variant ? ol->variant : NULL;
	ln->size = d->tpl.show_size ? ol->size : NULL;
	ln->unit_price = ol->unit_price;
	ln->vat_rate = ol->vat_rate;
	ln->hs_code = ol->hs_code;
	ln->origin = ol->country_of_origin;
	ln->weight_grams = ol->weight_grams;
	return ln;
}

static void
shipping_line(struct doc *d, const struct order *o, int64_t amount, int64_t vat)
{
	struct doc_line *ln = add_line(d);

	ln->description = d->tpl.labels[LABEL_SHIPPING];
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
		    money_add(d->total, ln->line_total, &d->total) != 0 ||
		    money_add(d->voucher, ln->voucher, &d->voucher) != 0)
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
	if (o->first_name != NULL)
		buf_puts(&d->name, o->first_name);
	if (o->last_name != NULL) {
		if (d->name.len > 0)
			buf_putc(&d->name, ' ');
		buf_puts(&d->name, o->last_name);
	}
	d->buyer_name = d->name.len > 0 ? d->name.data : o->email;
	d->buyer_email = o->email;
	d->buyer = o->billing;
	d->payment_reference = o->payment_reference;   /* a request may have its own */
	d->voucher_code = o->voucher_code;
	d->currency = o->currency;
	d->digits = currency_digits(o->currency, strlen(o->currency));
}

/* The part of an amount of an order line (its discount, its share of the
 * voucher) that a shipment line's units carry: allocated over the line's
 * units like its total. */
static int
shipped_part(int64_t whole, const struct order_line *ol, const struct shipment_line *sl,
    int64_t *out)
{
	return money_sub(part_of(whole, sl->first_unit + sl->quantity, ol->quantity),
	    part_of(whole, sl->first_unit, ol->quantity), out);
}

/* The returned units' part of an amount that their shipment line carried
 * (whole of the order line's), split over its units like its charge. */
static int
returned_part(int64_t whole, const struct order_line *ol, const struct shipment_line *sl,
    int64_t before, int64_t quantity, int64_t *out)
{
	int64_t shipped;

	return shipped_part(whole, ol, sl, &shipped) != 0 ||
	    money_sub(part_of(shipped, before + quantity, sl->quantity),
	    part_of(shipped, before, sl->quantity), out) != 0 ? -1 : 0;
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
		if (shipped_part(ol->discount, ol, sl, &ln->discount) != 0 ||
		    shipped_part(ol->voucher, ol, sl, &ln->voucher) != 0 ||
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
return_lines(struct doc *d, const struct order_state *st, const struct order_return *r,
    const struct shipment *sh)
{
	int64_t worth;

	for (size_t i = 0; i < r->nlines; i++) {
		const struct return_line *rl = &r->lines[i];
		const struct order_line *ol = state_line(st, rl->line_id);
		const struct shipment_line *sl = shipment_line_of(sh, rl->line_id);
		struct doc_line *ln;
		int64_t before;

		if (ol == NULL || sl == NULL)
			return -1;
		ln = product_line(d, ol);
		ln->quantity = rl->quantity;
		ln->vat = rl->vat;
		ln->line_total = rl->amount;
		before = returned_before(st, r, rl->line_id);
		if (returned_part(ol->discount, ol, sl, before, rl->quantity, &ln->discount) != 0 ||
		    returned_part(ol->voucher, ol, sl, before, rl->quantity, &ln->voucher) != 0)
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

static void
from_free_invoice(struct doc *d, const struct free_invoice *f)
{
	d->currency = f->currency;
	d->digits = currency_digits(f->currency, strlen(f->currency));
	d->buyer_name = f->name;
	d->buyer_email = f->email;
	d->buyer = f->billing;
	d->due_date = f->due_date;
	d->text = f->text;
	for (size_t i = 0; i < f->nlines; i++) {
		struct doc_line *ln = add_line(d);

		ln->description = f->lines[i].description;
		ln->quantity = f->lines[i].quantity;
		ln->unit_price = f->lines[i].unit_price;
		ln->vat_rate = f->lines[i].vat_rate;
		ln->vat = f->lines[i].vat;
		ln->line_total = f->lines[i].line_total;
	}
}

/* A payment link's amount, token, URL and expiry. */
static void
link_of(struct doc *d, const struct payment_link *k, const struct order *o,
    const struct conf *conf, const struct buf *secret)
{
	struct link_claim c = { 0 };
	const char *u = conf->link_url, *at = strstr(u, "{token}");

	d->due = k->amount;
	format_time(k->expires_ns, d->expires_at, sizeof d->expires_at);
	snprintf(c.link_id, sizeof c.link_id, "%s", k->link_id);
	snprintf(c.order_number, sizeof c.order_number, "%s", o->order_number);
	snprintf(c.currency, sizeof c.currency, "%s", o->currency);
	c.amount = d->due;
	token_make(secret, &c, &d->token);
	/* the URL template holds {token} once (checked by conf) */
	buf_append(&d->url, u, (size_t)(at - u));
	buf_append(&d->url, d->token.data, d->token.len);
	buf_puts(&d->url, at + 7);
}

/* The order's lines as a link showed them (ll: the units each line had
 * cancelled then; lines added later are not among them), with the shipping
 * they carried.  -1 when a line is unknown or an amount beyond MONEY_MAX. */
static int
link_lines(struct doc *d, const struct order_state *st, const struct link_line *ll, size_t n)
{
	struct order shown = *st->order;
	struct order_totals t;
	int ret = -1;

	shown.lines = xreallocarray(NULL, n ? n : 1, sizeof *shown.lines);
	shown.nlines = n;
	for (size_t i = 0; i < n; i++) {
		const struct order_line *ol = state_line(st, ll[i].line_id);

		if (ol == NULL || ll[i].cancelled > ol->quantity)
			goto out;
		shown.lines[i] = *ol;
		shown.lines[i].cancelled = ll[i].cancelled;
	}
	if (totals_order(&shown, &t) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct order_line *ol = &shown.lines[i];
		int64_t units = ol->quantity - ol->cancelled;
		struct line_totals lt;
		struct doc_line *ln;

		if (units == 0)
			continue;
		if (totals_line(ol, shown.prices_include_vat, &lt) != 0)
			goto out;
		ln = product_line(d, ol);
		ln->quantity = units;
		ln->vat = lt.vat;
		ln->line_total = lt.total;
		ln->discount = part_of(ol->discount, units, ol->quantity);
		ln->voucher = part_of(ol->voucher, units, ol->quantity);
	}
	if (t.shipping_total > 0)
		shipping_line(d, st->order, t.shipping_total, t.shipping_vat);
	ret = 0;
out:
	free(shown.lines);
	return ret;
}

/* The parts of a document of an order; -1 when the view lacks what its
 * type needs or an amount goes beyond MONEY_MAX. */
static int
from_order(struct doc *d, const struct conf *conf, const struct buf *secret)
{
	const struct document_view *v = &d->view;
	const struct order_state *st = v->state;

	buyer_of_order(d, st->order);
	switch (v->doc.type) {
	case DOC_INVOICE:
		return v->shipment != NULL ? shipment_lines(d, st, v->shipment) : -1;
	case DOC_PROFORMA:
		d->delivery = v->delivery;
		d->delivery_date = st->order->delivery_date;
		return v->shipment != NULL ? shipment_lines(d, st, v->shipment) : -1;
	case DOC_CREDIT_NOTE:
		return v->ret != NULL && v->shipment != NULL ?
		    return_lines(d, st, v->ret, v->shipment) : -1;
	case DOC_LINK:
		if (v->link == NULL)
			return -1;
		link_of(d, v->link, st->order, conf, secret);
		return link_lines(d, st, v->link_lines, v->nlink_lines);
	case DOC_CAPTURE:
	case DOC_REFUND:
	case DOC_RELEASE:
		/* the request's amount */
		if (v->request == NULL)
			return -1;
		d->total = v->request->amount;
		if (v->request->payment_reference != NULL)
			d->payment_reference = v->request->payment_reference;
		return 0;
	default:
		return -1;
	}
}

/* Parses the template kept with the document (the built-in one when none
 * is); -1 (logged) when it does not load. */
static int
template_of(struct doc *d)
{
	const struct document_view *v = &d->view;
	struct buf errs = { 0 };
	int ret = 0;

	if (v->doc.template_sha256 != NULL) {
		if (!v->template_found || template_parse(v->template_text, &d->tpl, &errs) != 0) {
			log_error("document %s: its template does not load: %s", v->doc.number,
			    buf_str(&errs));
			ret = -1;
		}
	} else if (template_parse(template_default_text(), &d->tpl, &errs) != 0)
		fatal("the built-in template does not parse: %s", buf_str(&errs));
	buf_free(&errs);
	return ret;
}

/* Builds d from the view it holds (d->view, loaded): 0, or -1. */
static int
doc_build(struct doc *d, const struct conf *conf, const struct buf *secret)
{
	const struct document_view *v = &d->view;

	d->row = &v->doc;
	if (template_of(d) != 0)
		return -1;
	/* the order's language before any label is used */
	if (v->state != NULL && v->state->order->language != NULL) {
		d->language = v->state->order->language;
		template_use_language(&d->tpl, d->language);
	}
	if (v->doc.invoice_id != NULL) {
		if (!v->invoice_found)
			return -1;
		from_free_invoice(d, &v->invoice);
	} else if (v->state == NULL || from_order(d, conf, secret) != 0)
		return -1;
	if (d->nlines > 0) {
		d->total = 0;
		if (summarize(d) != 0 || money_sub(d->total, d->return_fee, &d->total) != 0) {
			log_error("document %s: its amounts add up beyond %lld minor units, or its "
			    "weights beyond 2^63 grams", v->doc.number, (long long)MONEY_MAX);
			return -1;
		}
	}
	return 0;
}

int
doc_load(const struct render_ctx *r, int64_t id, struct doc *d)
{
	memset(d, 0, sizeof *d);
	if (ledger_document_view(r->ledger, id, &d->view) != 1)
		return -1;
	if (doc_build(d, r->conf, r->secret) != 0) {
		doc_clear(d);
		return -1;
	}
	return 0;
}

void
doc_clear(struct doc *d)
{
	free(d->lines);
	free(d->vats);
	template_clear(&d->tpl);
	buf_free(&d->name);
	buf_free(&d->token);
	buf_free(&d->url);
	ledger_document_view_clear(&d->view);
	memset(d, 0, sizeof *d);
}

const char *
doc_title(const struct doc *d)
{
	switch (d->row->type) {
	case DOC_CREDIT_NOTE:
		return d->tpl.labels[LABEL_CREDIT_NOTE];
	case DOC_PROFORMA:
		return d->tpl.labels[LABEL_PROFORMA];
	case DOC_LINK:
		return d->tpl.labels[LABEL_ORDER_CONFIRMATION];
	default:
		return d->tpl.labels[LABEL_INVOICE];
	}
}
