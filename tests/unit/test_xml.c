/* SPDX-License-Identifier: ISC */
/* Unit tests of stages/xml_in: records from elements, namespaces and
 * prefixes, encodings, line numbers, hostile documents, and schema errors. */
#include "config.h"

#include <time.h>

#include "parse_util.h"

#define XML(text, c, e) parse_text(xml_in_parse, KIND_SHIPMENTS, text, strlen(text), c, e)
#define RECORDS(text, n, summary) \
	parse_records(xml_in_parse, KIND_SHIPMENTS, text, strlen(text), n, summary)
#define ERROR_AT(text, line, field) \
	parse_error_at(xml_in_parse, KIND_SHIPMENTS, text, strlen(text), line, field)

static const char ship[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<shipments xmlns=\"urn:sluice:1\">\n"
    "  <shipment>\n"
    "    <shipment_id>S1</shipment_id>\n"
    "    <order_number>O1</order_number>\n"
    "    <carrier>PostNord</carrier>\n"
    "    <line>\n"
    "      <line_id>10</line_id>\n"
    "      <quantity>1</quantity>\n"
    "    </line>\n"
    "    <line><line_id>11</line_id><quantity>2</quantity></line>\n"
    "  </shipment>\n"
    "  <shipment><shipment_id>S2</shipment_id><order_number>O1</order_number>"
    "<line><line_id>1</line_id><quantity>1</quantity></line></shipment>\n"
    "</shipments>\n";

START_TEST(records_and_lines)
{
	RECORDS(ship, 2,
	    "L3 shipment_id=S1@4 order_number=O1@5 carrier=PostNord@6"
	    " | L7 line_id=10@8 quantity=1@9 | L11 line_id=11@11 quantity=2@11\n"
	    "L13 shipment_id=S2@13 order_number=O1@13 | L13 line_id=1@13 quantity=1@13\n");
}
END_TEST

START_TEST(any_prefix)
{
	RECORDS("<s:shipments xmlns:s=\"urn:sluice:1\"><s:shipment>"
	    "<s:shipment_id>S1</s:shipment_id><s:order_number>O1</s:order_number>"
	    "<s:line><s:line_id>1</s:line_id><s:quantity>1</s:quantity></s:line>"
	    "</s:shipment></s:shipments>", 1, NULL);
}
END_TEST

START_TEST(latin1_and_utf16)
{
	static const char latin1[] =
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	    "<shipments xmlns=\"urn:sluice:1\"><shipment><shipment_id>S1</shipment_id>"
	    "<order_number>O1</order_number><carrier>Z\xfcrich</carrier>"
	    "<line><line_id>1</line_id><quantity>1</quantity></line></shipment></shipments>";
	char utf16[1024];
	size_t n = 0;
	struct collected c;
	struct errlist e;

	ck_assert_int_eq(XML(latin1, &c, &e), 1);
	ck_assert_int_eq(e.n, 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&c.text), "carrier=Z\xc3\xbcrich"));
	collected_free(&c, &e);

	/* UTF-16LE with a byte order mark, built from the Latin-1 text */
	utf16[n++] = '\xff';
	utf16[n++] = '\xfe';
	for (const char *p = strchr(latin1, '\n') + 1; *p; p++) {
		utf16[n++] = *p;
		utf16[n++] = 0;
	}
	ck_assert_int_eq(parse_text(xml_in_parse, KIND_SHIPMENTS, utf16, n, &c, &e), 1);
	ck_assert_int_eq(e.n, 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&c.text), "carrier=Z\xc3\xbcrich"));
	collected_free(&c, &e);
}
END_TEST

START_TEST(wrong_root_or_namespace)
{
	ck_assert_int_eq(ERROR_AT("<orders xmlns=\"urn:sluice:1\"/>", 1, NULL), ERR_XML_ROOT);
	ck_assert_int_eq(ERROR_AT("<shipments xmlns=\"urn:other\"/>", 1, NULL), ERR_XML_ROOT);
}
END_TEST

START_TEST(malformed)
{
	struct collected c;
	struct errlist e;

	XML("<shipments xmlns=\"urn:sluice:1\">\n<shipment>\n<shipment_id>S1</shipment>\n", &c, &e);
	ck_assert_int_eq(error_code_at(&e, 3, NULL), ERR_XML_MALFORMED);
	ck_assert_int_eq(c.n, 0);
	collected_free(&c, &e);
}
END_TEST

START_TEST(doctype_and_entities_refused)
{
	static const char bomb[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "]>\n<shipments xmlns=\"urn:sluice:1\"><shipment><shipment_id>&lol9;</shipment_id>"
	    "</shipment></shipments>";
	struct collected c;
	struct errlist e;

	XML(bomb, &c, &e);
	ck_assert_int_eq(c.n, 0);
	ck_assert_int_ge(error_code_at(&e, 2, NULL), 0);
	ck_assert_int_gt(errlist_total(&e), 0);
	for (size_t i = 0; i < e.n; i++)
		ck_assert(e.items[i].code == ERR_XML_DOCTYPE || e.items[i].code == ERR_XML_MALFORMED);
	collected_free(&c, &e);
}
END_TEST

/* Writes text to a new file of the temporary folder; returns its path
 * (the caller unlinks and frees it). */
static char *
temp_file(const char *text)
{
	const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char *path = malloc(strlen(base) + 32);
	int fd;

	sprintf(path, "%s/sluice-xxe.XXXXXX", base);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
	return path;
}

/*
 * External entities are never read: documents that would pull a file's
 * text into a field (an external general entity, an external parameter
 * entity, an external DTD subset) are refused for their DOCTYPE, and the
 * text of the files they name, a marker made for this run, appears in no
 * record and no error.
 */
START_TEST(external_entities_never_read)
{
	static const struct {
		const char *open, *close, *id, *carrier;
		bool dtd;
	} docs[] = {
		{ "[<!ENTITY x SYSTEM \"file://", "\">]", "&x;", "&x;", false },
		{ "[<!ENTITY % p SYSTEM \"file://", "\"> %p;]", "S1", "&m;", true },
		{ "SYSTEM \"file://", "\"", "S1", "&m;", true },
	};
	char marker[64], dtd_text[128], doc[1024], *text_file, *dtd_file;
	struct collected c;
	struct errlist e;

	snprintf(marker, sizeof marker, "XXE%ldM%ld", (long)getpid(), (long)time(NULL));
	snprintf(dtd_text, sizeof dtd_text, "<!ENTITY m \"%s\">", marker);
	text_file = temp_file(marker);
	dtd_file = temp_file(dtd_text);
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		snprintf(doc, sizeof doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE shipments %s%s%s>\n"
		    "<shipments xmlns=\"urn:sluice:1\"><shipment><shipment_id>%s</shipment_id>"
		    "<order_number>O1</order_number><carrier>%s</carrier>"
		    "<line><line_id>1</line_id><quantity>1</quantity></line></shipment></shipments>",
		    docs[i].open, docs[i].dtd ? dtd_file : text_file, docs[i].close, docs[i].id,
		    docs[i].carrier);
		XML(doc, &c, &e);
		ck_assert_int_eq(c.n, 0);
		ck_assert_msg(e.n == 1 && error_code_at(&e, 2, NULL) == ERR_XML_DOCTYPE,
		    "%s: %zu errors, the first: %s", doc, e.n, e.n > 0 ? e.items[0].message : "");
		ck_assert_msg(strstr(buf_str(&c.text), marker) == NULL, "%s", buf_str(&c.text));
		for (size_t j = 0; j < e.n; j++)
			ck_assert_msg(strstr(e.items[j].message, marker) == NULL &&
			    (e.items[j].field == NULL || strstr(e.items[j].field, marker) == NULL),
			    "%s", e.items[j].message);
		collected_free(&c, &e);
	}
	unlink(text_file);
	unlink(dtd_file);
	free(text_file);
	free(dtd_file);
}
END_TEST

START_TEST(doctype_after_a_short_first_read)
{
	/* libxml2 reads 4 bytes, then 4096: a DOCTYPE must still be refused
	 * before it is parsed (found by fuzzing) */
	char text[6000];
	struct collected c;
	struct errlist e;

	memset(text, ' ', sizeof text);
	memcpy(text, "<!DOCTYPE o><o/>", 16);
	text[sizeof text - 1] = '\0';
	XML(text, &c, &e);
	ck_assert_int_eq(error_code_at(&e, 1, NULL), ERR_XML_DOCTYPE);
	ck_assert_int_eq(e.n, 1);
	collected_free(&c, &e);
}
END_TEST

START_TEST(schema_errors_are_reported)
{
	struct collected c;
	struct errlist e;

	/* an unknown element, and a required element missing */
	XML("<shipments xmlns=\"urn:sluice:1\">\n<shipment>\n<shipment_id>S1</shipment_id>\n"
	    "<colour>red</colour>\n<line><line_id>1</line_id><quantity>1</quantity></line>\n"
	    "</shipment>\n</shipments>\n", &c, &e);
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_gt(e.n, 0);
	ck_assert_int_eq(error_code_at(&e, 4, NULL), ERR_XML_SCHEMA);
	collected_free(&c, &e);
}
END_TEST

START_TEST(empty_elements_are_absent)
{
	struct collected c;
	struct errlist e;

	XML("<shipments xmlns=\"urn:sluice:1\"><shipment><shipment_id>S1</shipment_id>"
	    "<order_number>O1</order_number><carrier/><tracking></tracking>"
	    "<line><line_id>1</line_id><quantity>1</quantity></line></shipment></shipments>",
	    &c, &e);
	ck_assert_int_eq(c.n, 1);
	ck_assert_ptr_null(strstr(buf_str(&c.text), "carrier="));
	ck_assert_ptr_null(strstr(buf_str(&c.text), "tracking="));
	collected_free(&c, &e);
}
END_TEST

/* CDATA is text (ERPs write it): a field may be one CDATA section, several,
 * or CDATA mixed with text and character references, in the header and in
 * lines; "]]>" itself is written by splitting it over two sections. */
START_TEST(cdata_is_text)
{
	struct collected c;
	struct errlist e;

	XML("<shipments xmlns=\"urn:sluice:1\"><shipment>"
	    "<shipment_id><![CDATA[S1]]></shipment_id>"
	    "<order_number>O<![CDATA[1]]></order_number>"
	    "<carrier><![CDATA[Shirt & <Tie>]]></carrier>"
	    "<service>a&amp;<![CDATA[<b>]]>&#65;c<![CDATA[d]]><![CDATA[e]]></service>"
	    "<tracking><![CDATA[a]]]]><![CDATA[>b]]></tracking>"
	    "<line><line_id><![CDATA[1]]></line_id><quantity>2<![CDATA[0]]></quantity></line>"
	    "</shipment></shipments>", &c, &e);
	ck_assert_int_eq(e.n, 0);
	ck_assert_str_eq(buf_str(&c.text), "L1 shipment_id=S1@1 order_number=O1@1 "
	    "carrier=Shirt & <Tie>@1 service=a&<b>Acde@1 tracking=a]]>b@1 | "
	    "L1 line_id=1@1 quantity=20@1\n");
	collected_free(&c, &e);
}
END_TEST

/* An empty CDATA section is no value; the XSD checks what CDATA holds. */
START_TEST(cdata_empty_and_checked_by_the_schema)
{
	struct collected c;
	struct errlist e;

	XML("<shipments xmlns=\"urn:sluice:1\"><shipment><shipment_id>S1</shipment_id>"
	    "<order_number>O1</order_number><carrier><![CDATA[]]></carrier>"
	    "<line><line_id>1</line_id><quantity>1</quantity></line></shipment></shipments>",
	    &c, &e);
	ck_assert_int_eq(e.n, 0);
	ck_assert_str_eq(buf_str(&c.text), "L1 shipment_id=S1@1 order_number=O1@1 | "
	    "L1 line_id=1@1 quantity=1@1\n");
	collected_free(&c, &e);

	XML("<shipments xmlns=\"urn:sluice:1\">\n<shipment><shipment_id>S1</shipment_id>"
	    "<order_number>O1</order_number>\n<line><![CDATA[stray]]><line_id>1</line_id>"
	    "<quantity>1</quantity></line>\n"
	    "<line><line_id>2</line_id><quantity><![CDATA[two]]></quantity></line>\n"
	    "</shipment></shipments>", &c, &e);
	ck_assert_int_eq(error_code_at(&e, 3, "line"), ERR_XML_SCHEMA);
	ck_assert_int_eq(error_code_at(&e, 4, "quantity"), ERR_XML_SCHEMA);
	collected_free(&c, &e);
}
END_TEST

START_TEST(huge_text_is_bounded)
{
	size_t len = 12 * 1024 * 1024;
	char *text = malloc(len + 256);
	struct collected c;
	struct errlist e;
	size_t head;

	strcpy(text, "<shipments xmlns=\"urn:sluice:1\"><shipment><shipment_id>");
	head = strlen(text);
	memset(text + head, 'x', len);
	strcpy(text + head + len, "</shipment_id></shipment></shipments>");
	parse_text(xml_in_parse, KIND_SHIPMENTS, text, strlen(text), &c, &e);
	ck_assert_int_eq(error_code_at(&e, 1, NULL), ERR_FIELD_TOO_LONG);
	ck_assert_int_eq(c.n, 0);
	free(text);
	collected_free(&c, &e);
}
END_TEST

START_TEST(not_xml_at_all)
{
	ck_assert_int_eq(ERROR_AT("order_number,order_date\nX,Y\n", 1, NULL), ERR_XML_MALFORMED);
}
END_TEST

CHECK_MAIN("xml_in", "xml_in", xml_in_init, records_and_lines, any_prefix, latin1_and_utf16,
    wrong_root_or_namespace, malformed, doctype_and_entities_refused,
    external_entities_never_read, doctype_after_a_short_first_read,
    schema_errors_are_reported, empty_elements_are_absent, cdata_is_text,
    cdata_empty_and_checked_by_the_schema, huge_text_is_bounded, not_xml_at_all)
