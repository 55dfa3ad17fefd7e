/* SPDX-License-Identifier: ISC */
/* sluice metrics: the spool's metrics in Prometheus' text format. */
#include "config.h"

#include <stdio.h>

#include "pipeline/cmd/cmd.h"
#include "pipeline/metrics.h"

static int metrics_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_metrics_entry = {
	.name = "metrics",
	.summary = "the spool's metrics in Prometheus' text format",
	.usage = "sluice metrics",
	.help =
	    "Prints the spool's metrics in Prometheus' text exposition format (0.0.4):\n"
	    "inputs by kind and outcome, the backlog and the age of its oldest file by\n"
	    "kind, deferred inputs, documents issued by type, orders awaiting payment,\n"
	    "the last batch's duration and speed, outputs waiting to be published and\n"
	    "the disk's free bytes.  It only reads.  The daemon keeps the same in\n"
	    "metrics_file when that is configured.\n",
	.args_max = 0,
	.exec = metrics_exec,
};

static int
metrics_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	struct buf out = { 0 };
	int ret;

	if (app_open_read(a, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	ret = metrics_render(sp, l, &out);
	if (ret == 0 && (fwrite(buf_str(&out), 1, out.len, stdout) != out.len || fflush(stdout) != 0))
		ret = -1;
	buf_free(&out);
	ledger_close(l);
	spool_close(sp);
	return ret == 0 ? EXIT_OK : EXIT_SOFTWARE;
}
