/* SPDX-License-Identifier: ISC */
/*
 * lifecycle: the rules the apply stages of the kinds after orders share
 * (stages/lifecycle.h says which), and the product lines and delivery
 * addresses that orders and amendments both carry.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "stages/identity.h"
#include "stages/issue.h"
#include "stages/lifecycle.h"
#include "stages/links.h"
#include "base/money.h"
#include "stages/totals.h"
#include "stages/validate.h"

/* Adds why a record waits for the order its field v names. */
static enum apply_result
wait_for_order(struct apply_ctx *a, const struct field_value *v)
{
	errlist_add(a->defers, v->line, "order_number", ERR_ORDER_UNKNOWN,
	    "order %s is not known yet; the file waits for it", v->s);
	return APPLY_DEFERRED;
}

void
lifecycle_open(struct apply_frame *f, struct apply_ctx *a, struct record *rec,
    struct errlist *errs)
{
	*f = (struct apply_frame){ .a = a, .rec = rec, .errs = errs,
		.before = errlist_total(errs), .settle = true };
}

enum apply_result
lifecycle_order(struct apply_frame *f, size_t order_field)
{
	const struct field_value *v = &f->rec->head[order_field];
	int found = ledger_order_state(f->a->ledger, v->s, &f->st);

	if (found < 0)
		return APPLY_FAILED;
	return found == 0 ? wait_for_order(f->a, v) : APPLY_OK;
}

static void
conflict(const struct record *rec, struct errlist *errs)
{
	const struct kind_def *k = rec->kind;
	const struct field_value *id = &rec->head[k->id_field];

	errlist_add(errs, id->line, k->head[k->id_field].name, ERR_RECORD_CONFLICT,
	    "%s %s was applied before with other content; a %s id is never reused",
	    k->head[k->id_field].name, id->s, k->singular);
}

enum apply_result
lifecycle_begin(struct apply_frame *f, struct apply_ctx *a, struct record *rec,
    size_t order_field, struct errlist *errs)
{
	const struct kind_def *k = rec->kind;
	const struct field_value *id = &rec->head[k->id_field], *order = &rec->head[order_field];
	char seen_sha[SHA256_HEX];
	int64_t seen_input;
	int seen, found;

	lifecycle_open(f, a, rec, errs);
	seen = ledger_record_identity(a->ledger, k->plural, id->s, &seen_input, seen_sha);
	if (seen < 0)
		return APPLY_FAILED;
	if (seen && seen_input == a->input_id) {
		errlist_add(errs, id->line, k->head[k->id_field].name, ERR_CSV_SPLIT_RECORD,
		    "%s %s appears more than once in this file", k->head[k->id_field].name, id->s);
		return APPLY_REJECTED;
	}
	if (order->s != NULL) {
		if ((found = ledger_order_state(a->ledger, order->s, &f->st)) < 0)
			return APPLY_FAILED;
		if (found == 0 && !seen)
			return wait_for_order(a, order);
		if (found == 0) {
			/* applied before, to an order that was known: not this one */
			conflict(rec, errs);
			return APPLY_REJECTED;
		}
		/* amounts in the order's currency: their values are content */
		if (!kind_own_currency(k) &&
		    validate_money(rec, state_digits(f->st), f->st->order->currency, errs) > 0)
			return APPLY_REJECTED;
	}
	identity_digest(rec, a->hash, a->scratch, f->sha);
	if (!seen)
		return APPLY_OK;
	if (strcmp(seen_sha, f->sha) == 0)
		return APPLY_DUPLICATE;
	conflict(rec, errs);
	return APPLY_REJECTED;
}

enum apply_result
lifecycle_checked(const struct apply_frame *f)
{
	return errlist_total(f->errs) != f->before ? APPLY_REJECTED : APPLY_OK;
}

enum apply_result
lifecycle_end(struct apply_frame *f, enum apply_result res)
{
	const struct kind_def *k = f->rec->kind;
	const char *order = f->st != NULL ? f->st->order->order_number : "";

	/* the identity is recorded once the record is applied */
	if (res == APPLY_OK && (ledger_record_add(f->a->ledger, k->plural,
	    f->rec->head[k->id_field].s, order, f->a->input_id, f->sha) != 0 ||
	    (f->settle && f->st != NULL &&
	    lifecycle_settle(f->a, order, f->st, f->reissue_link) != 0)))
		res = APPLY_FAILED;
	order_state_free(f->st);
	f->st = NULL;
	return res;
}

enum apply_result
lifecycle_apply(struct apply_ctx *a, struct record *rec, size_t order_field,
    struct errlist *errs, lifecycle_check_fn *check, lifecycle_write_fn *write)
{
	struct apply_frame f;
	enum apply_result res = lifecycle_begin(&f, a, rec, order_field, errs);

	if (res == APPLY_OK)
		res = check(&f);
	if (res == APPLY_OK && write(&f) != 0)
		res = APPLY_FAILED;
	return lifecycle_end(&f, res);
}

void
amount_too_large(struct errlist *errs, long line, const char *field, int digits,
    const char *fmt, ...)
{
	struct buf what = { 0 };
	char max[MONEY_SIZE];
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&what, fmt, ap);
	va_end(ap);
	money_format(MONEY_MAX, digits, max, sizeof max);
	errlist_add(errs, line, field, ERR_AMOUNT_TOO_LARGE,
	    "%s beyond %s, the largest amount sluice holds", buf_str(&what), max);
	buf_free(&what);
}

int
state_requested(const struct order_state *st, enum request_type type, unsigned statuses,
    int64_t *sum)
{
	*sum = 0;
	for (size_t i = 0; i < st->nrequests; i++)
		if (st->requests[i].type == type &&
		    (statuses & REQUESTS_IN(st->requests[i].status)) != 0 &&
		    money_add(*sum, st->requests[i].amount, sum) != 0)
			return -1;
	return 0;
}

int
state_captured(const struct order_state *st, unsigned statuses, int64_t *sum)
{
	return state_requested(st, REQUEST_CAPTURE, statuses, sum) != 0 ||
	    money_add(*sum, st->order->captured_amount, sum) != 0 ? -1 : 0;
}

int
state_checkout_left(const struct order_state *st, int64_t *left)
{
	*left = st->order->captured_amount;
	for (size_t i = 0; i < st->nshipments; i++)
		if (money_sub(*left, st->shipments[i].prepaid, left) != 0)
			return -1;
	return 0;
}

int64_t
shipment_to_capture(const struct shipment *sh)
{
	return sh->amount - sh->prepaid;
}

struct order_line *
state_line(const struct order_state *st, int64_t line_id)
{
	for (size_t i = 0; i < st->order->nlines; i++)
		if (st->order->lines[i].line_id == line_id)
			return &st->order->lines[i];
	return NULL;
}

/* The element of arr[0..n) (each size bytes) whose string member at
 * offset id_at equals id, or NULL. */
static void *
find_by_id(void *arr, size_t n, size_t size, size_t id_at, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		char *el = (char *)arr + i * size;   /* counted in bytes */

		if (strcmp(*(const char **)(void *)(el + id_at), id) == 0)
			return el;
	}
	return NULL;
}

#define FIND_BY_ID(arr, n, type, member, id) \
	((type *)find_by_id((arr), (n), sizeof(type), offsetof(type, member), (id)))

struct shipment *
state_shipment(const struct order_state *st, const char *shipment_id)
{
	return FIND_BY_ID(st->shipments, st->nshipments, struct shipment, shipment_id, shipment_id);
}

enum apply_result
lifecycle_shipment(struct apply_ctx *a, const struct record *rec, size_t field,
    const struct order_state *st, struct shipment **sh, struct errlist *errs)
{
	const struct field_value *id = &rec->head[field];
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

struct shipment_line *
shipment_line_of(const struct shipment *sh, int64_t line_id)
{
	for (size_t i = 0; i < sh->nlines; i++)
		if (sh->lines[i].line_id == line_id)
			return &sh->lines[i];
	return NULL;
}

struct order_return *
state_return(const struct order_state *st, const char *return_id)
{
	return FIND_BY_ID(st->returns, st->nreturns, struct order_return, return_id, return_id);
}

struct payment_request *
state_request(const struct order_state *st, const char *request_id)
{
	return FIND_BY_ID(st->requests, st->nrequests, struct payment_request, request_id,
	    request_id);
}

struct payment_link *
state_link(const struct order_state *st, const char *link_id)
{
	return FIND_BY_ID(st->links, st->nlinks, struct payment_link, link_id, link_id);
}

int
state_digits(const struct order_state *st)
{
	return currency_digits(st->order->currency, strlen(st->order->currency));
}

bool
state_closed(const struct order_state *st)
{
	enum order_status s = st->order->status;

	return s == ORDER_COMPLETED || s == ORDER_CANCELLED || s == ORDER_ARCHIVED;
}

const struct payment_request *
state_latest_capture(const struct order_state *st, const struct shipment *sh)
{
	const struct payment_request *last = NULL;

	for (size_t i = 0; i < st->nrequests; i++)
		if (st->requests[i].type == REQUEST_CAPTURE && st->requests[i].shipment_id != NULL &&
		    strcmp(st->requests[i].shipment_id, sh->shipment_id) == 0)
			last = &st->requests[i];
	return last;
}

enum to_capture
state_to_capture(const struct order_state *st, const struct shipment *sh)
{
	const struct payment_request *r = state_latest_capture(st, sh);

	if (sh->capture == CAPTURE_FAILED)
		return TO_CAPTURE_FAILED;
	if (sh->capture == CAPTURE_REQUESTED && r != NULL && r->status == REQUEST_PENDING &&
	    !r->issued)
		return TO_CAPTURE_UNSENT;
	return TO_CAPTURE_NONE;
}

bool
state_shippable(const struct order_state *st)
{
	const struct order *o = st->order;

	return (o->status == ORDER_CONFIRMED || o->status == ORDER_PROCESSING) && !o->hold;
}

int
state_cancellable(const struct order_state *st, bool *ok)
{
	int64_t captured;

	*ok = false;
	if (state_captured(st, REQUESTS_IN(REQUEST_SUCCEEDED), &captured) != 0)
		return -1;
	*ok = st->nshipments == 0 && captured == 0;
	return 0;
}

void
check_open_lines(const struct record *rec, const struct order_state *st, const char *verb,
    struct errlist *errs)
{
	check_line_ids(rec, QL_line_id, errs);
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);
		const struct order_line *ln = state_line(st, v[QL_line_id].num);

		if (ln == NULL)
			errlist_add(errs, v[QL_line_id].line, "line_id", ERR_UNKNOWN_LINE,
			    "order %s has no line %lld", st->order->order_number,
			    (long long)v[QL_line_id].num);
		else if (v[QL_quantity].num > ln->quantity - ln->shipped - ln->cancelled)
			errlist_add(errs, v[QL_quantity].line, "quantity", ERR_QUANTITY_NOT_OPEN,
			    "line %lld has %lld open units (ordered %lld, shipped %lld, cancelled %lld); "
			    "%lld cannot be %s", (long long)ln->line_id,
			    (long long)(ln->quantity - ln->shipped - ln->cancelled),
			    (long long)ln->quantity, (long long)ln->shipped, (long long)ln->cancelled,
			    (long long)v[QL_quantity].num, verb);
	}
}

bool
state_archived(const struct order_state *st, const struct record *rec, size_t order_field,
    struct errlist *errs)
{
	if (st->order->status != ORDER_ARCHIVED)
		return false;
	errlist_add(errs, rec->head[order_field].line, "order_number", ERR_ORDER_CLOSED,
	    "order %s is archived; nothing changes it", st->order->order_number);
	return true;
}

/* Records request r of the order and journals it; issues its file (for
 * the PSP) when `file`. */
static int
request_record(struct apply_ctx *a, const struct order_state *st,
    const struct payment_request *r, bool file)
{
	char money[MONEY_SIZE];

	money_format(r->amount, state_digits(st), money, sizeof money);
	if (ledger_request_insert(a->ledger, st->order->order_number, a->input_id, r) != 0 ||
	    journal_event(a, st->order->order_number, "payment_requested",
	    "\"request_id\":\"%s\",\"type\":\"%s\",\"amount\":\"%s\"", r->request_id,
	    request_type_name(r->type), money) != 0)
		return -1;
	return file ? issue_request(a, st->order->order_number, r) : 0;
}

static const char *const request_prefixes[] = {
	[REQUEST_CAPTURE] = "CAP-", [REQUEST_REFUND] = "REF-", [REQUEST_RELEASE] = "REL-"
};

/* The name of a new request of that type for id, allocated: <prefix><id>,
 * or when a request (or link) has that name already (a shipment's earlier
 * capture, say, or the refund of an order whose number is a return's id),
 * <prefix><id>-<n> with the first n from 2 that none has.  NULL when the
 * ledger failed. */
static char *
request_name(struct apply_ctx *a, enum request_type type, const char *id)
{
	char *name = xasprintf("%s%s", request_prefixes[type], id), *owner;
	int64_t n = 2;
	int taken;

	while ((taken = ledger_payment_target_order(a->ledger, name, &owner)) > 0) {
		free(owner);
		free(name);
		name = xasprintf("%s%s-%lld", request_prefixes[type], id, (long long)n++);
	}
	if (taken < 0) {
		free(name);
		return NULL;
	}
	return name;
}

int
lifecycle_request(struct apply_ctx *a, const struct order_state *st, enum request_type type,
    const char *id_suffix, const char *shipment_id, const char *return_id, int64_t amount,
    const char *payment_reference)
{
	struct payment_request r = { .type = type, .shipment_id = shipment_id,
		.return_id = return_id, .amount = amount, .payment_reference = payment_reference };
	char *id = request_name(a, type, id_suffix);
	int ret;

	if (id == NULL)
		return -1;
	r.request_id = id;
	ret = request_record(a, st, &r, true);
	free(id);
	return ret;
}

int
lifecycle_capture(struct apply_ctx *a, const struct order_state *st, const struct shipment *sh,
    bool file)
{
	struct payment_request r = { .type = REQUEST_CAPTURE, .shipment_id = sh->shipment_id,
		.amount = shipment_to_capture(sh) };
	char *id = request_name(a, REQUEST_CAPTURE, sh->shipment_id);
	int ret;

	if (id == NULL)
		return -1;
	r.request_id = id;
	/* manual captures are made at the PSP: recorded (a payment event
	 * answers them), but no file asks for them unless a capture action
	 * does */
	ret = request_record(a, st, &r, file || a->conf->capture_on != CAPTURE_ON_MANUAL) != 0 ||
	    ledger_shipment_set_capture(a->ledger, sh->shipment_id, CAPTURE_REQUESTED) != 0 ?
	    -1 : 0;
	free(id);
	return ret;
}

bool
lifecycle_archive_refused(const struct order_state *st, long line, struct errlist *errs)
{
	const struct order *o = st->order;

	if (o->status == ORDER_ARCHIVED) {
		errlist_add(errs, line, "order_number", ERR_ORDER_CLOSED,
		    "order %s is archived already", o->order_number);
		return true;
	}
	if (o->status != ORDER_COMPLETED && o->status != ORDER_CANCELLED) {
		errlist_add(errs, line, "order_number", ERR_ORDER_NOT_ARCHIVABLE,
		    "order %s is %s; only completed or cancelled orders are archived",
		    o->order_number, order_status_name(o->status));
		return true;
	}
	for (size_t i = 0; i < st->nrequests; i++)
		if (st->requests[i].status == REQUEST_PENDING) {
			errlist_add(errs, line, "order_number", ERR_ORDER_NOT_ARCHIVABLE,
			    "order %s waits for the PSP's answer to %s request %s; it is archived once "
			    "that is answered", o->order_number, request_type_name(st->requests[i].type),
			    st->requests[i].request_id);
			return true;
		}
	for (size_t i = 0; i < st->nlinks; i++)
		if (st->links[i].status == LINK_OPEN) {
			errlist_add(errs, line, "order_number", ERR_ORDER_NOT_ARCHIVABLE,
			    "order %s has the open payment link %s; it is archived once the link is paid "
			    "or void", o->order_number, st->links[i].link_id);
			return true;
		}
	return false;
}

/* Requests the captures that wait for authorization, oldest first, while
 * captured plus requested stays within the authorization. */
static int
request_waiting_captures(struct apply_ctx *a, const struct order_state *st)
{
	int64_t committed, next;

	if (st->order->hold)
		return 0;   /* an order on hold gets no capture */
	if (state_captured(st, REQUESTS_IN(REQUEST_PENDING) | REQUESTS_IN(REQUEST_SUCCEEDED),
	    &committed) != 0)
		return totals_beyond(st->order);
	for (size_t i = 0; i < st->nshipments; i++) {
		const struct shipment *sh = &st->shipments[i];

		if (sh->capture != CAPTURE_WAITING)
			continue;
		if (a->conf->capture_on == CAPTURE_ON_SHIPPED && !sh->shipped)
			continue;   /* captured once marked shipped */
		/* beyond MONEY_MAX is beyond any authorization too; in order: a
		 * later, smaller one does not jump the queue */
		if (money_add(committed, shipment_to_capture(sh), &next) != 0 ||
		    next > st->order->authorized)
			break;
		if (lifecycle_capture(a, st, sh, false) != 0)
			return -1;
		committed = next;
	}
	return 0;
}

/* Releases what is authorized beyond what was captured (at checkout too),
 * once (as REL-<order_number>; releases of money paid on dead links are
 * others). */
static int
release_authorization(struct apply_ctx *a, const struct order_state *st)
{
	int64_t captured, left;
	char *own = xasprintf("REL-%s", st->order->order_number);
	bool released = state_request(st, own) != NULL;

	free(own);
	if (released)
		return 0;
	if (state_captured(st, REQUESTS_IN(REQUEST_SUCCEEDED), &captured) != 0 ||
	    money_sub(st->order->authorized, captured, &left) != 0)
		return totals_beyond(st->order);
	if (left <= 0)
		return 0;
	return lifecycle_request(a, st, REQUEST_RELEASE, st->order->order_number, NULL, NULL, left,
	    NULL);
}

/* Refunds what was captured at checkout and no shipment took, once (as
 * REF-<order_number>, or that with -<n> when the name is taken), under the
 * checkout capture's reference: an order that ends with units cancelled,
 * or with more captured than it came to.  Never more than is captured and
 * not refunded (returns may have drawn on it). */
static int
refund_checkout(struct apply_ctx *a, const struct order_state *st)
{
	int64_t unused, captured, refunded, left;

	for (size_t i = 0; i < st->nrequests; i++)
		if (st->requests[i].type == REQUEST_REFUND && st->requests[i].return_id == NULL)
			return 0;   /* refunded before */
	if (state_checkout_left(st, &unused) != 0 ||
	    state_captured(st, REQUESTS_IN(REQUEST_SUCCEEDED), &captured) != 0 ||
	    state_requested(st, REQUEST_REFUND, REQUESTS_IN(REQUEST_PENDING) |
	    REQUESTS_IN(REQUEST_SUCCEEDED), &refunded) != 0 ||
	    money_sub(captured, refunded, &left) != 0)
		return totals_beyond(st->order);
	if (left < unused)
		unused = left;
	if (unused <= 0)
		return 0;
	return lifecycle_request(a, st, REQUEST_REFUND, st->order->order_number, NULL, NULL,
	    unused, st->order->capture_reference);
}

int
lifecycle_set_status(struct apply_ctx *a, const struct order_state *st, enum order_status status)
{
	if (st->order->status == status)
		return 0;
	return ledger_order_set_status(a->ledger, st->order->order_number, status) != 0 ||
	    journal_event(a, st->order->order_number, "status_changed",
	    "\"from\":\"%s\",\"to\":\"%s\"", order_status_name(st->order->status),
	    order_status_name(status)) != 0 ? -1 : 0;
}

/* An order that ends, completed or cancelled: what is authorized beyond
 * what was captured is released, what was captured at checkout and not
 * shipped is refunded, and a payment link still open is void
 * (its due is nothing: only a link issued before ledger version 5, for
 * what an amendment added, can still be open). */
static int
end_order(struct apply_ctx *a, const struct order_state *st, enum order_status status)
{
	return lifecycle_set_status(a, st, status) == 0 && release_authorization(a, st) == 0 &&
	    refund_checkout(a, st) == 0 && links_void(a, st) == 0 ? 0 : -1;
}

int
lifecycle_settle(struct apply_ctx *a, const char *order_number,
    const struct order_state *before, bool reissue_link)
{
	struct order_state *st;
	bool all_units_done = true, all_shipments_done = true;
	int64_t due_before;
	int ret = -1;

	if (ledger_order_state(a->ledger, order_number, &st) != 1)
		return -1;
	if (before != NULL && (totals_due(before->order, &due_before) != 0 ?
	    totals_beyond(before->order) : links_follow_due(a, st, due_before, reissue_link)) != 0)
		goto out;
	if (state_closed(st)) {
		ret = 0;
		goto out;
	}
	if (request_waiting_captures(a, st) != 0)
		goto out;
	/* the captures just requested count for what follows: reload */
	order_state_free(st);
	if (ledger_order_state(a->ledger, order_number, &st) != 1)
		return -1;
	for (size_t i = 0; i < st->order->nlines; i++) {
		const struct order_line *ln = &st->order->lines[i];

		if (ln->shipped + ln->cancelled < ln->quantity)
			all_units_done = false;
	}
	for (size_t i = 0; i < st->nshipments; i++) {
		const struct shipment *sh = &st->shipments[i];

		/* completed: shipped and paid (captured, or nothing to capture) */
		if (!sh->shipped || (sh->capture != CAPTURE_CAPTURED && sh->capture != CAPTURE_NONE))
			all_shipments_done = false;
	}
	if (all_units_done && st->nshipments == 0)
		ret = end_order(a, st, ORDER_CANCELLED);
	else if (all_units_done && all_shipments_done)
		ret = end_order(a, st, ORDER_COMPLETED);
	else if (!all_shipments_done)
		ret = lifecycle_set_status(a, st, ORDER_PROCESSING);
	else if (st->order->status == ORDER_PROCESSING)
		/* every shipment so far is completed, units remain to ship */
		ret = lifecycle_set_status(a, st, ORDER_CONFIRMED);
	else
		ret = 0;
out:
	order_state_free(st);
	return ret;
}

struct id_at {
	int64_t id;
	size_t index;
};

static int
cmp_id_at(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void
check_line_ids(const struct record *rec, size_t id_field, struct errlist *errs)
{
	struct id_at *ids = xreallocarray(NULL, rec->nlines ? rec->nlines : 1, sizeof *ids);

	for (size_t i = 0; i < rec->nlines; i++)
		ids[i] = (struct id_at){ record_line(rec, i)[id_field].num, i };
	if (rec->nlines > 1)
		qsort(ids, rec->nlines, sizeof *ids, cmp_id_at);
	for (size_t i = 1; i < rec->nlines; i++)
		if (ids[i].id == ids[i - 1].id)
			errlist_add(errs, record_line(rec, ids[i].index)[id_field].line, "line_id",
			    ERR_DUPLICATE_LINE_ID, "line_id %lld is used by an earlier line (line %ld)",
			    (long long)ids[i].id, rec->line_at[ids[i - 1].index]);
	free(ids);
}

void
product_line_from_fields(const struct field_value *v, struct order_line *ln)
{
	*ln = (struct order_line){
		.line_id = v[PL_line_id].num, .sku = v[PL_sku].s, .ean = v[PL_ean].s,
		.name = v[PL_name].s, .variant = v[PL_variant].s, .size = v[PL_size].s,
		.quantity = v[PL_quantity].num, .unit_price = v[PL_unit_price].num,
		.discount = v[PL_discount].num, .vat_rate = v[PL_vat_rate].num,
		.country_of_origin = v[PL_country_of_origin].s, .hs_code = v[PL_hs_code].s,
		.weight_grams = v[PL_weight_grams].s != NULL ? v[PL_weight_grams].num : -1,
	};
}

void
check_product_lines(const struct record *rec, int digits, bool prices_include_vat,
    struct errlist *errs)
{
	char a[MONEY_SIZE], b[MONEY_SIZE];

	check_line_ids(rec, PL_line_id, errs);
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct field_value *v = record_line(rec, i);
		int64_t q = v[PL_quantity].num, gross;
		struct line_money m;

		if (money_mul(q, v[PL_unit_price].num, &gross) != 0) {
			money_format(v[PL_unit_price].num, digits, b, sizeof b);
			amount_too_large(errs, v[PL_unit_price].line, "unit_price", digits,
			    "quantity x unit_price (%lld x %s) is", (long long)q, b);
		} else if (v[PL_discount].num > gross) {
			money_format(v[PL_discount].num, digits, a, sizeof a);
			money_format(gross, digits, b, sizeof b);
			errlist_add(errs, v[PL_discount].line, "discount", ERR_DISCOUNT_TOO_LARGE,
			    "discount %s exceeds quantity x unit_price (%s)", a, b);
		} else if (line_money(q, v[PL_unit_price].num, v[PL_discount].num, v[PL_vat_rate].num,
		    prices_include_vat, &m) != 0)
			amount_too_large(errs, v[PL_unit_price].line, "unit_price", digits,
			    "the total of line %lld with VAT added is", (long long)v[PL_line_id].num);
	}
}

int
check_totals(const struct record *rec, const struct order *o, int digits,
    struct order_totals *t, struct errlist *errs)
{
	size_t first = o->nlines - rec->nlines, at;
	struct line_totals lt;

	if (totals_order(o, t) == 0)
		return 0;
	if (t->beyond == o->nlines && rec->kind->kind == KIND_ORDERS) {
		amount_too_large(errs, rec->head[OH_shipping_price].line, "shipping_price", digits,
		    "the order's total with shipping_price %s is", rec->head[OH_shipping_price].s);
		return -1;
	}
	/* a line of the record beyond on its own: check_product_lines() */
	if (t->beyond >= first && t->beyond < o->nlines &&
	    totals_line(&o->lines[t->beyond], o->prices_include_vat, &lt) != 0)
		return -1;
	/* the record's line that takes the sum beyond: its first one when the
	 * order was beyond before it, its last one when the shipping is */
	at = t->beyond < first ? 0 : t->beyond >= o->nlines ? rec->nlines - 1 : t->beyond - first;
	amount_too_large(errs, record_line(rec, at)[PL_unit_price].line, "unit_price", digits,
	    "the order's total with line %lld is", (long long)o->lines[first + at].line_id);
	return -1;
}

bool
delivery_given(const struct record *rec, size_t first, size_t state)
{
	for (size_t i = first; i < first + 5; i++)
		if (rec->head[i].s != NULL)
			return true;
	return rec->head[state].s != NULL;
}

void
check_delivery(const struct record *rec, size_t first, size_t state, struct errlist *errs)
{
	/* address1, address2, zip, city, country: all but address2 needed */
	static const size_t need[] = { 0, 2, 3, 4 };

	if (!delivery_given(rec, first, state))
		return;
	for (size_t i = 0; i < NELEM(need); i++)
		if (rec->head[first + need[i]].s == NULL)
			errlist_add(errs, rec->line, rec->kind->head[first + need[i]].name,
			    ERR_MISSING_FIELD, "%s is required when any delivery field is given",
			    rec->kind->head[first + need[i]].name);
	check_state(rec, first + 4, state, errs);
}

struct address
delivery_from_fields(const struct field_value *h, size_t first, size_t state)
{
	return (struct address){ h[first].s, h[first + 1].s, h[first + 2].s, h[first + 3].s,
		h[first + 4].s, h[state].s };
}

void
check_state(const struct record *rec, size_t country, size_t state, struct errlist *errs)
{
	const struct field_value *c = &rec->head[country], *v = &rec->head[state];
	const char *name = rec->kind->head[state].name;

	/* an invalid country was reported as such */
	if (c->s == NULL || !valid_country(c->s, c->len) || !state_required(c->s))
		return;
	if (v->s == NULL)
		errlist_add(errs, v->line > 0 ? v->line : rec->line, name, ERR_MISSING_FIELD,
		    "%s is required when %s is %s", name, rec->kind->head[country].name, c->s);
	else if (!valid_state(c->s, v->s, v->len))
		errlist_add(errs, v->line, name, ERR_INVALID_STATE,
		    "%s '%s' is not a subdivision of %s (an ISO 3166-2 code without the "
		    "country prefix, such as %s)", name, v->s, c->s,
		    strcmp(c->s, "US") == 0 ? "CA" : strcmp(c->s, "CA") == 0 ? "ON" : "NSW");
}
