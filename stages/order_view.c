#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "pipeline/ledger_orders.h"
#include "pipeline/log.h"
#include "stages/json_out.h"
#include "stages/money.h"
#include "stages/order_view.h"
#include "stages/totals.h"

void
rate_format(int64_t bp, char *out, size_t outsz)
{
	if (bp % 100 == 0)
		snprintf(out, outsz, "%" PRId64, bp / 100);
	else if (bp % 10 == 0)
		snprintf(out, outsz, "%" PRId64 ".%" PRId64, bp / 100, (bp % 100) / 10);
	else
		snprintf(out, outsz, "%" PRId64 ".%02" PRId64, bp / 100, bp % 100);
}

struct money_fmt {
	int digits;
	char buf[8][MONEY_SIZE];
	int next;
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
	return o;
}

static int
json_event(void *ctx, const struct journal_event *e)
{
	json_t *ev = json_object(), *detail = json_loads(e->detail, 0, NULL);

	json_object_set_new(ev, "at", json_text(e->at));
	json_object_set_new(ev, "type", json_text(e->type));
	json_object_set_new(ev, "source", json_text(e->source));
	json_object_set_new(ev, "detail", detail != NULL ? detail : json_object());
	json_array_append_new(ctx, ev);
	return 0;
}

static int
print_json(struct ledger *l, const struct order *o, const struct order_totals *t,
    struct money_fmt *m, FILE *out)
{
	json_t *root = json_object(), *lines = json_array(), *events = json_array();
	char rate[16];
	int ret = -1;

	json_object_set_new(root, "order_number", json_text(o->order_number));
	json_object_set_new(root, "status", json_text(o->status));
	json_object_set_new(root, "hold", json_boolean(o->hold));
	json_object_set_new(root, "currency", json_text(o->currency));
	json_object_set_new(root, "prices_include_vat", json_boolean(o->prices_include_vat));
	json_object_set_new(root, "order_date", json_text(o->order_date));
	json_object_set_new(root, "market", json_text(o->market));
	json_object_set_new(root, "email", json_text(o->email));
	json_object_set_new(root, "grand_total", json_text(fmt(m, t->grand_total)));
	json_object_set_new(root, "vat_total", json_text(fmt(m, t->vat_total)));
	json_object_set_new(root, "shipping_total", json_text(fmt(m, t->shipping_total)));
	json_object_set_new(root, "authorized", json_text(fmt(m, o->authorized)));
	json_object_set_new(root, "captured", json_text(fmt(m, 0)));
	json_object_set_new(root, "refunded", json_text(fmt(m, 0)));
	json_object_set_new(root, "due",
	    json_text(fmt(m, t->grand_total > o->authorized ? t->grand_total - o->authorized : 0)));
	json_object_set_new(root, "billing", jaddress(&o->billing));
	json_object_set_new(root, "delivery", jaddress(&o->delivery));
	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *ln = &o->lines[i];
		struct line_totals lt;
		json_t *j = json_object();

		totals_line(ln, o->prices_include_vat, &lt);
		rate_format(ln->vat_rate, rate, sizeof rate);
		json_object_set_new(j, "line_id", json_integer(ln->line_id));
		json_object_set_new(j, "sku", json_text(ln->sku));
		json_object_set_new(j, "name", json_text(ln->name));
		json_object_set_new(j, "quantity", json_integer(ln->quantity));
		json_object_set_new(j, "shipped", json_integer(ln->shipped));
		json_object_set_new(j, "cancelled", json_integer(ln->cancelled));
		json_object_set_new(j, "returned", json_integer(0));
		json_object_set_new(j, "unit_price", json_text(fmt(m, ln->unit_price)));
		json_object_set_new(j, "discount", json_text(fmt(m, ln->discount)));
		json_object_set_new(j, "vat_rate", json_text(rate));
		json_object_set_new(j, "line_total", json_text(fmt(m, lt.total)));
		json_object_set_new(j, "vat", json_text(fmt(m, lt.vat)));
		json_array_append_new(lines, j);
	}
	json_object_set_new(root, "lines", lines);
	json_object_set_new(root, "shipments", json_array());
	json_object_set_new(root, "returns", json_array());
	json_object_set_new(root, "documents", json_array());
	if (ledger_journal_for_order(l, o->order_number, json_event, events) == 0) {
		json_object_set_new(root, "events", events);
		events = NULL;
		if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0) {
			fputc('\n', out);
			ret = 0;
		}
	}
	json_decref(events);
	json_decref(root);
	return ret;
}

/* Prints untrusted text sanitized. */
static void
put(FILE *out, const char *s)
{
	struct buf b = { 0 };

	if (s == NULL)
		return;
	sanitize_text(s, strlen(s), &b);
	fputs(buf_str(&b), out);
	buf_free(&b);
}

static void
print_address(FILE *out, const char *label, const struct address *a)
{
	fprintf(out, "  %-9s ", label);
	put(out, a->address1);
	if (a->address2 != NULL) {
		fputs(", ", out);
		put(out, a->address2);
	}
	fputs(", ", out);
	put(out, a->zip);
	fputc(' ', out);
	put(out, a->city);
	fputs(", ", out);
	put(out, a->country);
	fputc('\n', out);
}

static int
text_event(void *ctx, const struct journal_event *e)
{
	FILE *out = ctx;

	fputs("  ", out);
	put(out, e->at);
	fputs("  ", out);
	put(out, e->type);
	fputs("  from ", out);
	put(out, e->source);
	fputs("  ", out);
	put(out, e->detail);
	fputc('\n', out);
	return 0;
}

static int
print_text(struct ledger *l, const struct order *o, const struct order_totals *t,
    struct money_fmt *m, FILE *out)
{
	char rate[16];

	fputs("order ", out);
	put(out, o->order_number);
	fprintf(out, "  %s%s  %s, prices %s VAT\n", o->status, o->hold ? " (on hold)" : "",
	    o->currency, o->prices_include_vat ? "include" : "exclude");
	fputs("  date      ", out);
	put(out, o->order_date);
	fputs("   market ", out);
	put(out, o->market);
	fputs("\n  customer  ", out);
	if (o->first_name != NULL || o->last_name != NULL) {
		put(out, o->first_name);
		fputc(' ', out);
		put(out, o->last_name);
		fputs(", ", out);
	}
	put(out, o->email);
	fputc('\n', out);
	print_address(out, "billing", &o->billing);
	print_address(out, "delivery", &o->delivery);
	fputs("  payment   ", out);
	put(out, o->payment_method);
	fputc(' ', out);
	put(out, o->payment_reference);
	fprintf(out, "\n\n  %7s  %-20s %6s %7s %9s %13s %11s %6s %13s %11s\n", "line", "sku", "qty",
	    "shipped", "cancelled", "unit price", "discount", "vat%", "total", "vat");
	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *ln = &o->lines[i];
		struct line_totals lt;
		struct buf sku = { 0 };

		totals_line(ln, o->prices_include_vat, &lt);
		rate_format(ln->vat_rate, rate, sizeof rate);
		sanitize_text(ln->sku, strlen(ln->sku), &sku);
		fprintf(out, "  %7" PRId64 "  %-20s %6" PRId64 " %7" PRId64 " %9" PRId64
		    " %13s %11s %6s %13s %11s\n", ln->line_id, buf_str(&sku), ln->quantity,
		    ln->shipped, ln->cancelled, fmt(m, ln->unit_price), fmt(m, ln->discount), rate,
		    fmt(m, lt.total), fmt(m, lt.vat));
		buf_free(&sku);
	}
	rate_format(o->shipping_vat_rate, rate, sizeof rate);
	fprintf(out, "\n  shipping      %13s (VAT %s%%: %s)\n", fmt(m, t->shipping_total), rate,
	    fmt(m, t->shipping_vat));
	fprintf(out, "  grand total   %13s   VAT total %s\n", fmt(m, t->grand_total),
	    fmt(m, t->vat_total));
	fprintf(out, "  authorized    %13s   captured %s   refunded %s   due %s\n",
	    fmt(m, o->authorized), fmt(m, 0), fmt(m, 0),
	    fmt(m, t->grand_total > o->authorized ? t->grand_total - o->authorized : 0));
	fputs("\nevents\n", out);
	return ledger_journal_for_order(l, o->order_number, text_event, out);
}

int
order_view_print(struct ledger *l, const char *order_number, bool json, FILE *out)
{
	struct order *o;
	struct order_totals t;
	struct money_fmt m = { 0 };
	int found = ledger_order_load(l, order_number, &o), ret;

	if (found <= 0)
		return found;
	m.digits = currency_digits(o->currency, strlen(o->currency));
	if (totals_order(o, &t) != 0) {
		log_error("order %s: amounts overflow", order_number);
		order_free(o);
		return -1;
	}
	ret = json ? print_json(l, o, &t, &m, out) : print_text(l, o, &t, &m, out);
	order_free(o);
	return ret == 0 ? 1 : -1;
}
