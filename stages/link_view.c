/* SPDX-License-Identifier: ISC */
/*
 * link_view: a payment link for its customer (link_view.h).
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "base/money.h"
#include "stages/json_out.h"
#include "stages/lifecycle.h"
#include "stages/link_view.h"

struct found_doc {
	const char *link_id;
	int64_t id;
};

static void
find_link_doc(void *ctx, const struct document *d)
{
	struct found_doc *f = ctx;

	if (d->type == DOC_LINK && d->link_id != NULL && strcmp(d->link_id, f->link_id) == 0)
		f->id = d->id;
}

/* The link's document, loaded into d: 0, or -1. */
static int
load_link_doc(const struct render_ctx *r, const struct order_state *st,
    const struct payment_link *k, struct doc *d)
{
	struct found_doc f = { k->link_id, 0 };

	if (ledger_documents_for_order(r->ledger, st->order->order_number, find_link_doc, &f) != 0 ||
	    f.id == 0)
		return -1;
	return doc_load(r, f.id, d);
}

static const char *
amount(const struct doc *d, int64_t v, char b[MONEY_SIZE])
{
	money_format(v, d->digits, b, MONEY_SIZE);
	return b;
}

static json_t *
json_order(const struct doc *d, const struct order_state *st)
{
	json_t *o = json_object(), *lines = json_array(), *vats = json_array();
	int64_t shipping = 0;
	char b[MONEY_SIZE], rate[16];

	json_object_set_new(o, "order_number", json_text(st->order->order_number));
	json_object_set_new(o, "order_date", json_text(st->order->order_date));
	json_object_set_new(o, "currency", json_text(d->currency));
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *ln = &d->lines[i];
		const struct order_line *ol = state_line(st, ln->line_id);
		json_t *j;

		if (ol == NULL) {
			shipping = ln->line_total;
			continue;
		}
		j = json_object();
		json_object_set_new(j, "name", json_text(ol->name));
		json_object_set_new(j, "variant", json_text(ol->variant));
		json_object_set_new(j, "size", json_text(ol->size));
		json_object_set_new(j, "quantity", json_integer(ln->quantity));
		json_object_set_new(j, "unit_price", json_text(amount(d, ln->unit_price, b)));
		json_object_set_new(j, "line_total", json_text(amount(d, ln->line_total, b)));
		json_array_append_new(lines, j);
	}
	json_object_set_new(o, "lines", lines);
	json_object_set_new(o, "shipping", json_text(amount(d, shipping, b)));
	for (size_t i = 0; i < d->nvats; i++) {
		json_t *j = json_object();

		rate_format(d->vats[i].rate, rate, sizeof rate);
		json_object_set_new(j, "rate", json_text(rate));
		json_object_set_new(j, "base", json_text(amount(d, d->vats[i].base, b)));
		json_object_set_new(j, "amount", json_text(amount(d, d->vats[i].amount, b)));
		json_array_append_new(vats, j);
	}
	json_object_set_new(o, "vat", vats);
	json_object_set_new(o, "vat_total", json_text(amount(d, d->vat_total, b)));
	json_object_set_new(o, "grand_total", json_text(amount(d, d->total, b)));
	json_object_set_new(o, "amount_due", json_text(amount(d, d->due, b)));
	return o;
}

static void
text_order(const struct doc *d, const struct order_state *st, FILE *out)
{
	char b[MONEY_SIZE], c[MONEY_SIZE], rate[16];

	fputs("order ", out);
	sanitized_puts(out, st->order->order_number);
	fputs(" of ", out);
	sanitized_puts(out, st->order->order_date);
	fprintf(out, ", %s\n", d->currency);
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *ln = &d->lines[i];
		const struct order_line *ol = state_line(st, ln->line_id);

		if (ol == NULL) {
			fprintf(out, "  shipping %s\n", amount(d, ln->line_total, b));
			continue;
		}
		fprintf(out, "  %" PRId64 " x ", ln->quantity);
		sanitized_puts(out, ol->name);
		if (ol->variant != NULL || ol->size != NULL) {
			fputs(" (", out);
			sanitized_puts(out, ol->variant);
			fputs(ol->variant != NULL && ol->size != NULL ? ", " : "", out);
			sanitized_puts(out, ol->size);
			fputc(')', out);
		}
		fprintf(out, " at %s: %s\n", amount(d, ln->unit_price, b),
		    amount(d, ln->line_total, c));
	}
	for (size_t i = 0; i < d->nvats; i++) {
		rate_format(d->vats[i].rate, rate, sizeof rate);
		fprintf(out, "  VAT %s%% %s of %s\n", rate, amount(d, d->vats[i].amount, b),
		    amount(d, d->vats[i].base, c));
	}
	fprintf(out, "  total %s (VAT %s)\n", amount(d, d->total, b), amount(d, d->vat_total, c));
	fprintf(out, "  amount due %s\n", amount(d, d->due, b));
}

int
link_view_print(const struct render_ctx *r, const struct order_state *st,
    const struct payment_link *k, enum link_status state, bool json, FILE *out)
{
	bool shown = state == LINK_OPEN || state == LINK_SPENT;
	struct doc d = { 0 };
	char expires[TIME_SIZE];
	json_t *root;
	int ret = 0;

	if (shown && load_link_doc(r, st, k, &d) != 0)
		return -1;
	format_time(k->expires_ns, expires, sizeof expires);
	if (!json) {
		fputs(link_status_name(state), out);
		if (state == LINK_OPEN || state == LINK_EXPIRED)
			fprintf(out, ", %s %s", state == LINK_OPEN ? "open until" : "expired at", expires);
		fputc('\n', out);
		if (shown)
			text_order(&d, st, out);
	} else {
		root = json_object();
		json_object_set_new(root, "state", json_text(link_status_name(state)));
		json_object_set_new(root, "expires_at", json_text(expires));
		if (shown)
			json_object_set_new(root, "order", json_order(&d, st));
		if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			ret = -1;
		fputc('\n', out);
		json_decref(root);
	}
	if (shown)
		doc_clear(&d);
	return ret;
}
