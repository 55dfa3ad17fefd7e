/*
 * apply_cancellations: cancelled quantities, or a whole order (CONTRACT
 * 3.3).  Only open units can be cancelled; a whole order only while
 * nothing is shipped or captured.  Settling then cancels an order with
 * every unit cancelled and nothing shipped, and releases its authorization.
 */
#include "config.h"

#include <string.h>

#include "stages/lifecycle.h"

enum apply_result
apply_cancellation(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	const struct field_value *h = rec->head;
	struct order_state *st = NULL;
	const struct order *o;
	size_t before = errlist_total(errs);
	char sha[SHA256_HEX];
	enum apply_result res;
	bool whole = h[CH_whole_order].num != 0;
	int64_t captured;

	if ((res = lifecycle_begin(a, rec, CH_order_number, &st, sha, errs)) != APPLY_OK)
		goto out;
	o = st->order;
	res = APPLY_FAILED;
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
	if (state_requested(st, "capture", REQUESTS_IN(REQUEST_SUCCEEDED), &captured) != 0)
		amount_too_large(errs, h[CH_order_number].line, "order_number", state_digits(st),
		    "the captures of order %s add up", o->order_number);
	else if (whole && (st->nshipments > 0 || captured > 0))
		errlist_add(errs, h[CH_whole_order].line, "whole_order", ERR_ORDER_NOT_CANCELLABLE,
		    "order %s has a shipment or a capture; cancel its open units line by line",
		    o->order_number);
	check_open_lines(rec, st, "cancelled", errs);
	if (errlist_total(errs) != before) {
		res = APPLY_REJECTED;
		goto out;
	}

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
		if (ledger_line_add_cancelled(a->ledger, o->order_number, ln->line_id, q) != 0 ||
		    lifecycle_journal(a, o->order_number, "units_cancelled",
		    "\"cancellation_id\":\"%s\",\"line_id\":%lld,\"quantity\":%lld",
		    h[CH_cancellation_id].s, (long long)ln->line_id, (long long)q) != 0)
			goto out;
	}
	if (lifecycle_remember(a, rec, o->order_number, sha) != 0 ||
	    lifecycle_settle(a, o->order_number) != 0)
		goto out;
	res = APPLY_OK;
out:
	order_state_free(st);
	return res;
}
