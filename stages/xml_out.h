/*
 * xml_out: writing output documents (receipts, invoices, ...) with
 * libxml2's xmlTextWriter: namespace urn:sluice:1, two-space indentation,
 * every text sanitized (sanitize_text) so any input bytes yield valid XML.
 * Output is deterministic: the same calls write the same bytes.
 */
#ifndef SLUICE_XML_OUT_H
#define SLUICE_XML_OUT_H

#include <stdint.h>

#include "pipeline/util.h"

struct xml_out;

/* Starts a document whose root element is `root`. */
struct xml_out *xml_out_begin(const char *root);
void xml_out_start(struct xml_out *x, const char *name);
void xml_out_end(struct xml_out *x);
/* <name>text</name>; a NULL text writes nothing. */
void xml_out_text(struct xml_out *x, const char *name, const char *text);
void xml_out_int(struct xml_out *x, const char *name, int64_t v);
/* Closes every open element, appends the document to out and frees x. */
void xml_out_finish(struct xml_out *x, struct buf *out);

#endif
