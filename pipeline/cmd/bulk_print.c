/* SPDX-License-Identifier: ISC */
/*
 * bulk print: the invoices, pro-formas and order confirmations of the
 * orders bulk selects, as one PDF.  Each document is rendered again from
 * the ledger with the pages of its own PDF (render_pdf's book), onto one
 * PDF written out page by page to the file bulk replaces.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/cmd/bulk.h"
#include "stages/stages.h"

/* The document types that can be printed, by their --documents names. */
static const struct {
	const char *name;
	enum document_type type;
} printable[] = {
	{ "invoices", DOC_INVOICE }, { "proformas", DOC_PROFORMA }, { "confirmations", DOC_LINK },
};

bool
bulk_print_check(struct bulk_print *p, const char *documents)
{
	char *copy, *save = NULL, *tok;
	bool ok;

	p->ntypes = 0;
	if (documents == NULL) {
		for (size_t i = 0; i < NELEM(printable); i++)
			p->types[p->ntypes++] = printable[i].type;
		return true;
	}
	copy = xstrdup(documents);
	ok = documents[0] != '\0' && documents[0] != ',' &&
	    documents[strlen(documents) - 1] != ',' && strstr(documents, ",,") == NULL;
	for (tok = strtok_r(copy, ",", &save); ok && tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		while (i < NELEM(printable) && strcmp(printable[i].name, tok) != 0)
			i++;
		for (size_t j = 0; ok && j < p->ntypes; j++)
			ok = i == NELEM(printable) || p->types[j] != printable[i].type;
		if ((ok = ok && i < NELEM(printable)))
			p->types[p->ntypes++] = printable[i].type;
	}
	free(copy);
	if (!ok)
		fprintf(stderr, "sluice bulk: --documents: invoices, proformas or confirmations, "
		    "each once, separated by commas\n");
	return ok;
}

int
bulk_print_begin(struct bulk_print *p, const struct app *a, struct ledger *l, FILE *out)
{
	p->r = (struct render_ctx){ l, &a->conf, &p->secret };
	p->out = out;
	for (size_t i = 0; i < p->ntypes; i++)
		if (p->types[i] == DOC_LINK &&
		    (p->status = app_link_secret(a, "order confirmations", &p->secret)) != EXIT_OK) {
			fprintf(stderr, "sluice bulk: --documents invoices,proformas prints the "
			    "others without it\n");
			return -1;
		}
	return 0;
}

/* An order's document to print: where its type is in --documents, and
 * its id (the order documents were issued in). */
struct to_print {
	size_t rank;
	int64_t id;
};

struct order_documents {
	const struct bulk_print *p;
	struct to_print *v;
	size_t n, cap;
};

/* Keeps d when its type is asked.  As ledger_documents_for_order's fn. */
static void
keep_document(void *ctx, const struct document *d)
{
	struct order_documents *o = ctx;

	for (size_t i = 0; i < o->p->ntypes; i++)
		if (o->p->types[i] == d->type) {
			o->v = xreserve(o->v, o->n, &o->cap, 8, sizeof *o->v);
			o->v[o->n++] = (struct to_print){ i, d->id };
		}
}

static int
to_print_cmp(const void *x, const void *y)
{
	const struct to_print *a = x, *b = y;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

int
bulk_print_order(struct bulk_print *p, const char *order_number)
{
	struct order_documents o = { .p = p };
	int ret = 0;

	p->orders++;
	if (ledger_documents_for_order(p->r.ledger, order_number, keep_document, &o) != 0) {
		free(o.v);
		return -1;
	}
	if (o.n == 0)
		return 0;
	qsort(o.v, o.n, sizeof *o.v, to_print_cmp);
	if (p->book == NULL)
		p->book = render_pdf_book_begin(p->out);
	for (size_t i = 0; i < o.n && ret == 0; i++)
		ret = render_pdf_book_add(p->book, &p->r, o.v[i].id);
	free(o.v);
	if (ret != 0)
		return -1;
	p->documents += o.n;
	return (int)o.n;
}

int
bulk_print_end(struct bulk_print *p, bool ok)
{
	int ret = p->book != NULL ? render_pdf_book_end(p->book) : 0;

	p->book = NULL;
	buf_free(&p->secret);
	return ok && ret == 0 ? 0 : -1;
}
