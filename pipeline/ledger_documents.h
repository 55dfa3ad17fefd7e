/*
 * ledger_documents: the documents sluice issues (invoices, credit notes,
 * pro-formas, payment requests and links), their gap-free number series,
 * the templates they were rendered with, and free-text invoices.
 */
#ifndef SLUICE_LEDGER_DOCUMENTS_H
#define SLUICE_LEDGER_DOCUMENTS_H

#include "pipeline/ledger_lifecycle.h"

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

#endif
