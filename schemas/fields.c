#include "config.h"

#include <string.h>

#include "schemas/fields.h"

const char *const order_status_values[] = { "pending", "confirmed", NULL };
const char *const amend_status_values[] = { "confirmed", NULL };
const char *const payment_type_values[] = { "capture", "refund", "release", "authorization", NULL };
const char *const payment_status_values[] = { "success", "failed", NULL };

#define FIELD_DEF(n, t, r, l, v, d) { #n, t, r, l, v, d },

static const struct field_def order_head[] = { ORDER_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def product_line[] = { PRODUCT_LINE_FIELDS(FIELD_DEF) };
static const struct field_def qty_line[] = { QTY_LINE_FIELDS(FIELD_DEF) };
static const struct field_def amendment_head[] = { AMENDMENT_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def cancellation_head[] = { CANCELLATION_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def shipment_head[] = { SHIPMENT_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def payment_head[] = { PAYMENT_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def return_head[] = { RETURN_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def invoice_head[] = { INVOICE_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def invoice_line[] = { INVOICE_LINE_FIELDS(FIELD_DEF) };

#define KIND(k, pl, sg, h, l, rule, id) \
	{ k, pl, sg, h, sizeof(h) / sizeof(h[0]), l, sizeof(l) / sizeof((l)[0]), rule, id }

static const struct field_def *const no_lines = NULL;

static const struct kind_def kinds[KIND__COUNT] = {
	KIND(KIND_ORDERS, "orders", "order", order_head, product_line, LINES_REQUIRED, OH_order_number),
	KIND(KIND_AMENDMENTS, "amendments", "amendment", amendment_head, product_line, LINES_OPTIONAL, AH_amendment_id),
	KIND(KIND_CANCELLATIONS, "cancellations", "cancellation", cancellation_head, qty_line, LINES_OPTIONAL, CH_cancellation_id),
	KIND(KIND_SHIPMENTS, "shipments", "shipment", shipment_head, qty_line, LINES_REQUIRED, SH_shipment_id),
	{ KIND_PAYMENTS, "payments", "payment", payment_head,
	  sizeof(payment_head) / sizeof(payment_head[0]), no_lines, 0, LINES_NONE, PH_event_id },
	KIND(KIND_RETURNS, "returns", "return", return_head, qty_line, LINES_REQUIRED, RH_return_id),
	KIND(KIND_INVOICES, "invoices", "invoice", invoice_head, invoice_line, LINES_REQUIRED, IH_invoice_id),
};

const struct kind_def *
kind_get(enum kind kind)
{
	return kind < KIND__COUNT ? &kinds[kind] : NULL;
}

const struct kind_def *
kind_by_name(const char *plural)
{
	for (size_t i = 0; i < KIND__COUNT; i++)
		if (strcmp(kinds[i].plural, plural) == 0)
			return &kinds[i];
	return NULL;
}

int
kind_field_index(const struct kind_def *k, bool line, const char *name, size_t len)
{
	const struct field_def *f = line ? k->line : k->head;
	size_t n = line ? k->nline : k->nhead;

	for (size_t i = 0; i < n; i++)
		if (strlen(f[i].name) == len && memcmp(f[i].name, name, len) == 0)
			return (int)i;
	return -1;
}
