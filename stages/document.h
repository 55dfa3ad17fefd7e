/* SPDX-License-Identifier: ISC */
/*
 * document: what an issued document says, built from the ledger's view of
 * it (ledger_document_view): its number and date, seller (from the
 * template kept with it), buyer, lines, VAT per rate and totals, or for
 * payment requests their amount, and for links the order as the link
 * showed it with the amount due, token, URL and expiry.  The XML and PDF
 * renderers both draw from this model, so the two forms of a document
 * always agree.
 *
 * Everything comes from facts that never change once a document is issued
 * (shipment and return lines, order lines, the kept template), so rendering
 * it again gives the same bytes.
 */
#ifndef SLUICE_DOCUMENT_H
#define SLUICE_DOCUMENT_H

#include "base/conf.h"
#include "pipeline/ledger/ledger.h"
#include "stages/template.h"

/* What a renderer needs besides the ledger. */
struct render_ctx {
	struct ledger *ledger;
	const struct conf *conf;
	const struct buf *secret;     /* signs payment link tokens */
};

/* A line of a document.  Its strings are borrowed from the view or the
 * template of the doc it is part of. */
struct doc_line {
	int64_t line_id;                    /* the order line's; 0 for shipping
	                                       and free-text invoice lines */
	const char *description;
	const char *sku, *ean, *variant, *size;   /* shown as the template says */
	int64_t quantity;
	int64_t unit_price;
	int64_t discount;                   /* this part's share of the line's */
	int64_t voucher;                    /* and of the line's share of the
	                                       order's voucher */
	int64_t vat_rate;
	int64_t vat;
	int64_t line_total;                 /* VAT included */
	const char *hs_code;
	const char *origin;
	int64_t weight_grams;               /* per unit; -1 unknown */
};

struct doc_vat {
	int64_t rate;
	int64_t base;
	int64_t amount;
};

/*
 * A document as the renderers draw it.  It owns the view it was built
 * from, and its strings are borrowed from that view (or from its parsed
 * template), except the buyer's name, which it may compose.
 */
struct doc {
	struct document_view view;
	const struct document *row;         /* &view.doc */
	struct template tpl;
	const char *currency;
	const char *language;               /* the order's, which the labels
	                                       are in; NULL: the template's */
	int digits;
	const char *buyer_name;
	const char *buyer_email;
	struct address buyer;
	struct address delivery;            /* pro-formas */
	const char *delivery_date;          /* pro-formas: the order's, or NULL */
	const char *payment_reference;
	const char *due_date;
	const char *text;
	struct doc_line *lines;
	size_t nlines;
	struct doc_vat *vats;
	size_t nvats;
	int64_t vat_total;
	int64_t total;
	int64_t return_fee;                 /* credit notes: deducted from the total */
	const char *voucher_code;           /* the order's, or NULL */
	int64_t voucher;                    /* the lines' parts of the voucher,
	                                       taken off their totals already */
	int64_t weight_total;               /* pro-formas */
	struct buf name;                    /* the buyer's name when composed */
	struct buf token;                   /* links */
	struct buf url;
	int64_t due;                        /* links: the amount to pay */
	char expires_at[TIME_SIZE];         /* links */
};

/* Assembles document id from its view in the ledger (one load), the
 * configuration (the link URL) and the secret that signs link tokens: a
 * plain function of them.  Returns 0, or -1 on a ledger failure, a view
 * that lacks what its document needs, or amounts beyond MONEY_MAX (logged
 * where the cause is known). */
int doc_load(const struct render_ctx *r, int64_t id, struct doc *d);
void doc_clear(struct doc *d);

/* The title label of a document type (invoice, credit note, pro-forma,
 * order confirmation). */
const char *doc_title(const struct doc *d);

#endif
