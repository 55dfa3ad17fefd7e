/* SPDX-License-Identifier: ISC */
/*
 * sluice bulk ACTION SELECTION... [OPTIONS]: one action on many orders.
 * The selection (--orders FILE, --status, --market, --country, --since,
 * --until, --hold, --all) is read one order at a time; each action is an
 * entry of the actions table.  export writes the selected orders, as
 * `order show --json` has them, to a file replaced atomically; print their
 * documents, as one PDF (bulk_print.c); the actions that change orders run
 * as a job (bulk_job.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "pipeline/cmd/bulk.h"
#include "base/log.h"
#include "stages/order_view.h"
#include "stages/validate.h"

static int bulk_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_bulk_entry = {
	.name = "bulk",
	.summary = "bulk ACTION SELECTION...: one action on many orders, as a job",
	.usage = "sluice bulk ACTION SELECTION... [OPTIONS] | sluice bulk status [JOB] [--json]\n"
	    "       sluice bulk export SELECTION... --output FILE [--format csv|json]\n"
	    "       sluice bulk print SELECTION... --output FILE "
	    "[--documents invoices,proformas,confirmations]",
	.help =
	    "Carries out ACTION on each order of the selection.  SELECTION is one or more\n"
	    "of these; an order is selected when all that are given hold:\n\n"
	    "  --orders FILE    the order numbers of FILE, one a line (- reads standard\n"
	    "                   input), in that order, each once; an unknown one is\n"
	    "                   reported as skipped\n"
	    "  --status S[,S]   orders of one of these statuses\n"
	    "  --market M       orders of market M\n"
	    "  --country C      orders delivered to country C\n"
	    "  --since DATE     orders dated at or after DATE: YYYY-MM-DD (midnight UTC)\n"
	    "                   or an RFC 3339 instant (2026-11-27T14:55:01Z)\n"
	    "  --until DATE     orders dated at or before DATE (a YYYY-MM-DD: that whole\n"
	    "                   day, UTC)\n"
	    "  --hold true|false  orders on hold, or not on hold\n"
	    "  --all            every order (said explicitly when nothing else selects)\n\n"
	    "Without --orders, orders are taken by order number.\n\n"
	    "Actions that change orders, each order through an input of its own\n"
	    "(in/<kind>/bulk-JOB-SEQ.csv) with its receipt, as a job:\n"
	    "  confirm          a pending order becomes confirmed (an amendment)\n"
	    "  hold, unhold     puts the order on hold, or takes it off (an amendment)\n"
	    "  ship             one shipment of every open unit [--carrier C]\n"
	    "                   [--service S] [--shipped: marked shipped now]\n"
	    "  mark-shipped     marks each unshipped shipment shipped now [--tracking\n"
	    "                   FILE: CSV shipment_id,carrier,tracking]\n"
	    "  cancel           cancels the whole order [--reason TEXT]\n"
	    "  capture          asks the PSP for each capture of the order not sent to it\n"
	    "                   (capture_on = manual) or that failed (an action)\n"
	    "  archive          archives a completed or cancelled order (an action)\n"
	    "Each prints one line per order: applied, skipped (the action does not\n"
	    "apply, or changes nothing), deferred (its input waits) or rejected, with\n"
	    "the code and message, then the totals; --json prints an object with job,\n"
	    "action, orders and totals.  With a daemon running it submits the inputs\n"
	    "and waits for their outcomes (--no-wait: returns once they are\n"
	    "submitted); without, it processes the spool itself.  --dry-run says what\n"
	    "would become of each order and changes nothing.  Exits 1 when an order\n"
	    "was rejected.  Running the same command again applies nothing twice.\n\n"
	    "status [JOB]: a job's orders and their outcomes now; without JOB, the\n"
	    "latest jobs.\n\n"
	    "export: writes the selected orders to FILE (--output; - is standard output),\n"
	    "replacing it whole (a temporary file beside it, renamed into place).\n"
	    "--format json (the default): a JSON array of the objects order show --json\n"
	    "prints.  --format csv: a header, then one row per order line: the order's\n"
	    "fields, then the line's.  A cell that begins with = + - @, a tab or a carriage\n"
	    "return, and is not a number, begins with ' so that no spreadsheet runs it.\n\n"
	    "print: writes the documents of the selected orders to FILE as one PDF (--output,\n"
	    "replaced the same way): --documents, those of these types, in this order\n"
	    "(by default all three): invoices, proformas, and confirmations (the order\n"
	    "confirmations of payment links; they need the link secret).  Each order's\n"
	    "documents by type, each type's in the order they were issued, each with the\n"
	    "pages of its own PDF.  An order with none is reported skipped; when no order\n"
	    "has any, nothing is written and the exit status is 1.\n",
	.options = (const struct cmd_option[]){ { "orders", true }, { "status", true },
	    { "market", true }, { "country", true }, { "since", true }, { "until", true },
	    { "hold", true }, { "all", false }, { "output", true }, { "format", true },
	    { "documents", true }, { "carrier", true }, { "service", true }, { "shipped", false }, { "tracking", true },
	    { "reason", true }, { "dry-run", false }, { "json", false }, { "no-wait", false },
	    { NULL } },
	.args_min = 1,
	.args_max = 2,
	.flags = CMD_MAKES_OWN,
	.writing = (const char *const[]){ "confirm", "hold", "unhold", "ship", "mark-shipped",
	    "cancel", "capture", "archive", NULL },
	.exec = bulk_exec,
};

/* Reports an order's outcome, beside what the action writes. */
static void
report(const char *order_number, const char *outcome, const char *why)
{
	sanitized_printf(stderr, "%s %s: %s\n", outcome, order_number, why);
}

/*
 * CSV export.  The order's columns are the scalars of its JSON object
 * (with its addresses' fields as billing_* and delivery_*), a line's
 * columns those of an element of its lines.
 */
static const struct {
	const char *column, *object, *key;   /* key of root (object NULL) or of root[object] */
} order_columns[] = {
	{ "order_number", NULL, "order_number" }, { "status", NULL, "status" },
	{ "hold", NULL, "hold" }, { "awaiting_payment", NULL, "awaiting_payment" },
	{ "currency", NULL, "currency" }, { "prices_include_vat", NULL, "prices_include_vat" },
	{ "order_date", NULL, "order_date" }, { "market", NULL, "market" },
	{ "email", NULL, "email" }, { "grand_total", NULL, "grand_total" },
	{ "vat_total", NULL, "vat_total" }, { "shipping_total", NULL, "shipping_total" },
	{ "authorized", NULL, "authorized" }, { "captured", NULL, "captured" },
	{ "refunded", NULL, "refunded" }, { "due", NULL, "due" },
	{ "captured_amount", NULL, "captured_amount" },
	{ "capture_reference", NULL, "capture_reference" },
	{ "voucher_code", NULL, "voucher_code" }, { "voucher_value", NULL, "voucher_value" },
	{ "billing_address1", "billing", "address1" }, { "billing_address2", "billing", "address2" },
	{ "billing_zip", "billing", "zip" }, { "billing_city", "billing", "city" },
	{ "billing_country", "billing", "country" }, { "billing_state", "billing", "state" },
	{ "delivery_address1", "delivery", "address1" },
	{ "delivery_address2", "delivery", "address2" }, { "delivery_zip", "delivery", "zip" },
	{ "delivery_city", "delivery", "city" }, { "delivery_country", "delivery", "country" },
	{ "delivery_state", "delivery", "state" }, { "language", NULL, "language" },
	{ "delivery_date", NULL, "delivery_date" }, { "internal_comment", NULL, "internal_comment" },
	{ "attributes", NULL, "attributes" },
};
static const char *const line_columns[] = { "line_id", "sku", "name", "quantity", "shipped",
	"cancelled", "returned", "unit_price", "discount", "voucher", "vat_rate", "line_total", "vat" };

/* Whether s is a decimal number (-12, 3.50): data, never a formula. */
static bool
is_number(const char *s)
{
	const char *p = s + (*s == '-');
	size_t digits = strspn(p, "0123456789");

	if (digits == 0)
		return false;
	p += digits;
	if (*p == '.' && (digits = strspn(p + 1, "0123456789")) > 0)
		p += 1 + digits;
	return *p == '\0';
}

/* Writes one CSV cell: ' before what a spreadsheet would take for a
 * formula, then quoted (RFC 4180) when it holds a comma, a quote or a line
 * break. */
static void
csv_cell(FILE *out, const char *s, bool first)
{
	bool formula = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL && !is_number(s);
	struct buf cell = { 0 };

	if (!first)
		fputc(',', out);
	bulk_csv_quote(&cell, s, formula ? "'" : "");
	fputs(buf_str(&cell), out);
	buf_free(&cell);
}

/* Writes the JSON scalar v as a CSV cell (null and what is not a scalar
 * as an empty one); a non-empty object (the attributes) as its compact
 * JSON text, keys sorted. */
static void
csv_value(FILE *out, const json_t *v, bool first)
{
	char num[32] = "";

	if (json_is_string(v)) {
		csv_cell(out, json_string_value(v), first);
		return;
	}
	if (json_is_object(v) && json_object_size(v) > 0) {
		char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

		if (text == NULL)
			fatal("out of memory");
		csv_cell(out, text, first);
		free(text);
		return;
	}
	if (json_is_integer(v))
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(num, sizeof num, "%s", json_is_true(v) ? "true" : "false");
	csv_cell(out, num, first);
}

static void
csv_header(FILE *out)
{
	for (size_t i = 0; i < sizeof order_columns / sizeof *order_columns; i++)
		csv_cell(out, order_columns[i].column, i == 0);
	for (size_t i = 0; i < sizeof line_columns / sizeof *line_columns; i++)
		csv_cell(out, line_columns[i], false);
	fputs("\r\n", out);
}

/* One row: the order's cells, then those of line ln (NULL: empty ones). */
static void
csv_row(FILE *out, const json_t *order, const json_t *ln)
{
	for (size_t i = 0; i < sizeof order_columns / sizeof *order_columns; i++) {
		const json_t *o = order_columns[i].object == NULL ? order :
		    json_object_get(order, order_columns[i].object);

		csv_value(out, json_object_get(o, order_columns[i].key), i == 0);
	}
	for (size_t i = 0; i < sizeof line_columns / sizeof *line_columns; i++)
		csv_value(out, json_object_get(ln, line_columns[i]), false);
	fputs("\r\n", out);
}

/* As bulk.h says. */
FILE *
output_open(const char *path, char **tmp)
{
	char *copy_d = xstrdup(path), *copy_b = xstrdup(path);
	mode_t mask = umask(0);
	FILE *f = NULL;
	int fd;

	umask(mask);
	*tmp = NULL;
	if (strcmp(path, "-") == 0) {
		f = stdout;
	} else {
		*tmp = xasprintf("%s/.%s.XXXXXX", dirname(copy_d), basename(copy_b));
		if ((fd = mkstemp(*tmp)) < 0 || fchmod(fd, 0666 & ~mask) != 0 ||
		    (f = fdopen(fd, "w")) == NULL) {
			fprintf(stderr, "sluice bulk: cannot write %s: %s\n", path, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(*tmp);
			}
			free(*tmp);
			*tmp = NULL;
		}
	}
	free(copy_d);
	free(copy_b);
	return f;
}

/* As bulk.h says. */
bool
output_close(FILE *f, const char *path, char *tmp, bool ok)
{
	char *dir = tmp != NULL ? xstrdup(tmp) : NULL;
	bool written = !ferror(f) && fflush(f) == 0;
	int dfd;

	if (tmp != NULL) {
		written = written && fsync(fileno(f)) == 0;
		written = fclose(f) == 0 && written;
		if (ok && written && rename(tmp, path) != 0)
			written = false;
		else if (ok && written && (dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) >= 0) {
			fsync(dfd);
			close(dfd);
		}
		if (!ok || !written)
			unlink(tmp);
	}
	if (!written)
		fprintf(stderr, "sluice bulk: cannot write %s: %s\n", path, strerror(errno));
	free(dir);
	free(tmp);
	return ok && written;
}

/* Whether the action has its --output (said when not). */
static bool
output_given(const struct bulk *b)
{
	const char *output = b->args->opt[OPT_OUTPUT];

	if (output != NULL && output[0] != '\0')
		return true;
	fprintf(stderr, "sluice bulk: %s needs --output FILE (- for standard output)\n",
	    b->args->argv[0]);
	return false;
}

/* Reads export's options.  As struct bulk_action's check. */
static bool
export_check(struct bulk *b)
{
	const char *format = b->args->opt[OPT_FORMAT];

	if (!output_given(b))
		return false;
	if (format != NULL && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "sluice bulk: --format: csv or json\n");
		return false;
	}
	b->csv = format != NULL && strcmp(format, "csv") == 0;
	return true;
}

static int
export_begin(struct bulk *b)
{
	if ((b->out = output_open(b->args->opt[OPT_OUTPUT], &b->tmp)) == NULL)
		return -1;
	if (b->csv)
		csv_header(b->out);
	else
		fputc('[', b->out);
	return 0;
}

static int
export_each(void *ctx, const char *order_number)
{
	struct bulk *b = ctx;
	json_t *j, *lines;
	int found = order_view_json(b->ledger, order_number, &j);

	if (found <= 0)
		return -1;
	if (b->csv) {
		lines = json_object_get(j, "lines");
		for (size_t i = 0; i < json_array_size(lines); i++)
			csv_row(b->out, j, json_array_get(lines, i));
		if (json_array_size(lines) == 0)
			csv_row(b->out, j, NULL);
	} else {
		fputs(b->done == 0 ? "\n" : ",\n", b->out);
		found = json_dumpf(j, b->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 1 : -1;
	}
	json_decref(j);
	b->done++;
	return found > 0 && !ferror(b->out) ? 0 : -1;
}

static int
export_end(struct bulk *b, bool ok)
{
	if (ok && !b->csv)
		fputs(b->done > 0 ? "\n]\n" : "]\n", b->out);
	if (b->out == NULL || !output_close(b->out, b->args->opt[OPT_OUTPUT], b->tmp, ok))
		return EXIT_SOFTWARE;
	fprintf(stderr, "exported %zu orders, %zu skipped\n", b->done, b->skipped);
	return EXIT_OK;
}

/* print: the selected orders' documents (bulk_print.c). */
static bool
print_check(struct bulk *b)
{
	return output_given(b) && bulk_print_check(&b->print, b->args->opt[OPT_DOCUMENTS]);
}

static int
print_begin(struct bulk *b)
{
	if ((b->out = output_open(b->args->opt[OPT_OUTPUT], &b->tmp)) == NULL)
		return -1;
	return bulk_print_begin(&b->print, b->app, b->ledger, b->out);
}

static int
print_each(void *ctx, const char *order_number)
{
	struct bulk *b = ctx;
	int n = bulk_print_order(&b->print, order_number);

	if (n == 0) {
		report(order_number, "skipped", "no documents");
		b->skipped++;
	} else if (n > 0)
		b->done++;
	return n < 0 ? -1 : 0;
}

static int
print_end(struct bulk *b, bool ok)
{
	bool none = b->print.documents == 0;

	ok = bulk_print_end(&b->print, ok) == 0 && ok;
	if (ok && none)
		fprintf(stderr, "sluice bulk: nothing to print: %s\n", b->print.orders == 0 ?
		    "no order is selected" : "no order selected has any of the documents asked");
	if (b->out != NULL && output_close(b->out, b->args->opt[OPT_OUTPUT], b->tmp, ok && !none)) {
		fprintf(stderr, "printed %zu documents of %zu orders, %zu skipped\n",
		    b->print.documents, b->done, b->skipped);
		return EXIT_OK;
	}
	if (b->print.status != EXIT_OK)
		return b->print.status;
	return ok && none ? EXIT_FAILED : EXIT_SOFTWARE;
}

/* Checks that a text option, when given, is text of at most max
 * characters (multiline: it may span lines), as its field takes it.  False
 * when not (said). */
static bool
text_option(const struct bulk *b, int opt, long long max, bool multiline)
{
	const char *v = b->args->opt[opt];

	if (v == NULL || valid_text(v, strlen(v), max, multiline))
		return true;
	fprintf(stderr, "sluice bulk: --%s: text of at most %lld characters%s\n",
	    cmd_bulk_entry.options[opt].name, max,
	    multiline ? "" : " on one line, without control characters");
	return false;
}

/* Reads ship's options.  As struct bulk_action's check. */
static bool
ship_check(struct bulk *b)
{
	return text_option(b, OPT_CARRIER, 100, false) && text_option(b, OPT_SERVICE, 100, false);
}

static bool
mark_shipped_check(struct bulk *b)
{
	const char *path = b->args->opt[OPT_TRACKING];

	return path == NULL || bulk_read_tracking(b, path);
}

static bool
cancel_check(struct bulk *b)
{
	return text_option(b, OPT_REASON, 500, true);
}

static bool
no_check(struct bulk *b)
{
	(void)b;
	return true;
}

/* The actions, by name. */
static const struct bulk_action actions[] = {
	{ "confirm", BULK_JOB_OPTIONS, no_check, NULL, NULL, NULL, &bulk_confirm },
	{ "hold", BULK_JOB_OPTIONS, no_check, NULL, NULL, NULL, &bulk_hold },
	{ "unhold", BULK_JOB_OPTIONS, no_check, NULL, NULL, NULL, &bulk_unhold },
	{ "ship", BULK_JOB_OPTIONS | 1u << OPT_CARRIER | 1u << OPT_SERVICE | 1u << OPT_SHIPPED,
	    ship_check, NULL, NULL, NULL, &bulk_ship },
	{ "mark-shipped", BULK_JOB_OPTIONS | 1u << OPT_TRACKING, mark_shipped_check, NULL, NULL,
	    NULL, &bulk_mark_shipped },
	{ "cancel", BULK_JOB_OPTIONS | 1u << OPT_REASON, cancel_check, NULL, NULL, NULL,
	    &bulk_cancel },
	{ "capture", BULK_JOB_OPTIONS, no_check, NULL, NULL, NULL, &bulk_capture },
	{ "archive", BULK_JOB_OPTIONS, no_check, NULL, NULL, NULL, &bulk_archive },
	{ "export", 1u << OPT_OUTPUT | 1u << OPT_FORMAT, export_check, export_begin, export_each,
	    export_end, NULL },
	{ "print", 1u << OPT_OUTPUT | 1u << OPT_DOCUMENTS, print_check, print_begin, print_each,
	    print_end, NULL },
};

/* The action named name, or NULL (said, with the actions there are). */
static const struct bulk_action *
find_action(const char *name)
{
	for (size_t i = 0; i < sizeof actions / sizeof *actions; i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	sanitized_printf(stderr, "sluice bulk: unknown action %s; the actions are:", name);
	for (size_t i = 0; i < sizeof actions / sizeof *actions; i++)
		fprintf(stderr, " %s", actions[i].name);
	fprintf(stderr, " (and status [JOB])");
	fputc('\n', stderr);
	return NULL;
}

/* Checks that the options given beyond the selection are the action's
 * own, then the action's check.  False on a bad usage (said). */
static bool
check_options(struct bulk *b, const struct bulk_action *act)
{
	const struct cmd_option *opts = cmd_bulk_entry.options;

	for (int i = OPT_SELECTION; opts[i].name != NULL; i++)
		if (b->args->opt[i] != NULL && !(act->options & 1u << i)) {
			fprintf(stderr, "sluice bulk: %s takes no --%s\n", act->name, opts[i].name);
			return false;
		}
	return act->check(b);
}

/* The command line b was asked with, as the jobs table keeps it (a new
 * string). */
static char *
command_text(const struct bulk *b)
{
	const struct cmd_option *opts = cmd_bulk_entry.options;
	struct buf t = { 0 };

	buf_printf(&t, "sluice bulk %s", b->act->name);
	for (int i = 0; opts[i].name != NULL; i++)
		if (b->args->opt[i] != NULL)
			buf_printf(&t, opts[i].takes_value ? " --%s %s" : " --%s", opts[i].name,
			    b->args->opt[i]);
	return t.data;
}

/* An unknown order of --orders, to an action that only reads: reported
 * skipped. */
static int
unknown_read(void *ctx, const char *order_number)
{
	struct bulk *b = ctx;

	report(order_number, "skipped", "unknown order");
	b->skipped++;
	return 0;
}

/* Whether --output (when a file) is outside the spool sp, whose files are
 * sluice's own (a ledger replaced by an export would be lost): 1; 0 when
 * inside (said); -1 when its folder cannot be opened (said). */
static int
output_outside(const struct bulk *b, struct spool *sp)
{
	const char *path = b->args->opt[OPT_OUTPUT];
	char *copy = xstrdup(path);
	int dirfd, inside = 0;

	if (strcmp(path, "-") == 0) {
		free(copy);
		return 1;
	}
	if ((dirfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (inside = spool_holds_dir(sp, dirfd)) < 0)
		fprintf(stderr, "sluice bulk: cannot write %s: %s\n", path, strerror(errno));
	else if (inside)
		fprintf(stderr, "sluice bulk: %s is in the spool %s, whose files are sluice's own; "
		    "write it outside\n", path, spool_root(sp));
	if (dirfd >= 0)
		close(dirfd);
	free(copy);
	return dirfd < 0 || inside < 0 ? -1 : !inside;
}

/* Runs b's action that only reads. */
static int
bulk_read(struct bulk *b)
{
	struct spool *sp;
	int ret;

	if (app_open_read(b->app, &sp, &b->ledger) != 0)
		return EXIT_SOFTWARE;
	if ((ret = output_outside(b, sp)) <= 0) {
		ledger_close(b->ledger);
		spool_close(sp);
		return ret < 0 ? EXIT_SOFTWARE : EXIT_USAGE;
	}
	ret = b->act->begin(b);
	if (ret == 0)
		ret = bulk_select_each(b, b->act->each, unknown_read, b);
	ret = b->act->end(b, ret == 0);
	ledger_close(b->ledger);
	spool_close(sp);
	return ret;
}

/* sluice bulk status [JOB] [--json]: takes no other option. */
static int
status_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	for (int i = 0; self->options[i].name != NULL; i++)
		if (args->opt[i] != NULL && i != OPT_JSON) {
			fprintf(stderr, "sluice bulk: status takes no --%s\n", self->options[i].name);
			cmd_usage(self, false);
			return EXIT_USAGE;
		}
	return bulk_job_status(a, args->argc > 1 ? args->argv[1] : NULL, args->opt[OPT_JSON] != NULL);
}

static int
bulk_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct bulk b = { .app = a, .args = args };
	char *statuses = NULL;
	int ret;

	if (strcmp(args->argv[0], "status") == 0)
		return status_exec(self, a, args);
	if (args->argc > 1 || (b.act = find_action(args->argv[0])) == NULL ||
	    !bulk_parse_selection(&b, &statuses) || !check_options(&b, b.act)) {
		free(statuses);
		bulk_free_tracking(&b);
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	b.command = command_text(&b);
	if (bulk_select_load(&b) != 0)
		ret = EXIT_SOFTWARE;
	else
		ret = b.act->change != NULL ? bulk_job_run(&b) : bulk_read(&b);
	bulk_select_free(&b);
	free(b.command);
	free(statuses);
	bulk_free_tracking(&b);
	return ret;
}
