/*
 * sluice: an order-processing daemon.  main() reads the global options and
 * the configuration, then runs one command from the table.
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
#include "stages/parse.h"

static const struct command {
	const char *name;
	int (*fn)(struct app *a, int argc, char **argv);
	const char *summary;
	bool makes_own;   /* makes files of the spool's own (not only in/ or the ledger) */
} commands[] = {
	{ "init", cmd_init, "create the spool folders and the ledger (idempotent)", true },
	{ "run", cmd_run, "process files as they arrive (--once: what is there, then exit)", true },
	{ "check", cmd_check, "validate files against schema and ledger without applying them", false },
	{ "submit", cmd_submit, "drop files into in/KIND/ safely", false },
	{ "replay", cmd_replay, "feed folders of earlier inputs through the pipeline again", true },
	{ "order", cmd_order, "order show NUMBER [--json]: one order's whole story", false },
	{ "link", cmd_link, "link verify TOKEN: is a payment link token valid and unspent", false },
	{ "audit", cmd_audit, "recompute the ledger from its journal and report differences", false },
	{ "status", cmd_status, "counts per outcome, backlog, deferred inputs, last errors", false },
	{ "schema", cmd_schema, "print the XSD of an input kind", false },
	{ "check-config", cmd_check_config, "validate the configuration and print it", false },
};

static void
main_usage(FILE *f)
{
	fprintf(f,
	    "usage: sluice [--spool DIR] [--ledger FILE] [--config FILE] [-v|-q] COMMAND [ARGS]\n"
	    "       sluice -n | --version | --help\n\n"
	    "global options:\n"
	    "  --spool DIR     the spool root (default: from the configuration, else ./spool)\n"
	    "  --ledger FILE   the ledger (default: <spool>/ledger.db)\n"
	    "  --config FILE   read the configuration from FILE (default: $SLUICE_CONFIG, else none)\n"
	    "  -n              check the configuration and exit (as check-config)\n"
	    "  -v, --verbose   log debug messages;  -q, --quiet  log errors only\n\n"
	    "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'sluice COMMAND --help' describes each command; man sluice(1).\n");
}

void
usage_print(bool to_stdout, const char *usage, const char *help)
{
	FILE *f = to_stdout ? stdout : stderr;

	fprintf(f, "usage: %s\n", usage);
	if (to_stdout && help != NULL)
		fprintf(f, "\n%s", help);
}

int
cmd_options(int argc, char **argv, const char *flag, bool *set, const char *usage,
    const char *help, int *status)
{
	struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ flag, no_argument, NULL, 'f' },
		{ 0 }
	};
	int c;

	if (flag == NULL)
		opts[1] = (struct option){ 0 };
	optind = 0;	/* 0: a full reset of GNU getopt */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'f') {
			*set = true;
			continue;
		}
		usage_print(c == 'h', usage, help);
		*status = c == 'h' ? EXIT_OK : EXIT_USAGE;
		return -1;
	}
	return 0;
}

int
cmd_kind_options(int argc, char **argv, const struct kind_def **kind, const char *usage,
    const char *help, int *status)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	*kind = NULL;
	optind = 0;	/* 0: a full reset of GNU getopt */
	while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		if (c == 'k' && (*kind = kind_by_name(optarg)) != NULL)
			continue;
		if (c == 'k')
			fprintf(stderr, "sluice %s: unknown kind '%s'\n", argv[0], optarg);
		usage_print(c == 'h', usage, help);
		*status = c == 'h' ? EXIT_OK : EXIT_USAGE;
		return -1;
	}
	if (optind < argc)
		return 0;
	usage_print(false, usage, help);
	*status = EXIT_USAGE;
	return -1;
}

int
cmd_options_only(int argc, char **argv, const char *flag, bool *set, const char *usage,
    const char *help, int *status)
{
	if (cmd_options(argc, argv, flag, set, usage, help, status) != 0)
		return -1;
	if (optind == argc)
		return 0;
	usage_print(false, usage, help);
	*status = EXIT_USAGE;
	return -1;
}

int
app_open(struct app *a, bool create, struct spool **sp, struct ledger **l)
{
	int ret;

	*sp = NULL;
	*l = NULL;
	if (spool_open(a->spool_path, create, &a->modes, sp) != 0)
		return -1;
	if ((ret = ledger_open(a->ledger_path, create, a->conf.synchronous == SYNC_FULL,
	    l)) != 0) {
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
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "ledger", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct app a = { 0 };
	const char *spool_opt = NULL, *ledger_opt = NULL;
	int c, verbosity = 0, status;
	bool check_only = false;
	struct buf errs = { 0 };

	/* what sluice writes is its own and its group's to read: the
	 * folders partners reach get the configured modes explicitly */
	umask(027);
	log_init(LOG_LEVEL_INFO);
	while ((c = getopt_long(argc, argv, "+s:l:c:nvqVh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			spool_opt = optarg;
			break;
		case 'l':
			ledger_opt = optarg;
			break;
		case 'c':
			a.config_path = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'v':
			verbosity = 1;
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'V':
			printf("sluice %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		case 'h':
			main_usage(stdout);
			return EXIT_OK;
		default:
			main_usage(stderr);
			return EXIT_USAGE;
		}
	}
	conf_defaults(&a.conf);
	if (a.config_path == NULL)
		a.config_path = getenv("SLUICE_CONFIG");
	if (a.config_path != NULL && a.config_path[0] != '\0' &&
	    conf_load(&a.conf, a.config_path, &errs) != 0) {
		fprintf(stderr, "%s", buf_str(&errs));
		buf_free(&errs);
		conf_free(&a.conf);
		return EXIT_CONFIG;
	}
	buf_free(&errs);
	log_set_level(verbosity > 0 ? LOG_LEVEL_DEBUG : verbosity < 0 ? LOG_LEVEL_ERROR :
	    a.conf.log_level);
	a.spool_path = xstrdup(spool_opt != NULL ? spool_opt : a.conf.spool);
	a.modes = (struct spool_modes){ (unsigned)a.conf.in_mode, (unsigned)a.conf.out_mode };
	if (ledger_opt != NULL)
		a.ledger_path = xstrdup(ledger_opt);
	else if (a.conf.ledger[0] != '\0')
		a.ledger_path = xstrdup(a.conf.ledger);
	else
		a.ledger_path = xasprintf("%s/ledger.db", a.spool_path);
	xml_in_init();

	if (check_only) {
		char *args[] = { "check-config", NULL };

		status = cmd_check_config(&a, 1, args);
	} else if (optind >= argc) {
		main_usage(stderr);
		status = EXIT_USAGE;
	} else {
		const struct command *cmd = NULL;

		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (strcmp(argv[optind], commands[i].name) == 0)
				cmd = &commands[i];
		if (cmd == NULL) {
			fprintf(stderr, "sluice: unknown command '%s'\n", argv[optind]);
			main_usage(stderr);
			status = EXIT_USAGE;
		} else if (cmd->makes_own && owner_check(&a) != 0)
			status = EXIT_NOPERM;
		else
			status = cmd->fn(&a, argc - optind, argv + optind);
	}
	free(a.spool_path);
	free(a.ledger_path);
	conf_free(&a.conf);
	return status;
}
