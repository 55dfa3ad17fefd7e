/* SPDX-License-Identifier: ISC */
/*
 * xml_out: writing output documents (receipts, invoices, ...) with
 * libxml2's xmlTextWriter: namespace urn:sluice:1, two-space indentation.
 * Whatever bytes it is given, the document is well-formed XML.  Output is
 * deterministic: the same calls write the same bytes.
 */
#ifndef SLUICE_XML_OUT_H
#define SLUICE_XML_OUT_H

#include <stdint.h>

#include "base/util.h"

struct xml_out;

/* Starts a document whose root element is `root`. */
struct xml_out *xml_out_begin(const char *root);
void xml_out_start(struct xml_out *x, const char *name);
void xml_out_end(struct xml_out *x);
/*
 * <name>text</name>, the text as it is (XML-escaped: &amp; &lt; &gt;, CR as
 * &#13;); a NULL text writes nothing.  Text that sluice validated holds
 * nothing XML cannot carry; should a byte of it be such (not UTF-8, a C0
 * control but tab and line ends, U+FFFE, U+FFFF), it is written \xHH.
 */
void xml_out_text(struct xml_out *x, const char *name, const char *text);
/* <name>...</name>: an echo of untrusted bytes (a file name), every byte
 * that is not printable UTF-8, and the backslash, written \xHH
 * (sanitize_text). */
void xml_out_echo(struct xml_out *x, const char *name, const char *bytes);
void xml_out_int(struct xml_out *x, const char *name, int64_t v);
/* Closes every open element, appends the document to out and frees x. */
void xml_out_finish(struct xml_out *x, struct buf *out);

#endif
