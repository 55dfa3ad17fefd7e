#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "pipeline/log.h"
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

void
xml_out_text(struct xml_out *x, const char *name, const char *text)
{
	if (text == NULL)
		return;
	buf_reset(&x->scratch);
	sanitize_text(text, strlen(text), &x->scratch);
	check(xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST buf_str(&x->scratch)), name);
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
