/* sluice schema KIND: print the XSD of an input kind. */
#include "config.h"

#include <stdio.h>

#include "pipeline/cmd/cmd.h"
#include "schemas/xsd.h"

static int schema_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_schema_entry = {
	.name = "schema",
	.summary = "print the XSD of an input kind",
	.usage = "sluice schema KIND",
	.help =
	    "Prints the XML Schema that sluice validates XML files of KIND against (the\n"
	    "same text as schemas/KIND.xsd).\n",
	.args_min = 1,
	.args_max = 1,
	.flags = CMD_NO_SPOOL,
	.exec = schema_exec,
};

static int
schema_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	const struct kind_def *k;
	struct buf out = { 0 };

	if ((k = kind_by_name(args->argv[0])) == NULL) {
		fprintf(stderr, "sluice schema: unknown kind '%s'\n", args->argv[0]);
		return EXIT_USAGE;
	}
	xsd_generate(k, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}
