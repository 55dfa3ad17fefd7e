/* SPDX-License-Identifier: ISC */
/* sluice status [--json]: counts per outcome, backlog, deferred, errors. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "stages/json_out.h"

static int status_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.summary = "counts per outcome, backlog, deferred inputs, last errors",
	.usage = "sluice status [--json]",
	.help =
	    "Prints how many inputs ended accepted, duplicate, deferred and rejected,\n"
	    "the backlog (files waiting in in/ and claimed but not yet decided) per\n"
	    "kind, how many orders await payment, and the latest rejections with their\n"
	    "first error.\n",
	.flag = "json",
	.args_max = 0,
	.exec = status_exec,
};

#define RECENT 5

struct backlog {
	size_t waiting[KIND__COUNT];
	bool unlisted[KIND__COUNT];    /* waiting[] unknown: in/<kind>/ is closed to this user */
	size_t claimed[KIND__COUNT];
};

static int
count_backlog(struct spool *sp, struct backlog *b)
{
	memset(b, 0, sizeof *b);
	spool_unlisted_in(sp, b->unlisted);
	for (int k = 0; k < KIND__COUNT; k++) {
		struct spool_entry *e;
		char **names;
		size_t n;

		if (!b->unlisted[k]) {
			if (spool_scan(sp, (enum kind)k, &e, &n) != 0)
				return -1;
			b->waiting[k] = n;
			spool_entries_free(e, n);
		}
		if (spool_work_list(sp, (enum kind)k, &names, &n) != 0)
			return -1;
		b->claimed[k] = n;
		spool_names_free(names, n);
	}
	return 0;
}

static int
json_rejection(void *ctx, const struct input_row *in, const struct error_item *e)
{
	json_t *j = json_object();

	json_object_set_new(j, "file", json_echo(in->name));
	json_object_set_new(j, "kind", json_text(in->kind));
	json_object_set_new(j, "processed_at", json_text(in->processed_at));
	json_object_set_new(j, "errors", json_integer(in->error_count));
	if (e != NULL)
		json_set_error(j, e);
	json_array_append_new(ctx, j);
	return 0;
}

static int
text_rejection(void *ctx, const struct input_row *in, const struct error_item *e)
{
	struct buf name = { 0 };

	sanitize_text(in->name, strlen(in->name), &name);
	printf("  %s  %s/%s: %" PRId64 " error%s", in->processed_at, in->kind, buf_str(&name),
	    in->error_count, in->error_count == 1 ? "" : "s");
	if (e != NULL)
		printf("; line %ld: %s: %s", e->line, err_code_name(e->code), e->message);
	putchar('\n');
	buf_free(&name);
	return 0;
}

static int
print_json(struct ledger *l, const struct input_counts *c, const struct backlog *b,
    int64_t free_bytes, int64_t awaiting)
{
	json_t *root = json_object(), *counts = json_object(), *backlog = json_object();
	json_t *recent = json_array(), *disk = json_object();
	int ret = -1;

	json_object_set_new(counts, "accepted", json_integer(c->accepted));
	json_object_set_new(counts, "duplicate", json_integer(c->duplicate));
	json_object_set_new(counts, "deferred", json_integer(c->deferred));
	json_object_set_new(counts, "rejected", json_integer(c->rejected));
	json_object_set_new(root, "inputs", counts);
	for (int k = 0; k < KIND__COUNT; k++) {
		json_t *j = json_object();

		json_object_set_new(j, "waiting", b->unlisted[k] ? json_null() :
		    json_integer((json_int_t)b->waiting[k]));
		json_object_set_new(j, "claimed", json_integer((json_int_t)b->claimed[k]));
		json_object_set_new(backlog, kind_get((enum kind)k)->plural, j);
	}
	json_object_set_new(root, "backlog", backlog);
	json_object_set_new(root, "deferred", json_integer(c->deferred));
	json_object_set_new(root, "awaiting_payment", json_integer(awaiting));
	json_object_set_new(disk, "free_bytes", json_integer(free_bytes));
	json_object_set_new(disk, "full", json_boolean(free_bytes >= 0 && free_bytes < SPOOL_FULL_BYTES));
	json_object_set_new(root, "disk", disk);
	if (ledger_recent_rejections(l, RECENT, json_rejection, recent) == 0) {
		json_object_set_new(root, "last_errors", recent);
		recent = NULL;
		if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0) {
			putchar('\n');
			ret = 0;
		}
	}
	json_decref(recent);
	json_decref(root);
	return ret;
}

static int
print_text(struct ledger *l, const char *spool, const struct input_counts *c,
    const struct backlog *b, int64_t free_bytes, int64_t awaiting)
{
	printf("spool %s\n", spool);
	if (free_bytes >= 0 && free_bytes < SPOOL_FULL_BYTES)
		printf("disk      FULL: %lld KiB free; sluice takes no files until space returns\n",
		    (long long)(free_bytes / 1024));
	else if (free_bytes >= 0)
		printf("disk      %lld MiB free\n", (long long)(free_bytes / 1048576));
	printf("inputs    %" PRId64 " accepted, %" PRId64 " duplicate, %" PRId64 " deferred, %"
	    PRId64 " rejected\n", c->accepted, c->duplicate, c->deferred, c->rejected);
	printf("backlog  ");
	for (int k = 0; k < KIND__COUNT; k++)
		if (b->unlisted[k])
			printf(" %s ?+%zu", kind_get((enum kind)k)->plural, b->claimed[k]);
		else
			printf(" %s %zu+%zu", kind_get((enum kind)k)->plural, b->waiting[k],
			    b->claimed[k]);
	printf("   (waiting in in/ + claimed)\n");
	printf("orders    %" PRId64 " awaiting payment\n", awaiting);
	printf("last rejections\n");
	return ledger_recent_rejections(l, RECENT, text_rejection, NULL);
}

static int
status_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	struct input_counts counts;
	struct backlog b;
	int64_t awaiting;
	int ret;

	if (app_open_read(a, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	ret = ledger_input_counts(l, &counts) != 0 || count_backlog(sp, &b) != 0 ||
	    ledger_orders_awaiting_payment(l, &awaiting) != 0 ? -1 :
	    args->flag ? print_json(l, &counts, &b, spool_free_bytes(sp), awaiting) :
	    print_text(l, a->spool_path, &counts, &b, spool_free_bytes(sp), awaiting);
	ledger_close(l);
	spool_close(sp);
	return ret == 0 ? EXIT_OK : EXIT_SOFTWARE;
}
