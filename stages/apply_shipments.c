/* SPDX-License-Identifier: ISC */
/*
 * apply_shipments: shipments created, or updated (CONTRACT 3.4).  A new
 * shipment takes open units of confirmed or processing orders that are
 * not on hold, is charged its lines' parts (allocated cumulatively, so the
 * parts of a line add up to it) plus the shipping on the order's first
 * shipment.  What the order's capture at checkout has not paid yet pays
 * for it first; a shipment paid so in full is captured (and invoiced) when
 * it is created, and the capture of the rest waits to be requested when
 * the authorization covers it.  A new shipment of an order awaiting payment
 * waits (deferred) until the order's payment link is paid.  The same
 * shipment_id again with the same lines may set shipped, shipped_at,
 * carrier, service and tracking.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger/ledger.h"
#include "stages/identity.h"
#include "stages/issue.h"
#include "stages/lifecycle.h"
#include "stages/links.h"
#include "base/money.h"
#include "stages/totals.h"

static int
cmp_lines(const void *a, const void *b)
{
	int64_t x = ((const int64_t *)a)[0], y = ((const int64_t *)b)[0];

	return x < y ? -1 : x > y;
}

/* The digest of what a shipment may never change: its order and lines
 * (as a set, whatever their order in the file). */
static void
lines_digest(struct apply_ctx *a, const struct record *rec, char sha[SHA256_HEX])
{
	int64_t *pairs = xreallocarray(NULL, rec->nlines ? rec->nlines * 2 : 1, sizeof *pairs);

	for (size_t i = 0; i < rec->nlines; i++) {
		pairs[2 * i] = record_line(rec, i)[QL_line_id].num;
		pairs[2 * i + 1] = record_line(rec, i)[QL_quantity].num;
	}
	if (rec->nlines > 1)
		qsort(pairs, rec->nlines, 2 * sizeof *pairs, cmp_lines);
	buf_reset(a->scratch);
	buf_puts(a->scratch, rec->head[SH_order_number].s);
	for (size_t i = 0; i < rec->nlines; i++)
		buf_printf(a->scratch, "\x1f%lld=%lld", (long long)pairs[2 * i],
		    (long long)pairs[2 * i + 1]);
	sha256_reset(a->hash);
	sha256_update(a->hash, a->scratch->data, a->scratch->len);
	sha256_final(a->hash, sha);
	free(pairs);
}

/* Points *field (of a loaded shipment) at the file's value when it gives
 * another one; true if it changed.  The value is the record's, which
 * outlives the shipment. */
static bool
take(const char **field, const struct field_value *v)
{
	if (v->s == NULL || (*field != NULL && strcmp(*field, v->s) == 0))
		return false;
	*field = v->s;
	return true;
}

static enum apply_result
update_shipment(struct apply_ctx *a, struct record *rec, const char *order_number,
    const char *lines_sha, struct errlist *errs)
{
	const struct field_value *h = rec->head;
	struct order_state *st;
	struct shipment *sh;
	enum apply_result res = APPLY_FAILED;
	bool changed = false, shipped_now = false;

	if (ledger_order_state(a->ledger, order_number, &st) != 1)
		return APPLY_FAILED;
	sh = state_shipment(st, h[SH_shipment_id].s);
	if (sh == NULL) {
		order_state_free(st);
		return APPLY_FAILED;
	}
	if (strcmp(order_number, h[SH_order_number].s) != 0 || strcmp(sh->lines_sha256, lines_sha) != 0) {
		errlist_add(errs, h[SH_shipment_id].line, "shipment_id", ERR_SHIPMENT_CONFLICT,
		    "shipment %s exists with other %s; only shipped, shipped_at, carrier, service "
		    "and tracking can change", sh->shipment_id,
		    strcmp(order_number, h[SH_order_number].s) != 0 ? "order" : "lines");
		res = APPLY_REJECTED;
		goto out;
	}
	changed |= take(&sh->carrier, &h[SH_carrier]);
	changed |= take(&sh->service, &h[SH_service]);
	changed |= take(&sh->tracking, &h[SH_tracking]);
	changed |= take(&sh->shipped_at, &h[SH_shipped_at]);
	if (h[SH_shipped].num != 0 && !sh->shipped) {
		sh->shipped = shipped_now = changed = true;
	}
	if (!changed) {
		res = APPLY_DUPLICATE;
		goto out;
	}
	if (state_archived(st, rec, SH_order_number, errs)) {
		res = APPLY_REJECTED;
		goto out;
	}
	if (ledger_shipment_update(a->ledger, sh) != 0 ||
	    journal_event(a, order_number, shipped_now ? "shipment_shipped" : "shipment_updated",
	    "\"shipment_id\":\"%s\"", sh->shipment_id) != 0 ||
	    lifecycle_settle(a, order_number, NULL, false) != 0)
		goto out;
	res = APPLY_OK;
out:
	order_state_free(st);
	return res;
}

/* Checks a new shipment's lines against the order; errors added. */
static void
check_new(const struct record *rec, const struct order_state *st, struct errlist *errs)
{
	const struct field_value *h = rec->head;
	const struct order *o = st->order;

	if (!state_shippable(st))
		errlist_add(errs, h[SH_order_number].line, "order_number", ERR_ORDER_NOT_SHIPPABLE,
		    "order %s is %s%s; shipments are for confirmed or processing orders not on hold",
		    o->order_number, order_status_name(o->status), o->hold ? " and on hold" : "");
	check_open_lines(rec, st, "shipped", errs);
}

/* Rejects a shipment whose amount would go beyond MONEY_MAX. */
static enum apply_result
beyond(const struct record *rec, long line, const char *field, const struct order_state *st,
    struct errlist *errs)
{
	amount_too_large(errs, line, field, state_digits(st), "the amount of shipment %s is",
	    rec->head[SH_shipment_id].s);
	return APPLY_REJECTED;
}

/* Starts the shipment the record gives (borrowing its strings), with room
 * for its lines. */
static void
shipment_from_record(struct apply_ctx *a, const struct record *rec, const struct order_state *st,
    const char *lines_sha, struct shipment *sh)
{
	const struct field_value *h = rec->head;

	*sh = (struct shipment){ .shipment_id = h[SH_shipment_id].s,
		.seq = (int64_t)st->nshipments + 1, .input_id = a->input_id,
		.lines_sha256 = lines_sha, .carrier = h[SH_carrier].s, .service = h[SH_service].s,
		.tracking = h[SH_tracking].s, .shipped = h[SH_shipped].num != 0,
		.shipped_at = h[SH_shipped_at].s,
		.nlines = rec->nlines, .lines = xcalloc(rec->nlines, sizeof *sh->lines) };
}

/* Charges the shipment its lines' parts, and the shipping when it is the
 * order's first. */
static enum apply_result
charge(const struct record *rec, const struct order_state *st, struct shipment *sh,
    struct errlist *errs)
{
	struct order_totals t;

	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);
		const struct order_line *ln = state_line(st, v[QL_line_id].num);
		struct shipment_line *sl = &sh->lines[i];
		struct line_totals lt;
		int64_t from = ln->shipped, to = ln->shipped + v[QL_quantity].num;

		/* shipped units are the first ones of the line: this shipment
		 * is charged units from+1 .. to */
		sl->line_id = ln->line_id;
		sl->quantity = v[QL_quantity].num;
		sl->first_unit = from;
		if (totals_line(ln, st->order->prices_include_vat, &lt) != 0 ||
		    money_sub(part_of(lt.full_total, to, ln->quantity),
		    part_of(lt.full_total, from, ln->quantity), &sl->amount) != 0 ||
		    money_sub(part_of(lt.full_vat, to, ln->quantity),
		    part_of(lt.full_vat, from, ln->quantity), &sl->vat) != 0 ||
		    money_add(sh->amount, sl->amount, &sh->amount) != 0 ||
		    money_add(sh->vat, sl->vat, &sh->vat) != 0)
			return beyond(rec, v[QL_quantity].line, "quantity", st, errs);
	}
	if (st->nshipments > 0)
		return APPLY_OK;
	/* shipping is charged on the order's first shipment */
	if (totals_order(st->order, &t) != 0 ||
	    money_add(sh->amount, t.shipping_total, &sh->amount) != 0 ||
	    money_add(sh->vat, t.shipping_vat, &sh->vat) != 0)
		return beyond(rec, rec->head[SH_order_number].line, "order_number", st, errs);
	sh->shipping_amount = t.shipping_total;
	return APPLY_OK;
}

/* Pays the charged shipment what it can of the order's capture at
 * checkout, and says what remains of its capture: nothing to capture,
 * captured (paid in full at checkout), or waiting. */
static enum apply_result
pay_from_checkout(const struct record *rec, const struct order_state *st, struct shipment *sh,
    struct errlist *errs)
{
	int64_t left;

	if (state_checkout_left(st, &left) != 0)
		return beyond(rec, rec->head[SH_order_number].line, "order_number", st, errs);
	sh->prepaid = left < sh->amount ? (left > 0 ? left : 0) : sh->amount;
	sh->capture = sh->amount == 0 ? CAPTURE_NONE :
	    sh->prepaid == sh->amount ? CAPTURE_CAPTURED : CAPTURE_WAITING;
	return APPLY_OK;
}

/* Writes the charged shipment: its units shipped, its journal event, its
 * proforma, and its invoice when invoices are made on shipment, or on
 * capture and the capture at checkout paid it. */
static int
record_shipment(struct apply_ctx *a, const struct order_state *st, const struct shipment *sh)
{
	const char *order = st->order->order_number;
	char money[MONEY_SIZE], prepaid[MONEY_SIZE];
	struct buf lines = { 0 };
	bool invoice = a->conf->invoice_on == INVOICE_ON_SHIPMENT ||
	    (sh->capture == CAPTURE_CAPTURED && sh->amount > 0);
	int ret = -1;

	money_format(sh->amount, state_digits(st), money, sizeof money);
	money_format(sh->prepaid, state_digits(st), prepaid, sizeof prepaid);
	if (ledger_shipment_insert(a->ledger, order, sh) != 0)
		goto out;
	for (size_t i = 0; i < sh->nlines; i++) {
		if (ledger_line_add_shipped(a->ledger, order, sh->lines[i].line_id,
		    sh->lines[i].quantity) != 0)
			goto out;
		journal_line(&lines, sh->lines[i].line_id, sh->lines[i].quantity);
	}
	if (ledger_shipment_set_delivery(a->ledger, sh->shipment_id, &st->order->delivery) != 0 ||
	    journal_event(a, order, "shipment_created",
	    "\"shipment_id\":\"%s\",\"amount\":\"%s\",\"prepaid\":\"%s\",\"shipped\":%s,"
	    "\"lines\":[%s]", sh->shipment_id, money, prepaid, sh->shipped ? "true" : "false",
	    buf_str(&lines)) != 0 ||
	    issue_proforma(a, order, sh->shipment_id) != 0 ||
	    (invoice && issue_invoice(a, order, sh->shipment_id, NULL) != 0))
		goto out;
	ret = 0;
out:
	buf_free(&lines);
	return ret;
}

/* A new shipment of an order awaiting payment waits for the payment (its
 * reason added to the context's defers), until the order's open link
 * expires: APPLY_DEFERRED, or APPLY_FAILED. */
static enum apply_result
wait_for_payment(struct apply_frame *f)
{
	struct apply_ctx *a = f->a;
	const struct order *o = f->st->order;
	const struct payment_link *k = link_open(f->st);
	const struct field_value *v = &f->rec->head[SH_order_number];
	int64_t due, ends = k != NULL ? k->expires_ns : INT64_MIN;
	char money[MONEY_SIZE], until[TIME_SIZE];

	if (totals_due(o, &due) != 0) {
		totals_beyond(o);
		return APPLY_FAILED;
	}
	money_format(due, state_digits(f->st), money, sizeof money);
	if (k != NULL) {
		format_time(k->expires_ns, until, sizeof until);
		errlist_add(a->defers, v->line, "order_number", ERR_PAYMENT_DUE,
		    "order %s awaits payment of %s %s through payment link %s, open until %s; the "
		    "shipment waits for it", o->order_number, money, o->currency, k->link_id, until);
	} else
		errlist_add(a->defers, v->line, "order_number", ERR_PAYMENT_DUE,
		    "order %s awaits payment of %s %s and has no open payment link", o->order_number,
		    money, o->currency);
	if (a->defer_until_ns == 0 || ends < a->defer_until_ns)
		a->defer_until_ns = ends;
	return APPLY_DEFERRED;
}

/* A shipment_id not seen before: a new shipment of the order the record
 * names, in the frame apply_shipment() opened and digested the record in. */
static enum apply_result
create_shipment(struct apply_frame *f, const char *lines_sha)
{
	struct shipment sh = { 0 };
	enum apply_result res;

	if ((res = lifecycle_order(f, SH_order_number)) != APPLY_OK)
		return lifecycle_end(f, res);
	check_new(f->rec, f->st, f->errs);
	res = lifecycle_checked(f);
	if (res == APPLY_OK && f->st->order->awaiting_payment)
		res = wait_for_payment(f);
	if (res == APPLY_OK) {
		shipment_from_record(f->a, f->rec, f->st, lines_sha, &sh);
		res = charge(f->rec, f->st, &sh, f->errs);
	}
	if (res == APPLY_OK)
		res = pay_from_checkout(f->rec, f->st, &sh, f->errs);
	if (res == APPLY_OK && record_shipment(f->a, f->st, &sh) != 0)
		res = APPLY_FAILED;
	free(sh.lines);
	return lifecycle_end(f, res);
}

enum apply_result
apply_shipment(struct apply_ctx *a, struct record *rec, struct errlist *errs)
{
	const struct field_value *id = &rec->head[SH_shipment_id];
	struct apply_frame f;
	char lines_sha[SHA256_HEX], seen_sha[SHA256_HEX];
	int64_t seen_input;
	char *order_number = NULL;
	enum apply_result res;
	int found;

	/* a shipment's identity admits updates, so it is not
	 * lifecycle_begin(): the same id with the same lines is the
	 * same shipment, whatever else the file says */
	lifecycle_open(&f, a, rec, errs);
	lines_digest(a, rec, lines_sha);
	identity_digest(rec, a->hash, a->scratch, f.sha);
	found = ledger_record_identity(a->ledger, "shipments", id->s, &seen_input, seen_sha);
	if (found < 0)
		return APPLY_FAILED;
	if (!found)
		return create_shipment(&f, lines_sha);
	if (seen_input == a->input_id) {
		errlist_add(errs, id->line, "shipment_id", ERR_CSV_SPLIT_RECORD,
		    "shipment_id %s appears more than once in this file", id->s);
		return APPLY_REJECTED;
	}
	if (ledger_record_order(a->ledger, "shipments", id->s, &order_number) != 1)
		return APPLY_FAILED;
	res = update_shipment(a, rec, order_number, lines_sha, errs);
	free(order_number);
	return res;
}
