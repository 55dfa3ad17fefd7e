/* SPDX-License-Identifier: ISC */
/*
 * order_view: `sluice order show`: an order as the ledger has it, with its
 * money computed by the rules, printed as text (untrusted text sanitized)
 * or as JSON.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pipeline/ledger/ledger.h"
#include "base/log.h"
#include "stages/json_out.h"
#include "stages/lifecycle.h"
#include "stages/links.h"
#include "base/money.h"
#include "stages/order_view.h"
#include "stages/totals.h"

struct money_fmt {
	int digits;
	char buf[8][MONEY_SIZE];
	int next;
};

/* The money the view shows, computed before anything is printed. */
struct view_sums {
	struct line_totals *lines;   /* one per order line */
	struct order_totals t;
	int64_t captured;
	int64_t refunded;
	int64_t due;
};

/* Formats an amount into one of a few rotating buffers. */
static const char *
fmt(struct money_fmt *m, int64_t v)
{
	char *b = m->buf[m->next++ % 8];

	money_format(v, m->digits, b, MONEY_SIZE);
	return b;
}

static json_t *
jaddress(const struct address *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "address1", json_text(a->address1));
	json_object_set_new(o, "address2", json_text(a->address2));
	json_object_set_new(o, "zip", json_text(a->zip));
	json_object_set_new(o, "city", json_text(a->city));
	json_object_set_new(o, "country", json_text(a->country));
	json_object_set_new(o, "state", json_text(a->state));
	return o;
}

/* Units of an order line returned, over all its shipments. */
static int64_t
line_returned(const struct order_state *st, int64_t line_id)
{
	int64_t n = 0;

	for (size_t i = 0; i < st->nshipments; i++)
		for (size_t j = 0; j < st->shipments[i].nlines; j++)
			if (st->shipments[i].lines[j].line_id == line_id)
				n += st->shipments[i].lines[j].returned;
	return n;
}

static bool
shipment_paid(const struct shipment *sh)
{
	return sh->capture == CAPTURE_CAPTURED || sh->capture == CAPTURE_NONE;
}

static json_t *
json_shipments(const struct order_state *st, struct money_fmt *m)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < st->nshipments; i++) {
		const struct shipment *sh = &st->shipments[i];
		json_t *j = json_object(), *lines = json_array();

		json_object_set_new(j, "shipment_id", json_text(sh->shipment_id));
		json_object_set_new(j, "shipped", json_boolean(sh->shipped));
		json_object_set_new(j, "paid", json_boolean(shipment_paid(sh)));
		json_object_set_new(j, "completed", json_boolean(sh->shipped && shipment_paid(sh)));
		json_object_set_new(j, "capture", json_text(capture_state_name(sh->capture)));
		json_object_set_new(j, "amount", json_text(fmt(m, sh->amount)));
		json_object_set_new(j, "vat", json_text(fmt(m, sh->vat)));
		json_object_set_new(j, "shipping", json_text(fmt(m, sh->shipping_amount)));
		json_object_set_new(j, "prepaid", json_text(fmt(m, sh->prepaid)));
		json_object_set_new(j, "carrier", json_text(sh->carrier));
		json_object_set_new(j, "service", json_text(sh->service));
		json_object_set_new(j, "tracking", json_text(sh->tracking));
		json_object_set_new(j, "shipped_at", json_text(sh->shipped_at));
		for (size_t k = 0; k < sh->nlines; k++) {
			json_t *l = json_object();

			json_object_set_new(l, "line_id", json_integer(sh->lines[k].line_id));
			json_object_set_new(l, "quantity", json_integer(sh->lines[k].quantity));
			json_object_set_new(l, "returned", json_integer(sh->lines[k].returned));
			json_object_set_new(l, "amount", json_text(fmt(m, sh->lines[k].amount)));
			json_array_append_new(lines, l);
		}
		json_object_set_new(j, "lines", lines);
		json_array_append_new(arr, j);
	}
	return arr;
}

static json_t *
json_returns(const struct order_state *st, struct money_fmt *m)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < st->nreturns; i++) {
		const struct order_return *r = &st->returns[i];
		json_t *j = json_object(), *lines = json_array();

		json_object_set_new(j, "return_id", json_text(r->return_id));
		json_object_set_new(j, "shipment_id", json_text(r->shipment_id));
		json_object_set_new(j, "refund", json_text(fmt(m, r->refund)));
		json_object_set_new(j, "lines_amount", json_text(fmt(m, r->lines_amount)));
		json_object_set_new(j, "shipping", json_text(fmt(m, r->shipping_amount)));
		json_object_set_new(j, "return_fee", json_text(fmt(m, r->return_fee)));
		json_object_set_new(j, "restock", json_boolean(r->restock));
		for (size_t k = 0; k < r->nlines; k++) {
			json_t *l = json_object();

			json_object_set_new(l, "line_id", json_integer(r->lines[k].line_id));
			json_object_set_new(l, "quantity", json_integer(r->lines[k].quantity));
			json_object_set_new(l, "amount", json_text(fmt(m, r->lines[k].amount)));
			json_array_append_new(lines, l);
		}
		json_object_set_new(j, "lines", lines);
		json_array_append_new(arr, j);
	}
	return arr;
}

static json_t *
json_payments(const struct order_state *st, struct money_fmt *m, json_t **links, json_t **events)
{
	json_t *requests = json_array();

	for (size_t i = 0; i < st->nrequests; i++) {
		const struct payment_request *r = &st->requests[i];
		json_t *j = json_object();

		json_object_set_new(j, "request_id", json_text(r->request_id));
		json_object_set_new(j, "type", json_text(request_type_name(r->type)));
		json_object_set_new(j, "amount", json_text(fmt(m, r->amount)));
		json_object_set_new(j, "status", json_text(request_status_name(r->status)));
		json_object_set_new(j, "event_id", json_text(r->event_id));
		json_array_append_new(requests, j);
	}
	*links = json_array();
	for (size_t i = 0; i < st->nlinks; i++) {
		const struct payment_link *k = &st->links[i];
		json_t *j = json_object();
		char expires[TIME_SIZE];

		format_time(k->expires_ns, expires, sizeof expires);
		json_object_set_new(j, "link_id", json_text(k->link_id));
		json_object_set_new(j, "amount", json_text(fmt(m, k->amount)));
		json_object_set_new(j, "status",
		    json_text(link_status_name(link_state_at(k, now_ns()))));
		json_object_set_new(j, "expires_at", json_text(expires));
		json_object_set_new(j, "event_id", json_text(k->event_id));
		json_array_append_new(*links, j);
	}
	*events = json_array();
	for (size_t i = 0; i < st->nevents; i++) {
		const struct payment_event *e = &st->events[i];
		json_t *j = json_object();

		json_object_set_new(j, "event_id", json_text(e->event_id));
		json_object_set_new(j, "type", json_text(e->type));
		json_object_set_new(j, "request_id", json_text(e->request_id));
		json_object_set_new(j, "status", json_text(e->status));
		json_object_set_new(j, "amount", json_text(fmt(m, e->amount)));
		json_object_set_new(j, "psp_reference", json_text(e->psp_reference));
		json_object_set_new(j, "occurred_at", json_text(e->occurred_at));
		json_object_set_new(j, "applied", json_boolean(e->applied));
		json_array_append_new(*events, j);
	}
	return requests;
}

static void
json_document(void *ctx, const struct document *d)
{
	json_t *j = json_object();

	json_object_set_new(j, "type", json_text(document_type_name(d->type)));
	json_object_set_new(j, "number", json_text(d->number));
	json_object_set_new(j, "issued_at", json_text(d->issued_at));
	json_array_append_new(ctx, j);
}

static void
text_document(void *ctx, const struct document *d)
{
	fprintf(ctx, "  document  %-12s %s\n", document_type_name(d->type), d->number);
}

static int
json_event(void *ctx, const struct journal_event *e)
{
	json_t *ev = json_object(), *detail = json_loads(e->detail, 0, NULL);

	json_object_set_new(ev, "at", json_text(e->at));
	json_object_set_new(ev, "type", json_text(e->type));
	json_object_set_new(ev, "source", json_echo(e->source));
	if (e->by != NULL)
		json_object_set_new(ev, "by", json_echo(e->by));
	json_object_set_new(ev, "detail", detail != NULL ? detail : json_object());
	json_array_append_new(ctx, ev);
	return 0;
}

static json_t *
json_lines(const struct order_state *st, const struct view_sums *v, struct money_fmt *m)
{
	const struct order *o = st->order;
	json_t *lines = json_array();
	char rate[16];

	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *ln = &o->lines[i];
		const struct line_totals *lt = &v->lines[i];
		json_t *j = json_object();

		rate_format(ln->vat_rate, rate, sizeof rate);
		json_object_set_new(j, "line_id", json_integer(ln->line_id));
		json_object_set_new(j, "sku", json_text(ln->sku));
		json_object_set_new(j, "name", json_text(ln->name));
		json_object_set_new(j, "quantity", json_integer(ln->quantity));
		json_object_set_new(j, "shipped", json_integer(ln->shipped));
		json_object_set_new(j, "cancelled", json_integer(ln->cancelled));
		json_object_set_new(j, "returned", json_integer(line_returned(st, ln->line_id)));
		json_object_set_new(j, "unit_price", json_text(fmt(m, ln->unit_price)));
		json_object_set_new(j, "discount", json_text(fmt(m, ln->discount)));
		json_object_set_new(j, "voucher", json_text(fmt(m, ln->voucher)));
		json_object_set_new(j, "vat_rate", json_text(rate));
		json_object_set_new(j, "line_total", json_text(fmt(m, lt->total)));
		json_object_set_new(j, "vat", json_text(fmt(m, lt->vat)));
		json_array_append_new(lines, j);
	}
	return lines;
}

/* The order's extra attributes as an object, name -> value. */
static json_t *
json_attrs(const struct order *o)
{
	json_t *j = json_object();

	for (size_t i = 0; i < o->nattrs; i++)
		json_object_set_new(j, o->attrs[i].name, json_text(o->attrs[i].value));
	return j;
}

/* A new JSON object of the order (the caller's to json_decref), or NULL
 * on a ledger failure. */
static json_t *
order_json(struct ledger *l, const struct order_state *st, const struct view_sums *v,
    struct money_fmt *m)
{
	const struct order *o = st->order;
	json_t *root = json_object(), *events = json_array();
	json_t *links, *payments, *requests, *documents;

	json_object_set_new(root, "order_number", json_text(o->order_number));
	json_object_set_new(root, "status", json_text(order_status_name(o->status)));
	json_object_set_new(root, "hold", json_boolean(o->hold));
	json_object_set_new(root, "awaiting_payment", json_boolean(o->awaiting_payment));
	json_object_set_new(root, "currency", json_text(o->currency));
	json_object_set_new(root, "prices_include_vat", json_boolean(o->prices_include_vat));
	json_object_set_new(root, "order_date", json_text(o->order_date));
	json_object_set_new(root, "market", json_text(o->market));
	json_object_set_new(root, "email", json_text(o->email));
	json_object_set_new(root, "grand_total", json_text(fmt(m, v->t.grand_total)));
	json_object_set_new(root, "vat_total", json_text(fmt(m, v->t.vat_total)));
	json_object_set_new(root, "shipping_total", json_text(fmt(m, v->t.shipping_total)));
	json_object_set_new(root, "voucher_code", json_text(o->voucher_code));
	json_object_set_new(root, "voucher_value", json_text(fmt(m, o->voucher_value)));
	json_object_set_new(root, "authorized", json_text(fmt(m, o->authorized)));
	json_object_set_new(root, "captured", json_text(fmt(m, v->captured)));
	json_object_set_new(root, "captured_amount", json_text(fmt(m, o->captured_amount)));
	json_object_set_new(root, "capture_reference", json_text(o->capture_reference));
	json_object_set_new(root, "refunded", json_text(fmt(m, v->refunded)));
	json_object_set_new(root, "due", json_text(fmt(m, v->due)));
	json_object_set_new(root, "billing", jaddress(&o->billing));
	json_object_set_new(root, "delivery", jaddress(&o->delivery));
	json_object_set_new(root, "language", json_text(o->language));
	json_object_set_new(root, "delivery_date", json_text(o->delivery_date));
	json_object_set_new(root, "internal_comment", json_text(o->internal_comment));
	json_object_set_new(root, "attributes", json_attrs(o));
	json_object_set_new(root, "lines", json_lines(st, v, m));
	json_object_set_new(root, "shipments", json_shipments(st, m));
	json_object_set_new(root, "returns", json_returns(st, m));
	requests = json_payments(st, m, &links, &payments);
	json_object_set_new(root, "requests", requests);
	json_object_set_new(root, "links", links);
	json_object_set_new(root, "payments", payments);
	documents = json_array();
	json_object_set_new(root, "documents", documents);
	if (ledger_documents_for_order(l, o->order_number, json_document, documents) != 0 ||
	    ledger_journal_for_order(l, o->order_number, json_event, events) != 0) {
		json_decref(events);
		json_decref(root);
		return NULL;
	}
	json_object_set_new(root, "events", events);
	return root;
}

static void
print_address(FILE *out, const char *label, const struct address *a)
{
	fprintf(out, "  %-9s ", label);
	sanitized_printf(out, "%s", a->address1);
	if (a->address2 != NULL)
		sanitized_printf(out, ", %s", a->address2);
	sanitized_printf(out, ", %s %s, %s", a->zip, a->city, a->country);
	if (a->state != NULL)
		sanitized_printf(out, " %s", a->state);
	fputc('\n', out);
}

static int
text_event(void *ctx, const struct journal_event *e)
{
	sanitized_printf(ctx, "  %s  %s  from %s%s%s  %s\n", e->at, e->type, e->source,
	    e->by != NULL ? " by " : "", e->by != NULL ? e->by : "", e->detail);
	return 0;
}

static void
text_lifecycle(const struct order_state *st, struct money_fmt *m, FILE *out)
{
	for (size_t i = 0; i < st->nshipments; i++) {
		const struct shipment *sh = &st->shipments[i];

		sanitized_printf(out, "  shipment  %s", sh->shipment_id);
		fprintf(out, "  %s, capture %s, %s", sh->shipped ? "shipped" : "not shipped",
		    capture_state_name(sh->capture), fmt(m, sh->amount));
		if (sh->prepaid > 0)
			fprintf(out, " (%s paid at checkout)", fmt(m, sh->prepaid));
		for (size_t k = 0; k < sh->nlines; k++)
			fprintf(out, "%s line %lld x %lld%s", k ? "," : ":", (long long)sh->lines[k].line_id,
			    (long long)sh->lines[k].quantity, sh->lines[k].returned ? " (some returned)" : "");
		fputc('\n', out);
	}
	for (size_t i = 0; i < st->nreturns; i++) {
		sanitized_printf(out, "  return    %s of %s", st->returns[i].return_id,
		    st->returns[i].shipment_id);
		fprintf(out, "  refund %s\n", fmt(m, st->returns[i].refund));
	}
	for (size_t i = 0; i < st->nrequests; i++) {
		sanitized_printf(out, "  request   %s", st->requests[i].request_id);
		fprintf(out, "  %s %s, %s\n", request_type_name(st->requests[i].type),
		    fmt(m, st->requests[i].amount), request_status_name(st->requests[i].status));
	}
	for (size_t i = 0; i < st->nlinks; i++) {
		const struct payment_link *k = &st->links[i];
		enum link_status state = link_state_at(k, now_ns());
		char expires[TIME_SIZE];

		format_time(k->expires_ns, expires, sizeof expires);
		sanitized_printf(out, "  link      %s", k->link_id);
		fprintf(out, "  %s, %s", fmt(m, k->amount), link_status_name(state));
		if (state == LINK_OPEN || state == LINK_EXPIRED)
			fprintf(out, " (%s %s)", state == LINK_OPEN ? "open until" : "expired at",
			    expires);
		fputc('\n', out);
	}
}

static int
print_text(struct ledger *l, const struct order_state *st, const struct view_sums *v,
    struct money_fmt *m, FILE *out)
{
	const struct order *o = st->order;
	char rate[16];

	sanitized_printf(out, "order %s", o->order_number);
	fprintf(out, "  %s%s%s  %s, prices %s VAT\n", order_status_name(o->status),
	    o->hold ? " (on hold)" : "", o->awaiting_payment ? " (awaiting payment)" : "",
	    o->currency, o->prices_include_vat ? "include" : "exclude");
	sanitized_printf(out, "  date      %s   market %s\n  customer  ", o->order_date, o->market);
	if (o->first_name != NULL || o->last_name != NULL)
		sanitized_printf(out, "%s %s, ", o->first_name, o->last_name);
	sanitized_printf(out, "%s\n", o->email);
	print_address(out, "billing", &o->billing);
	print_address(out, "delivery", &o->delivery);
	sanitized_printf(out, "  payment   %s %s", o->payment_method, o->payment_reference);
	if (o->captured_amount > 0) {
		fprintf(out, ", %s captured at checkout", fmt(m, o->captured_amount));
		sanitized_printf(out, " (%s)", o->capture_reference);
	}
	if (o->language != NULL)
		fprintf(out, "\n  language  %s", o->language);
	if (o->delivery_date != NULL)
		sanitized_printf(out, "\n  delivery on %s", o->delivery_date);
	if (o->internal_comment != NULL)
		sanitized_printf(out, "\n  internal  %s", o->internal_comment);
	for (size_t i = 0; i < o->nattrs; i++)
		sanitized_printf(out, "\n  attribute %s = %s", o->attrs[i].name, o->attrs[i].value);
	fprintf(out, "\n\n  %7s  %-20s %6s %7s %9s %8s %13s %11s %6s %13s %11s\n", "line", "sku",
	    "qty", "shipped", "cancelled", "returned", "unit price", "discount", "vat%", "total", "vat");
	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *ln = &o->lines[i];
		struct buf sku = { 0 };

		rate_format(ln->vat_rate, rate, sizeof rate);
		sanitize_text(ln->sku, strlen(ln->sku), &sku);
		fprintf(out, "  %7" PRId64 "  %-20s %6" PRId64 " %7" PRId64 " %9" PRId64 " %8" PRId64
		    " %13s %11s %6s %13s %11s\n", ln->line_id, buf_str(&sku), ln->quantity,
		    ln->shipped, ln->cancelled, line_returned(st, ln->line_id), fmt(m, ln->unit_price),
		    fmt(m, ln->discount), rate, fmt(m, v->lines[i].total), fmt(m, v->lines[i].vat));
		buf_free(&sku);
	}
	if (o->voucher_code != NULL || o->voucher_value > 0) {
		sanitized_printf(out, "\n  voucher   %s", o->voucher_code != NULL ? o->voucher_code : "");
		fprintf(out, " %s, the lines' shares:", fmt(m, o->voucher_value));
		for (size_t i = 0; i < o->nlines; i++)
			fprintf(out, "%s line %" PRId64 " %s", i > 0 ? "," : "", o->lines[i].line_id,
			    fmt(m, o->lines[i].voucher));
		fputc('\n', out);
	}
	rate_format(o->shipping_vat_rate, rate, sizeof rate);
	fprintf(out, "\n  shipping      %13s (VAT %s%%: %s)\n", fmt(m, v->t.shipping_total), rate,
	    fmt(m, v->t.shipping_vat));
	fprintf(out, "  grand total   %13s   VAT total %s\n", fmt(m, v->t.grand_total),
	    fmt(m, v->t.vat_total));
	fprintf(out, "  authorized    %13s   captured %s   refunded %s   due %s\n",
	    fmt(m, o->authorized), fmt(m, v->captured), fmt(m, v->refunded), fmt(m, v->due));
	if (st->nshipments + st->nreturns + st->nrequests + st->nlinks > 0)
		fputc('\n', out);
	text_lifecycle(st, m, out);
	if (ledger_documents_for_order(l, o->order_number, text_document, out) != 0)
		return -1;
	fputs("\nevents\n", out);
	return ledger_journal_for_order(l, o->order_number, text_event, out);
}

/* Computes what the view shows of st's money; -1 (logged) when an amount
 * is beyond MONEY_MAX.  v->lines is the caller's to free. */
static int
view_sums(const struct order_state *st, struct view_sums *v)
{
	const struct order *o = st->order;

	v->lines = xreallocarray(NULL, o->nlines ? o->nlines : 1, sizeof *v->lines);
	for (size_t i = 0; i < o->nlines; i++)
		if (totals_line(&o->lines[i], o->prices_include_vat, &v->lines[i]) != 0)
			return totals_beyond(st->order);
	return totals_order(o, &v->t) != 0 ||
	    state_captured(st, REQUESTS_IN(REQUEST_SUCCEEDED), &v->captured) != 0 ||
	    state_requested(st, REQUEST_REFUND, REQUESTS_IN(REQUEST_SUCCEEDED), &v->refunded) != 0 ||
	    totals_due(st->order, &v->due) != 0 ? totals_beyond(st->order) : 0;
}

int
order_view_json(struct ledger *l, const char *order_number, json_t **out)
{
	struct order_state *st;
	struct view_sums v;
	struct money_fmt m = { 0 };
	int found = ledger_order_state(l, order_number, &st);

	*out = NULL;
	if (found <= 0)
		return found;
	m.digits = state_digits(st);
	if (view_sums(st, &v) == 0)
		*out = order_json(l, st, &v, &m);
	free(v.lines);
	order_state_free(st);
	return *out != NULL ? 1 : -1;
}

int
order_view_print(struct ledger *l, const char *order_number, bool json, FILE *out)
{
	struct order_state *st;
	struct view_sums v;
	struct money_fmt m = { 0 };
	json_t *j;
	int found, ret = -1;

	if (json) {
		if ((found = order_view_json(l, order_number, &j)) <= 0)
			return found;
		if (json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
		    fputc('\n', out) != EOF)
			ret = 0;
		json_decref(j);
		return ret == 0 ? 1 : -1;
	}
	if ((found = ledger_order_state(l, order_number, &st)) <= 0)
		return found;
	m.digits = state_digits(st);
	if (view_sums(st, &v) == 0)
		ret = print_text(l, st, &v, &m, out);
	free(v.lines);
	order_state_free(st);
	return ret == 0 ? 1 : -1;
}
