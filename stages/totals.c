/* SPDX-License-Identifier: ISC */
#include "config.h"

#include "base/log.h"
#include "base/money.h"
#include "stages/totals.h"

int
totals_line(const struct order_line *ln, bool prices_include_vat, struct line_totals *out)
{
	struct line_money m;
	int64_t keep = ln->quantity - ln->cancelled, off;

	/* the order's voucher takes its share off the line's gross, like a
	 * discount */
	if (money_add(ln->discount, ln->voucher, &off) != 0 ||
	    line_money(ln->quantity, ln->unit_price, off, ln->vat_rate, prices_include_vat, &m) != 0)
		return -1;
	out->gross = m.gross;
	out->full_total = m.total;
	out->full_vat = m.vat;
	/* cancelled units are the last ones: the line is worth its first
	 * quantity - cancelled units */
	out->total = part_of(m.total, keep, ln->quantity);
	out->vat = part_of(m.vat, keep, ln->quantity);
	return 0;
}

int
totals_order(const struct order *o, struct order_totals *t)
{
	bool any_open = false;

	*t = (struct order_totals){ 0 };
	for (size_t i = 0; i < o->nlines; i++) {
		struct line_totals lt;

		t->beyond = i;
		if (totals_line(&o->lines[i], o->prices_include_vat, &lt) != 0 ||
		    money_add(t->lines_total, lt.total, &t->lines_total) != 0 ||
		    money_add(t->lines_vat, lt.vat, &t->lines_vat) != 0)
			return -1;
		if (o->lines[i].cancelled < o->lines[i].quantity)
			any_open = true;
	}
	t->beyond = o->nlines;
	if (any_open && o->shipping_price > 0) {
		t->shipping_vat = vat_of(o->shipping_price, o->shipping_vat_rate, o->prices_include_vat);
		t->shipping_total = o->shipping_price;
		if (!o->prices_include_vat &&
		    money_add(o->shipping_price, t->shipping_vat, &t->shipping_total) != 0)
			return -1;
	}
	return money_add(t->lines_total, t->shipping_total, &t->grand_total) != 0 ||
	    money_add(t->lines_vat, t->shipping_vat, &t->vat_total) != 0 ? -1 : 0;
}

int
totals_due(const struct order *o, int64_t *due)
{
	struct order_totals t;

	if (totals_order(o, &t) != 0 || money_sub(t.grand_total, o->authorized, due) != 0)
		return -1;
	if (*due < 0)
		*due = 0;
	return 0;
}

int
totals_beyond(const struct order *o)
{
	log_error("order %s: its amounts in the ledger add up beyond %lld minor units, which "
	    "sluice never writes", o->order_number, (long long)MONEY_MAX);
	return -1;
}
