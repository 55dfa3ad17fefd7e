/*
 * cmd: what every command shares: running one from its entry (the owner
 * check, parsing its options and operands, its usage) and opening the
 * spool and the ledger.  The commands call in here; nothing here knows
 * any command.
 */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "pipeline/scheduler.h"

void
cmd_usage(const struct cmd_entry *e, bool to_stdout)
{
	FILE *f = to_stdout ? stdout : stderr;

	fprintf(f, "usage: %s\n", e->usage);
	if (to_stdout && e->help != NULL)
		fprintf(f, "\n%s", e->help);
}

/*
 * Parses command e's options (--help, its flag, --kind, its own options)
 * and counts its operands into args.  Returns true to run the command;
 * false when it should exit with *status instead (--help, a bad option or
 * kind, too few or too many operands: the usage is printed).
 */
static bool
cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_args *args, int *status)
{
	struct option opts[4 + CMD_OPTIONS_MAX] = { { "help", no_argument, NULL, 'h' } };
	size_t n = 1;
	int c;

	if (e->kind_option)
		opts[n++] = (struct option){ "kind", required_argument, NULL, 'k' };
	if (e->flag != NULL)
		opts[n++] = (struct option){ e->flag, no_argument, NULL, 'f' };
	for (int i = 0; e->options != NULL && i < CMD_OPTIONS_MAX && e->options[i].name != NULL;
	    i++)
		opts[n++] = (struct option){ e->options[i].name,
		    e->options[i].takes_value ? required_argument : no_argument, NULL, 256 + i };
	optind = 0;	/* 0: a full reset of GNU getopt */
	while ((c = getopt_long(argc, argv, e->kind_option ? "k:h" : "h", opts, NULL)) != -1) {
		if (c >= 256) {
			args->opt[c - 256] = optarg != NULL ? optarg : "";
			continue;
		}
		if (c == 'f') {
			args->flag = true;
			continue;
		}
		if (c == 'k' && (args->kind = kind_by_name(optarg)) != NULL)
			continue;
		if (c == 'k')
			fprintf(stderr, "sluice %s: unknown kind '%s'\n", argv[0], optarg);
		cmd_usage(e, c == 'h');
		*status = c == 'h' ? EXIT_OK : EXIT_USAGE;
		return false;
	}
	args->argc = argc - optind;
	args->argv = argv + optind;
	if (args->argc >= e->args_min && (e->args_max < 0 || args->argc <= e->args_max))
		return true;
	cmd_usage(e, false);
	*status = EXIT_USAGE;
	return false;
}

/*
 * Whether the effective user may make the spool's own files: root may not
 * in a spool that another user owns, since that user (the daemon's) could
 * not write in a folder root made there (a day's archive folder, a kind's
 * receipts) and would stop at it.  A spool not made yet is made by whoever
 * runs init.  Returns 0, or -1 with the reason logged.
 */
static int
owner_check(const struct app *a)
{
	struct stat st;
	struct passwd *pw;
	char user[32];

	if (geteuid() != 0 || stat(a->spool_path, &st) != 0 || st.st_uid == 0)
		return 0;
	if ((pw = getpwuid(st.st_uid)) != NULL)
		snprintf(user, sizeof user, "%s", pw->pw_name);
	else
		snprintf(user, sizeof user, "#%ld", (long)st.st_uid);
	log_error("the spool %s belongs to the user %ld (%s): run sluice as that user "
	    "(sudo -u %s sluice ...); it could not write in what root would make there",
	    a->spool_path, (long)st.st_uid, user, user);
	return -1;
}

int
cmd_exec(const struct cmd_entry *e, struct app *a, int argc, char **argv)
{
	struct cmd_args args = { 0 };
	int status;

	if ((e->flags & CMD_MAKES_OWN) && owner_check(a) != 0)
		return EXIT_NOPERM;
	if (!cmd_parse(e, argc, argv, &args, &status))
		return status;
	return e->exec(e, a, &args);
}

/* Opens the spool sp (creating it with create) and the ledger l, read-only
 * with read_only.  As app_open. */
static int
open_both(struct app *a, bool create, bool read_only, struct spool **sp, struct ledger **l)
{
	int ret;

	*sp = NULL;
	*l = NULL;
	if (spool_open(a->spool_path, create, &a->modes, sp) != 0)
		return -1;
	/* a ledger of an older version is brought up to date by whoever may */
	if (!read_only || (ret = ledger_open_read(a->ledger_path, l)) == -3)
		ret = ledger_open(a->ledger_path, create, a->conf.synchronous == SYNC_FULL, l);
	if (ret != 0) {
		struct stat st;

		if (!create && stat(a->ledger_path, &st) != 0)
			log_error("there is no ledger %s (run sluice init)", a->ledger_path);
		else if (ret == -2)
			log_error("the ledger %s exists but cannot be used (see above); if it is "
			    "damaged, restore it from a backup or rebuild it with sluice replay",
			    a->ledger_path);
		spool_close(*sp);
		*sp = NULL;
		return ret;
	}
	return 0;
}

int
app_open(struct app *a, bool create, struct spool **sp, struct ledger **l)
{
	return open_both(a, create, false, sp, l);
}

int
app_open_read(struct app *a, struct spool **sp, struct ledger **l)
{
	return open_both(a, false, true, sp, l);
}

int
app_sched_start(struct app *a, struct spool *sp, struct ledger *l, struct sched *s)
{
	spool_clean_tmp(sp);
	if (sched_init(s, sp, l, &a->conf) != 0)
		return EXIT_CONFIG;
	if (sched_upgrade(s) != 0)
		return EXIT_SOFTWARE;
	return EXIT_OK;
}

int
app_claimed_each(struct spool *sp, struct ledger *l, enum kind kind,
    int (*fn)(void *ctx, const struct input_row *in), void *ctx)
{
	char **names;
	size_t n;
	int ret = 0;

	if (spool_work_list(sp, kind, &names, &n) != 0)
		return -1;
	/* work names begin with the time of receipt: their order is its */
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct input_row in = { 0 };

		if ((ret = ledger_input_by_work_name(l, names[i], &in)) > 0) {
			ret = 0;
		} else if (ret == 0) {
			in.work_name = names[i];
			in.kind = kind_get(kind)->plural;
			if (spool_work_name_parse(names[i], &in.received_ns, &in.name) == 0)
				ret = fn(ctx, &in);
		}
		ledger_input_clear(&in);
	}
	spool_names_free(names, n);
	return ret;
}
