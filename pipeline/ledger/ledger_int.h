/* SPDX-License-Identifier: ISC */
/*
 * ledger_int: the inside of the ledger, for its own files only.  The SQLite
 * connection, the cache of prepared statements (one per SQL text, keyed by
 * the address of the string literal), and helpers that bind parameters and
 * read rows.  Nothing outside pipeline/ledger/ includes this header.
 */
#ifndef SLUICE_LEDGER_INT_H
#define SLUICE_LEDGER_INT_H

#include <stdarg.h>

#include <sqlite3.h>

#include "pipeline/ledger/ledger.h"

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
 * row() for each row it returns, which returns 0, or -1 (logged) to stop
 * the query as failed.  Returns the number of rows, or -1.
 */
int ledger_query(struct ledger *l, const char *sql, int (*row)(struct sqlite3_stmt *st, void *ctx),
    void *ctx, const char *types, ...);
/*
 * Ends the stepping of st, whose last step answered rc: resets st and
 * clears its bindings.  Returns ret when the caller stopped early (ret
 * other than 0), else 0 when the rows ran out, else -1 (logged with what).
 */
int ledger_rows_end(struct ledger *l, struct sqlite3_stmt *st, int rc, int ret,
    const char *what);
/* For ledger_query(): reads a row's first column into the int64_t at ctx. */
int ledger_int_row(struct sqlite3_stmt *st, void *ctx);
/* Binds a possibly-NULL string. */
void ledger_bind_text(struct sqlite3_stmt *st, int i, const char *s);
/* Copies a column (NULL stays NULL), to be freed by the caller. */
char *ledger_column_dup(struct sqlite3_stmt *st, int i);
/* Reads column i, which holds a name of table t (the column column of the
 * ledger, "orders.status"), into *v as its enum value.  Returns 0; -1 when
 * the column holds a name that is none of t's: the ledger was changed past
 * its CHECK constraints, by hand or damage (logged), and is not guessed. */
int ledger_column_enum(struct sqlite3_stmt *st, int i, const struct name_table *t,
    const char *column, int *v);
/* Copies a column into arena a (NULL stays NULL). */
const char *ledger_column_str(struct sqlite3_stmt *st, int i, struct arena *a);
/* Copies column i, which the ledger holds NOT NULL (the column column),
 * into arena a as *out.  Returns 0; -1 when it holds NULL: the ledger was
 * changed past its constraints (logged), and nothing is guessed. */
int ledger_column_required(struct sqlite3_stmt *st, int i, struct arena *a, const char *column,
    const char **out);
/* As ledger_column_required(), for a column that holds a currency code:
 * -1 (logged) also when it is none of the currencies sluice knows, whose
 * minor digits every amount of it is read in. */
int ledger_column_currency(struct sqlite3_stmt *st, int i, struct arena *a, const char *column,
    const char **out);

/* For ledger_query(): reads an (input id, content digest) row. */
struct ledger_identity {
	int64_t *input_id;
	char *sha;
};
int ledger_identity_row(struct sqlite3_stmt *st, void *ctx);

/* An address as six string arguments of ledger_run() ("ssssss"). */
#define LEDGER_ADDRESS(a) (a)->address1, (a)->address2, (a)->zip, (a)->city, (a)->country, (a)->state

/* Reads an address from five columns of a row, from column i on, its
 * strings into arena. */
void ledger_column_address(struct sqlite3_stmt *st, int i, struct address *a,
    struct arena *arena);

#endif
