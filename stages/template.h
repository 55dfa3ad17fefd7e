/* SPDX-License-Identifier: ISC */
/*
 * template: what documents say about the seller and how they say it.  A
 * template is a text file of "key = value" lines (spool/templates/
 * default.conf is the default, installed by sluice init): the seller's
 * name, address, VAT and company numbers, bank details, logo (a PNG beside
 * the template), footer, the language of the labels, and which product
 * fields show (sku, ean, variant, size).
 */
#ifndef SLUICE_TEMPLATE_H
#define SLUICE_TEMPLATE_H

#include <stdbool.h>

#include "base/util.h"

#define LABELS(X)                                                          \
	X(INVOICE, invoice) X(CREDIT_NOTE, credit_note) X(PROFORMA, proforma)  \
	X(NUMBER, number) X(DATE, date) X(DUE_DATE, due_date) X(ORDER, order)  \
	X(SHIPMENT, shipment) X(RETURN, return) X(BILL_TO, bill_to)            \
	X(SHIP_TO, ship_to) X(DESCRIPTION, description) X(QUANTITY, quantity)  \
	X(UNIT_PRICE, unit_price) X(VAT_RATE, vat_rate) X(VAT, vat)            \
	X(LINE_TOTAL, line_total) X(VAT_SUMMARY, vat_summary) X(BASE, base)    \
	X(VAT_TOTAL, vat_total) X(TOTAL, total) X(SHIPPING, shipping)          \
	X(RETURN_FEE, return_fee) X(PAGE, page) X(HS_CODE, hs_code)            \
	X(ORIGIN, origin) X(WEIGHT, weight) X(VALUE, value)                    \
	X(VAT_NUMBER, vat_number) X(COMPANY_NUMBER, company_number)            \
	X(BANK, bank) X(SKU, sku) X(EAN, ean) X(VARIANT, variant) X(SIZE, size) \
	X(NO_SALE, no_sale) X(DISCOUNT, discount)                              \
	X(ORDER_CONFIRMATION, order_confirmation) X(AMOUNT_DUE, amount_due)    \
	X(PAY_AT, pay_at) X(VALID_UNTIL, valid_until)                          \
	X(DELIVERY_DATE, delivery_date) X(VOUCHER, voucher)                    \
	X(VOUCHER_INCLUDED, voucher_included)

enum label {
#define X(sym, key) LABEL_##sym,
	LABELS(X)
#undef X
	LABEL__COUNT
};

#define TEMPLATE_ADDRESS_LINES 6

struct template {
	char *seller;
	char *address[TEMPLATE_ADDRESS_LINES];
	size_t naddress;
	char *vat_number;
	char *company_number;
	char *bank;
	char *email;
	char *logo;               /* file name beside the template, or NULL */
	char *footer;
	char *language;
	bool show_sku, show_ean, show_variant, show_size;
	char *labels[LABEL__COUNT];
};

/* Parses a template; problems go to errs as "line N: ..." lines.
 * Returns 0, or -1 when the text is not a valid template. */
int template_parse(const char *text, struct template *t, struct buf *errs);
void template_clear(struct template *t);
/* Puts the labels in language (en, sv, de; another is ignored): those of
 * that language as sluice has them, unless it is the template's own, whose
 * labels (label.X included) stay. */
void template_use_language(struct template *t, const char *language);

/* The default template shipped with sluice, and its logo. */
const char *template_default_text(void);
const unsigned char *template_default_logo(size_t *size);

#endif
