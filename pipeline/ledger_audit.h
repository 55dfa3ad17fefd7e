/*
 * ledger_audit: the ledger checked against its journal.  Every change to an
 * order is a journal event; recomputing each order's quantities, money and
 * states from those events must give what the tables hold.  Numbered
 * document series must run from 1 to their last number without a gap.
 */
#ifndef SLUICE_LEDGER_AUDIT_H
#define SLUICE_LEDGER_AUDIT_H

#include <stdint.h>

#include "pipeline/ledger.h"

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
