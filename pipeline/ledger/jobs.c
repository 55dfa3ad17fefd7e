/* SPDX-License-Identifier: ISC */
/*
 * jobs: the bulk jobs of `sluice bulk` and what became of each of their
 * orders (ledger.h, "Bulk jobs").
 */
#include "config.h"

#include <string.h>

#include "pipeline/ledger/ledger_int.h"

int
ledger_job_create(struct ledger *l, const struct job_row *j)
{
	int64_t one;
	int n = ledger_query(l, "SELECT 1 FROM jobs WHERE job = ?", ledger_int_row, &one, "s",
	    j->job);

	if (n != 0)
		return n < 0 ? -1 : 1;
	return ledger_run(l, "INSERT INTO jobs (job, action, command, actor, started_ns)"
	    " VALUES (?, ?, ?, ?, ?)", "ssssi", j->job, j->action, j->command, j->actor,
	    j->started_ns);
}

int
ledger_job_finish(struct ledger *l, const char *job, int64_t finished_ns)
{
	return ledger_run(l, "UPDATE jobs SET finished_ns = ? WHERE job = ?", "is", finished_ns,
	    job);
}

int
ledger_job_order_add(struct ledger *l, const struct job_order *o)
{
	return ledger_run(l, "INSERT INTO job_orders (job, seq, order_number, outcome, code, message)"
	    " VALUES (?, ?, ?, ?, ?, ?)", "sissss", o->job, o->seq, o->order_number,
	    job_outcome_name(o->outcome), o->code, o->message);
}

int
ledger_job_order_set(struct ledger *l, const struct job_order *o)
{
	return ledger_run(l, "UPDATE job_orders SET outcome = ?, kind = ?, input_name = ?, code = ?,"
	    " message = ? WHERE job = ? AND seq = ?", "ssssssi", job_outcome_name(o->outcome),
	    o->kind, o->input_name, o->code, o->message, o->job, o->seq);
}

#define JOB_ORDER_COLUMNS "job, seq, order_number, outcome, kind, input_name, code, message"

struct job_orders_each {
	int (*fn)(void *ctx, const struct job_order *o);
	void *ctx;
	struct arena arena;
};

static int
job_order_row(sqlite3_stmt *st, void *ctx)
{
	struct job_orders_each *e = ctx;
	struct job_order o = { 0 };
	int outcome, ret;

	if (ledger_column_enum(st, 3, &job_outcome_names, "job_orders.outcome", &outcome) != 0)
		return -1;
	o.job = ledger_column_str(st, 0, &e->arena);
	o.seq = sqlite3_column_int64(st, 1);
	o.order_number = ledger_column_str(st, 2, &e->arena);
	o.outcome = (enum job_outcome)outcome;
	o.kind = ledger_column_str(st, 4, &e->arena);
	o.input_name = ledger_column_str(st, 5, &e->arena);
	o.code = ledger_column_str(st, 6, &e->arena);
	o.message = ledger_column_str(st, 7, &e->arena);
	ret = e->fn(e->ctx, &o);
	arena_reset(&e->arena);
	return ret;
}

int
ledger_job_orders_each(struct ledger *l, const char *job, int64_t after_seq, int64_t limit,
    int (*fn)(void *ctx, const struct job_order *o), void *ctx)
{
	struct job_orders_each e = { fn, ctx, { 0 } };
	int n = ledger_query(l, "SELECT " JOB_ORDER_COLUMNS " FROM job_orders WHERE job = ?"
	    " AND seq > ? ORDER BY seq LIMIT ?", job_order_row, &e, "sii", job, after_seq, limit);

	arena_free(&e.arena);
	return n < 0 ? -1 : 0;
}

int
ledger_job_orders_open(struct ledger *l, int (*fn)(void *ctx, const struct job_order *o),
    void *ctx)
{
	struct job_orders_each e = { fn, ctx, { 0 } };
	int n = ledger_query(l, "SELECT " JOB_ORDER_COLUMNS " FROM job_orders"
	    " WHERE outcome IN ('submitted', 'deferred') ORDER BY job, seq", job_order_row, &e, "");

	arena_free(&e.arena);
	return n < 0 ? -1 : 0;
}

int
ledger_job_order_open_for(struct ledger *l, const char *order_number, const char *action,
    int (*fn)(void *ctx, const struct job_order *o), void *ctx)
{
	struct job_orders_each e = { fn, ctx, { 0 } };
	int n = ledger_query(l, "SELECT o.job, o.seq, o.order_number, o.outcome, o.kind,"
	    " o.input_name, o.code, o.message FROM job_orders o JOIN jobs j ON j.job = o.job"
	    " WHERE o.order_number = ? AND o.outcome IN ('submitted', 'deferred') AND j.action = ?"
	    " ORDER BY o.job, o.seq", job_order_row, &e, "ss", order_number, action);

	arena_free(&e.arena);
	return n;
}

int
ledger_jobs_abandon(struct ledger *l, const char *except)
{
	return ledger_run(l, "UPDATE job_orders SET outcome = 'abandoned', code = 'interrupted',"
	    " message = 'the job was interrupted before it submitted this order'"
	    " WHERE outcome = 'selected' AND job <> ?", "s", except);
}

static int
job_row(sqlite3_stmt *st, void *ctx)
{
	struct job_row *j = ctx;

	j->job = ledger_column_str(st, 0, &j->arena);
	j->action = ledger_column_str(st, 1, &j->arena);
	j->command = ledger_column_str(st, 2, &j->arena);
	j->actor = ledger_column_str(st, 3, &j->arena);
	j->started_ns = sqlite3_column_int64(st, 4);
	j->finished_ns = sqlite3_column_int64(st, 5);
	return 0;
}

static int
job_count_row(sqlite3_stmt *st, void *ctx)
{
	struct job_row *j = ctx;
	int outcome;

	if (ledger_column_enum(st, 0, &job_outcome_names, "job_orders.outcome", &outcome) != 0)
		return -1;
	j->counts[outcome] = sqlite3_column_int64(st, 1);
	return 0;
}

#define JOB_COLUMNS "job, action, command, actor, started_ns, finished_ns"

/* Counts the outcomes of job j's orders into j->counts. */
static int
job_counts(struct ledger *l, struct job_row *j)
{
	memset(j->counts, 0, sizeof j->counts);
	return ledger_query(l, "SELECT outcome, count(*) FROM job_orders WHERE job = ?"
	    " GROUP BY outcome", job_count_row, j, "s", j->job) < 0 ? -1 : 0;
}

int
ledger_job_get(struct ledger *l, const char *job, struct job_row *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT " JOB_COLUMNS " FROM jobs WHERE job = ?", job_row, out, "s", job);
	if (n <= 0)
		return n;
	return job_counts(l, out) == 0 ? 1 : -1;
}

void
ledger_job_clear(struct job_row *j)
{
	arena_free(&j->arena);
	memset(j, 0, sizeof *j);
}

struct jobs_each {
	struct ledger *l;
	int (*fn)(void *ctx, const struct job_row *j);
	void *ctx;
};

static int
jobs_each_row(sqlite3_stmt *st, void *ctx)
{
	struct jobs_each *e = ctx;
	struct job_row j = { 0 };
	int ret = job_row(st, &j);

	if (ret == 0)
		ret = job_counts(e->l, &j) == 0 ? e->fn(e->ctx, &j) : -1;
	ledger_job_clear(&j);
	return ret;
}

int
ledger_jobs_each(struct ledger *l, int64_t limit, int (*fn)(void *ctx, const struct job_row *j),
    void *ctx)
{
	struct jobs_each e = { l, fn, ctx };

	return ledger_query(l, "SELECT " JOB_COLUMNS " FROM (SELECT " JOB_COLUMNS " FROM jobs"
	    " ORDER BY started_ns DESC, job DESC LIMIT ?) ORDER BY started_ns, job", jobs_each_row,
	    &e, "i", limit) < 0 ? -1 : 0;
}

static int
text_row(sqlite3_stmt *st, void *ctx)
{
	*(char **)ctx = ledger_column_dup(st, 0);
	return 0;
}

int
ledger_job_of_input(struct ledger *l, const char *kind, const char *input_name,
    int64_t received_ns, char **job, char **actor)
{
	int n;

	*job = *actor = NULL;
	n = ledger_query(l, "SELECT job FROM job_orders WHERE input_name = ? AND kind = ?"
	    " AND outcome <> 'abandoned' AND NOT EXISTS (SELECT 1 FROM inputs WHERE name = ? AND kind = ?"
	    " AND received_ns < ?) LIMIT 1", text_row, job, "ssssi", input_name, kind,
	    input_name, kind, received_ns);
	if (n <= 0)
		return n;
	return ledger_query(l, "SELECT actor FROM jobs WHERE job = ?", text_row, actor, "s",
	    *job) < 0 ? -1 : 1;
}

struct outcome_row {
	enum input_status status;
	char *code, *message;
};

static int
outcome_row(sqlite3_stmt *st, void *ctx)
{
	struct outcome_row *o = ctx;
	int status;

	if (ledger_column_enum(st, 0, &input_status_names, "inputs.status", &status) != 0)
		return -1;
	o->status = (enum input_status)status;
	o->code = ledger_column_dup(st, 1);
	o->message = ledger_column_dup(st, 2);
	return 0;
}

int
ledger_input_outcome(struct ledger *l, const char *kind, const char *name,
    enum input_status *status, char **code, char **message)
{
	struct outcome_row o = { INPUT_NONE, NULL, NULL };
	int n = ledger_query(l, "SELECT i.status, e.code, e.message FROM inputs i"
	    " LEFT JOIN input_errors e ON e.input_id = i.id AND e.seq ="
	    " (SELECT min(seq) FROM input_errors WHERE input_id = i.id)"
	    " WHERE i.name = ? AND i.kind = ? ORDER BY i.received_ns, i.id LIMIT 1",
	    outcome_row, &o, "ss", name, kind);

	*status = o.status;
	*code = o.code;
	*message = o.message;
	return n < 0 ? -1 : n > 0;
}
