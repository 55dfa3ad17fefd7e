/* SPDX-License-Identifier: ISC */
/*
 * xsd: the XML Schema of each input kind, generated from its field table.
 * The files schemas/<kind>.xsd are this output (a test compares them), so
 * what integrators run with xmllint is exactly what sluice validates with.
 *
 * The XSD checks structure and the shape of each value; sluice's own field
 * validation is at least as strict (money digits per currency, EAN check
 * digits, calendar dates), and names the stable error code.
 */
#ifndef SLUICE_XSD_H
#define SLUICE_XSD_H

#include "base/util.h"
#include "schemas/fields.h"

#define SLUICE_NS "urn:sluice:1"

/* Appends the XSD of kind k to out. */
void xsd_generate(const struct kind_def *k, struct buf *out);

/* The XSDs of what sluice writes (receipt, invoice, ...), as the files
 * schemas/<name>.xsd hold them: output_schemas[i] is the text of the one
 * named output_schemas_names[i]; both end with NULL. */
extern const char *const output_schemas_names[];
extern const char *const output_schemas[];

#endif
