/* SPDX-License-Identifier: ISC */
/* sluice check-config (or sluice -n): validate the configuration. */
#include "config.h"

#include <stdio.h>

#include "pipeline/cmd/cmd.h"

static int check_config_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_check_config_entry = {
	.name = "check-config",
	.summary = "validate the configuration and print it",
	.usage = "sluice check-config",
	.help =
	    "Reads the configuration (--config FILE or $SLUICE_CONFIG) and prints every\n"
	    "key with its effective value.  An invalid file exits 78 naming each bad line.\n",
	.args_max = 0,
	.flags = CMD_NO_SPOOL,
	.exec = check_config_exec,
};

static int
check_config_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct buf out = { 0 };

	printf("# configuration %s is valid\n", a->config_path != NULL ? a->config_path : "(none: defaults)");
	conf_dump(&a->conf, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}
