/* SPDX-License-Identifier: ISC */
/*
 * sluice purge --older-than DAYS [--archive] [--rejected] [--documents]
 * [--dry-run]: retention.  Removes what sluice keeps (archived inputs,
 * rejected inputs, the files of out/) that is older than DAYS, aged by the
 * ledger where it knows the file (an input's processing time, a
 * document's issue time), else by the file's modification time.  It never
 * touches in/, work/, tmp/ or the ledger, an output not yet published, or
 * an invoice or credit note younger than retention_documents.
 *
 * The journal's purge event is committed before the first file goes: it
 * names what the purge sets out to remove, so a crash in the middle leaves
 * no removal without its record; running the purge again removes the rest
 * (and names only that).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "schemas/layout.h"

static int purge_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

enum { OPT_OLDER_THAN, OPT_ARCHIVE, OPT_REJECTED, OPT_DOCUMENTS, OPT_DRY_RUN };

const struct cmd_entry cmd_purge_entry = {
	.name = "purge",
	.summary = "remove archived and rejected inputs and documents older than DAYS",
	.usage = "sluice purge --older-than DAYS [--archive] [--rejected] [--documents] [--dry-run]",
	.help =
	    "Removes what sluice keeps that is older than DAYS days, of the classes named\n"
	    "(at least one):\n\n"
	    "  --archive     inputs filed in archive/ (a replay of the archive can then no\n"
	    "                longer rebuild what they applied)\n"
	    "  --rejected    inputs filed in rejected/\n"
	    "  --documents   the files of out/: receipts, invoices, credit notes,\n"
	    "                pro-formas, payment requests and links\n"
	    "  --dry-run     say what would be removed, and change nothing\n\n"
	    "A file's age is the ledger's (an input's processing time, a document's issue\n"
	    "time) where it knows the file, else its modification time.  Never removed:\n"
	    "in/, work/, tmp/ and the ledger; an output not yet published; invoices and\n"
	    "credit notes younger than retention_documents, whatever DAYS says.  The\n"
	    "purge is written to the journal before anything is removed.\n",
	.options = (const struct cmd_option[]){ { "older-than", true }, { "archive", false },
	    { "rejected", false }, { "documents", false }, { "dry-run", false }, { NULL, false } },
	.args_max = 0,
	.flags = CMD_MAKES_OWN,
	.exec = purge_exec,
};

/* The largest DAYS taken: older than any spool. */
#define DAYS_MAX 365000

enum class { CLASS_ARCHIVE, CLASS_REJECTED, CLASS_DOCUMENTS, CLASS__COUNT };

static const char *const class_names[CLASS__COUNT] = { "archive", "rejected", "documents" };

/* What a purge removes of one class, and what it keeps of it. */
struct plan {
	struct spool_kept *all;
	size_t n;
	bool *remove;              /* of all[] */
	size_t files;
	int64_t bytes;
	size_t young_documents;    /* invoices and credit notes kept for retention */
	size_t unpublished;        /* outputs not yet published */
	size_t undecided;          /* inputs the ledger has not decided */
};

struct purge {
	struct app *a;
	struct spool *sp;
	struct ledger *l;
	long days;
	bool dry_run;
	bool classes[CLASS__COUNT];
	char before[TIME_SIZE];    /* older than this goes */
	char retain[TIME_SIZE];    /* invoices and credit notes issued since stay */
	char today[TIME_SIZE];     /* the date of now: YYYY-MM-DD */
	struct plan plan[CLASS__COUNT];
};

/* Reads DAYS: a positive whole number.  0, or -1. */
static int
parse_days(const char *s, long *days)
{
	char *end;

	errno = 0;
	*days = s[0] >= '0' && s[0] <= '9' ? strtol(s, &end, 10) : 0;
	return *days > 0 && *days <= DAYS_MAX && errno == 0 && *end == '\0' ? 0 : -1;
}

/* When the entry k was made, as the ledger says it (at, from the ledger;
 * "" when it does not know), else its modification time. */
static void
entry_time(const struct spool_kept *k, const char *at, char out[TIME_SIZE])
{
	if (at != NULL && at[0] != '\0')
		snprintf(out, TIME_SIZE, "%s", at);
	else
		format_time(k->mtime_ns, out, TIME_SIZE);
}

/* Decides whether the filed input k goes: when the ledger decided it and
 * its processing time (the file's time when the ledger has no input
 * filed there) is before the cutoff.  0, or -1. */
static int
judge_filed(struct purge *p, struct plan *pl, const struct spool_kept *k, bool *remove)
{
	struct input_row row = { 0 };
	char at[TIME_SIZE];
	int found = k->input_id > 0 ? ledger_input_get(p->l, k->input_id, &row) : 0;

	if (found < 0)
		return -1;
	/* the input filed here: its row names this very path */
	if (found && strcmp(row.filed_as, k->rel) != 0)
		found = 0;
	if (found && (row.status == INPUT_DEFERRED || row.status == INPUT_NONE)) {
		pl->undecided++;
		*remove = false;
	} else {
		entry_time(k, found ? row.processed_at : NULL, at);
		*remove = strcmp(at, p->before) < 0;
	}
	ledger_input_clear(&row);
	return 0;
}

/* Decides whether the file k of out/ goes: when it is published and made
 * before the cutoff, and is no invoice or credit note younger than
 * retention_documents.  0, or -1. */
static int
judge_output(struct purge *p, struct plan *pl, const struct spool_kept *k, bool *remove)
{
	struct output_state o;
	char at[TIME_SIZE];
	int found = ledger_output_state(p->l, k->rel, &o);

	*remove = false;
	if (found < 0)
		return -1;
	if (found && o.unpublished) {
		pl->unpublished++;
		return 0;
	}
	entry_time(k, found ? o.at : NULL, at);
	if (strcmp(at, p->before) >= 0)
		return 0;
	/* out/invoices/ holds invoices and credit notes, kept by law */
	if (out_path_in(OUT_INVOICES, k->rel) && strcmp(at, p->retain) >= 0) {
		pl->young_documents++;
		return 0;
	}
	*remove = true;
	return 0;
}

/* Lists the class c and decides what of it goes.  0, or -1. */
static int
plan_class(struct purge *p, enum class c)
{
	struct plan *pl = &p->plan[c];
	int rc = c == CLASS_DOCUMENTS ? spool_list_outputs(p->sp, &pl->all, &pl->n) :
	    spool_list_filed(p->sp, c == CLASS_REJECTED, &pl->all, &pl->n);

	if (rc != 0)
		return -1;
	pl->remove = xcalloc(pl->n + 1, sizeof *pl->remove);
	for (size_t i = 0; i < pl->n; i++) {
		if ((c == CLASS_DOCUMENTS ? judge_output(p, pl, &pl->all[i], &pl->remove[i]) :
		    judge_filed(p, pl, &pl->all[i], &pl->remove[i])) != 0)
			return -1;
		if (pl->remove[i]) {
			pl->files++;
			pl->bytes += pl->all[i].bytes;
		}
	}
	return 0;
}

/* The date folder (archive/<date>) of a filed entry's path, into out. */
static void
date_of(const char *rel, char *out, size_t outsz)
{
	const char *s = strchr(rel, '/') + 1, *e = strchr(s, '/');

	snprintf(out, outsz, "%.*s", (int)(e != NULL ? e - s : (ptrdiff_t)strlen(s)), s);
}

/* The dates (of archive/ or rejected/) that a class's removals touch,
 * each once, as a JSON array. */
static json_t *
removed_dates(const struct plan *pl)
{
	json_t *dates = json_array();

	for (size_t i = 0; i < pl->n; i++) {
		char d[64];
		bool seen = false;

		if (!pl->remove[i])
			continue;
		date_of(pl->all[i].rel, d, sizeof d);
		for (size_t j = 0; j < json_array_size(dates) && !seen; j++)
			seen = strcmp(json_string_value(json_array_get(dates, j)), d) == 0;
		if (!seen)
			json_array_append_new(dates, json_string(d));
	}
	return dates;
}

/* The detail of the journal's purge event: what it removes. */
static char *
purge_detail(const struct purge *p)
{
	json_t *root = json_object();
	char *text;

	json_object_set_new(root, "older_than_days", json_integer(p->days));
	json_object_set_new(root, "before", json_string(p->before));
	for (int c = 0; c < CLASS__COUNT; c++) {
		const struct plan *pl = &p->plan[c];
		json_t *j;

		if (!p->classes[c])
			continue;
		j = json_object();
		json_object_set_new(j, "files", json_integer((json_int_t)pl->files));
		json_object_set_new(j, "bytes", json_integer(pl->bytes));
		if (c != CLASS_DOCUMENTS) {
			json_t *inputs = json_array();

			for (size_t i = 0; i < pl->n; i++)
				if (pl->remove[i] && pl->all[i].input_id > 0)
					json_array_append_new(inputs, json_integer(pl->all[i].input_id));
			json_object_set_new(j, "dates", removed_dates(pl));
			json_object_set_new(j, "inputs", inputs);
		}
		json_object_set_new(root, class_names[c], j);
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}

/* Journals the purge (before anything is removed).  0, or -1. */
static int
journal_purge(struct purge *p)
{
	char *detail = purge_detail(p), at[TIME_SIZE];
	int ret = -1;

	format_time(now_ns(), at, sizeof at);
	if (detail != NULL && ledger_begin(p->l) == 0) {
		if (ledger_journal_add(p->l, NULL, "purge", 0, "sluice purge", at, detail) == 0 &&
		    ledger_commit(p->l) == 0)
			ret = 0;
		else
			ledger_rollback(p->l);
	}
	free(detail);
	return ret;
}

/* How many inputs a class removes, and when they were filed, into when:
 * "on DATE", or "from DATE to DATE". */
static size_t
inputs_span(const struct plan *pl, char *when, size_t sz)
{
	char first[64] = "", last[64] = "";
	size_t inputs = 0;

	for (size_t i = 0; i < pl->n; i++) {
		char d[64];

		if (!pl->remove[i])
			continue;
		inputs++;
		date_of(pl->all[i].rel, d, sizeof d);
		if (first[0] == '\0' || strcmp(d, first) < 0)
			snprintf(first, sizeof first, "%s", d);
		if (strcmp(d, last) > 0)
			snprintf(last, sizeof last, "%s", d);
	}
	if (strcmp(first, last) == 0)
		snprintf(when, sz, "on %s", first);
	else
		snprintf(when, sz, "from %s to %s", first, last);
	return inputs;
}

/* Adds a line to archive/.purged saying which inputs this purge takes
 * from the archive, so that a replay of it can say what it cannot
 * rebuild.  0, or -1 (logged). */
static int
note_archive(struct purge *p)
{
	char when[160], at[TIME_SIZE], *line;
	size_t inputs = inputs_span(&p->plan[CLASS_ARCHIVE], when, sizeof when);
	int ret;

	if (inputs == 0)
		return 0;
	format_time(now_ns(), at, sizeof at);
	line = xasprintf("%s: %zu archived input%s filed %s purged (older than %ld day%s)\n", at,
	    inputs, inputs == 1 ? "" : "s", when, p->days, p->days == 1 ? "" : "s");
	ret = spool_append(p->sp, "archive/" SPOOL_PURGED_NOTE, line);
	free(line);
	return ret;
}

static void
print_path(const char *verb, const struct spool_kept *k)
{
	struct buf name = { 0 };

	sanitize_text(k->rel, strlen(k->rel), &name);
	printf("%s %s (%" PRId64 " bytes)\n", verb, buf_str(&name), k->bytes);
	buf_free(&name);
}

/* Removes (or, dry, names) what the plan of class c removes; *failed
 * counts what could not be removed.  Emptied folders of inputs go, and
 * emptied date folders but today's. */
static void
remove_class(struct purge *p, enum class c, size_t *failed)
{
	struct plan *pl = &p->plan[c];

	for (size_t i = 0; i < pl->n; i++) {
		char d[64];
		int parents = 0;

		if (!pl->remove[i])
			continue;
		if (p->dry_run) {
			print_path("would remove", &pl->all[i]);
			continue;
		}
		if (c != CLASS_DOCUMENTS) {
			date_of(pl->all[i].rel, d, sizeof d);
			/* the input's folder, and its date's but for today's (and
			 * later): the daemon may be filing into it */
			parents = pl->all[i].input_id > 0 ? 1 : 0;
			if (strcmp(d, p->today) < 0)
				parents++;
		}
		if (spool_remove_kept(p->sp, pl->all[i].rel, parents) < 0)
			(*failed)++;
		else
			print_path("removed", &pl->all[i]);
	}
}

/* Says what each class removes (or would), what it keeps, and what a
 * replay of the archive can no longer rebuild. */
static void
summary(const struct purge *p)
{
	const char *verb = p->dry_run ? "would remove" : "removed";

	for (int c = 0; c < CLASS__COUNT; c++) {
		const struct plan *pl = &p->plan[c];

		if (!p->classes[c])
			continue;
		printf("%s: %s %zu file%s, %" PRId64 " bytes\n", class_names[c], verb, pl->files,
		    pl->files == 1 ? "" : "s", pl->bytes);
		if (pl->young_documents > 0)
			printf("%s: kept %zu invoice and credit note file%s younger than "
			    "retention_documents, whatever --older-than says\n", class_names[c],
			    pl->young_documents, pl->young_documents == 1 ? "" : "s");
		if (pl->unpublished > 0)
			printf("%s: kept %zu output%s not yet published\n", class_names[c],
			    pl->unpublished, pl->unpublished == 1 ? "" : "s");
		if (pl->undecided > 0)
			printf("%s: kept %zu input%s not yet decided\n", class_names[c], pl->undecided,
			    pl->undecided == 1 ? "" : "s");
	}
	if (p->classes[CLASS_ARCHIVE]) {
		char when[160];
		size_t inputs = inputs_span(&p->plan[CLASS_ARCHIVE], when, sizeof when);

		if (inputs > 0)
			printf("replay: sluice replay of the archive %s no longer rebuild what %zu "
			    "input%s filed %s applied (their orders and documents)\n",
			    p->dry_run ? "could" : "can", inputs, inputs == 1 ? "" : "s", when);
	}
}

/* Reads the options into p.  0, or -1 with the reason printed. */
static int
parse_options(struct purge *p, const struct cmd_args *args)
{
	int64_t now = now_ns();

	if (args->opt[OPT_OLDER_THAN] == NULL) {
		fprintf(stderr, "sluice purge: --older-than DAYS is required\n");
		return -1;
	}
	if (parse_days(args->opt[OPT_OLDER_THAN], &p->days) != 0) {
		fprintf(stderr, "sluice purge: --older-than takes a whole number of days from 1 to "
		    "%d, not '%s'\n", DAYS_MAX, args->opt[OPT_OLDER_THAN]);
		return -1;
	}
	p->classes[CLASS_ARCHIVE] = args->opt[OPT_ARCHIVE] != NULL;
	p->classes[CLASS_REJECTED] = args->opt[OPT_REJECTED] != NULL;
	p->classes[CLASS_DOCUMENTS] = args->opt[OPT_DOCUMENTS] != NULL;
	if (!p->classes[CLASS_ARCHIVE] && !p->classes[CLASS_REJECTED] &&
	    !p->classes[CLASS_DOCUMENTS]) {
		fprintf(stderr, "sluice purge: say what to purge: --archive, --rejected and/or "
		    "--documents\n");
		return -1;
	}
	p->dry_run = args->opt[OPT_DRY_RUN] != NULL;
	format_time(now - (int64_t)p->days * 86400 * 1000000000, p->before, sizeof p->before);
	format_time(now - p->a->conf.retention_documents_ms * 1000000, p->retain, sizeof p->retain);
	format_time(now, p->today, sizeof p->today);
	p->today[10] = '\0';
	return 0;
}

/* Whether the purge removes anything. */
static bool
removes_any(const struct purge *p)
{
	for (int c = 0; c < CLASS__COUNT; c++)
		if (p->plan[c].files > 0)
			return true;
	return false;
}

static int
purge_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct purge p = { .a = a };
	size_t failed = 0;
	int status = EXIT_SOFTWARE;

	if (parse_options(&p, args) != 0) {
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	if (app_open(a, false, &p.sp, &p.l) != 0)
		return EXIT_SOFTWARE;
	for (int c = 0; c < CLASS__COUNT; c++)
		if (p.classes[c] && plan_class(&p, (enum class)c) != 0)
			goto out;
	/* the record first: a purge cut short is on record, and finished by
	 * running it again */
	if (!p.dry_run && removes_any(&p) && (journal_purge(&p) != 0 ||
	    (p.classes[CLASS_ARCHIVE] && note_archive(&p) != 0)))
		goto out;
	for (int c = 0; c < CLASS__COUNT; c++)
		if (p.classes[c])
			remove_class(&p, (enum class)c, &failed);
	summary(&p);
	if (failed > 0)
		log_error("%zu file%s could not be removed (see above); run the purge again once "
		    "that is fixed", failed, failed == 1 ? "" : "s");
	status = failed > 0 ? EXIT_FAILED : EXIT_OK;
out:
	for (int c = 0; c < CLASS__COUNT; c++) {
		spool_kept_free(p.plan[c].all, p.plan[c].n);
		free(p.plan[c].remove);
	}
	ledger_close(p.l);
	spool_close(p.sp);
	return status;
}
