/* SPDX-License-Identifier: ISC */
/*
 * sluice replay [--kind KIND] DIR|FILE...: feed files through the pipeline
 * again.  Files filed under archive/ or rejected/ keep their kind, the
 * order they were first decided in and their time of receipt (in their
 * folder's name); they are replayed in that order under that time, so
 * replaying a whole archive into a new spool rebuilds the same ledger and
 * the same documents.  Other files are taken in path order, their kind from
 * --kind, their folder or their content.  Everything already applied is
 * recognised as a duplicate.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "pipeline/scheduler.h"
#include "stages/detect.h"

static int replay_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_replay_entry = {
	.name = "replay",
	.summary = "feed folders of earlier inputs through the pipeline again",
	.usage = "sluice replay [--kind KIND] DIR|FILE...",
	.help =
	    "Feeds every file in the folders (and every file named) through the\n"
	    "pipeline again, as if it arrived now; what was applied before is a\n"
	    "duplicate.  Folders of archive/ or rejected/ keep each input's kind, order\n"
	    "and time of receipt, so replaying a spool's whole archive into a new spool\n"
	    "rebuilds its ledger and documents.  --kind names the kind of files that\n"
	    "say nothing of it otherwise.  Runs like run --once (not beside a daemon).\n",
	.kind_option = true,
	.args_min = 1,
	.args_max = -1,
	.flags = CMD_MAKES_OWN,
	.exec = replay_exec,
};

struct replay_item {
	char *path;
	bool filed;              /* from an archive/rejected folder */
	int64_t input_id;
	enum kind kind;
	int64_t received_ns;
};

static struct replay_item *items;
static size_t nitems, cap_items;
/* the notes sluice purge left in the archives replayed (archive/.purged) */
static char **purged;
static size_t npurged;


static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	struct replay_item it = { 0 };

	if (type == FTW_F && S_ISREG(st->st_mode) && strcmp(base, SPOOL_PURGED_NOTE) == 0) {
		purged = xreallocarray(purged, npurged + 1, sizeof *purged);
		purged[npurged++] = xstrdup(path);
	}
	if (type != FTW_F || !S_ISREG(st->st_mode) || base[0] == '.')
		return 0;
	it.path = xstrdup(path);
	if (ftw->base >= 2) {
		char *dir = xstrndup(path, (size_t)ftw->base - 1), *slash = strrchr(dir, '/');

		it.filed = spool_filed_parse(slash != NULL ? slash + 1 : dir, &it.input_id, &it.kind,
		    &it.received_ns) == 0;
		free(dir);
	}
	items = xreserve(items, nitems, &cap_items, 64, sizeof *items);
	items[nitems++] = it;
	return 0;
}

/* A time of receipt for the input that no earlier input of this name had
 * (an input is known in the ledger by its claimed name, which holds the
 * time): replaying into the spool that decided it makes a new input. */
static int
fresh_received(struct ledger *l, const char *path, int64_t *received_ns)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	for (;; (*received_ns)++) {
		char *work = spool_work_name(*received_ns, base);
		struct input_row row = { 0 };
		int found = ledger_input_by_work_name(l, work, &row);

		ledger_input_clear(&row);
		free(work);
		if (found <= 0)
			return found;
	}
}

/* Says what sluice purge took from the archives replayed (their notes'
 * lines): what those inputs applied is not rebuilt. */
static void
report_purged(void)
{
	for (size_t i = 0; i < npurged; i++) {
		FILE *f = fopen_regular(purged[i]);
		char *line = NULL;
		size_t cap = 0;

		while (f != NULL && getline(&line, &cap, f) > 0) {
			struct buf text = { 0 };

			sanitize_text(line, strcspn(line, "\n"), &text);
			log_warn("%s: %s; replaying this archive does not rebuild what those inputs "
			    "applied (their orders and documents)", purged[i], buf_str(&text));
			buf_free(&text);
		}
		free(line);
		if (f != NULL)
			fclose(f);
		free(purged[i]);
	}
	free(purged);
}

/* Filed inputs first, in the order they were decided; then the rest by path. */
static int
cmp_item(const void *a, const void *b)
{
	const struct replay_item *x = a, *y = b;

	if (x->filed != y->filed)
		return x->filed ? -1 : 1;
	if (x->filed && x->input_id != y->input_id)
		return x->input_id < y->input_id ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Lists the files of the folders and the files named, in the order they
 * are replayed.  Returns 0, or -1 when one cannot be read (logged). */
static int
collect(const struct cmd_args *args)
{
	for (int i = 0; i < args->argc; i++)
		if (nftw(args->argv[i], visit, 32, FTW_PHYS) != 0) {
			log_error("cannot read %s: %s", args->argv[i], strerror(errno));
			return -1;
		}
	if (nitems > 1)
		qsort(items, nitems, sizeof *items, cmp_item);
	return 0;
}

/* Feeds the files listed through the scheduler s, one at a time, each
 * followed by a pass that applies it (and what was deferred): the original
 * order, also across kinds.  A filed file's pass judges what waits at the
 * time that file was received, so what waited then waits again until what
 * it waited for is replayed; the last pass, by the clock, ends what waited
 * until the end.  forced: the kind of files that say nothing of theirs.
 * Returns the exit status. */
static int
replay_items(struct sched *s, const struct kind_def *forced)
{
	int status = EXIT_OK;

	for (size_t i = 0; i < nitems && status != EXIT_SOFTWARE; i++) {
		struct replay_item *it = &items[i];
		int64_t received;
		int kind = it->filed ? (int)it->kind : forced != NULL ? (int)forced->kind :
		    detect_kind(it->path);

		if (kind < 0) {
			log_error("%s: cannot tell which kind of input this is; use --kind", it->path);
			status = EXIT_FAILED;
			continue;
		}
		received = it->filed ? it->received_ns : now_ns();
		s->proc.replay_at = it->filed ? received : 0;
		if (fresh_received(s->ledger, it->path, &received) != 0 ||
		    spool_inject(s->spool, (enum kind)kind, it->path, received) != 0 ||
		    sched_drain(s) != 0)
			status = EXIT_SOFTWARE;
	}
	s->proc.replay_at = 0;
	if (status != EXIT_SOFTWARE && sched_drain(s) != 0)
		status = EXIT_SOFTWARE;
	log_info("replayed %zu file%s: %zu accepted, %zu duplicate, %zu rejected", nitems,
	    nitems == 1 ? "" : "s", s->stats.accepted, s->stats.duplicate, s->stats.rejected);
	return status;
}

static int
replay_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	struct sched s;
	long holder;
	int status;

	if (collect(args) != 0)
		return EXIT_FAILED;
	report_purged();
	if (app_open(a, false, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	if (spool_lock(sp, &holder) != 0) {
		log_error("the spool %s is in use by another sluice (pid %ld); stop it, or submit "
		    "the files instead", a->spool_path, holder);
		ledger_close(l);
		spool_close(sp);
		return EXIT_TEMPFAIL;
	}
	if ((status = app_sched_start(a, sp, l, &s)) == EXIT_OK)
		status = replay_items(&s, args->kind);
	sched_free(&s);
	ledger_close(l);
	spool_close(sp);
	for (size_t i = 0; i < nitems; i++)
		free(items[i].path);
	free(items);
	return status;
}
