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

/* The shipment a return names: APPLY_OK, or deferred while unknown, or
 * rejected when it is another order's. */
static enum apply_result
find_shipment(struct apply_ctx *a, const struct record *rec, const struct order_state *st,
    struct shipment **sh, struct errlist *errs)
{
	const struct field_value *id = &rec->head[RH_shipment_id];
	char *other = NULL;
	int found;

	if ((*sh = state_shipment(st, id->s)) != NULL)
		return APPLY_OK;
	found = ledger_record_order(a->ledger, "shipments", id->s, &other);
	if (found < 0)
		return APPLY_FAILED;
	if (found) {
		errlist_add(errs, id->line, "shipment_id", ERR_WRONG_ORDER,
		    "shipment %s belongs to order %s, not %s", id->s, other, st->order->order_number);
		free(other);
		return APPLY_REJECTED;
	}
	errlist_add(a->defers, id->line, "shipment_id", ERR_SHIPMENT_UNKNOWN,
	    "shipment %s is not known yet; the file waits for it", id->s);
	return APPLY_DEFERRED;
}

/* Rejects a return whose refund would go beyond MONEY_MAX. */
static enum apply_result
beyond(long line, const char *field, int digits, const struct order_return *r,
    struct errlist *errs)
{
	amount_too_large(errs, line, field, digits, "the refund of return %s is", r->return_id);
	return APPLY_REJECTED;
}

enum apply_result
apply_return(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	const struct field_value *h = rec->head;
	struct order_state *st = NULL;
	struct shipment *sh;
	struct order_return r = { 0 };
	size_t before = errlist_total(errs);
	char sha[SHA256_HEX], money[MONEY_SIZE], captured_s[MONEY_SIZE], shipping[MONEY_SIZE];
	struct buf lines = { 0 };
	int64_t captured, refunds, pending, left, coverable;
	enum apply_result res;
	int digits;

	if ((res = lifecycle_begin(a, rec, RH_order_number, &st, sha, errs)) != APPLY_OK)
		goto out;
	if (state_archived(st, rec, RH_order_number, errs)) {
		res = APPLY_REJECTED;
		goto out;
	}
	if ((res = find_shipment(a, rec, st, &sh, errs)) != APPLY_OK)
		goto out;
	res = APPLY_FAILED;
	digits = state_digits(st);
	check_line_ids(rec, QL_line_id, errs);
	r.return_id = h[RH_return_id].s;
	r.shipment_id = sh->shipment_id;
	r.reason = h[RH_reason].s;
	r.restock = h[RH_restock].num != 0;
	r.return_fee = h[RH_return_fee].num;
	r.lines = xcalloc(rec->nlines ? rec->nlines : 1, sizeof *r.lines);
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
		r.lines[r.nlines] = (struct return_line){ sl->line_id, q, 0, 0 };
		if (money_sub(part_of(sl->amount, sl->returned + q, sl->quantity),
		    part_of(sl->amount, sl->returned, sl->quantity), &r.lines[r.nlines].amount) != 0 ||
		    money_sub(part_of(sl->vat, sl->returned + q, sl->quantity),
		    part_of(sl->vat, sl->returned, sl->quantity), &r.lines[r.nlines].vat) != 0 ||
		    money_add(r.lines_amount, r.lines[r.nlines].amount, &r.lines_amount) != 0 ||
		    money_add(r.lines_vat, r.lines[r.nlines].vat, &r.lines_vat) != 0) {
			res = beyond(v[QL_quantity].line, "quantity", digits, &r, errs);
			goto out;
		}
		r.nlines++;
	}
	if (h[RH_refund_shipping].num != 0) {
		if (st->shipping_refunded)
			errlist_add(errs, h[RH_refund_shipping].line, "refund_shipping",
			    ERR_SHIPPING_ALREADY_REFUNDED, "the shipping of order %s was refunded before",
			    st->order->order_number);
		for (size_t i = 0; i < st->nshipments; i++)
			if (money_add(r.shipping_amount, st->shipments[i].shipping_amount,
			    &r.shipping_amount) != 0) {
				res = beyond(h[RH_refund_shipping].line, "refund_shipping", digits, &r, errs);
				goto out;
			}
	}
	/* left: captured and not refunded; coverable: that and the captures
	 * the PSP has not answered yet */
	if (money_add(r.lines_amount, r.shipping_amount, &r.refund) != 0 ||
	    money_sub(r.refund, r.return_fee, &r.refund) != 0 ||
	    state_requested(st, "capture", REQUESTS_IN(REQUEST_SUCCEEDED), &captured) != 0 ||
	    state_requested(st, "refund", REQUESTS_IN(REQUEST_PENDING) |
	    REQUESTS_IN(REQUEST_SUCCEEDED), &refunds) != 0 ||
	    state_requested(st, "capture", REQUESTS_IN(REQUEST_PENDING), &pending) != 0 ||
	    money_sub(captured, refunds, &left) != 0 || money_add(left, pending, &coverable) != 0) {
		res = beyond(h[RH_return_id].line, "return_id", digits, &r, errs);
		goto out;
	}
	if (r.refund < 0)
		r.refund = 0;   /* a fee never makes a refund negative */
	if (errlist_total(errs) == before && r.refund > left) {
		money_format(r.refund, digits, money, sizeof money);
		money_format(left, digits, captured_s, sizeof captured_s);
		if (r.refund <= coverable) {
			/* a capture the PSP has not answered yet would cover it */
			errlist_add(a->defers, h[RH_return_id].line, "return_id", ERR_CAPTURE_PENDING,
			    "the refund %s needs a capture not answered yet (captured and not "
			    "refunded: %s); the file waits for it", money, captured_s);
			res = APPLY_DEFERRED;
			goto out;
		}
		errlist_add(errs, h[RH_return_id].line, "return_id", ERR_REFUND_EXCEEDS_CAPTURED,
		    "the refund %s exceeds what is captured and not yet refunded (%s)", money,
		    captured_s);
	}
	if (errlist_total(errs) != before) {
		res = APPLY_REJECTED;
		goto out;
	}

	money_format(r.refund, digits, money, sizeof money);
	if (ledger_return_insert(a->ledger, st->order->order_number, a->input_id, &r) != 0)
		goto out;
	for (size_t i = 0; i < r.nlines; i++) {
		if (ledger_shipment_add_returned(a->ledger, sh->shipment_id, r.lines[i].line_id,
		    r.lines[i].quantity) != 0)
			goto out;
		journal_line(&lines, r.lines[i].line_id, r.lines[i].quantity);
	}
	if ((r.shipping_amount > 0 || h[RH_refund_shipping].num != 0) &&
	    ledger_order_set_shipping_refunded(a->ledger, st->order->order_number) != 0)
		goto out;
	money_format(r.shipping_amount, digits, shipping, sizeof shipping);
	if (lifecycle_journal(a, st->order->order_number, "return_received",
	    "\"return_id\":\"%s\",\"shipment_id\":\"%s\",\"refund\":\"%s\",\"restock\":%s,"
	    "\"shipping\":\"%s\",\"refund_shipping\":%s,\"lines\":[%s]", r.return_id,
	    sh->shipment_id, money, r.restock ? "true" : "false", shipping,
	    h[RH_refund_shipping].num != 0 ? "true" : "false", buf_str(&lines)) != 0 ||
	    (r.refund > 0 && (lifecycle_request(a, st, "refund", r.return_id, sh->shipment_id,
	    r.return_id, r.refund) != 0 ||
	    issue_credit_note(a, st->order->order_number, r.return_id) != 0)) ||
	    lifecycle_remember(a, rec, st->order->order_number, sha) != 0 ||
	    lifecycle_settle(a, st->order->order_number) != 0)
		goto out;
	res = APPLY_OK;
out:
	free(r.lines);
	buf_free(&lines);
	order_state_free(st);
	return res;
}
