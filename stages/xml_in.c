/* SPDX-License-Identifier: ISC */
/*
 * xml_in: XML input into records, streaming with libxml2's xmlreader and
 * validating against the kind's XSD as it reads.
 *
 * Hostile input: no network, no external entities (a loader that refuses
 * everything), and any document type declaration ends the parse, so no
 * entity is ever expanded.  libxml2's own limits bound text nodes.
 *
 * Errors: well-formedness errors (xml_malformed) end the parse.  XSD errors
 * are kept as xml_schema unless they are about a value that sluice's field
 * validation also rejected on the same line (which names a precise code).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>

#include "base/log.h"
#include "base/util.h"
#include "schemas/xsd.h"
#include "stages/parse.h"

struct xsd_error {
	long line;
	int code;
	char field[65];
	char *message;
};

/*
 * The prolog (everything before the root element) as read so far, with
 * NUL bytes dropped so that UTF-16 reads like ASCII.  A document type
 * declaration is refused here, before libxml2 parses a byte of it: an
 * entity bomb never reaches the parser.
 */
struct prolog {
	char text[4096];
	size_t len;
	bool done;            /* the root element started (or we gave up) */
	bool doctype;
	bool too_long;        /* the buffer filled up before the root element */
	long line;
};

struct xml_in {
	const struct kind_def *kind;
	const struct parse_limits *lim;
	struct errlist *errs;
	int fd;
	struct prolog prolog;
	size_t run;             /* bytes read since the last '<' */
	size_t run_limit;
	long lines;             /* line being read (counting LF bytes) */
	bool text_too_long;
	long text_line;
	bool read_failed;
	int read_errno;

	bool malformed;
	struct xsd_error *xsd;
	size_t nxsd;
	size_t cap_xsd;
	size_t xsd_more;
};

#define DOCTYPE_REFUSED "the file has a document type declaration (<!DOCTYPE>); sluice " \
	"refuses DTDs and entities, remove it"

static xmlSchemaPtr schemas[KIND__COUNT];

static xmlParserInputPtr
deny_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	return NULL;
}

static void
quiet_error(void *ctx, const char *msg, ...)
{
}

void
xml_in_init(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_entity_loader);
	xmlSetGenericErrorFunc(NULL, quiet_error);
}

/* Compiles the kind's generated XSD once per process. */
static xmlSchemaPtr
kind_schema(const struct kind_def *k)
{
	struct buf text = { 0 };
	xmlSchemaParserCtxtPtr pctxt;

	if (schemas[k->kind] != NULL)
		return schemas[k->kind];
	xsd_generate(k, &text);
	pctxt = xmlSchemaNewMemParserCtxt(text.data, (int)text.len);
	if (pctxt == NULL)
		fatal("cannot create the XSD parser for %s", k->plural);
	schemas[k->kind] = xmlSchemaParse(pctxt);
	xmlSchemaFreeParserCtxt(pctxt);
	buf_free(&text);
	if (schemas[k->kind] == NULL)
		fatal("the generated XSD of %s does not compile", k->plural);
	return schemas[k->kind];
}

/* Skips a construct that starts at t[i] and ends with `end`; returns the
 * index after it, or 0 when its end has not been read yet. */
static size_t
skip_past(const char *t, size_t len, size_t i, const char *end)
{
	size_t n = strlen(end);

	for (size_t j = i; j + n <= len; j++)
		if (memcmp(t + j, end, n) == 0)
			return j + n;
	return 0;
}

static void
prolog_feed(struct prolog *p, const char *data, size_t n)
{
	size_t i = 0;

	for (size_t k = 0; k < n && p->len < sizeof p->text; k++)
		if (data[k] != '\0')
			p->text[p->len++] = data[k];
	while (!p->done && i < p->len) {
		const char *t = p->text;
		size_t left = p->len - i, next;

		if (t[i] != '<') {
			i++;
			continue;
		}
		if (left < 9)
			break;    /* wait for more */
		if (memcmp(t + i, "<!--", 4) == 0 || memcmp(t + i, "<?", 2) == 0) {
			next = skip_past(t, p->len, i + 2, t[i + 1] == '?' ? "?>" : "-->");
			if (next == 0)
				break;    /* wait for its end */
			i = next;
			continue;
		}
		if (memcmp(t + i, "<!DOCTYPE", 9) == 0) {
			p->doctype = true;
			p->line = 1;
			for (size_t j = 0; j < i; j++)
				p->line += t[j] == '\n';
		}
		p->done = true;
	}
	/* a prolog that fills the buffer undecided: a DOCTYPE may follow
	 * where the scan cannot see it, so libxml2 must not read on */
	if (!p->done && p->len == sizeof p->text) {
		p->done = true;
		p->too_long = true;
	}
}

static int
io_read(void *ctx, char *buffer, int len)
{
	struct xml_in *x = ctx;
	ssize_t n;

	do
		n = read(x->fd, buffer, (size_t)len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		x->read_failed = true;
		x->read_errno = errno;
		return -1;
	}
	if (!x->prolog.done) {
		prolog_feed(&x->prolog, buffer, (size_t)n);
		if (x->prolog.doctype || x->prolog.too_long)
			return -1;   /* stop: nothing of it is parsed */
	}
	/* no field is longer than max_field_bytes, so neither is any text
	 * between two tags (allowing for UTF-16): a longer run is refused
	 * before libxml2 buffers it */
	for (ssize_t i = 0; i < n; i++) {
		if (buffer[i] == '<')
			x->run = 0;
		else if (++x->run > x->run_limit) {
			x->text_too_long = true;
			x->text_line = x->lines;
			return -1;
		}
		if (buffer[i] == '\n')
			x->lines++;
	}
	return (int)n;
}

/* Copies the element name out of a libxml2 message "Element '{ns}name': ..." */
static void
message_element(const char *msg, char *out, size_t outsz)
{
	const char *p = strstr(msg, "Element '"), *end;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += 9;
	if (*p == '{' && (end = strchr(p, '}')) != NULL)
		p = end + 1;
	end = strchr(p, '\'');
	if (end == NULL || (size_t)(end - p) >= outsz)
		return;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

/* Strips the trailing newline and escapes what libxml2 quotes from input. */
static void
clean_message(const char *msg, char *out, size_t outsz)
{
	size_t len = strlen(msg);

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	excerpt(msg, len, 300, out, outsz);
}

static void
on_error(void *ctx, xmlErrorPtr err)
{
	struct xml_in *x = ctx;
	char msg[1400];

	if (err == NULL || err->level == XML_ERR_WARNING)
		return;
	clean_message(err->message != NULL ? err->message : "error", msg, sizeof msg);
	if (err->domain == XML_FROM_SCHEMASV) {
		struct xsd_error *e;

		if (x->nxsd >= x->errs->max) {
			x->xsd_more++;
			return;
		}
		x->xsd = xreserve(x->xsd, x->nxsd, &x->cap_xsd, 8, sizeof *x->xsd);
		e = &x->xsd[x->nxsd++];
		e->line = err->line;
		e->code = err->code;
		message_element(err->message != NULL ? err->message : "", e->field, sizeof e->field);
		e->message = xstrdup(msg);
		return;
	}
	if (x->malformed || x->prolog.doctype || x->prolog.too_long || x->text_too_long)
		return;   /* the first well-formedness error is the one that matters */
	x->malformed = true;
	errlist_add(x->errs, err->line, NULL, ERR_XML_MALFORMED, "the XML is not well-formed: %s", msg);
}

/* Value-level XSD complaints that field validation reports more precisely. */
static bool
is_value_error(int code)
{
	return (code >= XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1 &&
	    code <= XML_SCHEMAV_CVC_ENUMERATION_VALID) ||
	    code == XML_SCHEMAV_CVC_ELT_5_2_2_2_2;
}

/* Reports the XSD's complaints, but for those that field validation
 * reported more precisely: about a value, or about an extra attribute
 * (its name or value) at a line where validation named it. */
static void
report_xsd_errors(struct xml_in *x)
{
	for (size_t i = 0; i < x->nxsd; i++) {
		struct xsd_error *e = &x->xsd[i];
		bool attr = strcmp(e->field, ATTR_ELEMENT) == 0;

		if (!((is_value_error(e->code) || attr) &&
		    errlist_has(x->errs, e->line, e->field[0] && !attr ? e->field : NULL)))
			errlist_add(x->errs, e->line, e->field[0] ? e->field : NULL, ERR_XML_SCHEMA,
			    "%s", e->message);
		free(e->message);
	}
	for (size_t i = 0; i < x->xsd_more; i++)
		errlist_add(x->errs, 0, NULL, ERR_XML_SCHEMA, "further schema errors");
	free(x->xsd);
}

enum where { IN_DOC, IN_ROOT, IN_RECORD, IN_LINE };

struct walk {
	struct record *rec;
	bool rec_open;
	bool rec_too_large;
	enum where where;
	int skip_depth;          /* > 0: ignoring a subtree that starts here */
	int field;               /* field being read (an extra attribute: the
	                            kind's nhead), or -1 */
	bool field_line;         /* ... a line field */
	int field_depth;
	long field_at;
	struct buf value;
	struct buf attr_name;    /* of the extra attribute being read */
	bool value_too_long;
	size_t records;
	bool seen_root;          /* an element was read */
};

static bool
ns_ok(xmlTextReaderPtr r)
{
	const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);

	return ns != NULL && strcmp((const char *)ns, SLUICE_NS) == 0;
}

static long
node_line(xmlTextReaderPtr r)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r);
	long line = n != NULL ? xmlGetLineNo(n) : -1;

	/* nodes without a line of their own (a DTD) take the parser's */
	return line > 0 ? line : xmlTextReaderGetParserLineNumber(r);
}

static void
store_field(struct walk *w, struct xml_in *x)
{
	bool attr = !w->field_line && (size_t)w->field == x->kind->nhead;

	if (w->value_too_long) {
		const char *name = attr ? ATTR_ELEMENT : w->field_line ?
		    x->kind->line[w->field].name : x->kind->head[w->field].name;

		errlist_add(x->errs, w->field_at, name, ERR_FIELD_TOO_LONG,
		    "%s is longer than %zu bytes", name, x->lim->max_field_bytes);
	} else if (attr)
		record_add_attr(w->rec, buf_str(&w->attr_name), w->attr_name.len,
		    buf_str(&w->value), w->value.len, w->field_at);
	else if (w->field_line)
		record_set_line(w->rec, w->rec->nlines - 1, (size_t)w->field, buf_str(&w->value),
		    w->value.len, w->field_at);
	else
		record_set_head(w->rec, (size_t)w->field, buf_str(&w->value), w->value.len, w->field_at);
	w->field = -1;
}

/* Starts reading field idx (a line field when in_line) at an element of
 * that depth and line; an empty element is the field's whole value. */
static void
start_field(struct walk *w, struct xml_in *x, int idx, bool in_line, int depth, long line,
    bool empty)
{
	w->field = idx;
	w->field_line = in_line;
	w->field_depth = depth;
	w->field_at = line;
	w->value_too_long = false;
	buf_reset(&w->value);
	if (empty)
		store_field(w, x);
}

/* Starts reading an <attribute name="..."> element: an extra attribute,
 * read as a field (its name an empty one when it has none: the XSD
 * requires it). */
static void
start_attr(struct walk *w, struct xml_in *x, xmlTextReaderPtr r, int depth, long line,
    bool empty)
{
	xmlChar *name = xmlTextReaderGetAttribute(r, (const xmlChar *)"name");

	buf_reset(&w->attr_name);
	if (name != NULL && strlen((const char *)name) <= x->lim->max_field_bytes)
		buf_puts(&w->attr_name, (const char *)name);
	xmlFree(name);
	start_field(w, x, (int)x->kind->nhead, false, depth, line, empty);
}

/* A <line> element of a record at line: starts a line of the record,
 * unless the record is too large already (reported once); false when the
 * element is to be skipped. */
static bool
start_line(struct walk *w, struct xml_in *x, long line, bool empty)
{
	if (!record_takes_line(w->rec, x->lim->max_record_lines, x->lim->max_record_bytes, line,
	    &w->rec_too_large, x->errs))
		return false;
	record_add_line(w->rec, line);
	if (!empty)
		w->where = IN_LINE;
	return true;
}

/* Handles one element start; returns false to stop the parse. */
static bool
on_element(struct walk *w, struct xml_in *x, xmlTextReaderPtr r, int depth)
{
	const struct kind_def *k = x->kind;
	const char *name = (const char *)xmlTextReaderConstLocalName(r);
	bool empty = xmlTextReaderIsEmptyElement(r) == 1;
	long line = node_line(r);
	int idx;

	if (w->field >= 0 || w->skip_depth > 0)
		return true;   /* an element inside a field: the XSD reports it */
	switch (w->where) {
	case IN_DOC:
		if (!ns_ok(r) || strcmp(name, k->plural) != 0) {
			char ex[EXCERPT_SIZE];

			errlist_add(x->errs, line, NULL, ERR_XML_ROOT,
			    "the root element is '%s'; %s files have <%s xmlns=\"" SLUICE_NS "\">",
			    excerpt(name, strlen(name), 40, ex, sizeof ex), k->plural, k->plural);
			return false;
		}
		w->where = IN_ROOT;
		return true;
	case IN_ROOT:
		if (!ns_ok(r) || strcmp(name, k->singular) != 0)
			break;
		record_reset(w->rec);
		w->rec->line = line;
		w->rec_open = true;
		w->rec_too_large = false;
		if (!empty)
			w->where = IN_RECORD;
		return true;
	case IN_RECORD:
		if (ns_ok(r) && k->nline > 0 && strcmp(name, "line") == 0) {
			if (start_line(w, x, line, empty))
				return true;
			break;
		}
		if (ns_ok(r) && k->attributes && strcmp(name, ATTR_ELEMENT) == 0) {
			start_attr(w, x, r, depth, line, empty);
			return true;
		}
		idx = ns_ok(r) ? kind_field_index(k, false, name, strlen(name)) : -1;
		if (idx < 0)
			break;
		start_field(w, x, idx, false, depth, line, empty);
		return true;
	case IN_LINE:
		idx = ns_ok(r) ? kind_field_index(k, true, name, strlen(name)) : -1;
		if (idx < 0)
			break;
		start_field(w, x, idx, true, depth, line, empty);
		return true;
	}
	/* something the XSD does not allow here: it reports it, we skip it */
	if (!empty)
		w->skip_depth = depth;
	return true;
}

/* Adds a text, CDATA or whitespace node to the field being read: a field's
 * value is all of them in document order. */
static void
on_text(struct walk *w, struct xml_in *x, xmlTextReaderPtr r)
{
	const xmlChar *v;
	size_t len;

	if (w->field < 0 || w->value_too_long)
		return;
	v = xmlTextReaderConstValue(r);
	len = v != NULL ? strlen((const char *)v) : 0;
	if (w->value.len + len > x->lim->max_field_bytes) {
		w->value_too_long = true;
		return;
	}
	buf_append(&w->value, v, len);
}

/* Handles one element end; returns -1 when the record callback failed. */
static int
on_end(struct walk *w, struct xml_in *x, int depth, record_cb cb, void *ctx)
{
	if (w->skip_depth > 0) {
		if (depth == w->skip_depth)
			w->skip_depth = 0;
		return 0;
	}
	if (w->field >= 0) {
		if (depth == w->field_depth)
			store_field(w, x);
		return 0;
	}
	if (w->where == IN_LINE) {
		w->where = IN_RECORD;
		return 0;
	}
	if (w->where == IN_RECORD) {
		w->where = IN_ROOT;
		w->rec_open = false;
		w->records++;
		return cb(ctx, &w->rec);
	}
	return 0;
}

/* A reader of the document on fd with the kind's XSD attached. */
static xmlTextReaderPtr
open_reader(struct xml_in *x, const char *name)
{
	xmlTextReaderPtr r;

	/* CDATA sections stay nodes of their own (on_text() joins them with
	 * the text around them): with XML_PARSE_NOCDATA and the XSD attached,
	 * libxml2's reader drops the text of a CDATA section */
	r = xmlReaderForIO(io_read, NULL, x, name, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	if (r == NULL)
		fatal("cannot create an XML reader");
	xmlTextReaderSetStructuredErrorHandler(r, on_error, x);
	if (xmlTextReaderSetSchema(r, kind_schema(x->kind)) != 0)
		fatal("cannot attach the XSD of %s to the XML reader", x->kind->plural);
	return r;
}

/* Reads the document node by node, handing each record to cb.  Returns
 * what the last read gave (1 when the walk stopped early: a DOCTYPE, a
 * wrong root, or *status -1 because cb failed). */
static int
walk_nodes(struct walk *w, struct xml_in *x, xmlTextReaderPtr r, record_cb cb, void *ctx,
    int *status)
{
	int ret;

	while ((ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r), depth = xmlTextReaderDepth(r);

		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			errlist_add(x->errs, node_line(r), NULL, ERR_XML_DOCTYPE, DOCTYPE_REFUSED);
			break;
		}
		if (type == XML_READER_TYPE_ELEMENT) {
			w->seen_root = true;
			if (!on_element(w, x, r, depth))
				break;
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
		    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		    type == XML_READER_TYPE_WHITESPACE)
			on_text(w, x, r);
		else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (on_end(w, x, depth, cb, ctx) != 0) {
				*status = -1;
				break;
			}
		}
		/* an empty record element has no end event */
		if (type == XML_READER_TYPE_ELEMENT && w->rec_open && w->where == IN_ROOT) {
			w->rec_open = false;
			w->records++;
			if (cb(ctx, &w->rec) != 0) {
				*status = -1;
				break;
			}
		}
	}
	return ret;
}

/* Reports why the walk ended, when that is the file's fault; ret is what
 * walk_nodes() returned.  Returns -1 (logged) when reading the file
 * failed, else 0.  *doc is the document when the reader gave it to us. */
static int
report_end(struct xml_in *x, const struct walk *w, xmlTextReaderPtr r, int ret,
    const char *name, xmlDocPtr *doc)
{
	struct errlist *errs = x->errs;

	if (x->prolog.doctype)
		errlist_add(errs, x->prolog.line, NULL, ERR_XML_DOCTYPE, DOCTYPE_REFUSED);
	else if (x->prolog.too_long)
		errlist_add(errs, 1, NULL, ERR_XML_DOCTYPE, "more than %zu characters come before the "
		    "root element; sluice cannot rule out a document type declaration there, so it "
		    "refuses the file", sizeof x->prolog.text);
	else if (x->text_too_long)
		errlist_add(errs, x->text_line, NULL, ERR_FIELD_TOO_LONG,
		    "the text on this line runs for more than %zu bytes without a tag; no field is "
		    "that long (max_field_bytes)", x->run_limit);
	else if (x->read_failed) {
		/* the machine's failure, not the file's: nothing of it counts */
		log_error("reading %s failed: %s", name, strerror(x->read_errno));
		return -1;
	} else if (ret < 0 && (*doc = xmlTextReaderCurrentDoc(r)) != NULL && (*doc)->intSubset != NULL)
		/* a DOCTYPE in an encoding the prolog scan cannot read (UTF-7,
		 * EBCDIC): libxml2 parsed it, then failed before its node
		 * (asking for the document makes it ours: xmlFreeDoc after) */
		errlist_add(errs, 1, NULL, ERR_XML_DOCTYPE, DOCTYPE_REFUSED);
	else if (ret < 0 && !x->malformed)
		errlist_add(errs, xmlTextReaderGetParserLineNumber(r), NULL, ERR_XML_MALFORMED,
		    "the XML is not well-formed");
	else if (ret == 0 && !w->seen_root && !x->malformed)
		errlist_add(errs, 1, NULL, ERR_NO_RECORDS, "the file has no root element");
	return 0;
}

int
xml_in_parse(int fd, const char *name, const struct kind_def *k, const struct parse_limits *lim,
    record_cb cb, void *ctx, struct errlist *errs, size_t *nrecords)
{
	struct xml_in x = { .kind = k, .lim = lim, .errs = errs, .fd = fd, .lines = 1,
		.run_limit = 4 * lim->max_field_bytes + 64 };
	struct walk w = { .field = -1 };
	xmlTextReaderPtr r = open_reader(&x, name);
	xmlDocPtr doc = NULL;
	int ret, status = 0;

	w.rec = record_new(k);
	ret = walk_nodes(&w, &x, r, cb, ctx, &status);
	if (report_end(&x, &w, r, ret, name, &doc) != 0)
		status = -1;
	report_xsd_errors(&x);
	*nrecords = w.records;
	xmlFreeTextReader(r);
	xmlFreeDoc(doc);
	record_free(w.rec);
	buf_free(&w.value);
	buf_free(&w.attr_name);
	return status;
}
