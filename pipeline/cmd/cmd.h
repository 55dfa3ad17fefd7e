/*
 * commands: the command table of the sluice program.  main() parses the
 * global options and the configuration into a struct app, then calls one
 * command; each command lives in its own cmd_*.c.
 */
#ifndef SLUICE_COMMANDS_H
#define SLUICE_COMMANDS_H

#include <getopt.h>
#include <stdbool.h>

#include "base/conf.h"
#include "pipeline/ledger/ledger.h"
#include "pipeline/spool.h"

/* Exit statuses (sysexits where one applies). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,       /* the command's subject failed */
	EXIT_USAGE = 2,
	EXIT_DATAERR = 65,     /* the ledger is damaged: restarting will not help */
	EXIT_SOFTWARE = 70,    /* an internal or environment failure */
	EXIT_TEMPFAIL = 75,    /* try again later (the spool is busy) */
	EXIT_NOPERM = 77,      /* root on a spool another user owns */
	EXIT_CONFIG = 78,
};

struct app {
	struct conf conf;
	const char *config_path;
	char *spool_path;      /* effective spool root */
	char *ledger_path;     /* effective ledger file */
	struct spool_modes modes;   /* of the folders partners reach */
};

/* Opens the spool (creating it with create) and its ledger.  Returns 0;
 * -2 when the ledger exists but cannot be used (damaged, or newer than this
 * sluice); -1 on other failures.  Reasons are logged. */
int app_open(struct app *a, bool create, struct spool **sp, struct ledger **l);

/* Prints a command's usage: to stdout for --help, else to stderr. */
void usage_print(bool to_stdout, const char *usage, const char *help);

/* Parses a command's options: --help, and at most one flag (--json,
 * --once; NULL for none) that sets *set.  Operands are left from optind
 * on.  Returns 0, or -1 when the command should exit with *status. */
int cmd_options(int argc, char **argv, const char *flag, bool *set, const char *usage,
    const char *help, int *status);
/* Parses --help and --kind KIND (*kind: NULL when not given) for a command
 * that takes one or more operands, left from optind on. */
int cmd_kind_options(int argc, char **argv, const struct kind_def **kind, const char *usage,
    const char *help, int *status);
/* As cmd_options(), for a command that takes no operands. */
int cmd_options_only(int argc, char **argv, const char *flag, bool *set, const char *usage,
    const char *help, int *status);

int cmd_init(struct app *a, int argc, char **argv);
int cmd_run(struct app *a, int argc, char **argv);
int cmd_check(struct app *a, int argc, char **argv);
int cmd_submit(struct app *a, int argc, char **argv);
int cmd_order(struct app *a, int argc, char **argv);
int cmd_link(struct app *a, int argc, char **argv);
int cmd_audit(struct app *a, int argc, char **argv);
int cmd_replay(struct app *a, int argc, char **argv);
int cmd_status(struct app *a, int argc, char **argv);
int cmd_schema(struct app *a, int argc, char **argv);
int cmd_check_config(struct app *a, int argc, char **argv);

#endif
