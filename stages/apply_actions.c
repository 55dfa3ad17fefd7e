/* SPDX-License-Identifier: ISC */
/*
 * apply_actions: what an operator or ERP asks of an order (CONTRACT 3.8).
 * `archive` archives a completed or cancelled order whose payment business
 * is over (the rule of lifecycle_archive_refused(), which `sluice order
 * archive` follows too).  `capture` sends the PSP what of the order's
 * captures (or of one shipment's) it has not had: the file of a capture
 * recorded without one (capture_on = manual), and a capture that failed,
 * requested again as a new request when the authorization covers it; one
 * it does not cover waits for authorization like a new shipment's capture.
 */
#include "config.h"

#include <string.h>

#include "base/money.h"
#include "stages/issue.h"
#include "stages/lifecycle.h"

/* The checks of a capture action. */
static enum apply_result
check_capture(const struct apply_frame *f)
{
	const struct field_value *h = f->rec->head;
	const struct order *o = f->st->order;
	struct shipment *named = NULL;
	enum apply_result res;
	size_t n = 0;

	if (state_closed(f->st)) {
		errlist_add(f->errs, h[XH_order_number].line, "order_number", ERR_ORDER_CLOSED,
		    "order %s is %s; nothing of it is captured any more", o->order_number,
		    order_status_name(o->status));
		return APPLY_REJECTED;
	}
	if (o->hold) {
		errlist_add(f->errs, h[XH_order_number].line, "order_number", ERR_ORDER_ON_HOLD,
		    "order %s is on hold; it gets no capture until the hold is lifted",
		    o->order_number);
		return APPLY_REJECTED;
	}
	if (h[XH_shipment_id].s != NULL &&
	    (res = lifecycle_shipment(f->a, f->rec, XH_shipment_id, f->st, &named, f->errs)) !=
	    APPLY_OK)
		return res;
	for (size_t i = 0; i < f->st->nshipments; i++)
		if ((named == NULL || named == &f->st->shipments[i]) &&
		    state_to_capture(f->st, &f->st->shipments[i]) != TO_CAPTURE_NONE)
			n++;
	if (n > 0)
		return APPLY_OK;
	if (named != NULL)
		errlist_add(f->errs, h[XH_shipment_id].line, "shipment_id", ERR_NOTHING_TO_CAPTURE,
		    "the capture of shipment %s is %s: it was sent to the PSP and not failed, or "
		    "there is nothing to send yet", named->shipment_id, capture_state_name(named->capture));
	else
		errlist_add(f->errs, h[XH_action].line, "action", ERR_NOTHING_TO_CAPTURE,
		    "order %s has no shipment whose capture was not sent to the PSP or failed",
		    o->order_number);
	return APPLY_REJECTED;
}

/* The checks of an action: APPLY_OK, or what else it comes to. */
static enum apply_result
check_action(const struct apply_frame *f)
{
	const struct field_value *h = f->rec->head;

	if (strcmp(h[XH_action].s, "capture") == 0)
		return check_capture(f);
	if (h[XH_shipment_id].s != NULL)
		errlist_add(f->errs, h[XH_shipment_id].line, "shipment_id", ERR_INVALID_VALUE,
		    "an archive action names no shipment: it archives the whole order");
	lifecycle_archive_refused(f->st, h[XH_order_number].line, f->errs);
	return lifecycle_checked(f);
}

/* Sends the PSP the captures a checked capture action asks for: an unsent
 * request's file, and a failed capture again while the authorization
 * covers captured plus requested; a failed one it does not cover waits. */
static int
capture(struct apply_frame *f)
{
	struct apply_ctx *a = f->a;
	const struct order_state *st = f->st;
	const char *shipment = f->rec->head[XH_shipment_id].s;
	int64_t committed, next;

	if (state_captured(st, REQUESTS_IN(REQUEST_PENDING) | REQUESTS_IN(REQUEST_SUCCEEDED),
	    &committed) != 0)
		return totals_beyond(st->order);
	for (size_t i = 0; i < st->nshipments; i++) {
		const struct shipment *sh = &st->shipments[i];

		if (shipment != NULL && strcmp(sh->shipment_id, shipment) != 0)
			continue;
		switch (state_to_capture(st, sh)) {
		case TO_CAPTURE_UNSENT:
			if (issue_request(a, st->order->order_number, state_latest_capture(st, sh)) != 0)
				return -1;
			break;
		case TO_CAPTURE_FAILED:
			if (money_add(committed, shipment_to_capture(sh), &next) == 0 &&
			    next <= st->order->authorized) {
				if (lifecycle_capture(a, st, sh, true) != 0)
					return -1;
				committed = next;
			} else if (ledger_shipment_set_capture(a->ledger, sh->shipment_id,
			    CAPTURE_WAITING) != 0 ||
			    journal_event(a, st->order->order_number, "capture_waiting",
			    "\"shipment_id\":\"%s\"", sh->shipment_id) != 0)
				return -1;
			break;
		case TO_CAPTURE_NONE:
			break;
		}
	}
	return 0;
}

/* Applies a checked action. */
static int
act(struct apply_frame *f)
{
	if (strcmp(f->rec->head[XH_action].s, "capture") == 0)
		return capture(f);
	f->settle = false;   /* an archived order has nothing to settle */
	return lifecycle_set_status(f->a, f->st, ORDER_ARCHIVED);
}

enum apply_result
apply_action(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	return lifecycle_apply(a, rec, XH_order_number, errs, check_action, act);
}
