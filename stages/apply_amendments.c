/* SPDX-License-Identifier: ISC */
/*
 * apply_amendments: changes to an order (CONTRACT 3.2): confirm a pending
 * order, put it on or take it off hold, replace the delivery address, add
 * products, renew the order's payment link.  What added products raise the
 * total beyond the authorization is due, and settling gives the order a
 * payment link for its whole due (links.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stages/lifecycle.h"
#include "base/money.h"

/* Checks that the order's totals with the record's lines added stay within
 * MONEY_MAX; errors added. */
static void
check_added_totals(const struct record *rec, const struct order *o, int digits,
    struct errlist *errs)
{
	struct order with = *o;
	struct order_totals t;

	with.nlines = o->nlines + rec->nlines;
	with.lines = xreallocarray(NULL, with.nlines, sizeof *with.lines);
	if (o->nlines > 0)
		memcpy(with.lines, o->lines, o->nlines * sizeof *o->lines);
	for (size_t i = 0; i < rec->nlines; i++)
		product_line_from_fields(record_line(rec, i), &with.lines[o->nlines + i]);
	check_totals(rec, &with, digits, &t, errs);
	free(with.lines);
}

/* The amendment rules: APPLY_OK, or APPLY_REJECTED with errors added. */
static enum apply_result
check_amendment(const struct apply_frame *f)
{
	const struct record *rec = f->rec;
	const struct order_state *st = f->st;
	const struct order *o = st->order;
	struct errlist *errs = f->errs;
	int digits = state_digits(st);

	if (state_closed(st))
		errlist_add(errs, rec->head[AH_order_number].line, "order_number", ERR_ORDER_CLOSED,
		    "order %s is %s; it takes no amendment", o->order_number,
		    order_status_name(o->status));
	check_product_lines(rec, digits, o->prices_include_vat, errs);
	check_delivery(rec, AH_delivery_address1, AH_delivery_state, errs);
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);

		if (state_line(st, v[PL_line_id].num) != NULL)
			errlist_add(errs, v[PL_line_id].line, "line_id", ERR_LINE_EXISTS,
			    "order %s has a line %lld already; added products need new line ids",
			    o->order_number, (long long)v[PL_line_id].num);
	}
	if (rec->nlines > 0)
		check_added_totals(rec, o, digits, errs);
	return lifecycle_checked(f);
}

/* Confirms the order, sets or releases its hold, replaces its delivery
 * address, as the record asks. */
static int
change_order(struct apply_ctx *a, const struct record *rec, const struct order *o)
{
	const struct field_value *h = rec->head;

	if (h[AH_status].s != NULL && o->status == ORDER_PENDING &&
	    (ledger_order_set_status(a->ledger, o->order_number, ORDER_CONFIRMED) != 0 ||
	    journal_event(a, o->order_number, "status_changed",
	    "\"from\":\"%s\",\"to\":\"%s\"", order_status_name(ORDER_PENDING),
	    order_status_name(ORDER_CONFIRMED)) != 0))
		return -1;
	if (h[AH_hold].s != NULL && (h[AH_hold].num != 0) != o->hold &&
	    (ledger_order_set_hold(a->ledger, o->order_number, h[AH_hold].num != 0) != 0 ||
	    journal_event(a, o->order_number, h[AH_hold].num ? "hold_set" : "hold_released",
	    "\"amendment_id\":\"%s\"", h[AH_amendment_id].s) != 0))
		return -1;
	if (delivery_given(rec, AH_delivery_address1, AH_delivery_state)) {
		struct address d = delivery_from_fields(h, AH_delivery_address1, AH_delivery_state);

		if (ledger_order_set_delivery(a->ledger, o->order_number, &d) != 0 ||
		    journal_event(a, o->order_number, "delivery_changed",
		    "\"amendment_id\":\"%s\"", h[AH_amendment_id].s) != 0)
			return -1;
	}
	return 0;
}

/* Adds the record's products to the order. */
static int
add_lines(struct apply_ctx *a, const struct record *rec, const char *order_number)
{
	for (size_t i = 0; i < rec->nlines; i++) {
		struct order_line ln;

		product_line_from_fields(record_line(rec, i), &ln);
		if (ledger_order_line_insert(a->ledger, order_number, a->input_id, &ln) != 0 ||
		    journal_event(a, order_number, "line_added",
		    "\"line_id\":%lld,\"quantity\":%lld", (long long)ln.line_id,
		    (long long)ln.quantity) != 0)
			return -1;
	}
	return 0;
}

/* Writes the checked amendment; settling then renews the order's link
 * when the due changed, or when the amendment asks for it. */
static int
amend(struct apply_frame *f)
{
	const char *order = f->st->order->order_number;

	f->reissue_link = f->rec->head[AH_reissue_link].num != 0;
	return change_order(f->a, f->rec, f->st->order) != 0 ||
	    add_lines(f->a, f->rec, order) != 0 ||
	    journal_event(f->a, order, "amendment_applied", "\"amendment_id\":\"%s\"",
	    f->rec->head[AH_amendment_id].s) != 0 ? -1 : 0;
}

enum apply_result
apply_amendment(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	return lifecycle_apply(a, rec, AH_order_number, errs, check_amendment, amend);
}
