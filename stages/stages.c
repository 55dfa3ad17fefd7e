/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>

#include "stages/stages.h"

static const struct {
	const char *ext;
	parse_fn parse;
} parsers[] = {
	{ ".csv", csv_in_parse },
	{ ".xml", xml_in_parse },
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

static const struct {
	const char *doc;
	render_fn render;
} renderers[] = {
	{ "receipt", render_receipt },
	{ "invoice_xml", render_invoice_xml },
	{ "proforma_xml", render_proforma_xml },
	{ "request_xml", render_request_xml },
	{ "link_xml", render_link_xml },
	{ "document_pdf", render_document_pdf },
};

parse_fn
stage_parser(const char *name)
{
	for (size_t i = 0; i < NELEM(parsers); i++)
		if (str_iendswith(name, parsers[i].ext))
			return parsers[i].parse;
	return NULL;
}

apply_fn
stage_apply(enum kind kind)
{
	return kind < KIND__COUNT ? appliers[kind] : NULL;
}

render_fn
stage_renderer(const char *doc)
{
	for (size_t i = 0; i < NELEM(renderers); i++)
		if (strcmp(renderers[i].doc, doc) == 0)
			return renderers[i].render;
	return NULL;
}
