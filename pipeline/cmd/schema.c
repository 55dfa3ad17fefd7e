/* sluice schema KIND: print the XSD of an input kind. */
#include "config.h"

#include <stdio.h>

#include "pipeline/cmd/cmd.h"
#include "schemas/xsd.h"

static const char usage[] = "sluice schema KIND";
static const char help[] =
    "Prints the XML Schema that sluice validates XML files of KIND against (the\n"
    "same text as schemas/KIND.xsd).\n";

int
cmd_schema(struct app *a, int argc, char **argv)
{
	const struct kind_def *k;
	struct buf out = { 0 };
	int status;

	if (cmd_options(argc, argv, NULL, NULL, usage, help, &status) != 0)
		return status;
	if (argc - optind != 1) {
		usage_print(false, usage, help);
		return EXIT_USAGE;
	}
	if ((k = kind_by_name(argv[optind])) == NULL) {
		fprintf(stderr, "sluice schema: unknown kind '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	xsd_generate(k, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}
