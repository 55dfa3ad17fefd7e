/* SPDX-License-Identifier: ISC */
/*
 * totals: an order's money by the domain rules, from its lines: each
 * line's total and VAT for its current (uncancelled) quantity, shipping
 * while any unit is not cancelled, the grand total and VAT total.
 */
#ifndef SLUICE_TOTALS_H
#define SLUICE_TOTALS_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/ledger/ledger.h"

struct line_totals {
	int64_t gross;          /* whole line: quantity x unit_price - discount - voucher */
	int64_t full_total;     /* whole line, VAT included */
	int64_t full_vat;
	int64_t total;          /* the uncancelled units' part */
	int64_t vat;
};

struct order_totals {
	int64_t lines_total;
	int64_t lines_vat;
	int64_t shipping_total;  /* VAT included */
	int64_t shipping_vat;
	int64_t grand_total;
	int64_t vat_total;
	size_t beyond;           /* when totals_order() fails: the index of the
	                            line whose amounts, or whose adding, went
	                            beyond MONEY_MAX; nlines for the shipping */
};

/* Computes a line's totals; -1 when its amounts are beyond MONEY_MAX. */
int totals_line(const struct order_line *ln, bool prices_include_vat, struct line_totals *out);
/* Computes t from o's lines; -1 when an amount or a sum is beyond
 * MONEY_MAX (t->beyond says where). */
int totals_order(const struct order *o, struct order_totals *t);
/* The order's due: its grand total beyond its authorization, or 0; -1 when
 * an amount is beyond MONEY_MAX. */
int totals_due(const struct order *o, int64_t *due);
/* For an order whose amounts in the ledger add up beyond MONEY_MAX, which
 * the checks on every input keep out: logs it, returns -1. */
int totals_beyond(const struct order *o);

#endif
