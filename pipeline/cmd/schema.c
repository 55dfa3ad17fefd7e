/* SPDX-License-Identifier: ISC */
/* sluice schema NAME: print the XSD of an input kind or of an output. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/cmd/cmd.h"
#include "schemas/xsd.h"

static int schema_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_schema_entry = {
	.name = "schema",
	.summary = "print the XSD of an input kind or of an output",
	.usage = "sluice schema NAME",
	.help =
	    "Prints an XML Schema, the same text as schemas/NAME.xsd.  NAME is an input\n"
	    "kind (orders, amendments, cancellations, shipments, returns, payments,\n"
	    "invoices, actions): the schema that sluice validates XML files of that kind\n"
	    "against.  Or it is an output: receipt, invoice (invoices and credit notes),\n"
	    "proforma, payment_request (captures, refunds, releases), payment_link, and\n"
	    "document-common, which invoice and proforma include (save it beside them).\n",
	.args_min = 1,
	.args_max = 1,
	.flags = CMD_NO_SPOOL,
	.exec = schema_exec,
};

static int
schema_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	const char *name = args->argv[0];
	const struct kind_def *k;
	struct buf out = { 0 };

	if ((k = kind_by_name(name)) != NULL) {
		xsd_generate(k, &out);
	} else {
		for (size_t i = 0; output_schemas_names[i] != NULL && out.len == 0; i++)
			if (strcmp(output_schemas_names[i], name) == 0)
				buf_puts(&out, output_schemas[i]);
		if (out.len == 0) {
			fprintf(stderr, "sluice schema: unknown schema '%s' (sluice schema --help lists them)\n",
			    name);
			return EXIT_USAGE;
		}
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}
