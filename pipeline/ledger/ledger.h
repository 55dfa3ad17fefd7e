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
 *
 * Transactions: one transaction per batch of inputs (group commit), one
 * savepoint per input inside it, so each input is all-or-nothing.
 * Functions return 0 (or 1 found / 0 not found where they look something
 * up) and -1 when the database failed (the message is logged); -1 is an
 * environment failure, never a verdict on input.
 */
#ifndef SLUICE_LEDGER_H
#define SLUICE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
void ledger_close(struct ledger *l);
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

/* One input's row.  Strings are borrowed when writing, owned (freed by
 * ledger_input_clear) when read. */
struct input_row {
	int64_t id;
	char *work_name;
	char *name;
	char *kind;
	char *sha256;
	int64_t size;
	int64_t received_ns;
	enum input_status status;
	int64_t records;
	char *processed_at;
	int64_t error_count;
	char *filed_as;
};

void ledger_input_clear(struct input_row *row);
/* Inserts row (its id is assigned and stored in row->id). */
int ledger_input_insert(struct ledger *l, struct input_row *row);
/* Sets an input's outcome and where it is filed. */
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
int ledger_inputs_named(struct ledger *l, const char *name, struct input_row **rows, size_t *n);
void ledger_inputs_free(struct input_row *rows, size_t n);
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

/* Appends a journal event.  input_id 0 with a command for operator actions. */
int ledger_journal_add(struct ledger *l, const char *order_number, const char *type,
    int64_t input_id, const char *command, const char *at, const char *detail);

struct journal_event {
	int64_t seq;
	const char *at;
	const char *type;
	const char *source;     /* "orders.csv (sha256 ...)" or the command */
	const char *detail;
};
/* Calls fn for each event of an order, oldest first. */
int ledger_journal_for_order(struct ledger *l, const char *order_number,
    int (*fn)(void *ctx, const struct journal_event *e), void *ctx);

/* Queues an output file. */
int ledger_outbox_add(struct ledger *l, const char *path, const char *doc, int64_t ref);
struct outbox_row {
	int64_t id;
	char *path;
	char *doc;
	int64_t ref;
};
/* Loads every unpublished row, oldest first (caller frees with
 * ledger_outbox_free). */
int ledger_outbox_pending(struct ledger *l, struct outbox_row **rows, size_t *n);
void ledger_outbox_free(struct outbox_row *rows, size_t n);
int ledger_outbox_mark(struct ledger *l, int64_t id);
/* Changes where a queued output is written. */
int ledger_outbox_move(struct ledger *l, int64_t id, const char *path);

/*
 * Orders and their lines.
 * Strings in these structs are borrowed when writing; when loaded they are
 * owned by the struct and freed by its free function.
 */

struct address {
	const char *address1;
	const char *address2;
	const char *zip;
	const char *city;
	const char *country;
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
	int64_t vat_rate;             /* hundredths of a percent */
	const char *country_of_origin;
	const char *hs_code;
	int64_t weight_grams;         /* -1 when unknown */
	int64_t shipped;
	int64_t cancelled;
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
	const char *comment;
	struct order_line *lines;     /* loaded orders only */
	size_t nlines;
};

/* Looks up who created an order and with what content: 1 when it exists
 * (filling input_id and sha), 0 when not, -1 on failure. */
int ledger_order_identity(struct ledger *l, const char *order_number, int64_t *input_id,
    char sha[SHA256_HEX]);
int ledger_order_insert(struct ledger *l, const struct order *o);

int ledger_order_line_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct order_line *ln);

/* Loads an order with its lines: 1 found (*out owned by the caller, free
 * with order_free), 0 unknown, -1 failure. */
int ledger_order_load(struct ledger *l, const char *order_number, struct order **out);
void order_free(struct order *o);

/* Frees an address read from the ledger. */
void address_clear(struct address *a);

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
	char *shipment_id;
	int64_t seq;
	int64_t input_id;
	char *lines_sha256;
	char *carrier;
	char *service;
	char *tracking;
	bool shipped;
	char *shipped_at;
	int64_t amount;
	int64_t vat;
	int64_t shipping_amount;
	enum capture_state capture;
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
	char *return_id;
	char *shipment_id;
	char *reason;
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
	char *request_id;
	char *type;             /* capture, refund, release */
	char *shipment_id;
	char *return_id;
	int64_t amount;
	enum request_status status;
	char *event_id;
};

struct payment_link {
	char *link_id;
	int64_t n;
	int64_t amount;
	enum link_status status;
	char *event_id;
};

struct payment_event {
	char *event_id;
	char *type;
	char *request_id;
	char *status;
	int64_t amount;
	char *psp_reference;
	char *occurred_at;
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

int ledger_link_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_link *k);
int ledger_link_spend(struct ledger *l, const char *link_id, const char *event_id);

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

/* A document row.  Strings borrowed when writing, owned when read. */
struct document {
	int64_t id;
	char *type;           /* invoice credit_note proforma capture refund release link */
	char *number;
	char *order_number;
	char *shipment_id;
	char *return_id;
	char *request_id;
	char *link_id;
	char *invoice_id;
	char *issued_at;
	char *template_sha256;
	int64_t input_id;
};

int ledger_document_insert(struct ledger *l, struct document *d);
/* 1 found (out owned, free with ledger_document_clear), 0 not, -1 failure. */
int ledger_document_get(struct ledger *l, int64_t id, struct document *out);
void ledger_document_clear(struct document *d);
/* Calls fn for each document of an order, in the order they were issued. */
int ledger_documents_for_order(struct ledger *l, const char *order_number,
    void (*fn)(void *ctx, const struct document *d), void *ctx);

/* Keeps a template's text and logo under its digest (once). */
int ledger_template_store(struct ledger *l, const char *sha256, const char *name,
    const char *text, const void *logo, size_t logo_len);
/* Loads a kept template: 1 found (text and logo owned by the caller; logo
 * NULL when there is none), 0 not, -1 failure. */
int ledger_template_get(struct ledger *l, const char *sha256, char **text, struct buf *logo);

int ledger_shipment_set_delivery(struct ledger *l, const char *shipment_id, const struct address *a);
/* The delivery address a shipment was sent to (strings owned). */
int ledger_shipment_delivery(struct ledger *l, const char *shipment_id, struct address *a);

struct free_invoice_line {
	char *description;
	int64_t quantity;
	int64_t unit_price;
	int64_t vat_rate;
	int64_t vat;
	int64_t line_total;
};

struct free_invoice {
	char *invoice_id;
	char *order_number;
	int64_t input_id;
	char *currency;
	char *email;
	char *name;
	struct address billing;
	char *due_date;
	char *template;
	char *text;
	struct free_invoice_line *lines;
	size_t nlines;
};

int ledger_free_invoice_insert(struct ledger *l, const struct free_invoice *f);
/* 1 found (owned, free with free_invoice_clear), 0 not, -1 failure. */
int ledger_free_invoice_get(struct ledger *l, const char *invoice_id, struct free_invoice *out);
void free_invoice_clear(struct free_invoice *f);

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
 * difference.  Returns 0 (counts filled in) or -1 when the ledger could
 * not be read.
 */
int ledger_audit(struct ledger *l, void (*diff)(const struct audit_difference *d, void *ctx),
    void *ctx, struct audit_counts *counts);

#endif
