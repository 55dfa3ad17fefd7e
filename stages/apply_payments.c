/*
 * apply_payments: payment events from the PSP (CONTRACT 3.6).  An event
 * answers a capture, refund or release request (once, with the request's
 * type and amount), or adds authorization, spending a payment link when it
 * names one.  Settling then requests captures that waited for
 * authorization, and completes orders whose shipments are now paid.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/token.h"
#include "stages/issue.h"
#include "stages/lifecycle.h"
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

/* Checks the event against the request or link it names; errors added,
 * or the reason it must wait added to a->defers. */
static enum apply_result
check_event(struct apply_ctx *a, struct record *rec, const struct order_state *st,
    struct errlist *errs)
{
	const struct field_value *h = rec->head;
	const struct field_value *req = &h[PH_request_id];
	bool authorization = strcmp(h[PH_type].s, "authorization") == 0;
	char want[MONEY_SIZE];
	int64_t authorized;

	if (!resolve_token(a, rec, st, errs))
		return APPLY_REJECTED;

	if (strcmp(h[PH_currency].s, st->order->currency) != 0)
		errlist_add(errs, h[PH_currency].line, "currency", ERR_CURRENCY_MISMATCH,
		    "order %s is in %s, not %s", st->order->order_number, st->order->currency,
		    h[PH_currency].s);
	else if (authorization && strcmp(h[PH_status].s, "success") == 0 &&
	    money_add(st->order->authorized, h[PH_amount].num, &authorized) != 0)
		amount_too_large(errs, h[PH_amount].line, "amount", state_digits(st),
		    "the authorization of order %s with %s more is", st->order->order_number,
		    h[PH_amount].s);
	if (req->s == NULL) {
		if (!authorization)
			errlist_add(errs, h[PH_type].line, "request_id", ERR_MISSING_FIELD,
			    "a %s event names the request it answers in request_id", h[PH_type].s);
		return APPLY_OK;
	}
	if (authorization) {
		const struct payment_link *k = state_link(st, req->s);

		if (k == NULL)
			return unknown_target(a, rec, st, true, errs);
		money_format(k->amount, state_digits(st), want, sizeof want);
		if (k->status != LINK_OPEN)
			errlist_add(errs, req->line, "request_id", ERR_LINK_SPENT,
			    "payment link %s was paid by event %s", k->link_id, k->event_id);
		else if (h[PH_amount].num != k->amount)
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

/* Applies a checked event. */
static int
apply_event(const struct apply_frame *f)
{
	struct apply_ctx *a = f->a;
	const struct order_state *st = f->st;
	const struct field_value *h = f->rec->head;
	const char *order = st->order->order_number, *event = h[PH_event_id].s;
	const char *req = h[PH_request_id].s;
	bool success = strcmp(h[PH_status].s, "success") == 0;
	struct payment_event e = { event, h[PH_type].s, req, h[PH_status].s, h[PH_amount].num,
		h[PH_psp_reference].s, h[PH_occurred_at].s };
	char money[MONEY_SIZE];

	money_format(e.amount, state_digits(st), money, sizeof money);
	if (ledger_payment_event_insert(a->ledger, order, a->input_id, &e) != 0 ||
	    lifecycle_journal(a, order, success ? "payment_succeeded" : "payment_failed",
	    "\"event_id\":\"%s\",\"type\":\"%s\",\"request_id\":\"%s\",\"amount\":\"%s\"", event,
	    e.type, req != NULL ? req : "", money) != 0)
		return -1;
	if (strcmp(e.type, "authorization") == 0) {
		if (!success)
			return 0;
		if (ledger_order_add_authorized(a->ledger, order, e.amount) != 0)
			return -1;
		return req != NULL ? ledger_link_spend(a->ledger, req, event) : 0;
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
