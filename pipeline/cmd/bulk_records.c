/* SPDX-License-Identifier: ISC */
/*
 * bulk_records: what each action of `sluice bulk` that changes orders
 * submits for one order, built from the order's state: an amendment, a
 * shipment, shipment updates, a cancellation or an action (capture,
 * archive), as the CSV an ERP would send (CONTRACT section 3).  When the action does not apply to the order,
 * or would change nothing, the order is skipped, with a code and why.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "pipeline/cmd/bulk.h"
#include "base/log.h"
#include "stages/lifecycle.h"
#include "stages/validate.h"

void
bulk_csv_quote(struct buf *out, const char *s, const char *prefix)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		buf_printf(out, "%s%s", prefix, s);
		return;
	}
	buf_printf(out, "\"%s", prefix);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(out, '"');
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

/* Appends a CSV row of n cells (NULL: empty). */
static void
row(struct buf *out, size_t n, const char *const *cells)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		if (cells[i] != NULL)
			bulk_csv_quote(out, cells[i], "");
	}
	buf_puts(out, "\r\n");
}

#define ROW(out, ...) \
	row(out, sizeof (const char *[]){ __VA_ARGS__ } / sizeof(const char *), \
	    (const char *const[]){ __VA_ARGS__ })

/* Says why the order is skipped: *code, and the message in why.  1. */
static int
skip(const char **code, const char *c, struct buf *why, const char *fmt, ...) PRINTF_LIKE(4, 5);

static int
skip(const char **code, const char *c, struct buf *why, const char *fmt, ...)
{
	va_list ap;

	*code = c;
	va_start(ap, fmt);
	buf_vprintf(why, fmt, ap);
	va_end(ap);
	return 1;
}

/* Skips an order that takes no change at all (completed, cancelled,
 * archived): 1, else 0. */
static int
skip_closed(const struct order_state *st, const char **code, struct buf *why)
{
	if (!state_closed(st))
		return 0;
	return skip(code, "order_closed", why, "order %s is %s", st->order->order_number,
	    order_status_name(st->order->status));
}

/* An amendment of the order with one header field set. */
static void
amendment(struct buf *csv, const char *id, const char *order_number, const char *field,
    const char *value)
{
	ROW(csv, "amendment_id", "order_number", field);
	ROW(csv, id, order_number, value);
}

static int
confirm_build(const struct bulk *b, const struct order_state *st, const char *id,
    struct buf *csv, const char **code, struct buf *why)
{
	(void)b;
	if (skip_closed(st, code, why))
		return 1;
	if (st->order->status != ORDER_PENDING)
		return skip(code, "already_done", why, "order %s is %s already",
		    st->order->order_number, order_status_name(st->order->status));
	amendment(csv, id, st->order->order_number, "status", "confirmed");
	return 0;
}

/* hold (on) or unhold. */
static int
hold_build(const struct order_state *st, const char *id, bool on, struct buf *csv,
    const char **code, struct buf *why)
{
	if (skip_closed(st, code, why))
		return 1;
	if (st->order->hold == on)
		return skip(code, "already_done", why, on ? "order %s is on hold already" :
		    "order %s is not on hold", st->order->order_number);
	amendment(csv, id, st->order->order_number, "hold", on ? "true" : "false");
	return 0;
}

static int
hold_on_build(const struct bulk *b, const struct order_state *st, const char *id,
    struct buf *csv, const char **code, struct buf *why)
{
	(void)b;
	return hold_build(st, id, true, csv, code, why);
}

static int
hold_off_build(const struct bulk *b, const struct order_state *st, const char *id,
    struct buf *csv, const char **code, struct buf *why)
{
	(void)b;
	return hold_build(st, id, false, csv, code, why);
}

static int
ship_build(const struct bulk *b, const struct order_state *st, const char *id,
    struct buf *csv, const char **code, struct buf *why)
{
	const struct order *o = st->order;
	const char *carrier = b->args->opt[OPT_CARRIER], *service = b->args->opt[OPT_SERVICE];
	bool shipped = b->args->opt[OPT_SHIPPED] != NULL;
	size_t open = 0;

	if (skip_closed(st, code, why))
		return 1;
	if (!state_shippable(st))
		return skip(code, "order_not_shippable", why, "order %s is %s%s", o->order_number,
		    order_status_name(o->status), o->hold ? " and on hold" : "");
	ROW(csv, "shipment_id", "order_number", "carrier", "service", "shipped", "shipped_at",
	    "line_id", "quantity");
	for (size_t i = 0; i < o->nlines; i++) {
		const struct order_line *ln = &o->lines[i];
		int64_t left = ln->quantity - ln->shipped - ln->cancelled;
		char line_id[24], qty[24];

		if (left <= 0)
			continue;
		snprintf(line_id, sizeof line_id, "%lld", (long long)ln->line_id);
		snprintf(qty, sizeof qty, "%lld", (long long)left);
		ROW(csv, id, o->order_number, carrier, service, shipped ? "true" : "false",
		    shipped ? b->now : NULL, line_id, qty);
		open++;
	}
	if (open == 0)
		return skip(code, "nothing_to_ship", why, "order %s has no open units",
		    o->order_number);
	return 0;
}

static int
tracking_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct bulk_tracking *)elem)->shipment_id);
}

static int
mark_shipped_build(const struct bulk *b, const struct order_state *st, const char *id,
    struct buf *csv, const char **code, struct buf *why)
{
	size_t unshipped = 0;

	(void)id;   /* each update keeps its shipment's id */
	if (skip_closed(st, code, why))
		return 1;
	ROW(csv, "shipment_id", "order_number", "carrier", "tracking", "shipped", "shipped_at",
	    "line_id", "quantity");
	for (size_t i = 0; i < st->nshipments; i++) {
		const struct shipment *sh = &st->shipments[i];
		const struct bulk_tracking *t;

		if (sh->shipped)
			continue;
		t = b->ntracking == 0 ? NULL : bsearch(sh->shipment_id, b->tracking, b->ntracking,
		    sizeof *b->tracking, tracking_cmp);
		for (size_t k = 0; k < sh->nlines; k++) {
			char line_id[24], qty[24];

			snprintf(line_id, sizeof line_id, "%lld", (long long)sh->lines[k].line_id);
			snprintf(qty, sizeof qty, "%lld", (long long)sh->lines[k].quantity);
			ROW(csv, sh->shipment_id, st->order->order_number,
			    t != NULL ? t->carrier : NULL, t != NULL ? t->tracking : NULL, "true",
			    b->now, line_id, qty);
		}
		unshipped++;
	}
	if (unshipped == 0)
		return skip(code, st->nshipments == 0 ? "nothing_to_ship" : "already_done", why,
		    st->nshipments == 0 ? "order %s has no shipments" :
		    "every shipment of order %s is shipped already", st->order->order_number);
	return 0;
}

static int
cancel_build(const struct bulk *b, const struct order_state *st, const char *id,
    struct buf *csv, const char **code, struct buf *why)
{
	bool cancellable;

	if (st->order->status == ORDER_CANCELLED)
		return skip(code, "already_done", why, "order %s is cancelled already",
		    st->order->order_number);
	if (skip_closed(st, code, why))
		return 1;
	if (state_cancellable(st, &cancellable) != 0 || !cancellable)
		return skip(code, "order_not_cancellable", why, "order %s has a shipment or a "
		    "capture; only its open units can be cancelled, line by line",
		    st->order->order_number);
	ROW(csv, "cancellation_id", "order_number", "whole_order", "reason");
	ROW(csv, id, st->order->order_number, "true", b->args->opt[OPT_REASON]);
	return 0;
}

static int
capture_build(const struct bulk *b, const struct order_state *st, const char *id,
    struct buf *csv, const char **code, struct buf *why)
{
	size_t n = 0;

	(void)b;
	if (skip_closed(st, code, why))
		return 1;
	if (st->order->hold)
		return skip(code, "order_on_hold", why, "order %s is on hold",
		    st->order->order_number);
	for (size_t i = 0; i < st->nshipments; i++)
		n += state_to_capture(st, &st->shipments[i]) != TO_CAPTURE_NONE;
	if (n == 0)
		return skip(code, "nothing_to_capture", why, "order %s has no shipment whose "
		    "capture was not sent to the PSP or failed", st->order->order_number);
	ROW(csv, "action_id", "order_number", "action");
	ROW(csv, id, st->order->order_number, "capture");
	return 0;
}

static int
archive_build(const struct bulk *b, const struct order_state *st, const char *id,
    struct buf *csv, const char **code, struct buf *why)
{
	struct errlist errs;
	int ret = 0;

	(void)b;
	if (st->order->status == ORDER_ARCHIVED)
		return skip(code, "already_done", why, "order %s is archived already",
		    st->order->order_number);
	errlist_init(&errs, 1);
	if (lifecycle_archive_refused(st, 0, &errs))
		ret = skip(code, err_code_name(errs.items[0].code), why, "%s",
		    errs.items[0].message);
	errlist_free(&errs);
	if (ret == 0) {
		ROW(csv, "action_id", "order_number", "action");
		ROW(csv, id, st->order->order_number, "archive");
	}
	return ret;
}

const struct bulk_change bulk_confirm = { KIND_AMENDMENTS, confirm_build };
const struct bulk_change bulk_hold = { KIND_AMENDMENTS, hold_on_build };
const struct bulk_change bulk_unhold = { KIND_AMENDMENTS, hold_off_build };
const struct bulk_change bulk_ship = { KIND_SHIPMENTS, ship_build };
const struct bulk_change bulk_mark_shipped = { KIND_SHIPMENTS, mark_shipped_build };
const struct bulk_change bulk_cancel = { KIND_CANCELLATIONS, cancel_build };
const struct bulk_change bulk_capture = { KIND_ACTIONS, capture_build };
const struct bulk_change bulk_archive = { KIND_ACTIONS, archive_build };

static int
tracking_sort(const void *x, const void *y)
{
	return strcmp(((const struct bulk_tracking *)x)->shipment_id,
	    ((const struct bulk_tracking *)y)->shipment_id);
}

/* Reading --tracking FILE: its rows, each of three cells. */
struct tracking_read {
	struct bulk *b;
	const char *path;
	size_t cap;
	size_t line;           /* the row being read, from 1 */
	char *cells[3];
	size_t ncells;         /* cells of the row so far */
	bool bad;
};

static void
tracking_field(void *data, size_t len, void *ctx)
{
	struct tracking_read *r = ctx;

	if (r->ncells < 3)
		r->cells[r->ncells] = xstrndup(data != NULL ? data : "", len);
	r->ncells++;
}

/* Ends a row: the header (shipment_id,carrier,tracking) is passed over,
 * another is kept; a malformed one is said. */
static void
tracking_row(int c, void *ctx)
{
	struct tracking_read *r = ctx;
	struct bulk *b = r->b;
	char **v = r->cells;

	(void)c;
	r->line++;
	if (r->ncells == 3 && r->line == 1 && strcmp(v[0], "shipment_id") == 0 &&
	    strcmp(v[1], "carrier") == 0 && strcmp(v[2], "tracking") == 0) {
		for (size_t i = 0; i < 3; i++)
			free(v[i]);
	} else if (r->ncells != 3 || !valid_id(v[0], strlen(v[0])) ||
	    !valid_text(v[1], strlen(v[1]), 100, false) ||
	    !valid_text(v[2], strlen(v[2]), 100, false)) {
		fprintf(stderr, "sluice bulk: %s:%zu: not shipment_id,carrier,tracking (an id, then "
		    "texts of at most 100 characters)\n", r->path, r->line);
		r->bad = true;
		for (size_t i = 0; i < 3 && i < r->ncells; i++)
			free(v[i]);
	} else {
		b->tracking = xreserve(b->tracking, b->ntracking, &r->cap, 64, sizeof *b->tracking);
		b->tracking[b->ntracking++] = (struct bulk_tracking){ v[0],
		    v[1][0] != '\0' ? v[1] : NULL, v[2] };
		if (v[1][0] == '\0')
			free(v[1]);
	}
	r->ncells = 0;
}

bool
bulk_read_tracking(struct bulk *b, const char *path)
{
	struct tracking_read r = { .b = b, .path = path };
	FILE *f = fopen_regular(path);
	struct csv_parser p;
	char data[8192];
	size_t n;

	if (f == NULL || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0) {
		fprintf(stderr, "sluice bulk: cannot read %s: %s\n", path,
		    f == NULL && errno != 0 ? strerror(errno) : "not a regular file");
		if (f != NULL)
			fclose(f);
		return false;
	}
	for (bool first = true; !r.bad && (n = fread(data, 1, sizeof data, f)) > 0; first = false) {
		/* a byte order mark that begins the file is passed over */
		size_t bom = first ? utf8_bom_len(data, n) : 0;

		if (csv_parse(&p, data + bom, n - bom, tracking_field, tracking_row, &r) != n - bom) {
			fprintf(stderr, "sluice bulk: %s: %s\n", path, csv_strerror(csv_error(&p)));
			r.bad = true;
		}
	}
	if (!r.bad && csv_fini(&p, tracking_field, tracking_row, &r) != 0) {
		fprintf(stderr, "sluice bulk: %s: %s\n", path, csv_strerror(csv_error(&p)));
		r.bad = true;
	}
	csv_free(&p);
	if (ferror(f)) {
		fprintf(stderr, "sluice bulk: cannot read %s: %s\n", path, strerror(errno));
		r.bad = true;
	}
	fclose(f);
	if (b->ntracking > 0)   /* else b->tracking is NULL, which qsort may not take */
		qsort(b->tracking, b->ntracking, sizeof *b->tracking, tracking_sort);
	for (size_t i = 1; !r.bad && i < b->ntracking; i++)
		if (strcmp(b->tracking[i].shipment_id, b->tracking[i - 1].shipment_id) == 0) {
			sanitized_printf(stderr, "sluice bulk: %s names shipment %s twice\n", path,
			    b->tracking[i].shipment_id);
			r.bad = true;
		}
	return !r.bad;
}

void
bulk_free_tracking(struct bulk *b)
{
	for (size_t i = 0; i < b->ntracking; i++) {
		free(b->tracking[i].shipment_id);
		free(b->tracking[i].carrier);
		free(b->tracking[i].tracking);
	}
	free(b->tracking);
	b->tracking = NULL;
	b->ntracking = 0;
}
