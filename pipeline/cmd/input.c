/* SPDX-License-Identifier: ISC */
/*
 * sluice input show ID|KIND/NAME [--json]: one input, all the ledger and
 * the spool know of it: its row, where its bytes are now, its receipt,
 * every listed error, the records it applied and what operators did to it.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pipeline/cmd/cmd.h"
#include "pipeline/process.h"
#include "stages/input_view.h"
#include "stages/json_out.h"

static int input_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_input_entry = {
	.name = "input",
	.summary = "input show ID|KIND/NAME [--json]: one input's whole story",
	.usage = "sluice input show ID|KIND/NAME [--json]",
	.help =
	    "Prints one input: its row in the ledger (kind, name, time of receipt and of\n"
	    "processing, status, records, sha256, size), where its file is now (under\n"
	    "archive/ or rejected/, in work/ while claimed, or missing when it was removed),\n"
	    "the path of its receipt, every error its receipt lists (for a deferred input:\n"
	    "what it waits for, and when it expires), the records it applied, and what\n"
	    "operators did to it (sluice requeue).  KIND/NAME (orders/a.csv) is the input\n"
	    "of that kind and name received last, a file claimed and not yet decided\n"
	    "included.  --json prints one JSON object.  An unknown input exits 1.\n",
	.flag = "json",
	.args_min = 2,
	.args_max = 2,
	.exec = input_exec,
};

/* The input a reference names: its row (or a claimed file's), and where
 * its file and its receipt are. */
struct found {
	struct input_row row;
	bool claimed;          /* a file not yet decided: row has no id */
	char *work_name;       /* ... its work name (owned) */
	char *file;            /* where its bytes are, or should be (owned) */
	bool file_present;
	int64_t file_size;
	char *receipt;         /* its receipt's path, or NULL (owned) */
	bool receipt_written, receipt_present;
	int64_t replaced_by;   /* the input whose receipt took its path, or 0 */
	int64_t expires_ns;    /* deferred: as process_deferred_ends() */
	bool expires_by_link;
};

static void
found_free(struct found *f)
{
	ledger_input_clear(&f->row);
	free(f->work_name);
	free(f->file);
	free(f->receipt);
}

/* The newest claimed file of a name, among those app_claimed_each()
 * gives. */
struct newest_claim {
	const char *name;
	char *work_name;
	int64_t received_ns;
};

static int
newest_claim(void *ctx, const struct input_row *in)
{
	struct newest_claim *c = ctx;

	if (strcmp(in->name, c->name) == 0 && in->received_ns >= c->received_ns) {
		free(c->work_name);
		c->work_name = xstrdup(in->work_name);
		c->received_ns = in->received_ns;
	}
	return 0;
}

/* The name that sluice prints as shown (sanitize_text: \xHH for a
 * backslash, a control byte or a byte that is not UTF-8), a new string; NULL
 * when shown holds no such escape. */
static char *
unescape_name(const char *shown)
{
	struct buf b = { 0 };
	bool any = false;
	char *plain;

	for (const char *p = shown; *p != '\0'; p++) {
		unsigned int byte;

		if (p[0] == '\\' && p[1] == 'x' && isxdigit((unsigned char)p[2]) &&
		    isxdigit((unsigned char)p[3]) && sscanf(p + 2, "%2x", &byte) == 1 && byte != 0) {
			buf_putc(&b, (char)byte);
			p += 3;
			any = true;
		} else
			buf_putc(&b, *p);
	}
	plain = any ? xstrdup(buf_str(&b)) : NULL;
	buf_free(&b);
	return plain;
}

/* Finds the input of kind k named name received last, a claimed file
 * included.  1 found, 0 not, -1 failure. */
static int
find_named(struct spool *sp, struct ledger *l, const struct kind_def *k, const char *name,
    struct found *f)
{
	struct newest_claim c = { .name = name };
	int rc;

	if ((rc = ledger_input_newest(l, k->plural, c.name, &f->row)) < 0 ||
	    app_claimed_each(sp, l, k->kind, newest_claim, &c) != 0) {
		free(c.work_name);
		return -1;
	}
	if (c.work_name != NULL && (rc == 0 || c.received_ns > f->row.received_ns)) {
		ledger_input_clear(&f->row);
		f->claimed = true;
		f->work_name = c.work_name;
		f->row.work_name = f->work_name;
		f->row.kind = k->plural;
		spool_work_name_parse(f->work_name, &f->row.received_ns, &f->row.name);
		return 1;
	}
	free(c.work_name);
	return rc;
}

/* Finds the input ref names: an id, or KIND/NAME (the one received last,
 * a claimed file included; NAME as it was delivered, or as sluice prints
 * it).  1 found, 0 not (said), -1 failure, -2 a reference that is neither
 * (said). */
static int
find(struct spool *sp, struct ledger *l, const char *ref, struct found *f)
{
	const char *slash = strchr(ref, '/');
	const struct kind_def *k;
	char *kind, *plain;
	int rc;

	if (ref[0] != '\0' && strspn(ref, "0123456789") == strlen(ref)) {
		rc = strlen(ref) <= 18 ? ledger_input_get(l, strtoll(ref, NULL, 10), &f->row) : 0;
		if (rc == 0)
			fprintf(stderr, "sluice: no input %s in the ledger\n", ref);
		return rc;
	}
	if (slash == NULL) {
		sanitized_printf(stderr, "sluice input: '%s' is neither an input's id nor KIND/NAME\n",
		    ref);
		return -2;
	}
	kind = xstrndup(ref, (size_t)(slash - ref));
	k = kind_by_name(kind);
	if (k == NULL)
		sanitized_printf(stderr, "sluice input: unknown kind '%s'\n", kind);
	free(kind);
	if (k == NULL)
		return -2;
	rc = find_named(sp, l, k, slash + 1, f);
	if (rc == 0 && (plain = unescape_name(slash + 1)) != NULL) {
		rc = find_named(sp, l, k, plain, f);
		free(plain);
	}
	if (rc == 0)
		sanitized_printf(stderr, "sluice: no input %s in the ledger or in work/\n", ref);
	return rc;
}

/* Where the input's bytes are: filed under archive/ or rejected/ once
 * decided (in work/ until the pass that files it), in work/ while claimed
 * or deferred.  0, or -1. */
static int
locate_file(struct spool *sp, const struct kind_def *k, struct found *f)
{
	const char *filed = f->row.filed_as;
	char *work = spool_work_path(k->kind, f->row.work_name);
	int rc = 0;

	if (filed != NULL && filed[0] != '\0') {
		f->file = xstrdup(filed);
		rc = spool_present(sp, filed, &f->file_size);
	}
	if (rc == 0 && (rc = spool_present(sp, work, &f->file_size)) == 1) {
		free(f->file);
		f->file = work;
		work = NULL;
	}
	if (f->file == NULL) {
		f->file = work;
		work = NULL;
	}
	free(work);
	f->file_present = rc == 1;
	return rc < 0 ? -1 : 0;
}

/* Its receipt: the path queued last for it, whether it is there, and the
 * later input of its kind and name whose receipt took that path. */
static int
locate_receipt(struct spool *sp, struct ledger *l, const struct kind_def *k, struct found *f)
{
	struct input_row newest;
	char *plain;
	int64_t size;
	int rc;

	if ((rc = ledger_input_receipt(l, f->row.id, &f->receipt, &f->receipt_written)) <= 0)
		return rc;
	if ((rc = spool_present(sp, f->receipt, &size)) < 0)
		return -1;
	f->receipt_present = rc == 1;
	plain = spool_receipt_path(k->kind, f->row.name, 0);
	rc = strcmp(plain, f->receipt) == 0 ? ledger_input_newest(l, k->plural, f->row.name,
	    &newest) : 0;
	free(plain);
	if (rc > 0 && newest.id != f->row.id)
		f->replaced_by = newest.id;
	if (rc > 0)
		ledger_input_clear(&newest);
	return rc < 0 ? -1 : 0;
}

/* Text output. */

static int
text_error(void *ctx, const struct error_item *e)
{
	(void)ctx;
	printf("  line %ld", e->line);
	if (e->field != NULL)
		sanitized_printf(stdout, ", %s", e->field);
	printf(": %s: %s\n", err_code_name(e->code), e->message);
	return 0;
}

static int
text_record(void *ctx, const char *kind, const char *record_id, const char *order_number)
{
	(void)ctx;
	sanitized_printf(stdout, "  %s %s", kind, record_id);
	if (strcmp(kind, "orders") != 0)
		sanitized_printf(stdout, " (order %s)", order_number);
	putchar('\n');
	return 0;
}

/* An operator's action on the input: its detail's values were sanitized
 * when it was written (json_echo), so they are printed as they are. */
static int
text_action(void *ctx, const struct journal_event *e)
{
	json_t *detail = json_loads(e->detail, 0, NULL), *v;
	const char *key;

	(void)ctx;
	sanitized_printf(stdout, "  %s  %s  %s", e->at, e->source, e->type);
	if (e->by != NULL)
		sanitized_printf(stdout, " by %s", e->by);
	if (json_is_object(detail)) {
		json_object_foreach(detail, key, v) {
			if (!json_is_string(v))
				continue;
			sanitized_printf(stdout, "; %s ", key);
			fputs(json_string_value(v), stdout);
		}
	} else
		sanitized_printf(stdout, ": %s", e->detail);
	putchar('\n');
	json_decref(detail);
	return 0;
}

static int
print_text(struct ledger *l, const struct found *f, const struct error_item *first)
{
	const struct input_row *in = &f->row;
	struct input_view v = { in, first, f->expires_ns, f->expires_by_link };
	int ret;

	input_view_line(stdout, &v);
	if (!f->claimed) {
		printf("  processed  %s\n", in->processed_at);
		printf("  sha256     %s\n", in->sha256);
		printf("  size       %" PRId64 " bytes\n", in->size);
	}
	sanitized_printf(stdout, "  file       %s", f->file);
	printf("%s\n", !f->file_present ? "  (missing: it is not there any more)" :
	    f->claimed ? "  (claimed, not yet decided)" : "");
	if (f->receipt != NULL) {
		sanitized_printf(stdout, "  receipt    %s", f->receipt);
		if (f->replaced_by > 0)
			printf("  (replaced by the receipt of input %" PRId64 ")", f->replaced_by);
		else if (!f->receipt_written)
			printf("  (to be written)");
		else if (!f->receipt_present)
			printf("  (missing)");
		putchar('\n');
	}
	if (f->claimed)
		return 0;
	printf(in->status == INPUT_DEFERRED ? "waits for\n" : "errors\n");
	if ((ret = ledger_input_errors(l, in->id, text_error, NULL)) == 0) {
		printf("applied\n");
		ret = ledger_input_records(l, in->id, text_record, NULL);
	}
	if (ret == 0) {
		printf("actions\n");
		ret = ledger_journal_for_input(l, in->id, text_action, NULL);
	}
	return ret;
}

/* JSON output. */

static int
json_error(void *ctx, const struct error_item *e)
{
	json_t *j = json_object();

	json_set_error(j, e);
	json_array_append_new(ctx, j);
	return 0;
}

static int
json_record(void *ctx, const char *kind, const char *record_id, const char *order_number)
{
	json_t *j = json_object();

	json_object_set_new(j, "kind", json_text(kind));
	json_object_set_new(j, "id", json_text(record_id));
	json_object_set_new(j, "order", json_text(order_number));
	json_array_append_new(ctx, j);
	return 0;
}

static int
json_action(void *ctx, const struct journal_event *e)
{
	json_t *j = json_object(), *detail = json_loads(e->detail, 0, NULL);

	json_object_set_new(j, "at", json_text(e->at));
	json_object_set_new(j, "command", json_text(e->source));
	json_object_set_new(j, "type", json_text(e->type));
	json_object_set_new(j, "by", json_text(e->by));
	json_object_set_new(j, "detail", detail != NULL ? detail : json_text(e->detail));
	json_array_append_new(ctx, j);
	return 0;
}

static int
print_json(struct ledger *l, const struct found *f, const struct error_item *first)
{
	const struct input_row *in = &f->row;
	struct input_view v = { in, first, f->expires_ns, f->expires_by_link };
	json_t *j = input_view_json(&v), *file = json_object(), *receipt = json_null();
	json_t *errors = json_array(), *applied = json_array(), *actions = json_array();
	int ret = 0;

	json_object_set_new(j, "work_name", json_echo(in->work_name));
	json_object_set_new(j, "processed_at", json_text(in->processed_at));
	json_object_set_new(j, "sha256", json_text(in->sha256));
	json_object_set_new(j, "size", f->claimed ? json_null() : json_integer(in->size));
	json_object_set_new(file, "path", json_echo(f->file));
	json_object_set_new(file, "present", json_boolean(f->file_present));
	json_object_set_new(j, "file", file);
	if (f->receipt != NULL) {
		receipt = json_object();
		json_object_set_new(receipt, "path", json_echo(f->receipt));
		json_object_set_new(receipt, "written", json_boolean(f->receipt_written));
		json_object_set_new(receipt, "present", json_boolean(f->receipt_present));
		json_object_set_new(receipt, "replaced_by",
		    f->replaced_by > 0 ? json_integer(f->replaced_by) : json_null());
	}
	json_object_set_new(j, "receipt", receipt);
	if (!f->claimed && ((ret = ledger_input_errors(l, in->id, json_error, errors)) != 0 ||
	    (ret = ledger_input_records(l, in->id, json_record, applied)) != 0 ||
	    (ret = ledger_journal_for_input(l, in->id, json_action, actions)) != 0)) {
		json_decref(errors);
		json_decref(applied);
		json_decref(actions);
		json_decref(j);
		return ret;
	}
	json_object_set_new(j, "errors", errors);
	json_object_set_new(j, "applied", applied);
	json_object_set_new(j, "actions", actions);
	ret = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : -1;
	putchar('\n');
	json_decref(j);
	return ret;
}

/* The first listed error of input id, copied into *first (its strings in
 * the row's arena). */
struct first_error {
	struct arena *arena;
	struct error_item *e;
	bool found;
};

static int
first_error(void *ctx, const struct error_item *e)
{
	struct first_error *fe = ctx;

	if (!fe->found) {
		*fe->e = *e;
		fe->e->field = e->field != NULL ? arena_strdup(fe->arena, e->field) : NULL;
		fe->e->message = arena_strdup(fe->arena, e->message != NULL ? e->message : "");
		fe->found = true;
	}
	return 0;
}

static int
show(struct app *a, struct spool *sp, struct ledger *l, const char *ref, bool json)
{
	struct found f = { 0 };
	struct error_item first;
	struct first_error fe = { &f.row.arena, &first, false };
	const struct kind_def *k;
	int rc = find(sp, l, ref, &f);

	if (rc <= 0) {
		found_free(&f);
		return rc == 0 ? EXIT_FAILED : rc == -2 ? EXIT_USAGE : EXIT_SOFTWARE;
	}
	if ((k = kind_by_name(f.row.kind)) == NULL) {
		sanitized_printf(stderr, "sluice: input %s has the unknown kind '%s'\n", ref,
		    f.row.kind);
		found_free(&f);
		return EXIT_DATAERR;
	}
	rc = locate_file(sp, k, &f);
	if (rc == 0 && !f.claimed)
		rc = locate_receipt(sp, l, k, &f);
	if (rc == 0 && !f.claimed)
		rc = ledger_input_errors(l, f.row.id, first_error, &fe);
	if (rc == 0 && f.row.status == INPUT_DEFERRED)
		rc = process_deferred_ends(l, &a->conf, &f.row, &f.expires_ns, &f.expires_by_link);
	if (rc == 0)
		rc = json ? print_json(l, &f, fe.found ? &first : NULL) :
		    print_text(l, &f, fe.found ? &first : NULL);
	found_free(&f);
	return rc == 0 && fflush(stdout) == 0 ? EXIT_OK : EXIT_SOFTWARE;
}

static int
input_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	int status;

	if (strcmp(args->argv[0], "show") != 0) {
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	if (app_open_read(a, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	status = show(a, sp, l, args->argv[1], args->flag);
	ledger_close(l);
	spool_close(sp);
	return status;
}
