/* SPDX-License-Identifier: ISC */
/*
 * render_pdf: invoices, credit notes, pro-formas and the order
 * confirmations of payment links for people, as PDF,
 * laid out with pango on cairo (any UTF-8 text: fonts come from fontconfig,
 * with fallbacks for scripts the main font lacks).  It draws from the same
 * document model as the XML.  Deterministic: the PDF's creation date is
 * the document's date, and nothing else varies between two renderings.
 *
 * Pages: the document is laid out twice, first without drawing to count
 * its pages, then drawn, so each footer says "Page n/N".  Whatever would
 * reach below BOTTOM (a line of the table, a total, a line of the free
 * text) starts a new page, which begins with the title and number.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <hb.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "base/log.h"
#include "stages/document.h"
#include "base/money.h"
#include "stages/stages.h"
#include "stages/validate.h"

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 48.0
#define BOTTOM (PAGE_H - 90.0)
#define WIDTH (PAGE_W - 2 * MARGIN)

enum align { LEFT, RIGHT };

struct pdf {
	cairo_t *cr;
	PangoLayout *layout;
	const struct doc *d;
	double y;
	int page;
	int pages;            /* how many there are (known when drawing) */
	bool drawing;         /* false: laying out only, to count the pages */
	bool proforma;
	bool font_failed;     /* a font could not be loaded: its text is missing */
	bool qr_failed;       /* a link's URL could not be made a QR code */
};

/* A table column: its left edge, width and alignment. */
struct column {
	double x;
	double w;
	enum align align;
};

static cairo_status_t
write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

struct png_source {
	const struct buf *b;
	size_t at;
};

static cairo_status_t
read_png(void *closure, unsigned char *data, unsigned int len)
{
	struct png_source *src = closure;

	if (src->b->len - src->at < len)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, src->b->data + src->at, len);
	src->at += len;
	return CAIRO_STATUS_SUCCESS;
}

/* Whether the text just drawn had its fonts: the font asked for loaded,
 * and so did every font a run was drawn with.  A font file that cannot be
 * read (EIO, ...) makes Pango fall back to another font, or draw nothing,
 * and only warn; such a PDF must not be published. */
static bool
fonts_loaded(PangoLayout *layout, const PangoFontDescription *fd)
{
	PangoFont *want = pango_context_load_font(pango_layout_get_context(layout), fd);
	PangoLayoutIter *it;
	bool ok = want != NULL &&
	    hb_face_get_glyph_count(hb_font_get_face(pango_font_get_hb_font(want))) > 0;

	if (want != NULL)
		g_object_unref(want);
	if (!ok)
		return false;
	it = pango_layout_get_iter(layout);
	do {
		PangoLayoutRun *run = pango_layout_iter_get_run_readonly(it);
		cairo_scaled_font_t *sf;

		if (run == NULL)
			continue;   /* the end of a line */
		sf = pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(run->item->analysis.font));
		ok = sf != NULL && cairo_scaled_font_status(sf) == CAIRO_STATUS_SUCCESS;
	} while (ok && pango_layout_iter_next_run(it));
	pango_layout_iter_free(it);
	return ok;
}

bool
render_pdf_fonts_ok(void)
{
	static const char *const fonts[] = { "DejaVu Sans 9", "DejaVu Sans Bold 9" };
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 8, 8);
	cairo_t *cr = cairo_create(s);
	PangoLayout *layout = pango_cairo_create_layout(cr);
	bool ok = true;

	pango_layout_set_text(layout, "Invoice 0123456789", -1);
	for (size_t i = 0; i < sizeof fonts / sizeof fonts[0] && ok; i++) {
		PangoFontDescription *fd = pango_font_description_from_string(fonts[i]);

		pango_layout_set_font_description(layout, fd);
		pango_cairo_show_layout(cr, layout);
		if (!(ok = fonts_loaded(layout, fd)))
			log_error("the font \"%s\" cannot be loaded, so no PDF document can be "
			    "made (Debian: apt-get install fonts-dejavu-core)", fonts[i]);
		pango_font_description_free(fd);
	}
	g_object_unref(layout);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return ok;
}

/* Sets layout to s in font, wrapped (at words, else anywhere) to width. */
static PangoFontDescription *
set_text(PangoLayout *layout, double width, enum align align, const char *font, const char *s)
{
	PangoFontDescription *fd = pango_font_description_from_string(font);

	pango_layout_set_font_description(layout, fd);
	pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(layout, align == RIGHT ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
	pango_layout_set_text(layout, s, -1);
	return fd;
}

/* Draws text in a box of the given width (when drawing); returns its
 * height. */
static double
text(struct pdf *p, double x, double y, double width, enum align align, const char *font,
    double grey, const char *s)
{
	PangoFontDescription *fd;
	int h;

	if (s == NULL || *s == '\0')
		return 0;
	fd = set_text(p->layout, width, align, font, s);
	if (p->drawing) {
		cairo_set_source_rgb(p->cr, grey, grey, grey);
		cairo_move_to(p->cr, x, y);
		pango_cairo_show_layout(p->cr, p->layout);
		if (!p->font_failed)
			p->font_failed = !fonts_loaded(p->layout, fd);
	}
	pango_layout_get_size(p->layout, NULL, &h);
	pango_font_description_free(fd);
	return (double)h / PANGO_SCALE;
}

static const char *
fmt_money(const struct doc *d, int64_t v, char *b)
{
	money_format(v, d->digits, b, MONEY_SIZE);
	return b;
}

static void
rule(struct pdf *p, double y, double grey, double width)
{
	if (!p->drawing)
		return;
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	cairo_set_line_width(p->cr, width);
	cairo_move_to(p->cr, MARGIN, y);
	cairo_line_to(p->cr, PAGE_W - MARGIN, y);
	cairo_stroke(p->cr);
}

static void
draw_logo(struct pdf *p, double x, double y, double height)
{
	struct png_source src = { &p->d->view.logo, 0 };
	cairo_surface_t *img;
	double scale;

	if (src.b->len == 0 || !p->drawing)
		return;
	img = cairo_image_surface_create_from_png_stream(read_png, &src);
	if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS &&
	    cairo_image_surface_get_height(img) > 0) {
		scale = height / cairo_image_surface_get_height(img);
		cairo_save(p->cr);
		cairo_translate(p->cr, x, y);
		cairo_scale(p->cr, scale, scale);
		cairo_set_source_surface(p->cr, img, 0, 0);
		cairo_paint(p->cr);
		cairo_restore(p->cr);
	}
	cairo_surface_destroy(img);
}

/* The footer of every page, below BOTTOM: the template's footer, bank,
 * and the page's number of the pages. */
static void
footer(struct pdf *p)
{
	const struct template *t = &p->d->tpl;
	char *page;
	double y = BOTTOM + 24;

	rule(p, BOTTOM + 14, 0.75, 0.5);
	y += text(p, MARGIN, y, WIDTH - 70, LEFT, "DejaVu Sans 7.5", 0.35, t->footer);
	if (t->bank != NULL) {
		char *bank = xasprintf("%s: %s", t->labels[LABEL_BANK], t->bank);

		text(p, MARGIN, y, WIDTH - 70, LEFT, "DejaVu Sans 7.5", 0.35, bank);
		free(bank);
	}
	page = xasprintf("%s %d/%d", t->labels[LABEL_PAGE], p->page, p->pages);
	text(p, PAGE_W - MARGIN - 70, BOTTOM + 24, 70, RIGHT, "DejaVu Sans 7.5", 0.35, page);
	free(page);
}

/* Ends the page and starts the next, which says whose page it is: the
 * document's title and number. */
static void
new_page(struct pdf *p)
{
	char *title = xasprintf("%s %s", doc_title(p->d), p->d->row->number);

	footer(p);
	if (p->drawing)
		cairo_show_page(p->cr);
	p->page++;
	p->y = MARGIN + text(p, MARGIN, MARGIN, WIDTH, LEFT, "DejaVu Sans Bold 10", 0.1, title) + 4;
	rule(p, p->y, 0.75, 0.5);
	p->y += 10;
	free(title);
}

/* Starts a new page unless h more points fit above the footer. */
static bool
fit(struct pdf *p, double h)
{
	if (p->y + h <= BOTTOM)
		return false;
	new_page(p);
	return true;
}

/* "label value" at the right from y, when there is a value (the line
 * allocated: a template's texts at their longest are cut by no buffer);
 * returns its height. */
static double
labelled(struct pdf *p, double y, const char *label, const char *value)
{
	char *line;
	double h;

	if (value == NULL)
		return 0;
	line = xasprintf("%s %s", label, value);
	h = text(p, PAGE_W - MARGIN - 220, y, 220, RIGHT, "DejaVu Sans 8.5", 0.25, line);
	free(line);
	return h;
}

/* The seller, at the right from the top; returns where it ends. */
static double
seller(struct pdf *p)
{
	const struct template *t = &p->d->tpl;
	double ys;

	ys = MARGIN + text(p, PAGE_W - MARGIN - 220, MARGIN, 220, RIGHT, "DejaVu Sans Bold 10", 0,
	    t->seller);
	for (size_t i = 0; i < t->naddress; i++)
		ys += text(p, PAGE_W - MARGIN - 220, ys, 220, RIGHT, "DejaVu Sans 8.5", 0.25,
		    t->address[i]);
	ys += labelled(p, ys, t->labels[LABEL_VAT_NUMBER], t->vat_number);
	ys += labelled(p, ys, t->labels[LABEL_COMPANY_NUMBER], t->company_number);
	return ys + text(p, PAGE_W - MARGIN - 220, ys, 220, RIGHT, "DejaVu Sans 8.5", 0.25, t->email);
}

/* The document's references (number, date, ...) at the left from y;
 * returns where they end. */
static double
references(struct pdf *p, double y)
{
	const struct doc *d = p->d;
	const struct template *t = &d->tpl;
	const char *labels[] = { t->labels[LABEL_NUMBER], t->labels[LABEL_DATE],
		t->labels[LABEL_ORDER], t->labels[LABEL_SHIPMENT], t->labels[LABEL_RETURN],
		t->labels[LABEL_DUE_DATE], t->labels[LABEL_DELIVERY_DATE] };
	char date[11], due[11] = "", delivery[11] = "";
	const char *values[] = { d->row->number, date, d->row->order_number,
		d->row->shipment_id, d->row->return_id, due, delivery };

	snprintf(date, sizeof date, "%s", d->row->issued_at);
	if (d->due_date != NULL)
		snprintf(due, sizeof due, "%s", d->due_date);
	if (d->delivery_date != NULL)
		snprintf(delivery, sizeof delivery, "%s", d->delivery_date);
	for (size_t i = 0; i < NELEM(labels); i++) {
		if (values[i] == NULL || values[i][0] == '\0')
			continue;
		text(p, MARGIN, y, 90, LEFT, "DejaVu Sans 9", 0.4, labels[i]);
		y += text(p, MARGIN + 90, y, 170, LEFT, "DejaVu Sans Bold 9", 0, values[i]);
	}
	return y;
}

/* An address's lines at x from y; returns where they end. */
static double
address_lines(struct pdf *p, double x, double y, const struct address *a)
{
	/* allocated: a zip and city at their longest in characters of
	 * several bytes are cut by no buffer */
	char *city;

	y += text(p, x, y, 220, LEFT, "DejaVu Sans 9", 0, a->address1);
	y += text(p, x, y, 220, LEFT, "DejaVu Sans 9", 0, a->address2);
	city = xasprintf("%s %s, %s%s%s", a->zip ? a->zip : "", a->city ? a->city : "",
	    a->state ? a->state : "", a->state ? " " : "", a->country ? a->country : "");
	y += text(p, x, y, 220, LEFT, "DejaVu Sans 9", 0, city);
	free(city);
	return y;
}

/* The buyer (and for a pro-forma where it ships to) beside the references,
 * from y; returns where it ends. */
static double
buyer(struct pdf *p, double y)
{
	const struct doc *d = p->d;
	const struct template *t = &d->tpl;
	double x = MARGIN + 280;

	y += text(p, x, y, 220, LEFT, "DejaVu Sans 9", 0.4, t->labels[LABEL_BILL_TO]);
	y += text(p, x, y, 220, LEFT, "DejaVu Sans Bold 9", 0, d->buyer_name);
	y = address_lines(p, x, y, &d->buyer);
	y += text(p, x, y, 220, LEFT, "DejaVu Sans 9", 0.3, d->buyer_email);
	if (p->proforma) {
		y += 6;
		y += text(p, x, y, 220, LEFT, "DejaVu Sans 9", 0.4, t->labels[LABEL_SHIP_TO]);
		y = address_lines(p, x, y, &d->delivery);
	}
	return y;
}

/* The seller (right), logo (left), title, the document's references and
 * the buyer. */
static void
heading(struct pdf *p)
{
	double y, ys, yb;

	draw_logo(p, MARGIN, MARGIN, 34);
	ys = seller(p);
	y = (ys > MARGIN + 60 ? ys : MARGIN + 60) + 14;
	y += text(p, MARGIN, y, WIDTH, LEFT, "DejaVu Sans Bold 20", 0.1, doc_title(p->d)) + 6;
	ys = references(p, y);
	yb = buyer(p, y);
	p->y = (yb > ys ? yb : ys) + 18;
}

static const struct column invoice_columns[] = {
	{ MARGIN, 215, LEFT }, { MARGIN + 215, 35, RIGHT }, { MARGIN + 250, 70, RIGHT },
	{ MARGIN + 320, 45, RIGHT }, { MARGIN + 365, 60, RIGHT }, { MARGIN + 425, WIDTH - 425, RIGHT },
};
static const struct column proforma_columns[] = {
	{ MARGIN, 195, LEFT }, { MARGIN + 195, 35, RIGHT }, { MARGIN + 230, 60, RIGHT },
	{ MARGIN + 290, 45, RIGHT }, { MARGIN + 335, 70, RIGHT }, { MARGIN + 405, WIDTH - 405, RIGHT },
};

/* The widest of s's words (between spaces) in font, unwrapped. */
static double
widest_word(struct pdf *p, const char *font, const char *s)
{
	double widest = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, " ");
		char *word = xstrndup(s, n);
		PangoFontDescription *fd = set_text(p->layout, -1, LEFT, font, word);
		int w;

		pango_layout_get_size(p->layout, &w, NULL);
		if ((double)w / PANGO_SCALE > widest)
			widest = (double)w / PANGO_SCALE;
		pango_font_description_free(fd);
		free(word);
		s += n + strspn(s + n, " ");
	}
	return widest;
}

/* The font of a table header's label in a column of width w: bold 8.5
 * points, or smaller (by halves, to 6) until each of its words fits, so
 * that a long word (a German one) is never broken inside. */
static void
header_font(struct pdf *p, double w, const char *label, char *font, size_t size)
{
	double pt = 8.5;

	for (;;) {
		snprintf(font, size, "DejaVu Sans Bold %.1f", pt);
		if (pt <= 6 || widest_word(p, font, label) <= w)
			return;
		pt -= 0.5;
	}
}

static void
table_header(struct pdf *p)
{
	const struct template *t = &p->d->tpl;
	const char *invoice[] = { t->labels[LABEL_DESCRIPTION], t->labels[LABEL_QUANTITY],
		t->labels[LABEL_UNIT_PRICE], t->labels[LABEL_VAT_RATE], t->labels[LABEL_VAT],
		t->labels[LABEL_LINE_TOTAL] };
	const char *proforma[] = { t->labels[LABEL_DESCRIPTION], t->labels[LABEL_QUANTITY],
		t->labels[LABEL_HS_CODE], t->labels[LABEL_ORIGIN], t->labels[LABEL_WEIGHT],
		t->labels[LABEL_VALUE] };
	const struct column *cols = p->proforma ? proforma_columns : invoice_columns;
	double h = 0;

	for (size_t i = 0; i < 6; i++) {
		const char *label = p->proforma ? proforma[i] : invoice[i];
		char font[32];
		double hh;

		header_font(p, cols[i].w, label, font, sizeof font);
		hh = text(p, cols[i].x, p->y, cols[i].w, cols[i].align, font, 0.2, label);

		if (hh > h)
			h = hh;
	}
	p->y += h + 3;
	rule(p, p->y, 0.2, 0.8);
	p->y += 4;
}

/* "SKU: x · Variant: y · Size: z" under a product's name. */
static void
details(const struct doc *d, const struct doc_line *ln, struct buf *out)
{
	const char *labels[] = { d->tpl.labels[LABEL_SKU], d->tpl.labels[LABEL_EAN],
		d->tpl.labels[LABEL_VARIANT], d->tpl.labels[LABEL_SIZE] };
	const char *values[] = { ln->sku, ln->ean, ln->variant, ln->size };

	for (size_t i = 0; i < NELEM(values); i++)
		if (values[i] != NULL)
			buf_printf(out, "%s%s: %s", out->len ? " \u00b7 " : "", labels[i], values[i]);
	if (ln->discount > 0) {
		char m[MONEY_SIZE];

		buf_printf(out, "%s%s: %s", out->len ? " \u00b7 " : "", d->tpl.labels[LABEL_DISCOUNT],
		    fmt_money(d, ln->discount, m));
	}
	if (ln->voucher > 0) {
		char m[MONEY_SIZE];

		buf_printf(out, "%s%s: %s", out->len ? " \u00b7 " : "", d->tpl.labels[LABEL_VOUCHER],
		    fmt_money(d, ln->voucher, m));
	}
}

/* A row of cells, each in its column: the first column may hold a second,
 * smaller text under the first (a product's details). */
struct row {
	const struct column *cols;
	const char *cells[6];
	const char *under;
	const char *font;
	double grey[6];
};

/* Draws (or, when not drawing, lays out) a row at p->y; returns its height. */
static double
row_cells(struct pdf *p, const struct row *r)
{
	double h = 0;

	for (size_t i = 0; i < 6; i++) {
		const struct column *c = &r->cols[i];
		double hh = text(p, c->x, p->y, c->w, c->align, r->font, r->grey[i], r->cells[i]);

		if (i == 0)
			hh += text(p, c->x, p->y + hh, c->w, c->align, "DejaVu Sans 7.5", 0.4, r->under);
		if (hh > h)
			h = hh;
	}
	return h;
}

/* Draws a row, on a new page (with the table's header when in_table) when
 * it does not fit on this one, and moves below it by gap. */
static void
place_row(struct pdf *p, const struct row *r, double gap, bool in_table)
{
	bool drawing = p->drawing;
	double h;

	p->drawing = false;
	h = row_cells(p, r);
	p->drawing = drawing;
	if (fit(p, h + gap) && in_table)
		table_header(p);
	p->y += row_cells(p, r) + gap;
}

static void
line_row(struct pdf *p, const struct doc_line *ln)
{
	const struct doc *d = p->d;
	char qty[32], a[MONEY_SIZE], b[MONEY_SIZE], c[MONEY_SIZE], rate[16], weight[32];
	struct buf more = { 0 };
	struct row r = { .cols = p->proforma ? proforma_columns : invoice_columns,
		.font = "DejaVu Sans 9" };

	details(d, ln, &more);
	snprintf(qty, sizeof qty, "%lld", (long long)ln->quantity);
	rate_format(ln->vat_rate, rate, sizeof rate);
	if (ln->weight_grams >= 0)
		snprintf(weight, sizeof weight, "%lld", (long long)(ln->weight_grams * ln->quantity));
	else
		weight[0] = '\0';
	if (p->proforma) {
		const char *pc[] = { ln->description, qty, ln->hs_code, ln->origin, weight,
			fmt_money(d, ln->line_total, a) };

		memcpy(r.cells, pc, sizeof r.cells);
	} else {
		const char *ic[] = { ln->description, qty, fmt_money(d, ln->unit_price, a), rate,
			fmt_money(d, ln->vat, b), fmt_money(d, ln->line_total, c) };

		memcpy(r.cells, ic, sizeof r.cells);
	}
	r.under = buf_str(&more);
	place_row(p, &r, 5, true);
	buf_free(&more);
}

/* A label (made from fmt as printf does, whole whatever its length: the
 * texts it holds never cut within a character) and an amount at the right
 * of the page. */
static void PRINTF_LIKE(4, 5)
total_row(struct pdf *p, const char *value, bool bold, const char *fmt, ...)
{
	static const struct column cols[6] = {
		{ MARGIN + 250, 175, RIGHT }, { MARGIN + 425, WIDTH - 425, RIGHT },
	};
	struct buf label = { 0 };
	struct row r = { .cols = cols, .font = bold ? "DejaVu Sans Bold 10" : "DejaVu Sans 9",
		.grey = { 0.2, 0 } };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&label, fmt, ap);
	va_end(ap);
	r.cells[0] = buf_str(&label);
	r.cells[1] = value;
	place_row(p, &r, 3, false);
	buf_free(&label);
}

static void
totals(struct pdf *p)
{
	const struct doc *d = p->d;
	const struct template *t = &d->tpl;
	char a[MONEY_SIZE], rate[16];

	rule(p, p->y, 0.2, 0.8);
	p->y += 6;
	if (p->proforma) {
		total_row(p, fmt_money(d, d->total, a), true, "%s (%s)", t->labels[LABEL_VALUE],
		    d->currency);
		return;
	}
	if (d->voucher > 0)
		total_row(p, fmt_money(d, d->voucher, a), false, "%s%s%s, %s", t->labels[LABEL_VOUCHER],
		    d->voucher_code != NULL ? " " : "", d->voucher_code != NULL ? d->voucher_code : "",
		    t->labels[LABEL_VOUCHER_INCLUDED]);
	for (size_t i = 0; i < d->nvats; i++) {
		char base[MONEY_SIZE];

		rate_format(d->vats[i].rate, rate, sizeof rate);
		total_row(p, fmt_money(d, d->vats[i].amount, a), false, "%s %s%% (%s %s)",
		    t->labels[LABEL_VAT], rate, t->labels[LABEL_BASE],
		    fmt_money(d, d->vats[i].base, base));
	}
	total_row(p, fmt_money(d, d->vat_total, a), false, "%s", t->labels[LABEL_VAT_TOTAL]);
	if (d->return_fee > 0)
		total_row(p, fmt_money(d, -d->return_fee, a), false, "%s",
		    t->labels[LABEL_RETURN_FEE]);
	total_row(p, fmt_money(d, d->total, a), true, "%s %s", t->labels[LABEL_TOTAL], d->currency);
}

/* Draws text of any length across the page's width, line by line, going
 * on on further pages as needed. */
static void
flow(struct pdf *p, const char *font, double grey, const char *s)
{
	/* a layout of its own: new_page() draws with p->layout */
	PangoLayout *layout = pango_cairo_create_layout(p->cr);
	PangoFontDescription *fd = set_text(layout, WIDTH, LEFT, font, s);
	PangoLayoutIter *it = pango_layout_get_iter(layout);

	do {
		PangoRectangle line;
		double h, baseline;

		pango_layout_iter_get_line_extents(it, NULL, &line);
		h = (double)line.height / PANGO_SCALE;
		baseline = (double)(pango_layout_iter_get_baseline(it) - line.y) / PANGO_SCALE;
		fit(p, h);
		if (p->drawing) {
			cairo_set_source_rgb(p->cr, grey, grey, grey);
			cairo_move_to(p->cr, MARGIN + (double)line.x / PANGO_SCALE, p->y + baseline);
			pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
		}
		p->y += h;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	if (p->drawing && !p->font_failed)
		p->font_failed = !fonts_loaded(layout, fd);
	pango_font_description_free(fd);
	g_object_unref(layout);
}

#define QR_SIZE 132.0   /* points, the quiet zone of 4 modules included */

/* Draws text as a QR code (error correction M), QR_SIZE points square, at
 * x, y; false when it cannot be encoded. */
static bool
qr_code(struct pdf *p, double x, double y, const char *s)
{
	QRcode *qr = QRcode_encodeString8bit(s, 0, QR_ECLEVEL_M);
	double m;

	if (qr == NULL)
		return false;
	m = QR_SIZE / (qr->width + 8);
	if (p->drawing) {
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		/* each row's runs of dark modules as one rectangle: no seams */
		for (int r = 0; r < qr->width; r++)
			for (int c = 0; c < qr->width; c++) {
				int run = 0;

				while (c + run < qr->width && (qr->data[r * qr->width + c + run] & 1))
					run++;
				if (run > 0)
					cairo_rectangle(p->cr, x + (c + 4) * m, y + (r + 4) * m, run * m, m);
				c += run;
			}
		cairo_fill(p->cr);
	}
	QRcode_free(qr);
	return true;
}

/* Where to pay a link until when, at x from y in width w: its URL (broken
 * where it must be, but without hyphens added) and expiry; returns where
 * it ends. */
static double
link_text(struct pdf *p, double x, double y, double w)
{
	const struct doc *d = p->d;
	const struct template *t = &d->tpl;
	PangoAttrList *attrs = pango_attr_list_new();

	y += text(p, x, y, w, LEFT, "DejaVu Sans 9", 0.4, t->labels[LABEL_PAY_AT]);
	pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
	pango_layout_set_attributes(p->layout, attrs);
	y += text(p, x, y, w, LEFT, "DejaVu Sans Bold 9", 0, buf_str(&d->url)) + 8;
	pango_layout_set_attributes(p->layout, NULL);
	pango_attr_list_unref(attrs);
	y += text(p, x, y, w, LEFT, "DejaVu Sans 9", 0.4, t->labels[LABEL_VALID_UNTIL]);
	return y + text(p, x, y, w, LEFT, "DejaVu Sans Bold 9", 0, d->expires_at);
}

/* A link's amount due, and where to pay it until when: its URL as text
 * beside the same as a QR code, kept together on one page. */
static void
link_block(struct pdf *p)
{
	const struct doc *d = p->d;
	char a[MONEY_SIZE];
	double x = MARGIN + QR_SIZE + 12, w = WIDTH - QR_SIZE - 12, h, y;
	bool drawing = p->drawing;

	total_row(p, fmt_money(d, d->due, a), true, "%s %s", d->tpl.labels[LABEL_AMOUNT_DUE],
	    d->currency);
	p->y += 14;
	/* measured first, so that the block starts a new page when it must */
	p->drawing = false;
	h = link_text(p, x, 12, w);
	p->drawing = drawing;
	fit(p, h > QR_SIZE ? h : QR_SIZE);
	if (!qr_code(p, MARGIN, p->y, buf_str(&d->url)))
		p->qr_failed = true;
	y = link_text(p, x, p->y + 12, w);
	p->y = y > p->y + QR_SIZE ? y : p->y + QR_SIZE;
}

/* Lays out (or draws) the whole document, page by page. */
static void
pages(struct pdf *p)
{
	const struct doc *d = p->d;

	p->page = 1;
	heading(p);
	table_header(p);
	for (size_t i = 0; i < d->nlines; i++)
		line_row(p, &d->lines[i]);
	totals(p);
	if (d->row->type == DOC_LINK)
		link_block(p);
	if (d->text != NULL || p->proforma) {
		p->y += 12;
		flow(p, "DejaVu Sans 9", 0.2, p->proforma ? d->tpl.labels[LABEL_NO_SALE] : d->text);
	}
	footer(p);
	if (p->drawing)
		cairo_show_page(p->cr);
}

/* Sets the PDF's creation date to the instant of the document's date (an
 * RFC 3339 date-time in any of its spellings), in UTC to the second: the
 * same bytes every time.  A date that cairo cannot write (a year beyond
 * 0000-9999) leaves it out. */
static void
set_creation_date(cairo_surface_t *surface, const char *issued_at)
{
	char date[32];
	int64_t epoch;
	time_t secs;
	struct tm tm;

	if (!parse_date(issued_at, strlen(issued_at), &epoch))
		return;
	secs = (time_t)epoch;
	if (gmtime_r(&secs, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return;
	snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
}

/* Draws document d on cr, a PDF surface of A4 pages: each of its pages,
 * shown.  It is laid out first without drawing, so that every page can
 * say how many there are; the same layout is then drawn.  0; -1 when a
 * font could not be loaded (the next rendering gets a fresh font map), its
 * URL could not be made a QR code or cairo failed to draw (logged). */
static int
draw(cairo_t *cr, const struct doc *d)
{
	struct pdf p = { .cr = cr, .d = d, .proforma = d->row->type == DOC_PROFORMA };

	p.layout = pango_cairo_create_layout(cr);
	pages(&p);
	p.pages = p.page;
	p.drawing = true;
	pages(&p);
	g_object_unref(p.layout);
	if (p.font_failed) {
		log_error("document %s: PDF: a font could not be loaded", d->row->number);
		/* a fresh font map next time, not the one that holds the failure */
		pango_cairo_font_map_set_default(NULL);
		return -1;
	}
	if (p.qr_failed) {
		log_error("document %s: PDF: its URL could not be made a QR code", d->row->number);
		return -1;
	}
	/* cairo draws nothing more once a drawing failed: never a document
	 * with what follows the failure missing */
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		log_error("document %s: PDF: %s", d->row->number, cairo_status_to_string(cairo_status(cr)));
		return -1;
	}
	return 0;
}

/* A document loaded from the ledger, to be drawn on any thread. */
struct render_job {
	struct doc d;
};

struct render_job *
render_pdf_load(const struct render_ctx *r, int64_t id)
{
	struct render_job *job = xcalloc(1, sizeof *job);

	if (doc_load(r, id, &job->d) == 0)
		return job;
	free(job);
	return NULL;
}

void
render_pdf_job_free(struct render_job *job)
{
	if (job == NULL)
		return;
	doc_clear(&job->d);
	free(job);
}

int
render_pdf_draw(struct render_job *job, struct buf *out)
{
	const struct doc *d = &job->d;
	cairo_surface_t *surface;
	cairo_t *cr;
	int ret;

	surface = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
	set_creation_date(surface, d->row->issued_at);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, d->row->number);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, d->tpl.seller);
	cr = cairo_create(surface);
	ret = draw(cr, d);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (ret == 0 && cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
		log_error("document %s: PDF: %s", d->row->number,
		    cairo_status_to_string(cairo_surface_status(surface)));
		ret = -1;
	}
	cairo_surface_destroy(surface);
	return ret;
}

/* A PDF of many documents, written out page by page. */
struct pdf_book {
	cairo_surface_t *surface;
	cairo_t *cr;
	FILE *out;
	bool failed;           /* a write to out failed */
};

static cairo_status_t
write_file(void *closure, const unsigned char *data, unsigned int len)
{
	struct pdf_book *b = closure;

	if (fwrite(data, 1, len, b->out) == len)
		return CAIRO_STATUS_SUCCESS;
	b->failed = true;
	return CAIRO_STATUS_WRITE_ERROR;
}

struct pdf_book *
render_pdf_book_begin(FILE *out)
{
	struct pdf_book *b = xcalloc(1, sizeof *b);

	b->out = out;
	b->surface = cairo_pdf_surface_create_for_stream(write_file, b, PAGE_W, PAGE_H);
	b->cr = cairo_create(b->surface);
	return b;
}

int
render_pdf_book_add(struct pdf_book *b, const struct render_ctx *r, int64_t id)
{
	struct doc d;
	int ret;

	if (doc_load(r, id, &d) != 0)
		return -1;
	ret = draw(b->cr, &d);
	if (ret == 0 && cairo_surface_status(b->surface) != CAIRO_STATUS_SUCCESS) {
		log_error("document %s: PDF: %s", d.row->number,
		    cairo_status_to_string(cairo_surface_status(b->surface)));
		ret = -1;
	}
	doc_clear(&d);
	return ret;
}

int
render_pdf_book_end(struct pdf_book *b)
{
	int ret;

	cairo_destroy(b->cr);
	cairo_surface_finish(b->surface);
	ret = cairo_surface_status(b->surface) == CAIRO_STATUS_SUCCESS && !b->failed ? 0 : -1;
	cairo_surface_destroy(b->surface);
	free(b);
	return ret;
}
