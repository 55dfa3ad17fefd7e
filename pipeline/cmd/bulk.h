/*
 * bulk: what bulk.c shares with the actions kept in files of their own:
 * the output an action writes, replaced atomically, and bulk print
 * (bulk_print.c).
 */
#ifndef SLUICE_BULK_H
#define SLUICE_BULK_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeline/cmd/cmd.h"
#include "stages/document.h"

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

#endif
