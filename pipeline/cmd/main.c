/* SPDX-License-Identifier: ISC */
/*
 * sluice: an order-processing daemon.  main() reads the global options and
 * the configuration, then runs one command from the table.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "stages/parse.h"

/* The global options, before the configuration is read. */
struct globals {
	const char *spool;     /* --spool, or NULL */
	const char *ledger;    /* --ledger, or NULL */
	int verbosity;         /* 1: -v, -1: -q */
	bool check_only;       /* -n */
};

static void
main_usage(FILE *f)
{
	fprintf(f,
	    "usage: sluice [--spool DIR] [--ledger FILE] [--config FILE] [-v|-q] COMMAND [ARGS]\n"
	    "       sluice -n | --version | --help\n\n"
	    "global options:\n"
	    "  --spool DIR     the spool root (default: from the configuration, else ./spool)\n"
	    "  --ledger FILE   the ledger (default: from the configuration, else <spool>/ledger.db)\n"
	    "  --config FILE   read the configuration from FILE (default: $SLUICE_CONFIG, else\n"
	    "                  " SLUICE_DEFAULT_CONFIG " if it exists, unless --ledger or a\n"
	    "                  --spool other than its spool is given)\n"
	    "  -n              check the configuration and exit (as check-config)\n"
	    "  -v, --verbose   log debug messages;  -q, --quiet  log errors only\n\n"
	    "commands:\n");
	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
		fprintf(f, "  %-13s %s\n", (*e)->name, (*e)->summary);
	fprintf(f, "\n'sluice COMMAND --help' describes each command; man sluice(1).\n");
}

/* Parses the global options into g and a->config_path, leaving optind at
 * the command.  Returns -1 to go on, else the exit status (--version,
 * --help, a bad option). */
static int
parse_globals(int argc, char **argv, struct globals *g, struct app *a)
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
	int c;

	while ((c = getopt_long(argc, argv, "+s:l:c:nvqVh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			g->spool = optarg;
			break;
		case 'l':
			g->ledger = optarg;
			break;
		case 'c':
			a->config_path = optarg;
			break;
		case 'n':
			g->check_only = true;
			break;
		case 'v':
			g->verbosity = 1;
			break;
		case 'q':
			g->verbosity = -1;
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
	return -1;
}

/* Whether the installed configuration is valid and places its spool in the
 * folder spool names (its own spool, under another name perhaps): then it
 * is that spool's configuration, with its ledger and its link secret. */
static bool
installed_spool(const char *spool)
{
	struct conf c;
	struct buf errs = { 0 };
	struct stat named, installed;
	bool same;

	conf_defaults(&c);
	same = conf_load(&c, SLUICE_DEFAULT_CONFIG, &errs) == 0 && stat(spool, &named) == 0 &&
	    stat(c.spool, &installed) == 0 && named.st_dev == installed.st_dev &&
	    named.st_ino == installed.st_ino;
	buf_free(&errs);
	conf_free(&c);
	return same;
}

/* Reads the configuration (--config, else $SLUICE_CONFIG, else the installed
 * one unless the command names a ledger, or a spool other than the
 * installed one's) and settles the log level, the spool and the ledger
 * from it and the global options.  Returns 0, or -1 when the configuration
 * is invalid (each bad line printed). */
static int
app_setup(struct app *a, const struct globals *g)
{
	struct buf errs = { 0 };

	conf_defaults(&a->conf);
	if (a->config_path == NULL)
		a->config_path = getenv("SLUICE_CONFIG");
	if (a->config_path == NULL && g->ledger == NULL &&
	    (g->spool != NULL ? installed_spool(g->spool) :
	    (access(SLUICE_DEFAULT_CONFIG, F_OK) == 0 || (errno != ENOENT && errno != ENOTDIR))))
		a->config_path = SLUICE_DEFAULT_CONFIG;
	if (a->config_path != NULL && a->config_path[0] != '\0' &&
	    conf_load(&a->conf, a->config_path, &errs) != 0) {
		fprintf(stderr, "%s", buf_str(&errs));
		buf_free(&errs);
		return -1;
	}
	buf_free(&errs);
	a->log_level_fixed = g->verbosity != 0;
	log_set_level(g->verbosity > 0 ? LOG_LEVEL_DEBUG : g->verbosity < 0 ? LOG_LEVEL_ERROR :
	    a->conf.log_level);
	a->spool_path = xstrdup(g->spool != NULL ? g->spool : a->conf.spool);
	a->modes = (struct spool_modes){ (unsigned)a->conf.in_mode, (unsigned)a->conf.out_mode };
	if (g->ledger != NULL)
		a->ledger_path = xstrdup(g->ledger);
	else if (a->conf.ledger[0] != '\0')
		a->ledger_path = xstrdup(a->conf.ledger);
	else
		a->ledger_path = xasprintf("%s/ledger.db", a->spool_path);
	return 0;
}

/* Runs the command argv[0] names from the table; an unknown one is a bad
 * usage. */
static int
dispatch(struct app *a, int argc, char **argv)
{
	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
		if (strcmp(argv[0], (*e)->name) == 0)
			return cmd_exec(*e, a, argc, argv);
	fprintf(stderr, "sluice: unknown command '%s'\n", argv[0]);
	main_usage(stderr);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	struct app a = { 0 };
	struct globals g = { 0 };
	char *check_config[] = { "check-config", NULL };
	int status;

	/* what sluice writes is its own and its group's to read: the
	 * folders partners reach get the configured modes explicitly */
	umask(027);
	/* sluice retry signals whatever sluice holds the spool's lock: only
	 * the daemon acts on it (run.c), any other (run --once, replay,
	 * init) goes on */
	signal(SIGUSR1, SIG_IGN);
	log_init(LOG_LEVEL_INFO);
	if ((status = parse_globals(argc, argv, &g, &a)) >= 0)
		return status;
	if (app_setup(&a, &g) != 0) {
		conf_free(&a.conf);
		return EXIT_CONFIG;
	}
	xml_in_init();
	if (g.check_only)   /* -n: as check-config */
		status = dispatch(&a, 1, check_config);
	else if (optind >= argc) {
		main_usage(stderr);
		status = EXIT_USAGE;
	} else
		status = dispatch(&a, argc - optind, argv + optind);
	free(a.spool_path);
	free(a.ledger_path);
	free(a.actor);
	conf_free(&a.conf);
	return status;
}
