/* SPDX-License-Identifier: ISC */
/*
 * sluice requeue ID...: rejected inputs go back into in/ under their
 * original names, to be taken again as new inputs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pipeline/cmd/cmd.h"
#include "stages/json_out.h"

static int requeue_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_requeue_entry = {
	.name = "requeue",
	.summary = "put rejected inputs back into in/ for another try",
	.usage = "sluice requeue ID...",
	.help =
	    "Copies the file of each rejected input ID from rejected/ back into\n"
	    "in/<kind>/ under its original name, where sluice takes it as a new input\n"
	    "(a new id, a new receipt); the rejected input keeps its outcome, its receipt\n"
	    "and its copy in rejected/, and its story (sluice input show ID) says when it\n"
	    "was requeued.  A file waiting in in/ under that name is never replaced: that\n"
	    "input is named and left, and the others go on.  Only rejected inputs are\n"
	    "requeued (a deferred one is tried again by the daemon: sluice retry); an\n"
	    "unknown id, an input of another outcome, one whose file is gone (purged) or\n"
	    "waits, is named, and the command exits 1.\n",
	.args_min = 1,
	.args_max = -1,
	.flags = CMD_MAKES_OWN,
	.exec = requeue_exec,
};

/* Why input in cannot be requeued, said; false when it can. */
static bool
refused(const struct input_row *in)
{
	if (in->status == INPUT_REJECTED && !spool_hidden_name(in->name) &&
	    strchr(in->name, '/') == NULL)
		return false;
	if (in->status == INPUT_REJECTED) {
		/* a name replay gave it: in/ would never read it (or it is no
		 * name of a file in one folder) */
		fprintf(stderr, "sluice: input %lld is named ", (long long)in->id);
		sanitized_printf(stderr, "'%s', which sluice never takes from in/; submit its "
		    "file under another name\n", in->name);
	} else if (in->status == INPUT_DEFERRED)
		fprintf(stderr, "sluice: input %lld is deferred: it waits, claimed, and is tried "
		    "again by the daemon; sluice retry has it tried now\n", (long long)in->id);
	else
		fprintf(stderr, "sluice: input %lld was %s; only rejected inputs are requeued\n",
		    (long long)in->id, input_status_name(in->status));
	return true;
}

/* The journal's detail of a requeue: where the file came from and went. */
static char *
detail(const char *from, const char *to)
{
	json_t *j = json_object();
	char *text;

	json_object_set_new(j, "from", json_echo(from));
	json_object_set_new(j, "to", json_echo(to));
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (text == NULL)
		fatal("json_dumps failed");
	return text;
}

/* Requeues input in (rejected) and journals it, in one transaction: the
 * journal is committed only once the file is in in/.  EXIT_OK,
 * EXIT_FAILED (said), EXIT_DATAERR or EXIT_SOFTWARE. */
static int
requeue(struct spool *sp, struct ledger *l, const struct input_row *in)
{
	const struct kind_def *k = kind_by_name(in->kind);
	char at[TIME_SIZE], *to, *text;
	int rc;

	if (k == NULL) {
		fprintf(stderr, "sluice: input %lld has the unknown kind ", (long long)in->id);
		sanitized_printf(stderr, "'%s'\n", in->kind);
		return EXIT_DATAERR;
	}
	to = xasprintf("in/%s/%s", k->plural, in->name);
	text = detail(in->filed_as, to);
	format_time(now_ns(), at, sizeof at);
	if (ledger_begin(l) != 0)
		rc = -1;
	else if ((rc = ledger_journal_add(l, NULL, "input_requeued", in->id, "sluice requeue", at,
	    text)) == 0)
		rc = spool_requeue(sp, k->kind, in->filed_as, in->name);
	if (rc == 0 && ledger_commit(l) != 0)
		rc = -1;
	if (rc != 0)
		ledger_rollback(l);
	if (rc == 0) {
		printf("requeued input %lld as ", (long long)in->id);
		sanitized_printf(stdout, "%s\n", to);
	} else if (rc > 0) {
		fprintf(stderr, "sluice: input %lld is not requeued: ", (long long)in->id);
		sanitized_printf(stderr, rc == 1 ? "%s is waiting already, and is never replaced "
		    "(requeue it once that file is taken)\n" : rc == 2 ? "its file %s is not there "
		    "any more (purged, or removed)\n" : "%s is no regular file (it was rejected "
		    "unread): there is nothing to copy\n", rc == 1 ? to : in->filed_as);
	}
	free(to);
	free(text);
	return rc == 0 ? EXIT_OK : rc > 0 ? EXIT_FAILED : EXIT_SOFTWARE;
}

static int
requeue_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	int status = EXIT_OK;

	for (int i = 0; i < args->argc; i++)
		if (args->argv[i][0] == '\0' || strlen(args->argv[i]) > 18 ||
		    strspn(args->argv[i], "0123456789") != strlen(args->argv[i])) {
			sanitized_printf(stderr, "sluice requeue: '%s' is not an input's id\n",
			    args->argv[i]);
			cmd_usage(self, false);
			return EXIT_USAGE;
		}
	if (app_open(a, false, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	for (int i = 0; i < args->argc && status != EXIT_SOFTWARE; i++) {
		struct input_row in;
		int rc = ledger_input_get(l, strtoll(args->argv[i], NULL, 10), &in), one;

		if (rc == 0)
			fprintf(stderr, "sluice: no input %s in the ledger\n", args->argv[i]);
		one = rc < 0 ? EXIT_SOFTWARE : rc == 0 || refused(&in) ? EXIT_FAILED :
		    requeue(sp, l, &in);
		/* the gravest outcome is the command's */
		if (one > status)
			status = one;
		ledger_input_clear(&in);
	}
	ledger_close(l);
	spool_close(sp);
	return status;
}
