/* SPDX-License-Identifier: ISC */
/*
 * sluice order show NUMBER [--json]: one order's whole story.
 * sluice order archive NUMBER...: the operators' bulk action that archives
 * completed and cancelled orders.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/cmd/cmd.h"
#include "pipeline/ledger/ledger.h"
#include "base/log.h"
#include "stages/lifecycle.h"
#include "stages/order_view.h"

static int order_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_order_entry = {
	.name = "order",
	.summary = "order show NUMBER [--json]: one order's whole story",
	.usage = "sluice order show NUMBER [--json] | sluice order archive NUMBER...",
	.help =
	    "show: prints an order's lines, quantities, money (computed by the domain\n"
	    "rules, in the currency's minor digits), shipments, returns, payments and\n"
	    "every event in its history.  --json prints one JSON object with money as\n"
	    "decimal strings.  An unknown order exits 1.\n\n"
	    "archive: archives each completed or cancelled order (nothing changes an\n"
	    "archived order any more).  Orders that are unknown, archived already, not\n"
	    "completed or cancelled, waiting for the PSP's answer to a request, or with\n"
	    "an open payment link, are named and left as they are, and the command\n"
	    "exits 1: the rule of an archive action (in/actions/).\n",
	.flag = "json",
	.args_min = 2,
	.args_max = -1,
	.flags = CMD_MAKES_OWN,
	.writing = (const char *const[]){ "archive", NULL },
	.exec = order_exec,
};

/* Why an order cannot be archived, printed; false when it can (the rule
 * archive actions follow too: lifecycle_archive_refused()). */
static bool
archive_refused(const struct order_state *st)
{
	struct errlist why;
	bool refused;

	errlist_init(&why, 1);
	if ((refused = lifecycle_archive_refused(st, 0, &why)))
		fprintf(stderr, "sluice: %s\n", why.items[0].message);
	errlist_free(&why);
	return refused;
}

/* Archives each order; all in one transaction, refusals named. */
static int
archive(struct ledger *l, int n, char **numbers)
{
	int status = EXIT_OK;
	char at[TIME_SIZE];

	format_time(now_ns(), at, sizeof at);
	if (ledger_begin(l) != 0)
		return EXIT_SOFTWARE;
	for (int i = 0; i < n; i++) {
		struct order_state *st;
		char detail[64];
		int found = ledger_order_state(l, numbers[i], &st);

		if (found < 0) {
			ledger_rollback(l);
			return EXIT_SOFTWARE;
		}
		if (found == 0) {
			fprintf(stderr, "sluice: no order %s in the ledger\n", numbers[i]);
			status = EXIT_FAILED;
			continue;
		}
		snprintf(detail, sizeof detail, "{\"from\":\"%s\",\"to\":\"%s\"}",
		    order_status_name(st->order->status), order_status_name(ORDER_ARCHIVED));
		if (archive_refused(st))
			status = EXIT_FAILED;
		else if (ledger_order_set_status(l, numbers[i], ORDER_ARCHIVED) != 0 ||
		    ledger_journal_add(l, numbers[i], "status_changed", 0, "sluice order archive", at,
		    detail) != 0) {
			order_state_free(st);
			ledger_rollback(l);
			return EXIT_SOFTWARE;
		} else
			printf("archived %s\n", numbers[i]);
		order_state_free(st);
	}
	return ledger_commit(l) == 0 ? status : EXIT_SOFTWARE;
}

static int
order_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	int found;

	if (strcmp(args->argv[0], "archive") == 0 && !args->flag) {
		if (app_open(a, false, &sp, &l) != 0)
			return EXIT_SOFTWARE;
		found = archive(l, args->argc - 1, args->argv + 1);
		ledger_close(l);
		spool_close(sp);
		return found;
	}
	if (args->argc != 2 || strcmp(args->argv[0], "show") != 0) {
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	if (app_open_read(a, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	found = order_view_print(l, args->argv[1], args->flag, stdout);
	if (found == 0)
		fprintf(stderr, "sluice: no order %s in the ledger\n", args->argv[1]);
	ledger_close(l);
	spool_close(sp);
	return found > 0 ? EXIT_OK : found == 0 ? EXIT_FAILED : EXIT_SOFTWARE;
}
