/* SPDX-License-Identifier: ISC */
/*
 * sluice inputs [--status S] [--kind K] [--since DATE] [--json]: every
 * input of the ledger, one line (or JSON object) each, oldest first, then
 * the files claimed and not yet decided.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "pipeline/cmd/cmd.h"
#include "pipeline/process.h"
#include "stages/input_view.h"

static int inputs_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

enum { OPT_STATUS, OPT_SINCE };

const struct cmd_entry cmd_inputs_entry = {
	.name = "inputs",
	.summary = "every input: id, name, time of receipt, status, first error",
	.usage = "sluice inputs [--status accepted|duplicate|deferred|rejected|claimed] "
	    "[--kind KIND] [--since DATE] [--json]",
	.help =
	    "Lists the inputs of the ledger, oldest first (by id), then the files claimed\n"
	    "in work/ and not yet decided: id, kind/name, time of receipt, status, records,\n"
	    "and the code and message of the first error (for a deferred input: what it\n"
	    "waits for, and the instant it is rejected unless that comes).\n\n"
	    "  --status S    only inputs of status S (claimed: the files not yet decided)\n"
	    "  --kind KIND   only inputs of that kind\n"
	    "  --since DATE  only inputs received at or after DATE: YYYY-MM-DD (midnight\n"
	    "                UTC) or an RFC 3339 instant (2026-11-27T14:55:01Z)\n"
	    "  --json        a JSON array of objects with the keys id, kind, name,\n"
	    "                received, status, records, error_count, first_error (line,\n"
	    "                field, code, message), expires, expires_by\n\n"
	    "A large ledger is read one input at a time.\n",
	.flag = "json",
	.kind_option = true,
	.options = (const struct cmd_option[]){ { "status", true }, { "since", true }, { NULL } },
	.args_max = 0,
	.exec = inputs_exec,
};

/* What the listing prints to, and whether it prints JSON. */
struct listing {
	struct ledger *ledger;
	const struct conf *conf;
	bool json;
	size_t shown;
	int64_t since_ns;
};

static void
show(struct listing *ls, const struct input_view *v)
{
	if (ls->json) {
		json_t *j = input_view_json(v);

		fputs(ls->shown == 0 ? "\n  " : ",\n  ", stdout);
		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
	} else
		input_view_line(stdout, v);
	ls->shown++;
}

static int
show_input(void *ctx, const struct input_row *in, const struct error_item *first)
{
	struct listing *ls = ctx;
	struct input_view v = { in, first, 0, false };

	if (in->status == INPUT_DEFERRED &&
	    process_deferred_ends(ls->ledger, ls->conf, in, &v.expires_ns, &v.expires_by_link) != 0)
		return -1;
	show(ls, &v);
	return 0;
}

static int
show_claimed(void *ctx, const struct input_row *in)
{
	struct listing *ls = ctx;
	struct input_view v = { in, NULL, 0, false };

	if (in->received_ns >= ls->since_ns)
		show(ls, &v);
	return 0;
}

static int
inputs_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	const char *status = args->opt[OPT_STATUS];
	struct input_filter f = { status, args->kind != NULL ? args->kind->plural : NULL, 0 };
	struct listing ls = { .conf = &a->conf, .json = args->flag };
	bool claimed = status == NULL || strcmp(status, "claimed") == 0;
	enum input_status named;
	struct spool *sp;
	int ret = 0;

	if (status != NULL && !claimed && !input_status_parse(status, &named)) {
		fprintf(stderr, "sluice inputs: unknown status '%s' (accepted, duplicate, deferred, "
		    "rejected or claimed)\n", status);
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	if (args->opt[OPT_SINCE] != NULL && !cmd_parse_time(args->opt[OPT_SINCE], false, &f.since_ns)) {
		fprintf(stderr, "sluice inputs: --since '%s' is neither a date (YYYY-MM-DD) nor an "
		    "RFC 3339 instant (2026-11-27T14:55:01Z)\n", args->opt[OPT_SINCE]);
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	ls.since_ns = f.since_ns;
	if (app_open_read(a, &sp, &ls.ledger) != 0)
		return EXIT_SOFTWARE;
	if (ls.json)
		fputc('[', stdout);
	if (status == NULL || !claimed)
		ret = ledger_inputs_each(ls.ledger, &f, show_input, &ls);
	for (int k = 0; k < KIND__COUNT && claimed && ret == 0; k++)
		if (args->kind == NULL || args->kind->kind == (enum kind)k)
			ret = app_claimed_each(sp, ls.ledger, (enum kind)k, show_claimed, &ls);
	if (ls.json)
		fputs(ls.shown > 0 ? "\n]\n" : "]\n", stdout);
	ledger_close(ls.ledger);
	spool_close(sp);
	return ret == 0 && fflush(stdout) == 0 ? EXIT_OK : EXIT_SOFTWARE;
}
