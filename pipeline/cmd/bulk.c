/*
 * sluice bulk ACTION SELECTION... [OPTIONS]: one action on many orders.
 * The selection (--orders FILE, --status, --market, --country, --since,
 * --until, --hold, --all) is read one order at a time; each action is an
 * entry of the actions table.  export writes the selected orders, as
 * `order show --json` has them, to a file replaced atomically; print their
 * documents, as one PDF (bulk_print.c).
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
#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "stages/order_view.h"

static int bulk_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

/* The options, in the order of the entry's (args->opt[]). */
enum {
	OPT_ORDERS, OPT_STATUS, OPT_MARKET, OPT_COUNTRY, OPT_SINCE, OPT_UNTIL, OPT_HOLD, OPT_ALL,
	OPT_SELECTION,   /* the options before are the selection's */
	OPT_OUTPUT = OPT_SELECTION, OPT_FORMAT, OPT_DOCUMENTS,
};

const struct cmd_entry cmd_bulk_entry = {
	.name = "bulk",
	.summary = "bulk ACTION SELECTION...: one action on many orders",
	.usage = "sluice bulk export SELECTION... --output FILE [--format csv|json]\n"
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
	    { "documents", true }, { NULL } },
	.args_min = 1,
	.args_max = 1,
	.exec = bulk_exec,
};

/* A bulk run: the ledger, the selection and what the action writes to. */
struct bulk {
	struct ledger *ledger;
	struct order_filter filter;
	const char *orders;    /* --orders FILE, or NULL */
	const struct cmd_args *args;
	size_t done;           /* orders the action took */
	size_t skipped;        /* orders named and not found */
	/* export */
	FILE *out;
	char *tmp;             /* the temporary file out is, or NULL for stdout */
	bool csv;
	struct app *app;
	struct bulk_print print;
};

/* An action: its name, the bit of each option of its own it takes (1 <<
 * OPT_...), what it checks of its options (false: a bad usage, said),
 * what it does before the first order, to each selected order (0, or -1
 * to stop, said) and after the last (ok: all went well; the exit status). */
struct bulk_action {
	const char *name;
	unsigned options;
	bool (*check)(struct bulk *b);
	int (*begin)(struct bulk *b);
	int (*each)(void *ctx, const char *order_number);
	int (*end)(struct bulk *b, bool ok);
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
	{ "billing_address1", "billing", "address1" }, { "billing_address2", "billing", "address2" },
	{ "billing_zip", "billing", "zip" }, { "billing_city", "billing", "city" },
	{ "billing_country", "billing", "country" },
	{ "delivery_address1", "delivery", "address1" },
	{ "delivery_address2", "delivery", "address2" }, { "delivery_zip", "delivery", "zip" },
	{ "delivery_city", "delivery", "city" }, { "delivery_country", "delivery", "country" },
};
static const char *const line_columns[] = { "line_id", "sku", "name", "quantity", "shipped",
	"cancelled", "returned", "unit_price", "discount", "vat_rate", "line_total", "vat" };

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

	if (!first)
		fputc(',', out);
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fprintf(out, "%s%s", formula ? "'" : "", s);
		return;
	}
	fputs(formula ? "\"'" : "\"", out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* Writes the JSON scalar v as a CSV cell (null and what is not a scalar
 * as an empty one). */
static void
csv_value(FILE *out, const json_t *v, bool first)
{
	char num[32] = "";

	if (json_is_string(v)) {
		csv_cell(out, json_string_value(v), first);
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

/* The actions, by name. */
static const struct bulk_action actions[] = {
	{ "export", 1u << OPT_OUTPUT | 1u << OPT_FORMAT, export_check, export_begin, export_each,
	    export_end },
	{ "print", 1u << OPT_OUTPUT | 1u << OPT_DOCUMENTS, print_check, print_begin, print_each,
	    print_end },
};

/* Strips the spaces (and a CR) around s, in place. */
static char *
trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		s[--n] = '\0';
	return s + strspn(s, " \t");
}

/* An order number of --orders and where in the file it was. */
struct named {
	char *number;
	size_t at;
	bool again;            /* named before in the file */
};

static int
named_cmp(const void *x, const void *y)
{
	const struct named *a = x, *b = y;
	int c = strcmp(a->number, b->number);

	return c != 0 ? c : a->at < b->at ? -1 : a->at > b->at;
}

static int
named_at_cmp(const void *x, const void *y)
{
	const struct named *a = x, *b = y;

	return a->at < b->at ? -1 : a->at > b->at;
}

/* Reads the order numbers of --orders FILE into *out (*n of them, in the
 * file's order, each after its first time marked again).  0; -1 when the
 * file cannot be read or holds a NUL byte (said). */
static int
read_orders(const char *path, struct named **out, size_t *n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct named *v = NULL;
	size_t cap = 0, len = 0, lineno = 0;
	char *line = NULL;
	ssize_t got;
	int ret = 0;

	*n = 0;
	*out = NULL;
	if (f == NULL) {
		fprintf(stderr, "sluice bulk: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &len, f)) >= 0) {
		char *s;

		lineno++;
		if (memchr(line, '\0', (size_t)got) != NULL) {
			fprintf(stderr, "sluice bulk: line %zu of %s holds a NUL byte\n", lineno, path);
			ret = -1;
			break;
		}
		if ((s = trim(line))[0] == '\0')
			continue;
		v = xreserve(v, *n, &cap, 64, sizeof *v);
		v[*n] = (struct named){ xstrdup(s), *n, false };
		(*n)++;
	}
	if (ret == 0 && ferror(f)) {
		fprintf(stderr, "sluice bulk: cannot read %s: %s\n", path, strerror(errno));
		ret = -1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	/* sorted by number then place, each after its first is a repeat */
	if (*n > 0) {
		qsort(v, *n, sizeof *v, named_cmp);
		for (size_t i = 1; i < *n; i++)
			v[i].again = strcmp(v[i].number, v[i - 1].number) == 0;
		qsort(v, *n, sizeof *v, named_at_cmp);
	}
	*out = v;
	return ret;
}

/* Runs fn for each order of --orders that the filter selects, in the
 * file's order and once each; a number the ledger does not know is
 * reported skipped.  As ledger_orders_each. */
static int
orders_named_each(struct bulk *b, int (*fn)(void *ctx, const char *order_number))
{
	struct named *v = NULL;
	size_t n = 0;
	int ret = read_orders(b->orders, &v, &n);

	for (size_t i = 0; i < n && ret == 0; i++) {
		int selected;

		if (v[i].again)
			continue;
		if ((selected = ledger_order_selected(b->ledger, &b->filter, v[i].number)) < 0)
			ret = -1;
		else if (selected == 2) {
			report(v[i].number, "skipped", "unknown order");
			b->skipped++;
		} else if (selected == 1)
			ret = fn(b, v[i].number);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].number);
	free(v);
	return ret;
}

/* Reads --status S[,S...] into f->statuses (",s,s,", a new string in
 * *names).  False when a name is no order status. */
static bool
parse_statuses(const char *list, struct order_filter *f, char **names)
{
	char *copy = xstrdup(list), *save = NULL, *tok;
	size_t len = strlen(list) + 3;
	bool ok = list[0] != '\0' && list[strlen(list) - 1] != ',';
	enum order_status st;

	*names = xcalloc(1, len);
	strcpy(*names, ",");
	for (tok = strtok_r(copy, ",", &save); ok && tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		ok = order_status_parse(tok, &st);
		strcat(*names, tok);
		strcat(*names, ",");
	}
	ok = ok && strstr(list, ",,") == NULL && list[0] != ',';
	free(copy);
	f->statuses = *names;
	return ok;
}

/* Reads the selection's options into b.  False on a bad one (said). */
static bool
parse_selection(struct bulk *b, char **statuses)
{
	const char *const *opt = b->args->opt, *bad = NULL;
	bool any = false;

	for (int i = 0; i < OPT_SELECTION; i++)
		any = any || opt[i] != NULL;
	b->orders = opt[OPT_ORDERS];
	b->filter.market = opt[OPT_MARKET];
	b->filter.country = opt[OPT_COUNTRY];
	b->filter.hold = -1;
	if (!any)
		fprintf(stderr, "sluice bulk: no selection: name the orders (--orders, --status, "
		    "--market, --country, --since, --until, --hold), or say --all\n");
	else if (opt[OPT_STATUS] != NULL && !parse_statuses(opt[OPT_STATUS], &b->filter, statuses))
		bad = "--status: order statuses (pending, confirmed, processing, completed, "
		    "cancelled, archived), separated by commas";
	else if (opt[OPT_SINCE] != NULL &&
	    !(b->filter.since_set = cmd_parse_time(opt[OPT_SINCE], false, &b->filter.since_ns)))
		bad = "--since: a date (YYYY-MM-DD) or an RFC 3339 instant (2026-11-27T14:55:01Z)";
	else if (opt[OPT_UNTIL] != NULL &&
	    !(b->filter.until_set = cmd_parse_time(opt[OPT_UNTIL], true, &b->filter.until_ns)))
		bad = "--until: a date (YYYY-MM-DD) or an RFC 3339 instant (2026-11-27T14:55:01Z)";
	else if (opt[OPT_HOLD] != NULL && strcmp(opt[OPT_HOLD], "true") != 0 &&
	    strcmp(opt[OPT_HOLD], "false") != 0)
		bad = "--hold: true or false";
	else if (opt[OPT_HOLD] != NULL)
		b->filter.hold = strcmp(opt[OPT_HOLD], "true") == 0;
	if (bad != NULL)
		fprintf(stderr, "sluice bulk: %s\n", bad);
	return any && bad == NULL;
}

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

static int
bulk_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct bulk b = { .args = args, .app = a };
	const struct bulk_action *act = find_action(args->argv[0]);
	char *statuses = NULL;
	struct spool *sp;
	int ret;

	if (act == NULL || !parse_selection(&b, &statuses) || !check_options(&b, act)) {
		free(statuses);
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	if (app_open_read(a, &sp, &b.ledger) != 0) {
		free(statuses);
		return EXIT_SOFTWARE;
	}
	ret = act->begin(&b);
	if (ret == 0 && b.orders != NULL)
		ret = orders_named_each(&b, act->each);
	else if (ret == 0)
		ret = ledger_orders_each(b.ledger, &b.filter, act->each, &b);
	ret = act->end(&b, ret == 0);
	ledger_close(b.ledger);
	spool_close(sp);
	free(statuses);
	return ret;
}
