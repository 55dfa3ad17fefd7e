/*
 * apply_amendments: changes to an order (CONTRACT 3.2): confirm a pending
 * order, put it on or take it off hold, replace the delivery address, add
 * products.  What added products raise the total beyond the authorization
 * is due, and gets a payment link.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stages/issue.h"
#include "stages/lifecycle.h"
#include "base/money.h"

/* Writes a payment link for what is due beyond the open links. */
static int
link_for_due(struct apply_ctx *a, const char *order_number)
{
	struct order_state *st;
	struct payment_link k = { 0 };
	int64_t open = 0, due;
	char money[MONEY_SIZE], *link_id;
	int ret = -1;

	if (ledger_order_state(a->ledger, order_number, &st) != 1)
		return -1;
	for (size_t i = 0; i < st->nlinks; i++)
		if (st->links[i].status == LINK_OPEN &&
		    money_add(open, st->links[i].amount, &open) != 0) {
			state_beyond(st);
			goto out;
		}
	if (state_due(st, &due) != 0) {
		state_beyond(st);
		goto out;
	}
	if (due <= open) {
		ret = 0;
		goto out;
	}
	if (ledger_order_take_link_number(a->ledger, order_number, &k.n) != 0)
		goto out;
	k.link_id = link_id = xasprintf("LINK-%s-%lld", order_number, (long long)k.n);
	k.amount = due - open;   /* 0 <= open < due */
	money_format(k.amount, state_digits(st), money, sizeof money);
	if (ledger_link_insert(a->ledger, order_number, a->input_id, &k) == 0 &&
	    lifecycle_journal(a, order_number, "link_created",
	    "\"link_id\":\"%s\",\"amount\":\"%s\"", k.link_id, money) == 0 &&
	    issue_link(a, order_number, k.link_id) == 0)
		ret = 0;
	free(link_id);
out:
	order_state_free(st);
	return ret;
}

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

enum apply_result
apply_amendment(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	const struct field_value *h = rec->head;
	struct order_state *st = NULL;
	const struct order *o;
	size_t before = errlist_total(errs);
	char sha[SHA256_HEX];
	enum apply_result res;
	int digits;

	if ((res = lifecycle_begin(a, rec, AH_order_number, &st, sha, errs)) != APPLY_OK)
		goto out;
	o = st->order;
	res = APPLY_FAILED;
	if (state_closed(st))
		errlist_add(errs, h[AH_order_number].line, "order_number", ERR_ORDER_CLOSED,
		    "order %s is %s; it takes no amendment", o->order_number,
		    order_status_name(o->status));
	digits = state_digits(st);
	check_product_lines(rec, digits, o->prices_include_vat, errs);
	check_delivery(rec, AH_delivery_address1, errs);
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);

		if (state_line(st, v[PL_line_id].num) != NULL)
			errlist_add(errs, v[PL_line_id].line, "line_id", ERR_LINE_EXISTS,
			    "order %s has a line %lld already; added products need new line ids",
			    o->order_number, (long long)v[PL_line_id].num);
	}
	if (rec->nlines > 0)
		check_added_totals(rec, o, digits, errs);
	if (errlist_total(errs) != before) {
		res = APPLY_REJECTED;
		goto out;
	}

	if (h[AH_status].s != NULL && o->status == ORDER_PENDING &&
	    (ledger_order_set_status(a->ledger, o->order_number, ORDER_CONFIRMED) != 0 ||
	    lifecycle_journal(a, o->order_number, "status_changed",
	    "\"from\":\"%s\",\"to\":\"%s\"", order_status_name(ORDER_PENDING),
	    order_status_name(ORDER_CONFIRMED)) != 0))
		goto out;
	if (h[AH_hold].s != NULL && (h[AH_hold].num != 0) != o->hold &&
	    (ledger_order_set_hold(a->ledger, o->order_number, h[AH_hold].num != 0) != 0 ||
	    lifecycle_journal(a, o->order_number, h[AH_hold].num ? "hold_set" : "hold_released",
	    "\"amendment_id\":\"%s\"", h[AH_amendment_id].s) != 0))
		goto out;
	if (delivery_given(rec, AH_delivery_address1)) {
		struct address d = delivery_from_fields(h, AH_delivery_address1);

		if (ledger_order_set_delivery(a->ledger, o->order_number, &d) != 0 ||
		    lifecycle_journal(a, o->order_number, "delivery_changed",
		    "\"amendment_id\":\"%s\"", h[AH_amendment_id].s) != 0)
			goto out;
	}
	for (size_t i = 0; i < rec->nlines; i++) {
		struct order_line ln;

		product_line_from_fields(record_line(rec, i), &ln);
		if (ledger_order_line_insert(a->ledger, o->order_number, a->input_id, &ln) != 0 ||
		    lifecycle_journal(a, o->order_number, "line_added",
		    "\"line_id\":%lld,\"quantity\":%lld", (long long)ln.line_id,
		    (long long)ln.quantity) != 0)
			goto out;
	}
	if (lifecycle_journal(a, o->order_number, "amendment_applied", "\"amendment_id\":\"%s\"",
	    h[AH_amendment_id].s) != 0 ||
	    lifecycle_remember(a, rec, o->order_number, sha) != 0 ||
	    link_for_due(a, o->order_number) != 0 ||
	    lifecycle_settle(a, o->order_number) != 0)
		goto out;
	res = APPLY_OK;
out:
	order_state_free(st);
	return res;
}
