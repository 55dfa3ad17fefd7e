/* SPDX-License-Identifier: ISC */
/*
 * lifecycle: what the apply stages of the kinds after orders share: the
 * order a record refers to (deferring the record while it is unknown), the
 * record's own identity, sums over an order's payments, and settling an
 * order after a change, which is where derived state moves: processing,
 * completed and cancelled statuses, capture requests that wait for
 * authorization, and the release of unused authorization.
 */
#ifndef SLUICE_LIFECYCLE_H
#define SLUICE_LIFECYCLE_H

#include "pipeline/ledger/ledger.h"
#include "stages/journal.h"
#include "stages/stages.h"
#include "stages/totals.h"

/*
 * The frame every apply of a kind after orders runs in: lifecycle_begin()
 * (or lifecycle_open() and lifecycle_order()) opens it, lifecycle_end()
 * closes it.  The frame owns the order it loads.
 */
struct apply_frame {
	struct apply_ctx *a;
	struct record *rec;
	struct errlist *errs;
	struct order_state *st;   /* the record's order; NULL while none is loaded */
	size_t before;            /* the errors there were before the record */
	char sha[SHA256_HEX];     /* the record's identity, once digested */
	bool settle;              /* lifecycle_end() settles the order (the default) */
	bool reissue_link;        /* ... and renews its open link, whether or not
	                             its due changed */
};

/* Opens a frame for rec, loading nothing yet: until an order is loaded,
 * the frame owns nothing. */
void lifecycle_open(struct apply_frame *f, struct apply_ctx *a, struct record *rec,
    struct errlist *errs);

/*
 * Loads the order named by header field order_field of the frame's record.
 * Returns APPLY_OK, APPLY_DEFERRED (the order is not known yet: the reason
 * is added to the context's defers) or APPLY_FAILED.
 */
enum apply_result lifecycle_order(struct apply_frame *f, size_t order_field);

/*
 * Opens a frame for a record of a kind after orders: checks its own id (its
 * kind's id field), loads the order named by header field order_field (none
 * when the field is absent), parses the record's amounts in the order's
 * currency when the kind has none of its own, and digests its content
 * (typed values, defaults applied) into f->sha.  Returns APPLY_OK for a new
 * record; APPLY_DUPLICATE when the id was applied before with the same
 * content; APPLY_REJECTED (errors added) when with other content (another
 * order included), earlier in the same file, or when an amount is
 * malformed; APPLY_DEFERRED (reason added to the context's defers) for a
 * new record whose order is not known yet; APPLY_FAILED.  The frame is to
 * be closed whatever the result.
 */
enum apply_result lifecycle_begin(struct apply_frame *f, struct apply_ctx *a, struct record *rec,
    size_t order_field, struct errlist *errs);

/* APPLY_REJECTED when errors were added since the frame was opened, else
 * APPLY_OK: what the record's checks came to. */
enum apply_result lifecycle_checked(const struct apply_frame *f);

/*
 * Closes the frame on what applying the record came to, res: when it is
 * APPLY_OK, records the record's identity and settles its order (unless
 * f->settle was cleared, or there is none).  Frees the order.  Returns res,
 * or APPLY_FAILED when recording or settling failed.
 */
enum apply_result lifecycle_end(struct apply_frame *f, enum apply_result res);

/* What lifecycle_apply() runs in a frame: the record's checks (APPLY_OK,
 * or what else the record comes to, errors or the reason it waits added),
 * then, when they pass, its writes (0, or -1 when the ledger failed). */
typedef enum apply_result lifecycle_check_fn(const struct apply_frame *f);
typedef int lifecycle_write_fn(struct apply_frame *f);

/* Applies a record of a kind after orders: lifecycle_begin(), check,
 * write, lifecycle_end(). */
enum apply_result lifecycle_apply(struct apply_ctx *a, struct record *rec, size_t order_field,
    struct errlist *errs, lifecycle_check_fn *check, lifecycle_write_fn *write);

/* Adds amount_too_large at line and field: the printf-formatted subject
 * ("quantity x unit_price is") is beyond MONEY_MAX, written in digits. */
void amount_too_large(struct errlist *errs, long line, const char *field, int digits,
    const char *fmt, ...) PRINTF_LIKE(5, 6);

/* Moves the order's derived state after a change (see above).  before is
 * the order as it was before the change, or NULL when the change cannot
 * have changed its due: its links follow the due (links.h), and are
 * renewed anyway when reissue_link. */
int lifecycle_settle(struct apply_ctx *a, const char *order_number,
    const struct order_state *before, bool reissue_link);

/* Requests a refund or release (REF-<id_suffix>, REL-<id_suffix>; when a
 * request or link has that name, that with -<n>, the first n from 2 that
 * none has) and journals it; its file is issued.  payment_reference is the
 * request's own, or NULL for the order's. */
int lifecycle_request(struct apply_ctx *a, const struct order_state *st, enum request_type type,
    const char *id_suffix, const char *shipment_id, const char *return_id, int64_t amount,
    const char *payment_reference);

/* Requests the capture of shipment sh for what the checkout capture did
 * not pay (shipment_to_capture()), as CAP-<shipment_id>
 * (or, when that name is taken, CAP-<shipment_id>-<n>, the first n from 2
 * that no request has), journals it and marks the shipment's capture
 * requested.  Its file is issued when `file`, or unless capture_on is
 * manual. */
int lifecycle_capture(struct apply_ctx *a, const struct order_state *st, const struct shipment *sh,
    bool file);

/* Sets the order's status, journalling status_changed (from, to) with the
 * input as its source; nothing when it is that already. */
int lifecycle_set_status(struct apply_ctx *a, const struct order_state *st,
    enum order_status status);

/* The one rule of archiving, for archive actions and `sluice order
 * archive`: only a completed or cancelled order that waits for no answer
 * of the PSP to a request and has no open payment link.  True when the
 * order is refused, with the reason added at line (field order_number):
 * order_closed for an order archived already, else order_not_archivable. */
bool lifecycle_archive_refused(const struct order_state *st, long line, struct errlist *errs);

/* Sums into *sum the order's requests of a type whose status is one of
 * `statuses` (a set such as REQUESTS_IN(REQUEST_PENDING) |
 * REQUESTS_IN(REQUEST_SUCCEEDED)); -1 when the sum is beyond MONEY_MAX. */
int state_requested(const struct order_state *st, enum request_type type, unsigned statuses,
    int64_t *sum);

/* Sums into *sum what the order captured at checkout and its capture
 * requests whose status is one of `statuses`; -1 beyond MONEY_MAX. */
int state_captured(const struct order_state *st, unsigned statuses, int64_t *sum);
/* What of the order's capture at checkout no shipment took yet, in *left;
 * -1 when its shipments' prepaid parts add up beyond any amount. */
int state_checkout_left(const struct order_state *st, int64_t *left);
/* What of a shipment's amount is requested from the PSP: what the capture
 * at checkout did not pay. */
int64_t shipment_to_capture(const struct shipment *sh);

/* The order's line, shipment, return, request or link of that id, or NULL. */
struct order_line *state_line(const struct order_state *st, int64_t line_id);
struct shipment *state_shipment(const struct order_state *st, const char *shipment_id);
/* The shipment of the order that header field `field` of rec names, in
 * *sh: APPLY_OK; APPLY_DEFERRED (reason added to a->defers) while no order
 * has it; APPLY_REJECTED (wrong_order) when another order has it;
 * APPLY_FAILED. */
enum apply_result lifecycle_shipment(struct apply_ctx *a, const struct record *rec, size_t field,
    const struct order_state *st, struct shipment **sh, struct errlist *errs);
/* The shipment's line of that line_id, or NULL. */
struct shipment_line *shipment_line_of(const struct shipment *sh, int64_t line_id);
struct order_return *state_return(const struct order_state *st, const char *return_id);
struct payment_request *state_request(const struct order_state *st, const char *request_id);
struct payment_link *state_link(const struct order_state *st, const char *link_id);

/* The minor digits of the order's currency. */
int state_digits(const struct order_state *st);

/* True when the order takes no new work (completed, cancelled, archived). */
bool state_closed(const struct order_state *st);
/* What a capture action does for a shipment. */
enum to_capture {
	TO_CAPTURE_NONE,     /* nothing: captured, sent, waiting, or nothing to capture */
	TO_CAPTURE_UNSENT,   /* its pending request's file is issued */
	TO_CAPTURE_FAILED,   /* its capture is requested again */
};
enum to_capture state_to_capture(const struct order_state *st, const struct shipment *sh);
/* The shipment's latest capture request, or NULL. */
const struct payment_request *state_latest_capture(const struct order_state *st,
    const struct shipment *sh);
/* True when the order may get a new shipment: confirmed or processing,
 * and not on hold. */
bool state_shippable(const struct order_state *st);
/* Whether the whole order may be cancelled at once: nothing of it shipped
 * and nothing captured (*ok).  0, or -1 when its captures add up beyond
 * any amount. */
int state_cancellable(const struct order_state *st, bool *ok);
/* Rejects any change to an archived order (payments and returns included);
 * true when it did (error added). */
bool state_archived(const struct order_state *st, const struct record *rec, size_t order_field,
    struct errlist *errs);

/* Checks the lines of a cancellation or shipment (line_id, quantity)
 * against the order: unique, known, and at most the open units; `verb`
 * says what would be done ("cancelled", "shipped"). */
void check_open_lines(const struct record *rec, const struct order_state *st, const char *verb,
    struct errlist *errs);

/* Product lines and delivery addresses as orders and amendments carry
 * them.  `first` is the header index of delivery_address1, the other
 * address fields following it; `state` that of delivery_state. */
/* Reports every line_id that an earlier line of the record already used. */
void check_line_ids(const struct record *rec, size_t id_field, struct errlist *errs);
void product_line_from_fields(const struct field_value *v, struct order_line *ln);
/* Reports a line's discount above quantity x unit_price, and a line whose
 * amounts are beyond MONEY_MAX. */
void check_product_lines(const struct record *rec, int digits, bool prices_include_vat,
    struct errlist *errs);
/* Computes the totals of o, whose last lines are rec's (one at least); when
 * they go beyond MONEY_MAX, reports amount_too_large at the line of rec (or
 * the shipping) that takes them there, unless check_product_lines()
 * reported that line, and returns -1. */
int check_totals(const struct record *rec, const struct order *o, int digits,
    struct order_totals *t, struct errlist *errs);
bool delivery_given(const struct record *rec, size_t first, size_t state);
/* Reports what a given delivery address lacks, and its state as
 * check_state() does. */
void check_delivery(const struct record *rec, size_t first, size_t state, struct errlist *errs);
struct address delivery_from_fields(const struct field_value *h, size_t first, size_t state);
/* Reports a state (header index `state`) that the country (header index
 * `country`) of its address needs and lacks (missing_field), or that is
 * none of that country's subdivisions (invalid_state). */
void check_state(const struct record *rec, size_t country, size_t state, struct errlist *errs);

#endif
