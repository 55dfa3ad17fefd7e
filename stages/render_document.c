/* SPDX-License-Identifier: ISC */
/*
 * render_document: the XML of documents (CONTRACT 4.2-4.4): invoices and
 * credit notes (out/invoices/), pro-formas (out/proformas/), payment
 * requests (out/captures/) and links (out/links/).  schemas/invoice.xsd,
 * proforma.xsd, payment_request.xsd and payment_link.xsd describe them.
 */
#include "config.h"

#include "stages/document.h"
#include "base/money.h"
#include "stages/stages.h"
#include "stages/xml_out.h"

static void
money(struct xml_out *x, const struct doc *d, const char *name, int64_t v)
{
	char b[MONEY_SIZE];

	money_format(v, d->digits, b, sizeof b);
	xml_out_text(x, name, b);
}

static void
rate(struct xml_out *x, const char *name, int64_t bp)
{
	char b[16];

	rate_format(bp, b, sizeof b);
	xml_out_text(x, name, b);
}

static void
seller(struct xml_out *x, const struct template *t)
{
	xml_out_start(x, "seller");
	xml_out_text(x, "name", t->seller);
	for (size_t i = 0; i < t->naddress; i++)
		xml_out_text(x, "address", t->address[i]);
	xml_out_text(x, "vat_number", t->vat_number);
	xml_out_text(x, "company_number", t->company_number);
	xml_out_text(x, "bank", t->bank);
	xml_out_text(x, "email", t->email);
	xml_out_end(x);
}

static void
address(struct xml_out *x, const char *element, const char *name, const char *email,
    const struct address *a)
{
	xml_out_start(x, element);
	xml_out_text(x, "name", name);
	xml_out_text(x, "email", email);
	xml_out_text(x, "address1", a->address1);
	xml_out_text(x, "address2", a->address2);
	xml_out_text(x, "zip", a->zip);
	xml_out_text(x, "city", a->city);
	xml_out_text(x, "country", a->country);
	xml_out_text(x, "state", a->state);
	xml_out_end(x);
}

static void
product(struct xml_out *x, const struct doc_line *ln)
{
	xml_out_text(x, "description", ln->description);
	xml_out_text(x, "sku", ln->sku);
	xml_out_text(x, "ean", ln->ean);
	xml_out_text(x, "variant", ln->variant);
	xml_out_text(x, "size", ln->size);
	xml_out_int(x, "quantity", ln->quantity);
}

/* The parts every document of an order or invoice starts with. */
static void
heading(struct xml_out *x, const struct doc *d)
{
	xml_out_text(x, "number", d->row->number);
	if (d->row->type != DOC_PROFORMA)
		xml_out_text(x, "type", document_type_name(d->row->type));
	xml_out_text(x, "issued_at", d->row->issued_at);
	xml_out_text(x, "order_number", d->row->order_number);
	xml_out_text(x, "invoice_id", d->row->invoice_id);
	xml_out_text(x, "shipment_id", d->row->shipment_id);
	xml_out_text(x, "return_id", d->row->return_id);
	xml_out_text(x, "currency", d->currency);
	xml_out_text(x, "language", d->language);
	xml_out_text(x, "due_date", d->due_date);
	seller(x, &d->tpl);
	address(x, "buyer", d->buyer_name, d->buyer_email, &d->buyer);
}

static void
invoice_body(struct xml_out *x, const struct doc *d)
{
	heading(x, d);
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *ln = &d->lines[i];

		xml_out_start(x, "line");
		product(x, ln);
		money(x, d, "unit_price", ln->unit_price);
		if (ln->discount > 0)
			money(x, d, "discount", ln->discount);
		if (ln->voucher > 0)
			money(x, d, "voucher", ln->voucher);
		rate(x, "vat_rate", ln->vat_rate);
		money(x, d, "vat", ln->vat);
		money(x, d, "line_total", ln->line_total);
		xml_out_end(x);
	}
	if (d->voucher > 0) {
		xml_out_start(x, "voucher");
		xml_out_text(x, "code", d->voucher_code);
		money(x, d, "amount", d->voucher);
		xml_out_end(x);
	}
	for (size_t i = 0; i < d->nvats; i++) {
		xml_out_start(x, "vat");
		rate(x, "rate", d->vats[i].rate);
		money(x, d, "base", d->vats[i].base);
		money(x, d, "amount", d->vats[i].amount);
		xml_out_end(x);
	}
	money(x, d, "vat_total", d->vat_total);
	if (d->return_fee > 0)
		money(x, d, "return_fee", d->return_fee);
	money(x, d, "total", d->total);
	xml_out_text(x, "text", d->text);
}

static void
proforma_body(struct xml_out *x, const struct doc *d)
{
	heading(x, d);
	address(x, "delivery", d->buyer_name, NULL, &d->delivery);
	xml_out_text(x, "delivery_date", d->delivery_date);
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *ln = &d->lines[i];

		xml_out_start(x, "line");
		product(x, ln);
		money(x, d, "unit_price", ln->unit_price);
		money(x, d, "value", ln->line_total);
		xml_out_text(x, "hs_code", ln->hs_code);
		xml_out_text(x, "country_of_origin", ln->origin);
		if (ln->weight_grams >= 0)
			xml_out_int(x, "weight_grams", ln->weight_grams * ln->quantity);
		xml_out_end(x);
	}
	money(x, d, "total_value", d->total);
	xml_out_int(x, "total_weight_grams", d->weight_total);
}

static void
request_body(struct xml_out *x, const struct doc *d)
{
	xml_out_text(x, "request_id", d->row->number);
	xml_out_text(x, "type", document_type_name(d->row->type));
	xml_out_text(x, "order_number", d->row->order_number);
	xml_out_text(x, "shipment_id", d->row->shipment_id);
	xml_out_text(x, "return_id", d->row->return_id);
	xml_out_text(x, "payment_reference", d->payment_reference);
	money(x, d, "amount", d->total);
	xml_out_text(x, "currency", d->currency);
}

static void
link_body(struct xml_out *x, const struct doc *d)
{
	xml_out_text(x, "link_id", d->row->number);
	xml_out_text(x, "order_number", d->row->order_number);
	money(x, d, "amount", d->due);
	xml_out_text(x, "currency", d->currency);
	xml_out_text(x, "token", buf_str(&d->token));
	xml_out_text(x, "url", buf_str(&d->url));
	xml_out_text(x, "expires_at", d->expires_at);
}

/* Writes the XML of document id: the root element, and in it what body()
 * writes of the document.  0, or -1 when the document cannot be loaded. */
static int
render_xml(const struct render_ctx *r, int64_t id, const char *root,
    void (*body)(struct xml_out *x, const struct doc *d), struct buf *out)
{
	struct doc d;
	struct xml_out *x;

	if (doc_load(r, id, &d) != 0)
		return -1;
	x = xml_out_begin(root);
	body(x, &d);
	xml_out_finish(x, out);
	doc_clear(&d);
	return 0;
}

int
render_invoice_xml(const struct render_ctx *r, int64_t id, struct buf *out)
{
	return render_xml(r, id, "invoice", invoice_body, out);
}

int
render_proforma_xml(const struct render_ctx *r, int64_t id, struct buf *out)
{
	return render_xml(r, id, "proforma", proforma_body, out);
}

int
render_request_xml(const struct render_ctx *r, int64_t id, struct buf *out)
{
	return render_xml(r, id, "payment_request", request_body, out);
}

int
render_link_xml(const struct render_ctx *r, int64_t id, struct buf *out)
{
	return render_xml(r, id, "payment_link", link_body, out);
}
