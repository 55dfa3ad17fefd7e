/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>

#include <string.h>

#include "schemas/xsd.h"
#include "base/money.h"

/* The XSD type name of a field; text types carry their length. */
static void
type_name(const struct field_def *f, char *out, size_t outsz)
{
	static const char *const names[] = {
		[FT_ID] = "id", [FT_REF] = "ref", [FT_DATE] = "date", [FT_MONEY] = "money", [FT_RATE] = "rate",
		[FT_QTY] = "qty", [FT_BOOL] = "bool", [FT_COUNTRY] = "country",
		[FT_CURRENCY] = "currency", [FT_EMAIL] = "email", [FT_EAN] = "ean",
		[FT_INT] = "int", [FT_POSINT] = "int", [FT_HS_CODE] = "hs_code",
	};

	if (f->type == FT_TEXT || f->type == FT_NOTE)
		snprintf(out, outsz, "text%lld", f->limit);
	else
		snprintf(out, outsz, "%s", names[f->type]);
}

static void
pattern_type(struct buf *out, const char *name, const char *pattern, const char *doc)
{
	buf_printf(out,
	    "  <xs:simpleType name=\"%s\">\n"
	    "    <xs:annotation><xs:documentation>%s</xs:documentation></xs:annotation>\n"
	    "    <xs:restriction base=\"xs:string\">\n"
	    "      <xs:pattern value=\"%s\"/>\n"
	    "    </xs:restriction>\n"
	    "  </xs:simpleType>\n", name, doc, pattern);
}

/* An enumeration type: named at top level (ind = "  "), or anonymous
 * inside an element (name NULL, deeper indent). */
static void
enum_type(struct buf *out, const char *ind, const char *name, const char *const *values,
    const char *doc)
{
	if (name != NULL)
		buf_printf(out, "%s<xs:simpleType name=\"%s\">\n", ind, name);
	else
		buf_printf(out, "%s<xs:simpleType>\n", ind);
	if (doc != NULL)
		buf_printf(out, "%s  <xs:annotation><xs:documentation>%s</xs:documentation></xs:annotation>\n",
		    ind, doc);
	buf_printf(out, "%s  <xs:restriction base=\"xs:string\">\n", ind);
	for (size_t i = 0; values[i] != NULL; i++)
		buf_printf(out, "%s    <xs:enumeration value=\"%s\"/>\n", ind, values[i]);
	buf_printf(out, "%s  </xs:restriction>\n%s</xs:simpleType>\n", ind, ind);
}

/* The documentation of the money type: the currencies grouped by their
 * minor digits, in the order of the currency table ("2 for SEK EUR ...,
 * 0 for JPY KRW, ..."). */
static void
money_doc(struct buf *out)
{
	buf_puts(out, "amount with exactly the currency's minor digits: ");
	for (size_t i = 0; currency_codes[i] != NULL; i++) {
		int d = currency_digits(currency_codes[i], 3);
		bool told = false;

		for (size_t j = 0; j < i && !told; j++)
			told = currency_digits(currency_codes[j], 3) == d;
		if (told)
			continue;
		buf_printf(out, "%s%d for", i > 0 ? ", " : "", d);
		for (size_t j = i; currency_codes[j] != NULL; j++)
			if (currency_digits(currency_codes[j], 3) == d)
				buf_printf(out, " %s", currency_codes[j]);
	}
	buf_puts(out, " (sluice checks the digits)");
}

/* The simple types that are one pattern, by field type. */
static const struct pattern {
	const char *name;
	const char *pattern;
	const char *doc;
} patterns[] = {
	[FT_ID] = { "id", "[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}",
		"1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit" },
	[FT_REF] = { "ref", "[A-Za-z0-9][A-Za-z0-9._\\-]{0,511}",
		"a request or payment link id, or a payment link token" },
	[FT_DATE] = { "date",
		"\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+\\-]\\d{2}:\\d{2})",
		"RFC 3339 date-time, such as 2026-11-26T10:00:00Z or 2026-11-26T11:00:00+01:00" },
	[FT_RATE] = { "rate", "\\d{1,3}(\\.\\d{1,2})?",
		"VAT percent from 0 to 100 with at most 2 decimals" },
	[FT_QTY] = { "qty", "\\d{1,6}", "whole number from 1 to 100000" },
	[FT_INT] = { "int", "\\d{1,10}", "whole number" },
	[FT_POSINT] = { "int", "\\d{1,10}", "whole number" },
	[FT_HS_CODE] = { "hs_code", "\\d{6,10}", "customs tariff (HS) code of 6 to 10 digits" },
	[FT_EAN] = { "ean", "\\d{8}|\\d{12,14}",
		"GTIN-8, -12, -13 or -14 (sluice checks the check digit)" },
};

static void
simple_type(struct buf *out, const struct field_def *f)
{
	static const char *const bools[] = { "true", "false", NULL };
	const struct pattern *p = f->type < NELEM(patterns) ? &patterns[f->type] : NULL;
	struct buf doc = { 0 };

	if (p != NULL && p->name != NULL) {
		pattern_type(out, p->name, p->pattern, p->doc);
		return;
	}
	switch (f->type) {
	case FT_TEXT:
	case FT_NOTE:
		buf_printf(out,
		    "  <xs:simpleType name=\"text%lld\">\n"
		    "    <xs:annotation><xs:documentation>UTF-8 text of at most %lld characters%s</xs:documentation></xs:annotation>\n"
		    "    <xs:restriction base=\"xs:string\">\n"
		    "      <xs:maxLength value=\"%lld\"/>\n"
		    "    </xs:restriction>\n"
		    "  </xs:simpleType>\n", f->limit, f->limit,
		    f->type == FT_TEXT ? ", on one line" : "", f->limit);
		break;
	case FT_MONEY:
		money_doc(&doc);
		pattern_type(out, "money", "\\d{1,15}(\\.\\d{1,3})?", buf_str(&doc));
		buf_free(&doc);
		break;
	case FT_EMAIL:
		buf_puts(out,
		    "  <xs:simpleType name=\"email\">\n"
		    "    <xs:annotation><xs:documentation>one @ between non-empty parts, no spaces, at most 254 characters</xs:documentation></xs:annotation>\n"
		    "    <xs:restriction base=\"xs:string\">\n"
		    "      <xs:maxLength value=\"254\"/>\n"
		    "      <xs:pattern value=\"[^@\\s]+@[^@\\s]+\"/>\n"
		    "    </xs:restriction>\n"
		    "  </xs:simpleType>\n");
		break;
	case FT_BOOL:
		enum_type(out, "  ", "bool", bools, NULL);
		break;
	case FT_COUNTRY:
		enum_type(out, "  ", "country", iso_countries, "ISO 3166-1 alpha-2 country code");
		break;
	case FT_CURRENCY:
		enum_type(out, "  ", "currency", currency_codes, "ISO 4217 currency code");
		break;
	default:
		/* patterns; enumerations are written where they are used */
		break;
	}
}

static void
element(struct buf *out, const struct field_def *f)
{
	char type[32];

	if (f->type == FT_ENUM) {
		buf_printf(out, "      <xs:element name=\"%s\"%s>\n", f->name,
		    f->required ? "" : " minOccurs=\"0\"");
		enum_type(out, "        ", NULL, f->values, NULL);
		buf_puts(out, "      </xs:element>\n");
		return;
	}
	type_name(f, type, sizeof type);
	buf_printf(out, "      <xs:element name=\"%s\" type=\"%s\"%s/>\n", f->name, type,
	    f->required ? "" : " minOccurs=\"0\"");
}

/* Emits each simple type that fields use, once, in order of first use. */
static void
simple_types(struct buf *out, const struct kind_def *k)
{
	char seen[64][32];
	size_t nseen = 0;

	for (size_t pass = 0; pass < 2; pass++) {
		const struct field_def *f = pass == 0 ? k->head : k->line;
		size_t n = pass == 0 ? k->nhead : k->nline;

		for (size_t i = 0; i < n; i++) {
			char name[32];
			bool dup = false;

			if (f[i].type == FT_ENUM)
				continue;
			type_name(&f[i], name, sizeof name);
			for (size_t j = 0; j < nseen && !dup; j++)
				dup = strcmp(seen[j], name) == 0;
			if (dup || nseen == sizeof seen / sizeof seen[0])
				continue;
			snprintf(seen[nseen++], sizeof seen[0], "%s", name);
			simple_type(out, &f[i]);
		}
	}
}

/* The type of an extra attribute's element: its value, named by its
 * name attribute. */
static void
attribute_type(struct buf *out)
{
	buf_printf(out,
	    "  <xs:complexType name=\"" ATTR_ELEMENT "\">\n"
	    "    <xs:annotation><xs:documentation>an extra attribute: UTF-8 text of at most %d characters, on one line, named by name (1-%d of a-z 0-9 _), each name once</xs:documentation></xs:annotation>\n"
	    "    <xs:simpleContent>\n"
	    "      <xs:extension base=\"attribute_value\">\n"
	    "        <xs:attribute name=\"name\" use=\"required\">\n"
	    "          <xs:simpleType>\n"
	    "            <xs:restriction base=\"xs:string\">\n"
	    "              <xs:pattern value=\"[a-z0-9_]{1,%d}\"/>\n"
	    "            </xs:restriction>\n"
	    "          </xs:simpleType>\n"
	    "        </xs:attribute>\n"
	    "      </xs:extension>\n"
	    "    </xs:simpleContent>\n"
	    "  </xs:complexType>\n"
	    "  <xs:simpleType name=\"attribute_value\">\n"
	    "    <xs:restriction base=\"xs:string\">\n"
	    "      <xs:maxLength value=\"%d\"/>\n"
	    "    </xs:restriction>\n"
	    "  </xs:simpleType>\n", ATTR_VALUE_MAX, ATTR_NAME_MAX, ATTR_NAME_MAX, ATTR_VALUE_MAX);
}

void
xsd_generate(const struct kind_def *k, struct buf *out)
{
	buf_printf(out,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!-- SPDX-License-Identifier: ISC -->\n"
	    "<!-- sluice %s: generated from sluice's field table (sluice schema %s). -->\n"
	    "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"\n"
	    "           xmlns=\"" SLUICE_NS "\"\n"
	    "           targetNamespace=\"" SLUICE_NS "\"\n"
	    "           elementFormDefault=\"qualified\">\n"
	    "  <xs:element name=\"%s\">\n"
	    "    <xs:complexType>\n"
	    "      <xs:sequence>\n"
	    "        <xs:element name=\"%s\" type=\"%s\" maxOccurs=\"unbounded\"/>\n"
	    "      </xs:sequence>\n"
	    "    </xs:complexType>\n"
	    "  </xs:element>\n"
	    "  <xs:complexType name=\"%s\">\n"
	    "    <xs:sequence>\n",
	    k->plural, k->plural, k->plural, k->singular, k->singular, k->singular);
	for (size_t i = 0; i < k->nhead; i++)
		element(out, &k->head[i]);
	if (k->attributes)
		buf_printf(out, "      <xs:element name=\"" ATTR_ELEMENT "\" type=\"" ATTR_ELEMENT
		    "\" minOccurs=\"0\" maxOccurs=\"%d\"/>\n", ATTR_MAX);
	if (k->lines != LINES_NONE)
		buf_printf(out, "      <xs:element name=\"line\" type=\"%s_line\"%s maxOccurs=\"unbounded\"/>\n",
		    k->singular, k->lines == LINES_REQUIRED ? "" : " minOccurs=\"0\"");
	buf_puts(out, "    </xs:sequence>\n  </xs:complexType>\n");
	if (k->lines != LINES_NONE) {
		buf_printf(out, "  <xs:complexType name=\"%s_line\">\n    <xs:sequence>\n", k->singular);
		for (size_t i = 0; i < k->nline; i++)
			element(out, &k->line[i]);
		buf_puts(out, "    </xs:sequence>\n  </xs:complexType>\n");
	}
	if (k->attributes)
		attribute_type(out);
	simple_types(out, k);
	buf_puts(out, "</xs:schema>\n");
}
