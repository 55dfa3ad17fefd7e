/* SPDX-License-Identifier: ISC */
/*
 * cmd: what a command of the sluice program is.  Each command lives in one
 * file that defines its whole entry (bulk, the largest, has helpers of its
 * own beside it: bulk_*.c) (struct cmd_entry: name, usage and
 * help, the options and operands it takes, what main() must know of it,
 * and its function); table.c lists the entries.  main() parses the global
 * options and the configuration into a struct app, finds the command in
 * the table and runs it with cmd_exec() (cmd.c, which also holds what the
 * commands share).
 */
#ifndef SLUICE_COMMANDS_H
#define SLUICE_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/conf.h"
#include "pipeline/ledger/ledger.h"
#include "pipeline/spool.h"

struct sched;

/* Exit statuses (sysexits where one applies). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,       /* the command's subject failed */
	EXIT_USAGE = 2,
	EXIT_DATAERR = 65,     /* the ledger is damaged: restarting will not help */
	EXIT_SOFTWARE = 70,    /* an internal or environment failure */
	EXIT_TEMPFAIL = 75,    /* try again later (the spool is busy) */
	EXIT_NOPERM = 77,      /* this user may not do that on this spool */
	EXIT_CONFIG = 78,
};

struct app {
	struct conf conf;
	const char *config_path;
	bool log_level_fixed;  /* -v or -q: the configuration's log_level is not used */
	char *spool_path;      /* effective spool root */
	char *ledger_path;     /* effective ledger file */
	struct spool_modes modes;   /* of the folders partners reach */
	char *actor;           /* who asked: the login name cmd_exec found */
};

/* An option of a command's own beyond its flag and --kind: --NAME VALUE,
 * or --NAME alone when it takes no value. */
struct cmd_option {
	const char *name;
	bool takes_value;
};

#define CMD_OPTIONS_MAX 24

/* A command's options and operands, as cmd_exec() parsed them. */
struct cmd_args {
	int argc;              /* the operands: argv[0] is the first */
	char **argv;
	bool flag;             /* the entry's flag was given */
	const struct kind_def *kind;   /* --kind KIND; NULL when not given */
	/* option i of the entry's options: its value ("" for one that takes
	 * none), NULL when not given (an option given twice is a bad usage) */
	const char *opt[CMD_OPTIONS_MAX];
};

/* The command writes the spool's own files or its ledger (more than
 * in/): only the spool's owner runs it (root runs it as the owner), other
 * users are refused. */
#define CMD_MAKES_OWN 0x1
/* The command never touches the spool: whoever runs it runs it as
 * themselves. */
#define CMD_NO_SPOOL 0x2

struct cmd_entry {
	const char *name;
	const char *summary;   /* its line in sluice --help */
	const char *usage;     /* its usage line, after "usage: " */
	const char *help;      /* what COMMAND --help prints after the usage */
	const char *flag;      /* the one long flag it takes (json, once), or NULL */
	bool kind_option;      /* takes --kind KIND */
	/* its other options, ended by one without a name; NULL: none */
	const struct cmd_option *options;
	int args_min;          /* how many operands it takes */
	int args_max;          /* -1: no limit */
	int flags;             /* CMD_* */
	/* with CMD_MAKES_OWN: the subcommands (first operands) that write,
	 * ended by NULL; NULL: the whole command writes */
	const char *const *writing;
	/* Runs the command; returns its exit status. */
	int (*exec)(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);
};

/* The entries in the order sluice --help lists them, NULL-terminated
 * (table.c). */
extern const struct cmd_entry *const cmd_table[];

/* Runs command e with its argv (argv[0]: its name): parses its options
 * and operands (printing the usage for --help and for a bad usage), notes
 * who asked (a->actor), then, on a spool that exists: as root on a spool
 * another user owns, becomes that user; as another user than the owner,
 * refuses a command that writes, and any command when the spool is closed
 * to this user.  Then calls it.  Returns the exit status. */
int cmd_exec(const struct cmd_entry *e, struct app *a, int argc, char **argv);

/* Prints command e's usage: with its help to stdout for --help, else
 * alone to stderr. */
void cmd_usage(const struct cmd_entry *e, bool to_stdout);

/* Reads a time given to a command: YYYY-MM-DD as that day's midnight UTC
 * (with day_end: the last nanosecond of that day), or an RFC 3339 instant
 * (to the nanosecond its fraction gives), into *ns, nanoseconds since
 * 1970 (an instant before 1970 as 0).  False when s is neither. */
bool cmd_parse_time(const char *s, bool day_end, int64_t *ns);

/* Opens the spool (creating it with create) and its ledger.  Returns 0;
 * -2 when the ledger exists but cannot be used (damaged, or newer than this
 * sluice); -1 on other failures.  Reasons are logged. */
int app_open(struct app *a, bool create, struct spool **sp, struct ledger **l);

/* Opens the spool and its ledger to read them only (ledger_open_read), for
 * the commands that only look.  As app_open. */
int app_open_read(struct app *a, struct spool **sp, struct ledger **l);

/* Loads the spool's link secret into secret, which needs (the commands
 * that need it: "link verify and link show") need.  Returns EXIT_OK; else
 * the exit status, said why: EXIT_NOPERM when this user may not read it
 * (the secret is its owner's; sharing it is the operator's decision),
 * EXIT_CONFIG when it is missing or unusable. */
int app_link_secret(const struct app *a, const char *needs, struct buf *secret);

/* Starts the scheduler s over the spool sp (locked by the caller) and the
 * ledger l: clears what a stopped sluice left in tmp/, checks that PDFs can
 * be made (fonts) and brings a spool of an earlier version up to date.  Returns EXIT_OK, else the exit status
 * to end with; s is to be freed (sched_free) either way. */
int app_sched_start(struct app *a, struct spool *sp, struct ledger *l, struct sched *s);

/* Calls fn for each file claimed in work/<kind>/ that the ledger has no
 * row of (taken, not yet decided), oldest first: in holds its kind, name
 * (in) and time of receipt, id 0 and status INPUT_NONE, and lives until
 * fn returns.  0, -1 (logged), or fn's -1. */
int app_claimed_each(struct spool *sp, struct ledger *l, enum kind kind,
    int (*fn)(void *ctx, const struct input_row *in), void *ctx);

#endif
