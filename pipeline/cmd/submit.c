/* sluice submit KIND FILE...: drop files into in/KIND/ the safe way. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"

static const char usage[] = "sluice submit KIND FILE...";
static const char help[] =
    "Copies each FILE into in/KIND/ under a hidden temporary name, fsyncs it and\n"
    "renames it into place, so the pipeline never sees it half written.  KIND is\n"
    "orders, amendments, cancellations, shipments, payments, returns or invoices.\n"
    "A file of the same name still waiting in in/KIND/ is never replaced.\n";

int
cmd_submit(struct app *a, int argc, char **argv)
{
	const struct kind_def *k;
	struct spool *sp;
	int status = EXIT_OK;

	if (cmd_options(argc, argv, NULL, NULL, usage, help, &status) != 0)
		return status;
	if (argc - optind < 2) {
		usage_print(false, usage, help);
		return EXIT_USAGE;
	}
	if ((k = kind_by_name(argv[optind])) == NULL) {
		fprintf(stderr, "sluice submit: unknown kind '%s'\n", argv[optind]);
		usage_print(false, usage, help);
		return EXIT_USAGE;
	}
	if (spool_open(a->spool_path, false, &a->modes, &sp) != 0)
		return EXIT_SOFTWARE;
	for (int i = optind + 1; i < argc; i++) {
		if (spool_submit(sp, k->kind, argv[i]) == 0) {
			const char *base = strrchr(argv[i], '/');

			printf("submitted %s as in/%s/%s\n", argv[i], k->plural,
			    base != NULL ? base + 1 : argv[i]);
		} else
			status = EXIT_FAILED;
	}
	spool_close(sp);
	return status;
}
