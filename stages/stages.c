/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>

#include "stages/stages.h"

static const struct parser parsers[] = {
	{ ".csv", csv_in_parse, true },
	/* xml_in looks at the errors the records before added */
	{ ".xml", xml_in_parse, false },
};

static const apply_fn appliers[KIND__COUNT] = {
	[KIND_ORDERS] = apply_order,
	[KIND_AMENDMENTS] = apply_amendment,
	[KIND_CANCELLATIONS] = apply_cancellation,
	[KIND_SHIPMENTS] = apply_shipment,
	[KIND_PAYMENTS] = apply_payment,
	[KIND_RETURNS] = apply_return,
	[KIND_INVOICES] = apply_invoice,
	[KIND_ACTIONS] = apply_action,
};

static const struct renderer renderers[] = {
	{ "receipt", render_receipt, NULL, NULL, NULL },
	{ "invoice_xml", render_invoice_xml, NULL, NULL, NULL },
	{ "proforma_xml", render_proforma_xml, NULL, NULL, NULL },
	{ "request_xml", render_request_xml, NULL, NULL, NULL },
	{ "link_xml", render_link_xml, NULL, NULL, NULL },
	{ "document_pdf", NULL, render_pdf_load, render_pdf_draw, render_pdf_job_free },
};

const struct parser *
stage_parser(const char *name)
{
	for (size_t i = 0; i < NELEM(parsers); i++)
		if (str_iendswith(name, parsers[i].ext))
			return &parsers[i];
	return NULL;
}

apply_fn
stage_apply(enum kind kind)
{
	return kind < KIND__COUNT ? appliers[kind] : NULL;
}

const struct renderer *
stage_renderer(const char *doc)
{
	for (size_t i = 0; i < NELEM(renderers); i++)
		if (strcmp(renderers[i].doc, doc) == 0)
			return &renderers[i];
	return NULL;
}
