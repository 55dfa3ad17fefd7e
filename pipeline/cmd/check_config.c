/* sluice check-config (or sluice -n): validate the configuration. */
#include "config.h"

#include <stdio.h>

#include "pipeline/cmd/cmd.h"

static const char usage[] = "sluice check-config";
static const char help[] =
    "Reads the configuration (--config FILE or $SLUICE_CONFIG) and prints every\n"
    "key with its effective value.  An invalid file exits 78 naming each bad line.\n";

int
cmd_check_config(struct app *a, int argc, char **argv)
{
	struct buf out = { 0 };
	int status;

	if (cmd_options_only(argc, argv, NULL, NULL, usage, help, &status) != 0)
		return status;
	printf("# configuration %s is valid\n", a->config_path != NULL ? a->config_path : "(none: defaults)");
	conf_dump(&a->conf, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return EXIT_OK;
}
