/* SPDX-License-Identifier: ISC */
/*
 * lifecycle: an order's life after it is received, in the ledger: its
 * whole state (shipments, returns, payment requests, links and events)
 * loaded at once, the identities of records, and the statements that
 * amendments, cancellations, shipments, returns and payments make.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger/ledger_int.h"
#include "base/util.h"

#define col_int sqlite3_column_int64

static int
shipment_row(sqlite3_stmt *st, void *ctx)
{
	struct order_state *s = ctx;
	struct shipment *sh;
	int capture;

	if (ledger_column_enum(st, 12, &capture_state_names, "shipments.capture", &capture) != 0)
		return -1;
	s->shipments = xgrow(s->shipments, &s->nshipments, sizeof *s->shipments);
	sh = &s->shipments[s->nshipments - 1];
	if (ledger_column_required(st, 0, &s->arena, "shipments.shipment_id", &sh->shipment_id) != 0)
		return -1;
	sh->seq = col_int(st, 1);
	sh->input_id = col_int(st, 2);
	sh->lines_sha256 = ledger_column_str(st, 3, &s->arena);
	sh->carrier = ledger_column_str(st, 4, &s->arena);
	sh->service = ledger_column_str(st, 5, &s->arena);
	sh->tracking = ledger_column_str(st, 6, &s->arena);
	sh->shipped = col_int(st, 7) != 0;
	sh->shipped_at = ledger_column_str(st, 8, &s->arena);
	sh->amount = col_int(st, 9);
	sh->vat = col_int(st, 10);
	sh->shipping_amount = col_int(st, 11);
	sh->capture = (enum capture_state)capture;
	sh->prepaid = col_int(st, 13);
	return 0;
}

static int
shipment_line_row(sqlite3_stmt *st, void *ctx)
{
	struct shipment *sh = ctx;
	struct shipment_line *ln;

	sh->lines = xgrow(sh->lines, &sh->nlines, sizeof *sh->lines);
	ln = &sh->lines[sh->nlines - 1];
	ln->line_id = col_int(st, 0);
	ln->quantity = col_int(st, 1);
	ln->first_unit = col_int(st, 2);
	ln->amount = col_int(st, 3);
	ln->vat = col_int(st, 4);
	ln->returned = col_int(st, 5);
	return 0;
}

static int
return_row(sqlite3_stmt *st, void *ctx)
{
	struct order_state *s = ctx;
	struct order_return *r;

	s->returns = xgrow(s->returns, &s->nreturns, sizeof *s->returns);
	r = &s->returns[s->nreturns - 1];
	if (ledger_column_required(st, 0, &s->arena, "returns.return_id", &r->return_id) != 0 ||
	    ledger_column_required(st, 1, &s->arena, "returns.shipment_id", &r->shipment_id) != 0)
		return -1;
	r->reason = ledger_column_str(st, 2, &s->arena);
	r->restock = col_int(st, 3) != 0;
	r->return_fee = col_int(st, 4);
	r->lines_amount = col_int(st, 5);
	r->lines_vat = col_int(st, 6);
	r->shipping_amount = col_int(st, 7);
	r->refund = col_int(st, 8);
	return 0;
}

static int
return_line_row(sqlite3_stmt *st, void *ctx)
{
	struct order_return *r = ctx;
	struct return_line *ln;

	r->lines = xgrow(r->lines, &r->nlines, sizeof *r->lines);
	ln = &r->lines[r->nlines - 1];
	ln->line_id = col_int(st, 0);
	ln->quantity = col_int(st, 1);
	ln->amount = col_int(st, 2);
	ln->vat = col_int(st, 3);
	return 0;
}

static int
request_row(sqlite3_stmt *st, void *ctx)
{
	struct order_state *s = ctx;
	struct payment_request *r;
	int type, status;

	if (ledger_column_enum(st, 1, &request_type_names, "payment_requests.type", &type) != 0 ||
	    ledger_column_enum(st, 5, &request_status_names, "payment_requests.status",
	    &status) != 0)
		return -1;
	s->requests = xgrow(s->requests, &s->nrequests, sizeof *s->requests);
	r = &s->requests[s->nrequests - 1];
	if (ledger_column_required(st, 0, &s->arena, "payment_requests.request_id",
	    &r->request_id) != 0)
		return -1;
	r->type = (enum request_type)type;
	r->shipment_id = ledger_column_str(st, 2, &s->arena);
	r->return_id = ledger_column_str(st, 3, &s->arena);
	r->amount = col_int(st, 4);
	r->status = (enum request_status)status;
	r->event_id = ledger_column_str(st, 6, &s->arena);
	r->payment_reference = ledger_column_str(st, 7, &s->arena);
	r->issued = col_int(st, 8) != 0;
	return 0;
}

static int
link_row(sqlite3_stmt *st, void *ctx)
{
	struct order_state *s = ctx;
	struct payment_link *k;
	int status;

	if (ledger_column_enum(st, 3, &link_status_names, "payment_links.status", &status) != 0)
		return -1;
	s->links = xgrow(s->links, &s->nlinks, sizeof *s->links);
	k = &s->links[s->nlinks - 1];
	if (ledger_column_required(st, 0, &s->arena, "payment_links.link_id", &k->link_id) != 0)
		return -1;
	k->n = col_int(st, 1);
	k->amount = col_int(st, 2);
	k->status = (enum link_status)status;
	k->event_id = ledger_column_str(st, 4, &s->arena);
	k->expires_ns = col_int(st, 5);
	return 0;
}

static int
event_row(sqlite3_stmt *st, void *ctx)
{
	struct order_state *s = ctx;
	struct payment_event *e;

	s->events = xgrow(s->events, &s->nevents, sizeof *s->events);
	e = &s->events[s->nevents - 1];
	if (ledger_column_required(st, 0, &s->arena, "payment_events.event_id", &e->event_id) != 0)
		return -1;
	e->type = ledger_column_str(st, 1, &s->arena);
	e->request_id = ledger_column_str(st, 2, &s->arena);
	e->status = ledger_column_str(st, 3, &s->arena);
	e->amount = col_int(st, 4);
	e->psp_reference = ledger_column_str(st, 5, &s->arena);
	e->occurred_at = ledger_column_str(st, 6, &s->arena);
	e->applied = col_int(st, 7) != 0;
	return 0;
}

static int
order_extra_row(sqlite3_stmt *st, void *ctx)
{
	struct order_state *s = ctx;

	s->shipping_refunded = col_int(st, 0) != 0;
	s->next_link = col_int(st, 1);
	return 0;
}

int
ledger_order_state(struct ledger *l, const char *order_number, struct order_state **out)
{
	struct order_state *s;
	int found;

	*out = NULL;
	s = xcalloc(1, sizeof *s);
	if ((found = ledger_order_load(l, order_number, &s->order)) <= 0) {
		free(s);
		return found;
	}
	if (ledger_query(l, "SELECT shipping_refunded, next_link FROM orders WHERE order_number = ?",
	    order_extra_row, s, "s", order_number) < 0 ||
	    ledger_query(l, "SELECT shipment_id, seq, input_id, lines_sha256, carrier, service,"
	    " tracking, shipped, shipped_at, amount, vat, shipping_amount, capture, prepaid"
	    " FROM shipments"
	    " WHERE order_number = ? ORDER BY seq", shipment_row, s, "s", order_number) < 0 ||
	    ledger_query(l, "SELECT return_id, shipment_id, reason, restock, return_fee,"
	    " lines_amount, lines_vat, shipping_amount, refund FROM returns WHERE order_number = ?"
	    " ORDER BY rowid", return_row, s, "s", order_number) < 0 ||
	    ledger_query(l, "SELECT request_id, type, shipment_id, return_id, amount, status,"
	    " event_id, payment_reference, EXISTS (SELECT 1 FROM documents d"
	    " WHERE d.number = r.request_id AND d.request_id = r.request_id)"
	    " FROM payment_requests r WHERE order_number = ?"
	    " ORDER BY rowid", request_row, s,
	    "s", order_number) < 0 ||
	    ledger_query(l, "SELECT link_id, n, amount, status, event_id, expires_ns FROM payment_links"
	    " WHERE order_number = ? ORDER BY n", link_row, s, "s", order_number) < 0 ||
	    ledger_query(l, "SELECT event_id, type, request_id, status, amount, psp_reference,"
	    " occurred_at, applied FROM payment_events WHERE order_number = ? ORDER BY rowid", event_row, s,
	    "s", order_number) < 0)
		goto fail;
	for (size_t i = 0; i < s->nshipments; i++)
		if (ledger_query(l, "SELECT line_id, quantity, first_unit, amount, vat, returned"
		    " FROM shipment_lines WHERE shipment_id = ? ORDER BY line_id", shipment_line_row,
		    &s->shipments[i], "s", s->shipments[i].shipment_id) < 0)
			goto fail;
	for (size_t i = 0; i < s->nreturns; i++)
		if (ledger_query(l, "SELECT line_id, quantity, amount, vat FROM return_lines"
		    " WHERE return_id = ? ORDER BY line_id", return_line_row, &s->returns[i], "s",
		    s->returns[i].return_id) < 0)
			goto fail;
	*out = s;
	return 1;
fail:
	order_state_free(s);
	return -1;
}

void
order_state_free(struct order_state *s)
{
	if (s == NULL)
		return;
	order_free(s->order);
	for (size_t i = 0; i < s->nshipments; i++)
		free(s->shipments[i].lines);
	free(s->shipments);
	for (size_t i = 0; i < s->nreturns; i++)
		free(s->returns[i].lines);
	free(s->returns);
	free(s->requests);
	free(s->links);
	free(s->events);
	arena_free(&s->arena);
	free(s);
}

int
ledger_record_identity(struct ledger *l, const char *kind, const char *record_id,
    int64_t *input_id, char sha[SHA256_HEX])
{
	struct ledger_identity id = { input_id, sha };
	int n = ledger_query(l, "SELECT input_id, content_sha256 FROM records"
	    " WHERE kind = ? AND record_id = ?", ledger_identity_row, &id, "ss", kind, record_id);

	return n < 0 ? -1 : n > 0;
}

static int
first_text(sqlite3_stmt *st, void *ctx)
{
	*(char **)ctx = ledger_column_dup(st, 0);
	return 0;
}

int
ledger_record_order(struct ledger *l, const char *kind, const char *record_id,
    char **order_number)
{
	int n;

	*order_number = NULL;
	n = ledger_query(l, "SELECT order_number FROM records WHERE kind = ? AND record_id = ?",
	    first_text, order_number, "ss", kind, record_id);
	return n < 0 ? -1 : n > 0;
}

int
ledger_payment_target_order(struct ledger *l, const char *id, char **order_number)
{
	int n;

	*order_number = NULL;
	n = ledger_query(l, "SELECT order_number FROM payment_requests WHERE request_id = ?1"
	    " UNION ALL SELECT order_number FROM payment_links WHERE link_id = ?1 LIMIT 1",
	    first_text, order_number, "s", id);
	return n < 0 ? -1 : n > 0;
}

int
ledger_record_add(struct ledger *l, const char *kind, const char *record_id,
    const char *order_number, int64_t input_id, const char *sha)
{
	return ledger_run(l, "INSERT INTO records (kind, record_id, order_number, input_id,"
	    " content_sha256) VALUES (?, ?, ?, ?, ?)", "sssis", kind, record_id, order_number,
	    input_id, sha);
}

int
ledger_order_set_status(struct ledger *l, const char *order_number, enum order_status status)
{
	return ledger_run(l, "UPDATE orders SET status = ? WHERE order_number = ?", "ss",
	    order_status_name(status), order_number);
}

int
ledger_order_set_hold(struct ledger *l, const char *order_number, bool hold)
{
	return ledger_run(l, "UPDATE orders SET hold = ? WHERE order_number = ?", "bs", hold,
	    order_number);
}

int
ledger_order_set_delivery(struct ledger *l, const char *order_number, const struct address *a)
{
	return ledger_run(l, "UPDATE orders SET delivery_address1 = ?, delivery_address2 = ?,"
	    " delivery_zip = ?, delivery_city = ?, delivery_country = ?, delivery_state = ?"
	    " WHERE order_number = ?", "sssssss", LEDGER_ADDRESS(a), order_number);
}

int
ledger_order_add_authorized(struct ledger *l, const char *order_number, int64_t amount)
{
	return ledger_run(l, "UPDATE orders SET authorized = authorized + ? WHERE order_number = ?",
	    "is", amount, order_number);
}

int
ledger_order_set_awaiting_payment(struct ledger *l, const char *order_number, bool awaiting)
{
	return ledger_run(l, "UPDATE orders SET awaiting_payment = ? WHERE order_number = ?", "bs",
	    awaiting, order_number);
}

int
ledger_orders_awaiting_payment(struct ledger *l, int64_t *n)
{
	return ledger_query(l, "SELECT count(*) FROM orders WHERE awaiting_payment <> 0",
	    ledger_int_row, n, "") == 1 ? 0 : -1;
}

int
ledger_order_set_payment_reference(struct ledger *l, const char *order_number,
    const char *reference)
{
	return ledger_run(l, "UPDATE orders SET payment_reference = ? WHERE order_number = ?", "ss",
	    reference, order_number);
}

int
ledger_order_set_shipping_refunded(struct ledger *l, const char *order_number)
{
	return ledger_run(l, "UPDATE orders SET shipping_refunded = 1 WHERE order_number = ?", "s",
	    order_number);
}

int
ledger_order_take_link_number(struct ledger *l, const char *order_number, int64_t *n)
{
	if (ledger_query(l, "SELECT next_link FROM orders WHERE order_number = ?", ledger_int_row, n,
	    "s", order_number) != 1)
		return -1;
	return ledger_run(l, "UPDATE orders SET next_link = next_link + 1 WHERE order_number = ?",
	    "s", order_number);
}

int
ledger_line_add_cancelled(struct ledger *l, const char *order_number, int64_t line_id,
    int64_t quantity)
{
	return ledger_run(l, "UPDATE order_lines SET cancelled = cancelled + ?"
	    " WHERE order_number = ? AND line_id = ?", "isi", quantity, order_number, line_id);
}

int
ledger_line_add_shipped(struct ledger *l, const char *order_number, int64_t line_id,
    int64_t quantity)
{
	return ledger_run(l, "UPDATE order_lines SET shipped = shipped + ?"
	    " WHERE order_number = ? AND line_id = ?", "isi", quantity, order_number, line_id);
}

int
ledger_shipment_insert(struct ledger *l, const char *order_number, const struct shipment *s)
{
	if (ledger_run(l, "INSERT INTO shipments (shipment_id, order_number, seq, input_id,"
	    " lines_sha256, carrier, service, tracking, shipped, shipped_at, amount, vat,"
	    " shipping_amount, capture, prepaid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?)",
	    "ssiissssbsiiisi", s->shipment_id, order_number,
	    s->seq, s->input_id, s->lines_sha256, s->carrier, s->service, s->tracking, s->shipped,
	    s->shipped_at, s->amount, s->vat, s->shipping_amount,
	    capture_state_name(s->capture), s->prepaid) != 0)
		return -1;
	for (size_t i = 0; i < s->nlines; i++) {
		const struct shipment_line *ln = &s->lines[i];

		if (ledger_run(l, "INSERT INTO shipment_lines (shipment_id, line_id, quantity,"
		    " first_unit, amount, vat) VALUES (?, ?, ?, ?, ?, ?)", "siiiii", s->shipment_id,
		    ln->line_id, ln->quantity, ln->first_unit, ln->amount, ln->vat) != 0)
			return -1;
	}
	return 0;
}

int
ledger_shipment_update(struct ledger *l, const struct shipment *s)
{
	return ledger_run(l, "UPDATE shipments SET carrier = ?, service = ?, tracking = ?,"
	    " shipped = ?, shipped_at = ? WHERE shipment_id = ?", "sssbss", s->carrier, s->service,
	    s->tracking, s->shipped, s->shipped_at, s->shipment_id);
}

int
ledger_shipment_set_capture(struct ledger *l, const char *shipment_id,
    enum capture_state capture)
{
	return ledger_run(l, "UPDATE shipments SET capture = ? WHERE shipment_id = ?", "ss",
	    capture_state_name(capture), shipment_id);
}

int
ledger_shipment_add_returned(struct ledger *l, const char *shipment_id, int64_t line_id,
    int64_t quantity)
{
	return ledger_run(l, "UPDATE shipment_lines SET returned = returned + ?"
	    " WHERE shipment_id = ? AND line_id = ?", "isi", quantity, shipment_id, line_id);
}

int
ledger_return_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct order_return *r)
{
	if (ledger_run(l, "INSERT INTO returns (return_id, order_number, shipment_id, input_id,"
	    " reason, restock, return_fee, lines_amount, lines_vat, shipping_amount, refund)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "sssisbiiiii", r->return_id, order_number,
	    r->shipment_id, input_id, r->reason, r->restock, r->return_fee, r->lines_amount,
	    r->lines_vat, r->shipping_amount, r->refund) != 0)
		return -1;
	for (size_t i = 0; i < r->nlines; i++)
		if (ledger_run(l, "INSERT INTO return_lines (return_id, line_id, quantity, amount, vat)"
		    " VALUES (?, ?, ?, ?, ?)", "siiii", r->return_id, r->lines[i].line_id,
		    r->lines[i].quantity, r->lines[i].amount, r->lines[i].vat) != 0)
			return -1;
	return 0;
}

int
ledger_request_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_request *r)
{
	return ledger_run(l, "INSERT INTO payment_requests (request_id, order_number, type,"
	    " shipment_id, return_id, amount, status, input_id, payment_reference)"
	    " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)", "sssssiis", r->request_id, order_number,
	    request_type_name(r->type), r->shipment_id, r->return_id, r->amount, input_id,
	    r->payment_reference);
}

int
ledger_request_answer(struct ledger *l, const char *request_id,
    enum request_status status, const char *event_id)
{
	return ledger_run(l, "UPDATE payment_requests SET status = ?, event_id = ?"
	    " WHERE request_id = ?", "sss", request_status_name(status), event_id, request_id);
}

int
ledger_link_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_link *k, const struct link_line *lines, size_t nlines)
{
	if (ledger_run(l, "INSERT INTO payment_links (link_id, order_number, n, amount, status,"
	    " input_id, expires_ns) VALUES (?, ?, ?, ?, 'open', ?, ?)", "ssiiii", k->link_id,
	    order_number, k->n, k->amount, input_id, k->expires_ns) != 0)
		return -1;
	for (size_t i = 0; i < nlines; i++)
		if (ledger_run(l, "INSERT INTO payment_link_lines (link_id, line_id, cancelled)"
		    " VALUES (?, ?, ?)", "sii", k->link_id, lines[i].line_id, lines[i].cancelled) != 0)
			return -1;
	return 0;
}

int
ledger_link_set_status(struct ledger *l, const char *link_id, enum link_status status,
    const char *event_id)
{
	return ledger_run(l, "UPDATE payment_links SET status = ?, event_id = ? WHERE link_id = ?",
	    "sss", link_status_name(status), event_id, link_id);
}

struct link_lines {
	struct link_line *lines;
	size_t n;
};

static int
link_line_row(sqlite3_stmt *st, void *ctx)
{
	struct link_lines *ll = ctx;

	ll->lines = xgrow(ll->lines, &ll->n, sizeof *ll->lines);
	ll->lines[ll->n - 1] = (struct link_line){ col_int(st, 0), col_int(st, 1) };
	return 0;
}

int
ledger_link_lines(struct ledger *l, const char *link_id, struct link_line **lines,
    size_t *nlines)
{
	struct link_lines ll = { NULL, 0 };

	if (ledger_query(l, "SELECT line_id, cancelled FROM payment_link_lines WHERE link_id = ?"
	    " ORDER BY line_id", link_line_row, &ll, "s", link_id) < 0) {
		free(ll.lines);
		return -1;
	}
	*lines = ll.lines;
	*nlines = ll.n;
	return 0;
}

int
ledger_payment_event_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_event *e)
{
	return ledger_run(l, "INSERT INTO payment_events (event_id, order_number, input_id, type,"
	    " request_id, status, amount, psp_reference, occurred_at, applied)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssisssissb", e->event_id, order_number,
	    input_id, e->type, e->request_id, e->status, e->amount, e->psp_reference,
	    e->occurred_at, e->applied);
}
