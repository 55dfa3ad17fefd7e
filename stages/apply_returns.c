/* SPDX-License-Identifier: ISC */
/*
 * apply_returns: returns against one shipment (CONTRACT 3.5).  A returned
 * unit is refunded its part of what the shipment line was charged
 * (allocated cumulatively), plus the shipping when asked and not refunded
 * before, less the return fee, never below zero, and never so that refunds
 * exceed what was captured.  A refund is requested from the PSP.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stages/issue.h"
#include "stages/lifecycle.h"
#include "base/money.h"

/* Rejects a return whose refund would go beyond MONEY_MAX. */
static enum apply_result
beyond(long line, const char *field, int digits, const struct order_return *r,
    struct errlist *errs)
{
	amount_too_large(errs, line, field, digits, "the refund of return %s is", r->return_id);
	return APPLY_REJECTED;
}

/* Starts the return the record gives (borrowing its strings), with room
 * for its lines. */
static void
return_from_record(const struct record *rec, const struct shipment *sh, struct order_return *r)
{
	const struct field_value *h = rec->head;

	*r = (struct order_return){ .return_id = h[RH_return_id].s,
		.shipment_id = sh->shipment_id, .reason = h[RH_reason].s,
		.restock = h[RH_restock].num != 0, .return_fee = h[RH_return_fee].num,
		.lines = xcalloc(rec->nlines ? rec->nlines : 1, sizeof *r->lines) };
}

/* Adds the record's lines to the return, each refunded its part of what
 * its shipment line was charged; errors added for lines the shipment does
 * not have or did not ship that many of. */
static enum apply_result
return_lines(const struct record *rec, const struct order_state *st, const struct shipment *sh,
    struct order_return *r, struct errlist *errs)
{
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);
		const struct shipment_line *sl = shipment_line_of(sh, v[QL_line_id].num);
		int64_t q = v[QL_quantity].num;

		if (sl == NULL) {
			errlist_add(errs, v[QL_line_id].line, "line_id", ERR_UNKNOWN_LINE,
			    "shipment %s has no line %lld", sh->shipment_id, (long long)v[QL_line_id].num);
			continue;
		}
		if (q > sl->quantity - sl->returned) {
			errlist_add(errs, v[QL_quantity].line, "quantity", ERR_RETURN_EXCEEDS_SHIPPED,
			    "shipment %s shipped %lld of line %lld and %lld came back before; %lld "
			    "cannot be returned", sh->shipment_id, (long long)sl->quantity,
			    (long long)sl->line_id, (long long)sl->returned, (long long)q);
			continue;
		}
		/* returned units split the shipment line's charge like parts */
		r->lines[r->nlines] = (struct return_line){ sl->line_id, q, 0, 0 };
		if (money_sub(part_of(sl->amount, sl->returned + q, sl->quantity),
		    part_of(sl->amount, sl->returned, sl->quantity), &r->lines[r->nlines].amount) != 0 ||
		    money_sub(part_of(sl->vat, sl->returned + q, sl->quantity),
		    part_of(sl->vat, sl->returned, sl->quantity), &r->lines[r->nlines].vat) != 0 ||
		    money_add(r->lines_amount, r->lines[r->nlines].amount, &r->lines_amount) != 0 ||
		    money_add(r->lines_vat, r->lines[r->nlines].vat, &r->lines_vat) != 0)
			return beyond(v[QL_quantity].line, "quantity", state_digits(st), r, errs);
		r->nlines++;
	}
	return APPLY_OK;
}

/* Adds the order's shipping to the return when the record asks for it. */
static enum apply_result
return_shipping(const struct record *rec, const struct order_state *st, struct order_return *r,
    struct errlist *errs)
{
	const struct field_value *v = &rec->head[RH_refund_shipping];

	if (v->num == 0)
		return APPLY_OK;
	if (st->shipping_refunded)
		errlist_add(errs, v->line, "refund_shipping", ERR_SHIPPING_ALREADY_REFUNDED,
		    "the shipping of order %s was refunded before", st->order->order_number);
	for (size_t i = 0; i < st->nshipments; i++)
		if (money_add(r->shipping_amount, st->shipments[i].shipping_amount,
		    &r->shipping_amount) != 0)
			return beyond(v->line, "refund_shipping", state_digits(st), r, errs);
	return APPLY_OK;
}

/* Computes the refund: lines and shipping less the fee, never below zero.
 * A refund beyond what is captured and not refunded waits when captures
 * the PSP has not answered yet would cover it, else is an error. */
static enum apply_result
return_refund(const struct apply_frame *f, struct order_return *r)
{
	const struct field_value *id = &f->rec->head[RH_return_id];
	const struct order_state *st = f->st;
	int digits = state_digits(st);
	char money[MONEY_SIZE], left_s[MONEY_SIZE];
	int64_t captured, refunds, pending, left, coverable;

	/* left: captured and not refunded; coverable: that and the captures
	 * the PSP has not answered yet */
	if (money_add(r->lines_amount, r->shipping_amount, &r->refund) != 0 ||
	    money_sub(r->refund, r->return_fee, &r->refund) != 0 ||
	    state_captured(st, REQUESTS_IN(REQUEST_SUCCEEDED), &captured) != 0 ||
	    state_requested(st, REQUEST_REFUND, REQUESTS_IN(REQUEST_PENDING) |
	    REQUESTS_IN(REQUEST_SUCCEEDED), &refunds) != 0 ||
	    state_requested(st, REQUEST_CAPTURE, REQUESTS_IN(REQUEST_PENDING), &pending) != 0 ||
	    money_sub(captured, refunds, &left) != 0 || money_add(left, pending, &coverable) != 0)
		return beyond(id->line, "return_id", digits, r, f->errs);
	if (r->refund < 0)
		r->refund = 0;   /* a fee never makes a refund negative */
	if (lifecycle_checked(f) != APPLY_OK || r->refund <= left)
		return APPLY_OK;
	money_format(r->refund, digits, money, sizeof money);
	money_format(left, digits, left_s, sizeof left_s);
	if (r->refund <= coverable) {
		/* a capture the PSP has not answered yet would cover it */
		errlist_add(f->a->defers, id->line, "return_id", ERR_CAPTURE_PENDING,
		    "the refund %s needs a capture not answered yet (captured and not "
		    "refunded: %s); the file waits for it", money, left_s);
		return APPLY_DEFERRED;
	}
	errlist_add(f->errs, id->line, "return_id", ERR_REFUND_EXCEEDS_CAPTURED,
	    "the refund %s exceeds what is captured and not yet refunded (%s)", money, left_s);
	return APPLY_REJECTED;
}

/* Writes the checked return: its lines, the shipping refunded, its
 * journal event, and its refund with the credit note.  The refund names
 * the capture that paid the shipment: the capture at checkout's reference
 * when that paid all of it, else the order's payment_reference. */
static int
record_return(struct apply_ctx *a, const struct record *rec, const struct order_state *st,
    const struct order_return *r)
{
	const char *order = st->order->order_number;
	const struct shipment *sh = state_shipment(st, r->shipment_id);
	const char *reference = sh != NULL && sh->amount > 0 && sh->prepaid == sh->amount ?
	    st->order->capture_reference : NULL;
	bool refund_shipping = rec->head[RH_refund_shipping].num != 0;
	char money[MONEY_SIZE], shipping[MONEY_SIZE];
	struct buf lines = { 0 };
	int ret = -1;

	money_format(r->refund, state_digits(st), money, sizeof money);
	if (ledger_return_insert(a->ledger, order, a->input_id, r) != 0)
		goto out;
	for (size_t i = 0; i < r->nlines; i++) {
		if (ledger_shipment_add_returned(a->ledger, r->shipment_id, r->lines[i].line_id,
		    r->lines[i].quantity) != 0)
			goto out;
		journal_line(&lines, r->lines[i].line_id, r->lines[i].quantity);
	}
	if ((r->shipping_amount > 0 || refund_shipping) &&
	    ledger_order_set_shipping_refunded(a->ledger, order) != 0)
		goto out;
	money_format(r->shipping_amount, state_digits(st), shipping, sizeof shipping);
	if (journal_event(a, order, "return_received",
	    "\"return_id\":\"%s\",\"shipment_id\":\"%s\",\"refund\":\"%s\",\"restock\":%s,"
	    "\"shipping\":\"%s\",\"refund_shipping\":%s,\"lines\":[%s]", r->return_id,
	    r->shipment_id, money, r->restock ? "true" : "false", shipping,
	    refund_shipping ? "true" : "false", buf_str(&lines)) != 0 ||
	    (r->refund > 0 && (lifecycle_request(a, st, REQUEST_REFUND, r->return_id, r->shipment_id,
	    r->return_id, r->refund, reference) != 0 ||
	    issue_credit_note(a, order, r->return_id) != 0)))
		goto out;
	ret = 0;
out:
	buf_free(&lines);
	return ret;
}

enum apply_result
apply_return(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	struct apply_frame f;
	struct shipment *sh = NULL;
	struct order_return r = { 0 };
	enum apply_result res = lifecycle_begin(&f, a, rec, RH_order_number, errs);

	if (res == APPLY_OK && state_archived(f.st, rec, RH_order_number, errs))
		res = APPLY_REJECTED;
	if (res == APPLY_OK)
		res = lifecycle_shipment(a, rec, RH_shipment_id, f.st, &sh, errs);
	if (res == APPLY_OK) {
		check_line_ids(rec, QL_line_id, errs);
		return_from_record(rec, sh, &r);
		res = return_lines(rec, f.st, sh, &r, errs);
	}
	if (res == APPLY_OK)
		res = return_shipping(rec, f.st, &r, errs);
	if (res == APPLY_OK)
		res = return_refund(&f, &r);
	if (res == APPLY_OK)
		res = lifecycle_checked(&f);
	if (res == APPLY_OK && record_return(a, rec, f.st, &r) != 0)
		res = APPLY_FAILED;
	free(r.lines);
	return lifecycle_end(&f, res);
}
