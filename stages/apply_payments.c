/* SPDX-License-Identifier: ISC */
/*
 * apply_payments: payment events from the PSP (CONTRACT 3.6).  An event
 * answers a capture, refund or release request (once, with the request's
 * type and amount), or adds authorization, spending a payment link when it
 * names one that can be paid (open, not expired, for exactly its amount).
 * Money authorized on a link that can no longer be paid, or for an order
 * that has ended, pays nothing: it is recorded and released at once.  Settling then renews the order's link
 * when its due changed, requests captures that waited for authorization,
 * and completes orders whose shipments are now paid.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/token.h"
#include "stages/issue.h"
#include "stages/lifecycle.h"
#include "stages/links.h"
#include "base/money.h"

/* A request_id that is a payment link's token names that link once the
 * token verifies: the record then names the link by its id. */
static bool
resolve_token(struct apply_ctx *a, struct record *rec, const struct order_state *st,
    struct errlist *errs)
{
	const struct field_value *req = &rec->head[PH_request_id];
	struct link_claim c;

	if (req->s == NULL || !token_like(req->s))
		return true;
	if (a->secret->len == 0) {
		/* sluice check without the secret (run never starts without it) */
		errlist_add(errs, req->line, "request_id", ERR_INVALID_TOKEN,
		    "the payment link token in request_id cannot be checked here: the link secret "
		    "could not be read");
		return false;
	}
	if (!token_verify(a->secret, req->s, &c)) {
		errlist_add(errs, req->line, "request_id", ERR_INVALID_TOKEN,
		    "the payment link token in request_id was not issued by this spool, or was "
		    "altered");
		return false;
	}
	if (strcmp(c.order_number, st->order->order_number) != 0) {
		errlist_add(errs, req->line, "request_id", ERR_WRONG_ORDER,
		    "the payment link token in request_id is for a link of order %s, not %s",
		    c.order_number, st->order->order_number);
		return false;
	}
	if (strcmp(c.currency, st->order->currency) != 0) {
		errlist_add(errs, req->line, "request_id", ERR_INVALID_TOKEN,
		    "the payment link token in request_id is for an amount in %s; order %s is in %s",
		    c.currency, st->order->order_number, st->order->currency);
		return false;
	}
	record_set_head(rec, PH_request_id, c.link_id, strlen(c.link_id), req->line);
	return true;
}

/* A request_id that this order has neither as a link (for an authorization)
 * nor as a request (for an answer): a request_mismatch when the order has it
 * as the other thing, wrong_order when another order has it, else the event
 * waits for it (deferred).  Returns what became of the record. */
static enum apply_result
unknown_target(struct apply_ctx *a, const struct record *rec, const struct order_state *st,
    bool authorization, struct errlist *errs)
{
	const struct field_value *req = &rec->head[PH_request_id];
	const char *order = st->order->order_number;
	const struct payment_request *r = authorization ? state_request(st, req->s) : NULL;
	char *other = NULL;
	int found;

	if (r != NULL) {
		errlist_add(errs, rec->head[PH_type].line, "type", ERR_REQUEST_MISMATCH,
		    "%s is a %s request of order %s, not a payment link that an authorization "
		    "pays", r->request_id, request_type_name(r->type), order);
		return APPLY_REJECTED;
	}
	if (!authorization && state_link(st, req->s) != NULL) {
		errlist_add(errs, rec->head[PH_type].line, "type", ERR_REQUEST_MISMATCH,
		    "%s is a payment link of order %s, which an authorization pays, not a %s",
		    req->s, order, rec->head[PH_type].s);
		return APPLY_REJECTED;
	}
	found = ledger_payment_target_order(a->ledger, req->s, &other);
	if (found < 0)
		return APPLY_FAILED;
	if (found) {
		errlist_add(errs, req->line, "request_id", ERR_WRONG_ORDER,
		    "%s belongs to order %s, not %s", req->s, other, order);
		free(other);
		return APPLY_REJECTED;
	}
	errlist_add(a->defers, req->line, "request_id", ERR_REQUEST_UNKNOWN,
	    "%s %s of order %s is not known yet", authorization ? "payment link" : "request",
	    req->s, order);
	return APPLY_DEFERRED;
}

/* When the event happened: its occurred_at, else when it was received
 * (ns since the epoch; an occurred_at beyond what that holds is clamped). */
static int64_t
event_time(const struct apply_ctx *a, const struct field_value *h)
{
	const struct field_value *at = &h[PH_occurred_at];

	if (at->s == NULL)
		return a->received_ns;
	if (at->num >= INT64_MAX / 1000000000)
		return INT64_MAX;
	if (at->num <= INT64_MIN / 1000000000)
		return INT64_MIN;
	return at->num * 1000000000;
}

/* Whether an authorization counts: money on an order that has ended
 * (completed or cancelled: its own release was made once), or on a link
 * that can no longer be paid, pays nothing. */
static bool
authorization_counts(const struct apply_ctx *a, const struct order_state *st,
    const struct field_value *h, const struct payment_link *k)
{
	enum order_status s = st->order->status;

	return s != ORDER_COMPLETED && s != ORDER_CANCELLED &&
	    (k == NULL || link_live(k, event_time(a, h)));
}

/* Money authorized that pays nothing is released at once, as
 * REL-<event_id>: a name no other release request
 * has, nor will have (no order has the event's id as its number).  APPLY_OK,
 * APPLY_REJECTED (error added) or APPLY_FAILED. */
static enum apply_result
check_release(struct apply_ctx *a, const struct record *rec, struct errlist *errs)
{
	const struct field_value *id = &rec->head[PH_event_id];
	char *rel, *owner = NULL, sha[SHA256_HEX];
	int64_t input;
	int taken, order;

	if (strcmp(rec->head[PH_status].s, "success") != 0)
		return APPLY_OK;   /* no money: nothing to release */
	rel = xasprintf("REL-%s", id->s);
	taken = ledger_payment_target_order(a->ledger, rel, &owner);
	order = taken == 0 ? ledger_order_identity(a->ledger, id->s, &input, sha) : 0;
	if (taken > 0)
		errlist_add(errs, id->line, "event_id", ERR_REQUEST_ID_TAKEN,
		    "the money of event %s, which pays nothing, would be released as %s, the name "
		    "of a release request of order %s", id->s, rel, owner);
	else if (order > 0)
		errlist_add(errs, id->line, "event_id", ERR_REQUEST_ID_TAKEN,
		    "the money of event %s, which pays nothing, would be released as %s, the name "
		    "of order %s's own release request", id->s, rel, id->s);
	free(owner);
	free(rel);
	return taken < 0 || order < 0 ? APPLY_FAILED : APPLY_OK;
}

/* Checks the event against the request or link it names; errors added,
 * or the reason it must wait added to a->defers. */
static enum apply_result
check_event(struct apply_ctx *a, struct record *rec, const struct order_state *st,
    struct errlist *errs)
{
	const struct field_value *h = rec->head;
	const struct field_value *req = &h[PH_request_id];
	bool authorization = strcmp(h[PH_type].s, "authorization") == 0, counts;
	const struct payment_link *k;
	char want[MONEY_SIZE];
	int64_t authorized;

	if (!resolve_token(a, rec, st, errs))
		return APPLY_REJECTED;
	k = authorization && req->s != NULL ? state_link(st, req->s) : NULL;
	counts = authorization && authorization_counts(a, st, h, k);
	if (strcmp(h[PH_currency].s, st->order->currency) != 0)
		errlist_add(errs, h[PH_currency].line, "currency", ERR_CURRENCY_MISMATCH,
		    "order %s is in %s, not %s", st->order->order_number, st->order->currency,
		    h[PH_currency].s);
	else if (counts && strcmp(h[PH_status].s, "success") == 0 &&
	    money_add(st->order->authorized, h[PH_amount].num, &authorized) != 0)
		amount_too_large(errs, h[PH_amount].line, "amount", state_digits(st),
		    "the authorization of order %s with %s more is", st->order->order_number,
		    h[PH_amount].s);
	if (req->s == NULL) {
		if (!authorization)
			errlist_add(errs, h[PH_type].line, "request_id", ERR_MISSING_FIELD,
			    "a %s event names the request it answers in request_id", h[PH_type].s);
		return authorization && !counts ? check_release(a, rec, errs) : APPLY_OK;
	}
	if (authorization) {
		if (k == NULL)
			return unknown_target(a, rec, st, true, errs);
		if (!counts)
			return check_release(a, rec, errs);
		money_format(k->amount, state_digits(st), want, sizeof want);
		if (h[PH_amount].num != k->amount)
			errlist_add(errs, h[PH_amount].line, "amount", ERR_REQUEST_MISMATCH,
			    "payment link %s is for %s, not %s", k->link_id, want, h[PH_amount].s);
		return APPLY_OK;
	}
	const struct payment_request *r = state_request(st, req->s);

	if (r == NULL)
		return unknown_target(a, rec, st, false, errs);
	money_format(r->amount, state_digits(st), want, sizeof want);
	if (strcmp(request_type_name(r->type), h[PH_type].s) != 0)
		errlist_add(errs, h[PH_type].line, "type", ERR_REQUEST_MISMATCH,
		    "request %s is a %s request, not a %s", r->request_id,
		    request_type_name(r->type), h[PH_type].s);
	else if (r->amount != h[PH_amount].num)
		errlist_add(errs, h[PH_amount].line, "amount", ERR_REQUEST_MISMATCH,
		    "request %s is for %s, not %s", r->request_id, want, h[PH_amount].s);
	if (r->status != REQUEST_PENDING)
		errlist_add(errs, req->line, "request_id", ERR_REQUEST_ANSWERED,
		    "request %s was answered by event %s (%s)", r->request_id, r->event_id,
		    request_status_name(r->status));
	return APPLY_OK;
}

/* An authorization that names a link spends it when it counts and
 * succeeded; a link still open that it finds expired has expired. */
static int
settle_link(struct apply_ctx *a, const struct order_state *st, const struct payment_event *e,
    bool success, const struct payment_link *k, int64_t at)
{
	if (e->applied)
		return success ? ledger_link_set_status(a->ledger, k->link_id, LINK_SPENT, e->event_id) :
		    0;
	if (k->status != LINK_OPEN || link_live(k, at))
		return 0;
	return ledger_link_set_status(a->ledger, k->link_id, LINK_EXPIRED, e->event_id) != 0 ||
	    journal_event(a, st->order->order_number, "link_expired",
	    "\"link_id\":\"%s\",\"event_id\":\"%s\"", k->link_id, e->event_id) != 0 ? -1 : 0;
}

/* Adds a successful authorization to the order; the first one with a PSP
 * reference gives an order that has none its payment reference. */
static int
add_authorization(struct apply_ctx *a, const struct order *o, const struct payment_event *e)
{
	if (ledger_order_add_authorized(a->ledger, o->order_number, e->amount) != 0)
		return -1;
	if (e->psp_reference == NULL || (o->payment_reference != NULL && *o->payment_reference))
		return 0;
	return ledger_order_set_payment_reference(a->ledger, o->order_number, e->psp_reference);
}

/* Applies a checked event. */
static int
apply_event(struct apply_frame *f)
{
	struct apply_ctx *a = f->a;
	const struct order_state *st = f->st;
	const struct field_value *h = f->rec->head;
	const char *order = st->order->order_number, *event = h[PH_event_id].s;
	const char *req = h[PH_request_id].s;
	bool success = strcmp(h[PH_status].s, "success") == 0;
	bool authorization = strcmp(h[PH_type].s, "authorization") == 0;
	const struct payment_link *k = authorization && req != NULL ? state_link(st, req) : NULL;
	struct payment_event e = { event, h[PH_type].s, req, h[PH_status].s, h[PH_amount].num,
		h[PH_psp_reference].s, h[PH_occurred_at].s, true };
	char money[MONEY_SIZE];

	e.applied = !authorization || authorization_counts(a, st, h, k);
	money_format(e.amount, state_digits(st), money, sizeof money);
	if (ledger_payment_event_insert(a->ledger, order, a->input_id, &e) != 0 ||
	    journal_event(a, order, success ? "payment_succeeded" : "payment_failed",
	    "\"event_id\":\"%s\",\"type\":\"%s\",\"request_id\":\"%s\",\"amount\":\"%s\","
	    "\"applied\":%s", event, e.type, req != NULL ? req : "", money,
	    e.applied ? "true" : "false") != 0)
		return -1;
	if (authorization) {
		if (k != NULL && settle_link(a, st, &e, success, k, event_time(a, h)) != 0)
			return -1;
		if (!success)
			return 0;
		/* money that pays nothing is released at once */
		return e.applied ? add_authorization(a, st->order, &e) :
		    lifecycle_request(a, st, REQUEST_RELEASE, e.event_id, NULL, NULL, e.amount,
		    e.psp_reference);
	}
	if (ledger_request_answer(a->ledger, req, success ? REQUEST_SUCCEEDED : REQUEST_FAILED,
	    event) != 0)
		return -1;
	if (strcmp(e.type, "capture") == 0) {
		const struct payment_request *r = state_request(st, req);

		/* a failed capture leaves the shipment unpaid: not to be shipped */
		if (ledger_shipment_set_capture(a->ledger, r->shipment_id,
		    success ? CAPTURE_CAPTURED : CAPTURE_FAILED) != 0)
			return -1;
		if (success && a->conf->invoice_on == INVOICE_ON_CAPTURE)
			return issue_invoice(a, order, r->shipment_id,
			    e.occurred_at != NULL ? e.occurred_at : a->received_at);
	}
	return 0;
}

/* The checks of an event: APPLY_OK, or what else it comes to. */
static enum apply_result
check_payment(const struct apply_frame *f)
{
	enum apply_result res = state_archived(f->st, f->rec, PH_order_number, f->errs) ?
	    APPLY_REJECTED : check_event(f->a, f->rec, f->st, f->errs);

	/* an error found, whatever else the checks came to, rejects it */
	return lifecycle_checked(f) != APPLY_OK ? APPLY_REJECTED : res;
}

enum apply_result
apply_payment(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	return lifecycle_apply(a, rec, PH_order_number, errs, check_payment, apply_event);
}
