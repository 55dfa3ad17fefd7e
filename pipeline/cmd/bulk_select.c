/* SPDX-License-Identifier: ISC */
/*
 * bulk_select: the selection of `sluice bulk`, read from its options: the
 * orders of --orders FILE in the file's order, else those the filter
 * selects (--status, --market, --country, --since, --until, --hold, --all)
 * by order number, one at a time.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/cmd/bulk.h"

/* The longest line of --orders: far more than an order number (an id of
 * at most 64 characters) with spaces around it.  A longer line is no
 * list of order numbers (a file without line ends, /dev/zero), refused
 * rather than read into memory whole. */
#define LINE_MAX_BYTES 1024

static int
named_cmp(const void *x, const void *y)
{
	const struct bulk_named *a = x, *b = y;
	int c = strcmp(a->number, b->number);

	return c != 0 ? c : a->at < b->at ? -1 : a->at > b->at;
}

static int
named_at_cmp(const void *x, const void *y)
{
	const struct bulk_named *a = x, *b = y;

	return a->at < b->at ? -1 : a->at > b->at;
}

/* Reads line lineno of f (path) into line, without its end: 1, 0 at the
 * end of the file, -1 when it holds a NUL byte or is longer than
 * LINE_MAX_BYTES (said). */
static int
read_line(FILE *f, const char *path, size_t lineno, char line[LINE_MAX_BYTES + 1])
{
	size_t len = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0' || len == LINE_MAX_BYTES) {
			fprintf(stderr, "sluice bulk: line %zu of %s %s\n", lineno, path,
			    c == '\0' ? "holds a NUL byte" : "is longer than any order number");
			return -1;
		}
		line[len++] = (char)c;
	}
	line[len] = '\0';
	return c != EOF || len > 0;
}

/* Reads the order numbers of --orders FILE into *out (*n of them, in the
 * file's order, each after its first time marked again); a byte order
 * mark that begins the file is passed over.  0; -1 when the file cannot be
 * read, is no regular file (but standard input), holds a NUL byte or a
 * line longer than LINE_MAX_BYTES (said). */
static int
read_orders(const char *path, struct bulk_named **out, size_t *n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen_regular(path);
	struct bulk_named *v = NULL;
	size_t cap = 0, lineno = 0;
	char line[LINE_MAX_BYTES + 1];
	int ret = 0, got;

	*n = 0;
	*out = NULL;
	if (f == NULL) {
		fprintf(stderr, "sluice bulk: cannot read %s: %s\n", path,
		    errno != 0 ? strerror(errno) : "not a regular file");
		return -1;
	}
	while ((got = read_line(f, path, ++lineno, line)) > 0) {
		char *s = str_trim(line + (lineno == 1 ? utf8_bom_len(line, strlen(line)) : 0));

		if (s[0] == '\0')
			continue;
		v = xreserve(v, *n, &cap, 64, sizeof *v);
		v[*n] = (struct bulk_named){ xstrdup(s), *n, false };
		(*n)++;
	}
	if (got < 0)
		ret = -1;
	else if (ferror(f)) {
		fprintf(stderr, "sluice bulk: cannot read %s: %s\n", path, strerror(errno));
		ret = -1;
	}
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

int
bulk_select_load(struct bulk *b)
{
	return b->orders == NULL ? 0 : read_orders(b->orders, &b->named, &b->nnamed);
}

void
bulk_select_free(struct bulk *b)
{
	for (size_t i = 0; i < b->nnamed; i++)
		free(b->named[i].number);
	free(b->named);
	b->named = NULL;
	b->nnamed = 0;
}

/* Runs fn for each order of --orders that the filter selects, in the
 * file's order and once each, and unknown for a number the ledger does not
 * know.  As bulk_select_each. */
static int
orders_named_each(struct bulk *b, int (*fn)(void *ctx, const char *order_number),
    int (*unknown)(void *ctx, const char *order_number), void *ctx)
{
	const struct bulk_named *v = b->named;
	int ret = 0;

	for (size_t i = 0; i < b->nnamed && ret == 0; i++) {
		int selected;

		if (v[i].again)
			continue;
		if ((selected = ledger_order_selected(b->ledger, &b->filter, v[i].number)) < 0)
			ret = -1;
		else if (selected == 2)
			ret = unknown(ctx, v[i].number);
		else if (selected == 1)
			ret = fn(ctx, v[i].number);
	}
	return ret;
}

int
bulk_select_each(struct bulk *b, int (*fn)(void *ctx, const char *order_number),
    int (*unknown)(void *ctx, const char *order_number), void *ctx)
{
	if (b->orders != NULL)
		return orders_named_each(b, fn, unknown, ctx);
	return ledger_orders_each(b->ledger, &b->filter, fn, ctx);
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

bool
bulk_parse_selection(struct bulk *b, char **statuses)
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

