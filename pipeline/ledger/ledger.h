/* SPDX-License-Identifier: ISC */
/*
 * ledger: the store.  Every order, every input's outcome, the journal, the
 * outbox, the documents and their number series are kept here, and this
 * header is all the rest of sluice sees of it: sluice's own types and
 * functions, no SQLite.  What is behind it (the SQLite connection, the
 * statement cache, row readers) is in ledger_int.h, private to this folder,
 * where every SQL statement of sluice lives:
 *   ledger.c     opening, migrations, transactions, inputs, journal, outbox
 *   orders.c     orders and their lines
 *   lifecycle.c  shipments, returns, payment requests, links and events
 *   documents.c  documents, number series, templates, free-text invoices
 *   audit.c      the ledger checked against its journal
 *   operations.c what operators watch and purge
 *
 * Transactions: one transaction per batch of inputs (group commit), one
 * savepoint per input inside it, so each input is all-or-nothing.
 * Functions return 0 (or 1 found / 0 not found where they look something
 * up) and -1 when the database failed (the message is logged); -1 is an
 * environment failure, never a verdict on input.
 *
 * Who owns the strings: every string field of the structs below is a
 * const char * and is never freed on its own.
 *   - A struct BUILT to be written (an order from a record, a document
 *     being issued) borrows its strings from whoever built it and owns
 *     nothing; the ledger copies what it keeps.
 *   - A struct LOADED from the ledger keeps all its strings, those of the
 *     structs it holds included (lines, addresses, shipments...), in a
 *     string arena (base/arena.h) that it owns, and its free or clear
 *     function frees them all at once.  The structs that are loaded on
 *     their own have an arena (input_row, input_list, outbox_list, order,
 *     order_state, document_view); the parts of one (an order line, an
 *     address, a shipment, a document row...) keep theirs in its arena.
 *     Since no field is freed by itself, a loaded struct's field may be
 *     pointed at another string that outlives the struct.
 *   - A struct LENT to a callback (a journal event, a listed error...)
 *     lives until the callback returns.
 */
#ifndef SLUICE_LEDGER_H
#define SLUICE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/errors.h"
#include "base/hash.h"
#include "base/states.h"
#include "base/util.h"

/*
 * The database, transactions, inputs, journal and outbox.
 */

struct ledger;

/* Opens (creating when asked) the ledger at path and migrates its schema.
 * synchronous_full selects synchronous=FULL (else NORMAL).  Returns 0; -2
 * when the ledger is damaged or newer than this sluice; -1 when the
 * machine or the user's permissions failed.  Reasons are logged. */
int ledger_open(const char *path, bool create, bool synchronous_full, struct ledger **out);
/* Opens the ledger at path to read it only, for the commands that only
 * look (any member of the spool's group may run them): every write through
 * it fails, nothing is created or migrated.  Returns 0; -3 when the ledger
 * is at an older schema version and this user may write it (ledger_open
 * brings it up to date); -2 when it is damaged; else -1 (reasons logged:
 * a ledger at another schema version is refused). */
int ledger_open_read(const char *path, struct ledger **out);
void ledger_close(struct ledger *l);
/* Names who asks for what l is opened for (a login name, kept as a copy;
 * NULL: unknown): the journal records it with every event an operator's
 * command adds. */
void ledger_set_actor(struct ledger *l, const char *actor);
/* Names who asked for the input now processed (the operator of the bulk
 * job that submitted it; a copy; NULL: nobody known): the journal records
 * it with the input's events. */
void ledger_set_input_actor(struct ledger *l, const char *actor);
/* Runs SQLite's quick_check.  Returns 0 when the ledger is sound, -1 when
 * it is damaged (what SQLite found is logged). */
int ledger_quick_check(struct ledger *l);
/* The schema version the ledger is at. */
int ledger_schema_version(struct ledger *l);
/* The newest schema version this build knows. */
int ledger_schema_latest(void);

int ledger_begin(struct ledger *l);
int ledger_commit(struct ledger *l);
int ledger_rollback(struct ledger *l);
/* The per-input savepoint. */
int ledger_savepoint(struct ledger *l);
int ledger_release(struct ledger *l);
int ledger_rollback_savepoint(struct ledger *l);

/* One input's row.  A row read alone keeps its strings in its arena
 * (freed by ledger_input_clear); a row of an input_list in the list's. */
struct input_row {
	int64_t id;
	const char *work_name;
	const char *name;
	const char *kind;
	const char *sha256;
	int64_t size;
	int64_t received_ns;
	enum input_status status;
	int64_t records;
	const char *processed_at;
	int64_t error_count;
	const char *filed_as;
	int64_t link_expires_ns;  /* deferred, waiting for a payment: when the
	                             payment link it waits for expires; 0: none */
	struct arena arena;
};

/* Inputs loaded together, their strings in the list's arena. */
struct input_list {
	struct input_row *rows;
	size_t n;
	struct arena arena;
};

void ledger_input_clear(struct input_row *row);
/* Inserts row (its id is assigned and stored in row->id). */
int ledger_input_insert(struct ledger *l, struct input_row *row);
/* Sets an input's outcome and where it is filed (and that it waits for
 * no payment link). */
int ledger_input_finish(struct ledger *l, int64_t id, enum input_status status, int64_t records,
    int64_t error_count, const char *filed_as);
/* Sets when an input was (last) processed. */
int ledger_input_touch(struct ledger *l, int64_t id, const char *processed_at);
int ledger_input_error_add(struct ledger *l, int64_t input_id, int seq,
    const struct error_item *e);
/* Replaces an input's listed errors with those of errs, sorted
 * (errlist_sort), and when errs counted more than it keeps, a last error
 * too_many_errors saying how many: the errors as its receipt lists them. */
int ledger_input_set_errors(struct ledger *l, int64_t input_id, struct errlist *errs);
/* Finds an accepted or duplicate input with this content; returns 1 and
 * fills *records when found, 0 when not, -1 on failure. */
int ledger_input_seen(struct ledger *l, const char *sha256, int64_t *records);
/* Loads an input by id or by work name; 1 found, 0 not, -1 failure. */
int ledger_input_get(struct ledger *l, int64_t id, struct input_row *out);
int ledger_input_by_work_name(struct ledger *l, const char *work_name, struct input_row *out);
/* The latest time of receipt of the inputs of kind named name (0 when
 * there is none).  0, or -1. */
int ledger_input_latest(struct ledger *l, const char *kind, const char *name, int64_t *received_ns);
/* Loads every input named name, of any kind, latest received first
 * (caller frees with ledger_inputs_free).  0, or -1. */
int ledger_inputs_named(struct ledger *l, const char *name, struct input_list *out);
void ledger_inputs_free(struct input_list *list);
/* Calls fn for each listed error of an input, in order. */
int ledger_input_errors(struct ledger *l, int64_t input_id,
    int (*fn)(void *ctx, const struct error_item *e), void *ctx);

/* Counts of inputs per status. */
struct input_counts {
	int64_t accepted, duplicate, deferred, rejected;
};
int ledger_input_counts(struct ledger *l, struct input_counts *out);
/* Calls fn for the newest rejected inputs (at most limit), newest first. */
int ledger_recent_rejections(struct ledger *l, int limit,
    int (*fn)(void *ctx, const struct input_row *in, const struct error_item *first), void *ctx);

/* Sets when the payment link a deferred input waits for expires (0: it
 * waits for none). */
int ledger_input_set_link_expiry(struct ledger *l, int64_t id, int64_t link_expires_ns);
/* Which inputs ledger_inputs_each() lists; a NULL or 0 field selects all. */
struct input_filter {
	const char *status;    /* a status's name */
	const char *kind;      /* a kind's plural */
	int64_t since_ns;      /* received at or after this instant */
};
/* Calls fn for each input that f selects, oldest first (by id), with its
 * first listed error (NULL when none); rows are read one at a time, so
 * any number of inputs takes the memory of one.  in and first live until
 * fn returns; fn's -1 stops the listing (and is returned). */
int ledger_inputs_each(struct ledger *l, const struct input_filter *f,
    int (*fn)(void *ctx, const struct input_row *in, const struct error_item *first), void *ctx);
/* Loads the input of kind named name received last: 1 found (free with
 * ledger_input_clear), 0 none, -1 failure. */
int ledger_input_newest(struct ledger *l, const char *kind, const char *name,
    struct input_row *out);
/* The path of the receipt queued last for input id (*path owned by the
 * caller) and whether it was written: 1 found, 0 when none was queued,
 * -1 failure. */
int ledger_input_receipt(struct ledger *l, int64_t id, char **path, bool *published);
/* Calls fn for each record input id applied (an order, a shipment, ...):
 * its kind's plural, its id and its order's number, lent until fn
 * returns. */
int ledger_input_records(struct ledger *l, int64_t id,
    int (*fn)(void *ctx, const char *kind, const char *record_id, const char *order_number),
    void *ctx);

/* Appends a journal event.  input_id 0 with a command for operator actions
 * (recorded with the actor ledger_set_actor named). */
int ledger_journal_add(struct ledger *l, const char *order_number, const char *type,
    int64_t input_id, const char *command, const char *at, const char *detail);

struct journal_event {
	int64_t seq;
	const char *at;
	const char *type;
	const char *source;     /* "orders.csv (sha256 ...)" or the command */
	const char *detail;
	const char *by;         /* who asked for the command; NULL: unknown */
};
/* Calls fn for each event of an order, oldest first. */
int ledger_journal_for_order(struct ledger *l, const char *order_number,
    int (*fn)(void *ctx, const struct journal_event *e), void *ctx);
/* Calls fn for each operator action on input id (what a command journaled
 * with the input's id and no order: a requeue), oldest first. */
int ledger_journal_for_input(struct ledger *l, int64_t input_id,
    int (*fn)(void *ctx, const struct journal_event *e), void *ctx);

/* Queues an output file. */
int ledger_outbox_add(struct ledger *l, const char *path, const char *doc, int64_t ref);
struct outbox_row {
	int64_t id;
	const char *path;
	const char *doc;
	int64_t ref;
};
/* Outbox rows loaded together, their strings in the list's arena. */
struct outbox_list {
	struct outbox_row *rows;
	size_t n;
	struct arena arena;
};
/* Loads every unpublished row, oldest first (caller frees with
 * ledger_outbox_free). */
int ledger_outbox_pending(struct ledger *l, struct outbox_list *out);
void ledger_outbox_free(struct outbox_list *list);
int ledger_outbox_mark(struct ledger *l, int64_t id);
/* Changes where a queued output is written. */
int ledger_outbox_move(struct ledger *l, int64_t id, const char *path);

/*
 * Orders and their lines.
 * An order built from a record borrows the record's strings; a loaded one
 * keeps them, its lines' and addresses' included, in its arena.
 */

struct address {
	const char *address1;
	const char *address2;
	const char *zip;
	const char *city;
	const char *country;
	const char *state;      /* a subdivision of the country, or NULL */
};

struct order_line {
	int64_t line_id;
	const char *sku;
	const char *ean;
	const char *name;
	const char *variant;
	const char *size;
	int64_t quantity;
	int64_t unit_price;
	int64_t discount;
	int64_t voucher;              /* this line's share of the order's voucher */
	int64_t vat_rate;             /* hundredths of a percent */
	const char *country_of_origin;
	const char *hs_code;
	int64_t weight_grams;         /* -1 when unknown */
	int64_t shipped;
	int64_t cancelled;
};

/* An order's extra attribute. */
struct order_attr {
	const char *name;
	const char *value;
};

struct order {
	const char *order_number;
	int64_t input_id;
	const char *content_sha256;
	const char *order_date;
	const char *market;
	const char *currency;
	bool prices_include_vat;
	enum order_status status;
	bool hold;
	const char *email;
	const char *first_name;
	const char *last_name;
	const char *phone;
	struct address billing;
	struct address delivery;
	const char *shipping_method;
	int64_t shipping_price;
	int64_t shipping_vat_rate;
	const char *payment_method;
	const char *payment_reference;
	int64_t authorized;
	int64_t captured_amount;      /* captured at checkout (of authorized) */
	const char *capture_reference; /* the PSP's, of that capture; or NULL */
	const char *voucher_code;     /* NULL: none */
	int64_t voucher_value;        /* spread over the lines (their voucher) */
	const char *language;         /* of its documents; NULL: the template's */
	const char *delivery_date;    /* the day the customer chose, or NULL */
	const char *internal_comment; /* never on a customer's document */
	const char *comment;
	bool awaiting_payment;        /* since it arrived, its due was never 0 */
	struct order_line *lines;     /* loaded orders only */
	size_t nlines;
	struct order_attr *attrs;     /* by name */
	size_t nattrs;
	struct arena arena;           /* loaded orders: every string above */
};

/* Looks up who created an order and with what content: 1 when it exists
 * (filling input_id and sha), 0 when not, -1 on failure. */
int ledger_order_identity(struct ledger *l, const char *order_number, int64_t *input_id,
    char sha[SHA256_HEX]);
int ledger_order_insert(struct ledger *l, const struct order *o);

int ledger_order_attr_insert(struct ledger *l, const char *order_number,
    const struct order_attr *a);
int ledger_order_line_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct order_line *ln);

/* Loads an order with its lines and attributes: 1 found (*out owned by the caller, free
 * with order_free), 0 unknown, -1 failure. */
int ledger_order_load(struct ledger *l, const char *order_number, struct order **out);
void order_free(struct order *o);

/* Which orders a selection takes: each member set narrows it (AND).  The
 * order date is compared as an instant to the second (its fraction
 * dropped). */
struct order_filter {
	const char *statuses;  /* status names, each between commas (",pending,held,"), or NULL */
	const char *market;    /* NULL: any */
	const char *country;   /* the delivery country; NULL: any */
	bool since_set;        /* ordered at or after since_ns (not negative) */
	int64_t since_ns;
	bool until_set;        /* ordered at or before until_ns (not negative) */
	int64_t until_ns;
	int hold;              /* 1 on hold, 0 not, -1 either */
};
/* Calls fn with the number of each order f selects, by order number; rows
 * are read one at a time, so any number of orders takes the memory of one.
 * The number lives until fn returns; fn may read the ledger.  fn's -1
 * stops the listing (and is returned); else 0, or -1 on failure. */
int ledger_orders_each(struct ledger *l, const struct order_filter *f,
    int (*fn)(void *ctx, const char *order_number), void *ctx);
/* Whether f selects the order: 1 it does, 0 it does not, 2 no such order,
 * -1 failure. */
int ledger_order_selected(struct ledger *l, const struct order_filter *f,
    const char *order_number);

/*
 * The lifecycle: what happens to an order after it is received.
 * Shipments and their lines, returns, payment requests, payment links and
 * payment events, and the identity of every record applied.
 * ledger_order_state() loads an order with all of it, for the apply stages
 * (to check the rules) and for `order show`.  The mutations are small, one
 * statement each; the apply stages combine them inside their transaction.
 */

struct shipment_line {
	int64_t line_id;
	int64_t quantity;
	int64_t first_unit;     /* units first_unit+1 .. first_unit+quantity */
	int64_t amount;
	int64_t vat;
	int64_t returned;
};

struct shipment {
	const char *shipment_id;
	int64_t seq;
	int64_t input_id;
	const char *lines_sha256;
	const char *carrier;
	const char *service;
	const char *tracking;
	bool shipped;
	const char *shipped_at;
	int64_t amount;
	int64_t vat;
	int64_t shipping_amount;
	enum capture_state capture;
	int64_t prepaid;              /* of amount, paid by the order's capture
	                                 at checkout; the rest is requested */
	struct shipment_line *lines;
	size_t nlines;
};

struct return_line {
	int64_t line_id;
	int64_t quantity;
	int64_t amount;
	int64_t vat;
};

struct order_return {
	const char *return_id;
	const char *shipment_id;
	const char *reason;
	bool restock;
	int64_t return_fee;
	int64_t lines_amount;
	int64_t lines_vat;
	int64_t shipping_amount;
	int64_t refund;
	struct return_line *lines;
	size_t nlines;
};

struct payment_request {
	const char *request_id;
	enum request_type type;
	const char *shipment_id;
	const char *return_id;
	int64_t amount;
	enum request_status status;
	const char *event_id;
	const char *payment_reference;   /* its own, or NULL: the order's */
	bool issued;                     /* its file was issued (a manual capture's
	                                    is not, until a capture action asks) */
};

struct payment_link {
	const char *link_id;
	int64_t n;
	int64_t amount;
	enum link_status status;
	const char *event_id;
	int64_t expires_ns;     /* the instant it expires, ns since the epoch */
};

/* An order line as a link showed it: the units cancelled when the link was
 * issued. */
struct link_line {
	int64_t line_id;
	int64_t cancelled;
};

struct payment_event {
	const char *event_id;
	const char *type;
	const char *request_id;
	const char *status;
	int64_t amount;
	const char *psp_reference;
	const char *occurred_at;
	bool applied;           /* false: money on a link no longer open,
	                           which paid nothing (and is released) */
};

/* An order and everything that happened to it. */
struct order_state {
	struct order *order;
	bool shipping_refunded;
	int64_t next_link;
	struct shipment *shipments;        /* in order of creation */
	size_t nshipments;
	struct order_return *returns;
	size_t nreturns;
	struct payment_request *requests;  /* in order of creation */
	size_t nrequests;
	struct payment_link *links;
	size_t nlinks;
	struct payment_event *events;
	size_t nevents;
	struct arena arena;                /* the strings of all but the order
	                                      (which has its own) */
};

/* Loads an order's state: 1 found (*out owned by the caller), 0 unknown,
 * -1 failure. */
int ledger_order_state(struct ledger *l, const char *order_number, struct order_state **out);
void order_state_free(struct order_state *s);

/* Finds a record applied before: 1 (input id and content digest filled),
 * 0 when new, -1 failure. */
int ledger_record_identity(struct ledger *l, const char *kind, const char *record_id,
    int64_t *input_id, char sha[SHA256_HEX]);
/* The order a record applied before belongs to: 1 (*order_number owned by
 * the caller), 0 unknown, -1 failure. */
int ledger_record_order(struct ledger *l, const char *kind, const char *record_id,
    char **order_number);
/* The order that a payment request or link id belongs to: 1 (*order_number
 * owned by the caller), 0 when no order has it, -1 failure. */
int ledger_payment_target_order(struct ledger *l, const char *id, char **order_number);
int ledger_record_add(struct ledger *l, const char *kind, const char *record_id,
    const char *order_number, int64_t input_id, const char *sha);

int ledger_order_set_status(struct ledger *l, const char *order_number, enum order_status status);
int ledger_order_set_hold(struct ledger *l, const char *order_number, bool hold);
int ledger_order_set_delivery(struct ledger *l, const char *order_number, const struct address *a);
int ledger_order_add_authorized(struct ledger *l, const char *order_number, int64_t amount);
int ledger_order_set_awaiting_payment(struct ledger *l, const char *order_number, bool awaiting);
/* How many orders await payment. */
int ledger_orders_awaiting_payment(struct ledger *l, int64_t *n);
int ledger_order_set_payment_reference(struct ledger *l, const char *order_number,
    const char *reference);
int ledger_order_set_shipping_refunded(struct ledger *l, const char *order_number);
/* Takes the order's next payment link number. */
int ledger_order_take_link_number(struct ledger *l, const char *order_number, int64_t *n);

int ledger_line_add_cancelled(struct ledger *l, const char *order_number, int64_t line_id,
    int64_t quantity);
int ledger_line_add_shipped(struct ledger *l, const char *order_number, int64_t line_id,
    int64_t quantity);

int ledger_shipment_insert(struct ledger *l, const char *order_number, const struct shipment *s);
int ledger_shipment_update(struct ledger *l, const struct shipment *s);
int ledger_shipment_set_capture(struct ledger *l, const char *shipment_id,
    enum capture_state capture);
int ledger_shipment_add_returned(struct ledger *l, const char *shipment_id, int64_t line_id,
    int64_t quantity);

int ledger_return_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct order_return *r);

int ledger_request_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_request *r);
int ledger_request_answer(struct ledger *l, const char *request_id,
    enum request_status status, const char *event_id);

/* Inserts an open link and the order's lines as it shows them. */
int ledger_link_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_link *k, const struct link_line *lines, size_t nlines);
/* Sets a link's status (and the event that spent or expired it, or NULL). */
int ledger_link_set_status(struct ledger *l, const char *link_id, enum link_status status,
    const char *event_id);
/* Loads the lines a link showed into *lines (owned by the caller); 0 or -1. */
int ledger_link_lines(struct ledger *l, const char *link_id, struct link_line **lines,
    size_t *nlines);

int ledger_payment_event_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_event *e);

/*
 * Documents.
 * The documents sluice issues (invoices, credit notes, pro-formas, payment
 * requests and links), their gap-free number series, the templates they
 * were rendered with, and free-text invoices.
 */

/* Takes the next number of the series of prefix (1, 2, 3, ...).  Inside
 * the caller's transaction: a rollback gives the number back, so numbers
 * are never skipped or used twice. */
int ledger_series_next(struct ledger *l, const char *prefix, int64_t *n);

/* A document row.  One being issued borrows its strings; one loaded is
 * part of a document_view, its strings in the view's arena. */
struct document {
	int64_t id;
	enum document_type type;
	const char *number;
	const char *order_number;
	const char *shipment_id;
	const char *return_id;
	const char *request_id;
	const char *link_id;
	const char *invoice_id;
	const char *issued_at;
	const char *template_sha256;
	int64_t input_id;
};

/* Inserts d (its id is assigned and stored in d->id). */
int ledger_document_insert(struct ledger *l, struct document *d);
/* Calls fn for each document of an order, in the order they were issued;
 * d lives until fn returns. */
int ledger_documents_for_order(struct ledger *l, const char *order_number,
    void (*fn)(void *ctx, const struct document *d), void *ctx);

/* Keeps a template's text and logo under its digest (once). */
int ledger_template_store(struct ledger *l, const char *sha256, const char *name,
    const char *text, const void *logo, size_t logo_len);

int ledger_shipment_set_delivery(struct ledger *l, const char *shipment_id, const struct address *a);

struct free_invoice_line {
	const char *description;
	int64_t quantity;
	int64_t unit_price;
	int64_t vat_rate;
	int64_t vat;
	int64_t line_total;
};

/* A free-text invoice.  One built from a record borrows its strings; one
 * loaded is part of a document_view, its strings in the view's arena. */
struct free_invoice {
	const char *invoice_id;
	const char *order_number;
	int64_t input_id;
	const char *currency;
	const char *email;
	const char *name;
	struct address billing;
	const char *due_date;
	const char *template;
	const char *text;
	struct free_invoice_line *lines;
	size_t nlines;
};

int ledger_free_invoice_insert(struct ledger *l, const struct free_invoice *f);

/*
 * Everything an issued document says, in one load: its row, the template
 * it was issued with, and what it is about.  For a free-text invoice that
 * is the invoice; for a document of an order it is the order's state and,
 * pointing into it, the shipment (of an invoice or pro-forma, or the one a
 * credit note's return came from), the return, the payment request or the
 * link the document concerns, and for a pro-forma the address its
 * shipment went to.  What the ledger does not hold is left NULL (or not
 * found); the view is loaded whole, so rendering needs nothing else.
 */
struct document_view {
	struct document doc;
	bool template_found;              /* doc.template_sha256 is kept */
	const char *template_text;        /* NULL: none (the built-in one) */
	struct buf logo;                  /* the template's logo, or empty */
	bool invoice_found;               /* doc.invoice_id: a free-text invoice */
	struct free_invoice invoice;
	struct order_state *state;        /* a document of an order */
	const struct shipment *shipment;
	const struct order_return *ret;
	const struct payment_request *request;
	const struct payment_link *link;
	struct link_line *link_lines;     /* the order's lines as the link showed them */
	size_t nlink_lines;
	struct address delivery;          /* pro-formas */
	struct arena arena;               /* every string but the state's */
};

/* Loads document id: 1 found (free with ledger_document_view_clear), 0
 * when there is no such document, -1 failure. */
int ledger_document_view(struct ledger *l, int64_t id, struct document_view *out);
void ledger_document_view_clear(struct document_view *v);

/*
 * The audit: the ledger checked against its journal.
 * Every change to an order is a journal event; recomputing each order's
 * quantities, money and states from those events must give what the tables
 * hold.  Numbered document series must run from 1 to their last number
 * without a gap.
 */

/* One thing that differs.  Strings live until the callback returns. */
struct audit_difference {
	const char *order_number;  /* NULL for a number series */
	const char *item;          /* "status", "line 2", "shipment SH-1 amount", ... */
	const char *currency;      /* set when the values are money in minor units
	                              (or AUDIT_BEYOND) */
	const char *expected;      /* what the journal (or the series) gives; NULL: nothing */
	const char *found;         /* what the ledger holds; NULL: nothing */
};

/* An amount the journal gives that is no amount sluice holds: a sum of
 * amounts beyond MONEY_MAX, or with a negative one. */
#define AUDIT_BEYOND "beyond"

struct audit_counts {
	int64_t orders, events, differences;
};

/*
 * Runs every check in one read transaction and calls diff() for each
 * difference.  Returns 0 (counts filled in); -2 when SQLite's quick_check
 * finds the ledger damaged (logged; nothing is compared); -1 when the
 * ledger could not be read.
 */
int ledger_audit(struct ledger *l, void (*diff)(const struct audit_difference *d, void *ctx),
    void *ctx, struct audit_counts *counts);

/*
 * What operators watch and purge (operations.c): the counts of sluice
 * metrics, the last batch the pipeline applied, and what the ledger knows
 * of a file of out/ (sluice purge).
 */

/* A batch of inputs applied in one transaction. */
struct batch_stats {
	char ended_at[TIME_SIZE];   /* when its last input was applied (the
	                               system's clock); set by the ledger */
	int64_t files;              /* the inputs it processed */
	int64_t records;            /* the records they held */
	int64_t duration_ns;        /* from its start to its last input's end */
};
/* Keeps b as the last batch, ended now, inside the batch's own
 * transaction. */
int ledger_batch_record(struct ledger *l, const struct batch_stats *b);
/* Loads the last batch: 1, 0 when none was applied yet, -1 failure. */
int ledger_last_batch(struct ledger *l, struct batch_stats *out);
/* Calls fn with the number of inputs of each kind and status that has
 * any; kind lives until fn returns. */
int ledger_input_counts_by_kind(struct ledger *l,
    int (*fn)(void *ctx, const char *kind, enum input_status status, int64_t n), void *ctx);
/* Counts the documents issued of each type into counts, an array of
 * document_type_names.n. */
int ledger_document_counts(struct ledger *l, int64_t *counts);
/* How many outputs wait to be published. */
int ledger_outbox_pending_count(struct ledger *l, int64_t *n);

/* What the ledger knows of a file of out/: whether an output queued for
 * its path is not published yet, and when the latest one was made (the
 * processing time of a receipt's input, a document's issue time; "" when
 * the ledger lacks it). */
struct output_state {
	bool unpublished;
	char at[TIME_SIZE];
};
/* Looks up the outputs written to path (below the spool root): 1 when
 * the outbox has any, 0 when none, -1 failure. */
int ledger_output_state(struct ledger *l, const char *path, struct output_state *out);

/*
 * Bulk jobs (jobs.c): one run of `sluice bulk` that changes orders, and
 * what became of each of its orders.
 */
struct job_row {
	const char *job;
	const char *action;
	const char *command;     /* the selection and options, as given */
	const char *actor;       /* NULL: unknown */
	int64_t started_ns;
	int64_t finished_ns;     /* 0: running, or interrupted */
	int64_t counts[JOB_OUTCOME__COUNT];   /* its orders, per outcome (loaded) */
	struct arena arena;
};

/* An order of a job; its strings borrowed (built) or lent (loaded). */
struct job_order {
	const char *job;
	int64_t seq;             /* its place in the job, from 1 */
	const char *order_number;
	enum job_outcome outcome;
	const char *kind;        /* its input: in/<kind>/<input_name>; NULL: none */
	const char *input_name;
	const char *code;        /* why it was skipped, waits or was rejected */
	const char *message;
};

/* Records a new job (its counts and finish unused): 0; 1 when a job of
 * that id exists already (nothing recorded); -1. */
int ledger_job_create(struct ledger *l, const struct job_row *j);
int ledger_job_finish(struct ledger *l, const char *job, int64_t finished_ns);
/* Adds an order to a job, with its outcome (and code and message). */
int ledger_job_order_add(struct ledger *l, const struct job_order *o);
/* Sets an order's outcome, input, code and message (by job and seq). */
int ledger_job_order_set(struct ledger *l, const struct job_order *o);
/* Calls fn for job's orders after seq after_seq, at most limit of them, in
 * the job's order.  0, -1, or fn's -1. */
int ledger_job_orders_each(struct ledger *l, const char *job, int64_t after_seq, int64_t limit,
    int (*fn)(void *ctx, const struct job_order *o), void *ctx);
/* Calls fn for each order of any job whose input is submitted or waits.
 * 0, -1, or fn's -1. */
int ledger_job_orders_open(struct ledger *l, int (*fn)(void *ctx, const struct job_order *o),
    void *ctx);
/* Calls fn for each order of any job of action for order_number whose
 * input is submitted or waits; the number of them, or -1. */
int ledger_job_order_open_for(struct ledger *l, const char *order_number, const char *action,
    int (*fn)(void *ctx, const struct job_order *o), void *ctx);
/* Marks the orders that jobs other than except selected and never took
 * abandoned: those jobs were interrupted. */
int ledger_jobs_abandon(struct ledger *l, const char *except);
/* Loads a job with its counts: 1 (clear it with ledger_job_clear), 0
 * unknown, -1. */
int ledger_job_get(struct ledger *l, const char *job, struct job_row *out);
void ledger_job_clear(struct job_row *j);
/* Calls fn for the latest limit jobs, oldest first, with their counts. */
int ledger_jobs_each(struct ledger *l, int64_t limit,
    int (*fn)(void *ctx, const struct job_row *j), void *ctx);
/* The job that submitted the input of kind named input_name received at
 * received_ns, and who ran it: 1 (*job and *actor owned by the caller;
 * *actor may be NULL), 0 when no job did, -1.  A job's input is the first
 * input of its name (the name is new with the job) that the job did not
 * abandon: a file sent later under that name, by anyone who saw it in a
 * receipt's, is not the job's, nor one in the way of the job's (a name of
 * its next chunk foreseen), whose order the job abandoned. */
int ledger_job_of_input(struct ledger *l, const char *kind, const char *input_name,
    int64_t received_ns, char **job, char **actor);
/* The outcome of the input of kind named name received first (as
 * ledger_job_of_input says, a job's own), and the code and message of the
 * first error (or reason to wait) it lists (owned by the caller, NULL when
 * none): 1, 0 when no input has that name, -1. */
int ledger_input_outcome(struct ledger *l, const char *kind, const char *name,
    enum input_status *status, char **code, char **message);

#endif
