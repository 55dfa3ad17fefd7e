/* SPDX-License-Identifier: ISC */
/*
 * template: parsing a document template's text (template.h).  Reading its
 * files is the pipeline's (pipeline/templates.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stages/template.h"
#include "stages/validate.h"

extern const char *const default_template[];
extern const unsigned char default_logo[];
extern const size_t default_logo_size;

static const char *const label_keys[LABEL__COUNT] = {
#define X(sym, key) #key,
	LABELS(X)
#undef X
};

static const struct {
	const char *language;
	const char *text[LABEL__COUNT];
} languages[] = {
	{ "en", { "Invoice", "Credit note", "Pro-forma invoice", "Number", "Date", "Due date",
		"Order", "Shipment", "Return", "Bill to", "Ship to", "Description", "Qty",
		"Unit price", "VAT %", "VAT", "Amount", "VAT summary", "Base", "VAT total", "Total",
		"Shipping", "Return fee", "Page", "HS code", "Origin", "Weight (g)", "Value",
		"VAT no.", "Company no.", "Bank", "SKU", "EAN", "Variant", "Size",
		"For customs only; not a demand for payment.", "Discount", "Order confirmation",
		"Amount due", "Pay at", "Valid until", "Delivery date", "Voucher",
		"included in the amounts above" } },
	{ "sv", { "Faktura", "Kreditnota", "Proformafaktura", "Nummer", "Datum", "Förfallodag",
		"Order", "Leverans", "Retur", "Faktureras", "Levereras till", "Beskrivning", "Antal",
		"À-pris", "Moms %", "Moms", "Belopp", "Momsspecifikation", "Underlag", "Moms totalt",
		"Att betala", "Frakt", "Returavgift", "Sida", "Tulltaxenr", "Ursprung", "Vikt (g)",
		"Värde", "Momsreg.nr", "Org.nr", "Bank", "Art.nr", "EAN", "Variant", "Storlek",
		"Endast för tullen; ingen betalningsuppmaning.", "Rabatt", "Orderbekräftelse",
		"Belopp att betala", "Betala på", "Giltig till", "Leveransdatum", "Rabattkod",
		"ingår i beloppen ovan" } },
	{ "de", { "Rechnung", "Gutschrift", "Proforma-Rechnung", "Nummer", "Datum", "Fällig am",
		"Bestellung", "Sendung", "Retoure", "Rechnung an", "Lieferung an", "Beschreibung",
		"Menge", "Einzelpreis", "USt. %", "USt.", "Betrag", "USt.-Übersicht", "Netto",
		"USt. gesamt", "Gesamt", "Versand", "Rücksendegebühr", "Seite", "Zolltarifnr.",
		"Ursprung", "Gewicht (g)", "Wert", "USt-IdNr.", "Handelsregisternr.", "Bank",
		"Art.-Nr.", "EAN", "Variante", "Größe",
		"Nur für den Zoll; keine Zahlungsaufforderung.", "Rabatt", "Bestellbestätigung",
		"Offener Betrag", "Bezahlen unter", "Gültig bis", "Liefertermin", "Gutschein",
		"in den Beträgen oben enthalten" } },
};

const char *
template_default_text(void)
{
	return default_template[0];
}

const unsigned char *
template_default_logo(size_t *size)
{
	*size = default_logo_size;
	return default_logo;
}


static void
set(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static int
set_fields(struct template *t, char *list, long lineno, struct buf *errs)
{
	t->show_sku = t->show_ean = t->show_variant = t->show_size = false;
	for (char *save = NULL, *f = strtok_r(list, ",", &save); f != NULL;
	    f = strtok_r(NULL, ",", &save)) {
		f = str_trim(f);
		if (strcmp(f, "sku") == 0)
			t->show_sku = true;
		else if (strcmp(f, "ean") == 0)
			t->show_ean = true;
		else if (strcmp(f, "variant") == 0)
			t->show_variant = true;
		else if (strcmp(f, "size") == 0)
			t->show_size = true;
		else if (*f != '\0') {
			buf_printf(errs, "line %ld: fields are sku, ean, variant and size, not '%s'\n",
			    lineno, f);
			return -1;
		}
	}
	return 0;
}

/* Sets the language of the labels, and every label to its text in that
 * language; false when sluice has no such language. */
static bool
labels_in(struct template *t, const char *language)
{
	for (size_t i = 0; i < NELEM(languages); i++)
		if (strcmp(language, languages[i].language) == 0) {
			set(&t->language, language);
			for (int k = 0; k < LABEL__COUNT; k++)
				set(&t->labels[k], languages[i].text[k]);
			return true;
		}
	return false;
}

/* The language of the labels, which sets every label. */
static int
set_language(struct template *t, const char *value, long lineno, struct buf *errs)
{
	if (labels_in(t, value))
		return 0;
	buf_printf(errs, "line %ld: language is en, sv or de, not '%s'\n", lineno, value);
	return -1;
}

void
template_use_language(struct template *t, const char *language)
{
	if (strcmp(t->language, language) != 0)
		labels_in(t, language);
}

/* One "key = value" line. */
static int
template_line(struct template *t, char *key, char *value, long lineno, struct buf *errs)
{
	static const struct {
		const char *key;
		size_t offset;
	} texts[] = {
		{ "name", offsetof(struct template, seller) },
		{ "vat_number", offsetof(struct template, vat_number) },
		{ "company_number", offsetof(struct template, company_number) },
		{ "bank", offsetof(struct template, bank) },
		{ "email", offsetof(struct template, email) },
		{ "footer", offsetof(struct template, footer) },
	};

	if (!valid_text(value, strlen(value), 500, false)) {
		buf_printf(errs, "line %ld: the value of %s is not one line of UTF-8 text\n", lineno, key);
		return -1;
	}
	for (size_t i = 0; i < NELEM(texts); i++)
		if (strcmp(key, texts[i].key) == 0) {
			/* the field at its offset in bytes */
			set((char **)((char *)t + texts[i].offset), value);
			return 0;
		}
	if (strcmp(key, "address") == 0) {
		if (t->naddress == TEMPLATE_ADDRESS_LINES) {
			buf_printf(errs, "line %ld: at most %d address lines\n", lineno,
			    TEMPLATE_ADDRESS_LINES);
			return -1;
		}
		t->address[t->naddress++] = xstrdup(value);
		return 0;
	}
	if (strcmp(key, "logo") == 0) {
		if (strchr(value, '/') != NULL || value[0] == '.' || !str_iendswith(value, ".png")) {
			buf_printf(errs, "line %ld: logo is the name of a PNG file beside the template\n",
			    lineno);
			return -1;
		}
		set(&t->logo, value);
		return 0;
	}
	if (strcmp(key, "language") == 0)
		return set_language(t, value, lineno, errs);
	if (strcmp(key, "fields") == 0)
		return set_fields(t, value, lineno, errs);
	if (strncmp(key, "label.", 6) == 0)
		for (int k = 0; k < LABEL__COUNT; k++)
			if (strcmp(key + 6, label_keys[k]) == 0) {
				set(&t->labels[k], value);
				return 0;
			}
	buf_printf(errs, "line %ld: unknown key '%s'\n", lineno, key);
	return -1;
}

int
template_parse(const char *text, struct template *t, struct buf *errs)
{
	char *copy = xstrdup(text), *save = NULL;
	long lineno = 0;
	int ret = 0;

	memset(t, 0, sizeof *t);
	t->language = xstrdup("en");
	for (int k = 0; k < LABEL__COUNT; k++)
		t->labels[k] = xstrdup(languages[0].text[k]);
	t->show_sku = true;
	/* labels given before the language would be overwritten by it: the
	 * language is read first */
	for (int pass = 0; pass < 2; pass++) {
		char *again = xstrdup(text);

		lineno = 0;
		save = NULL;
		for (char *line = strtok_r(again, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char *s = str_trim(line), *eq;

			lineno++;
			if (*s == '\0' || *s == '#')
				continue;
			if ((eq = strchr(s, '=')) == NULL) {
				if (pass == 0) {
					buf_printf(errs, "line %ld: expected 'key = value'\n", lineno);
					ret = -1;
				}
				continue;
			}
			*eq = '\0';
			if ((strcmp(str_trim(s), "language") == 0) != (pass == 0))
				continue;
			if (template_line(t, str_trim(s), str_trim(eq + 1), lineno, errs) != 0)
				ret = -1;
		}
		free(again);
	}
	free(copy);
	if (ret == 0 && t->seller == NULL) {
		buf_printf(errs, "the template has no name (the seller's name)\n");
		ret = -1;
	}
	return ret;
}

void
template_clear(struct template *t)
{
	free(t->seller);
	for (size_t i = 0; i < t->naddress; i++)
		free(t->address[i]);
	free(t->vat_number);
	free(t->company_number);
	free(t->bank);
	free(t->email);
	free(t->logo);
	free(t->footer);
	free(t->language);
	for (int k = 0; k < LABEL__COUNT; k++)
		free(t->labels[k]);
	memset(t, 0, sizeof *t);
}
