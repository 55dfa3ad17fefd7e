/* SPDX-License-Identifier: ISC */
/* sluice submit KIND FILE...: drop files into in/KIND/ the safe way. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"

static int submit_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_submit_entry = {
	.name = "submit",
	.summary = "drop files into in/KIND/ safely",
	.usage = "sluice submit KIND FILE...",
	.help =
	    "Copies each FILE into in/KIND/ under a hidden temporary name, fsyncs it and\n"
	    "renames it into place, so the pipeline never sees it half written.  KIND is\n"
	    "orders, amendments, cancellations, shipments, payments, returns, invoices or\n"
	    "actions.\n"
	    "A file of the same name still waiting in in/KIND/ is never replaced.\n",
	.args_min = 2,
	.args_max = -1,
	.exec = submit_exec,
};

static int
submit_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	const struct kind_def *k;
	struct spool *sp;
	int status = EXIT_OK;

	if ((k = kind_by_name(args->argv[0])) == NULL) {
		fprintf(stderr, "sluice submit: unknown kind '%s'\n", args->argv[0]);
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	if (spool_open(a->spool_path, false, &a->modes, &sp) != 0)
		return EXIT_SOFTWARE;
	for (int i = 1; i < args->argc; i++) {
		const char *path = args->argv[i];

		if (spool_submit(sp, k->kind, path) == 0) {
			const char *base = strrchr(path, '/');

			printf("submitted %s as in/%s/%s\n", path, k->plural,
			    base != NULL ? base + 1 : path);
		} else
			status = EXIT_FAILED;
	}
	spool_close(sp);
	return status;
}
