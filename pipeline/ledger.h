/*
 * ledger: the SQLite database that holds every order, every input's
 * outcome, the journal and the outbox.  Every SQL statement of sluice lives
 * in this module (ledger.c for inputs, journal and outbox; ledger_orders.c
 * for orders), prepared once per connection.
 *
 * Transactions: one transaction per batch of inputs (group commit), one
 * savepoint per input inside it, so each input is all-or-nothing.
 * Functions return 0 on success and -1 when SQLite failed (the message is
 * logged); -1 is an environment failure, never a verdict on input.
 */
#ifndef SLUICE_LEDGER_H
#define SLUICE_LEDGER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "pipeline/errors.h"

struct ledger;

/* Opens (creating when asked) the ledger at path and migrates its schema.
 * synchronous_full selects synchronous=FULL (else NORMAL).  Returns 0; -2
 * when the ledger is damaged or newer than this sluice; -1 when the
 * machine or the user's permissions failed.  Reasons are logged. */
int ledger_open(const char *path, bool create, bool synchronous_full, struct ledger **out);
void ledger_close(struct ledger *l);
/* Runs SQLite's quick_check.  Returns 0 when the ledger is sound, -1 when
 * it is damaged (what SQLite found is logged). */
int ledger_quick_check(struct ledger *l);
/* The schema version the ledger is at. */
int ledger_schema_version(struct ledger *l);
/* The newest schema version this build knows. */
int ledger_schema_latest(void);

int ledger_begin(struct ledger *l);
int ledger_commit(struct ledger *l);
int ledger_rollback(struct ledger *l);
/* The per-input savepoint. */
int ledger_savepoint(struct ledger *l);
int ledger_release(struct ledger *l);
int ledger_rollback_savepoint(struct ledger *l);

/* One input's row.  Strings are borrowed when writing, owned (freed by
 * ledger_input_clear) when read. */
struct input_row {
	int64_t id;
	char *work_name;
	char *name;
	char *kind;
	char *sha256;
	int64_t size;
	int64_t received_ns;
	char *status;
	int64_t records;
	char *processed_at;
	int64_t error_count;
	char *filed_as;
};

void ledger_input_clear(struct input_row *row);
/* Inserts row (its id is assigned and stored in row->id). */
int ledger_input_insert(struct ledger *l, struct input_row *row);
/* Sets an input's outcome and where it is filed. */
int ledger_input_finish(struct ledger *l, int64_t id, const char *status, int64_t records,
    int64_t error_count, const char *filed_as);
/* Sets when an input was (last) processed. */
int ledger_input_touch(struct ledger *l, int64_t id, const char *processed_at);
int ledger_input_error_add(struct ledger *l, int64_t input_id, int seq,
    const struct error_item *e);
/* Replaces an input's listed errors with those of errs, sorted
 * (errlist_sort), and when errs counted more than it keeps, a last error
 * too_many_errors saying how many: the errors as its receipt lists them. */
int ledger_input_set_errors(struct ledger *l, int64_t input_id, struct errlist *errs);
/* Finds an accepted or duplicate input with this content; returns 1 and
 * fills *records when found, 0 when not, -1 on failure. */
int ledger_input_seen(struct ledger *l, const char *sha256, int64_t *records);
/* Loads an input by id or by work name; 1 found, 0 not, -1 failure. */
int ledger_input_get(struct ledger *l, int64_t id, struct input_row *out);
int ledger_input_by_work_name(struct ledger *l, const char *work_name, struct input_row *out);
/* The latest time of receipt of the inputs of kind named name (0 when
 * there is none).  0, or -1. */
int ledger_input_latest(struct ledger *l, const char *kind, const char *name, int64_t *received_ns);
/* Loads every input named name, of any kind, latest received first
 * (caller frees with ledger_inputs_free).  0, or -1. */
int ledger_inputs_named(struct ledger *l, const char *name, struct input_row **rows, size_t *n);
void ledger_inputs_free(struct input_row *rows, size_t n);
/* Calls fn for each listed error of an input, in order. */
int ledger_input_errors(struct ledger *l, int64_t input_id,
    int (*fn)(void *ctx, const struct error_item *e), void *ctx);

/* Counts of inputs per status. */
struct input_counts {
	int64_t accepted, duplicate, deferred, rejected;
};
int ledger_input_counts(struct ledger *l, struct input_counts *out);
/* Calls fn for the newest rejected inputs (at most limit), newest first. */
int ledger_recent_rejections(struct ledger *l, int limit,
    int (*fn)(void *ctx, const struct input_row *in, const struct error_item *first), void *ctx);

/* Appends a journal event.  input_id 0 with a command for operator actions. */
int ledger_journal_add(struct ledger *l, const char *order_number, const char *type,
    int64_t input_id, const char *command, const char *at, const char *detail);

struct journal_event {
	int64_t seq;
	const char *at;
	const char *type;
	const char *source;     /* "orders.csv (sha256 ...)" or the command */
	const char *detail;
};
/* Calls fn for each event of an order, oldest first. */
int ledger_journal_for_order(struct ledger *l, const char *order_number,
    int (*fn)(void *ctx, const struct journal_event *e), void *ctx);

/* Queues an output file. */
int ledger_outbox_add(struct ledger *l, const char *path, const char *doc, int64_t ref);
struct outbox_row {
	int64_t id;
	char *path;
	char *doc;
	int64_t ref;
};
/* Loads every unpublished row, oldest first (caller frees with
 * ledger_outbox_free). */
int ledger_outbox_pending(struct ledger *l, struct outbox_row **rows, size_t *n);
void ledger_outbox_free(struct outbox_row *rows, size_t n);
int ledger_outbox_mark(struct ledger *l, int64_t id);
/* Changes where a queued output is written. */
int ledger_outbox_move(struct ledger *l, int64_t id, const char *path);

/* For ledger_orders.c: the connection and the statement cache. */
struct sqlite3_stmt;
/* The prepared statement for sql, which must be a string literal. */
struct sqlite3_stmt *ledger_stmt(struct ledger *l, const char *sql);
/* Steps a statement that returns no rows and resets it; 0 or -1. */
int ledger_exec_stmt(struct ledger *l, struct sqlite3_stmt *st);
/* Logs the connection's last error with a context and returns -1. */
int ledger_fail(struct ledger *l, const char *what);
/*
 * Runs a statement that returns no rows, binding its parameters from the
 * arguments as `types` says, one letter each: 's' a string (NULL binds
 * NULL), 'i' an int64_t, 'b' a bool (an int).  Returns 0 or -1.
 */
int ledger_run(struct ledger *l, const char *sql, const char *types, ...);
/* Binds parameters as ledger_run() does, to a statement the caller steps. */
void ledger_bind(struct sqlite3_stmt *st, const char *types, va_list ap);
/*
 * Runs a query, binding its parameters as ledger_run() does, and calls
 * row() for each row it returns.  Returns the number of rows, or -1.
 */
int ledger_query(struct ledger *l, const char *sql, void (*row)(struct sqlite3_stmt *st, void *ctx),
    void *ctx, const char *types, ...);
/* Binds a possibly-NULL string. */
void ledger_bind_text(struct sqlite3_stmt *st, int i, const char *s);
/* Copies a column (NULL stays NULL). */
char *ledger_column_dup(struct sqlite3_stmt *st, int i);

#endif
