/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "base/log.h"
#include "schemas/xsd.h"
#include "stages/xml_out.h"

struct xml_out {
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	struct buf scratch;
};

static void
check(int rc, const char *what)
{
	if (rc < 0)
		fatal("xmlTextWriter: %s failed", what);
}

struct xml_out *
xml_out_begin(const char *root)
{
	struct xml_out *x = xcalloc(1, sizeof *x);

	x->buf = xmlBufferCreate();
	if (x->buf == NULL || (x->w = xmlNewTextWriterMemory(x->buf, 0)) == NULL)
		fatal("cannot create an XML writer");
	check(xmlTextWriterSetIndent(x->w, 1), "indent");
	check(xmlTextWriterSetIndentString(x->w, BAD_CAST "  "), "indent string");
	check(xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL), "start document");
	xml_out_start(x, root);
	check(xmlTextWriterWriteAttribute(x->w, BAD_CAST "xmlns", BAD_CAST SLUICE_NS), "xmlns");
	return x;
}

void
xml_out_start(struct xml_out *x, const char *name)
{
	check(xmlTextWriterStartElement(x->w, BAD_CAST name), name);
}

void
xml_out_end(struct xml_out *x)
{
	check(xmlTextWriterEndElement(x->w), "end element");
}

/* Writes <name>text</name> from x->scratch. */
static void
write_scratch(struct xml_out *x, const char *name)
{
	check(xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST buf_str(&x->scratch)), name);
}

void
xml_out_text(struct xml_out *x, const char *name, const char *text)
{
	size_t len, i = 0;

	if (text == NULL)
		return;
	buf_reset(&x->scratch);
	len = strlen(text);
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(text + i, len - i, &cp);

		if (n == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0xfffe || cp == 0xffff) {
			buf_printf(&x->scratch, "\\x%02x", (unsigned char)text[i]);
			i++;
			continue;
		}
		buf_append(&x->scratch, text + i, n);
		i += n;
	}
	write_scratch(x, name);
}

void
xml_out_echo(struct xml_out *x, const char *name, const char *bytes)
{
	buf_reset(&x->scratch);
	sanitize_text(bytes, strlen(bytes), &x->scratch);
	write_scratch(x, name);
}

void
xml_out_int(struct xml_out *x, const char *name, int64_t v)
{
	check(xmlTextWriterWriteFormatElement(x->w, BAD_CAST name, "%" PRId64, v), name);
}

void
xml_out_finish(struct xml_out *x, struct buf *out)
{
	check(xmlTextWriterEndDocument(x->w), "end document");
	xmlFreeTextWriter(x->w);
	buf_append(out, xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf));
	xmlBufferFree(x->buf);
	buf_free(&x->scratch);
	free(x);
}
