/* SPDX-License-Identifier: ISC */
/*
 * apply_cancellations: cancelled quantities, or a whole order (CONTRACT
 * 3.3).  Only open units can be cancelled; a whole order only while
 * nothing is shipped or captured.  Settling then cancels an order with
 * every unit cancelled and nothing shipped, and releases its authorization.
 */
#include "config.h"

#include <string.h>

#include "stages/lifecycle.h"

/* The cancellation rules: APPLY_OK, or APPLY_REJECTED with errors added. */
static enum apply_result
check_cancellation(const struct apply_frame *f)
{
	const struct record *rec = f->rec;
	const struct field_value *h = rec->head;
	const struct order_state *st = f->st;
	const struct order *o = st->order;
	struct errlist *errs = f->errs;
	bool whole = h[CH_whole_order].num != 0, cancellable;

	if (state_closed(st))
		errlist_add(errs, h[CH_order_number].line, "order_number", ERR_ORDER_CLOSED,
		    "order %s is %s; nothing of it can be cancelled", o->order_number,
		    order_status_name(o->status));
	if (whole && rec->nlines > 0)
		errlist_add(errs, rec->line_at[0], "line_id", ERR_INVALID_VALUE,
		    "a whole-order cancellation has no lines");
	if (!whole && rec->nlines == 0)
		errlist_add(errs, rec->line, NULL, ERR_NO_LINES,
		    "a cancellation has lines unless whole_order is true");
	if (state_cancellable(st, &cancellable) != 0)
		amount_too_large(errs, h[CH_order_number].line, "order_number", state_digits(st),
		    "the captures of order %s add up", o->order_number);
	else if (whole && !cancellable)
		errlist_add(errs, h[CH_whole_order].line, "whole_order", ERR_ORDER_NOT_CANCELLABLE,
		    "order %s has a shipment or money captured (at checkout too); cancel its open "
		    "units line by line",
		    o->order_number);
	check_open_lines(rec, st, "cancelled", errs);
	return lifecycle_checked(f);
}

/* Cancels the units: all open ones of every line, or the record's. */
static int
cancel_units(struct apply_frame *f)
{
	const struct record *rec = f->rec;
	const struct order *o = f->st->order;
	bool whole = rec->head[CH_whole_order].num != 0;

	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *ln = &o->lines[i];
		int64_t q = 0;

		if (whole)
			q = ln->quantity - ln->shipped - ln->cancelled;
		for (size_t j = 0; !whole && j < rec->nlines; j++)
			if (record_line(rec, j)[QL_line_id].num == ln->line_id)
				q = record_line(rec, j)[QL_quantity].num;
		if (q == 0)
			continue;
		if (ledger_line_add_cancelled(f->a->ledger, o->order_number, ln->line_id, q) != 0 ||
		    journal_event(f->a, o->order_number, "units_cancelled",
		    "\"cancellation_id\":\"%s\",\"line_id\":%lld,\"quantity\":%lld",
		    rec->head[CH_cancellation_id].s, (long long)ln->line_id, (long long)q) != 0)
			return -1;
	}
	return 0;
}

enum apply_result
apply_cancellation(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	return lifecycle_apply(a, rec, CH_order_number, errs, check_cancellation, cancel_units);
}
