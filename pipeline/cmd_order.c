/* sluice order show NUMBER [--json]: one order's whole story. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/commands.h"
#include "pipeline/log.h"
#include "stages/order_view.h"

static const char usage[] = "sluice order show NUMBER [--json]";
static const char help[] =
    "Prints an order's lines, quantities, money (computed by the domain rules,\n"
    "in the currency's minor digits) and every event in its history.  --json\n"
    "prints one JSON object with money as decimal strings.  An unknown order\n"
    "exits 1.\n";

int
cmd_order(struct app *a, int argc, char **argv)
{
	struct spool *sp;
	struct ledger *l;
	bool json = false;
	int found;

	if (cmd_options(argc, argv, "json", &json, usage, help, &found) != 0)
		return found;
	if (argc - optind != 2 || strcmp(argv[optind], "show") != 0) {
		usage_print(false, usage, help);
		return EXIT_USAGE;
	}
	if (app_open(a, false, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	found = order_view_print(l, argv[optind + 1], json, stdout);
	if (found == 0)
		fprintf(stderr, "sluice: no order %s in the ledger\n", argv[optind + 1]);
	ledger_close(l);
	spool_close(sp);
	return found > 0 ? EXIT_OK : found == 0 ? EXIT_FAILED : EXIT_SOFTWARE;
}
