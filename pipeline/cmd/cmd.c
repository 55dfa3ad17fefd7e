/* SPDX-License-Identifier: ISC */
/*
 * cmd: what every command shares: running one from its entry (parsing
 * its options and operands, its usage, who runs it on the spool) and
 * opening the spool and the ledger.  The commands call in here; nothing here knows
 * any command.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "pipeline/process.h"
#include "pipeline/scheduler.h"
#include "stages/stages.h"
#include "base/token.h"
#include "stages/validate.h"

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
 * kind, an option given twice, too few or too many operands: the usage is
 * printed).  An option given twice is refused rather than one of its values
 * dropped: `--orders a --orders b` must not act on b's orders alone.
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
		if ((c >= 256 && args->opt[c - 256] != NULL) || (c == 'f' && args->flag) ||
		    (c == 'k' && args->kind != NULL)) {
			fprintf(stderr, "sluice %s: --%s given twice\n", argv[0],
			    c >= 256 ? e->options[c - 256].name : c == 'f' ? e->flag : "kind");
			c = '?';
		} else if (c >= 256) {
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
 * Who asked for this command, found before sluice becomes anyone else:
 * the user who ran sudo when root runs it under sudo (SUDO_USER, believed
 * of root only: anyone may set it), else the login of the session, else
 * the real user's name (or #uid).  A new string.
 */
static char *
who_asked(void)
{
	const char *sudo = getenv("SUDO_USER"), *login;
	char user[USER_SIZE];

	if (getuid() == 0 && sudo != NULL && sudo[0] != '\0')
		return xstrdup(sudo);
	if ((login = getlogin()) != NULL && login[0] != '\0')
		return xstrdup(login);
	return xstrdup(user_name(getuid(), user, sizeof user));
}

/*
 * Makes root the owner of the spool (st: the spool's): its uid, and the
 * gid and groups of its passwd entry, or the spool's group alone when it
 * has none; the groups first, then the gid, then the uid.  Then root must
 * be out of reach.  0, or -1 (logged).
 */
static int
become_owner(const char *spool, const struct stat *st)
{
	char user[USER_SIZE];
	struct passwd *pw;
	gid_t gid;

	user_name(st->st_uid, user, sizeof user);
	pw = getpwuid(st->st_uid);
	gid = pw != NULL ? pw->pw_gid : st->st_gid;
	if ((pw != NULL ? initgroups(pw->pw_name, gid) : setgroups(0, NULL)) != 0 ||
	    setgid(gid) != 0 || setuid(st->st_uid) != 0) {
		log_error("cannot become %s, the owner of the spool %s: %s", user, spool,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || (gid != 0 && setgid(0) == 0) || getuid() != st->st_uid ||
	    geteuid() != st->st_uid || getgid() != gid || getegid() != gid) {
		log_error("could become root again after becoming %s, the owner of the spool %s",
		    user, spool);
		return -1;
	}
	log_debug("running as %s, the owner of the spool %s", user, spool);
	return 0;
}

/* Whether command e, with its operands args, writes (CMD_MAKES_OWN). */
static bool
cmd_writes(const struct cmd_entry *e, const struct cmd_args *args)
{
	if (!(e->flags & CMD_MAKES_OWN))
		return false;
	if (e->writing == NULL)
		return true;
	for (const char *const *w = e->writing; *w != NULL; w++)
		if (args->argc > 0 && strcmp(args->argv[0], *w) == 0)
			return true;
	return false;
}

/*
 * Settles who runs command e (with its operands args) on the spool, before
 * anything there is touched.  The spool's owner is the daemon's user; what
 * sluice makes there must be its (root's files would stop the daemon at
 * them), so root becomes the owner of a spool another user owns.  Any other
 * user is refused a command that writes, and any command when it may not
 * read the spool (its group's members may).  A spool not made yet is made
 * by whoever runs init.  Returns EXIT_OK to go on, else the exit status
 * (the reason logged).
 */
static int
settle_user(const struct cmd_entry *e, const struct app *a, const struct cmd_args *args)
{
	struct stat st;
	char owner[USER_SIZE], sudo[USER_SIZE + 16];
	char *why;

	if ((e->flags & CMD_NO_SPOOL) || stat(a->spool_path, &st) != 0 || geteuid() == st.st_uid)
		return EXIT_OK;
	if (geteuid() == 0)
		return become_owner(a->spool_path, &st) == 0 ? EXIT_OK : EXIT_SOFTWARE;
	user_name(st.st_uid, owner, sizeof owner);
	if (cmd_writes(e, args)) {
		log_error("the spool %s belongs to %s: run this as %s (%s sluice ...)",
		    a->spool_path, owner, owner, sudo_as(st.st_uid, sudo, sizeof sudo));
		return EXIT_NOPERM;
	}
	if (faccessat(AT_FDCWD, a->spool_path, R_OK | X_OK, AT_EACCESS) == 0)
		return EXIT_OK;
	why = denied_text("read", a->spool_path);
	log_error("the spool %s belongs to %s: %s; its owner and the members of its group may",
	    a->spool_path, owner, why);
	free(why);
	return EXIT_NOPERM;
}

bool
cmd_parse_time(const char *s, bool day_end, int64_t *ns)
{
	size_t len = strlen(s);
	int64_t secs, frac = 0, scale = 1000000000;
	bool day = len == 10;
	char instant[32];

	if (day) {
		snprintf(instant, sizeof instant, "%sT00:00:00Z", s);
		s = instant;
		len = strlen(s);
	}
	if (!parse_date(s, len, &secs))
		return false;
	for (size_t i = 20; s[19] == '.' && i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		scale /= 10;
		frac += (s[i] - '0') * scale;
	}
	if (day && day_end) {
		secs += 86400;
		frac = -1;
	}
	/* before 1970 or after 2262 (beyond ns in 64 bits): the first or the
	 * last instant */
	*ns = secs < 0 ? 0 : secs >= INT64_MAX / 1000000000 ? INT64_MAX : secs * 1000000000 + frac;
	return true;
}

int
cmd_exec(const struct cmd_entry *e, struct app *a, int argc, char **argv)
{
	struct cmd_args args = { 0 };
	int status;

	if (!cmd_parse(e, argc, argv, &args, &status))
		return status;
	a->actor = who_asked();
	if ((status = settle_user(e, a, &args)) != EXIT_OK)
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

		if (!create && stat(a->ledger_path, &st) != 0 && errno == ENOENT)
			log_error("there is no ledger %s (run sluice init)", a->ledger_path);
		else if (ret == -2)
			log_error("the ledger %s exists but cannot be used (see above); if it is "
			    "damaged, restore it from a backup or rebuild it with sluice replay",
			    a->ledger_path);
		spool_close(*sp);
		*sp = NULL;
		return ret;
	}
	ledger_set_actor(*l, a->actor);
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
app_link_secret(const struct app *a, const char *needs, struct buf *secret)
{
	char *path = processor_secret_path(&a->conf, a->spool_path);
	struct buf why = { 0 };
	int status = EXIT_OK;

	if (token_secret_load(path, secret, &why) == 0)
		goto out;
	if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) != 0 && errno == EACCES) {
		char *denied = denied_text("read", path);

		fprintf(stderr, "sluice: %s need the payment link secret, and %s; an operator may "
		    "share it with the spool's group (chgrp GROUP %s; chmod 0640 %s): whoever reads "
		    "it can sign payment links\n", needs, denied, path, path);
		free(denied);
		status = EXIT_NOPERM;
	} else {
		fprintf(stderr, "sluice: %s (sluice init creates one)\n", buf_str(&why));
		status = EXIT_CONFIG;
	}
out:
	buf_free(&why);
	free(path);
	return status;
}

int
app_sched_start(struct app *a, struct spool *sp, struct ledger *l, struct sched *s)
{
	spool_clean_tmp(sp);
	if (sched_init(s, sp, l, &a->conf) != 0)
		return EXIT_CONFIG;
	/* without fonts no PDF is made, and the outbox would wait forever */
	if (!render_pdf_fonts_ok())
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
