/* SPDX-License-Identifier: ISC */
/* sluice audit: recompute the ledger from its journal and compare. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/cmd/cmd.h"
#include "pipeline/ledger/ledger.h"
#include "base/money.h"

static int audit_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.summary = "recompute the ledger from its journal and report differences",
	.usage = "sluice audit",
	.help =
	    "Recomputes every order from the journal of events that changed it (units\n"
	    "ordered, shipped, cancelled and returned per line, and per shipment and\n"
	    "return; the amount authorized; shipment, return, request and link amounts\n"
	    "and orders; shipping refunded; status, hold, shipment, request and link\n"
	    "states; the documents issued) and compares the result with what the ledger\n"
	    "holds; checks that each numbered document series runs from 1 to its last\n"
	    "number without a gap.  Prints each difference as\n"
	    "ORDER: ITEM: journal EXPECTED; ledger FOUND and a summary line.  Reads one\n"
	    "snapshot; safe while the daemon runs.  Exits 0 when nothing differs, 1 when\n"
	    "something does, 65 when SQLite's quick_check finds the ledger damaged (a\n"
	    "NULL or a value its constraints refuse): then nothing is compared.\n",
	.args_max = 0,
	.exec = audit_exec,
};

/* A value as printed: money in the currency's digits, "none" for nothing. */
static const char *
value(const struct audit_difference *d, const char *v, char *out, size_t outsz)
{
	char max[MONEY_SIZE];
	int digits;

	if (v == NULL)
		return "none";
	if (d->currency == NULL || (digits = currency_digits(d->currency, strlen(d->currency))) < 0)
		return v;
	if (strcmp(v, AUDIT_BEYOND) == 0) {
		money_format(MONEY_MAX, digits, max, sizeof max);
		snprintf(out, outsz, "beyond %s", max);
	} else
		money_format(strtoll(v, NULL, 10), digits, out, outsz);
	return out;
}

static void
print_difference(const struct audit_difference *d, void *ctx)
{
	char e[2 * MONEY_SIZE], f[2 * MONEY_SIZE];   /* "beyond " and an amount */

	(void)ctx;
	printf("%s: %s: journal %s; ledger %s\n", d->order_number != NULL ? d->order_number : "-",
	    d->item != NULL ? d->item : "(an item without an id)", value(d, d->expected, e, sizeof e),
	    value(d, d->found, f, sizeof f));
}

static int
audit_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	struct audit_counts c;
	int status, ret;

	if (app_open_read(a, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	if ((ret = ledger_audit(l, print_difference, NULL, &c)) != 0)
		status = ret == -2 ? EXIT_DATAERR : EXIT_SOFTWARE;
	else {
		printf("%" PRId64 " orders, %" PRId64 " journal events: %" PRId64 " difference%s\n",
		    c.orders, c.events, c.differences, c.differences == 1 ? "" : "s");
		status = c.differences == 0 ? EXIT_OK : EXIT_FAILED;
	}
	ledger_close(l);
	spool_close(sp);
	return status;
}
