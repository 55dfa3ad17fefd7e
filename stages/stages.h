/* SPDX-License-Identifier: ISC */
/*
 * stages: the table through which the pipeline calls the stages: a parser
 * per format, an apply function per kind, a renderer per output document.
 *
 * An apply function is pure business rules over the ledger, inside the
 * caller's transaction: it reads state, checks the domain rules, writes new
 * state, appends journal events and queues outbox rows.  It never touches
 * files.
 */
#ifndef SLUICE_STAGES_H
#define SLUICE_STAGES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/conf.h"
#include "base/errors.h"
#include "base/hash.h"
#include "pipeline/ledger/ledger.h"
#include "base/record.h"
#include "base/util.h"
#include "stages/parse.h"

enum apply_result {
	APPLY_OK,          /* the record changed the ledger */
	APPLY_DUPLICATE,   /* the record was applied before: no effect */
	APPLY_REJECTED,    /* the record breaks a rule: errors added */
	APPLY_DEFERRED,    /* it refers to something not known yet: reason
	                      added to the context's defers */
	APPLY_FAILED,      /* the ledger failed (environment, not input) */
};

struct apply_ctx {
	struct ledger *ledger;
	const struct conf *conf;
	int64_t input_id;
	const char *at;            /* time of processing, RFC 3339 */
	struct sha256 *hash;       /* scratch context for record digests */
	struct buf *scratch;       /* scratch text, reused between records */
	struct errlist *defers;    /* why records wait (deferral reasons) */
	const char *received_at;   /* when the input was received: the date
	                              of documents it causes */
	int64_t received_ns;       /* the same instant, ns since the epoch */
	int64_t defer_until_ns;    /* set by a record that waits for a payment
	                              link: the earliest instant such a wait
	                              ends (the link expires); 0 when none */
	const struct buf *secret;  /* verifies payment link tokens */
	/* Keeps template NAME in the ledger and gives its digest.  Returns
	 * 0; 1 with the reason in why (naming its files: for the operator)
	 * when it cannot be read or is not a valid template; -1 when the
	 * ledger failed.  (The pipeline reads files, stages do not.) */
	int (*use_template)(void *ctx, const char *name, char sha[SHA256_HEX], struct buf *why);
	void *template_ctx;
};

typedef enum apply_result (*apply_fn)(struct apply_ctx *a, struct record *rec,
    struct errlist *errs);

struct render_ctx;

/* Renders one outbox document into out; 0, or -1 on a ledger failure. */
typedef int (*render_fn)(const struct render_ctx *r, int64_t ref, struct buf *out);

/* A format's parser.  own_thread: it may parse on a thread of its own,
 * handing each record with the errors found since the one before to
 * another, which applies it (pipeline/reader.h): it reads nothing of
 * errs but what it added itself. */
struct parser {
	const char *ext;
	parse_fn parse;
	bool own_thread;
};

/* The parser for a file name by its extension, or NULL (unknown format). */
const struct parser *stage_parser(const char *name);
/* The apply function of a kind, or NULL when this build cannot apply it. */
apply_fn stage_apply(enum kind kind);
/* A document that a renderer makes in two steps: loaded from the ledger,
 * on the ledger's thread, then drawn without it, on any thread, one job per
 * thread at a time. */
struct render_job;

/* How an outbox document type is made: in one step (render), or in two
 * (load, then draw; render NULL).  load returns NULL when the document
 * cannot be loaded (logged); draw's result is a render_fn's. */
struct renderer {
	const char *doc;
	render_fn render;
	struct render_job *(*load)(const struct render_ctx *r, int64_t ref);
	int (*draw)(struct render_job *job, struct buf *out);
	void (*job_free)(struct render_job *job);
};

/* The renderer of an outbox document type, or NULL. */
const struct renderer *stage_renderer(const char *doc);

enum apply_result apply_order(struct apply_ctx *a, struct record *rec, struct errlist *errs);
enum apply_result apply_amendment(struct apply_ctx *a, struct record *rec, struct errlist *errs);
enum apply_result apply_cancellation(struct apply_ctx *a, struct record *rec, struct errlist *errs);
enum apply_result apply_shipment(struct apply_ctx *a, struct record *rec, struct errlist *errs);
enum apply_result apply_payment(struct apply_ctx *a, struct record *rec, struct errlist *errs);
enum apply_result apply_return(struct apply_ctx *a, struct record *rec, struct errlist *errs);
enum apply_result apply_invoice(struct apply_ctx *a, struct record *rec, struct errlist *errs);
enum apply_result apply_action(struct apply_ctx *a, struct record *rec, struct errlist *errs);

int render_receipt(const struct render_ctx *r, int64_t input_id, struct buf *out);
int render_invoice_xml(const struct render_ctx *r, int64_t id, struct buf *out);
int render_proforma_xml(const struct render_ctx *r, int64_t id, struct buf *out);
int render_request_xml(const struct render_ctx *r, int64_t id, struct buf *out);
int render_link_xml(const struct render_ctx *r, int64_t id, struct buf *out);
/* The PDF of document id, in a renderer's two steps. */
struct render_job *render_pdf_load(const struct render_ctx *r, int64_t id);
int render_pdf_draw(struct render_job *job, struct buf *out);
void render_pdf_job_free(struct render_job *job);

/* A PDF of many documents, one after the other, each with the pages of
 * its own PDF (render_pdf_draw's, drawn the same way), written to out
 * as its pages are done: its size is not held in memory. */
struct pdf_book;
/* Starts a book writing to out (the caller's, left open). */
struct pdf_book *render_pdf_book_begin(FILE *out);
/* Adds the pages of document id.  0; -1 when it cannot be loaded or drawn,
 * or the book can no longer be written (logged), after which the book can
 * only be ended. */
int render_pdf_book_add(struct pdf_book *b, const struct render_ctx *r, int64_t id);
/* Ends the book: writes what remains of it (its fonts, its table) and frees
 * it.  0; -1 when any of it could not be written. */
int render_pdf_book_end(struct pdf_book *b);
/* Whether the font PDFs are drawn with can be loaded (logs why not). */
bool render_pdf_fonts_ok(void);

#endif
