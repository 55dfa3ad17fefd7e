/* SPDX-License-Identifier: ISC */
/*
 * bulk: what the files of `sluice bulk` share.  bulk.c is the command (its
 * options, the actions, export); bulk_select.c reads the selection;
 * bulk_print.c prints documents as one PDF; bulk_job.c runs the actions
 * that change orders as a job, each selected order carried out as an input
 * of its own; bulk_records.c builds those inputs.
 */
#ifndef SLUICE_BULK_H
#define SLUICE_BULK_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeline/cmd/cmd.h"
#include "stages/document.h"

/* The options of `sluice bulk`, in the order of its entry's (args->opt[]). */
enum bulk_opt {
	OPT_ORDERS, OPT_STATUS, OPT_MARKET, OPT_COUNTRY, OPT_SINCE, OPT_UNTIL, OPT_HOLD, OPT_ALL,
	OPT_SELECTION,   /* the options before are the selection's */
	OPT_OUTPUT = OPT_SELECTION, OPT_FORMAT, OPT_DOCUMENTS, OPT_CARRIER, OPT_SERVICE, OPT_SHIPPED,
	OPT_TRACKING, OPT_REASON, OPT_DRY_RUN, OPT_JSON, OPT_NO_WAIT,
};
/* The options every action that changes orders takes. */
#define BULK_JOB_OPTIONS (1u << OPT_DRY_RUN | 1u << OPT_JSON | 1u << OPT_NO_WAIT)

struct bulk;
struct order_state;

extern const struct cmd_entry cmd_bulk_entry;

/* A tracking number that mark-shipped gives a shipment (--tracking). */
struct bulk_tracking {
	char *shipment_id;
	char *carrier;         /* NULL: not given */
	char *tracking;
};

/* What an action that changes orders submits for one order: an input of
 * kind, built by build from the order's state, with the records' own ids
 * made from id (unique to the job and the order).  build returns 0 with
 * the input's bytes in csv; 1 when the action does not apply to the order
 * (*code and why say why: it is skipped); -1 on failure (logged). */
struct bulk_change {
	enum kind kind;
	int (*build)(const struct bulk *b, const struct order_state *st, const char *id,
	    struct buf *csv, const char **code, struct buf *why);
};

/* An action: its name, the bit of each option of its own it takes (1 <<
 * OPT_...), what it checks of its options (false: a bad usage, said).
 * An action that only reads has what it does before the first order and
 * to each selected order (0, or -1 to stop, said), and after the last (ok:
 * all went well; the exit status); one that changes orders has change. */
struct bulk_action {
	const char *name;
	unsigned options;
	bool (*check)(struct bulk *b);
	int (*begin)(struct bulk *b);
	int (*each)(void *ctx, const char *order_number);
	int (*end)(struct bulk *b, bool ok);
	const struct bulk_change *change;
};

/* bulk print: the documents of the selected orders as one PDF. */
struct bulk_print {
	enum document_type types[3];   /* --documents, in the order printed */
	size_t ntypes;
	struct render_ctx r;
	struct buf secret;             /* signs links: for confirmations */
	FILE *out;
	struct pdf_book *book;         /* from the first document printed */
	size_t orders;                 /* selected */
	size_t documents;              /* printed */
	int status;                    /* the exit status when it could not begin */
};

/* An order number of --orders and where in the file it was. */
struct bulk_named {
	char *number;
	size_t at;
	bool again;            /* named before in the file */
};

/* A bulk run: the selection, the action and what it works on. */
struct bulk {
	struct app *app;
	struct ledger *ledger;
	struct order_filter filter;
	const char *orders;    /* --orders FILE, or NULL */
	struct bulk_named *named;   /* its numbers (bulk_select_load) */
	size_t nnamed;
	const struct cmd_args *args;
	const struct bulk_action *act;
	char *command;         /* the command line, as a job keeps it */
	size_t done;           /* orders the action took */
	size_t skipped;        /* orders named and not found */
	/* export */
	FILE *out;
	char *tmp;             /* the temporary file out is, or NULL for stdout */
	bool csv;
	struct bulk_print print;
	/* mark-shipped --tracking, sorted by shipment_id */
	struct bulk_tracking *tracking;
	size_t ntracking;
	char now[TIME_SIZE];   /* when the job runs, as shipped_at */
};

/* Opens what an action writes: standard output for "-", else a new
 * temporary file beside path (*tmp, a new string; the mode a new file
 * gets).  NULL when it cannot be made (said). */
FILE *output_open(const char *path, char **tmp);

/* Ends what an action wrote to f: with ok, the temporary file tmp is
 * flushed, fsynced and renamed to path, and its folder fsynced; else (or
 * when that fails) removed, path left as it was.  A failure to write is
 * said; without ok, the reason was said before.  Frees tmp.  True when
 * path was written. */
bool output_close(FILE *f, const char *path, char *tmp, bool ok);

/* Reads --documents (NULL: all) into p.  False when it names anything but
 * invoices, proformas and confirmations, each once, separated by commas
 * (said). */
bool bulk_print_check(struct bulk_print *p, const char *documents);
/* Starts printing to out (left open) from ledger l; loads the link secret
 * when confirmations are asked.  0; -1 when it cannot (said, p->status the
 * exit status). */
int bulk_print_begin(struct bulk_print *p, const struct app *a, struct ledger *l, FILE *out);
/* Prints the asked documents of an order: by type in the order asked,
 * each type's in the order they were issued.  Returns how many (0: it has
 * none), or -1 (said). */
int bulk_print_order(struct bulk_print *p, const char *order_number);
/* Ends the PDF (ok: all went well) and frees what p holds.  0; -1 when it
 * could not be written. */
int bulk_print_end(struct bulk_print *p, bool ok);

/* Appends s to out as a CSV cell (RFC 4180: quoted when it holds a comma,
 * a quote or a line break), prefix before it, inside the quotes. */
void bulk_csv_quote(struct buf *out, const char *s, const char *prefix);

/* Reads the selection's options into b (*statuses: a string of b's
 * filter, freed by the caller).  False on a bad one (said). */
bool bulk_parse_selection(struct bulk *b, char **statuses);
/* Reads the numbers of --orders FILE, when given, into b: all of them
 * before anything else is done (standard input may be slow), so no
 * transaction waits for them.  0; -1 (said). */
int bulk_select_load(struct bulk *b);
void bulk_select_free(struct bulk *b);
/* Calls fn for each selected order: those of --orders in the file's order
 * (unknown's for a number the ledger does not know), else by order number.
 * 0, -1 (said), or fn's or unknown's -1. */
int bulk_select_each(struct bulk *b, int (*fn)(void *ctx, const char *order_number),
    int (*unknown)(void *ctx, const char *order_number), void *ctx);

/* Runs b's action, which changes orders, as a job (bulk_job.c); the exit
 * status. */
int bulk_job_run(struct bulk *b);
/* sluice bulk status [JOB]: a job's orders and their outcomes, or the
 * latest jobs; the exit status. */
int bulk_job_status(struct app *a, const char *job, bool json);

/* The actions that change orders (bulk_records.c). */
extern const struct bulk_change bulk_confirm, bulk_hold, bulk_unhold, bulk_ship,
    bulk_mark_shipped, bulk_cancel, bulk_capture, bulk_archive;
/* Reads mark-shipped's --tracking FILE into b.  False when it cannot be
 * read or is malformed (said). */
bool bulk_read_tracking(struct bulk *b, const char *path);
void bulk_free_tracking(struct bulk *b);

#endif
