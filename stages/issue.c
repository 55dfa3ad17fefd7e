/* SPDX-License-Identifier: ISC */
/*
 * issue: documents issued by the apply stages (issue.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/ledger/ledger.h"
#include "base/log.h"
#include "schemas/layout.h"
#include "stages/issue.h"

/* Inserts the document and queues its files: out/<folder>/<number>.xml
 * (rendered by xml_doc) and, for documents people read, the PDF. */
static int
issue(struct apply_ctx *a, struct document *d, enum out_folder folder, const char *xml_doc,
    bool pdf)
{
	char *path;
	int ret;

	d->input_id = a->input_id;
	if (d->issued_at == NULL)
		d->issued_at = a->received_at;
	if (ledger_document_insert(a->ledger, d) != 0)
		return -1;
	path = out_path(folder, "%s.xml", d->number);
	ret = ledger_outbox_add(a->ledger, path, xml_doc, d->id);
	free(path);
	if (ret == 0 && pdf) {
		path = out_path(folder, "%s.pdf", d->number);
		ret = ledger_outbox_add(a->ledger, path, "document_pdf", d->id);
		free(path);
	}
	if (ret == 0) {
		char *detail = xasprintf("{\"type\":\"%s\",\"number\":\"%s\"}",
		    document_type_name(d->type), d->number);

		ret = ledger_journal_add(a->ledger, d->order_number, "document_issued", a->input_id,
		    NULL, a->at, detail);
		free(detail);
	}
	return ret;
}

/* The number of the next document of a series: PREFIX000001. */
static char *
next_number(struct apply_ctx *a, const char *prefix)
{
	int64_t n;

	if (ledger_series_next(a->ledger, prefix, &n) != 0)
		return NULL;
	return xasprintf("%s%06lld", prefix, (long long)n);
}

/* Keeps the default template with the document; a template that cannot be
 * read is an environment failure for documents of orders. */
static int
default_template(struct apply_ctx *a, char sha[SHA256_HEX])
{
	struct buf why = { 0 };
	int ret = a->use_template(a->template_ctx, a->conf->default_template, sha, &why);

	if (ret > 0)
		log_error("template %s: %s", a->conf->default_template,
		    why.len > 0 ? str_trim(why.data) : "");
	buf_free(&why);
	return ret != 0 ? -1 : 0;
}

static int
issue_numbered(struct apply_ctx *a, enum document_type type, const char *prefix,
    const char *order_number, const char *shipment_id, const char *return_id,
    const char *issued_at)
{
	char sha[SHA256_HEX], *number;
	struct document d = { .type = type, .order_number = order_number,
		.shipment_id = shipment_id, .return_id = return_id, .issued_at = issued_at,
		.template_sha256 = sha };
	int ret;

	if (default_template(a, sha) != 0 || (number = next_number(a, prefix)) == NULL)
		return -1;
	d.number = number;
	ret = issue(a, &d, OUT_INVOICES, "invoice_xml", true);
	free(number);
	return ret;
}

int
issue_invoice(struct apply_ctx *a, const char *order_number, const char *shipment_id,
    const char *issued_at)
{
	return issue_numbered(a, DOC_INVOICE, a->conf->invoice_prefix, order_number, shipment_id,
	    NULL, issued_at);
}

int
issue_credit_note(struct apply_ctx *a, const char *order_number, const char *return_id)
{
	return issue_numbered(a, DOC_CREDIT_NOTE, a->conf->credit_note_prefix, order_number, NULL,
	    return_id, NULL);
}

int
issue_proforma(struct apply_ctx *a, const char *order_number, const char *shipment_id)
{
	char sha[SHA256_HEX], *number;
	struct document d = { .type = DOC_PROFORMA, .order_number = order_number,
		.shipment_id = shipment_id, .template_sha256 = sha };
	int ret;

	if (default_template(a, sha) != 0)
		return -1;
	d.number = number = xasprintf("PF-%s", shipment_id);
	ret = issue(a, &d, OUT_PROFORMAS, "proforma_xml", true);
	free(number);
	return ret;
}

int
issue_request(struct apply_ctx *a, const char *order_number, const struct payment_request *r)
{
	static const enum document_type types[] = {
		[REQUEST_CAPTURE] = DOC_CAPTURE, [REQUEST_REFUND] = DOC_REFUND,
		[REQUEST_RELEASE] = DOC_RELEASE
	};
	struct document d = { .type = types[r->type], .number = r->request_id,
		.order_number = order_number, .shipment_id = r->shipment_id,
		.return_id = r->return_id, .request_id = r->request_id };

	return issue(a, &d, OUT_CAPTURES, "request_xml", false);
}

int
issue_link(struct apply_ctx *a, const char *order_number, const char *link_id)
{
	char sha[SHA256_HEX];
	struct document d = { .type = DOC_LINK, .number = link_id, .order_number = order_number,
		.link_id = link_id, .template_sha256 = sha };

	if (default_template(a, sha) != 0)
		return -1;
	return issue(a, &d, OUT_LINKS, "link_xml", true);
}

int
issue_free_invoice(struct apply_ctx *a, const char *invoice_id, const char *order_number,
    const char *template_name, struct buf *why)
{
	char sha[SHA256_HEX], *number;
	struct document d = { .type = DOC_INVOICE, .order_number = order_number,
		.invoice_id = invoice_id, .template_sha256 = sha };
	int ret;

	ret = template_name != NULL ? a->use_template(a->template_ctx, template_name, sha, why) :
	    default_template(a, sha);
	if (ret != 0)
		return ret;
	if ((number = next_number(a, a->conf->invoice_prefix)) == NULL)
		return -1;
	d.number = number;
	ret = issue(a, &d, OUT_INVOICES, "invoice_xml", true);
	free(number);
	return ret;
}
