/* sluice init: create the spool layout and the ledger (idempotent). */
#include "config.h"

#include <stdio.h>

#include "pipeline/commands.h"

static const char usage[] = "sluice init";
static const char help[] =
    "Creates every folder of the spool and the ledger, or whatever of them is\n"
    "missing; running it again changes nothing.\n";

int
cmd_init(struct app *a, int argc, char **argv)
{
	struct spool *sp;
	struct ledger *l;
	int status;

	if (cmd_options(argc, argv, NULL, NULL, usage, help, &status) != 0)
		return status;
	if (optind != argc) {
		usage_print(false, usage, help);
		return EXIT_USAGE;
	}
	if (app_open(a, true, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	printf("spool %s ready (ledger %s, schema version %d)\n", a->spool_path, a->ledger_path,
	    ledger_schema_version(l));
	ledger_close(l);
	spool_close(sp);
	return EXIT_OK;
}
